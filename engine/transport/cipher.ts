/**
 * One direction of an established BOLT 8 connection: a ChaCha20-Poly1305 key, its 64-bit nonce
 * counter and the chaining key used to rotate it.
 *
 * BOLT 8 "Lightning Message Key Rotation": a key is rotated after it has been used for 1000
 * encryptions or decryptions (500 messages, since each message uses one nonce for its length and
 * one for its body): `ck', k' = HKDF(ck, k)`, the nonce resets to 0, then `ck = ck'`, `k = k'`.
 * Sender and receiver each keep their own chaining key (`sck`, `rck`), both starting at the
 * handshake's final `ck`.
 */
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.ts';
import { hkdf2 } from '../crypto/hash.ts';

/** Nonces per key before rotation (BOLT 8 "Lightning Message Key Rotation"). */
export const KEY_ROTATION_INTERVAL = 1000;

const EMPTY = new Uint8Array(0);

export class CipherState {
  #key: Uint8Array;
  #ck: Uint8Array;
  #nonce = 0;

  /** `key` is `sk` or `rk` from the end of act 3; `ck` is the handshake's final chaining key. */
  constructor(key: Uint8Array, ck: Uint8Array) {
    if (key.length !== 32 || ck.length !== 32) throw new RangeError('CipherState: key and ck must be 32 bytes');
    this.#key = key.slice();
    this.#ck = ck.slice();
  }

  /** The nonce the next operation will use (0..999). */
  get nonce(): number {
    return this.#nonce;
  }

  /** `encryptWithAD(k, n, "", plaintext)`: returns ciphertext || 16-byte MAC, then advances the nonce. */
  encrypt(plaintext: Uint8Array): Uint8Array {
    const out = aeadEncrypt(this.#key, this.#nonce, EMPTY, plaintext);
    this.#advance();
    return out;
  }

  /**
   * `decryptWithAD(k, n, "", ciphertext)`: returns the plaintext, or `undefined` when the MAC does
   * not verify. The nonce advances only on success (after a failure the connection is dropped).
   */
  decrypt(ciphertext: Uint8Array): Uint8Array | undefined {
    let out: Uint8Array;
    try {
      out = aeadDecrypt(this.#key, this.#nonce, EMPTY, ciphertext);
    } catch {
      return undefined;
    }
    this.#advance();
    return out;
  }

  #advance(): void {
    this.#nonce++;
    if (this.#nonce === KEY_ROTATION_INTERVAL) {
      const [ck, key] = hkdf2(this.#ck, this.#key);
      this.#ck = ck;
      this.#key = key;
      this.#nonce = 0;
    }
  }
}
