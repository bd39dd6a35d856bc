/**
 * ChannelManager (engine/node/channels.ts) with two nodes in memory: a message bus standing in for
 * PeerManager (every message goes through the real wire codec), a fake chain that mines real
 * merkle trees, and a wallet that builds the harness's fake segwit funding transaction.
 *
 * What is pinned: routing by temporary_channel_id / channel_id, one `channel/<id>` record per
 * funded channel written before anything depending on it leaves (funding_signed, the funding
 * broadcast), the short_channel_id from the merkle-proven tx position, reload from the store
 * (watch and re-publish resumed), a store failure freezing the channel with nothing sent, the
 * per-peer cap on channels in establishment, all-channel `error`s (BOLT 1), and an idle tip costing
 * one request. Closing, error routing by channel_id and reestablishment: node-channels-close.test.ts.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beforeEach, describe, expect, test } from 'vitest';
import { decodeChannelState, encodeChannelState } from '../../engine/channel/codec.ts';
import { initialCommitments, keysFor, signRemoteCommitment } from '../../engine/channel/commitments.ts';
import { newOutboundChannel, reduce } from '../../engine/channel/reducer.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { CHANNEL_INDEX_KEY, MAX_PENDING_INBOUND_PER_PEER } from '../../engine/node/channels.ts';
import { chainHash } from '../../engine/wire/chains.ts';
import type { Message } from '../../engine/wire/message.ts';
import { Bus, FakeChain, type TestNode, connect, entropyOf, makeNode as makeManagerNode, settle, tip as tipAll, txidOf } from '../harness/manager-fakes.ts';

let bus: Bus;
let chain: FakeChain;
const makeNode = (name: string, opts: Parameters<typeof makeManagerNode>[2] = {}): Promise<TestNode> => makeManagerNode({ bus, chain }, name, opts);
const tip = (...nodes: TestNode[]): Promise<void> => tipAll(bus, ...nodes);

beforeEach(() => {
  bus = new Bus();
  chain = new FakeChain();
});

/** A opens to B and both reach wait-for-funding-confirmed. */
async function openPair(type: 'static_remotekey' | 'anchors_zero_fee_htlc_tx' = 'anchors_zero_fee_htlc_tx') {
  const a = await makeNode('alice');
  const b = await makeNode('bob');
  connect(a, b);
  const opened = await a.manager.open(b.nodeId, { fundingSat: 250_000n, pushMsat: 10_000_000n, channelType: type });
  await bus.deliverAll();
  await a.manager.idle();
  await b.manager.idle();
  await bus.deliverAll();
  return { a, b, opened };
}

// ---- tests ----------------------------------------------------------------------------------------

describe('ChannelManager: establishment between two nodes', () => {
  test('open → accept → funding → funding_signed → broadcast → depth → channel_ready both ways → normal', async () => {
    const { a, b, opened } = await openPair();
    expect(opened).toMatchObject({ localId: 0, state: 'wait-for-accept-channel', peer: b.nodeId, isFunder: true, capacitySat: 250_000n });
    const ca = a.manager.byLocalId(opened.localId)!;
    const [cb] = b.manager.list();
    expect(ca.state).toBe('wait-for-funding-confirmed');
    expect(cb).toMatchObject({ state: 'wait-for-funding-confirmed', channelId: ca.channelId, isFunder: false, localMsat: 10_000_000n, remoteMsat: 240_000_000n });
    expect(ca).toMatchObject({ localMsat: 240_000_000n, remoteMsat: 10_000_000n, minimumDepth: 3, usable: false });

    // Both records are durable, under channel/<id>; the key index counter too.
    const key = `channel/${ca.channelId}`;
    expect(decodeChannelState((await a.store.get(key))!).type).toBe('wait-for-funding-confirmed');
    expect(decodeChannelState((await b.store.get(key))!).type).toBe('wait-for-funding-confirmed');
    expect(await a.store.get(CHANNEL_INDEX_KEY)).toEqual(Uint8Array.of(1, 0, 0, 0, 1));

    // The funder broadcast the funding tx once (through the wallet).
    expect(chain.broadcasts).toHaveLength(1);
    expect(txidOf(chain.broadcasts[0]!)).toBe(ca.fundingTxid);

    chain.mine(1);
    await tip(a, b);
    expect(a.manager.byLocalId(0)!.state).toBe('wait-for-funding-confirmed');
    chain.mine(2);
    await tip(a, b);
    const na = a.manager.byLocalId(0)!;
    const nb = b.manager.list()[0]!;
    const conf = chain.confirmed.get(ca.fundingTxid!)!;
    expect(na).toMatchObject({ state: 'normal', usable: true, shortChannelId: `${conf.height}x${conf.pos}x${ca.fundingOutputIndex}` });
    expect(nb).toMatchObject({ state: 'normal', usable: true, shortChannelId: na.shortChannelId });
    expect(a.events.some((e) => e.type === 'channel' && e.event.type === 'channel-ready')).toBe(true);
    expect(decodeChannelState((await a.store.get(key))!).type).toBe('normal');
  });

  test('static_remotekey too; the peer disconnecting makes the channel unusable, not gone', async () => {
    const { a, b } = await openPair('static_remotekey');
    chain.mine(3);
    await tip(a, b);
    expect(a.manager.list()[0]).toMatchObject({ state: 'normal', type: 'static_remotekey', usable: true });
    a.peers.disconnect(b.nodeId);
    await a.manager.idle();
    expect(a.manager.list()[0]).toMatchObject({ state: 'normal', usable: false });
  });

  test('no funding_signed is sent and no broadcast happens before the record is durable', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    await a.manager.open(b.nodeId, { fundingSat: 250_000n });
    const release = holdOnFundingCreated(b);
    await bus.deliverAll();
    await settle();
    expect(b.manager.list()[0]!.state).toBe('wait-for-funding-confirmed'); // in memory
    expect(b.peers.sent.map((m) => m.type)).not.toContain('funding_signed');
    expect(chain.broadcasts).toHaveLength(0);
    release();
    await b.manager.idle();
    await bus.deliverAll();
    await a.manager.idle();
    expect(b.peers.sent.map((m) => m.type)).toContain('funding_signed');
    expect(chain.broadcasts).toHaveLength(1);
  });

  test('a store failure on the funded record freezes the channel: funding_signed never goes out', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob', { barrierRetry: false });
    connect(a, b);
    await a.manager.open(b.nodeId, { fundingSat: 250_000n });
    bus.intercept = (_from, m) => {
      if (m.type === 'funding_created') b.store.failNextWrite(new Error('disk full'));
      return m;
    };
    await bus.deliverAll();
    await b.manager.idle();
    await bus.deliverAll();
    expect(b.peers.sent.map((m) => m.type)).not.toContain('funding_signed');
    expect(b.manager.list()[0]!.frozen).toMatch(/disk full/);
    expect(await b.store.keys('channel/')).toEqual([]);
    expect(chain.broadcasts).toHaveLength(0);
    expect(a.manager.list()[0]!.state).toBe('wait-for-funding-signed');
  });
});

/** Hold B's store writes from the moment funding_created is delivered; returns the release. */
function holdOnFundingCreated(b: TestNode): () => void {
  let release: (() => void) | undefined;
  bus.intercept = (_from, m) => {
    if (m.type === 'funding_created') release = b.store.holdWrites();
    return m;
  };
  return () => release?.();
}

describe('ChannelManager: restart', () => {
  test('reloads every channel from the store: DTOs equal, funding watched again, funder re-publishes', async () => {
    const { a, b } = await openPair();
    const before = a.manager.list()[0]!;
    a.manager.stop();
    chain.broadcasts.length = 0;
    const a2 = await makeNode('alice', { store: a.store });
    expect(a2.manager.list()).toEqual([{ ...before }]);
    await settle();
    expect(chain.broadcasts.map(txidOf)).toEqual([before.fundingTxid]);
    // A new channel does not reuse key index 0.
    const again = await a2.manager.open(b.nodeId, { fundingSat: 300_000n });
    expect(again.localId).toBe(1);
    // The reloaded channel still reaches normal.
    await bus.deliverAll();
    chain.mine(3);
    await tip(a2, b);
    expect(a2.manager.byLocalId(0)).toMatchObject({ state: 'normal', usable: true });
  });

  test('an idle tip costs one request', async () => {
    const { a, b } = await openPair();
    chain.mine(3);
    await tip(a, b);
    chain.calls = {};
    await a.manager.onTip();
    await a.manager.onTip();
    expect(chain.calls).toEqual({ tip: 2 });
  });
});

describe('ChannelManager: routing and limits', () => {
  test('a peer error with an all-zero channel_id fails every channel with that peer (BOLT 1): establishments abort, funded ones force-close', async () => {
    const { a, b } = await openPair();
    const funded = a.manager.list()[0]!;
    // A second channel in establishment (B will not answer it).
    bus.intercept = (_from, m) => (m.type === 'open_channel' ? null : m);
    const pending = await a.manager.open(b.nodeId, { fundingSat: 300_000n });
    a.peers.emit({ type: 'remote-error', nodeId: b.nodeId, kind: 'error', text: 'something broke', channelId: '00'.repeat(32) });
    await a.manager.idle();
    expect(a.manager.byLocalId(pending.localId)).toMatchObject({ state: 'aborted' });
    expect(a.manager.byLocalId(funded.localId)).toMatchObject({ state: 'force-closing', reason: 'peer error: something broke' });
    // The funding, then our commitment #0 spending it.
    expect(chain.broadcasts).toHaveLength(2);
    expect(bytesToHex(Transaction.fromBuffer(chain.broadcasts[1]!).ins[0]!.hash.slice().reverse())).toBe(funded.fundingTxid);
    expect(a.events.some((e) => e.type === 'peer-error' && e.text === 'something broke' && e.channelId === '00'.repeat(32))).toBe(true);
  });

  test('messages for no channel of ours are ignored', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    b.peers.emit({ type: 'message', nodeId: a.nodeId, message: { type: 'channel_ready', channelId: new Uint8Array(32).fill(9), secondPerCommitmentPoint: a.keychain.nodeId() } });
    await b.manager.idle();
    expect(b.manager.list()).toEqual([]);
    expect(b.peers.sent).toEqual([]);
  });

  test(`at most ${MAX_PENDING_INBOUND_PER_PEER} channels in establishment per peer`, async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = (_from, m) => (m.type === 'funding_created' ? null : m);
    for (let i = 0; i < MAX_PENDING_INBOUND_PER_PEER + 1; i++) await a.manager.open(b.nodeId, { fundingSat: 100_000n });
    await bus.deliverAll();
    await b.manager.idle();
    expect(b.manager.list().filter((c) => c.state === 'wait-for-funding-created')).toHaveLength(MAX_PENDING_INBOUND_PER_PEER);
    expect(b.peers.sent.filter((m) => m.type === 'error')).toHaveLength(1);
  });

  test('the channel type defaults to anchors only when the peer offers option_anchors', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = () => null;
    expect((await a.manager.open(b.nodeId, { fundingSat: 100_000n })).type).toBe('static_remotekey');
    a.peers.features.set(b.nodeId, { option_anchors: 'optional' });
    expect((await a.manager.open(b.nodeId, { fundingSat: 100_000n })).type).toBe('anchors_zero_fee_htlc_tx');
  });

  test('open is refused for a peer we are not connected to, or a bad amount, and nothing is sent', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    await expect(a.manager.open(b.nodeId, { fundingSat: 100_000n })).rejects.toThrow(/not connected/);
    connect(a, b);
    await expect(a.manager.open(b.nodeId, { fundingSat: 10n })).rejects.toThrow(/fundingSat/);
    expect(a.peers.sent).toEqual([]);
    expect(a.manager.list()).toEqual([]);
  });

  test('the wallet failing to fund aborts the opening with an error to the peer', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    a.wallet.fail = 'insufficient funds';
    await a.manager.open(b.nodeId, { fundingSat: 100_000n });
    await bus.deliverAll();
    await a.manager.idle();
    expect(a.manager.list()[0]).toMatchObject({ state: 'aborted', reason: expect.stringMatching(/insufficient funds/) });
    expect(a.peers.sent.map((m) => m.type)).toEqual(['open_channel', 'error']);
  });

  test('the peer disconnecting mid-establishment aborts it and releases the funding coins', async () => {
    const a = await makeNode('alice');
    const b = await makeNode('bob');
    connect(a, b);
    bus.intercept = (_from, m) => (m.type === 'funding_signed' ? null : m);
    await a.manager.open(b.nodeId, { fundingSat: 100_000n });
    await bus.deliverAll();
    await a.manager.idle();
    expect(a.manager.list()[0]!.state).toBe('wait-for-funding-signed');
    a.peers.disconnect(b.nodeId);
    await a.manager.idle();
    expect(a.manager.list()[0]!.state).toBe('aborted');
    expect(a.wallet.cancelled).toHaveLength(1);
    expect(chain.broadcasts).toHaveLength(0);
  });
});

describe('ChannelManager: a peer naming another channel\'s funding outpoint', () => {
  test('cannot overwrite that channel\'s record: the step is refused and the new channel aborted', async () => {
    // X: an honest channel alice → bob, funded and persisted on bob's side.
    const { a, b } = await openPair();
    const x = b.manager.list()[0]!;
    const recordX = await b.store.get(`channel/${x.channelId}`);
    expect(decodeChannelState(recordX!).type).toBe('wait-for-funding-confirmed');

    // Y: alice (as a raw reducer with her own keys) opens a second channel to bob, then signs bob's
    // commitment #0 of Y over X's funding outpoint — a valid signature, for an output that is not Y's.
    const ctx = {
      chainHash: chainHash('regtest'),
      config: DEFAULT_CHANNEL_CONFIG,
      blockHeight: chain.height,
      nowSec: 1_800_000_000,
      feeratePerKw: 2500,
      channelKeys: (i: number) => a.keychain.channelKeys(i),
      randomBytes: entropyOf('attacker').randomBytes,
    };
    let y = reduce(newOutboundChannel(77), { type: 'open', peerNodeId: b.keychain.nodeId(), fundingSat: 200_000n, pushMsat: 0n, channelType: 'anchors_zero_fee_htlc_tx', feeratePerKw: 2500 }, ctx);
    const open = y.actions.find((act) => act.type === 'send')!;
    bus.intercept = (_from, m) => {
      if (m.type === 'accept_channel') y = reduce(y.state, { type: 'message', message: m }, ctx);
      return null;
    };
    b.peers.emit({ type: 'message', nodeId: a.nodeId, message: open.type === 'send' ? (open.message as Message) : (undefined as never) });
    await b.manager.idle();
    await bus.deliverAll();
    expect(y.state.type).toBe('wait-for-funding-internal');
    if (y.state.type !== 'wait-for-funding-internal') return;
    const n = y.state.negotiated;
    const xState = decodeChannelState(recordX!);
    if (xState.type !== 'wait-for-funding-confirmed') return;
    const outpoint = xState.commitments.fundingOutpoint;
    const keys = keysFor(n.localParams, a.keychain.channelKeys(77));
    const forged = initialCommitments(n, true, xState.commitments.channelId, outpoint, keys);
    const signature = signRemoteCommitment(forged.remote, keys);
    const sentBefore = b.peers.sent.length;
    b.peers.emit({
      type: 'message',
      nodeId: a.nodeId,
      message: { type: 'funding_created', temporaryChannelId: n.temporaryChannelId, fundingTxid: outpoint.txid, fundingOutputIndex: outpoint.index, signature },
    });
    await b.manager.idle();

    // X's record is untouched, Y is aborted, bob sent an error on Y's temporary id and no funding_signed.
    expect(await b.store.get(`channel/${x.channelId}`)).toEqual(recordX);
    expect(encodeChannelState(decodeChannelState((await b.store.get(`channel/${x.channelId}`))!))).toEqual(recordX);
    const yInfo = b.manager.get(bytesToHex(n.temporaryChannelId));
    expect(yInfo).toMatchObject({ state: 'aborted', reason: expect.stringMatching(/already used by another channel/) });
    const sent = b.peers.sent.slice(sentBefore);
    expect(sent.map((m) => m.type)).toEqual(['error']);
    expect(sent[0]!.type === 'error' && bytesToHex(sent[0]!.channelId)).toBe(bytesToHex(n.temporaryChannelId));
    expect(b.manager.get(x.channelId)).toMatchObject({ state: 'wait-for-funding-confirmed', localId: x.localId });
  });
});
