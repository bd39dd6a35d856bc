/**
 * The `glint` wallet commands against the real regtest chain (bcoin) through its Esplora API:
 * init, address, faucet → balance, send to another wallet and back, restore from the words on a
 * fresh data dir, and every refusal before anything is signed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networks, payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publicKeyOf } from '../../engine/index.ts';
import { RegtestChain, startEsplora, type EsploraServer } from '../../playground/chain/index.ts';
import { glint as glintCli, initWallet } from '../harness/cli-node.ts';

let chain: RegtestChain;
let esplora: EsploraServer;
let dir: string;

beforeAll(async () => {
  chain = await RegtestChain.create();
  esplora = await startEsplora(chain, { port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'glint-cli-'));
}, 60_000);

afterAll(async () => {
  await esplora?.close();
  await chain?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** `glint <args>` with its JSON output as a record (empty when stdout is empty or not JSON). */
async function glint(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await glintCli(args, env);
  return { ...r, json: r.json === undefined ? {} : (r.json as Record<string, unknown>) };
}

const wallet = (name: string, ...args: string[]): string[] => ['--data', join(dir, name), '--esplora', esplora.url, ...args];

async function faucet(address: string, sats: number): Promise<void> {
  const r = await fetch(`${esplora.url}/regtest/faucet`, { method: 'POST', body: JSON.stringify({ address, sats }), headers: { 'content-type': 'application/json' } });
  expect(r.status).toBe(200);
}

describe('glint wallet commands on regtest', () => {
  let words: string[];
  let aliceAddress: string;

  test('init creates an encrypted wallet and prints its node id', async () => {
    const r = await glint(['--network', 'regtest', '--data', join(dir, 'alice'), 'init']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(r.json.network).toBe('regtest');
    const again = await glint(['--network', 'regtest', '--data', join(dir, 'alice'), 'init']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a wallet/);
    const m = await glint(['--data', join(dir, 'alice'), 'mnemonic']);
    words = m.json.words as string[];
    expect(words).toHaveLength(24);
  });

  test('a wrong passphrase is refused clearly', async () => {
    const r = await glint(wallet('alice', 'balance'), { GLINT_PASSPHRASE: 'wrong' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/wrong passphrase/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('address → faucet → balance', async () => {
    const a = await glint(wallet('alice', 'address'));
    expect(a.code).toBe(0);
    aliceAddress = a.json.address as string;
    expect(aliceAddress).toMatch(/^bcrt1q[0-9a-z]{38}$/);
    await faucet(aliceAddress, 150_000);
    const b = await glint(wallet('alice', 'balance'));
    expect(b.code).toBe(0);
    expect(b.json).toMatchObject({ confirmedSat: 150_000, unconfirmedSat: 0 });
  });

  test('send to another wallet; both balances follow; the chain accepted it', async () => {
    await initWallet(join(dir, 'bob')); // cheap scrypt: `glint init` itself is the first test's
    const bobAddress = (await glint(wallet('bob', 'address'))).json.address as string;
    const s = await glint(wallet('alice', 'send', bobAddress, '40000', '--feerate', '2'));
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const txid = s.json.txid as string;
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    expect(chain.mempoolTxids()).toContain(txid);
    const bobPending = await glint(wallet('bob', 'balance'));
    expect(bobPending.json).toMatchObject({ confirmedSat: 0, unconfirmedSat: 40_000 });
    await chain.mine(1);
    const bob = await glint(wallet('bob', 'balance'));
    expect(bob.json).toMatchObject({ confirmedSat: 40_000, unconfirmedSat: 0 });
    const alice = await glint(wallet('alice', 'balance'));
    const fee = s.json.feeSat as number;
    expect(fee).toBeGreaterThan(0);
    expect(alice.json).toMatchObject({ confirmedSat: 150_000 - 40_000 - fee, unconfirmedSat: 0 });
  });

  test('pays a P2WSH (2-of-2, as a channel funding output is) and the chain accepts it', async () => {
    const keys = [publicKeyOf(new Uint8Array(32).fill(7)), publicKeyOf(new Uint8Array(32).fill(8))].sort(Buffer.compare);
    const p2wsh = payments.p2wsh({ redeem: payments.p2ms({ m: 2, pubkeys: keys, network: networks.regtest }), network: networks.regtest });
    const s = await glint(wallet('alice', 'send', p2wsh.address as string, '30000'));
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const txid = s.json.txid as string;
    expect(chain.mempoolTxids()).toContain(txid);
    await chain.mine(1);
    const tx = (await (await fetch(`${esplora.url}/tx/${txid}`)).json()) as { status: { confirmed: boolean }; vout: { scriptpubkey: string; scriptpubkey_type: string; value: number }[] };
    expect(tx.status.confirmed).toBe(true);
    const out = tx.vout.find((o) => o.scriptpubkey === Buffer.from(p2wsh.output as Uint8Array).toString('hex'));
    expect(out).toMatchObject({ scriptpubkey_type: 'v0_p2wsh', value: 30_000 });
  });

  test('refuses bad input before signing anything', async () => {
    const cases: [string[], RegExp][] = [
      [['send', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', '1000'], /network|bitcoin/i],
      [['send', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', '1000'], /checksum|invalid|address/i],
      [['send', aliceAddress, '100'], /dust/i],
      [['send', aliceAddress, '99999999999'], /insufficient|more than|balance/i],
      [['send', aliceAddress, '-5'], /whole number|negative/i],
      [['send', aliceAddress, '1.5'], /whole number/i],
      [['send', aliceAddress, '0'], /more than zero|whole number/i],
      [['send', aliceAddress, '1000', '--feerate', 'fast'], /--feerate/],
    ];
    const before = chain.mempoolTxids().length;
    for (const [args, why] of cases) {
      const r = await glint(wallet('alice', ...args));
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(why);
    }
    expect(chain.mempoolTxids().length).toBe(before);
  });

  test('restoring the words on a fresh data dir finds the same balance', async () => {
    const before = (await glint(wallet('alice', 'balance'))).json;
    const file = join(dir, 'words.txt');
    await writeFile(file, `${words.join(' ')}\n`);
    const r = await glint(['--network', 'regtest', '--data', join(dir, 'alice-restored'), 'init', '--mnemonic-file', file]);
    expect(r.code).toBe(0);
    const restored = await glint(wallet('alice-restored', 'balance'));
    expect(restored.json).toEqual(before);
  });

  test('commands without the pieces they need say what is missing', async () => {
    expect((await glint(['balance'])).stderr).toMatch(/--data/);
    expect((await glint(['--data', join(dir, 'alice'), 'balance'])).stderr).toMatch(/--esplora/);
    expect((await glint(['--data', join(dir, 'nobody'), '--esplora', esplora.url, 'balance'])).stderr).toMatch(/no wallet/);
    expect((await glint(wallet('alice', 'balance'), { GLINT_PASSPHRASE: '' })).stderr).toMatch(/passphrase/);
  });
});
