/**
 * Reorgs on the regtest chain, seen through the Esplora API: a confirmed tx goes back to the
 * mempool when its block is invalidated and is confirmed again when the fork is mined; a fork
 * that mines a conflicting spend evicts it for good. The scripthash history, UTXO list and
 * outspend indexes follow every step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegtestChain, RegtestWallet, scripthashOf, startEsplora } from '../../playground/chain/index.ts';
import type { BlockEvent, EsploraServer, WalletUtxo } from '../../playground/chain/index.ts';

let chain: RegtestChain;
let server: EsploraServer;
const events: BlockEvent[] = [];
const wallet = RegtestWallet.fromSeed('chain-reorg wallet');
const payee = RegtestWallet.fromSeed('chain-reorg payee');
const thief = RegtestWallet.fromSeed('chain-reorg thief');

async function getJson(path: string): Promise<any> {
  const res = await fetch(`${server.url}${path}`);
  const body = await res.text();
  if (res.status !== 200) return { httpStatus: res.status, body };
  return JSON.parse(body);
}
async function post(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  chain = await RegtestChain.create();
  server = await startEsplora(chain);
  chain.onBlock((event) => events.push(event));
});

afterAll(async () => {
  await server?.close();
  await chain?.close();
});

describe('reorgs', () => {
  let funding: WalletUtxo;
  let spendTxid: string;
  let spendBlock: string;
  const payeeSh = scripthashOf(payee.script);

  test('setup: a wallet coin spent to the payee, confirmed', async () => {
    const f = await chain.faucet(wallet.script, 300_000);
    funding = { txid: f.txid, vout: f.vout, value: 300_000 };
    const spend = wallet.pay({ inputs: [funding], outputs: [{ script: payee.script, value: 100_000 }] });
    spendTxid = spend.txid;
    await chain.broadcast(spend.raw);
    [spendBlock] = await chain.mine(1);
    expect(await getJson(`/tx/${spendTxid}/status`)).toMatchObject({ confirmed: true, block_hash: spendBlock, block_height: chain.height });
    expect((await getJson(`/scripthash/${payeeSh}/utxo`))[0]).toMatchObject({ txid: spendTxid, vout: 0, status: { confirmed: true, block_hash: spendBlock } });
    expect(await getJson(`/tx/${funding.txid}/outspend/0`)).toMatchObject({ spent: true, txid: spendTxid, status: { confirmed: true } });
  });

  test('invalidating its block puts the tx back in the mempool; the indexes follow', async () => {
    const height = chain.height;
    events.length = 0;
    const disconnected = await chain.invalidate(spendBlock);
    expect(disconnected).toEqual([spendBlock]);
    expect(chain.height).toBe(height - 1);
    expect(events.map((e) => [e.type, e.block.hash])).toEqual([['disconnect', spendBlock]]);
    expect(events[0]!.tip.hash).toBe(chain.tipHash);

    expect(await getJson(`/block/${spendBlock}/status`)).toEqual({ in_best_chain: false, height: null, next_best: null });
    expect(await getJson(`/tx/${spendTxid}/status`)).toEqual({ confirmed: false });
    expect(chain.mempoolTxids()).toContain(spendTxid);
    expect((await getJson(`/tx/${spendTxid}`)).status).toEqual({ confirmed: false });
    const history = await getJson(`/scripthash/${payeeSh}/txs`);
    expect(history.map((t: any) => [t.txid, t.status.confirmed])).toEqual([[spendTxid, false]]);
    expect(await getJson(`/scripthash/${payeeSh}/txs/chain`)).toEqual([]);
    expect(await getJson(`/scripthash/${payeeSh}/utxo`)).toEqual([{ txid: spendTxid, vout: 0, status: { confirmed: false }, value: 100_000 }]);
    expect(await getJson(`/tx/${funding.txid}/outspend/0`)).toEqual({ spent: true, txid: spendTxid, vin: 0, status: { confirmed: false } });
    expect(await getJson(`/tx/${spendTxid}/merkle-proof`)).toMatchObject({ httpStatus: 404 });
  });

  test('mining the fork confirms it again, in a new block', async () => {
    const [block] = await chain.mine(1);
    expect(block).not.toBe(spendBlock);
    expect(await getJson(`/tx/${spendTxid}/status`)).toMatchObject({ confirmed: true, block_hash: block, block_height: chain.height });
    expect(chain.mempoolTxids()).not.toContain(spendTxid);
    expect((await getJson(`/scripthash/${payeeSh}/utxo`))[0].status).toMatchObject({ confirmed: true, block_hash: block });
    expect((await getJson(`/scripthash/${payeeSh}/txs/chain`)).map((t: any) => t.txid)).toEqual([spendTxid]);
    spendBlock = block!;
  });

  test('reorg {depth: 2}: both blocks replaced by a longer fork, the tx re-confirmed in its first block', async () => {
    await chain.mine(1);
    const oldTip = chain.tipHash;
    const height = chain.height;
    events.length = 0;
    const { disconnected, connected } = await chain.reorg({ depth: 2 });
    expect(disconnected).toEqual([oldTip, spendBlock]);
    expect(connected).toHaveLength(3);
    expect(chain.height).toBe(height + 1);
    expect(chain.tipHash).toBe(connected[2]);
    expect(events.map((e) => e.type)).toEqual(['disconnect', 'disconnect', 'connect', 'connect', 'connect']);
    expect(events.map((e) => e.block.hash)).toEqual([...disconnected, ...connected]);
    expect(await getJson(`/tx/${spendTxid}/status`)).toMatchObject({ confirmed: true, block_hash: connected[0], block_height: height - 1 });
    const proof = await getJson(`/tx/${spendTxid}/merkle-proof`);
    expect(proof.block_height).toBe(height - 1);
    for (const hash of disconnected) expect((await getJson(`/block/${hash}/status`)).in_best_chain).toBe(false);
    expect(await (await fetch(`${server.url}/block-height/${height - 1}`)).text()).toBe(connected[0]);
  });

  test('a fork that mines a conflicting spend evicts the tx: history, utxo and outspend follow', async () => {
    const forkHeight = chain.index.tx(spendTxid)!.block!.height;
    const depth = chain.height - forkHeight + 1;
    const theft = wallet.pay({ inputs: [funding], outputs: [{ script: thief.script, value: 250_000 }], feeRate: 5 });
    const { connected } = await chain.reorg({ depth, txs: [theft.raw] });
    expect(chain.index.tx(theft.txid)?.block?.hash).toBe(connected[0]);
    expect(chain.dropped.map((d) => d.txid)).toContain(spendTxid);
    expect(chain.dropped.find((d) => d.txid === spendTxid)!.reason).toBe('conflict');
    expect(chain.mempoolTxids()).not.toContain(spendTxid);
    expect(await getJson(`/tx/${spendTxid}`)).toEqual({ httpStatus: 404, body: 'Transaction not found' });
    expect(await getJson(`/tx/${spendTxid}/status`)).toEqual({ confirmed: false });
    expect(await getJson(`/scripthash/${payeeSh}/txs`)).toEqual([]);
    expect(await getJson(`/scripthash/${payeeSh}/utxo`)).toEqual([]);
    expect(await getJson(`/tx/${funding.txid}/outspend/0`)).toMatchObject({ spent: true, txid: theft.txid, vin: 0, status: { confirmed: true, block_hash: connected[0] } });
    expect((await getJson(`/scripthash/${scripthashOf(thief.script)}/utxo`))[0]).toMatchObject({ txid: theft.txid, value: 250_000 });
  });

  test('faucet txs (spending old coinbases) survive a reorg of their block', async () => {
    const f = await chain.faucet(payee.script, 55_555);
    const before = chain.index.tx(f.txid)!.block!.hash;
    const { connected } = await chain.reorg({ depth: 1 });
    expect(chain.index.tx(f.txid)!.block!.hash).toBe(connected[0]);
    expect(connected[0]).not.toBe(before);
  });

  test('a mempool child of a disconnected parent stays, behind its parent', async () => {
    const f = await chain.faucet(wallet.script, 90_000);
    const child = wallet.pay({ inputs: [{ txid: f.txid, vout: f.vout, value: 90_000 }], outputs: [{ script: payee.script, value: 40_000 }] });
    await chain.broadcast(child.raw);
    await chain.invalidate(f.blockHash!);
    expect(chain.mempoolTxids()).toEqual([f.txid, child.txid]);
    const [block] = await chain.mine(1);
    expect(chain.index.block(block!)!.txids.slice(1)).toEqual([f.txid, child.txid]);
  });

  test('a disconnected spend of a coinbase that is immature on the new tip is dropped with its reject reason', async () => {
    const [coinbaseBlock] = await chain.mine(1, { to: wallet.script });
    const coinbase = chain.index.block(coinbaseBlock!)!.txids[0]!;
    const value = chain.index.tx(coinbase)!.tx.outputs[0]!.value;
    await chain.mineEmpty(99);
    const spend = wallet.pay({ inputs: [{ txid: coinbase, vout: 0, value }], outputs: [{ script: payee.script, value: 10_000 }] });
    await chain.broadcast(spend.raw);
    await chain.mine(1);
    expect(chain.index.tx(spend.txid)?.block).toBeDefined();
    await chain.reorg({ depth: 2 });
    expect(chain.index.tx(spend.txid)).toBeUndefined();
    expect(chain.dropped.at(-1)).toEqual({ txid: spend.txid, reason: 'bad-txns-premature-spend-of-coinbase' });
  });

  test('POST /regtest/reorg and /regtest/invalidate', async () => {
    const height = chain.height;
    const result = await post('/regtest/reorg', { depth: 3, newBlocks: 5 });
    expect(result.disconnected).toHaveLength(3);
    expect(result.connected).toHaveLength(5);
    expect(chain.height).toBe(height + 2);
    const { disconnected } = await post('/regtest/invalidate', { hash: result.connected[3] });
    expect(disconnected).toEqual([result.connected[4], result.connected[3]]);
    expect(chain.height).toBe(height);
    const text = await (await fetch(`${server.url}/blocks/tip/hash`)).text();
    expect(text).toBe(result.connected[2]);
  });
});
