/**
 * BOLT 2 cooperative close ("Channel Close": shutdown → closing_signed with fee_range) against a
 * real LDK node on the real bcoin regtest chain, and BOLT 1 `error` routing:
 *
 *   - Glint closes (ChannelManager.close): shutdown both ways, fee negotiated, the mutual close tx
 *     signed by both, broadcast through Esplora and accepted by bcoin; 6 blocks later the channel is
 *     `closed`, and our balance is a UTXO of the on-chain wallet at the script we gave. Both
 *     channel types.
 *   - LDK closes (`close_channel`): Glint answers with a fresh wallet script; same ending.
 *   - Glint restarts while `closing`: the reloaded channel watches the mutual close tx again.
 *   - LDK fails the channel (`force_close_broadcasting_latest_txn` sends `error` for it): Glint's
 *     channel goes to force-closing (BOLT 1: fail the channel); an `error` naming a channel we do
 *     not have touches no channel.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_ChannelClosed, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
import { bytesToHex } from '../../engine/index.ts';
import type { ChannelInfo, ChannelManagerEvent } from '../../engine/node/channels.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { RegtestChain, RegtestWallet, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { type Env, type Glint, channelOf, channelsWith, connect, glintNode, mine, restartGlint, stopAll, until, usableWith } from '../harness/glint-ldk.ts';

let ldk: Ldk;
let env: Env;
let chain: RegtestChain;
let esplora: EsploraServer;
let plain: { node: LdkNode; feed: LdkFeed; port: number };
let anchors: { node: LdkNode; feed: LdkFeed; port: number };
const glints: Glint[] = [];

beforeAll(async () => {
  chain = await RegtestChain.create();
  esplora = await startEsplora(chain, { port: 0 });
  env = { chain, esplora };
  const a = await createLdkNodeAtTip(chain, { alias: 'ldk-plain', config: { minimumDepth: 1 } });
  const b = await createLdkNodeAtTip(chain, {
    alias: 'ldk-anchors',
    config: { minimumDepth: 1, negotiateAnchorsZeroFeeHtlcTx: true, manuallyAcceptInboundChannels: true },
  });
  ldk = a.node.ldk;
  plain = { ...a, port: await a.node.listen() };
  anchors = { ...b, port: await b.node.listen() };
  anchors.node.onEvent((e: Event) => {
    if (!(e instanceof ldk.Event_OpenChannelRequest)) return;
    const req = e as Event_OpenChannelRequest;
    setImmediate(() => anchors.node.run(() => anchors.node.channelManager.accept_inbound_channel(req.temporary_channel_id, req.counterparty_node_id, 42n)));
  });
}, 60_000);

afterAll(async () => {
  stopAll(glints);
  plain?.feed.detach();
  anchors?.feed.detach();
  await Promise.all([plain?.node.stop(), anchors?.node.stop()]);
  await esplora?.close();
  await chain?.close();
});

/** Glint opens `type` to `peer` (100 000 sat, nothing pushed) and both reach a usable channel. */
async function openTo(g: Glint, peer: { node: LdkNode; port: number }, channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx'): Promise<ChannelInfo> {
  await connect(g, peer);
  const opened = await g.channels.open(peer.node.nodeIdHex, { fundingSat: 100_000n, channelType });
  await until(() => channelOf(g, opened.localId).state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, peer.node);
  const txid = channelOf(g, opened.localId).fundingTxid!;
  await until(() => chain.mempoolTxids().includes(txid), 'the funding tx in the mempool');
  await mine(env, g, 1);
  await until(() => channelOf(g, opened.localId).state === 'normal', 'normal on Glint', 20_000, peer.node);
  const id = channelOf(g, opened.localId).channelId;
  await until(() => usableWith(peer.node, g.peers.nodeId).some((d) => bytesToHex(d.get_channel_id().get_a()) === id), 'LDK usable channel', 20_000, peer.node);
  const ch = channelOf(g, opened.localId);
  expect(ch).toMatchObject({ state: 'normal', usable: true, type: channelType });
  return ch;
}

function closedEvent(node: LdkNode, channelId: string): Promise<Event_ChannelClosed> {
  return node.waitForEvent(
    (e: Event): e is Event_ChannelClosed => e instanceof ldk.Event_ChannelClosed && bytesToHex((e as Event_ChannelClosed).channel_id.get_a()) === channelId,
    30_000,
  );
}

/** The script our balance goes to in the mutual close (from the `closing` record in the store). */
async function ourCloseScript(g: Glint, channelId: string): Promise<Uint8Array> {
  await g.channels.idle();
  const s = decodeChannelState((await g.store.get(`channel/${channelId}`))!);
  if (s.type !== 'closing') throw new Error(`expected a closing record, got ${s.type}`);
  return s.localShutdownScript;
}

/**
 * From `closing` to `closed`: the mutual close tx is in bcoin's mempool, pays `ourMsat` less the
 * fee (we are the funder: we pay it) to our script, confirms; after 6 blocks `closed`, persisted;
 * LDK's channel is gone; the wallet holds the output.
 */
async function expectClosedAndPaid(g: Glint, peer: LdkNode, ch: ChannelInfo, closingTxid: string, ldkClosed: Promise<Event_ChannelClosed>): Promise<void> {
  await until(() => chain.mempoolTxids().includes(closingTxid), 'the mutual close tx in the mempool', 20_000, peer);
  expect(channelOf(g, ch.localId).state).toBe('closing');
  const script = await ourCloseScript(g, ch.channelId);
  const tx = Transaction.fromBuffer(await g.client.transaction(closingTxid));
  expect(tx.ins).toHaveLength(1);
  expect(bytesToHex(tx.ins[0]!.hash.slice().reverse())).toBe(ch.fundingTxid);
  const ours = tx.outs.find((o) => bytesToHex(o.script) === bytesToHex(script));
  expect(ours).toBeDefined();
  const fee = ch.capacitySat - tx.outs.reduce((s, o) => s + BigInt(o.value), 0n);
  expect(fee).toBeGreaterThan(0n);
  if (ch.isFunder) expect(BigInt(ours!.value)).toBe(ch.localMsat / 1000n - fee);
  else expect(BigInt(ours!.value)).toBe(ch.localMsat / 1000n);

  await mine(env, g, 1);
  expect(chain.index.tx(closingTxid)?.block).toBeDefined();
  expect(channelOf(g, ch.localId).state).toBe('closing'); // depth 1 of 6
  await mine(env, g, 5);
  await until(() => channelOf(g, ch.localId).state === 'closed', 'closed on Glint');
  await g.channels.idle();
  expect(decodeChannelState((await g.store.get(`channel/${ch.channelId}`))!).type).toBe('closed');
  const reason = (await ldkClosed).reason;
  expect(reason instanceof ldk.ClosureReason_LocallyInitiatedCooperativeClosure || reason instanceof ldk.ClosureReason_CounterpartyInitiatedCooperativeClosure || reason instanceof ldk.ClosureReason_LegacyCooperativeClosure).toBe(true);
  expect(channelsWith(peer, g.peers.nodeId).filter((d) => bytesToHex(d.get_channel_id().get_a()) === ch.channelId)).toEqual([]);

  // The on-chain wallet finds our output (the close script is one of its receive addresses).
  await g.watch.sync();
  const utxo = g.watch.utxos().find((u) => u.txid === closingTxid);
  expect(utxo).toMatchObject({ valueSat: BigInt(ours!.value) });
  await g.service.sync();
  expect(g.service.balance().confirmedSat).toBeGreaterThanOrEqual(BigInt(ours!.value));
}

describe('BOLT 2 cooperative close with LDK (real regtest chain, real TCP)', () => {
  test('Glint closes a static_remotekey channel: shutdown, closing_signed, tx in bcoin, closed after 6 blocks, balance in the wallet', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openTo(g, plain, 'static_remotekey');
    const ldkClosed = closedEvent(plain.node, ch.channelId);
    const events: ChannelManagerEvent[] = [];
    g.channels.subscribe((e) => events.push(e));
    const { closingTxid } = await g.channels.close(ch.channelId);
    expect(closingTxid).toMatch(/^[0-9a-f]{64}$/);
    expect(channelOf(g, ch.localId)).toMatchObject({ state: 'closing', usable: false });
    expect(events.some((e) => e.type === 'channel' && e.event.type === 'channel-closing' && e.event['closingTxid'] !== undefined)).toBe(true);
    await expectClosedAndPaid(g, plain.node, ch, closingTxid, ldkClosed);
    // Closed is final: no second close.
    await expect(g.channels.close(ch.channelId)).rejects.toThrow(/closed/);
  });

  test('Glint closes an anchors_zero_fee_htlc_tx channel the same way', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openTo(g, anchors, 'anchors_zero_fee_htlc_tx');
    const ldkClosed = closedEvent(anchors.node, ch.channelId);
    const { closingTxid } = await g.channels.close(ch.channelId);
    await expectClosedAndPaid(g, anchors.node, ch, closingTxid, ldkClosed);
  });

  test('LDK closes (close_channel) a channel Glint funded: Glint answers with a wallet script; closed, balance in the wallet', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openTo(g, plain, 'static_remotekey');
    const ldkClosed = closedEvent(plain.node, ch.channelId);
    const closing: string[] = [];
    g.channels.subscribe((e) => {
      if (e.type === 'channel' && e.channel.channelId === ch.channelId && e.event.type === 'channel-closing') closing.push(String(e.event['closingTxid']));
    });
    const res = plain.node.run(() => plain.node.channelManager.close_channel(ldk.ChannelId.constructor_new(Buffer.from(ch.channelId, 'hex')), Buffer.from(g.peers.nodeId, 'hex')));
    expect(res).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);
    await until(() => channelOf(g, ch.localId).state === 'closing', 'closing on Glint', 20_000, plain.node);
    await until(() => closing.length === 1, 'the channel-closing event');
    const closingTxid = Buffer.from(closing[0]!, 'hex').reverse().toString('hex');
    await expectClosedAndPaid(g, plain.node, ch, closingTxid, ldkClosed);
  });

  test('LDK closes (close_channel) a channel LDK funded with a push to Glint: Glint (fundee) negotiates; the push arrives in the wallet', async () => {
    const g = await glintNode(env, { minimumDepth: 1 }, glints);
    const node = plain.node;
    const funder = RegtestWallet.fromSeed('bolt02-close-ldk funder');
    const coin = await chain.faucet(funder.script, 1_000_000);
    await connect(g, plain);
    const fundingReady = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
    node.run(() => node.channelManager.create_channel(Buffer.from(g.peers.nodeId, 'hex'), 120_000n, 30_000_000n, 9n, null, null));
    const ready = await fundingReady;
    const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
    node.run(() => node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    await until(() => chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool', 20_000, node);
    await mine(env, g, 1);
    const inbound = g.channels.list().find((c) => c.fundingTxid === funding.txid)!;
    await until(() => channelOf(g, inbound.localId).state === 'normal', 'normal on Glint', 20_000, node);
    await until(() => usableWith(node, g.peers.nodeId).some((d) => bytesToHex(d.get_channel_id().get_a()) === inbound.channelId), 'LDK usable channel', 20_000, node);
    const ch = channelOf(g, inbound.localId);
    expect(ch).toMatchObject({ isFunder: false, localMsat: 30_000_000n });

    const ldkClosed = closedEvent(node, ch.channelId);
    const closing: string[] = [];
    g.channels.subscribe((e) => {
      if (e.type === 'channel' && e.channel.channelId === ch.channelId && e.event.type === 'channel-closing') closing.push(String(e.event['closingTxid']));
    });
    node.run(() => node.channelManager.close_channel(ldk.ChannelId.constructor_new(Buffer.from(ch.channelId, 'hex')), Buffer.from(g.peers.nodeId, 'hex')));
    await until(() => closing.length === 1, 'closing on Glint', 20_000, node);
    const closingTxid = Buffer.from(closing[0]!, 'hex').reverse().toString('hex');
    await expectClosedAndPaid(g, node, ch, closingTxid, ldkClosed);
  });
});

describe('BOLT 2 cooperative close across a restart', () => {
  test('Glint restarts in closing (mutual close tx unconfirmed): the reloaded channel watches it again and reaches closed; the balance is in the wallet', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openTo(g, plain, 'static_remotekey');
    const ldkClosed = closedEvent(plain.node, ch.channelId);
    const { closingTxid } = await g.channels.close(ch.channelId);
    await until(() => chain.mempoolTxids().includes(closingTxid), 'the mutual close tx in the mempool', 20_000, plain.node);
    const g2 = await restartGlint(env, g, glints);
    expect(g2.channels.get(ch.channelId)).toMatchObject({ state: 'closing', localId: ch.localId });
    await expectClosedAndPaid(g2, plain.node, ch, closingTxid, ldkClosed);
  });
});

describe('BOLT 1 error routing with LDK', () => {
  test('LDK fails the channel (error with its channel_id): Glint force-closes it; an error naming no channel of ours changes nothing', async () => {
    const g = await glintNode(env, { fundSat: 2_000_000 }, glints);
    const victim = await openTo(g, plain, 'static_remotekey');
    const bystander = await openTo(g, plain, 'static_remotekey');
    const errors: ChannelManagerEvent[] = [];
    g.channels.subscribe((e) => {
      if (e.type === 'peer-error') errors.push(e);
    });

    // An error for a channel we do not have: LDK answers our shutdown for an unknown channel_id with one.
    const unknown = 'ab'.repeat(32);
    g.peers.send(plain.node.nodeIdHex, { type: 'shutdown', channelId: Buffer.from(unknown, 'hex'), scriptpubkey: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7)) });
    await until(() => errors.some((e) => e.type === 'peer-error' && e.channelId === unknown), 'LDK error for the unknown channel', 20_000, plain.node);
    expect(errors.find((e) => e.type === 'peer-error' && e.channelId === unknown)).toMatchObject({ kind: 'error' });
    await g.channels.idle();
    expect(channelOf(g, victim.localId)).toMatchObject({ state: 'normal', usable: true });
    expect(channelOf(g, bystander.localId)).toMatchObject({ state: 'normal', usable: true });

    // LDK force-closes the victim: it broadcasts its commitment and sends `error` for that channel.
    const before = chain.mempoolTxids().length;
    const res = plain.node.run(() =>
      plain.node.channelManager.force_close_broadcasting_latest_txn(ldk.ChannelId.constructor_new(Buffer.from(victim.channelId, 'hex')), Buffer.from(g.peers.nodeId, 'hex'), 'test says so'),
    );
    expect(res).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);
    await until(() => channelOf(g, victim.localId).state === 'force-closing', 'force-closing on Glint', 20_000, plain.node);
    const failed = channelOf(g, victim.localId);
    expect(failed.reason).toMatch(/^peer error: /);
    expect(errors.some((e) => e.type === 'peer-error' && e.kind === 'error' && e.channelId === victim.channelId)).toBe(true);
    // A commitment spending the victim's funding output reached bcoin (LDK's; ours conflicts with it and is refused).
    await until(() => chain.mempoolTxids().length > before, 'a commitment tx in the mempool');
    const spends: string[] = [];
    for (const t of chain.mempoolTxids()) {
      const tx = Transaction.fromBuffer(await g.client.transaction(t));
      if (tx.ins.some((i) => bytesToHex(i.hash.slice().reverse()) === victim.fundingTxid && i.index === victim.fundingOutputIndex)) spends.push(t);
    }
    expect(spends).toHaveLength(1);
    // The other channel with the same peer is untouched and still usable on both sides.
    await g.channels.idle();
    expect(channelOf(g, bystander.localId)).toMatchObject({ state: 'normal', usable: true });
    expect(usableWith(plain.node, g.peers.nodeId).map((d) => bytesToHex(d.get_channel_id().get_a()))).toEqual([bystander.channelId]);
  });
});
