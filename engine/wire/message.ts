/**
 * Lightning message framing (BOLT 1 "Lightning Message Format"): a 2-byte big-endian type and a
 * payload. Unknown odd types are ignored, unknown even types fail the connection. Later BOLTs add
 * their codecs to `MESSAGE_CODECS`.
 */
import { DecodeError } from '../lib/errors.ts';
import {
  decodeErrorLike,
  decodeInit,
  decodePing,
  decodePong,
  encodeErrorLike,
  encodeInit,
  encodePing,
  encodePong,
  MSG_ERROR,
  MSG_INIT,
  MSG_PING,
  MSG_PONG,
  MSG_WARNING,
  type SetupMessage,
} from './messages/setup.ts';

/** Every message the engine decodes. */
export type Message = SetupMessage;

export type DecodedMessage =
  | { readonly kind: 'known'; readonly message: Message }
  | { readonly kind: 'unknown'; readonly type: number; readonly payload: Uint8Array };

const DECODERS: ReadonlyMap<number, (payload: Uint8Array) => Message> = new Map<number, (p: Uint8Array) => Message>([
  [MSG_WARNING, (p) => decodeErrorLike('warning', p)],
  [MSG_INIT, decodeInit],
  [MSG_ERROR, (p) => decodeErrorLike('error', p)],
  [MSG_PING, decodePing],
  [MSG_PONG, decodePong],
]);

/** True for message types this engine understands. */
export function isKnownMessageType(type: number): boolean {
  return DECODERS.has(type);
}

/**
 * Decode one Lightning message. Throws `DecodeError` for a malformed known message or for an
 * unknown even type; returns `{kind:'unknown'}` for an unknown odd type (the caller ignores it).
 */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  if (bytes.length < 2) throw new DecodeError('message.type', 'message shorter than 2 bytes');
  const type = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const payload = bytes.subarray(2);
  const decode = DECODERS.get(type);
  if (decode) return { kind: 'known', message: decode(payload) };
  if (type % 2 === 0) throw new DecodeError('message.type', `unknown even message type ${type}`);
  return { kind: 'unknown', type, payload };
}

/** Encode a message with its 2-byte type prefix. */
export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case 'init':
      return encodeInit(m);
    case 'error':
    case 'warning':
      return encodeErrorLike(m);
    case 'ping':
      return encodePing(m);
    case 'pong':
      return encodePong(m);
    default: {
      const never: never = m;
      throw new Error(`unencodable message ${(never as { type: string }).type}`);
    }
  }
}
