/**
 * The field primitives of the channel snapshot codec (codec.ts, codec-log.ts): fixed-size byte
 * strings, presence flags, commitment numbers and points, each naming the field on failure.
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import type { ByteReader } from '../wire/reader.ts';
import type { ByteWriter } from '../wire/writer.ts';

export const MAX_COMMITMENT_NUMBER = 2 ** 48 - 1;

export function fixed(w: ByteWriter, b: Uint8Array, n: number, field: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new ValidationError(field, `must be ${n} bytes`);
  w.bytes(b);
}

export function optional<T>(w: ByteWriter, v: T | undefined, write: (v: T) => void): void {
  if (v === undefined) w.u8(0);
  else {
    w.u8(1);
    write(v);
  }
}

export function commitmentIndex(w: ByteWriter, n: number, field: string): void {
  w.u64(BigInt(n), field);
}

export function point(r: ByteReader, field: string): Uint8Array {
  const p = r.take(33, field);
  if (!isValidPublicKey(p)) throw new DecodeError(field, 'not a valid secp256k1 point');
  return p.slice();
}

export function bytes(r: ByteReader, n: number, field: string): Uint8Array {
  return r.take(n, field).slice();
}

export function flag(r: ByteReader, field: string): boolean {
  const b = r.u8(field);
  if (b > 1) throw new DecodeError(field, `flag must be 0 or 1, got ${b}`);
  return b === 1;
}

export function readOptional<T>(r: ByteReader, field: string, read: () => T): T | undefined {
  return flag(r, `${field}.present`) ? read() : undefined;
}

export function readIndex(r: ByteReader, field: string): number {
  const v = r.u64(field);
  if (v > BigInt(MAX_COMMITMENT_NUMBER)) throw new DecodeError(field, 'commitment number above 2^48 - 1');
  return Number(v);
}
