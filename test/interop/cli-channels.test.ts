/**
 * The `glint` channel commands against a real LDK node on the real bcoin regtest chain:
 * `glint run` in the background (local API, api.json), `glint open` to LDK → {channelId,
 * fundingTxid} with the funding tx in the mempool, a block, `glint channels` shows the channel
 * `normal` and `usable`, `glint balance` has lightningMsat, `glint close` (cooperative: the
 * closing tx confirms and pays the wallet), and
 * SIGTERM stops `run` cleanly (api.json removed, store lock released). Then the in-process path:
 * `glint channels` and `glint balance` without `run`, also past a stale api.json.
 *
 * Debug with `GLINT_LOG=debug` (the node's JSON log of `glint run` on stderr is kept in `rig.runLog`).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RegtestChain, EsploraServer, LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { CliLdkRig, exists, glint, initWallet, type ChannelRow } from '../harness/cli-node.ts';

let rig: CliLdkRig;
let chain: RegtestChain;
let esplora: EsploraServer;
let peer: { node: LdkNode; feed: LdkFeed; port: number };
let data: string;

beforeAll(async () => {
  rig = await CliLdkRig.start({ alias: 'ldk-cli', config: { minimumDepth: 1 }, dirPrefix: 'glint-cli-channels-' });
  ({ chain, esplora, peer, data } = rig);
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

describe('glint channel commands with a real LDK peer on regtest', () => {
  let channelId: string;
  let fundingTxid: string;
  let nodeId: string;

  test('a wallet with coins', async () => {
    nodeId = (await initWallet(data)).nodeId; // cheap scrypt; `glint init` is cli-wallet's
    const address = ((await glint(rig.node('address'))).json as { address: string }).address;
    await chain.faucet(address, 1_000_000);
    const b = await glint(rig.node('balance'));
    expect(b.stderr).toBe('');
    expect(b.json).toEqual({ confirmedSat: 1_000_000, unconfirmedSat: 0, spendableSat: 1_000_000, immatureSat: 0, lightningMsat: 0 });
  });

  test('glint run writes api.json (0600) and holds the store; commands without the API are refused by the lock', async () => {
    const started = await rig.startRun();
    expect(started.nodeId).toBe(nodeId);
    const apiFile = join(data, 'api.json');
    const api = JSON.parse(await readFile(apiFile, 'utf8')) as { port: number; token: string };
    expect(api.port).toBe(started.apiPort);
    expect(api.token).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(apiFile)).mode & 0o777).toBe(0o600);
    // The API refuses requests without the token.
    const anon = await fetch(`http://127.0.0.1:${api.port}/v1/channels`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: expect.stringMatching(/token/) });
    // A wallet command that opens the store itself meets the running node's lock.
    const locked = await glint(rig.node('address'));
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/another glint is running on .+ \(pid \d+\)/);
    expect(locked.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('glint open → {channelId, fundingTxid} once the funding tx is broadcast', async () => {
    const r = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '100000', '--push-msat', '1000000', '--static-remotekey'), { GLINT_PASSPHRASE: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json as { channelId: string; fundingTxid: string };
    expect(Object.keys(out).sort()).toEqual(['channelId', 'fundingTxid']);
    expect(out.channelId).toMatch(/^[0-9a-f]{64}$/);
    expect(out.fundingTxid).toMatch(/^[0-9a-f]{64}$/);
    ({ channelId, fundingTxid } = out);
    expect(chain.mempoolTxids()).toContain(fundingTxid);
    // LDK knows the channel by the same id.
    expect(peer.node.channelManager.list_channels().some((d) => Buffer.from(d.get_channel_id().get_a()).toString('hex') === channelId)).toBe(true);
  });

  test('after a block, glint channels shows it normal and usable; balance has lightningMsat', async () => {
    await chain.mine(1);
    const row = await rig.until(async () => {
      const r = await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' });
      expect(r.code).toBe(0);
      const c = (r.json as ChannelRow[]).find((x) => x.channelId === channelId);
      return c && c.state === 'normal' && c.usable ? c : undefined;
    }, 'the channel normal and usable');
    expect(row).toEqual({
      channelId,
      peer: peer.node.nodeIdHex,
      state: 'normal',
      type: 'static_remotekey',
      capacitySat: 100_000,
      localMsat: 99_000_000,
      remoteMsat: 1_000_000,
      usable: true,
    });
    expect(peer.node.channelManager.list_usable_channels().length).toBe(1);
    const b = await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' });
    expect(b.stderr).toBe('');
    const bal = b.json as Record<string, number>;
    expect(bal.lightningMsat).toBe(99_000_000);
    // The funding spent 100 000 sat plus its fee from the 1 000 000.
    expect(bal.confirmedSat + bal.unconfirmedSat).toBeLessThan(900_000);
    expect(bal.confirmedSat + bal.unconfirmedSat).toBeGreaterThan(890_000);
  });

  test('bad input through the CLI is refused before anything reaches the node', async () => {
    const cases: [string[], RegExp][] = [
      [['open', 'nobody', '100000'], /pubkey|peer/],
      [['open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '1.5'], /whole number/],
      [['open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '100000', '--anchors', '--static-remotekey'], /not both/],
      [['open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '100000', '--push-msat', '100000001'], /exceed/],
      [['close', 'abc'], /64 hex/],
      [['close', 'ab'.repeat(32), '--frobnicate'], /--frobnicate/],
    ];
    const mempool = chain.mempoolTxids().length;
    for (const [args, why] of cases) {
      const r = await glint(rig.node(...args));
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(why);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    // …and through the API, an unknown channel is a clear refusal,
    const r = await glint(rig.node('close', 'ab'.repeat(32)), { GLINT_PASSPHRASE: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no channel/);
    // as is a channel the wallet cannot fund (after LDK accepted it: the opening is aborted).
    const poor = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '5000000'), { GLINT_PASSPHRASE: '' });
    expect(poor.code).toBe(1);
    expect(poor.stderr).toMatch(/insufficient funds/);
    expect(poor.stderr.trim().split('\n')).toHaveLength(1);
    expect(chain.mempoolTxids().length).toBe(mempool);
  });

  test('glint close <id> (cooperative) → {closingTxid}; the closing tx confirms and pays the wallet', async () => {
    const before = (await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' })).json as Record<string, number>;
    const r = await glint(rig.node('close', channelId), { GLINT_PASSPHRASE: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json as { closingTxid: string };
    expect(Object.keys(out)).toEqual(['closingTxid']);
    expect(out.closingTxid).toMatch(/^[0-9a-f]{64}$/);
    expect(chain.mempoolTxids()).toContain(out.closingTxid);
    // The closing tx spends the funding output and pays LDK its 1000 sat and us the rest less the fee (we funded).
    const tx = (await (await fetch(`${esplora.url}/tx/${out.closingTxid}`)).json()) as { vin: { txid: string }[]; vout: { value: number }[] };
    expect(tx.vin.map((i) => i.txid)).toEqual([fundingTxid]);
    expect(tx.vout.map((o) => o.value).sort((a, b) => a - b)[0]).toBe(1000);
    const ours = Math.max(...tx.vout.map((o) => o.value));
    expect(ours).toBeGreaterThan(98_000);
    expect(ours).toBeLessThan(99_000);
    await chain.mine(1);
    const after = await rig.until(async () => {
      const b = (await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' })).json as Record<string, number>;
      return b.confirmedSat === before.confirmedSat + before.unconfirmedSat + ours ? b : undefined;
    }, 'the closing output confirmed in the wallet');
    expect(after).toMatchObject({ unconfirmedSat: 0, lightningMsat: 0 });
    const rows = (await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' })).json as ChannelRow[];
    expect(rows.find((x) => x.channelId === channelId)).toMatchObject({ state: 'closing', usable: false });
  });

  test('SIGTERM stops glint run cleanly: exit 0, api.json removed, store lock released', async () => {
    rig.run!.kill('SIGTERM');
    expect(await rig.runExit).toBe(0);
    expect(await exists(join(data, 'api.json'))).toBe(false);
    expect(await exists(join(data, 'LOCK'))).toBe(false);
  });

  test('without glint run, channels and balance run the node in-process (also past a stale api.json)', async () => {
    const c = await glint(rig.node('channels'));
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.json).toEqual([
      { channelId, peer: peer.node.nodeIdHex, state: 'closing', type: 'static_remotekey', capacitySat: 100_000, localMsat: 99_000_000, remoteMsat: 1_000_000, usable: false },
    ]);
    // A crashed run leaves api.json behind: its port refuses the connection → in-process.
    const dead = await new Promise<number>((resolve) => {
      void import('node:net').then(({ createServer }) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      });
    });
    await writeFile(join(data, 'api.json'), JSON.stringify({ port: dead, token: 'cd'.repeat(32), pid: 1 }), { mode: 0o600 });
    const b = await glint(rig.node('balance'));
    expect(b.stderr).toBe('');
    expect(b.json).toMatchObject({ unconfirmedSat: 0, lightningMsat: 0 });
    expect((b.json as Record<string, number>).confirmedSat).toBeGreaterThan(980_000);
    // Without the passphrase the in-process path cannot open the wallet, and says so.
    const noPass = await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' });
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toMatch(/passphrase/);
  });

  test('an in-process open, then glint run again: it redials the peer from its address book and the channel becomes usable; in-process cooperative close', async () => {
    const r = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '50000'));
    expect(r.code).toBe(0);
    // Only warnings may be logged: LDK answers our channel_reestablish for the closed first
    // channel with an error (it forgot the channel), which the closing state ignores.
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) expect(JSON.parse(line)).toMatchObject({ level: 'warn' });
    const opened = r.json as { channelId: string; fundingTxid: string };
    expect(chain.mempoolTxids()).toContain(opened.fundingTxid);
    // Nothing runs now; the block comes while Glint is offline.
    await chain.mine(1);
    await rig.startRun();
    const row = await rig.until(async () => {
      const c = await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' });
      const x = (c.json as ChannelRow[] | undefined)?.find((y) => y.channelId === opened.channelId);
      return x && x.state === 'normal' && x.usable ? x : undefined;
    }, 'the second channel normal and usable after the restart');
    expect(row).toMatchObject({ capacitySat: 50_000, localMsat: 50_000_000, remoteMsat: 0 });
    const b = (await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' })).json as Record<string, number>;
    expect(b.lightningMsat).toBe(50_000_000);

    rig.run!.kill('SIGINT');
    expect(await rig.runExit).toBe(0);
    expect(await exists(join(data, 'api.json'))).toBe(false);
    expect(await exists(join(data, 'LOCK'))).toBe(false);

    // In-process cooperative close: the node dials the peer from the address book, waits for
    // channel_reestablish to make the channel usable, then negotiates.
    const c = await glint(rig.node('close', opened.channelId));
    expect(c.code).toBe(0);
    const { closingTxid } = c.json as { closingTxid: string };
    await rig.until(async () => (chain.mempoolTxids().includes(closingTxid) ? true : undefined), 'the mutual close tx in the mempool');
    const tx = (await (await fetch(`${esplora.url}/tx/${closingTxid}`)).json()) as { vin: { txid: string }[] };
    expect(tx.vin.map((i) => i.txid)).toEqual([opened.fundingTxid]);
    const rows = (await glint(rig.node('channels'))).json as ChannelRow[];
    expect(rows.find((y) => y.channelId === opened.channelId)).toMatchObject({ state: 'closing', usable: false });
  });

  test('in-process glint close --force → {closingTxid}: the channel is force-closing and a commitment spends the funding', async () => {
    const r = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '40000'));
    expect(r.code).toBe(0);
    const opened = r.json as { channelId: string; fundingTxid: string };
    await chain.mine(1);
    const f = await glint(rig.node('close', opened.channelId, '--force'));
    expect(f.code).toBe(0);
    expect(Object.keys(f.json as object)).toEqual(['closingTxid']);
    expect((f.json as { closingTxid: string }).closingTxid).toMatch(/^[0-9a-f]{64}$/);
    // LDK, told by our `error`, publishes its own commitment at once; bcoin has no RBF, so
    // whichever reaches the mempool first spends the funding output (ldk-counterparty.md).
    const spender = await rig.until(async () => {
      for (const vout of [0, 1]) {
        const o = (await (await fetch(`${esplora.url}/tx/${opened.fundingTxid}/outspend/${vout}`)).json()) as { spent: boolean; txid?: string };
        if (o.spent && o.txid && chain.mempoolTxids().includes(o.txid)) return o.txid;
      }
      return undefined;
    }, 'a commitment spending the funding output in the mempool');
    expect(spender).toMatch(/^[0-9a-f]{64}$/);
    const rows = (await glint(rig.node('channels'))).json as ChannelRow[];
    expect(rows.find((y) => y.channelId === opened.channelId)).toMatchObject({ state: 'force-closing', usable: false });
    expect(((await glint(rig.node('balance'))).json as Record<string, number>).lightningMsat).toBe(0);
  });
});
