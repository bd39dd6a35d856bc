/**
 * BOLT 2 channel close (legacy negotiation): `shutdown` (38) and `closing_signed` (39, with the
 * `fee_range` TLV). Each codec decodes the payload after the 2-byte type, including its TLV
 * extension, and encodes back to the same bytes.
 */
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import { decodeExact, type TlvRecord } from '../tlv.ts';
import { CHANNEL_ID_LEN, readFixed, readTlvs, SIGNATURE_LEN, unknownTlvsField, writeFixed, writeTlvs } from './channel-fields.ts';

export const MSG_SHUTDOWN = 38;
export const MSG_CLOSING_SIGNED = 39;

export interface ShutdownMessage {
  readonly type: 'shutdown';
  readonly channelId: Uint8Array;
  readonly scriptpubkey: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface ClosingFeeRange {
  readonly minFeeSatoshis: bigint;
  readonly maxFeeSatoshis: bigint;
}

export interface ClosingSignedMessage {
  readonly type: 'closing_signed';
  readonly channelId: Uint8Array;
  readonly feeSatoshis: bigint;
  readonly signature: Uint8Array;
  /** closing_signed_tlvs type 1 `fee_range`. */
  readonly feeRange?: ClosingFeeRange;
  readonly unknownTlvs?: readonly TlvRecord[];
}

const TLV_FEE_RANGE = 1n;
const CLOSING_KNOWN: ReadonlySet<bigint> = new Set([TLV_FEE_RANGE]);
const NONE_KNOWN: ReadonlySet<bigint> = new Set();

export function decodeShutdown(payload: Uint8Array): ShutdownMessage {
  const r = new ByteReader(payload);
  const msg = 'shutdown';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const scriptpubkey = r.u16Prefixed(`${msg}.scriptpubkey`).slice();
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'shutdown', channelId, scriptpubkey, ...unknownTlvsField(unknown) };
}

export function encodeShutdown(m: ShutdownMessage): Uint8Array {
  const msg = 'shutdown';
  const w = new ByteWriter(80).u16(MSG_SHUTDOWN);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u16Prefixed(m.scriptpubkey, `${msg}.scriptpubkey`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeClosingSigned(payload: Uint8Array): ClosingSignedMessage {
  const r = new ByteReader(payload);
  const msg = 'closing_signed';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const feeSatoshis = r.u64(`${msg}.fee_satoshis`);
  const signature = readFixed(r, SIGNATURE_LEN, `${msg}.signature`);
  const { known, unknown } = readTlvs(r, msg, CLOSING_KNOWN);
  const range = known.get(TLV_FEE_RANGE);
  const field = `${msg}.tlvs.fee_range`;
  const feeRange = range
    ? decodeExact(range, field, (fr) => ({ minFeeSatoshis: fr.u64(`${field}.min_fee_satoshis`), maxFeeSatoshis: fr.u64(`${field}.max_fee_satoshis`) }))
    : undefined;
  return { type: 'closing_signed', channelId, feeSatoshis, signature, ...(feeRange ? { feeRange } : {}), ...unknownTlvsField(unknown) };
}

export function encodeClosingSigned(m: ClosingSignedMessage): Uint8Array {
  const msg = 'closing_signed';
  const w = new ByteWriter(130).u16(MSG_CLOSING_SIGNED);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.feeSatoshis, `${msg}.fee_satoshis`);
  writeFixed(w, m.signature, SIGNATURE_LEN, `${msg}.signature`);
  const recs: TlvRecord[] = [];
  if (m.feeRange) {
    const value = new ByteWriter(16)
      .u64(m.feeRange.minFeeSatoshis, `${msg}.fee_range.min_fee_satoshis`)
      .u64(m.feeRange.maxFeeSatoshis, `${msg}.fee_range.max_fee_satoshis`)
      .finish();
    recs.push({ type: TLV_FEE_RANGE, value });
  }
  writeTlvs(w, msg, recs, m.unknownTlvs, CLOSING_KNOWN);
  return w.finish();
}
