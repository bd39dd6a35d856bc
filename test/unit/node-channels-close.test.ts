/**
 * ChannelManager (engine/node/channels.ts) closing, error routing and reconnection, with two
 * managers over the in-memory bus (test/harness/manager-fakes.ts):
 *
 *   - `close(id)` cooperative: shutdown both ways with wallet scripts (ours from
 *     `ChannelWallet.shutdownScript`, the responder's fetched ahead), closing_signed, mutual close
 *     tx broadcast by both and re-published until it confirms, `closed` at depth 6, across a
 *     restart too; refusals and a failed negotiation reject with a ValidationError naming the problem;
 *   - `close(id, { force: true })`: our commitment broadcast, its txid returned;
 *   - BOLT 1 `error`/`warning` routing by channel_id (one channel, the temporary id, an unknown id);
 *     `wait-for-remote-publish` never broadcasts, whatever arrives;
 *   - `connected` → channel_reestablish (also for peers already connected at start);
 *   - an anchors open refused with an `error` is retried once as static_remotekey.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beforeEach, describe, expect, test } from 'vitest';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { perCommitmentSecret } from '../../engine/keys/shachain.ts';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import type { ChannelManagerEvent } from '../../engine/node/channels.ts';
import type { PeerInfo } from '../../engine/node/peer-manager.ts';
import type { Message } from '../../engine/wire/message.ts';
import { Bus, FakeChain, type TestNode, connect, makeNode as makeManagerNode, openAndConfirm, settle, tip as tipAll, txidOf } from '../harness/manager-fakes.ts';

let bus: Bus;
let chain: FakeChain;
const makeNode = (name: string, opts: Parameters<typeof makeManagerNode>[2] = {}): Promise<TestNode> => makeManagerNode({ bus, chain }, name, opts);
const tip = (...nodes: TestNode[]): Promise<void> => tipAll(bus, ...nodes);

beforeEach(() => {
  bus = new Bus();
  chain = new FakeChain();
});

const spends = (raw: Uint8Array, txid: string): boolean => Transaction.fromBuffer(raw).ins.some((i) => bytesToHex(i.hash.slice().reverse()) === txid);

/** A funds a channel to B; both reach `normal` (3 confirmations). */
async function normalPair(type: 'static_remotekey' | 'anchors_zero_fee_htlc_tx' = 'static_remotekey', a?: TestNode, b?: TestNode) {
  a ??= await makeNode('alice');
  b ??= await makeNode('bob');
  const ch = await openAndConfirm({ bus, chain }, a, b, { channelType: type, pushMsat: 10_000_000n });
  expect(ch).toMatchObject({ state: 'normal', usable: true });
  return { a, b, ch };
}

/** Run the bus and both managers until nothing moves. */
async function run(...nodes: TestNode[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await bus.deliverAll();
    for (const n of nodes) await n.manager.idle();
  }
}

function peerInfo(nodeId: string): PeerInfo {
  return { nodeId, address: 'bus', features: {}, connectedAt: 0, inbound: false };
}

function reconnect(a: TestNode, b: TestNode): void {
  connect(a, b);
  a.peers.emit({ type: 'connected', peer: peerInfo(b.nodeId) });
  b.peers.emit({ type: 'connected', peer: peerInfo(a.nodeId) });
}

const uiEvents = (n: TestNode, type: string): ChannelManagerEvent[] => n.events.filter((e) => e.type === 'channel' && e.event.type === type);

describe('ChannelManager.close: cooperative', () => {
  test('shutdown with wallet scripts both ways, closing_signed, the mutual close tx broadcast, re-published until it confirms, closed at depth 6', async () => {
    const { a, b, ch } = await normalPair();
    const closing = a.manager.close(ch.channelId);
    const again = a.manager.close(ch.channelId); // asked twice: the same outcome
    await run(a, b);
    const { closingTxid } = await closing;
    expect(await again).toEqual({ closingTxid });
    expect(await a.manager.close(ch.channelId)).toEqual({ closingTxid }); // in closing: at once
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'closing', usable: false });
    expect(b.manager.get(ch.channelId)).toMatchObject({ state: 'closing' });

    // The tx spends the funding output and pays each side to its wallet script: ours from
    // `shutdownScript()` at close time, the peer's fetched ahead at its start.
    const raw = chain.mempool.get(closingTxid)!;
    expect(raw).toBeDefined();
    const tx = Transaction.fromBuffer(raw);
    expect(spends(raw, ch.fundingTxid!)).toBe(true);
    const outs = new Map(tx.outs.map((o) => [bytesToHex(o.script), BigInt(o.value)]));
    // The spare (unused: we started the close), the close's own, and the one the second call fetched before it saw the close under way.
    expect(a.wallet.shutdownScripts).toHaveLength(3);
    const ours = outs.get(bytesToHex(a.wallet.shutdownScripts[1]!));
    const theirs = outs.get(bytesToHex(b.wallet.shutdownScripts[0]!));
    expect(theirs).toBe(10_000n);
    const fee = 250_000n - ours! - theirs!;
    expect(fee).toBeGreaterThan(0n);
    expect(ours).toBe(240_000n - fee); // the funder pays the fee
    // B used its spare script and fetched a fresh one for the next close.
    expect(b.wallet.shutdownScripts).toHaveLength(2);
    expect(uiEvents(a, 'channel-closing')).toHaveLength(1);

    // Evicted from the mempool: the next tip publishes it again (both sides).
    chain.mempool.delete(closingTxid);
    chain.mine(1);
    await tip(a, b);
    expect(chain.mempool.has(closingTxid)).toBe(true);
    chain.mine(1);
    await tip(a, b);
    expect(chain.confirmed.has(closingTxid)).toBe(true);
    expect(a.manager.get(ch.channelId)!.state).toBe('closing'); // depth 1
    chain.mine(5);
    await tip(a, b);
    for (const n of [a, b]) {
      expect(n.manager.get(ch.channelId)!.state).toBe('closed');
      expect(decodeChannelState((await n.store.get(`channel/${ch.channelId}`))!).type).toBe('closed');
    }
    expect(uiEvents(a, 'channel-closed')).toHaveLength(1);
    await expect(a.manager.close(ch.channelId)).rejects.toThrow(/closed/);
  });

  test('the peer closes: we answer with the spare wallet script, both reach closing; a scriptPubKey given to close is used as is', async () => {
    const { a, b, ch } = await normalPair('anchors_zero_fee_htlc_tx');
    const mine = Uint8Array.of(0x00, 0x20, ...new Uint8Array(32).fill(0x42)); // P2WSH
    const closing = b.manager.close(ch.channelId, { scriptPubKey: mine });
    await run(a, b);
    const { closingTxid } = await closing;
    expect(a.manager.get(ch.channelId)!.state).toBe('closing');
    const tx = Transaction.fromBuffer(chain.mempool.get(closingTxid)!);
    const scripts = tx.outs.map((o) => bytesToHex(o.script)).sort();
    expect(scripts).toEqual([bytesToHex(mine), bytesToHex(a.wallet.shutdownScripts[0]!)].sort());
    expect(b.wallet.shutdownScripts).toHaveLength(1); // only the spare: the close brought its own
  });

  test('a P2TR close script needs option_shutdown_anysegwit in the peer\'s init (ctx.shutdownAnySegwit)', async () => {
    const { a, b, ch } = await normalPair();
    const p2tr = Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(0x33));
    await expect(a.manager.close(ch.channelId, { scriptPubKey: p2tr })).rejects.toThrow(/option_shutdown_anysegwit/);
    a.peers.features.set(b.nodeId, { option_shutdown_anysegwit: 'optional' });
    b.peers.features.set(a.nodeId, { option_shutdown_anysegwit: 'optional' });
    const closing = a.manager.close(ch.channelId, { scriptPubKey: p2tr });
    await run(a, b);
    const { closingTxid } = await closing;
    expect(Transaction.fromBuffer(chain.mempool.get(closingTxid)!).outs.map((o) => bytesToHex(o.script))).toContain(bytesToHex(p2tr));
  });

  test('survives a restart in closing: the mutual close tx is watched and re-published again, and the channel reaches closed', async () => {
    const { a, b, ch } = await normalPair();
    const closing = a.manager.close(ch.channelId);
    await run(a, b);
    const { closingTxid } = await closing;
    a.manager.stop();
    chain.mempool.delete(closingTxid);
    chain.broadcasts.length = 0;
    const a2 = await makeNode('alice', { store: a.store });
    expect(a2.manager.get(ch.channelId)).toMatchObject({ state: 'closing' });
    await settle();
    chain.mine(1);
    await a2.manager.onTip();
    await a2.manager.idle();
    expect(chain.broadcasts.map(txidOf)).toContain(closingTxid);
    chain.mine(6);
    await a2.manager.onTip();
    await a2.manager.idle();
    expect(a2.manager.get(ch.channelId)!.state).toBe('closed');
    // Read back after another restart, the closed channel still names its peer and funding (snapshot version 8).
    a2.manager.stop();
    const a3 = await makeNode('alice', { store: a.store });
    expect(a3.manager.get(ch.channelId)).toMatchObject({ state: 'closed', peer: b.nodeId, fundingTxid: ch.fundingTxid, fundingOutputIndex: ch.fundingOutputIndex, closingTxid });
    a3.manager.stop();
  });

  test('refused with a ValidationError naming the problem; nothing is sent', async () => {
    const { a, b, ch } = await normalPair();
    const sent = a.peers.sent.length;
    await expect(a.manager.close('zz')).rejects.toMatchObject({ field: 'channelId' });
    await expect(a.manager.close('11'.repeat(32))).rejects.toThrow(/no channel/);
    await expect(a.manager.close(ch.channelId, { scriptPubKey: Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac) })).rejects.toThrow(/P2WPKH, P2WSH/);
    a.wallet.shutdownScriptError = new Error('wallet locked');
    await expect(a.manager.close(ch.channelId)).rejects.toThrow(/wallet locked/);
    a.wallet.shutdownScriptError = undefined;
    a.peers.disconnect(b.nodeId);
    await expect(a.manager.close(ch.channelId)).rejects.toThrow(/not connected/);
    expect(a.peers.sent.length).toBe(sent);
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal' });

    // A channel not yet normal.
    connect(a, b);
    bus.intercept = (_from, m) => (m.type === 'funding_signed' ? null : m);
    const opening = await a.manager.open(b.nodeId, { fundingSat: 100_000n });
    const err = await a.manager.close(opening.channelId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/normal/);
  });

  test('a failed negotiation (the peer\'s closing_signed carries a bad signature) rejects the close; our side stays in negotiating-closing', async () => {
    const { a, b, ch } = await normalPair();
    bus.intercept = (from, m) => (from === b.nodeId && m.type === 'closing_signed' ? { ...m, signature: new Uint8Array(64).fill(1) } : m);
    const closing = a.manager.close(ch.channelId).then(
      () => undefined,
      (e: unknown) => e,
    );
    await run(a, b);
    const err = await closing;
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/closing negotiation failed: closing_signed signature is not valid/);
    expect(a.manager.get(ch.channelId)!.state).toBe('negotiating-closing');
    expect(uiEvents(a, 'closing-negotiation-failed')).toHaveLength(1);
    // B accepted our (valid) proposal, holds both signatures and broadcast the tx itself.
    expect(b.manager.get(ch.channelId)!.state).toBe('closing');
  });
});

describe('ChannelManager.close: force', () => {
  test('broadcasts our commitment and resolves with its txid; the peer is told with an error; a second call returns the same txid', async () => {
    const { a, ch } = await normalPair();
    const { closingTxid } = await a.manager.close(ch.channelId, { force: true });
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'force-closing', reason: 'force-closed by the user' });
    const raw = chain.mempool.get(closingTxid)!;
    expect(spends(raw, ch.fundingTxid!)).toBe(true);
    expect(a.peers.sent.at(-1)).toMatchObject({ type: 'error' });
    expect(decodeChannelState((await a.store.get(`channel/${ch.channelId}`))!).type).toBe('force-closing');
    expect(await a.manager.close(ch.channelId, { force: true })).toEqual({ closingTxid });
  });

  test('refused in establishment (nothing to broadcast)', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = () => null;
    const opening = await a.manager.open(b.nodeId, { fundingSat: 100_000n });
    await expect(a.manager.close(opening.channelId, { force: true })).rejects.toThrow(/wait-for-accept-channel/);
    expect(chain.broadcasts).toHaveLength(0);
  });
});

describe('ChannelManager: BOLT 1 error routing by channel_id', () => {
  test('an error naming one channel fails that channel only; an unknown channel_id touches none; a warning changes nothing', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    const one = (await normalPair('static_remotekey', a, b)).ch;
    const two = (await normalPair('static_remotekey', a, b)).ch;
    const broadcasts = chain.broadcasts.length;

    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'no such channel', channelId: '77'.repeat(32) });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'warning', text: 'careful', channelId: one.channelId });
    await a.manager.idle();
    expect(a.manager.get(one.channelId)).toMatchObject({ state: 'normal', usable: true });
    expect(a.manager.get(two.channelId)).toMatchObject({ state: 'normal', usable: true });
    expect(uiEvents(a, 'peer-warning')).toHaveLength(1);
    expect(a.events.filter((e) => e.type === 'peer-error').map((e) => e.type === 'peer-error' && e.channelId)).toEqual(['77'.repeat(32), one.channelId]);
    expect(chain.broadcasts.length).toBe(broadcasts);

    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'bad things', channelId: one.channelId });
    await a.manager.idle();
    expect(a.manager.get(one.channelId)).toMatchObject({ state: 'force-closing', reason: 'peer error: bad things' });
    expect(a.manager.get(two.channelId)).toMatchObject({ state: 'normal', usable: true });
    expect(chain.broadcasts.length).toBe(broadcasts + 1);
    expect(spends(chain.broadcasts.at(-1)!, one.fundingTxid!)).toBe(true);
    // BOLT 1: we do not answer an error with an error.
    expect(a.peers.sent.filter((m) => m.type === 'error')).toHaveLength(0);
  });

  test('an error from another peer naming our channel is not for it', async () => {
    const { a, ch } = await normalPair();
    const carol = await makeNode('carol');
    connect(a, carol);
    a.peers.emit({ type: 'remote-error', nodeId: carol.nodeId, kind: 'error', text: 'mine now', channelId: ch.channelId });
    await a.manager.idle();
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal' });
  });

  test('an error naming an establishment by its temporary id aborts it alone', async () => {
    const { a, b, ch } = await normalPair();
    bus.intercept = () => null;
    const p1 = await a.manager.open(b.nodeId, { fundingSat: 100_000n, channelType: 'static_remotekey' });
    const p2 = await a.manager.open(b.nodeId, { fundingSat: 100_000n, channelType: 'static_remotekey' });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'not today', channelId: p1.channelId });
    await a.manager.idle();
    expect(a.manager.byLocalId(p1.localId)).toMatchObject({ state: 'aborted', reason: 'peer error: not today' });
    expect(a.manager.byLocalId(p2.localId)).toMatchObject({ state: 'wait-for-accept-channel' });
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal' });
  });

  test('wait-for-remote-publish (the peer proved we lost state) never broadcasts: not on its error, not on force, not after a restart', async () => {
    const { a, b, ch } = await normalPair();
    a.peers.disconnect(b.nodeId);
    bus.intercept = () => null; // we answer by hand below
    reconnect(a, b);
    await a.manager.idle();
    const ours = a.peers.sent.filter((m) => m.type === 'channel_reestablish').at(-1);
    expect(ours).toBeDefined();
    // B claims commitment 5 and proves it with our (A's) per-commitment secret #4.
    const seed = a.keychain.channelKeys(ch.localId).shachainSeed;
    const proof: Message = {
      type: 'channel_reestablish',
      channelId: hexToBytes(ch.channelId),
      nextCommitmentNumber: 6n,
      nextRevocationNumber: 5n,
      yourLastPerCommitmentSecret: perCommitmentSecret(seed, 4),
      myCurrentPerCommitmentPoint: a.keychain.nodeId(),
    };
    const broadcasts = chain.broadcasts.length;
    a.peers.emit({ type: 'message', nodeId: b.nodeId, message: proof });
    await a.manager.idle();
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'wait-for-remote-publish' });
    expect(uiEvents(a, 'stale-state')).toHaveLength(1);

    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'closing', channelId: ch.channelId });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'everything', channelId: '00'.repeat(32) });
    await a.manager.idle();
    await expect(a.manager.close(ch.channelId, { force: true })).rejects.toThrow(/lost state/);
    await expect(a.manager.close(ch.channelId)).rejects.toThrow(/wait-for-remote-publish/);
    chain.mine(1);
    await a.manager.onTip();
    a.manager.stop();
    const a2 = await makeNode('alice', { store: a.store });
    chain.mine(1);
    await a2.manager.onTip();
    await a2.manager.idle();
    expect(a2.manager.get(ch.channelId)).toMatchObject({ state: 'wait-for-remote-publish' });
    expect(chain.broadcasts.length).toBe(broadcasts);
  });
});

describe('ChannelManager: reconnection', () => {
  test('connected → channel_reestablish both ways; the channel is usable again and can close', async () => {
    const { a, b, ch } = await normalPair();
    a.peers.disconnect(b.nodeId);
    b.peers.disconnect(a.nodeId);
    await a.manager.idle();
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal', usable: false });
    const sentA = a.peers.sent.length;
    const sentB = b.peers.sent.length;
    reconnect(a, b);
    await run(a, b);
    const typesA = a.peers.sent.slice(sentA).map((m) => m.type);
    const typesB = b.peers.sent.slice(sentB).map((m) => m.type);
    // BOLT 2: at commitment 0 both retransmit channel_ready after channel_reestablish.
    expect(typesA).toEqual(['channel_reestablish', 'channel_ready']);
    expect(typesB).toEqual(['channel_reestablish', 'channel_ready']);
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal', usable: true });
    const closing = a.manager.close(ch.channelId);
    await run(a, b);
    await expect(closing).resolves.toMatchObject({ closingTxid: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('a restarted manager reestablishes with peers already connected when it starts', async () => {
    const { a, b, ch } = await normalPair();
    a.manager.stop();
    const sentA = a.peers.sent.length;
    const a2 = await makeNode('alice', { store: a.store });
    expect(a2.peers.sent.slice(sentA).map((m) => m.type)).toEqual(['channel_reestablish']);
    // The restart dropped the connection, so the peer sees a reconnection and sends its own.
    b.peers.emit({ type: 'disconnected', nodeId: a.nodeId, reason: 'restart', willReconnect: true });
    b.peers.emit({ type: 'connected', peer: peerInfo(a.nodeId) });
    await run(a2, b);
    expect(a2.manager.get(ch.channelId)).toMatchObject({ state: 'normal', usable: true });
  });
});

describe('ChannelManager: an anchors open refused by the peer', () => {
  test('is retried once as static_remotekey under a new temporary id, reported as open-retried; a second refusal is final', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = () => null; // B never answers; it refuses by hand
    const first = await a.manager.open(b.nodeId, { fundingSat: 100_000n, channelType: 'anchors_zero_fee_htlc_tx' });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'No channels with anchor outputs accepted', channelId: first.channelId });
    await a.manager.idle();
    await settle();
    const retried = a.events.filter((e) => e.type === 'open-retried');
    expect(retried).toHaveLength(1);
    const r = retried[0]!;
    if (r.type !== 'open-retried') return;
    expect(r.previous).toMatchObject({ localId: first.localId, state: 'aborted' });
    expect(r.channel).toMatchObject({ state: 'wait-for-accept-channel', type: 'static_remotekey', capacitySat: 100_000n });
    expect(r.channel.channelId).not.toBe(first.channelId);
    const opens = a.peers.sent.filter((m) => m.type === 'open_channel');
    expect(opens).toHaveLength(2);

    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'still no', channelId: r.channel.channelId });
    await a.manager.idle();
    await settle();
    expect(a.manager.byLocalId(r.channel.localId)).toMatchObject({ state: 'aborted' });
    expect(a.peers.sent.filter((m) => m.type === 'open_channel')).toHaveLength(2);
    expect(a.events.filter((e) => e.type === 'open-retried')).toHaveLength(1);
  });

  test('a static_remotekey open refused is not retried', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = () => null;
    const first = await a.manager.open(b.nodeId, { fundingSat: 100_000n, channelType: 'static_remotekey' });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'no', channelId: first.channelId });
    await a.manager.idle();
    await settle();
    expect(a.peers.sent.filter((m) => m.type === 'open_channel')).toHaveLength(1);
    expect(a.events.filter((e) => e.type === 'open-retried')).toHaveLength(0);
  });
});
