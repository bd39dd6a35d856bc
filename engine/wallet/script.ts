/**
 * Output scripts the wallet pays to: recognising the standard templates, building P2WPKH, and
 * Bitcoin Core's dust threshold for each (policy `GetDustThreshold` at the default 3 sat/vB
 * dust relay fee: P2WPKH 294 sat, P2WSH/P2TR 330, P2SH 540, P2PKH 546).
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0141.mediawiki#witness-program
 * https://github.com/bitcoin/bitcoin/blob/master/src/policy/policy.cpp (GetDustThreshold)
 */
import { hash160, sha256 } from '../crypto/hash.ts';
import { concatBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';

export type ScriptType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

export { hash160 };

/** BIP 141 P2WPKH scriptPubKey: `OP_0 <20-byte HASH160(pubkey)>`. */
export function p2wpkhScript(pubkey: Uint8Array): Uint8Array {
  if (pubkey.length !== 33) throw new ValidationError('pubkey', 'must be a 33-byte compressed key (BIP 143)');
  return concatBytes(Uint8Array.of(0x00, 0x14), hash160(pubkey));
}

/** BIP 141 P2WSH scriptPubKey: `OP_0 <32-byte SHA256(witnessScript)>`. */
export function p2wshScript(witnessScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x20), sha256(witnessScript));
}

/** The standard template a scriptPubKey matches, or undefined. */
export function classifyScript(spk: Uint8Array): ScriptType | undefined {
  const n = spk.length;
  if (n === 22 && spk[0] === 0x00 && spk[1] === 0x14) return 'p2wpkh';
  if (n === 34 && spk[0] === 0x00 && spk[1] === 0x20) return 'p2wsh';
  if (n === 34 && spk[0] === 0x51 && spk[1] === 0x20) return 'p2tr';
  if (n === 25 && spk[0] === 0x76 && spk[1] === 0xa9 && spk[2] === 0x14 && spk[23] === 0x88 && spk[24] === 0xac) return 'p2pkh';
  if (n === 23 && spk[0] === 0xa9 && spk[1] === 0x14 && spk[22] === 0x87) return 'p2sh';
  return undefined;
}

/** Check that a raw scriptPubKey is one of the templates we pay to, naming `field` if not. */
export function checkPayableScript(spk: Uint8Array, field: string): ScriptType {
  if (!(spk instanceof Uint8Array)) throw new ValidationError(field, 'must be bytes');
  const t = classifyScript(spk);
  if (!t) throw new ValidationError(field, 'unsupported output script: expected P2WPKH, P2WSH, P2TR, P2PKH or P2SH');
  return t;
}

function isWitnessProgram(spk: Uint8Array): boolean {
  const v = spk[0] as number;
  return spk.length >= 4 && spk.length <= 42 && (v === 0x00 || (v >= 0x51 && v <= 0x60)) && spk[1] === spk.length - 2;
}

/** Serialized size of a transaction output paying `spk`: 8-byte value, compact size, script. */
export function outputBytes(spk: Uint8Array): number {
  return 8 + compactSizeLength(spk.length) + spk.length;
}

/** Bitcoin Core's dust threshold (sat) for an output paying `spk`, at 3 sat/vB. */
export function dustThreshold(spk: Uint8Array): bigint {
  // Core: size of the output plus the size of the input that would spend it, times 3 sat/vB.
  // Spending a witness program: 32+4+1+(107/4)+4 = 67 bytes; anything else: 32+4+1+107+4 = 148.
  const spend = isWitnessProgram(spk) ? 67 : 148;
  return BigInt((outputBytes(spk) + spend) * 3);
}

/** Length of a Bitcoin CompactSize integer. */
export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
