/**
 * secp256k1: public keys, BOLT 8 ECDH, ECDSA over 32-byte digests, BOLT 3 tweak arithmetic.
 * Elliptic-curve work dominates our CPU time: verification, public derivation and ECDH run on
 * secp256k1-fast.ts (checked against noble by property tests), which caches decompressed keys;
 * signing stays with noble (RFC 6979).
 */
import * as secp from '@noble/secp256k1';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { DecodeError } from '../lib/errors.ts';
import {
  basePointMultiply,
  decompressPoint,
  publicPointAdd,
  publicPointAddTweak,
  publicPointMultiply,
  publicPointMultiplyAdd,
  publicPointMultiplyAddBase,
  sharedSecret,
  verifyEcdsa,
} from './secp256k1-fast.ts';

// Synchronous sign/verify need the hash hooks (noble-secp256k1 v3 "Enabling synchronous methods").
secp.hashes.sha256 = nobleSha256;
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);

/**
 * Check a compressed public key (decompressed once, then cached); throws DecodeError naming
 * `field` if it is not a valid point.
 */
export function parsePoint(pubkey: Uint8Array, field = 'pubkey'): void {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) {
    throw new DecodeError(field, 'not a 33-byte compressed public key');
  }
  if (!decompressPoint(pubkey)) throw new DecodeError(field, 'not a valid secp256k1 point');
}

/** True when `pubkey` is a valid compressed point. */
export function isValidPublicKey(pubkey: Uint8Array): boolean {
  return decompressPoint(pubkey) !== undefined;
}

/** True when `secret` is a valid private key (1 ≤ k < n). */
export function isValidSecretKey(secret: Uint8Array): boolean {
  return secret.length === 32 && secp.utils.isValidSecretKey(secret);
}

/** Compressed public key of a 32-byte secret (fixed-base table for G, secp256k1-fast.ts). */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  if (!isValidSecretKey(secret)) throw new RangeError('invalid secret key');
  return basePointMultiply(secret);
}

/** BOLT 8 ECDH: SHA256 of the compressed shared point `k·P`. */
export function ecdh(secret: Uint8Array, pubkey: Uint8Array): Uint8Array {
  if (!isValidSecretKey(secret)) throw new RangeError('invalid secret key');
  parsePoint(pubkey);
  return sharedSecret(secret, pubkey);
}

/** ECDSA over a 32-byte digest, low-S, 64-byte compact signature (noble, RFC 6979). */
export function signDigest(digest: Uint8Array, secret: Uint8Array): Uint8Array {
  return secp.sign(digest, secret, { prehash: false, lowS: true });
}

/**
 * Verify a 64-byte compact ECDSA signature over a 32-byte digest (high S accepted, as noble's
 * `lowS: false`). Never throws on bad input.
 */
export function verifyDigest(signature: Uint8Array, digest: Uint8Array, pubkey: Uint8Array): boolean {
  if (digest instanceof Uint8Array && digest.length === 32) return verifyEcdsa(signature, digest, pubkey, false);
  try {
    return isValidPublicKey(pubkey) && secp.verify(signature, digest, pubkey, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

// ---- Tweak arithmetic for BOLT 3 "Key Derivation" (public keys are public data: variable-time
// ladders are fine for them; secret scalars go through noble's constant-shape `multiply`). ----

const CURVE_N: bigint = secp.Point.CURVE().n;

function scalarOfTweak(tweak: Uint8Array, field: string): bigint {
  if (!(tweak instanceof Uint8Array) || tweak.length !== 32) throw new RangeError(`${field}: must be 32 bytes`);
  let n = 0n;
  for (const b of tweak) n = (n << 8n) | BigInt(b);
  if (n === 0n || n >= CURVE_N) throw new RangeError(`${field}: not a scalar in [1, n)`);
  return n;
}

function scalarBytes(n: bigint, field: string): Uint8Array {
  if (n === 0n) throw new RangeError(`${field}: result is zero`);
  return secp.etc.numberToBytesBE(n);
}

/** `A + B` of two compressed points (33 bytes). Throws a RangeError if the sum is infinity. */
export function pointAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  return publicPointAdd(a, b);
}

/** `k·P` for a public point and a public 32-byte scalar (variable time: public data only). */
export function pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  return publicPointMultiply(point, scalar);
}

/** `P + t·G`: a point tweaked by a 32-byte scalar (fixed-base table for G; public data only). */
export function pointAddTweak(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  return publicPointAddTweak(point, tweak);
}

/** `(a + b) mod n` of two 32-byte scalars; throws a RangeError if either is invalid or the sum is zero. */
export function privateAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  return scalarBytes((scalarOfTweak(a, 'a') + scalarOfTweak(b, 'b')) % CURVE_N, 'privateAdd');
}

/** `(a · b) mod n` of two 32-byte scalars; throws a RangeError if either is invalid. */
export function privateMultiply(a: Uint8Array, b: Uint8Array): Uint8Array {
  return scalarBytes((scalarOfTweak(a, 'a') * scalarOfTweak(b, 'b')) % CURVE_N, 'privateMultiply');
}

/**
 * `a·P + b·Q` for public points and scalars with one doubling chain (Strauss–Shamir on the GLV
 * halves), as BOLT 3's `revocationpubkey` needs. Variable time: public data only.
 */
export function pointMultiplyAdd(p: Uint8Array, a: Uint8Array, q: Uint8Array, b: Uint8Array): Uint8Array {
  return publicPointMultiplyAdd(p, a, q, b);
}

/** `a·P + c·G` for a public point and scalar `a` and a secret scalar `c` (BOLT 3 `revocationpubkey` of our own commitment). */
export function pointMultiplyAddBase(p: Uint8Array, a: Uint8Array, c: Uint8Array): Uint8Array {
  return publicPointMultiplyAddBase(p, a, c);
}
