/** BOLT 3 "Commitment Transaction": the obscured commitment number (Appendix C's basepoints, number 42). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import v from '../vectors/bolt03-obscured-commitment-number.json' with { type: 'json' };
import appendixC from '../vectors/bolt03-commitment-tx.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { Transaction } from 'bitcoinjs-lib';
import {
  MAX_COMMITMENT_NUMBER,
  commitmentLocks,
  commitmentNumberFromLocks,
  obscuredCommitmentNumber,
  obscuringFactor,
} from '../../engine/channel/bolt3/commitment-number.ts';

const opener = hexToBytes(v.local_payment_basepoint);
const accepter = hexToBytes(v.remote_payment_basepoint);

describe('BOLT 3 obscured commitment number', () => {
  it('obscuring factor = lower 48 bits of SHA256(opener payment_basepoint || accepter payment_basepoint)', () => {
    expect(obscuringFactor(opener, accepter)).toBe(BigInt(v.obscuring_factor));
    expect(`0x${obscuringFactor(opener, accepter).toString(16)}`).toBe(v.obscuring_factor_text);
    expect(obscuringFactor(accepter, opener)).not.toBe(BigInt(v.obscuring_factor));
  });
  it('obscured commitment number 0x2bb038521914 ^ 42, locktime and sequence', () => {
    const f = obscuringFactor(opener, accepter);
    expect(obscuredCommitmentNumber(v.commitment_number, f)).toBe(BigInt(v.obscured_commitment_number_derived));
    expect(commitmentLocks(v.commitment_number, f)).toEqual({ locktime: v.locktime_derived, sequence: v.sequence_derived });
  });
  it('every Appendix C commitment transaction carries that locktime and sequence', () => {
    for (const t of appendixC.tests) {
      const tx = Transaction.fromHex(t.commit_tx);
      expect(tx.locktime).toBe(v.locktime_derived);
      expect(tx.ins[0]?.sequence).toBe(v.sequence_derived);
      expect(commitmentNumberFromLocks(tx.locktime, tx.ins[0]?.sequence ?? 0, BigInt(v.obscuring_factor))).toBe(42);
    }
  });
  it('decoding inverts encoding for every 48-bit number and factor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_COMMITMENT_NUMBER }), fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }), (n, f) => {
        const { locktime, sequence } = commitmentLocks(n, f);
        expect(locktime >>> 24).toBe(0x20);
        expect(sequence >>> 24).toBe(0x80);
        expect(commitmentNumberFromLocks(locktime, sequence, f)).toBe(n);
      }),
    );
  });
  it('a transaction without the 0x20/0x80 markers is not a commitment', () => {
    expect(commitmentNumberFromLocks(0, 0xffffffff, 1n)).toBeUndefined();
  });
  it('bad inputs name the field', () => {
    expect(() => obscuredCommitmentNumber(2 ** 48, 0n)).toThrow(/commitmentNumber/);
    expect(() => obscuredCommitmentNumber(1, 1n << 48n)).toThrow(/obscuringFactor/);
    expect(() => obscuringFactor(new Uint8Array(33), accepter)).toThrow(/openerPaymentBasepoint/);
  });
});
