/**
 * Issue 8's CLI journey through `npm start`'s playground, started in-process on free ports
 * (startPlayground): real bcoin regtest, real LDK hub and shop, the real `glint` CLI as child
 * processes. init → faucet (playground API) → `glint run` → open a channel to the hub → mine →
 * pay the shop's invoice (routed through the hub; the shop's order turns paid) → `glint trust`
 * the hub, which opens a channel to Glint (zero-conf: usable before a block) → the hub pays a
 * Glint invoice and keysends over it → cooperative close of the first channel, confirmed. Then stop: every port it bound is
 * free again and `glint run` has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { glint, PASSPHRASE, type ChannelRow } from '../harness/cli-node.ts';
import { startPlayground, type Playground } from '../../playground/playground.ts';

let pg: Playground;
let dir: string;
let data: string;
let run: ChildProcess | undefined;
let runExit: Promise<number | null> | undefined;
let runLog = '';

const noPass = { GLINT_PASSPHRASE: '' };
const cli = (...args: string[]): string[] => ['--data', data, '--esplora', pg.urls.esplora, ...args];

async function api<T>(path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${pg.urls.api}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nglint run log tail:\n${runLog.split('\n').slice(-15).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const portOf = (url: string): number => Number(new URL(url.replace(/^ws/, 'http')).port);

beforeAll(async () => {
  const lines: string[] = [];
  pg = await startPlayground({ skipBuild: true, appPort: 0, proxyPort: 0, esploraPort: 0, hubPort: 0, shopPort: 0, progress: (l) => lines.push(l) });
  // A progress line per part, hub→shop channel included.
  for (const part of ['chain:', 'hub:', 'shop:', 'channel:', 'proxy:', 'app:']) expect(lines.some((l) => l.startsWith(part)), part).toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'glint-playground-'));
  data = join(dir, 'alice');
}, 120_000);

afterAll(async () => {
  if (run && run.exitCode === null) {
    run.kill('SIGKILL');
    await runExit;
  }
  await pg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the playground: the CLI journey against its hub and shop', () => {
  let channelId = '';
  let nodeId = '';

  test('API: info, the shop, and bad input named before anything is done', async () => {
    const info = await api<{ hub: { nodeId: string; uri: string }; shop: { nodeId: string }; network: string }>('info');
    expect(info.json).toMatchObject({ network: 'regtest', hub: { nodeId: pg.hub.node.nodeIdHex, uri: pg.urls.hub } });
    // The shop has its confirmed channel from the hub.
    expect(pg.hub.node.payments.channelBalances().filter((c) => c.counterparty === pg.shop.node.nodeIdHex && c.usable)).toHaveLength(1);
    expect((await api<{ items: unknown[] }>('shop')).json.items.length).toBeGreaterThan(0);
    const height = pg.chain.height;
    const bad: [string, unknown, RegExp][] = [
      ['faucet', { address: 'nope', sats: 1000 }, /^address: /],
      ['faucet', { address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', sats: 1 }, /^sats: /],
      ['mine', { blocks: 0 }, /^blocks: /],
      ['shop/order', { item: 'unicorn' }, /^item: /],
      ['hub/pay', { invoice: 'hello' }, /^invoice: /],
      ['hub/pay', { nodeId: 'ab', sats: 1 }, /^nodeId: /],
      ['hub/open', { nodeId: `02${'11'.repeat(32)}`, sats: 10 }, /^sats: /],
      ['mine', { blocks: 1, extra: true }, /^extra: /],
    ];
    for (const [path, body, why] of bad) {
      const r = await api<{ error: string }>(path, body);
      expect(r.status, path).toBe(400);
      expect(r.json.error, path).toMatch(why);
    }
    // Not connected to the hub: refused, with what to do.
    const refused = await api<{ error: string }>('hub/open', { nodeId: `02${'11'.repeat(32)}`, sats: 100_000 });
    expect(refused.status).toBe(422);
    expect(refused.json.error).toMatch(/not connected to the hub/);
    expect(pg.chain.height).toBe(height);
  });

  test('init → faucet → glint run → open a channel to the hub → mine → usable', async () => {
    const init = await glint(['--network', 'regtest', '--data', data, 'init']);
    expect(init.stderr).toBe('');
    nodeId = (init.json as { nodeId: string }).nodeId;
    const address = ((await glint(cli('address'))).json as { address: string }).address;
    const f = await api<{ txid: string }>('faucet', { address, sats: 1_000_000 });
    expect(f.status).toBe(200);

    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', ...cli('run')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, GLINT_POLL_MS: '200' } });
    run = child;
    runExit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (d) => (runLog += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve();
      });
      void runExit!.then((code) => reject(new Error(`glint run exited (${code}):\n${runLog}`)));
    });

    const open = await glint(cli('open', pg.urls.hub, '300000'), noPass);
    expect(open.stderr).toBe('');
    channelId = (open.json as { channelId: string }).channelId;
    expect((await api('mine', { blocks: 1 })).status).toBe(200);
    await until(async () => {
      const c = ((await glint(cli('channels'), noPass)).json as ChannelRow[]).find((x) => x.channelId === channelId);
      return c?.usable ? c : undefined;
    }, 'the channel to the hub usable');
  }, 120_000);

  test("pay the shop's invoice: routed through the hub, the order turns paid", async () => {
    const order = await api<{ bolt11: string; paymentHash: string; amountSat: number }>('shop/order', { item: 'coffee' });
    expect(order.status).toBe(200);
    expect((await api<{ paid: boolean }>(`shop/order/${order.json.paymentHash}`)).json.paid).toBe(false);
    const r = await glint(cli('pay', order.json.bolt11), noPass);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json as { status: string; feeMsat: number };
    expect(out.status).toBe('succeeded');
    // A forward, so the hub took its fee.
    expect(out.feeMsat).toBeGreaterThan(0);
    await until(async () => ((await api<{ paid: boolean }>(`shop/order/${order.json.paymentHash}`)).json.paid ? true : undefined), 'the order paid');
    const log = (await api<{ lines: { node: string; text: string }[] }>('log')).json.lines;
    expect(log.some((l) => l.node === 'shop' && /received 2100 sat/.test(l.text))).toBe(true);
    expect(log.some((l) => l.node === 'hub' && /^forwarded 2100 sat \(fee \d+ msat\)$/.test(l.text)), JSON.stringify(log)).toBe(true);
  }, 60_000);

  test('glint trusts the hub; the hub opens a channel to it (zero-conf: usable unmined), then pays a Glint invoice and keysends over it', async () => {
    const trust = await glint(cli('trust', pg.hub.node.nodeIdHex), noPass);
    expect(trust.stderr).toBe('');
    const height = pg.chain.height;
    const opened = await api<{ channelId: string; fundingTxid: string }>('hub/open', { nodeId, sats: 250_000 });
    expect(opened.status).toBe(200);
    await until(async () => {
      const c = ((await glint(cli('channels'), noPass)).json as ChannelRow[]).find((x) => x.channelId === opened.json.channelId);
      return c?.usable ? c : undefined;
    }, 'the hub-opened channel usable');
    expect(pg.chain.height).toBe(height);
    expect(pg.chain.mempoolTxids()).toContain(opened.json.fundingTxid);

    const inv = (await glint(cli('invoice', '50000000', '--description', 'from the hub'), noPass)).json as { bolt11: string; paymentHash: string };
    const paid = await api<{ paymentHash: string; error?: string }>('hub/pay', { invoice: inv.bolt11 });
    expect(paid.json.error).toBeUndefined();
    expect(paid.json.paymentHash).toBe(inv.paymentHash);
    const ks = await api<{ paymentHash: string; error?: string }>('hub/pay', { nodeId, sats: 7_000 });
    expect(ks.json.error).toBeUndefined();
    for (const hash of [inv.paymentHash, ks.json.paymentHash]) {
      await until(async () => {
        const rows = (await glint(cli('payments'), noPass)).json as { paymentHash: string; status: string; direction: string }[];
        return rows.find((p) => p.paymentHash === hash && p.status === 'succeeded' && p.direction === 'incoming');
      }, `incoming payment ${hash} succeeded`);
    }
  }, 60_000);

  test('cooperative close, confirmed; then stop leaves no port or process behind', async () => {
    const r = await glint(cli('close', channelId), noPass);
    expect(r.stderr).toBe('');
    const { closingTxid } = r.json as { closingTxid: string };
    await until(async () => (pg.chain.mempoolTxids().includes(closingTxid) ? true : undefined), 'the closing tx in the mempool');
    await api('mine', { blocks: 1 });
    await until(async () => (pg.hub.node.payments.channelBalances().some((c) => c.channelId === channelId) ? undefined : true), 'the hub to forget the channel');

    run!.kill('SIGTERM');
    await runExit;
    const ports = [portOf(pg.urls.app), portOf(pg.urls.esplora), portOf(pg.urls.proxy), pg.hub.port, pg.shop.port];
    await pg.stop();
    for (const p of ports) expect(await portFree(p), `port ${p}`).toBe(true);
    expect(run!.exitCode !== null || run!.signalCode !== null).toBe(true);
  }, 60_000);
});
