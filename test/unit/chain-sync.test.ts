// Tip tracking and reorg detection (engine/chain/sync.ts) over the Esplora client and the fake
// electrs: an idle tick costs exactly one request, new blocks cost one header each, reorgs at the
// same height and onto longer forks are reported with their fork point, and lies are refused.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EsploraClient } from '../../engine/chain/esplora.ts';
import { EsploraError } from '../../engine/chain/errors.ts';
import { ChainSync, TipWindow, type KnownBlock, type SyncEvent } from '../../engine/chain/sync.ts';
import type { ChainSource } from '../../engine/chain/source.ts';
import { ManualClock } from '../harness/loopback.ts';
import { BASE_URL, FakeEsplora } from '../harness/fake-esplora.ts';

function setup(blocks = 20, options: { windowSize?: number } = {}) {
  const fake = new FakeEsplora();
  fake.chain.mine(blocks);
  const client = new EsploraClient({ baseUrl: BASE_URL, fetch: fake.fetch, clock: new ManualClock() });
  const sync = new ChainSync({ source: client, ...options });
  return { fake, chain: fake.chain, client, sync };
}

async function counted<T>(fake: FakeEsplora, f: () => Promise<T>): Promise<{ value: T; requests: string[] }> {
  const mark = fake.log.length;
  const value = await f();
  return { value, requests: fake.since(mark) };
}

const summary = (events: readonly SyncEvent[]) =>
  events.map((e) =>
    e.type === 'reorg'
      ? `reorg@${e.forkHeight}${e.deep ? ' deep' : ''} -[${e.disconnected.map((d) => d.height).join(',')}]`
      : e.type === 'jump'
        ? `jump ${e.fromHeight}→${e.toHeight}`
        : `+${e.block.height}`,
  );

describe('ChainSync', () => {
  it('bootstraps the window from the tip: tip hash, its status, then 12 linked headers', async () => {
    const { fake, chain, sync } = setup(20);
    const { value, requests } = await counted(fake, () => sync.tick());
    expect(summary(value)).toEqual([...Array(12).keys()].map((i) => `+${9 + i}`));
    expect(requests).toHaveLength(14);
    expect(sync.tip).toEqual({ height: 20, hash: chain.tip.hash });
    expect(sync.hashAt(9)).toBe(chain.blocks[9]!.hash);
    expect(sync.hashAt(8)).toBeUndefined();
    const small = setup(3);
    expect(summary(await small.sync.tick())).toEqual(['+0', '+1', '+2', '+3']);
  });

  it('an idle tick costs exactly one request: GET /blocks/tip/hash', async () => {
    const { fake, sync } = setup();
    await sync.tick();
    for (let i = 0; i < 10; i++) {
      const { value, requests } = await counted(fake, () => sync.tick());
      expect(value).toEqual([]);
      expect(requests).toEqual(['GET /blocks/tip/hash']);
    }
  });

  it('new blocks: one header request each, connected in ascending order', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    chain.mine(1);
    let r = await counted(fake, () => sync.tick());
    expect(summary(r.value)).toEqual(['+21']);
    expect(r.requests).toEqual(['GET /blocks/tip/hash', `GET /block/${chain.tip.hash}/header`]);
    chain.mine(3);
    r = await counted(fake, () => sync.tick());
    expect(summary(r.value)).toEqual(['+22', '+23', '+24']);
    expect(r.requests).toHaveLength(4);
    const connected = r.value[2]!;
    expect(connected.type === 'connected' && bytesToHex(connected.header)).toBe(bytesToHex(chain.tip.header));
  });

  it('reorg at the same height: the tip is replaced', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    const old = chain.tip;
    chain.reorg(1, 1);
    const r = await counted(fake, () => sync.tick());
    expect(r.value[0]).toEqual({ type: 'reorg', forkHeight: 19, disconnected: [{ height: 20, hash: old.hash }], deep: false });
    expect(summary(r.value)).toEqual(['reorg@19 -[20]', '+20']);
    expect(r.requests).toHaveLength(2);
    expect(sync.tip).toEqual({ height: 20, hash: chain.tip.hash });
  });

  it('reorg onto a longer fork', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    chain.reorg(3, 5);
    const r = await counted(fake, () => sync.tick());
    expect(summary(r.value)).toEqual(['reorg@17 -[20,19,18]', '+18', '+19', '+20', '+21', '+22']);
    expect(r.requests).toHaveLength(6);
    expect(sync.snapshot().map((b) => b.hash)).toEqual(chain.blocks.slice(-12).map((b) => b.hash));
  });

  it('far behind: a jump over the blocks not fetched, found in O(window) requests', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    chain.mine(40);
    const r = await counted(fake, () => sync.tick());
    expect(summary(r.value)).toEqual(['jump 20→48', ...[...Array(12).keys()].map((i) => `+${49 + i}`)]);
    expect(r.requests).toHaveLength(1 + 12 + 1 + 1); // tip, 12 headers, status, one height probe
    expect(sync.tip).toEqual({ height: 60, hash: chain.tip.hash });
    expect((await counted(fake, () => sync.tick())).requests).toHaveLength(1);
  });

  it('far behind across a reorg: fork point found by height probes', async () => {
    const { sync, chain } = setup();
    await sync.tick();
    chain.reorg(4, 30);
    expect(summary(await sync.tick())).toEqual(['reorg@16 -[20,19,18,17]', 'jump 16→34', ...[...Array(12).keys()].map((i) => `+${35 + i}`)]);
  });

  it('a reorg deeper than the window is reported as deep', async () => {
    const { sync, chain } = setup(30);
    await sync.tick();
    chain.reorg(15, 16);
    const events = await sync.tick();
    const reorg = events[0]!;
    expect(reorg.type === 'reorg' && reorg.deep).toBe(true);
    expect(reorg.type === 'reorg' && reorg.disconnected).toHaveLength(12);
    expect(sync.tip).toEqual({ height: 31, hash: chain.tip.hash });
  });

  it('ignores a lagging backend that reports an ancestor of our tip', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    fake.intercept = (req) => (req.path === '/blocks/tip/hash' ? { status: 200, body: chain.blocks[18]!.hash } : undefined);
    const r = await counted(fake, () => sync.tick());
    expect(r.value).toEqual([]);
    expect(r.requests).toHaveLength(1);
    expect(sync.tip?.height).toBe(20);
  });

  it('a lie mid-walk fails the tick and leaves the window unchanged', async () => {
    const { fake, chain, sync } = setup();
    await sync.tick();
    const before = sync.snapshot();
    chain.reorg(2, 3);
    fake.intercept = (req) => (req.path === `/block/${chain.blocks[19]!.hash}/header` ? { status: 200, body: bytesToHex(chain.blocks[10]!.header) } : undefined);
    await expect(sync.tick()).rejects.toBeInstanceOf(EsploraError);
    expect(sync.snapshot()).toEqual(before);
    fake.intercept = undefined;
    expect(summary(await sync.tick())).toEqual(['reorg@18 -[20,19]', '+19', '+20', '+21']);
  });

  it('re-checks headers from any ChainSource: hash and proof of work', async () => {
    const { chain, client } = setup();
    let tamper = false;
    const source: ChainSource = Object.assign(Object.create(client) as ChainSource, {
      blockHeader: async (hash: string) => {
        const h = await client.blockHeader(hash);
        if (tamper) h[79] ^= 0xff;
        return h;
      },
    });
    const sync = new ChainSync({ source });
    await sync.tick();
    chain.mine(1);
    tamper = true;
    const e = await sync.tick().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EsploraError);
    expect((e as EsploraError).kind).toBe('mismatch');
    const mainnet = new ChainSync({ source: client, network: 'bitcoin' });
    expect(((await mainnet.tick().catch((err: unknown) => err)) as EsploraError).reason).toContain('easier than the network allows');
  });

  it('restores a saved window: the first tick is an idle one', async () => {
    const { fake, client, sync } = setup();
    await sync.tick();
    const again = new ChainSync({ source: client, initial: sync.snapshot() });
    const r = await counted(fake, () => again.tick());
    expect(r.value).toEqual([]);
    expect(r.requests).toEqual(['GET /blocks/tip/hash']);
  });

  it('concurrent ticks run one after another', async () => {
    const { chain, sync } = setup();
    await sync.tick();
    chain.mine(1);
    const [a, b] = await Promise.all([sync.tick(), sync.tick()]);
    expect(summary(a)).toEqual(['+21']);
    expect(b).toEqual([]);
  });
});

describe('TipWindow', () => {
  const block = (height: number, prevHash: string): KnownBlock => ({ height, hash: `${height}`.padStart(64, '0'), prevHash, time: 0 });
  const chainOf = (from: number, to: number): KnownBlock[] => {
    const out: KnownBlock[] = [];
    for (let h = from; h <= to; h++) out.push(block(h, out[out.length - 1]?.hash ?? 'f'.repeat(64)));
    return out;
  };

  it('keeps the last N blocks and refuses unlinked input', () => {
    const w = new TipWindow(4, chainOf(1, 10));
    expect(w.known.map((b) => b.height)).toEqual([7, 8, 9, 10]);
    expect(w.heightOf(w.tip!.hash)).toBe(10);
    expect(w.hashAt(6)).toBeUndefined();
    const broken = chainOf(1, 3);
    broken[2] = { ...broken[2]!, prevHash: 'e'.repeat(64) };
    expect(() => new TipWindow(4, broken)).toThrow(RangeError);
    const next = block(11, w.tip!.hash);
    expect(() => w.apply(10, [{ block: next, header: new Uint8Array(80) }, { block: block(13, next.hash), header: new Uint8Array(80) }])).toThrow(RangeError);
    expect(() => new TipWindow(1)).toThrow(RangeError);
  });
});
