// The engine's Esplora client, sync and watches against the REAL regtest chain (bcoin, full
// consensus validation) behind the playground's electrs-compatible HTTP server, over real HTTP
// with Node's fetch: faucet payments seen in history and UTXOs, merkle proofs checked against
// real headers, the server's broadcast error text surfaced verbatim, a 429 honoured, and a reorg
// that takes a confirmed tx away and brings it back, reported by sync and the watcher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesToHex,
  ChainMonitor,
  ChainSync,
  ChainWatcher,
  EsploraClient,
  EsploraError,
  feeRateForTarget,
  parseHeader,
  type FetchLike,
  type SyncEvent,
  type WatchEvent,
} from '../../engine/index.ts';
import { nodeClock } from '../../cli/adapters/clock.ts';
import { RegtestChain, RegtestWallet, startEsplora, type EsploraServer } from '../../playground/chain/index.ts';

const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);

let chain: RegtestChain;
let server: EsploraServer;
let client: EsploraClient;
let throttle = 0; // requests to answer with 429 before serving normally

beforeAll(async () => {
  chain = await RegtestChain.create();
  server = await startEsplora(chain, {
    port: 0,
    intercept: () => (throttle-- > 0 ? { status: 429, body: 'Too Many Requests', headers: { 'Retry-After': '1' } } : undefined),
  });
  client = new EsploraClient({ baseUrl: server.url, fetch: nodeFetch, clock: nodeClock, abort: () => new AbortController(), timeoutMs: 10_000 });
});

afterAll(async () => {
  await server?.close();
  await chain?.close();
});

const summary = (events: readonly SyncEvent[]) =>
  events.map((e) => (e.type === 'reorg' ? `reorg@${e.forkHeight} -${e.disconnected.length}` : e.type === 'jump' ? `jump ${e.fromHeight}→${e.toHeight}` : `+${e.block.height}`));

describe('EsploraClient against the regtest Esplora server', () => {
  it('tip, headers and proof of work of real blocks', async () => {
    const tip = await client.tip();
    expect(tip).toEqual({ height: chain.height, hash: chain.tipHash });
    const header = await client.blockHeader(tip.hash);
    expect(bytesToHex(header)).toBe(bytesToHex(chain.tip().header));
    expect(parseHeader(header).hash).toBe(tip.hash);
    expect(await client.blockHashAtHeight(tip.height - 1)).toBe(parseHeader(header).prevHash);
  });

  it('faucet → scriptHistory and scriptUtxos see it, unconfirmed then confirmed', async () => {
    const wallet = RegtestWallet.fromSeed('interop esplora history');
    const paid = await chain.faucet(wallet.script, 150_000, { mine: false });
    let history = await client.scriptHistory(wallet.script);
    expect(history).toEqual([{ txid: paid.txid, status: { confirmed: false } }]);
    expect(await client.scriptUtxos(wallet.script)).toEqual([{ txid: paid.txid, vout: 0, valueSat: 150_000n, status: { confirmed: false } }]);

    await chain.mine(1);
    const tip = chain.tip();
    history = await client.scriptHistory(wallet.script);
    expect(history).toEqual([{ txid: paid.txid, status: { confirmed: true, blockHeight: tip.height, blockHash: tip.hash, blockTime: tip.time } }]);
    const [utxo] = await client.scriptUtxos(wallet.script);
    expect(utxo).toMatchObject({ txid: paid.txid, vout: 0, valueSat: 150_000n, status: { confirmed: true, blockHeight: tip.height } });
    expect(await client.transaction(paid.txid)).toEqual(paid.raw);
  });

  it('pages a history longer than 25 confirmed txs', async () => {
    const wallet = RegtestWallet.fromSeed('interop esplora paging');
    const txids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) txids.push((await chain.faucet(wallet.script, 10_000 + i, { mine: false })).txid);
      await chain.mine(1);
    }
    txids.push((await chain.faucet(wallet.script, 5_000, { mine: false })).txid);
    const before = server.requestCount;
    const history = await client.scriptHistory(wallet.script);
    expect(history.map((t) => t.txid).sort()).toEqual([...txids].sort());
    expect(history.filter((t) => !t.status.confirmed).map((t) => t.txid)).toEqual([txids[30]]);
    expect(server.requestCount - before).toBe(2); // /txs (1 mempool + 25 confirmed), then one /txs/chain page of 5
    await chain.mine(1);
  });

  it('verifyConfirmed passes on real blocks, for every position in a block', async () => {
    const wallet = RegtestWallet.fromSeed('interop esplora merkle');
    const paid: string[] = [];
    for (let i = 0; i < 5; i++) paid.push((await chain.faucet(wallet.script, 20_000 + i, { mine: false })).txid);
    await chain.mine(1);
    const block = chain.block(chain.height)!;
    expect(block.txs.length).toBe(6);
    for (const { txid } of block.txs) {
      expect(await client.verifyConfirmed(txid)).toEqual({ confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: block.time });
    }
    const pending = await chain.faucet(wallet.script, 30_000, { mine: false });
    expect(await client.verifyConfirmed(pending.txid)).toEqual({ confirmed: false });
    await chain.mine(1);
  });

  it("broadcast: success, and the server's error text for a below-min-fee tx", async () => {
    const wallet = RegtestWallet.fromSeed('interop esplora broadcast');
    const paid = await chain.faucet(wallet.script, 100_000);
    const input = { txid: paid.txid, vout: 0, value: 100_000 };

    const free = wallet.sign({ inputs: [input], outputs: [{ script: wallet.script, value: 100_000 }] });
    const err = await client.broadcast(free.raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EsploraError);
    const e = err as EsploraError;
    const serverText = `sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, 0 < ${free.vsize}"}`;
    expect(e.kind).toBe('rejected');
    expect(e.status).toBe(400);
    expect(e.body).toBe(serverText);
    expect(e.message).toBe(`esplora POST /tx: HTTP 400: ${serverText}`);

    const good = wallet.pay({ inputs: [input], outputs: [{ script: RegtestWallet.fromSeed('elsewhere').script, value: 50_000 }], feeRate: 2 });
    expect(await client.broadcast(good.raw)).toBe(good.txid);
    expect(chain.mempoolTxids()).toContain(good.txid);
    const spend = await client.outSpend(paid.txid, 0);
    expect(spend).toEqual({ spent: true, txid: good.txid, vin: 0, status: { confirmed: false } });
    await chain.mine(1);
  });

  it('fee estimates from the server, and the nearest lower target', async () => {
    chain.setFeeEstimates({ 1: 12, 3: 6, 6: 3, 144: 1 });
    const est = await client.feeEstimates();
    expect([...est]).toEqual([
      [1, 12],
      [3, 6],
      [6, 3],
      [144, 1],
    ]);
    expect(feeRateForTarget(est, 2)).toBe(12);
    expect(feeRateForTarget(est, 100)).toBe(3);
  });

  it('a 429 with Retry-After is honoured, then the request succeeds', async () => {
    throttle = 1;
    const started = Date.now();
    expect(await client.tipHash()).toBe(chain.tipHash);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(client.stats.retries).toBeGreaterThanOrEqual(1);
  });
});

describe('sync and watches against the regtest chain', () => {
  it('an idle tick costs one request; new blocks are connected', async () => {
    const sync = new ChainSync({ source: client });
    await sync.tick();
    expect(sync.tip).toEqual({ height: chain.height, hash: chain.tipHash });
    let before = server.requestCount;
    expect(await sync.tick()).toEqual([]);
    expect(server.requestCount - before).toBe(1);
    await chain.mine(2);
    before = server.requestCount;
    expect(summary(await sync.tick())).toEqual([`+${chain.height - 1}`, `+${chain.height}`]);
    expect(server.requestCount - before).toBe(3);
  });

  it('a confirmed tx disappears in a reorg and reappears; sync emits the reorg', async () => {
    const wallet = RegtestWallet.fromSeed('interop esplora reorg');
    const watcher = new ChainWatcher({ source: client });
    const monitor = new ChainMonitor(new ChainSync({ source: client }), watcher);
    await monitor.tick();

    const paid = await chain.faucet(wallet.script, 80_000); // mined in one block
    const first = chain.tip();
    watcher.watchTx(paid.txid, 1);
    watcher.watchOutput(paid.txid, 0);
    let r = await monitor.tick();
    expect(r.watch).toEqual([{ type: 'tx-confirmed', txid: paid.txid, blockHeight: first.height, blockHash: first.hash, depth: 1 }]);

    // Replace the block with two empty ones: the tx goes back to the mempool.
    const reorg = await chain.reorg({ depth: 1, newBlocks: 2, empty: true });
    expect(reorg.disconnected).toEqual([first.hash]);
    expect(await client.txStatus(paid.txid)).toEqual({ confirmed: false });
    r = await monitor.tick();
    expect(r.chain[0]).toEqual({ type: 'reorg', forkHeight: first.height - 1, disconnected: [{ height: first.height, hash: first.hash }], deep: false });
    expect(summary(r.chain)).toEqual([`reorg@${first.height - 1} -1`, `+${first.height}`, `+${first.height + 1}`]);
    expect(r.watch).toEqual([{ type: 'tx-unconfirmed', txid: paid.txid, blockHeight: first.height, blockHash: first.hash }]);
    expect(chain.mempoolTxids()).toContain(paid.txid);

    // The next block confirms it again, in a different block.
    await chain.mine(1);
    const again = chain.tip();
    r = await monitor.tick();
    expect(summary(r.chain)).toEqual([`+${again.height}`]);
    expect(r.watch).toEqual([{ type: 'tx-confirmed', txid: paid.txid, blockHeight: again.height, blockHash: again.hash, depth: 1 }]);
    expect(await client.verifyConfirmed(paid.txid)).toMatchObject({ confirmed: true, blockHash: again.hash });

    // Spend the output: seen at the next block.
    const spend = wallet.pay({ inputs: [{ txid: paid.txid, vout: 0, value: 80_000 }], outputs: [{ script: RegtestWallet.fromSeed('sink').script, value: 40_000 }] });
    await client.broadcast(spend.raw);
    await chain.mine(1);
    r = await monitor.tick();
    const spent = r.watch.find((e): e is Extract<WatchEvent, { type: 'output-spent' }> => e.type === 'output-spent');
    expect(spent).toMatchObject({ txid: paid.txid, vout: 0, spendingTxid: spend.txid, vin: 0, status: { confirmed: true, blockHeight: chain.height } });

    // Same-height replacement of the tip.
    const old = chain.tip();
    await chain.reorg({ depth: 1, newBlocks: 1 });
    r = await monitor.tick();
    expect(summary(r.chain)).toEqual([`reorg@${old.height - 1} -1`, `+${old.height}`]);
    expect(monitor.sync.tip).toEqual({ height: old.height, hash: chain.tipHash });

    const before = server.requestCount;
    r = await monitor.tick();
    expect(r.chain).toEqual([]);
    expect(r.watch).toEqual([]);
    expect(server.requestCount - before).toBe(1);
  });
});
