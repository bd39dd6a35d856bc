/**
 * BOLT 1 setup and control messages: `init` (16), `error` (17), `warning` (1), `ping` (18),
 * `pong` (19). Each codec decodes the message payload (after the 2-byte type) and its TLV
 * extension, and encodes back to the same bytes.
 */
import { DecodeError, ValidationError } from '../../lib/errors.ts';
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import { decodeTlvStream, encodeTlvStream, type TlvRecord } from '../tlv.ts';

export const MSG_WARNING = 1;
export const MSG_INIT = 16;
export const MSG_ERROR = 17;
export const MSG_PING = 18;
export const MSG_PONG = 19;

/** BOLT 1: `num_pong_bytes` of 65532 or more means "do not reply". */
export const PING_NO_REPLY_THRESHOLD = 65532;

/** BOLT 1 `init`. `features` is the union the peer must use; `globalFeatures` is kept for re-encoding. */
export interface InitMessage {
  readonly type: 'init';
  readonly globalFeatures: Uint8Array;
  readonly features: Uint8Array;
  /** init_tlvs type 1: chain hashes the sender is interested in. */
  readonly networks?: readonly Uint8Array[];
  /** init_tlvs type 3: the address the sender sees us at (raw BOLT 7 address descriptor). */
  readonly remoteAddress?: Uint8Array;
  /** Unknown odd records, kept verbatim. */
  readonly unknownTlvs?: readonly TlvRecord[];
}

/** BOLT 1 `error` and `warning`: all-zero channel id means "all channels". */
export interface ErrorMessage {
  readonly type: 'error' | 'warning';
  readonly channelId: Uint8Array;
  readonly data: Uint8Array;
}

export interface PingMessage {
  readonly type: 'ping';
  readonly numPongBytes: number;
  readonly ignoredLength: number;
}

export interface PongMessage {
  readonly type: 'pong';
  readonly ignoredLength: number;
}

export type SetupMessage = InitMessage | ErrorMessage | PingMessage | PongMessage;

const INIT_TLV_NETWORKS = 1n;
const INIT_TLV_REMOTE_ADDR = 3n;
const INIT_KNOWN = new Set([INIT_TLV_NETWORKS, INIT_TLV_REMOTE_ADDR]);
const NONE_KNOWN: ReadonlySet<bigint> = new Set();

/** Decode and discard a message's TLV extension, enforcing the even/odd rule on it. */
function readExtension(r: ByteReader, field: string, known: ReadonlySet<bigint> = NONE_KNOWN): TlvRecord[] {
  return decodeTlvStream(r.rest(), known, `${field}.tlvs`);
}

export function decodeInit(payload: Uint8Array): InitMessage {
  const r = new ByteReader(payload);
  const globalFeatures = r.u16Prefixed('init.globalfeatures').slice();
  const features = r.u16Prefixed('init.features').slice();
  const tlvs = readExtension(r, 'init', INIT_KNOWN);
  let networks: Uint8Array[] | undefined;
  let remoteAddress: Uint8Array | undefined;
  const unknownTlvs: TlvRecord[] = [];
  for (const rec of tlvs) {
    if (rec.type === INIT_TLV_NETWORKS) {
      if (rec.value.length % 32 !== 0) throw new DecodeError('init.tlvs.networks', 'length is not a multiple of 32');
      networks = [];
      for (let i = 0; i < rec.value.length; i += 32) networks.push(rec.value.slice(i, i + 32));
    } else if (rec.type === INIT_TLV_REMOTE_ADDR) {
      remoteAddress = rec.value.slice();
    } else {
      unknownTlvs.push({ type: rec.type, value: rec.value.slice() });
    }
  }
  return {
    type: 'init',
    globalFeatures,
    features,
    ...(networks ? { networks } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
    ...(unknownTlvs.length ? { unknownTlvs } : {}),
  };
}

export function encodeInit(m: InitMessage): Uint8Array {
  const w = new ByteWriter().u16(MSG_INIT).u16Prefixed(m.globalFeatures).u16Prefixed(m.features);
  const recs: TlvRecord[] = [...(m.unknownTlvs ?? [])];
  if (m.networks) {
    for (const n of m.networks) if (n.length !== 32) throw new ValidationError('init.networks', 'chain hash must be 32 bytes');
    const v = new Uint8Array(m.networks.length * 32);
    m.networks.forEach((n, i) => v.set(n, i * 32));
    recs.push({ type: INIT_TLV_NETWORKS, value: v });
  }
  if (m.remoteAddress) recs.push({ type: INIT_TLV_REMOTE_ADDR, value: m.remoteAddress });
  return w.bytes(encodeTlvStream(recs)).finish();
}

export function decodeErrorLike(kind: 'error' | 'warning', payload: Uint8Array): ErrorMessage {
  const r = new ByteReader(payload);
  const channelId = r.take(32, `${kind}.channel_id`).slice();
  const data = r.u16Prefixed(`${kind}.data`).slice();
  readExtension(r, kind);
  return { type: kind, channelId, data };
}

export function encodeErrorLike(m: ErrorMessage): Uint8Array {
  if (m.channelId.length !== 32) throw new ValidationError(`${m.type}.channel_id`, 'must be 32 bytes');
  return new ByteWriter()
    .u16(m.type === 'error' ? MSG_ERROR : MSG_WARNING)
    .bytes(m.channelId)
    .u16Prefixed(m.data)
    .finish();
}

export function decodePing(payload: Uint8Array): PingMessage {
  const r = new ByteReader(payload);
  const numPongBytes = r.u16('ping.num_pong_bytes');
  const ignored = r.u16Prefixed('ping.ignored');
  readExtension(r, 'ping');
  return { type: 'ping', numPongBytes, ignoredLength: ignored.length };
}

/** `ignored` bytes MUST be zero when sent (BOLT 1). */
export function encodePing(m: PingMessage): Uint8Array {
  return new ByteWriter()
    .u16(MSG_PING)
    .u16(m.numPongBytes, 'ping.num_pong_bytes')
    .u16Prefixed(new Uint8Array(m.ignoredLength), 'ping.ignored')
    .finish();
}

export function decodePong(payload: Uint8Array): PongMessage {
  const r = new ByteReader(payload);
  const ignored = r.u16Prefixed('pong.ignored');
  readExtension(r, 'pong');
  return { type: 'pong', ignoredLength: ignored.length };
}

export function encodePong(m: PongMessage): Uint8Array {
  return new ByteWriter().u16(MSG_PONG).u16Prefixed(new Uint8Array(m.ignoredLength), 'pong.ignored').finish();
}

/** Human-readable text of an error/warning: printable ASCII is shown, anything else as hex. */
export function errorText(m: ErrorMessage): string {
  const printable = m.data.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09);
  if (printable) return String.fromCharCode(...m.data);
  return `0x${[...m.data].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Encode a string as error/warning data (ASCII; other characters become '?'). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c >= 0x20 && c < 0x7f ? c : 0x3f;
  }
  return out;
}
