/**
 * The BOLT 11 signature ("Data Part"): a recoverable secp256k1 ECDSA signature over
 * SHA256(hrp as UTF-8 || data words without the signature, packed into bytes with zero padding),
 * transmitted as 104 words = r (32) || s (32) || recovery id (1). Without an `n` field the payee is
 * recovered from it (high-S accepted, as libsecp256k1 recovery does); with `n` the signature is
 * verified against `n` and a high-S signature is refused.
 */
import * as secp from '@noble/secp256k1';
import { sha256 } from '../crypto/hash.ts';
// Importing crypto/secp256k1 also installs noble's synchronous hash hooks that `secp.sign` needs.
import { isValidSecretKey, verifyDigest } from '../crypto/secp256k1.ts';
import { recoverEcdsa } from '../crypto/secp256k1-fast.ts';
import { concatBytes } from '../lib/bytes.ts';
import { utf8 } from '@scure/base';
import { wordsToBytesPadded } from './bech32-words.ts';
import { InvoiceError } from './errors.ts';

const CURVE_N: bigint = secp.Point.CURVE().n;
const HALF_N = CURVE_N >> 1n;

/** SHA256 of the BOLT 11 signing data (the hash the signature covers). */
export function invoiceSigningHash(hrp: string, dataWords: ArrayLike<number>): Uint8Array {
  return sha256(concatBytes(utf8.decode(hrp), wordsToBytesPadded(dataWords)));
}

function sValue(signature: Uint8Array): bigint {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i] as number);
  return s;
}

/** The payee's node id recovered from a signature; throws InvoiceError if none can be. */
export function recoverPayee(signature: Uint8Array, recoveryId: number, hash: Uint8Array): Uint8Array {
  if (recoveryId > 3) throw new InvoiceError('signature_not_recoverable', 'signature', `recovery id ${recoveryId} is not 0..3`);
  const payee = recoverEcdsa(signature, recoveryId, hash);
  if (!payee) throw new InvoiceError('signature_not_recoverable', 'signature', 'no public key can be recovered from it');
  return payee;
}

/** Check a signature against the `n` field: low-S and valid, or throws InvoiceError. */
export function verifyPayee(signature: Uint8Array, hash: Uint8Array, payee: Uint8Array): void {
  if (sValue(signature) > HALF_N) throw new InvoiceError('high_s_with_n_field', 'signature', 'is not canonical (high S) although an n field is present');
  if (!verifyDigest(signature, hash, payee)) throw new InvoiceError('invalid_signature', 'signature', 'does not match the payee node id in the n field');
}

/**
 * Sign a BOLT 11 signing hash with a node secret: low-S RFC 6979 (deterministic) compact signature
 * and the recovery id. The node builds its InvoiceSigner from this; the invoice code holds no key.
 */
export function signInvoiceDigest(digest32: Uint8Array, secret: Uint8Array): { signature: Uint8Array; recoveryId: number } {
  if (!isValidSecretKey(secret)) throw new RangeError('signInvoiceDigest: invalid secret key');
  const recovered = secp.sign(digest32, secret, { prehash: false, lowS: true, format: 'recovered' });
  return { signature: recovered.slice(1), recoveryId: recovered[0] as number };
}
