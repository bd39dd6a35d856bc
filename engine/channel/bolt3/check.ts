/**
 * Argument checks shared by the BOLT 3 builders. Every failure is a ValidationError that names
 * the offending field, so a bad value from the channel layer is reported where it came from.
 */
import { isValidPublicKey, isValidSecretKey } from '../../crypto/secp256k1.ts';
import { ValidationError } from '../../lib/errors.ts';

/** A 33-byte compressed point on the curve. */
export function checkPubkey(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || !isValidPublicKey(value)) {
    throw new ValidationError(field, 'must be a 33-byte compressed secp256k1 public key');
  }
  return value;
}

/** A 32-byte secret in [1, n). */
export function checkSecret(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || !isValidSecretKey(value)) {
    throw new ValidationError(field, 'must be a 32-byte secp256k1 secret key');
  }
  return value;
}

/** Exactly `length` bytes. */
export function checkBytes(value: unknown, length: number, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new ValidationError(field, `must be ${length} bytes`);
  }
  return value;
}

/** Any byte string (a script). */
export function checkScript(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ValidationError(field, 'must be bytes');
  if (value.length > 10_000) throw new ValidationError(field, 'is longer than a script may be (10000 bytes)');
  return value;
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** The most satoshis there will ever be, in msat: amounts above it are nonsense. */
export const MAX_MSAT: bigint = 21_000_000n * 100_000_000n * 1000n;

/** A non-negative bigint amount no larger than `max`. */
export function checkAmount(value: unknown, field: string, max: bigint = MAX_MSAT): bigint {
  if (typeof value !== 'bigint') throw new ValidationError(field, 'must be a bigint');
  if (value < 0n || value > max) throw new ValidationError(field, `must be from 0 to ${max}, got ${value}`);
  return value;
}

/** A u32 as used for locktimes, sequences, feerates and CLTV expiries. */
export function checkU32(value: unknown, field: string): number {
  return checkInt(value, 0, 0xffffffff, field);
}
