/**
 * Zero-conf channels in the ChannelManager (engine/node/channels.ts + channel-chain.ts), two nodes
 * in memory: the trusted set (ChannelManagerOptions.trustedPeers) is read per step and reaches the
 * reducer as ctx.zeroConfPeer; a zero-conf channel is usable before any block; its funding stays
 * watched through wait-for-channel-ready and normal (the manager drops watches on a state change
 * otherwise) and across a restart, so the first block records the merkle-proven short_channel_id.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { Bus, FakeChain, type TestNode, connect, makeNode as makeManagerNode, settle, tip as tipAll, txidOf } from '../harness/manager-fakes.ts';

let bus: Bus;
let chain: FakeChain;
const makeNode = (name: string, opts: Parameters<typeof makeManagerNode>[2] = {}): Promise<TestNode> => makeManagerNode({ bus, chain }, name, opts);
const tip = (...nodes: TestNode[]): Promise<void> => tipAll(bus, ...nodes);

beforeEach(() => {
  bus = new Bus();
  chain = new FakeChain();
});

async function settleAll(...nodes: TestNode[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await bus.deliverAll();
    for (const n of nodes) await n.manager.idle();
  }
}

/** Alice opens to Bob; Bob trusts `trusted` (a set he keeps, read per step). */
async function openZeroConf(trusted: Set<string>) {
  const a = await makeNode('alice');
  const b = await makeNode('bob', { trusted });
  connect(a, b);
  trusted.add(a.nodeId);
  const opened = await a.manager.open(b.nodeId, { fundingSat: 250_000n, pushMsat: 10_000_000n, channelType: 'anchors_zero_fee_htlc_tx' });
  await settleAll(a, b);
  return { a, b, opened };
}

describe('ChannelManager: zero-conf', () => {
  test('a trusted funder: normal and usable on both before any block; one block later both hold the real short_channel_id', async () => {
    const { a, b, opened } = await openZeroConf(new Set());
    const ours = a.manager.byLocalId(opened.localId)!;
    expect(ours).toMatchObject({ state: 'normal', usable: true });
    expect(ours.shortChannelId).toBeUndefined();
    expect(b.manager.list()[0]).toMatchObject({ state: 'normal', usable: true });
    expect(chain.mempool.has(ours.fundingTxid!)).toBe(true);
    expect(chain.confirmed.size).toBe(0);

    chain.mine(1);
    await tip(a, b);
    await settleAll(a, b);
    const c = chain.confirmed.get(ours.fundingTxid!)!;
    const scid = `${c.height}x${c.pos}x${ours.fundingOutputIndex}`;
    expect(a.manager.byLocalId(opened.localId)!.shortChannelId).toBe(scid);
    expect(b.manager.list()[0]!.shortChannelId).toBe(scid);
    // Durable: the records hold it.
    const saved = decodeChannelState((await b.store.get(`channel/${ours.channelId}`))!);
    expect(saved.type === 'normal' ? saved.shortChannelId : undefined).toBeDefined();
  });

  test('restarted before the funding confirms: both reload normal without a short_channel_id, the funding is watched again, the block records it', async () => {
    const trusted = new Set<string>();
    const { a, b, opened } = await openZeroConf(trusted);
    const id = a.manager.byLocalId(opened.localId)!.channelId;
    a.manager.stop();
    b.manager.stop();
    // Offline: no peer-connected step after the reload, so only the resumed watch can see the block.
    a.peers.connected.clear();
    b.peers.connected.clear();
    const fundingTxid = a.manager.get(id)!.fundingTxid!;
    chain.mempool.clear(); // evicted meanwhile: the funder must publish it again
    chain.broadcasts.length = 0;
    const a2 = await makeNode('alice', { store: a.store });
    const b2 = await makeNode('bob', { store: b.store, trusted });
    expect(a2.manager.get(id)).toMatchObject({ state: 'normal' });
    expect(a2.manager.get(id)!.shortChannelId).toBeUndefined();
    await settle();
    expect(chain.broadcasts.map(txidOf)).toEqual([fundingTxid]);
    chain.mine(1);
    await tip(a2, b2);
    await settle();
    expect(a2.manager.get(id)!.shortChannelId).toMatch(/^\d+x\d+x\d+$/);
    expect(b2.manager.get(id)!.shortChannelId).toBe(a2.manager.get(id)!.shortChannelId);
  });

  test('untrusted (or trust withdrawn before the open): the configured depth applies', async () => {
    const trusted = new Set<string>();
    const a = await makeNode('alice');
    const b = await makeNode('bob', { trusted });
    connect(a, b);
    await a.manager.open(b.nodeId, { fundingSat: 250_000n });
    await settleAll(a, b);
    expect(b.manager.list()[0]).toMatchObject({ state: 'wait-for-funding-confirmed', minimumDepth: 3 });
    expect(a.manager.list()[0]).toMatchObject({ state: 'wait-for-funding-confirmed', minimumDepth: 3 });
    chain.mine(1);
    await tip(a, b);
    expect(a.manager.list()[0]!.state).toBe('wait-for-funding-confirmed');
  });
});
