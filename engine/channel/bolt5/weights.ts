/**
 * Weight estimates for the BOLT 5 transactions we build (BIP 141: weight = 4 × base size +
 * witness size), and the dust rule their outputs must pass. Estimates assume the largest
 * signature (72-byte DER + sighash byte), so a transaction's real weight is never above its
 * estimate and its feerate is never below the one asked.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#appendix-a-expected-weights
 */
import { ValidationError } from '../../lib/errors.ts';

/** A witness signature at its largest: 72-byte DER plus the sighash byte. */
export const MAX_SIGNATURE_BYTES = 73;

/** Bitcoin's CompactSize length for `n`. */
export function varIntLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** The weight of one input's witness with items of these byte lengths (its item count included). */
export function witnessWeight(itemLengths: readonly number[]): number {
  return varIntLength(itemLengths.length) + itemLengths.reduce((s, n) => s + varIntLength(n) + n, 0);
}

/**
 * Weight of a segwit transaction with `inputWitnesses.length` inputs (empty scriptSig, witness
 * of that weight each) and outputs with scripts of these lengths: 4 × (version, counts, 41 bytes
 * per input, 8 + script per output, locktime) + marker and flag + the witnesses.
 */
export function segwitTxWeight(inputWitnesses: readonly number[], outputScriptLengths: readonly number[]): number {
  const base =
    4 +
    varIntLength(inputWitnesses.length) +
    inputWitnesses.length * 41 +
    varIntLength(outputScriptLengths.length) +
    outputScriptLengths.reduce((s, n) => s + 8 + varIntLength(n) + n, 0) +
    4;
  return base * 4 + 2 + inputWitnesses.reduce((s, w) => s + w, 0);
}

/** Fee for `weight` at `feeratePerKw` (sat per 1000 weight), rounded up. */
export function feeForWeight(weight: number, feeratePerKw: number): bigint {
  return (BigInt(weight) * BigInt(feeratePerKw) + 999n) / 1000n;
}

/**
 * Bitcoin Core's dust threshold at its default 3 sat/vB dust relay fee: 3 × (output size +
 * the size of spending it: 67 for a witness program, 148 otherwise). P2WPKH 294, P2WSH 330,
 * P2TR 330, P2PKH 546, P2SH 540.
 */
export function dustThresholdSat(scriptPubKey: Uint8Array): bigint {
  const outputSize = 8 + varIntLength(scriptPubKey.length) + scriptPubKey.length;
  const op = scriptPubKey[0] ?? 0xff;
  const isWitness =
    scriptPubKey.length >= 4 && scriptPubKey.length <= 42 && (op === 0x00 || (op >= 0x51 && op <= 0x60)) && scriptPubKey[1] === scriptPubKey.length - 2;
  return BigInt(3 * (outputSize + (isWitness ? 67 : 148)));
}

/** A feerate argument: an integer sat per 1000 weight, at least 253 (the relay floor, BOLT 3). */
export function checkFeerate(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 253 || value > 0xffffffff) {
    throw new ValidationError(field, `must be an integer sat/kw from 253, got ${String(value)}`);
  }
  return value;
}
