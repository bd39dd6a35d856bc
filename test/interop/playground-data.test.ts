/**
 * Issue 8 item 4: `npm start -- --data <dir>` keeps the whole playground world across restarts.
 * The playground (startPlayground, on free ports) starts on a temp `--data`, the hub pays the
 * shop, a shop order is paid, a faucet tx waits in the mempool; it stops and starts again on the
 * same directory: the same hub and shop node ids, the same chain tip and height, the same faucet
 * UTXOs, the mempool tx still there, the same hub→shop channel (not opened again) usable, the
 * order still paid — and a new hub→shop payment routes. A second playground on a directory in
 * use is refused, a hub kept without its chain or on another chain is refused, and a file as `--data` is refused,
 * naming the directory.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPlayground, type Playground, type StartOptions } from '../../playground/playground.ts';

let dir: string;
const running: Playground[] = [];
const onFreePorts: StartOptions = { skipBuild: true, appPort: 0, proxyPort: 0, esploraPort: 0, hubPort: 0, shopPort: 0 };

async function start(data: string): Promise<Playground> {
  const pg = await startPlayground({ ...onFreePorts, data });
  running.push(pg);
  return pg;
}

async function stop(pg: Playground): Promise<void> {
  await pg.stop();
  running.splice(running.indexOf(pg), 1);
}

async function api<T>(pg: Playground, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pg.urls.api}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What a restart must keep. */
async function world(pg: Playground) {
  const utxos = await (await fetch(`${pg.urls.esplora}/address/${pg.chain.faucetAddress}/utxo`)).json() as { txid: string; vout: number; value: number }[];
  return {
    hub: pg.hub.node.nodeIdHex,
    shop: pg.shop.node.nodeIdHex,
    height: pg.chain.height,
    tip: pg.chain.tipHash,
    faucetUtxos: utxos.map((u) => `${u.txid}:${u.vout}:${u.value}`).sort(),
    hubChannels: pg.hub.node.payments.channelBalances().map((c) => ({ channelId: c.channelId, counterparty: c.counterparty, valueSat: c.valueSat })),
  };
}

async function hubPaysShop(pg: Playground, sat: bigint, description: string): Promise<void> {
  const invoice = pg.shop.node.createInvoice({ amountMsat: sat * 1000n, description });
  const sent = await pg.hub.node.payInvoice(invoice);
  await pg.shop.node.waitForClaimed(sent.paymentHash, 20_000);
  await pg.hub.node.waitForNoPendingHtlcs(20_000);
  await pg.shop.node.waitForNoPendingHtlcs(20_000);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glint-playground-data-'));
});

afterAll(async () => {
  for (const pg of running.splice(0)) await pg.stop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start -- --data <dir>', () => {
  test('a second start on the same --data has the same node ids, chain, channel and paid order; hub→shop payments route after the restart', async () => {
    const data = join(dir, 'world');
    const first = await start(data);
    expect(first.hub.restored).toBe(false);
    await hubPaysShop(first, 10_000n, 'before the restart');
    const order = await api<{ paymentHash: string; bolt11: string }>(first, 'shop/order', { item: 'coffee' });
    await first.hub.node.payInvoice(order.bolt11);
    await first.shop.node.waitForClaimed(order.paymentHash, 20_000);
    await first.hub.node.waitForNoPendingHtlcs(20_000);
    await first.chain.mine(2);
    const waiting = await first.chain.faucet(first.chain.faucetScript, 12_345, { mine: false });
    const before = await world(first);
    const balanceBefore = first.shop.node.payments.channelBalances()[0]!.balanceMsat;
    expect(before.hubChannels.filter((c) => c.counterparty === before.shop)).toHaveLength(1);
    await stop(first);

    const second = await start(data);
    expect(second.hub.restored && second.shop.restored && second.chain.restored).toBe(true);
    const after = await world(second);
    expect(after).toEqual(before);
    expect(second.chain.mempoolTxids()).toContain(waiting.txid);
    expect(second.shop.node.payments.channelBalances()[0]!.balanceMsat).toBe(balanceBefore);
    expect(await api<{ paid: boolean }>(second, `shop/order/${order.paymentHash}`)).toEqual({ paymentHash: order.paymentHash, paid: true });

    await hubPaysShop(second, 7_000n, 'after the restart');
    expect(second.shop.node.payments.channelBalances()[0]!.balanceMsat).toBe(balanceBefore + 7_000_000n);
    // The funding tx was not made again: still one channel between them.
    expect(second.hub.node.payments.channelBalances().filter((c) => c.counterparty === after.shop)).toHaveLength(1);

    // The directory is in use: a second playground on it is refused before it starts anything.
    await expect(startPlayground({ ...onFreePorts, data })).rejects.toThrow(/--data .*another playground is using it/);
    await stop(second);
  }, 240_000);

  test('nodes kept without their chain are refused, naming the directories, and nothing is written', async () => {
    const data = join(dir, 'world');
    await rm(join(data, 'chain'), { recursive: true });
    const refused = /--data .*world: .*world\/hub holds a node's state but .*world\/chain holds no chain/;
    await expect(startPlayground({ ...onFreePorts, data })).rejects.toThrow(refused);
    // No new chain was made in its place, and the directory was not left locked.
    await expect(startPlayground({ ...onFreePorts, data })).rejects.toThrow(refused);
  }, 60_000);

  test('a hub kept on another chain is refused, naming the node and its directory', async () => {
    const other = join(dir, 'other');
    await stop(await start(other));
    await rm(join(other, 'hub'), { recursive: true });
    await cp(join(dir, 'world', 'hub'), join(other, 'hub'), { recursive: true });
    await expect(startPlayground({ ...onFreePorts, data: other })).rejects.toThrow(/hub: cannot start from .*other\/hub: .*best block .* is not on this chain/);
  }, 120_000);

  test('a file as --data is refused, naming it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    await expect(startPlayground({ ...onFreePorts, data: file })).rejects.toThrow(`--data ${file}: is not a directory`);
  });
});
