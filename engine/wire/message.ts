/**
 * Lightning message framing (BOLT 1 "Lightning Message Format"): a 2-byte big-endian type and a
 * payload. Unknown odd types are ignored, unknown even types fail the connection. BOLT 1 setup
 * messages and BOLT 2 channel messages are registered in `DECODERS` and `encodeMessage`.
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
import {
  decodeAcceptChannel,
  decodeChannelReady,
  decodeChannelReestablish,
  decodeClosingSigned,
  decodeCommitmentSigned,
  decodeFundingCreated,
  decodeFundingSigned,
  decodeOpenChannel,
  decodeRevokeAndAck,
  decodeShutdown,
  decodeUpdateAddHtlc,
  decodeUpdateFailHtlc,
  decodeUpdateFailMalformedHtlc,
  decodeUpdateFee,
  decodeUpdateFulfillHtlc,
  encodeAcceptChannel,
  encodeChannelReady,
  encodeChannelReestablish,
  encodeClosingSigned,
  encodeCommitmentSigned,
  encodeFundingCreated,
  encodeFundingSigned,
  encodeOpenChannel,
  encodeRevokeAndAck,
  encodeShutdown,
  encodeUpdateAddHtlc,
  encodeUpdateFailHtlc,
  encodeUpdateFailMalformedHtlc,
  encodeUpdateFee,
  encodeUpdateFulfillHtlc,
  MSG_ACCEPT_CHANNEL,
  MSG_CHANNEL_READY,
  MSG_CHANNEL_REESTABLISH,
  MSG_CLOSING_SIGNED,
  MSG_COMMITMENT_SIGNED,
  MSG_FUNDING_CREATED,
  MSG_FUNDING_SIGNED,
  MSG_OPEN_CHANNEL,
  MSG_REVOKE_AND_ACK,
  MSG_SHUTDOWN,
  MSG_UPDATE_ADD_HTLC,
  MSG_UPDATE_FAIL_HTLC,
  MSG_UPDATE_FAIL_MALFORMED_HTLC,
  MSG_UPDATE_FEE,
  MSG_UPDATE_FULFILL_HTLC,
  type ChannelMessage,
} from './messages/channel.ts';
import { GOSSIP_MESSAGE_NAMES } from './messages/gossip.ts';

/** Every message the engine decodes. */
export type Message = SetupMessage | ChannelMessage;

export type DecodedMessage =
  | { readonly kind: 'known'; readonly message: Message }
  /** BOLT 7 gossip: known (so never "unknown even"), passed on undecoded for now. */
  | { readonly kind: 'gossip'; readonly type: number; readonly name: string; readonly payload: Uint8Array }
  | { readonly kind: 'unknown'; readonly type: number; readonly payload: Uint8Array };

const DECODERS: ReadonlyMap<number, (payload: Uint8Array) => Message> = new Map<number, (p: Uint8Array) => Message>([
  [MSG_WARNING, (p) => decodeErrorLike('warning', p)],
  [MSG_INIT, decodeInit],
  [MSG_ERROR, (p) => decodeErrorLike('error', p)],
  [MSG_PING, decodePing],
  [MSG_PONG, decodePong],
  [MSG_OPEN_CHANNEL, decodeOpenChannel],
  [MSG_ACCEPT_CHANNEL, decodeAcceptChannel],
  [MSG_FUNDING_CREATED, decodeFundingCreated],
  [MSG_FUNDING_SIGNED, decodeFundingSigned],
  [MSG_CHANNEL_READY, decodeChannelReady],
  [MSG_SHUTDOWN, decodeShutdown],
  [MSG_CLOSING_SIGNED, decodeClosingSigned],
  [MSG_UPDATE_ADD_HTLC, decodeUpdateAddHtlc],
  [MSG_UPDATE_FULFILL_HTLC, decodeUpdateFulfillHtlc],
  [MSG_UPDATE_FAIL_HTLC, decodeUpdateFailHtlc],
  [MSG_COMMITMENT_SIGNED, decodeCommitmentSigned],
  [MSG_REVOKE_AND_ACK, decodeRevokeAndAck],
  [MSG_UPDATE_FEE, decodeUpdateFee],
  [MSG_UPDATE_FAIL_MALFORMED_HTLC, decodeUpdateFailMalformedHtlc],
  [MSG_CHANNEL_REESTABLISH, decodeChannelReestablish],
]);

/** True for message types this engine understands (decodes, or knows and passes on: gossip). */
export function isKnownMessageType(type: number): boolean {
  return DECODERS.has(type) || GOSSIP_MESSAGE_NAMES.has(type);
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
  const gossip = GOSSIP_MESSAGE_NAMES.get(type);
  if (gossip !== undefined) return { kind: 'gossip', type, name: gossip, payload };
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
    case 'open_channel':
      return encodeOpenChannel(m);
    case 'accept_channel':
      return encodeAcceptChannel(m);
    case 'funding_created':
      return encodeFundingCreated(m);
    case 'funding_signed':
      return encodeFundingSigned(m);
    case 'channel_ready':
      return encodeChannelReady(m);
    case 'shutdown':
      return encodeShutdown(m);
    case 'closing_signed':
      return encodeClosingSigned(m);
    case 'update_add_htlc':
      return encodeUpdateAddHtlc(m);
    case 'update_fulfill_htlc':
      return encodeUpdateFulfillHtlc(m);
    case 'update_fail_htlc':
      return encodeUpdateFailHtlc(m);
    case 'update_fail_malformed_htlc':
      return encodeUpdateFailMalformedHtlc(m);
    case 'commitment_signed':
      return encodeCommitmentSigned(m);
    case 'revoke_and_ack':
      return encodeRevokeAndAck(m);
    case 'update_fee':
      return encodeUpdateFee(m);
    case 'channel_reestablish':
      return encodeChannelReestablish(m);
    default: {
      const never: never = m;
      throw new Error(`unencodable message ${(never as { type: string }).type}`);
    }
  }
}
