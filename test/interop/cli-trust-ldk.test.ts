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
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
import { RegtestWallet, type RegtestChain, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { CliLdkRig, exists, glint, initWallet, type ChannelRow } from '../harness/cli-node.ts';

let rig: CliLdkRig;
let chain: RegtestChain;
let peer: { node: LdkNode; feed: LdkFeed; port: number };
let data: string;

beforeAll(async () => {
  rig = await CliLdkRig.start({ alias: 'ldk-cli-zc', config: { minimumDepth: 1, manuallyAcceptInboundChannels: true }, dirPrefix: 'glint-cli-trust-' });
  ({ chain, peer, data } = rig);
  const l = peer.node.ldk;
  peer.node.onEvent((e: Event) => {
    if (!(e instanceof l.Event_OpenChannelRequest)) return;
    const req = e as Event_OpenChannelRequest;
    setImmediate(() => peer.node.run(() => peer.node.channelManager.accept_inbound_channel_from_trusted_peer_0conf(req.temporary_channel_id, req.counterparty_node_id, 7n)));
  });
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

describe('glint trust and zero-conf channels with a real LDK peer on regtest', () => {
  let nodeId: string;

  test('glint trust <pubkey> in-process saves it; bad pubkeys are refused', async () => {
    nodeId = (await initWallet(data)).nodeId; // cheap scrypt; `glint init` is cli-wallet's
    const address = ((await glint(rig.node('address'))).json as { address: string }).address;
    await chain.faucet(address, 1_000_000);
    const t = await glint(rig.node('trust', peer.node.nodeIdHex.toUpperCase()));
    expect(t.stderr).toBe('');
    expect(t.json).toEqual({ trusted: [peer.node.nodeIdHex] });
    expect((await glint(rig.node('trust'))).json).toEqual({ trusted: [peer.node.nodeIdHex] });
    const bad = await glint(rig.node('trust', 'abcd'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/pubkey/);
  });

  test('glint run lists it through the API; glint open to a zero-conf LDK is normal and usable with no block', async () => {
    const started = await rig.startRun();
    expect(started.nodeId).toBe(nodeId);
    expect((await glint(rig.node('trust'), { GLINT_PASSPHRASE: '' })).json).toEqual({ trusted: [peer.node.nodeIdHex] });
    const height = chain.height;
    const r = await glint(rig.node('open', `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, '100000', '--static-remotekey'), { GLINT_PASSPHRASE: '' });
    expect(r.stderr).toBe('');
    const { channelId, fundingTxid } = r.json as { channelId: string; fundingTxid: string };
    expect(chain.mempoolTxids()).toContain(fundingTxid);
    const row = await rig.until(async () => {
      const c = await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' });
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
    const row = await rig.until(async () => {
      const c = await glint(rig.node('channels'), { GLINT_PASSPHRASE: '' });
      const x = (c.json as ChannelRow[]).find((y) => y.capacitySat === 120_000);
      return x && x.state === 'normal' && x.usable ? x : undefined;
    }, 'the inbound channel normal and usable with no block');
    expect(row).toMatchObject({ localMsat: 0, remoteMsat: 120_000_000 });
    expect(chain.height).toBe(height);
    expect(peer.node.channelManager.list_usable_channels().length).toBe(2);

    const removed = await glint(rig.node('trust', peer.node.nodeIdHex, '--remove'), { GLINT_PASSPHRASE: '' });
    expect(removed.stderr).toBe('');
    expect(removed.json).toEqual({ trusted: [] });
    rig.run!.kill('SIGTERM');
    expect(await rig.runExit).toBe(0);
    expect(await exists(join(data, 'LOCK'))).toBe(false);
    // Saved: the in-process list after the run is empty too.
    expect((await glint(rig.node('trust'))).json).toEqual({ trusted: [] });
  });
});
