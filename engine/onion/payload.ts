/**
 * BOLT 4 "`payload` format": the per-hop TLV payload of a payment onion, and the reader's rules
 * ("Requirements"): amt_to_forward and outgoing_cltv_value always; short_channel_id on every
 * non-final hop and never on the final one; payment_data never on a non-final hop. Type offsets
 * are kept so a bad payload is answered with `invalid_onion_payload` naming the type and offset.
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import type { TlvRecord } from '../wire/tlv.ts';
import { FailureCode } from './failure-codes.ts';

export type { TlvRecord };

/** TLV types of the payment payload (BOLT 4 "`payload` format", keysend from bLIP 3). */
export const PayloadType = {
  AMT_TO_FORWARD: 2n,
  OUTGOING_CLTV_VALUE: 4n,
  SHORT_CHANNEL_ID: 6n,
  PAYMENT_DATA: 8n,
  ENCRYPTED_RECIPIENT_DATA: 10n,
  CURRENT_PATH_KEY: 12n,
  PAYMENT_METADATA: 16n,
  TOTAL_AMOUNT_MSAT: 18n,
  KEYSEND_PREIMAGE: 5482373484n,
} as const;

/** A hop payload (BOLT 4 "payload format"). */
export interface HopPayload {
  /** TLV 2 `amt_to_forward`. */
  readonly amtToForwardMsat: bigint;
  /** TLV 4 `outgoing_cltv_value`. */
  readonly outgoingCltvValue: number;
  /** TLV 6 (non-final hops). */
  readonly shortChannelId?: bigint;
  /** TLV 8 (final hop). */
  readonly paymentData?: { readonly paymentSecret: Uint8Array; readonly totalMsat: bigint };
  /** TLV 16 (final hop). */
  readonly paymentMetadata?: Uint8Array;
  /** TLV 5482373484 (final hop of a spontaneous payment, bLIP 3 keysend). */
  readonly keysendPreimage?: Uint8Array;
  /** Odd TLV records this node does not understand, kept as they came. */
  readonly unknownOdd?: readonly TlvRecord[];
}

/**
 * A hop payload that breaks BOLT 4's reader rules. The answer is `invalid_onion_payload`
 * (PERM|22) carrying `tlvType` and `offset` (the record's byte offset in the TLV stream; 0 when
 * a required record is missing).
 */
export class OnionPayloadError extends DecodeError {
  readonly code = FailureCode.INVALID_ONION_PAYLOAD;
  readonly tlvType: bigint;
  readonly offset: number;
  constructor(tlvType: bigint, offset: number, message: string) {
    super(`onion_payload[${tlvType}]`, message);
    this.tlvType = tlvType;
    this.offset = offset;
  }
}

const U64_MAX = (1n << 64n) - 1n;
const KNOWN_EVEN: ReadonlySet<bigint> = new Set([
  PayloadType.AMT_TO_FORWARD,
  PayloadType.OUTGOING_CLTV_VALUE,
  PayloadType.SHORT_CHANNEL_ID,
  PayloadType.PAYMENT_DATA,
  PayloadType.PAYMENT_METADATA,
  PayloadType.KEYSEND_PREIMAGE,
]);

function checkU64(v: unknown, field: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new ValidationError(field, 'must be a bigint in [0, 2^64)');
  return v;
}

function checkBytes(v: unknown, field: string, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ValidationError(field, 'must be a Uint8Array');
  if (length !== undefined && v.length !== length) throw new ValidationError(field, `must be ${length} bytes, got ${v.length}`);
  return v;
}

function truncatedBytes(v: bigint, maxBytes: 2 | 4 | 8): Uint8Array {
  return new ByteWriter(maxBytes).truncated(v, maxBytes).finish();
}

/**
 * Serialise a hop payload as its TLV stream (no length prefix). A payload without
 * `shortChannelId` is a final hop's; one with it must not carry final-hop records.
 */
export function encodeHopPayload(p: HopPayload): Uint8Array {
  const records: TlvRecord[] = [];
  records.push({ type: PayloadType.AMT_TO_FORWARD, value: truncatedBytes(checkU64(p.amtToForwardMsat, 'amtToForwardMsat'), 8) });
  const cltv = p.outgoingCltvValue;
  if (!Number.isInteger(cltv) || cltv < 0 || cltv > 0xffffffff) throw new ValidationError('outgoingCltvValue', 'must be a u32');
  records.push({ type: PayloadType.OUTGOING_CLTV_VALUE, value: truncatedBytes(BigInt(cltv), 4) });
  const forwarding = p.shortChannelId !== undefined;
  if (forwarding) {
    records.push({ type: PayloadType.SHORT_CHANNEL_ID, value: new ByteWriter(8).u64(checkU64(p.shortChannelId, 'shortChannelId')).finish() });
    if (p.paymentData) throw new ValidationError('paymentData', 'only the final hop carries payment_data');
    if (p.keysendPreimage) throw new ValidationError('keysendPreimage', 'only the final hop carries a keysend preimage');
  }
  if (p.paymentData) {
    const w = new ByteWriter(40).bytes(checkBytes(p.paymentData.paymentSecret, 'paymentData.paymentSecret', 32));
    w.truncated(checkU64(p.paymentData.totalMsat, 'paymentData.totalMsat'), 8);
    records.push({ type: PayloadType.PAYMENT_DATA, value: w.finish() });
  }
  if (p.paymentMetadata !== undefined) records.push({ type: PayloadType.PAYMENT_METADATA, value: checkBytes(p.paymentMetadata, 'paymentMetadata') });
  if (p.keysendPreimage !== undefined) records.push({ type: PayloadType.KEYSEND_PREIMAGE, value: checkBytes(p.keysendPreimage, 'keysendPreimage', 32) });
  for (const rec of p.unknownOdd ?? []) {
    if (typeof rec.type !== 'bigint' || rec.type % 2n !== 1n || rec.type > U64_MAX) throw new ValidationError('unknownOdd', `type ${rec.type} is not an odd u64`);
    if (KNOWN_EVEN.has(rec.type) || records.some((r) => r.type === rec.type)) throw new ValidationError('unknownOdd', `duplicate type ${rec.type}`);
    records.push({ type: rec.type, value: checkBytes(rec.value, 'unknownOdd.value') });
  }
  records.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const w = new ByteWriter(64);
  for (const rec of records) w.bigsize(rec.type).bigsize(rec.value.length).bytes(rec.value);
  return w.finish();
}

interface LocatedRecord extends TlvRecord {
  readonly offset: number;
}

/** Walk the TLV stream keeping each record's offset; BOLT 1 ordering and BigSize rules apply. */
function readRecords(stream: Uint8Array): LocatedRecord[] {
  const r = new ByteReader(stream);
  const out: LocatedRecord[] = [];
  let last = -1n;
  while (!r.done) {
    const offset = r.offset;
    let type: bigint;
    let length: bigint;
    try {
      type = r.bigsize('type');
    } catch {
      throw new OnionPayloadError(last < 0n ? 0n : last, offset, 'unreadable TLV type');
    }
    try {
      length = r.bigsize('length');
    } catch {
      throw new OnionPayloadError(type, offset, 'unreadable TLV length');
    }
    if (length > BigInt(r.remaining)) throw new OnionPayloadError(type, offset, `length ${length} exceeds the ${r.remaining} bytes left`);
    const value = r.take(Number(length), 'value');
    if (type <= last) throw new OnionPayloadError(type, offset, type === last ? 'duplicate TLV type' : 'TLV types not strictly increasing');
    last = type;
    if (type % 2n === 0n && !KNOWN_EVEN.has(type)) throw new OnionPayloadError(type, offset, 'unknown even TLV type');
    out.push({ type, value, offset });
  }
  return out;
}

function truncatedValue(rec: LocatedRecord, maxBytes: 4 | 8): bigint {
  try {
    return new ByteReader(rec.value).truncated('value', maxBytes);
  } catch {
    throw new OnionPayloadError(rec.type, rec.offset, 'not a minimal truncated integer');
  }
}

/**
 * Parse a hop payload (its TLV stream, the length prefix already removed) and apply BOLT 4's
 * reader rules for a final (`isFinal`) or forwarding hop. Throws `OnionPayloadError`.
 */
export function decodeHopPayload(tlvStream: Uint8Array, isFinal: boolean): HopPayload {
  const records = readRecords(tlvStream);
  const byType = new Map<bigint, LocatedRecord>();
  const unknownOdd: TlvRecord[] = [];
  for (const rec of records) {
    if (KNOWN_EVEN.has(rec.type)) byType.set(rec.type, rec);
    else unknownOdd.push({ type: rec.type, value: rec.value.slice() });
  }
  const amt = byType.get(PayloadType.AMT_TO_FORWARD);
  if (!amt) throw new OnionPayloadError(PayloadType.AMT_TO_FORWARD, 0, 'amt_to_forward is missing');
  const cltv = byType.get(PayloadType.OUTGOING_CLTV_VALUE);
  if (!cltv) throw new OnionPayloadError(PayloadType.OUTGOING_CLTV_VALUE, 0, 'outgoing_cltv_value is missing');
  const scid = byType.get(PayloadType.SHORT_CHANNEL_ID);
  const data = byType.get(PayloadType.PAYMENT_DATA);
  const metadata = byType.get(PayloadType.PAYMENT_METADATA);
  const keysend = byType.get(PayloadType.KEYSEND_PREIMAGE);
  const payload: {
    amtToForwardMsat: bigint;
    outgoingCltvValue: number;
    shortChannelId?: bigint;
    paymentData?: { paymentSecret: Uint8Array; totalMsat: bigint };
    paymentMetadata?: Uint8Array;
    keysendPreimage?: Uint8Array;
    unknownOdd?: readonly TlvRecord[];
  } = {
    amtToForwardMsat: truncatedValue(amt, 8),
    outgoingCltvValue: Number(truncatedValue(cltv, 4)),
  };
  if (isFinal) {
    if (scid) throw new OnionPayloadError(scid.type, scid.offset, 'the final hop must not carry short_channel_id');
  } else {
    if (!scid) throw new OnionPayloadError(PayloadType.SHORT_CHANNEL_ID, 0, 'short_channel_id is missing');
    if (data) throw new OnionPayloadError(data.type, data.offset, 'a forwarding hop must not carry payment_data');
    if (keysend) throw new OnionPayloadError(keysend.type, keysend.offset, 'a forwarding hop must not carry a keysend preimage');
  }
  if (scid) {
    if (scid.value.length !== 8) throw new OnionPayloadError(scid.type, scid.offset, 'short_channel_id must be 8 bytes');
    payload.shortChannelId = new ByteReader(scid.value).u64('short_channel_id');
  }
  if (data) {
    if (data.value.length < 32 || data.value.length > 40) throw new OnionPayloadError(data.type, data.offset, 'payment_data must be 32 to 40 bytes');
    let totalMsat: bigint;
    try {
      totalMsat = new ByteReader(data.value.subarray(32)).truncated('total_msat', 8);
    } catch {
      throw new OnionPayloadError(data.type, data.offset, 'total_msat is not a minimal truncated integer');
    }
    payload.paymentData = { paymentSecret: data.value.slice(0, 32), totalMsat };
  }
  if (metadata) payload.paymentMetadata = metadata.value.slice();
  if (keysend) {
    if (keysend.value.length !== 32) throw new OnionPayloadError(keysend.type, keysend.offset, 'keysend preimage must be 32 bytes');
    payload.keysendPreimage = keysend.value.slice();
  }
  if (unknownOdd.length > 0) payload.unknownOdd = unknownOdd;
  return payload;
}
