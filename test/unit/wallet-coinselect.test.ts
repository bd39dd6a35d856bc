/** Coin selection: branch and bound, change vs dust, send max, errors; properties over random coin sets. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../engine/lib/errors.ts';
import {
  InsufficientFundsError,
  P2WPKH_INPUT_WEIGHT,
  selectCoins,
  txWeight,
  type Coin,
  type SelectionRequest,
} from '../../engine/wallet/coinselect.ts';
import { feeForWeight, feeRateFromSatPerVb } from '../../engine/wallet/fee.ts';
import { dustThreshold, outputBytes } from '../../engine/wallet/script.ts';

const P2WPKH = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);
const CHANGE = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x22)]);
const P2WSH = Uint8Array.from([0x00, 0x20, ...new Array(32).fill(0x33)]);

const coin = (valueSat: bigint, n = 0): Coin => ({ txid: n.toString(16).padStart(64, '0'), vout: n, valueSat });
const coins = (...values: number[]): Coin[] => values.map((v, i) => coin(BigInt(v), i + 1));
const req = (c: Coin[], amount: bigint, satPerVb = 1, extra: Partial<SelectionRequest> = {}): SelectionRequest => ({
  coins: c,
  recipients: [{ scriptPubKey: P2WPKH, valueSat: amount }],
  feeRate: feeRateFromSatPerVb(satPerVb),
  changeScript: CHANGE,
  ...extra,
});
const sum = (xs: readonly { valueSat: bigint }[]): bigint => xs.reduce((s, x) => s + x.valueSat, 0n);

describe('weights', () => {
  it('a 1-in 2-out P2WPKH transaction is 141 vB at most (the familiar figure)', () => {
    expect(P2WPKH_INPUT_WEIGHT).toBe(272);
    expect(Math.ceil(txWeight(1, [P2WPKH, CHANGE]) / 4)).toBe(141);
    expect(Math.ceil(txWeight(1, [P2WPKH]) / 4)).toBe(110);
    expect(outputBytes(P2WSH)).toBe(43);
  });
});

describe('selectCoins', () => {
  it('finds a changeless exact match with branch and bound', () => {
    const fee2in = feeForWeight(txWeight(2, [P2WPKH]), 1000n);
    const s = selectCoins(req(coins(50_000, 30_000, 20_000, 7_000), 50_000n - fee2in + 20_000n));
    expect(s.algorithm).toBe('bnb');
    expect(s.changeIndex).toBe(-1);
    expect(s.inputs.map((c) => c.valueSat).sort()).toEqual([20_000n, 50_000n]);
    expect(s.feeSat).toBe(fee2in);
  });

  it('adds change when the remainder is at least the dust limit', () => {
    const s = selectCoins(req(coins(100_000), 50_000n));
    expect(s.changeIndex).toBe(1);
    const change = s.outputs[1] as { valueSat: bigint };
    expect(change.valueSat).toBe(100_000n - 50_000n - feeForWeight(txWeight(1, [P2WPKH, CHANGE]), 1000n));
    expect(sum(s.inputs)).toBe(sum(s.outputs) + s.feeSat);
  });

  it('gives a sub-dust remainder to the fee instead of making dust change', () => {
    // 1-in 1-out at 1 sat/vB costs 110 sat; leave 200 sat over: with change it would be < 294.
    const s = selectCoins(req(coins(10_310 + 200 + 110), 10_310n));
    expect(s.changeIndex).toBe(-1);
    expect(s.outputs).toHaveLength(1);
    expect(s.feeSat).toBe(310n);
  });

  it('send max sweeps every economical coin to one output', () => {
    const s = selectCoins(req(coins(10_000, 20_000, 30_000, 50), 0n, 2, { sendMax: true }));
    expect(s.algorithm).toBe('max');
    expect(s.inputs).toHaveLength(3); // the 50-sat coin costs more than it is worth at 2 sat/vB
    expect(s.outputs).toHaveLength(1);
    expect((s.outputs[0] as { valueSat: bigint }).valueSat).toBe(60_000n - s.feeSat);
    expect(s.feeSat).toBe(feeForWeight(txWeight(3, [P2WPKH]), 2000n));
  });

  it('insufficient funds names the amount and says how much is needed and available', () => {
    try {
      selectCoins(req(coins(10_000, 5_000), 15_000n));
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InsufficientFundsError);
      const ie = e as InsufficientFundsError;
      expect(ie.field).toBe('amountSat');
      expect(ie.availableSat).toBe(15_000n);
      expect(ie.neededSat).toBeGreaterThan(15_000n);
      expect(ie.message).toMatch(/insufficient funds: need \d+ sat including fee, spendable 15000 sat/);
    }
    expect(() => selectCoins(req([], 1_000n))).toThrow(InsufficientFundsError);
    expect(() => selectCoins(req(coins(200), 0n, 1, { sendMax: true }))).toThrow(InsufficientFundsError);
  });

  it('rejects dust, zero and negative amounts', () => {
    expect(() => selectCoins(req(coins(100_000), 293n))).toThrow(/below the dust limit of 294 sat/);
    expect(selectCoins(req(coins(100_000), 294n)).outputs[0]?.valueSat).toBe(294n);
    expect(() => selectCoins({ ...req(coins(100_000), 329n), recipients: [{ scriptPubKey: P2WSH, valueSat: 329n }] })).toThrow(/dust limit of 330/);
    expect(() => selectCoins(req(coins(100_000), 0n))).toThrow(/must be positive/);
    expect(() => selectCoins(req(coins(100_000), -5n))).toThrow(ValidationError);
    expect(() => selectCoins(req(coins(100_000), 1000n, 1, { amountField: 'valueSat' }))).not.toThrow();
    try {
      selectCoins(req(coins(100_000), 5n, 1, { amountField: 'valueSat' }));
    } catch (e) {
      expect((e as ValidationError).field).toBe('valueSat');
    }
  });

  it('is deterministic whatever the order of the coins', () => {
    const cs = coins(12_345, 67_890, 11_111, 99_999, 5_000, 5_000, 42_000);
    const a = selectCoins(req(cs, 80_000n, 3));
    const b = selectCoins(req([...cs].reverse(), 80_000n, 3));
    expect(b).toEqual(a);
  });
});

describe('selectCoins properties', () => {
  const arbCoins = fc.array(fc.bigInt({ min: 300n, max: 50_000_000n }), { minLength: 0, maxLength: 25 }).map((vs) => vs.map((v, i) => coin(v, i + 1)));
  const arbRate = fc.integer({ min: 1000, max: 300_000 }).map((r) => BigInt(r)); // 1 … 300 sat/vB, fractional allowed

  it('pays exactly inputs = outputs + fee, never makes dust, and charges at least the rate (≤ +1 sat/vB with change)', () => {
    fc.assert(
      fc.property(arbCoins, fc.bigInt({ min: 294n, max: 100_000_000n }), arbRate, fc.boolean(), (cs, amount, rate, sendMax) => {
        const r: SelectionRequest = { coins: cs, recipients: [{ scriptPubKey: P2WPKH, valueSat: amount }], feeRate: rate, changeScript: CHANGE, sendMax };
        let s;
        try {
          s = selectCoins(r);
        } catch (e) {
          expect(e).toBeInstanceOf(InsufficientFundsError);
          // Then even every economical coin together cannot pay.
          const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, rate) + 1n;
          const usable = cs.filter((c) => c.valueSat > inputFee);
          const need = (sendMax ? dustThreshold(P2WPKH) : amount) + feeForWeight(txWeight(Math.max(1, usable.length), [P2WPKH]), rate);
          expect(sum(usable)).toBeLessThan(need);
          return;
        }
        const inSum = sum(s.inputs);
        const outSum = sum(s.outputs);
        expect(inSum).toBe(outSum + s.feeSat);
        for (const o of s.outputs) expect(o.valueSat).toBeGreaterThanOrEqual(dustThreshold(o.scriptPubKey));
        if (!sendMax) expect((s.outputs[0] as { valueSat: bigint }).valueSat).toBe(amount);
        const vsize = BigInt(Math.ceil(s.weight / 4));
        expect(s.weight).toBe(txWeight(s.inputs.length, s.outputs.map((o) => o.scriptPubKey)));
        // At least the requested rate on the (upper-bound) size …
        expect(s.feeSat * 1000n).toBeGreaterThanOrEqual(vsize * rate);
        if (s.changeIndex >= 0 || sendMax) {
          // … and within 1 sat/vB of it when nothing was given away as dust.
          expect(s.feeSat * 1000n).toBeLessThanOrEqual(vsize * (rate + 1000n));
        } else {
          // Without change the overpayment is bounded by what a change output would have cost
          // plus the dust it would have been.
          const excess = s.feeSat - feeForWeight(s.weight, rate);
          const changeCost = feeForWeight(txWeight(s.inputs.length, [P2WPKH, CHANGE]), rate) - feeForWeight(s.weight, rate);
          expect(excess).toBeLessThanOrEqual(changeCost + dustThreshold(CHANGE) + feeForWeight(P2WPKH_INPUT_WEIGHT, rate) + 1n);
        }
        // No coin is used twice; every input came from the request.
        const ids = s.inputs.map((c) => `${c.txid}:${c.vout}`);
        expect(new Set(ids).size).toBe(ids.length);
        for (const c of s.inputs) expect(cs).toContainEqual(c);
      }),
      { numRuns: 400 },
    );
  });
});
