/**
 * BOLT 4 "Key Generation" and "Pseudo Random Byte Stream": the per-hop keys derived from a shared
 * secret (rho, mu, um, pad, ammag) and the ChaCha20 stream that obfuscates packets and errors.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmacSha256 } from '../crypto/hash.ts';

/** The key types of BOLT 4 "Key Generation" (ASCII, no terminating zero byte). */
export type OnionKeyType = 'rho' | 'mu' | 'um' | 'pad' | 'ammag';

const KEY_TYPE_BYTES: Readonly<Record<OnionKeyType, Uint8Array>> = {
  rho: new Uint8Array([0x72, 0x68, 0x6f]),
  mu: new Uint8Array([0x6d, 0x75]),
  um: new Uint8Array([0x75, 0x6d]),
  pad: new Uint8Array([0x70, 0x61, 0x64]),
  ammag: new Uint8Array([0x61, 0x6d, 0x6d, 0x61, 0x67]),
};

const ZERO_NONCE = new Uint8Array(12);

/** BOLT 4 "Key Generation": HMAC-SHA256 keyed by the key type, over the 32-byte shared secret. */
export function onionKey(type: OnionKeyType, sharedSecret: Uint8Array): Uint8Array {
  return hmacSha256(KEY_TYPE_BYTES[type], sharedSecret);
}

/** BOLT 4 "Pseudo Random Byte Stream": ChaCha20 over `length` zero bytes with a zero nonce. */
export function pseudoRandomStream(key: Uint8Array, length: number): Uint8Array {
  return chacha20(key, ZERO_NONCE, new Uint8Array(length));
}

/** XOR `data` with the key's pseudo-random stream (a new array; `data` is left untouched). */
export function xorWithStream(key: Uint8Array, data: Uint8Array): Uint8Array {
  return chacha20(key, ZERO_NONCE, data);
}

/** `a ^= b` over the first `b.length` bytes of `a` starting at `offset`. */
export function xorInto(a: Uint8Array, b: Uint8Array, offset = 0): void {
  for (let i = 0; i < b.length; i++) a[offset + i] = (a[offset + i] as number) ^ (b[i] as number);
}

/** Constant-time equality of two byte arrays of public length (BOLT 4 HMAC comparison). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
