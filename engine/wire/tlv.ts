/**
 * TLV streams (BOLT 1 "Type-Length-Value Format"): strictly increasing types, canonical BigSize
 * type and length, and the "it's OK to be odd" rule — an unknown even type fails the whole stream,
 * an unknown odd type is kept (so signed messages can be re-serialised) but otherwise ignored.
 */
import { DecodeError } from '../lib/errors.ts';
import { ByteReader } from './reader.ts';
import { ByteWriter } from './writer.ts';

export interface TlvRecord {
  readonly type: bigint;
  readonly value: Uint8Array;
}

/**
 * Parse a TLV stream into records. `knownTypes` are the types the caller understands; an unknown
 * even type is a `DecodeError`. Ordering and duplicates are checked for every record.
 */
export function decodeTlvStream(bytes: Uint8Array, knownTypes: ReadonlySet<bigint>, field = 'tlv'): TlvRecord[] {
  const r = new ByteReader(bytes);
  const out: TlvRecord[] = [];
  let last = -1n;
  while (!r.done) {
    const type = r.bigsize(`${field}.type`);
    const length = r.bigsize(`${field}[${type}].length`);
    if (length > BigInt(r.remaining)) {
      throw new DecodeError(`${field}[${type}].value`, `length ${length} exceeds the ${r.remaining} bytes left`);
    }
    const value = r.take(Number(length), `${field}[${type}].value`);
    if (type <= last) {
      throw new DecodeError(`${field}[${type}]`, type === last ? 'duplicate TLV type' : 'TLV types not strictly increasing');
    }
    last = type;
    if (!knownTypes.has(type) && type % 2n === 0n) {
      throw new DecodeError(`${field}[${type}]`, 'unknown even TLV type');
    }
    out.push({ type, value });
  }
  return out;
}

/** Serialise records, sorting them by type; duplicate types are a programming error. */
export function encodeTlvStream(records: readonly TlvRecord[]): Uint8Array {
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const w = new ByteWriter();
  let last = -1n;
  for (const rec of sorted) {
    if (rec.type === last) throw new Error(`duplicate TLV type ${rec.type}`);
    last = rec.type;
    w.bigsize(rec.type).bigsize(rec.value.length).bytes(rec.value);
  }
  return w.finish();
}

/** The value of record `type`, if present. */
export function tlvValue(records: readonly TlvRecord[], type: bigint): Uint8Array | undefined {
  for (const r of records) if (r.type === type) return r.value;
  return undefined;
}

/**
 * Decode a record value that must be consumed exactly: runs `decode` over a reader and fails if
 * bytes are left over ("greater than encoding length").
 */
export function decodeExact<T>(value: Uint8Array, field: string, decode: (r: ByteReader) => T): T {
  const r = new ByteReader(value);
  const out = decode(r);
  if (!r.done) throw new DecodeError(field, `${r.remaining} unexpected trailing bytes`);
  return out;
}
