// Watches (engine/chain/watch.ts) over sync + the Esplora client + the fake electrs: confirmations
// at depth N, spends and who spent, reorgs taking confirmations away and giving them back, and
// the request budget (nothing polled while the tip stands; confirmed watches cost nothing).
import { describe, expect, it } from 'vitest';
import { EsploraClient } from '../../engine/chain/esplora.ts';
import { ChainSync, type SyncEvent } from '../../engine/chain/sync.ts';
import { ChainMonitor, ChainWatcher, type WatchEvent } from '../../engine/chain/watch.ts';
import { ManualClock } from '../harness/loopback.ts';
import { BASE_URL, FakeEsplora, scriptFor } from '../harness/fake-esplora.ts';

async function setup(options: { verify?: boolean } = {}) {
  const fake = new FakeEsplora();
  fake.chain.mine(20);
  const client = new EsploraClient({ baseUrl: BASE_URL, fetch: fake.fetch, clock: new ManualClock() });
  const watcher = new ChainWatcher({ source: client, ...options });
  const monitor = new ChainMonitor(new ChainSync({ source: client }), watcher);
  await monitor.tick();
  const tick = async () => {
    const mark = fake.log.length;
    const r = await monitor.tick();
    return { ...r, requests: fake.since(mark) };
  };
  return { fake, chain: fake.chain, client, watcher, monitor, tick };
}

const kinds = (events: readonly (WatchEvent | SyncEvent)[]) => events.map((e) => e.type);

describe('tx confirmation watches', () => {
  it('reports depth N once, re-checking only when the tip changes', async () => {
    const { chain, watcher, tick } = await setup();
    const tx = chain.fund(scriptFor('w'), 10_000n);
    chain.mine(1, { txs: [] });
    const txid = tx.getId();
    watcher.watchTx(txid, 3);

    let r = await tick(); // new block + the new watch's first check
    expect(r.watch).toEqual([]);
    expect(r.requests.filter((q) => q.includes(txid))).toEqual([`GET /tx/${txid}/status`]);

    r = await tick(); // idle: the tip hash only
    expect(r.requests).toEqual(['GET /blocks/tip/hash']);

    const block = chain.mine(1)[0]!;
    r = await tick(); // confirmed at depth 1: proven (status, merkle proof, tx; header already synced)
    expect(r.watch).toEqual([]);
    expect(r.requests).toEqual([
      'GET /blocks/tip/hash',
      `GET /block/${block.hash}/header`,
      `GET /tx/${txid}/status`,
      `GET /tx/${txid}/merkle-proof`,
      `GET /tx/${txid}/hex`,
    ]);

    chain.mine(1);
    r = await tick(); // depth 2: no request for the watch
    expect(r.watch).toEqual([]);
    expect(r.requests).toHaveLength(2);

    chain.mine(1);
    r = await tick();
    expect(r.watch).toEqual([{ type: 'tx-confirmed', txid, blockHeight: block.height, blockHash: block.hash, depth: 3 }]);
    expect(r.requests).toHaveLength(2);

    chain.mine(1);
    expect((await tick()).watch).toEqual([]); // reported once
  });

  it('a confirmed tx disappears in a reorg and reappears', async () => {
    const { chain, watcher, tick } = await setup();
    const tx = chain.fund(scriptFor('r'), 10_000n);
    const first = chain.mine(1)[0]!;
    const txid = tx.getId();
    watcher.watchTx(txid, 1);
    expect((await tick()).watch).toEqual([{ type: 'tx-confirmed', txid, blockHeight: first.height, blockHash: first.hash, depth: 1 }]);

    chain.reorg(2, 3, { remine: false }); // the tx goes back to the mempool, not into the fork
    let r = await tick();
    expect(kinds(r.chain)).toEqual(['reorg', 'connected', 'connected', 'connected']);
    expect(r.watch).toEqual([{ type: 'tx-unconfirmed', txid, blockHeight: first.height, blockHash: first.hash }]);

    const again = chain.mine(1)[0]!;
    r = await tick();
    expect(r.watch).toEqual([{ type: 'tx-confirmed', txid, blockHeight: again.height, blockHash: again.hash, depth: 1 }]);
    expect(again.hash).not.toBe(first.hash);
  });

  it('a reorg below a confirmed tx does not disturb it; one above costs nothing', async () => {
    const { chain, watcher, tick } = await setup();
    const tx = chain.fund(scriptFor('s'), 10_000n);
    chain.mine(3);
    watcher.watchTx(tx.getId(), 1);
    await tick();
    chain.reorg(1, 2);
    const r = await tick();
    expect(kinds(r.chain)).toEqual(['reorg', 'connected', 'connected']);
    expect(r.watch).toEqual([]);
    expect(r.requests.filter((q) => q.includes(tx.getId()))).toEqual([]);
  });

  it('a proof that fails is a watch-error, retried on the next update', async () => {
    const { chain, fake, watcher, tick } = await setup();
    const tx = chain.fund(scriptFor('e'), 10_000n);
    chain.mine(1);
    const txid = tx.getId();
    fake.intercept = (req) => (req.path.endsWith('/merkle-proof') ? { status: 200, body: JSON.stringify({ block_height: chain.tip.height, merkle: [], pos: 0 }) } : undefined);
    watcher.watchTx(txid, 1);
    let r = await tick();
    expect(kinds(r.watch)).toEqual(['watch-error']);
    expect(r.watch[0]).toMatchObject({ watch: `tx:${txid}` });
    fake.intercept = undefined;
    r = await tick();
    expect(kinds(r.watch)).toEqual(['tx-confirmed']);
  });

  it('refuses a confirmation in a block that is not the synced one at that height', async () => {
    const { chain, fake, watcher, tick } = await setup({ verify: false });
    const tx = chain.fund(scriptFor('x'), 10_000n);
    const txid = tx.getId();
    fake.intercept = (req) =>
      req.path === `/tx/${txid}/status` ? { status: 200, body: JSON.stringify({ confirmed: true, block_height: 15, block_hash: 'ee'.repeat(32), block_time: 1 }) } : undefined;
    watcher.watchTx(txid, 1);
    expect((await tick()).watch).toEqual([]);
  });

  it('unknown txs are simply unconfirmed; many watches still cost one request when idle', async () => {
    const { watcher, tick } = await setup();
    for (let i = 0; i < 20; i++) watcher.watchTx(`${i}`.padStart(64, 'a'), 1);
    const first = await tick();
    expect(first.watch).toEqual([]);
    expect(first.requests).toHaveLength(1 + 20);
    expect((await tick()).requests).toEqual(['GET /blocks/tip/hash']);
  });
});

describe('output spend watches', () => {
  it('spent in the mempool, then confirmed, then reorged away', async () => {
    const { chain, watcher, tick } = await setup();
    const fund = chain.fund(scriptFor('o'), 50_000n);
    chain.mine(1);
    await tick();
    const txid = fund.getId();
    watcher.watchOutput(txid, 0);
    let r = await tick();
    expect(r.watch).toEqual([]);
    expect(r.requests).toEqual(['GET /blocks/tip/hash', `GET /tx/${txid}/outspend/0`]);

    const spend = chain.spend([{ txid, vout: 0 }], [{ script: scriptFor('p'), value: 49_000n }]);
    r = await tick(); // same tip: not polled
    expect(r.requests).toEqual(['GET /blocks/tip/hash']);

    chain.mine(1, { txs: [] }); // a block without it: seen in the mempool
    r = await tick();
    expect(r.watch).toEqual([{ type: 'output-spent', txid, vout: 0, spendingTxid: spend.getId(), vin: 0, status: { confirmed: false } }]);

    const block = chain.mine(1)[0]!;
    r = await tick();
    expect(r.watch).toEqual([
      {
        type: 'output-spent',
        txid,
        vout: 0,
        spendingTxid: spend.getId(),
        vin: 0,
        status: { confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: block.time },
      },
    ]);

    chain.mine(1);
    r = await tick(); // a confirmed spend is not polled
    expect(r.requests).toHaveLength(2);

    chain.reorg(2, 3, { dropTxids: [spend.getId()] });
    r = await tick();
    expect(r.watch).toEqual([{ type: 'output-unspent', txid, vout: 0, spendingTxid: spend.getId() }]);
  });

  it('an output of an unknown tx is unspent; unwatch stops the requests', async () => {
    const { watcher, chain, tick } = await setup();
    const key = watcher.watchOutput('ab'.repeat(32), 1);
    expect((await tick()).watch).toEqual([]);
    watcher.unwatch(key);
    chain.mine(1);
    expect((await tick()).requests).toHaveLength(2);
    expect(watcher.size).toBe(0);
  });
});
