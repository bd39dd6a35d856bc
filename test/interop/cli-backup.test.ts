/**
 * `glint backup export|import` (issue 7 item 4) against a real LDK node on the bcoin regtest
 * chain, through the real CLI processes:
 *   - `glint run` writes `<data>/backup.glint` at start (no channel) and again after the channel
 *     opens (the automatic re-export: decrypted here with the seed's backup key, it lists the
 *     channel); `glint backup export [--out]` through the running node prints {"file","channels"};
 *   - the data directory is wiped, the wallet restored from its 24 words; `backup import` refuses
 *     another seed's wallet, a corrupted file and an unreadable path with one-line errors and
 *     imports the file → {"channels": 1, "recovering": [id]}; a second import is refused
 *     (the channel exists);
 *   - `glint run` reconnects, LDK force-closes on the lost-state channel_reestablish, Glint
 *     sweeps its to_remote; the wallet ends with its old balance plus the channel balance minus
 *     the commitment fee (we funded) and the sweep fee, to the sat. Every tx is mined by bcoin.
 *
 * Debug with `GLINT_LOG=debug`.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Keychain } from '../../engine/keys/keychain.ts';
import { openBackup } from '../../engine/node/backup-codec.ts';
import { bytesToHex } from '../../engine/index.ts';
import type { EsploraServer, RegtestChain } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { CliLdkRig, exists, glint, initWallet, type ChannelRow } from '../harness/cli-node.ts';

let rig: CliLdkRig;
let chain: RegtestChain;
let esplora: EsploraServer;
let peer: { node: LdkNode; port: number };
let data: string;

beforeAll(async () => {
  rig = await CliLdkRig.start({ alias: 'ldk-cli-backup', config: { minimumDepth: 1 }, dirPrefix: 'glint-cli-backup-' });
  ({ chain, esplora, peer, data } = rig);
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

interface EsploraTx {
  txid: string;
  vin: { txid: string; vout: number }[];
  vout: { value: number; scriptpubkey: string }[];
  status: { confirmed: boolean; block_height?: number };
}
const tx = async (txid: string): Promise<EsploraTx> => (await (await fetch(`${esplora.url}/tx/${txid}`)).json()) as EsploraTx;
const outspend = async (txid: string, vout: number): Promise<{ spent: boolean; txid?: string }> =>
  (await (await fetch(`${esplora.url}/tx/${txid}/outspend/${vout}`)).json()) as { spent: boolean; txid?: string };

describe('glint backup export / import with a real LDK peer on regtest', () => {
  let words: string;
  let channelId: string;
  let fundingTxid: string;
  let localMsat: number;
  let onchainBefore: number;
  const keys = (): Promise<Keychain> => Keychain.fromMnemonic(words, '', 'regtest');
  const channelsIn = async (file: string): Promise<string[]> => openBackup(new Uint8Array(await readFile(file)), (await keys()).backupSecret()).channels.map((c) => bytesToHex(c.channelId));

  test('glint run writes backup.glint at start and again after a channel opens; backup export through the running node', async () => {
    await initWallet(data); // cheap scrypt; `glint init` is cli-wallet's (and the restore below is a real one)
    words = ((await glint(['--data', data, 'mnemonic'])).json as { words: string[] }).words.join(' ');
    const address = ((await glint(rig.node('address'))).json as { address: string }).address;
    await chain.faucet(address, 1_000_000);
    const auto = join(data, 'backup.glint');
    expect(await exists(auto)).toBe(false);

    await rig.startRun();
    await rig.until(async () => ((await exists(auto)) ? true : undefined), 'backup.glint written at start');
    expect(await channelsIn(auto)).toEqual([]);

    const r = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '200000', '--push-msat', '10000000', '--static-remotekey'), { GLINT_PASSPHRASE: '' });
    expect(r.stderr).toBe('');
    ({ channelId, fundingTxid } = r.json as { channelId: string; fundingTxid: string });
    // Re-exported once the channel has its funding outpoint (the open resolves after the broadcast).
    await rig.until(async () => ((await channelsIn(auto)).includes(channelId) ? true : undefined), 'backup.glint re-exported with the channel');
    await chain.mine(1);
    const row = await rig.until(async () => {
      const c = ((await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' })).json as ChannelRow[]).find((x) => x.channelId === channelId);
      return c?.usable ? c : undefined;
    }, 'the channel usable');
    localMsat = row.localMsat;
    expect(localMsat).toBe(190_000_000);

    // backup export: through the API (no passphrase), to the default file and to --out.
    const def = await glint(rig.node('backup', 'export'), { GLINT_PASSPHRASE: '' });
    expect(def.stderr).toBe('');
    expect(def.json).toEqual({ file: auto, channels: 1 });
    const out = join(rig.dir, 'exported.glint');
    const e = await glint(rig.node('backup', 'export', '--out', out), { GLINT_PASSPHRASE: '' });
    expect(e.json).toEqual({ file: out, channels: 1 });
    expect(await channelsIn(out)).toEqual([channelId]);
    // A fresh salt per file: two exports of the same content differ in every byte after the header.
    expect(bytesToHex(new Uint8Array(await readFile(out)))).not.toBe(bytesToHex(new Uint8Array(await readFile(auto))));

    const b = (await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' })).json as Record<string, number>;
    expect(b.unconfirmedSat).toBe(0);
    onchainBefore = b.confirmedSat;
    rig.run!.kill('SIGTERM');
    expect(await rig.runExit).toBe(0);
    await peer.node.waitForNoPeer(await nodeIdOf());
    // Without glint run: in-process, from the store alone (no --esplora needed).
    const offline = join(rig.dir, 'offline.glint');
    const o = await glint(['--data', data, 'backup', 'export', '--out', offline]);
    expect(o.stderr).toBe('');
    expect(o.json).toEqual({ file: offline, channels: 1 });
    expect(await channelsIn(offline)).toEqual([channelId]);
  }, 120_000);

  const nodeIdOf = async (): Promise<string> => bytesToHex((await keys()).nodeId());

  test('wipe, restore the words; backup import refuses wrong seed / corrupted / unreadable files, imports once, refuses a second import', async () => {
    const saved = join(rig.dir, 'saved.glint');
    await writeFile(saved, await readFile(join(rig.dir, 'exported.glint')));
    await rm(data, { recursive: true, force: true });
    const wordsFile = join(rig.dir, 'words.txt');
    await writeFile(wordsFile, `${words}\n`);
    const init = await glint(['--network', 'regtest', '--data', data, 'init', '--mnemonic-file', wordsFile]);
    expect(init.json).toMatchObject({ nodeId: await nodeIdOf() });

    // Another seed's wallet cannot open the file.
    const other = join(rig.dir, 'other');
    await initWallet(other); // cheap scrypt: what it proves is the other seed
    const wrong = await glint(['--data', other, 'backup', 'import', saved]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/backup\.ciphertext.*does not decrypt with this seed/);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    // A flipped byte in the ciphertext, a file that is not a backup, a missing file.
    const bytes = new Uint8Array(await readFile(saved));
    bytes[bytes.length - 20]! ^= 1;
    const corrupt = join(rig.dir, 'corrupt.glint');
    await writeFile(corrupt, bytes);
    const notBackup = join(rig.dir, 'words-as-backup.glint');
    await writeFile(notBackup, 'hello');
    const cases: [string, RegExp][] = [
      [corrupt, /backup\.ciphertext.*corrupted/],
      [notBackup, /backup\.magic.*not a Glint channel backup file/],
      [join(rig.dir, 'missing.glint'), /cannot read .*missing\.glint/],
    ];
    for (const [file, why] of cases) {
      const r = await glint(['--data', data, 'backup', 'import', file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(why);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const usage = await glint(['--data', data, 'backup', 'import']);
    expect(usage.stderr).toMatch(/usage: glint backup export \[--out <file>\] \| glint backup import <file>/);

    const ok = await glint(['--data', data, 'backup', 'import', saved]);
    expect(ok.stderr).toBe('');
    expect(ok.json).toEqual({ channels: 1, recovering: [channelId] });
    const again = await glint(['--data', data, 'backup', 'import', saved]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`already has channel ${channelId}`));

    const rows = (await glint(rig.node('channels'))).json as ChannelRow[];
    expect(rows).toEqual([expect.objectContaining({ channelId, state: 'wait-for-remote-publish', capacitySat: 200_000, usable: false })]);
  }, 120_000);

  test('glint run: LDK force-closes on the lost-state reestablish, our to_remote is swept; balance exact to the sat', async () => {
    await rig.startRun();
    // An import needs the store: refused while the node runs on it.
    const locked = await glint(['--data', data, 'backup', 'import', join(rig.dir, 'saved.glint')]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/another glint is running on .+ \(pid \d+\)/);
    // LDK's commitment spends the funding output (Glint never publishes one: it has no state).
    const fundingVout = (await tx(fundingTxid)).vout.findIndex((o) => o.value === 200_000);
    const commitmentTxid = await rig.until(async () => {
      const o = await outspend(fundingTxid, fundingVout);
      return o.spent && o.txid && chain.mempoolTxids().includes(o.txid) ? o.txid : undefined;
    }, "LDK's commitment in the mempool");
    await chain.mine(1);
    const commitment = await tx(commitmentTxid);
    expect(commitment.status.confirmed).toBe(true);
    const fee = 200_000 - commitment.vout.reduce((s, o) => s + o.value, 0);
    // Our to_remote (P2WPKH of the payment basepoint) holds our channel balance less the commitment fee.
    const toRemoteVout = commitment.vout.findIndex((o) => o.value === localMsat / 1000 - fee);
    expect(toRemoteVout).toBeGreaterThanOrEqual(0);
    expect(commitment.vout[toRemoteVout]!.scriptpubkey).toMatch(/^0014[0-9a-f]{40}$/);
    const sweepTxid = await rig.until(async () => {
      const o = await outspend(commitmentTxid, toRemoteVout);
      return o.spent && o.txid && chain.mempoolTxids().includes(o.txid) ? o.txid : undefined;
    }, 'the to_remote sweep in the mempool');
    await chain.mine(1);
    const sweep = await tx(sweepTxid);
    expect(sweep.status.confirmed).toBe(true);
    expect(sweep.vin).toEqual([expect.objectContaining({ txid: commitmentTxid, vout: toRemoteVout })]);
    expect(sweep.vout).toHaveLength(1);
    const sweepFee = commitment.vout[toRemoteVout]!.value - sweep.vout[0]!.value;
    expect(sweepFee).toBeGreaterThan(0);
    expect(sweepFee).toBeLessThan(1_000);
    const expected = onchainBefore + localMsat / 1000 - fee - sweepFee;
    await rig.until(async () => {
      const b = (await glint(rig.node('balance'), { GLINT_PASSPHRASE: '' })).json as Record<string, number>;
      return b.confirmedSat === expected && b.unconfirmedSat === 0 ? b : undefined;
    }, `the swept to_remote in the wallet (${expected} sat)`);
    rig.run!.kill('SIGTERM');
    expect(await rig.runExit).toBe(0);
  }, 120_000);
});
