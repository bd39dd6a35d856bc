/** The engine's Pbkdf2Sha512 port over node:crypto's native, asynchronous PBKDF2 (BIP 39 seeds). */
import { pbkdf2 } from 'node:crypto';
import type { Pbkdf2Sha512 } from '../../engine/index.ts';

export const nodePbkdf2: Pbkdf2Sha512 = (password, salt, iterations, dkLen) =>
  new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, dkLen, 'sha512', (err, key) => (err ? reject(err) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))));
  });
