/**
 * BOLT 3 "Commitment Transaction": the 48-bit commitment number, XORed with an obscuring factor
 * derived from both `payment_basepoint`s, split across the locktime (lower 24 bits, upper byte
 * 0x20) and the input's sequence (upper 24 bits, upper byte 0x80).
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 */
import { sha256 } from '../../crypto/hash.ts';
import { concatBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkInt, checkPubkey, checkU32 } from './check.ts';

const MASK_48 = (1n << 48n) - 1n;
const MASK_24 = (1n << 24n) - 1n;

/** Commitment numbers are 48 bits. */
export const MAX_COMMITMENT_NUMBER: number = 2 ** 48 - 1;

/**
 * The lower 48 bits of `SHA256(payment_basepoint from open_channel || payment_basepoint from
 * accept_channel)`: the opener's basepoint comes first whichever side computes it.
 */
export function obscuringFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array): bigint {
  checkPubkey(openerPaymentBasepoint, 'openerPaymentBasepoint');
  checkPubkey(accepterPaymentBasepoint, 'accepterPaymentBasepoint');
  const h = sha256(concatBytes(openerPaymentBasepoint, accepterPaymentBasepoint));
  let n = 0n;
  for (let i = 26; i < 32; i++) n = (n << 8n) | BigInt(h[i] as number);
  return n;
}

function checkFactor(factor: bigint): bigint {
  if (typeof factor !== 'bigint' || factor < 0n || factor > MASK_48) {
    throw new ValidationError('obscuringFactor', 'must be a 48-bit bigint');
  }
  return factor;
}

/** `commitment_number XOR obscuring_factor` (48 bits). */
export function obscuredCommitmentNumber(commitmentNumber: number, factor: bigint): bigint {
  checkInt(commitmentNumber, 0, MAX_COMMITMENT_NUMBER, 'commitmentNumber');
  return BigInt(commitmentNumber) ^ checkFactor(factor);
}

/** The commitment transaction's locktime and its input's sequence for a commitment number. */
export interface CommitmentLocks {
  readonly locktime: number;
  readonly sequence: number;
}

/** BOLT 3: locktime `0x20 << 24 | lower 24 bits`, sequence `0x80 << 24 | upper 24 bits` of the obscured number. */
export function commitmentLocks(commitmentNumber: number, factor: bigint): CommitmentLocks {
  const obscured = obscuredCommitmentNumber(commitmentNumber, factor);
  return {
    locktime: (0x20 * 2 ** 24 + Number(obscured & MASK_24)) >>> 0,
    sequence: (0x80 * 2 ** 24 + Number(obscured >> 24n)) >>> 0,
  };
}

/**
 * The commitment number a transaction's locktime and sequence encode, or undefined when their
 * upper bytes are not 0x20 / 0x80 (not one of our commitment transactions). BOLT 5 uses this to
 * recognise a revoked commitment on chain.
 */
export function commitmentNumberFromLocks(locktime: number, sequence: number, factor: bigint): number | undefined {
  checkU32(locktime, 'locktime');
  checkU32(sequence, 'sequence');
  checkFactor(factor);
  if (locktime >>> 24 !== 0x20 || sequence >>> 24 !== 0x80) return undefined;
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return Number(obscured ^ factor);
}
