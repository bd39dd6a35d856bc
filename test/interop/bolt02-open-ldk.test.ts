/**
 * BOLT 2 channel establishment against a real LDK node on the real bcoin regtest chain:
 * Glint's ChannelManager (channel reducer + persistence barrier + wallet + Esplora) opens
 * channels to LDK over TCP — open_channel → accept_channel → funding_created → funding_signed →
 * funding tx broadcast through Esplora → mined → channel_ready both ways — and LDK lists them
 * usable with the capacity, channel type and short_channel_id Glint computed. Both channel
 * types (anchors through LDK's manual accept; an anchors open refused by LDK is retried once as
 * static_remotekey), and LDK opening to Glint, funded with regtest
 * coins. Every channel record Glint wrote is in its encrypted store and reloads.
 *
 * Debug with `LDK_LOG=1` (LDK's log on stderr) and `GLINT_LOG=1` (the manager's log).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_FundingGenerationReady } from 'lightningdevkit';
import { EncryptedStore, WalletService, bytesToHex } from '../../engine/index.ts';
import { ChannelManager, type ChannelInfo, type ChannelManagerEvent } from '../../engine/node/channels.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { RegtestWallet, type RegtestChain } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { PASSPHRASE, channelOf, formatScid, ldkScid, glintNode, ldkPeer, mine, startWorld, stopWorld, until, usableWith, type Glint, type LdkPeer, type World } from '../harness/glint-ldk.ts';

let w: World;
let ldk: Ldk;
let chain: RegtestChain;
let plain: LdkPeer;
let anchors: LdkPeer;

/** The reloaded store holds exactly the channel's final snapshot, and a new manager lists it the same. */
async function expectReloads(g: Glint, channel: ChannelInfo): Promise<void> {
  await g.channels.idle();
  const bytes = await g.store.get(`channel/${channel.channelId}`);
  expect(bytes).toBeDefined();
  expect(decodeChannelState(bytes!).type).toBe(channel.state);
  const reopened = await EncryptedStore.open(g.raw, PASSPHRASE, nodeEntropy);
  const again = new ChannelManager({
    network: 'regtest',
    store: reopened,
    clock: nodeClock,
    entropy: nodeEntropy,
    peers: { send() {}, subscribe: () => () => {}, peers: () => [], disconnect() {} },
    keys: g.service,
    wallet: g.service,
    chain: g.client,
    feeratePerKw: 253,
  });
  await again.start();
  const loaded = again.get(channel.channelId);
  expect(loaded).toMatchObject({
    localId: channel.localId,
    state: channel.state,
    type: channel.type,
    capacitySat: channel.capacitySat,
    localMsat: channel.localMsat,
    remoteMsat: channel.remoteMsat,
    shortChannelId: channel.shortChannelId,
    usable: false, // no peer connected to this copy
  });
  again.stop();
}

beforeAll(async () => {
  w = await startWorld();
  ({ ldk, chain } = w);
  plain = await ldkPeer(w, 'ldk-plain');
  // Anchor channels need LDK's manual accept (ldk-counterparty.md): ldkPeer accepts every request.
  anchors = await ldkPeer(w, 'ldk-anchors', { anchors: true });
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** Glint opens `type` to `peer` and runs the whole establishment; returns the channel. */
async function openTo(g: Glint, peer: { node: LdkNode; port: number }, channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx'): Promise<ChannelInfo> {
  const ldkId = peer.node.nodeIdHex;
  await g.peers.connect(`${ldkId}@127.0.0.1:${peer.port}`);
  await peer.node.waitForPeer(g.peers.nodeId);

  const opened = await g.channels.open(ldkId, { fundingSat: 100_000n, channelType });
  expect(opened).toMatchObject({ state: 'wait-for-accept-channel', peer: ldkId, type: channelType, isFunder: true, capacitySat: 100_000n, usable: false });

  // accept_channel → wallet funding → funding_created → funding_signed → persisted, then broadcast.
  await until(() => channelOf(g, opened.localId).state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, peer.node);
  const funded = channelOf(g, opened.localId);
  expect(funded.channelId).not.toBe(opened.channelId);
  expect(funded.minimumDepth).toBe(1); // LDK's accept_channel.minimum_depth
  const txid = funded.fundingTxid!;
  await until(() => chain.mempoolTxids().includes(txid), 'the funding tx in the mempool');
  // LDK knows the channel by the same id, before any block.
  const pending = peer.node.channelManager.list_channels().find((d) => bytesToHex(d.get_channel_id().get_a()) === funded.channelId);
  expect(pending?.get_is_channel_ready()).toBeFalsy();
  expect(pending?.get_channel_value_satoshis()).toBe(100_000n);
  // The funded record is in the encrypted store before anything was broadcast.
  expect(await g.store.get(`channel/${funded.channelId}`)).toBeDefined();

  await mine(w, g, 1);
  await until(() => channelOf(g, opened.localId).state === 'normal', 'normal on Glint', 20_000, peer.node);
  await until(() => usableWith(peer.node, g.peers.nodeId).length === 1, 'LDK usable channel', 20_000, peer.node);

  // LDK's private channel_update (BOLT 7, type 258) arrives right after channel_ready; the link survives it.
  await new Promise((r) => setTimeout(r, 200));
  expect(usableWith(peer.node, g.peers.nodeId)).toHaveLength(1);
  expect(g.peers.peers().map((p) => p.nodeId)).toContain(ldkId);
  const ours = channelOf(g, opened.localId);
  const theirs = usableWith(peer.node, g.peers.nodeId)[0]!;
  const block = chain.index.tx(txid)!.block!;
  expect(ours).toMatchObject({ state: 'normal', usable: true, capacitySat: 100_000n, localMsat: 100_000_000n, remoteMsat: 0n, type: channelType });
  expect(ours.shortChannelId).toBe(`${block.height}x${block.pos}x${ours.fundingOutputIndex}`);
  expect(theirs.get_channel_value_satoshis()).toBe(100_000n);
  expect(bytesToHex(theirs.get_channel_id().get_a())).toBe(ours.channelId);
  expect(formatScid(ldkScid(ldk, theirs)!)).toBe(ours.shortChannelId);
  expect(Boolean(theirs.get_is_outbound())).toBe(false);
  const ct = theirs.get_channel_type();
  expect(Boolean(ct?.supports_static_remote_key())).toBe(true);
  expect(Boolean(ct?.supports_anchors_zero_fee_htlc_tx())).toBe(channelType === 'anchors_zero_fee_htlc_tx');
  // LDK's inbound capacity: our whole balance less the 1% reserve LDK imposed on us in accept_channel.
  expect(theirs.get_inbound_capacity_msat()).toBe(100_000_000n - 1_000_000n);
  expect(theirs.get_outbound_capacity_msat()).toBe(0n);
  return ours;
}

describe('BOLT 2 establishment: Glint opens to LDK (real regtest chain, real TCP)', () => {
  test('static_remotekey: open → accept → funding → broadcast → 1 block → channel_ready both ways; usable on both', async () => {
    const g = await glintNode(w, { fundSat: 1_000_000 });
    const ch = await openTo(g, plain, 'static_remotekey');
    await expectReloads(g, ch);
    // The wallet saw its own funding spend (change back, coins not double-spendable).
    await g.service.sync();
    expect(g.service.balance().spendableSat).toBeLessThan(1_000_000n - 100_000n);
    // …and saved it: the wallet reopened from its store (no sync) knows the funding spend too.
    const reopened = await WalletService.open({ raw: g.raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
    reopened.attachChain(g.client);
    expect(reopened.balance()).toEqual(g.service.balance());
    expect(reopened.history().map((h) => h.txid)).toContain(ch.fundingTxid);
  });

  test('anchors_zero_fee_htlc_tx (LDK with negotiate_anchors + manual accept): usable on both', async () => {
    const g = await glintNode(w, { fundSat: 1_000_000 });
    const ch = await openTo(g, anchors, 'anchors_zero_fee_htlc_tx');
    await expectReloads(g, ch);
  });

  test('LDK refuses anchors when it does not negotiate them: the attempt aborts, Glint retries once as static_remotekey (new temporary id), which LDK accepts', async () => {
    const g = await glintNode(w, { fundSat: 1_000_000 });
    await g.peers.connect(`${plain.node.nodeIdHex}@127.0.0.1:${plain.port}`);
    await plain.node.waitForPeer(g.peers.nodeId);
    const retried: Extract<ChannelManagerEvent, { type: 'open-retried' }>[] = [];
    g.channels.subscribe((e) => {
      if (e.type === 'open-retried') retried.push(e);
    });
    const opened = await g.channels.open(plain.node.nodeIdHex, { fundingSat: 100_000n, channelType: 'anchors_zero_fee_htlc_tx' });
    await until(() => channelOf(g, opened.localId).state === 'aborted', 'aborted', 20_000, plain.node);
    expect(channelOf(g, opened.localId).reason).toMatch(/peer error/);
    await until(() => retried.length === 1, 'the open-retried event', 20_000, plain.node);
    const retry = retried[0]!;
    expect(retry.previous).toMatchObject({ localId: opened.localId, state: 'aborted', channelId: opened.channelId });
    expect(retry.reason).toMatch(/peer error/);
    expect(retry.channel.localId).not.toBe(opened.localId);
    expect(retry.channel.channelId).not.toBe(opened.channelId);
    expect(retry.channel).toMatchObject({ type: 'static_remotekey', isFunder: true, capacitySat: 100_000n, peer: plain.node.nodeIdHex });

    // The retry goes all the way: funded, broadcast, confirmed, usable on both sides.
    await until(() => channelOf(g, retry.channel.localId).state === 'wait-for-funding-confirmed', 'retry funded', 20_000, plain.node);
    const funded = channelOf(g, retry.channel.localId);
    await until(() => chain.mempoolTxids().includes(funded.fundingTxid!), 'the funding tx in the mempool');
    await mine(w, g, 1);
    await until(() => channelOf(g, retry.channel.localId).state === 'normal', 'normal on Glint', 20_000, plain.node);
    await until(() => usableWith(plain.node, g.peers.nodeId).length === 1, 'LDK usable channel', 20_000, plain.node);
    const theirs = usableWith(plain.node, g.peers.nodeId)[0]!;
    expect(Boolean(theirs.get_channel_type()?.supports_anchors_zero_fee_htlc_tx())).toBe(false);
    // Only one retry: the aborted attempt was never persisted, the retry is.
    await g.channels.idle();
    expect(await g.store.keys('channel/')).toEqual([`channel/${funded.channelId}`]);
  });
});

describe('BOLT 2 establishment: LDK opens to Glint', () => {
  test('static_remotekey funded by LDK from regtest coins: Glint accepts, signs, sees it confirm; usable on both', async () => {
    const g = await glintNode(w, { minimumDepth: 1 });
    const node = plain.node;
    const funder = RegtestWallet.fromSeed('bolt02-open-ldk funder');
    const coin = await chain.faucet(funder.script, 1_000_000);
    await g.peers.connect(`${node.nodeIdHex}@127.0.0.1:${plain.port}`);
    await node.waitForPeer(g.peers.nodeId);

    const fundingReady = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
    const created = node.run(() => node.channelManager.create_channel(Buffer.from(g.peers.nodeId, 'hex'), 120_000n, 5_000_000n, 9n, null, null));
    expect(created).toBeInstanceOf(ldk.Result_ChannelIdAPIErrorZ_OK);
    const ready = await fundingReady;
    const inbound = g.channels.list().find((c) => c.peer === node.nodeIdHex && c.state === 'wait-for-funding-created');
    expect(inbound).toMatchObject({ isFunder: false, capacitySat: 120_000n, localMsat: 5_000_000n, remoteMsat: 115_000_000n, type: 'static_remotekey', minimumDepth: 1 });

    const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
    const result = node.run(() => node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    expect(result).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);

    // funding_created → Glint persists, then funding_signed → LDK broadcasts through the feed.
    await until(() => chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool', 20_000, node);
    const ours0 = g.channels.byLocalId(inbound!.localId)!;
    expect(ours0).toMatchObject({ state: 'wait-for-funding-confirmed', fundingTxid: funding.txid });
    expect(await g.store.get(`channel/${ours0.channelId}`)).toBeDefined();

    await mine(w, g, 1);
    await until(() => g.channels.byLocalId(inbound!.localId)?.state === 'normal', 'normal on Glint', 20_000, node);
    await until(() => usableWith(node, g.peers.nodeId).length === 1, 'LDK usable channel', 20_000, node);
    await new Promise((r) => setTimeout(r, 200));
    expect(usableWith(node, g.peers.nodeId)).toHaveLength(1);
    const ours = g.channels.byLocalId(inbound!.localId)!;
    const theirs = usableWith(node, g.peers.nodeId)[0]!;
    const block = chain.index.tx(funding.txid)!.block!;
    expect(ours).toMatchObject({ usable: true, capacitySat: 120_000n, localMsat: 5_000_000n, remoteMsat: 115_000_000n });
    expect(ours.shortChannelId).toBe(`${block.height}x${block.pos}x${ours.fundingOutputIndex}`);
    expect(Boolean(theirs.get_is_outbound())).toBe(true);
    expect(theirs.get_channel_value_satoshis()).toBe(120_000n);
    expect(formatScid(ldkScid(ldk, theirs)!)).toBe(ours.shortChannelId);
    await expectReloads(g, ours);
  });
});

