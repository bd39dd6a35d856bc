// Validators for Esplora JSON (engine/chain/validate.ts, schema.ts, fees.ts): every validator on
// malformed input and wrong types, each error naming the field path.
import { describe, expect, it } from 'vitest';
import * as v from '../../engine/chain/validate.ts';
import * as schema from '../../engine/chain/schema.ts';
import { feeRateForTarget, parseFeeEstimates, REGTEST_FEE_FALLBACK, MAX_FEE_RATE } from '../../engine/chain/fees.ts';

const H = 'ab'.repeat(32);

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(v.SchemaError);
    return (err as v.SchemaError).field;
  }
  throw new Error('expected a SchemaError');
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(v.SchemaError);
    return (err as Error).message;
  }
  throw new Error('expected a SchemaError');
}

describe('generic validators', () => {
  it('parseJson: malformed JSON is a SchemaError, never a SyntaxError', () => {
    for (const bad of ['', '{', '{"a":}', 'nope', '<html>rate limited</html>', '[1,]', 'NaN']) {
      expect(() => v.parseJson(bad)).toThrow(v.SchemaError);
    }
    expect(messageOf(() => v.parseJson('<html>'))).toContain('malformed JSON');
    expect(v.parseJson('{"a":1}')).toEqual({ a: 1 });
  });

  it('integer: type, safety and range', () => {
    const int = v.integer(0, 10);
    expect(int(3, 'x')).toBe(3);
    for (const bad of [1.5, '3', null, undefined, true, [], {}, NaN, Infinity, 2 ** 60]) expect(fieldOf(() => int(bad, 'x'))).toBe('x');
    expect(messageOf(() => int(11, 'x'))).toBe('x: 11 is out of range [0, 10]');
    expect(messageOf(() => int(-1, 'x'))).toContain('out of range');
    expect(messageOf(() => int('7', 'block_height'))).toBe('block_height: expected integer, got string "7"');
  });

  it('finiteNumber, boolean, string', () => {
    expect(v.finiteNumber(1.5, 'f')).toBe(1.5);
    for (const bad of [NaN, Infinity, '1', null]) expect(fieldOf(() => v.finiteNumber(bad, 'f'))).toBe('f');
    expect(v.boolean(false, 'b')).toBe(false);
    for (const bad of [0, 'true', null, undefined]) expect(fieldOf(() => v.boolean(bad, 'b'))).toBe('b');
    expect(v.string(3)('abc', 's')).toBe('abc');
    expect(fieldOf(() => v.string(3)('abcd', 's'))).toBe('s');
    expect(fieldOf(() => v.string()(5, 's'))).toBe('s');
  });

  it('hexBytes: length, odd length, non-hex, case', () => {
    expect(v.hexBytes({ bytes: 2 })('aBcd', 'h')).toEqual(new Uint8Array([0xab, 0xcd]));
    expect(messageOf(() => v.hexBytes({ bytes: 2 })('abc', 'h'))).toContain('expected 2 bytes');
    expect(messageOf(() => v.hexBytes()('abc', 'h'))).toContain('odd-length');
    expect(messageOf(() => v.hexBytes()('zz', 'h'))).toContain('not hex');
    expect(messageOf(() => v.hexBytes({ maxBytes: 1 })('abcd', 'h'))).toContain('longer than 1');
    expect(fieldOf(() => v.hexBytes()(12, 'h'))).toBe('h');
  });

  it('hash32 normalises case and rejects everything else', () => {
    expect(v.hash32(H.toUpperCase(), 'h')).toBe(H);
    for (const bad of [H.slice(2), `${H}00`, `${H.slice(2)}zz`, 5, null, ` ${H}`]) expect(fieldOf(() => v.hash32(bad, 'h'))).toBe('h');
  });

  it('object, array, optional: paths name the nested field', () => {
    const shape = v.array(v.object({ a: v.object({ b: v.integer() }) }));
    expect(shape([{ a: { b: 1 } }], '')).toEqual([{ a: { b: 1 } }]);
    expect(fieldOf(() => shape([{ a: { b: 1 } }, { a: { b: 'x' } }], ''))).toBe('[1].a.b');
    expect(fieldOf(() => shape([{ a: null }], ''))).toBe('[0].a');
    expect(fieldOf(() => shape({}, ''))).toBe('');
    expect(fieldOf(() => v.array(v.integer(), 2)([1, 2, 3], 'list'))).toBe('list');
    expect(v.optional(v.integer())(null, 'o')).toBeUndefined();
    expect(v.optional(v.integer())(undefined, 'o')).toBeUndefined();
    expect(fieldOf(() => v.optional(v.integer())('1', 'o'))).toBe('o');
    for (const bad of [null, [], 'x', 3]) expect(() => v.record(bad, 'r')).toThrow(v.SchemaError);
  });

  it('fields come from own properties only (no prototype walk)', () => {
    const parsed = v.parseJson('{"__proto__": {"confirmed": true}}');
    expect(fieldOf(() => schema.txStatus(Object.create({ confirmed: true }), ''))).toBe('confirmed');
    expect(fieldOf(() => schema.txStatus(parsed, ''))).toBe('confirmed');
  });

  it('text endpoints tolerate surrounding whitespace only', () => {
    expect(v.textHash32(`${H}\n`)).toBe(H);
    expect(() => v.textHash32(`"${H}"`)).toThrow(v.SchemaError);
    expect(v.textHex(' 00ff ', { maxBytes: 4 })).toEqual(new Uint8Array([0, 255]));
  });
});

describe('Esplora shapes', () => {
  const confirmed = { confirmed: true, block_height: 5, block_hash: H, block_time: 1_700_000_000 };

  it('tx status', () => {
    expect(schema.txStatus({ confirmed: false }, '')).toEqual({ confirmed: false });
    expect(schema.txStatus(confirmed, '')).toEqual({ confirmed: true, blockHeight: 5, blockHash: H, blockTime: 1_700_000_000 });
    expect(messageOf(() => schema.txStatus({ ...confirmed, block_height: '5' }, ''))).toBe('block_height: expected integer, got string "5"');
    expect(fieldOf(() => schema.txStatus({ ...confirmed, block_hash: 'x' }, ''))).toBe('block_hash');
    expect(fieldOf(() => schema.txStatus({ ...confirmed, block_time: -1 }, ''))).toBe('block_time');
    expect(fieldOf(() => schema.txStatus({ confirmed: 'yes' }, ''))).toBe('confirmed');
    expect(fieldOf(() => schema.txStatus({}, ''))).toBe('confirmed');
    expect(fieldOf(() => schema.txStatus([], ''))).toBe('');
  });

  it('script txs, utxos', () => {
    expect(schema.scriptTxs([{ txid: H, status: { confirmed: false }, vin: [] }], '')).toEqual([{ txid: H, status: { confirmed: false } }]);
    expect(fieldOf(() => schema.scriptTxs([{ txid: H, status: confirmed }, { txid: H }], ''))).toBe('[1].status');
    expect(fieldOf(() => schema.scriptTxs([{ txid: H, status: { ...confirmed, block_height: 1.5 } }], ''))).toBe('[0].status.block_height');
    const u = { txid: H, vout: 1, value: 5000, status: confirmed };
    expect(schema.scriptUtxos([u], '')[0]).toMatchObject({ vout: 1, valueSat: 5000n });
    expect(fieldOf(() => schema.scriptUtxos([{ ...u, value: -1 }], ''))).toBe('[0].value');
    expect(fieldOf(() => schema.scriptUtxos([{ ...u, value: 21e14 + 1 }], ''))).toBe('[0].value');
    expect(fieldOf(() => schema.scriptUtxos([{ ...u, value: '5000' }], ''))).toBe('[0].value');
    expect(fieldOf(() => schema.scriptUtxos([{ ...u, vout: 2 ** 32 }], ''))).toBe('[0].vout');
    expect(fieldOf(() => schema.scriptUtxos([{ ...u, txid: 7 }], ''))).toBe('[0].txid');
  });

  it('outspend', () => {
    expect(schema.outSpend({ spent: false }, '')).toEqual({ spent: false });
    expect(schema.outSpend({ spent: true, txid: H, vin: 0, status: { confirmed: false } }, '')).toMatchObject({ spent: true, vin: 0 });
    expect(fieldOf(() => schema.outSpend({ spent: true, vin: 0, status: { confirmed: false } }, ''))).toBe('txid');
    expect(fieldOf(() => schema.outSpend({ spent: true, txid: H, vin: -1, status: { confirmed: false } }, ''))).toBe('vin');
    expect(fieldOf(() => schema.outSpend({ spent: true, txid: H, vin: 0 }, ''))).toBe('status');
    expect(fieldOf(() => schema.outSpend({ spent: 1 }, ''))).toBe('spent');
  });

  it('merkle proof', () => {
    expect(schema.merkleProof({ block_height: 3, merkle: [H], pos: 1 }, '')).toEqual({ blockHeight: 3, merkle: [H], pos: 1 });
    expect(fieldOf(() => schema.merkleProof({ block_height: 3, merkle: [H, 'zz'], pos: 1 }, ''))).toBe('merkle[1]');
    expect(fieldOf(() => schema.merkleProof({ block_height: 3, merkle: H, pos: 1 }, ''))).toBe('merkle');
    expect(fieldOf(() => schema.merkleProof({ block_height: 3, merkle: Array(33).fill(H), pos: 1 }, ''))).toBe('merkle');
    expect(fieldOf(() => schema.merkleProof({ block_height: 3, merkle: [], pos: 0.5 }, ''))).toBe('pos');
    expect(fieldOf(() => schema.merkleProof({ merkle: [], pos: 0 }, ''))).toBe('block_height');
  });

  it('block status', () => {
    expect(schema.blockStatus({ in_best_chain: true, height: 7, next_best: null }, '')).toEqual({ inBestChain: true, height: 7, nextBest: undefined });
    expect(schema.blockStatus({ in_best_chain: false }, '')).toEqual({ inBestChain: false, height: undefined, nextBest: undefined });
    expect(fieldOf(() => schema.blockStatus({ in_best_chain: true }, ''))).toBe('height');
    expect(fieldOf(() => schema.blockStatus({ in_best_chain: 'true', height: 1 }, ''))).toBe('in_best_chain');
    expect(fieldOf(() => schema.blockStatus({ in_best_chain: true, height: 1, next_best: 'x' }, ''))).toBe('next_best');
  });
});

describe('fee estimates', () => {
  it('parses, sorts and keeps faster targets at least as expensive', () => {
    const f = parseFeeEstimates({ '1': 20.5, '6': 30, '144': 2, '3': 10 });
    expect([...f.estimates]).toEqual([
      [1, 30],
      [3, 30],
      [6, 30],
      [144, 2],
    ]);
    expect(f.usedFallback).toBe(false);
  });

  it('drops absurd rates, raises sub-1 rates, falls back when nothing is left', () => {
    const f = parseFeeEstimates({ '1': MAX_FEE_RATE + 1, '2': 0, '3': -5, '6': 0.25 });
    expect([...f.estimates]).toEqual([[6, 1]]);
    expect(f.dropped).toEqual([1, 2, 3]);
    const empty = parseFeeEstimates({});
    expect(empty.usedFallback).toBe(true);
    expect(empty.estimates).toBe(REGTEST_FEE_FALLBACK);
    expect(parseFeeEstimates({ '1': 1e9 }).usedFallback).toBe(true);
  });

  it('names the bad key or value', () => {
    expect(fieldOf(() => parseFeeEstimates({ '1': '5' }))).toBe('1');
    expect(fieldOf(() => parseFeeEstimates({ abc: 5 }))).toBe('abc');
    expect(fieldOf(() => parseFeeEstimates({ '0': 5 }))).toBe('0');
    expect(fieldOf(() => parseFeeEstimates({ '2000': 5 }))).toBe('2000');
    expect(fieldOf(() => parseFeeEstimates({ '1': null }))).toBe('1');
    expect(fieldOf(() => parseFeeEstimates([1, 2]))).toBe('');
  });

  it('feeRateForTarget picks the nearest lower-or-equal target', () => {
    const est = new Map([
      [1, 50],
      [3, 20],
      [6, 10],
      [144, 2],
    ]);
    expect(feeRateForTarget(est, 1)).toBe(50);
    expect(feeRateForTarget(est, 2)).toBe(50);
    expect(feeRateForTarget(est, 3)).toBe(20);
    expect(feeRateForTarget(est, 100)).toBe(10);
    expect(feeRateForTarget(est, 1008)).toBe(2);
    expect(feeRateForTarget(new Map([[6, 10]]), 2)).toBe(10); // only slower targets: the fastest
    expect(feeRateForTarget(new Map(), 6)).toBe(1); // empty: the regtest fallback
    expect(feeRateForTarget(new Map(), 1)).toBe(2);
    expect(() => feeRateForTarget(est, 0)).toThrow(RangeError);
    expect(() => feeRateForTarget(est, 1.5)).toThrow(RangeError);
  });
});
