/**
 * The onion's scalar multiplication (BOLT 4 "Shared Secret": ECDH on every hop when building,
 * once per HTLC when peeling, and the blinding of the next ephemeral key). The curve code lives
 * in engine/crypto/secp256k1-fast.ts (GLV split, regular recoding, Jacobian coordinates, a cache
 * of decompressed keys); this module keeps the onion's names for it.
 */
import { sharedSecret } from '../crypto/secp256k1-fast.ts';

export { decompressPoint, multiplyPoint } from '../crypto/secp256k1-fast.ts';

/**
 * BOLT 4 "Shared Secret" (and BOLT 8 ECDH): SHA256 of the compressed point `secret · pubkey`.
 * The same value as crypto's `ecdh`; pass `(point) => onionSharedSecret(nodeSecret, point)` to `peelOnion`.
 */
export function onionSharedSecret(secret: Uint8Array, pubkey: Uint8Array): Uint8Array {
  return sharedSecret(secret, pubkey);
}
