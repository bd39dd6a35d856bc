/**
 * secp256k1 over @noble/secp256k1: public keys, BOLT 8 ECDH, ECDSA over 32-byte digests.
 * Elliptic-curve work dominates our CPU time, so parsed points are cached: a peer's key is parsed
 * (and validated) once, not on every ECDH or verify.
 */
import * as secp from '@noble/secp256k1';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { DecodeError } from '../lib/errors.ts';

// Synchronous sign/verify need the hash hooks (noble-secp256k1 v3 "Enabling synchronous methods").
secp.hashes.sha256 = nobleSha256;
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);

type Point = InstanceType<typeof secp.Point>;

const POINT_CACHE_LIMIT = 1024;
const pointCache = new Map<string, Point>();

function keyOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Parse a compressed public key once; throws DecodeError naming `field` if it is not on the curve. */
export function parsePoint(pubkey: Uint8Array, field = 'pubkey'): Point {
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) {
    throw new DecodeError(field, 'not a 33-byte compressed public key');
  }
  const k = keyOf(pubkey);
  const hit = pointCache.get(k);
  if (hit) return hit;
  let p: Point;
  try {
    p = secp.Point.fromBytes(pubkey);
  } catch {
    throw new DecodeError(field, 'not a valid secp256k1 point');
  }
  if (pointCache.size >= POINT_CACHE_LIMIT) pointCache.delete(pointCache.keys().next().value as string);
  pointCache.set(k, p);
  return p;
}

/** True when `pubkey` is a valid compressed point. */
export function isValidPublicKey(pubkey: Uint8Array): boolean {
  try {
    parsePoint(pubkey);
    return true;
  } catch {
    return false;
  }
}

/** True when `secret` is a valid private key (1 ≤ k < n). */
export function isValidSecretKey(secret: Uint8Array): boolean {
  return secret.length === 32 && secp.utils.isValidSecretKey(secret);
}

/** Compressed public key of a 32-byte secret (uses noble's base-point precomputes). */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  return secp.getPublicKey(secret, true);
}

function scalarOf(secret: Uint8Array): bigint {
  if (!isValidSecretKey(secret)) throw new RangeError('invalid secret key');
  let n = 0n;
  for (const b of secret) n = (n << 8n) | BigInt(b);
  return n;
}

/** BOLT 8 ECDH: SHA256 of the compressed shared point `k·P`. */
export function ecdh(secret: Uint8Array, pubkey: Uint8Array): Uint8Array {
  const shared = parsePoint(pubkey).multiply(scalarOf(secret)).toBytes(true);
  return nobleSha256(shared);
}

/** ECDSA over a 32-byte digest, low-S, 64-byte compact signature. */
export function signDigest(digest: Uint8Array, secret: Uint8Array): Uint8Array {
  return secp.sign(digest, secret, { prehash: false, lowS: true });
}

/** Verify a 64-byte compact ECDSA signature over a 32-byte digest. Never throws on bad input. */
export function verifyDigest(signature: Uint8Array, digest: Uint8Array, pubkey: Uint8Array): boolean {
  try {
    return secp.verify(signature, digest, parsePoint(pubkey).toBytes(true), { prehash: false, lowS: false });
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
  const sum = parsePoint(a, 'a').add(parsePoint(b, 'b'));
  if (sum.is0()) throw new RangeError('pointAdd: result is the point at infinity');
  return sum.toBytes(true);
}

/** `k·P` for a public point and a public 32-byte scalar (variable time: public data only). */
export function pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  return parsePoint(point, 'point').multiplyUnsafe(scalarOfTweak(scalar, 'scalar')).toBytes(true);
}

/** `P + t·G`: a point tweaked by a 32-byte scalar (uses noble's base-point precomputes). */
export function pointAddTweak(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  const sum = parsePoint(point, 'point').add(secp.Point.BASE.multiply(scalarOfTweak(tweak, 'tweak')));
  if (sum.is0()) throw new RangeError('pointAddTweak: result is the point at infinity');
  return sum.toBytes(true);
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
 * `a·P + b·Q` for public points and scalars in one pass (Shamir's trick: one doubling per bit
 * instead of two), as BOLT 3's `revocationpubkey` needs. Variable time: public data only.
 */
export function pointMultiplyAdd(p: Uint8Array, a: Uint8Array, q: Uint8Array, b: Uint8Array): Uint8Array {
  const P = parsePoint(p, 'p');
  const Q = parsePoint(q, 'q');
  const x = scalarOfTweak(a, 'a');
  const y = scalarOfTweak(b, 'b');
  const PQ = P.add(Q);
  let R = secp.Point.ZERO;
  const top = Math.max(x.toString(2).length, y.toString(2).length);
  for (let i = top - 1; i >= 0; i--) {
    R = R.double();
    const bit = BigInt(i);
    const bx = (x >> bit) & 1n;
    const by = (y >> bit) & 1n;
    if (bx && by) R = R.add(PQ);
    else if (bx) R = R.add(P);
    else if (by) R = R.add(Q);
  }
  if (R.is0()) throw new RangeError('pointMultiplyAdd: result is the point at infinity');
  return R.toBytes(true);
}
