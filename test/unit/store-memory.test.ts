// MemoryKVStore (engine/store/memory.ts): atomic batches, copies in and out, and the test hooks
// callers use to exercise the persistence barrier (fail the next write, hold writes).
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../engine/lib/errors.ts';
import { StoreClosedError } from '../../engine/store/errors.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';

describe('MemoryKVStore', () => {
  it('round-trips, lists sorted keys by prefix, deletes', async () => {
    const s = new MemoryKVStore();
    await s.write({ put: [['b/2', Uint8Array.of(2)], ['a', Uint8Array.of(1)], ['b/1', new Uint8Array(0)]] });
    expect(await s.get('a')).toEqual(Uint8Array.of(1));
    expect(await s.get('b/1')).toEqual(new Uint8Array(0));
    expect(await s.keys('')).toEqual(['a', 'b/1', 'b/2']);
    expect(await s.keys('b/')).toEqual(['b/1', 'b/2']);
    await s.write({ del: ['b/1', 'never-there'] });
    expect(await s.keys('b/')).toEqual(['b/2']);
  });

  it('copies bytes in and out', async () => {
    const s = new MemoryKVStore();
    const v = Uint8Array.of(1, 2, 3);
    await s.write({ put: [['k', v]] });
    v[0] = 9;
    const out = (await s.get('k')) as Uint8Array;
    expect(out).toEqual(Uint8Array.of(1, 2, 3));
    out[1] = 9;
    expect(await s.get('k')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('failNextWrite: the batch rejects and nothing of it is applied; the next write works', async () => {
    const s = new MemoryKVStore();
    await s.write({ put: [['keep', Uint8Array.of(1)], ['gone', Uint8Array.of(2)]] });
    s.failNextWrite(new Error('injected'));
    await expect(s.write({ put: [['keep', Uint8Array.of(9)], ['new', Uint8Array.of(3)]], del: ['gone'] })).rejects.toThrow('injected');
    expect(s.rawEntries()).toEqual([
      ['keep', Uint8Array.of(1)],
      ['gone', Uint8Array.of(2)],
    ]);
    expect(s.writes).toBe(1);
    await s.write({ put: [['new', Uint8Array.of(3)]] });
    expect(await s.get('new')).toEqual(Uint8Array.of(3));
  });

  it('invalid batches are refused before anything is applied', async () => {
    const s = new MemoryKVStore();
    await expect(s.write({ put: [['ok', Uint8Array.of(1)], ['', Uint8Array.of(1)]] })).rejects.toThrow(ValidationError);
    await expect(s.write({ put: [['ok', 'text' as unknown as Uint8Array]] })).rejects.toThrow(/batch.put\[0\].value/);
    await expect(s.write({ put: [['a', Uint8Array.of(1)], ['a', Uint8Array.of(2)]] })).rejects.toThrow(/twice/);
    await expect(s.get('bad key')).rejects.toThrow(/printable ASCII/);
    expect(s.rawEntries()).toEqual([]);
  });

  it('holdWrites: a write is not complete until released, and writes complete in order', async () => {
    const s = new MemoryKVStore();
    const release = s.holdWrites();
    const order: number[] = [];
    const a = s.write({ put: [['k', Uint8Array.of(1)]] }).then(() => order.push(1));
    const b = s.write({ put: [['k', Uint8Array.of(2)]] }).then(() => order.push(2));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    expect(await s.get('k')).toBeUndefined();
    release();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(await s.get('k')).toEqual(Uint8Array.of(2));
  });

  it('after close every call rejects', async () => {
    const s = new MemoryKVStore();
    await s.close();
    await expect(s.get('a')).rejects.toThrow(StoreClosedError);
    await expect(s.keys('')).rejects.toThrow(StoreClosedError);
    await expect(s.write({ put: [['a', Uint8Array.of(1)]] })).rejects.toThrow(StoreClosedError);
  });
});
