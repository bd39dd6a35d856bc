/** Hash primitives used across the BOLTs: SHA-256, HMAC-SHA256, and HKDF as BOLT 8 defines it. */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { ripemd160 } from '@noble/hashes/legacy.js';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** Double SHA-256 (Bitcoin txids, block hashes). */
export function sha256d(data: Uint8Array): Uint8Array {
  return nobleSha256(nobleSha256(data));
}

/** RIPEMD160(SHA256(x)): Bitcoin's HASH160 (P2WPKH/P2PKH key hashes, BIP 32 key identifiers). */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(nobleSha256(data));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}

/**
 * BOLT 8 `HKDF(salt, ikm)`: RFC 5869 with SHA-256, empty info, 64 bytes of output split in two
 * 32-byte keys.
 */
export function hkdf2(salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const okm = hkdf(nobleSha256, ikm, salt, new Uint8Array(0), 64);
  return [okm.slice(0, 32), okm.slice(32, 64)];
}
