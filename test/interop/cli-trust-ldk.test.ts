/**
 * `glint trust` and zero-conf channels through the CLI, against a real LDK node on the real bcoin
 * regtest chain: `glint trust <ldk>` in-process (saved in the store), listed again through
 * `glint run`'s API; `glint open` to an LDK that accepts it as zero-conf
 * (accept_inbound_channel_from_trusted_peer_0conf) → `glint channels` shows it normal and usable
 * with no block mined; then LDK opens a channel to the running Glint, which trusts it → normal
 * and usable on both with no block; `glint trust <ldk> --remove` through the API.
 *
 * Debug with `GLINT_LOG=debug`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
import { RegtestChain, RegtestWallet, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';

const PASSPHRASE = 'correct horse battery staple';

let chain: RegtestChain;
let esplora: EsploraServer;
let peer: { node: LdkNode; feed: LdkFeed; port: number };
let dir: string;
let data: string;
let run: ChildProcess | undefined;
let runExit: Promise<number | null> | undefined;
let runLog = '';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

function glint(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

const node = (...args: string[]): string[] => ['--data', data, '--esplora', esplora.url, ...args];

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nglint run log tail:\n${runLog.split('\n').slice(-20).join('\n')}\nLDK log tail:\n${peer.node.logs.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ChannelRow {
  channelId: string;
  peer: string;
  state: string;
  type: string | null;
  capacitySat: number;
  localMsat: number;
  remoteMsat: number;
  usable: boolean;
}

/** Start `glint run` and resolve with its start line once its API is up. */
async function startRun(): Promise<{ nodeId: string; apiPort: number }> {
  runLog = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', '--log-level', process.env['GLINT_LOG'] ?? 'info', ...node('run')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, GLINT_POLL_MS: '200' },
  });
  run = child;
  runExit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr.on('data', (d) => (runLog += d));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        try {
          resolve(JSON.parse(line) as { nodeId: string; apiPort: number });
        } catch (err) {
          reject(err as Error);
        }
      }
    });
    void runExit!.then((code) => reject(new Error(`glint run exited (${code}) before starting:\n${runLog}`)));
  });
}

beforeAll(async () => {
  chain = await RegtestChain.create();
  esplora = await startEsplora(chain, { port: 0 });
  const ldk = await createLdkNodeAtTip(chain, { alias: 'ldk-cli-zc', config: { minimumDepth: 1, manuallyAcceptInboundChannels: true } });
  peer = { ...ldk, port: await ldk.node.listen() };
  const l = ldk.node.ldk;
  ldk.node.onEvent((e: Event) => {
    if (!(e instanceof l.Event_OpenChannelRequest)) return;
    const req = e as Event_OpenChannelRequest;
    setImmediate(() => ldk.node.run(() => ldk.node.channelManager.accept_inbound_channel_from_trusted_peer_0conf(req.temporary_channel_id, req.counterparty_node_id, 7n)));
  });
  dir = await mkdtemp(join(tmpdir(), 'glint-cli-trust-'));
  data = join(dir, 'alice');
}, 60_000);

afterAll(async () => {
  if (run && run.exitCode === null) {
    run.kill('SIGKILL');
    await runExit;
  }
  peer?.feed.detach();
  await peer?.node.stop();
  await esplora?.close();
  await chain?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('glint trust and zero-conf channels with a real LDK peer on regtest', () => {
  let nodeId: string;

  test('glint trust <pubkey> in-process saves it; bad pubkeys are refused', async () => {
    const init = await glint(['--network', 'regtest', '--data', data, 'init']);
    expect(init.stderr).toBe('');
    nodeId = (init.json as { nodeId: string }).nodeId;
    const address = ((await glint(node('address'))).json as { address: string }).address;
    await chain.faucet(address, 1_000_000);
    const t = await glint(node('trust', peer.node.nodeIdHex.toUpperCase()));
    expect(t.stderr).toBe('');
    expect(t.json).toEqual({ trusted: [peer.node.nodeIdHex] });
    expect((await glint(node('trust'))).json).toEqual({ trusted: [peer.node.nodeIdHex] });
    const bad = await glint(node('trust', 'abcd'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/pubkey/);
  });

  test('glint run lists it through the API; glint open to a zero-conf LDK is normal and usable with no block', async () => {
    const started = await startRun();
    expect(started.nodeId).toBe(nodeId);
    expect((await glint(node('trust'), { GLINT_PASSPHRASE: '' })).json).toEqual({ trusted: [peer.node.nodeIdHex] });
    const height = chain.height;
    const r = await glint(node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '100000', '--static-remotekey'), { GLINT_PASSPHRASE: '' });
    expect(r.stderr).toBe('');
    const { channelId, fundingTxid } = r.json as { channelId: string; fundingTxid: string };
    expect(chain.mempoolTxids()).toContain(fundingTxid);
    const row = await until(async () => {
      const c = await glint(node('channels'), { GLINT_PASSPHRASE: '' });
      const x = (c.json as ChannelRow[]).find((y) => y.channelId === channelId);
      return x && x.state === 'normal' && x.usable ? x : undefined;
    }, 'the channel normal and usable with no block');
    expect(row).toMatchObject({ capacitySat: 100_000, localMsat: 100_000_000, remoteMsat: 0 });
    expect(chain.height).toBe(height);
    expect(peer.node.channelManager.list_usable_channels().length).toBe(1);
  });

  test('LDK opens to the running Glint, which trusts it: normal and usable on both with no block; then --remove', async () => {
    const l = peer.node.ldk;
    const funder = RegtestWallet.fromSeed('cli-trust-ldk funder');
    const coin = await chain.faucet(funder.script, 1_000_000);
    const height = chain.height;
    const fundingReady = peer.node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof l.Event_FundingGenerationReady, 20_000);
    const created = peer.node.run(() => peer.node.channelManager.create_channel(Buffer.from(nodeId, 'hex'), 120_000n, 0n, 8n, null, null));
    expect(created).toBeInstanceOf(l.Result_ChannelIdAPIErrorZ_OK);
    const ready = await fundingReady;
    const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
    peer.node.run(() => peer.node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    const row = await until(async () => {
      const c = await glint(node('channels'), { GLINT_PASSPHRASE: '' });
      const x = (c.json as ChannelRow[]).find((y) => y.capacitySat === 120_000);
      return x && x.state === 'normal' && x.usable ? x : undefined;
    }, 'the inbound channel normal and usable with no block');
    expect(row).toMatchObject({ localMsat: 0, remoteMsat: 120_000_000 });
    expect(chain.height).toBe(height);
    expect(peer.node.channelManager.list_usable_channels().length).toBe(2);

    const removed = await glint(node('trust', peer.node.nodeIdHex, '--remove'), { GLINT_PASSPHRASE: '' });
    expect(removed.stderr).toBe('');
    expect(removed.json).toEqual({ trusted: [] });
    run!.kill('SIGTERM');
    expect(await runExit).toBe(0);
    expect(await exists(join(data, 'LOCK'))).toBe(false);
    // Saved: the in-process list after the run is empty too.
    expect((await glint(node('trust'))).json).toEqual({ trusted: [] });
  });
});
