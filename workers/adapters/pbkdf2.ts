/**
 * The engine's Pbkdf2Sha512 port over WebCrypto: `deriveBits({ name: 'PBKDF2', hash: 'SHA-512' })`
 * runs natively (BIP 39 seed stretching at unlock: 2048 HMAC-SHA512 rounds). WebCrypto's `subtle`
 * exists only in secure contexts (https, localhost); elsewhere the engine's JS PBKDF2 is used.
 *
 * https://w3c.github.io/webcrypto/#pbkdf2
 */
import { jsPbkdf2Sha512, type Pbkdf2Sha512 } from '../../engine/index.ts';

export const webCryptoPbkdf2: Pbkdf2Sha512 = async (password, salt, iterations, dkLen) => {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return jsPbkdf2Sha512(password, salt, iterations, dkLen);
  const key = await subtle.importKey('raw', password as Uint8Array<ArrayBuffer>, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: salt as Uint8Array<ArrayBuffer>, iterations }, key, dkLen * 8);
  return new Uint8Array(bits);
};
