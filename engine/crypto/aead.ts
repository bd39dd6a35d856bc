/**
 * ChaCha20-Poly1305 (RFC 8439) with the BOLT 8 nonce layout: 32 zero bits followed by a 64-bit
 * little-endian counter.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

/** Build the 12-byte nonce for counter `n` (BOLT 8 "encryptWithAD"). */
export function boltNonce(n: number): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, n >>> 0, true);
  view.setUint32(8, Math.floor(n / 0x100000000) >>> 0, true);
  return nonce;
}

/** Encrypt and authenticate; returns ciphertext || 16-byte tag. */
export function aeadEncrypt(key: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chacha20poly1305(key, boltNonce(n), ad).encrypt(plaintext);
}

/** Decrypt and verify; throws when the tag does not match. */
export function aeadDecrypt(key: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return chacha20poly1305(key, boltNonce(n), ad).decrypt(ciphertext);
}
