/**
 * Keeping the playground's regtest chain (playground/chain/chain-store.ts): the record codecs
 * refuse damaged bytes naming the record, and a RegtestChain created again on the same store is
 * the same chain — tip, height, faucet coins, mempool — also after a reorg shortened it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { RegtestChain, scripthashOf } from '../../playground/chain/index.ts';
import {
  blockKey,
  ChainStoreError,
  decodeBlockRecord,
  decodeMeta,
  decodeTxList,
  encodeBlockRecord,
  encodeMeta,
  encodeTxList,
  firstDifference,
  heightOfKey,
} from '../../playground/chain/chain-store.ts';

const open: RegtestChain[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function create(store: MemoryKVStore): Promise<RegtestChain> {
  const chain = await RegtestChain.create({ store });
  open.push(chain);
  return chain;
}

async function closeChain(chain: RegtestChain): Promise<void> {
  open.splice(open.indexOf(chain), 1);
  await chain.close();
}

const snapshot = (chain: RegtestChain) => ({
  height: chain.height,
  tip: chain.tipHash,
  hashes: Array.from({ length: chain.height + 1 }, (_, h) => chain.index.blockAt(h)!.hash),
  mempool: chain.mempoolTxids(),
  faucetHistory: chain.index.historyOf(scripthashOf(chain.faucetScript)).map((r) => r.txid),
});

describe('chain store records', () => {
  it('block keys sort by height and parse back', () => {
    expect(blockKey(1)).toBe('b/0000000001');
    expect(heightOfKey(blockKey(123456))).toBe(123456);
    expect(heightOfKey('mempool')).toBeUndefined();
    expect(() => blockKey(0)).toThrow(/block height/);
  });

  it('tx lists round-trip; truncated or trailing bytes are refused naming the record', () => {
    const txs = [Uint8Array.of(1, 2, 3), new Uint8Array(300).fill(7)];
    expect(decodeTxList(encodeTxList(txs))).toEqual(txs);
    expect(decodeTxList(encodeTxList([]))).toEqual([]);
    const bytes = encodeTxList(txs);
    expect(() => decodeTxList(bytes.subarray(0, bytes.length - 1))).toThrow(/mempool: tx 1 .* runs past the end/);
    expect(() => decodeTxList(Uint8Array.from([...bytes, 0]))).toThrow(/mempool: 1 bytes after the last tx/);
    expect(() => decodeTxList(Uint8Array.of(9, 0, 0, 0, 0))).toThrow(/unknown record version 9/);
  });

  it('meta and block records carry a version; anything else is a ChainStoreError', () => {
    expect(decodeMeta(encodeMeta('patched'))).toEqual({ activation: 'patched' });
    expect(() => decodeMeta(new TextEncoder().encode('{"v":2,"activation":"patched"}'))).toThrow(ChainStoreError);
    expect(() => decodeMeta(new TextEncoder().encode('{"v":1,"activation":"other"}'))).toThrow(/activation must be/);
    expect(() => decodeMeta(Uint8Array.of(0xff))).toThrow(/not a JSON record/);
    const raw = new Uint8Array(100).fill(1);
    expect(decodeBlockRecord(encodeBlockRecord(raw), 'b/1')).toEqual(raw);
    expect(() => decodeBlockRecord(Uint8Array.of(1, 2), 'b/0000000001')).toThrow(/b\/0000000001: record too short/);
  });

  it('firstDifference finds where a stored chain and the current one fork', () => {
    expect(firstDifference([], ['g', 'a', 'b'])).toBe(1);
    expect(firstDifference(['g', 'a', 'b'], ['g', 'a', 'b', 'c'])).toBe(3);
    expect(firstDifference(['g', 'a', 'b', 'c'], ['g', 'a', 'x'])).toBe(2);
    expect(firstDifference(['g', 'a', 'b'], ['g', 'a'])).toBe(2);
  });
});

describe('a RegtestChain on a store', () => {
  it('comes back at the same tip and height with the same faucet coins and mempool; a reorg that shortened it is kept', async () => {
    const store = new MemoryKVStore();
    const first = await create(store);
    expect(first.restored).toBe(false);
    await first.faucet(first.faucetScript, 50_000);
    await first.mine(3);
    await first.reorg({ depth: 2, newBlocks: 1 });
    const pending = await first.faucet(first.faucetScript, 20_000, { mine: false });
    const before = snapshot(first);
    await closeChain(first);

    const second = await create(store);
    expect(second.restored).toBe(true);
    expect(snapshot(second)).toEqual(before);
    expect(second.mempoolTxids()).toContain(pending.txid);
    // The faucet can still spend: its coins came back with the blocks.
    await second.faucet(second.faucetScript, 30_000);
    const grown = snapshot(second);
    await closeChain(second);
    expect(snapshot(await create(store))).toEqual(grown);
  });

  it('refuses a store whose blocks have a gap, changing nothing', async () => {
    const store = new MemoryKVStore();
    await closeChain(await create(store));
    await store.write({ del: [blockKey(5)] });
    const keys = await store.keys('');
    await expect(RegtestChain.create({ store })).rejects.toThrow(/missing block 5/);
    expect(await store.keys('')).toEqual(keys);
  });
});
