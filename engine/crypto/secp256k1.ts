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
