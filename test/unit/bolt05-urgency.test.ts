/**
 * BOLT 5 sweep urgency: a deadline (blocks until the peer can take the output) maps to a
 * confirmation target and a feerate from the estimates; an unconfirmed sweep is bumped by
 * replacement (BIP 125) where the chain relays it, else by a CPFP child (bcoin has no RBF),
 * doubling each time, never paying more than the cap.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../engine/lib/errors.ts';
import { feeForWeight } from '../../engine/channel/bolt5/weights.ts';
import {
  DEFAULT_MAX_FEE_FRACTION,
  INCREMENTAL_RELAY_FEERATE_PER_KW,
  type BumpPlan,
  type UnconfirmedSweep,
  bumpPlan,
  confirmationTarget,
  satPerVbyteToPerKw,
  sweepFeerate,
} from '../../engine/channel/bolt5/urgency.ts';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.field : `unexpected: ${(err as Error).message}`;
  }
  return undefined;
}

const estimates = { 1: 50, 2: 40, 6: 20, 144: 2 };

describe('sweep urgency: deadline → confirmation target → feerate', () => {
  it('the target is half the blocks left, from 1 to 1008', () => {
    expect([-5, 0, 1, 2, 3, 12, 144, 5000].map(confirmationTarget)).toEqual([1, 1, 1, 1, 1, 6, 72, 1008]);
    expect(fieldOf(() => confirmationTarget(1.5))).toBe('deadlineBlocks');
  });

  it('takes the estimate of the longest known target not above it (sat/vB × 250 = sat/kw)', () => {
    expect(sweepFeerate({ deadlineBlocks: 12, estimates })).toEqual({ targetBlocks: 6, feeratePerKw: 5000 });
    expect(sweepFeerate({ deadlineBlocks: 3, estimates })).toEqual({ targetBlocks: 1, feeratePerKw: 12_500 });
    expect(sweepFeerate({ deadlineBlocks: 300, estimates })).toEqual({ targetBlocks: 144, feeratePerKw: 500 });
    expect(sweepFeerate({ deadlineBlocks: 10, estimates })).toEqual({ targetBlocks: 2, feeratePerKw: 10_000 });
    // engine/chain hands estimates over as a Map.
    expect(sweepFeerate({ deadlineBlocks: 12, estimates: new Map(Object.entries(estimates).map(([t, r]) => [Number(t), r])) })).toEqual({ targetBlocks: 6, feeratePerKw: 5000 });
  });

  it('a closer deadline never pays less', () => {
    let last = Infinity;
    for (let d = 0; d <= 2100; d += 7) {
      const r = sweepFeerate({ deadlineBlocks: d, estimates }).feeratePerKw;
      expect(r).toBeLessThanOrEqual(last);
      last = r;
    }
  });

  it('with only longer targets known, the shortest one; never below 253 sat/kw nor below what was already paid', () => {
    expect(sweepFeerate({ deadlineBlocks: 2, estimates: { 6: 10, 12: 5 } })).toEqual({ targetBlocks: 6, feeratePerKw: 2500 });
    expect(sweepFeerate({ deadlineBlocks: 2, estimates: { 1: 0.5 } }).feeratePerKw).toBe(253);
    expect(sweepFeerate({ deadlineBlocks: 12, estimates, alreadyPaidPerKw: 9000 }).feeratePerKw).toBe(9000);
    expect(satPerVbyteToPerKw(1.001)).toBe(251);
  });

  it('bad estimates name the field', () => {
    expect(fieldOf(() => sweepFeerate({ deadlineBlocks: 6, estimates: {} }))).toBe('estimates');
    expect(fieldOf(() => sweepFeerate({ deadlineBlocks: 6, estimates: { 0: 5 } }))).toBe('estimates');
    expect(fieldOf(() => sweepFeerate({ deadlineBlocks: 6, estimates: { 3: Number.NaN } }))).toBe('estimates.3');
    expect(fieldOf(() => sweepFeerate({ deadlineBlocks: 6, estimates, alreadyPaidPerKw: 10 }))).toBe('alreadyPaidPerKw');
  });
});

describe('bump plan for an unconfirmed sweep', () => {
  const weight = 600;
  const sweep = (feeratePerKw: number, blocksUnconfirmed: number, inputValueSat = 1_000_000n): UnconfirmedSweep => ({
    feeratePerKw,
    feeSat: feeForWeight(weight, feeratePerKw),
    weight,
    inputValueSat,
    blocksUnconfirmed,
  });
  const low = { 1: 2, 6: 2, 144: 1 };

  it('waits while it pays the estimate and no block has passed', () => {
    expect(bumpPlan({ sweep: sweep(1000, 0), deadlineBlocks: 20, estimates: low, chainSupportsRbf: true }).action).toBe('wait');
  });

  it('RBF: after a block without confirmation, doubles; the replacement pays the old fee plus the incremental relay fee', () => {
    const s = sweep(1000, 1);
    const p = bumpPlan({ sweep: s, deadlineBlocks: 20, estimates: low, chainSupportsRbf: true });
    expect(p).toMatchObject({ action: 'replace', feeratePerKw: 2000, capped: false });
    if (p.action !== 'replace') throw new Error('no replace');
    expect(p.feeSat).toBe(feeForWeight(weight, 2000));
    expect(p.feeSat).toBeGreaterThanOrEqual(s.feeSat + feeForWeight(weight, INCREMENTAL_RELAY_FEERATE_PER_KW));
  });

  it('RBF: when the estimate for the deadline rose above the doubling, follows the estimate', () => {
    const p = bumpPlan({ sweep: sweep(1000, 0), deadlineBlocks: 4, estimates, chainSupportsRbf: true });
    expect(p).toMatchObject({ action: 'replace', feeratePerKw: 10_000 });
  });

  it('no RBF (bcoin): a CPFP child brings sweep + child to the target feerate', () => {
    const s = sweep(1000, 1);
    const childWeight = 439;
    const p = bumpPlan({ sweep: s, deadlineBlocks: 20, estimates: low, chainSupportsRbf: false, childWeight });
    expect(p.action).toBe('cpfp');
    if (p.action !== 'cpfp') throw new Error('no cpfp');
    expect(Number((s.feeSat + p.childFeeSat) * 1000n) / (weight + childWeight)).toBeGreaterThanOrEqual(2000);
    expect(p.childFeeSat).toBe(feeForWeight(weight + childWeight, 2000) - s.feeSat);
    expect(fieldOf(() => bumpPlan({ sweep: s, deadlineBlocks: 20, estimates: low, chainSupportsRbf: false }))).toBe('childWeight');
  });

  for (const rbf of [true, false]) {
    it(`${rbf ? 'RBF' : 'CPFP'}: repeated bumps double until the cap (${DEFAULT_MAX_FEE_FRACTION} of the value), then wait`, () => {
      const value = 200_000n;
      const cap = value / 2n;
      let s = sweep(253, 1, value);
      const steps: BumpPlan[] = [];
      for (let i = 0; i < 30; i++) {
        const p = bumpPlan({ sweep: s, deadlineBlocks: 10, estimates: low, chainSupportsRbf: rbf, childWeight: 439 });
        steps.push(p);
        if (p.action === 'wait') break;
        const total = p.action === 'replace' ? p.feeSat : s.feeSat + p.childFeeSat;
        expect(total).toBeLessThanOrEqual(cap);
        const rate = p.action === 'replace' ? p.feeratePerKw : p.packageFeeratePerKw;
        expect(rate).toBeGreaterThan(s.feeratePerKw);
        // Next round: the bumped transaction (replacement, or the package as one) is what is unconfirmed.
        s = { feeratePerKw: rate, feeSat: total, weight: p.action === 'replace' ? weight : weight + 439, inputValueSat: value, blocksUnconfirmed: 1 };
      }
      const last = steps[steps.length - 1];
      expect(last?.action).toBe('wait');
      expect(steps.some((p) => p.action !== 'wait' && p.capped)).toBe(true);
      expect(steps.length).toBeLessThan(30);
    });
  }

  it('bad arguments name the field', () => {
    const base = { sweep: sweep(1000, 1), deadlineBlocks: 10, estimates: low, chainSupportsRbf: true };
    expect(fieldOf(() => bumpPlan({ ...base, maxFeeFraction: 0 }))).toBe('maxFeeFraction');
    expect(fieldOf(() => bumpPlan({ ...base, maxFeeFraction: 1.5 }))).toBe('maxFeeFraction');
    expect(fieldOf(() => bumpPlan({ ...base, sweep: { ...base.sweep, weight: 0 } }))).toBe('sweep.weight');
    expect(fieldOf(() => bumpPlan({ ...base, sweep: { ...base.sweep, feeSat: -1n } }))).toBe('sweep.feeSat');
    expect(fieldOf(() => bumpPlan({ ...base, chainSupportsRbf: 'yes' as never }))).toBe('chainSupportsRbf');
  });
});
