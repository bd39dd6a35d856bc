/**
 * Field readers and writers shared by the BOLT 2 channel message codecs. Every decode failure is
 * a `DecodeError` naming the field as `<message>.<spec field name>`; every encode failure on a
 * caller's value is a `ValidationError` named the same way.
 */
import { DecodeError, ValidationError } from '../../lib/errors.ts';
import { isValidPublicKey } from '../../crypto/secp256k1.ts';
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import { decodeExact, decodeTlvStream, encodeTlvStream, type TlvRecord } from '../tlv.ts';

export const CHANNEL_ID_LEN = 32;
export const CHAIN_HASH_LEN = 32;
export const SHA256_LEN = 32;
export const POINT_LEN = 33;
export const SIGNATURE_LEN = 64;
/** BOLT 2 / BOLT 4: the fixed size of `onion_routing_packet`. */
export const ONION_PACKET_LEN = 1366;

/** `n` bytes, copied out of the input. */
export function readFixed(r: ByteReader, n: number, field: string): Uint8Array {
  return r.take(n, field).slice();
}

/** A 33-byte compressed secp256k1 point, checked to be on the curve. */
export function readPoint(r: ByteReader, field: string): Uint8Array {
  const p = r.take(POINT_LEN, field);
  if (!isValidPublicKey(p)) throw new DecodeError(field, 'not a valid secp256k1 point');
  return p.slice();
}

export function writeFixed(w: ByteWriter, b: Uint8Array, n: number, field: string): ByteWriter {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new ValidationError(field, `must be ${n} bytes (got ${b instanceof Uint8Array ? b.length : typeof b})`);
  }
  return w.bytes(b);
}

export function writePoint(w: ByteWriter, p: Uint8Array, field: string): ByteWriter {
  writeFixed(w, p, POINT_LEN, field);
  if (!isValidPublicKey(p)) throw new ValidationError(field, 'not a valid secp256k1 point');
  return w;
}

/**
 * A message's TLV extension: the even/odd rule is enforced against `known`; known records are
 * returned by type, the rest (all odd) are kept verbatim for re-encoding.
 */
export function readTlvs(
  r: ByteReader,
  msg: string,
  known: ReadonlySet<bigint>,
): { known: Map<bigint, Uint8Array>; unknown: TlvRecord[] } {
  const recs = decodeTlvStream(r.rest(), known, `${msg}.tlvs`);
  const byType = new Map<bigint, Uint8Array>();
  const unknown: TlvRecord[] = [];
  for (const rec of recs) {
    if (known.has(rec.type)) byType.set(rec.type, rec.value.slice());
    else unknown.push({ type: rec.type, value: rec.value.slice() });
  }
  return { known: byType, unknown };
}

/** A TLV record holding exactly one u64 (e.g. `short_channel_id`). */
export function decodeU64Record(value: Uint8Array, field: string): bigint {
  return decodeExact(value, field, (r) => r.u64(field));
}

export function u64Record(v: bigint, field: string): Uint8Array {
  return new ByteWriter(8).u64(v, field).finish();
}

/** Write the TLV extension: our known records plus the kept unknown odd ones. */
export function writeTlvs(
  w: ByteWriter,
  msg: string,
  records: readonly TlvRecord[],
  unknown: readonly TlvRecord[] | undefined,
  known: ReadonlySet<bigint>,
): ByteWriter {
  for (const rec of unknown ?? []) {
    if (known.has(rec.type)) throw new ValidationError(`${msg}.unknownTlvs`, `type ${rec.type} is a known record; set its field instead`);
    if (rec.type % 2n === 0n) throw new ValidationError(`${msg}.unknownTlvs`, `type ${rec.type} is even; only odd unknown records may be sent`);
  }
  return w.bytes(encodeTlvStream([...records, ...(unknown ?? [])]));
}

/** `...({ unknownTlvs })` only when some were kept, as the setup codecs do. */
export function unknownTlvsField(unknown: readonly TlvRecord[]): { unknownTlvs?: readonly TlvRecord[] } {
  return unknown.length ? { unknownTlvs: unknown } : {};
}
