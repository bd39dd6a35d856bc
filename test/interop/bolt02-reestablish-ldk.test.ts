/**
 * BOLT 2 "Message Retransmission" (channel_reestablish) against a real LDK node on the bcoin
 * regtest chain:
 *
 *   - the connection drops and comes back: both sides send channel_reestablish (commitment 0:
 *     next_commitment_number 1, next_revocation_number 0), channel_ready is retransmitted, and
 *     the channel is usable on both sides again — proven by LDK listing it usable (LDK marks a
 *     channel usable only after it accepted our channel_reestablish) and by a cooperative close
 *     negotiated over the new connection;
 *   - Glint restarts from its store (new PeerManager + ChannelManager + wallet over the same raw
 *     store) with a channel in `normal`, and mid-establishment with the funding unconfirmed:
 *     the channels reload, reestablish after reconnecting, reach / stay usable.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bytesToHex } from '../../engine/index.ts';
import type { ChannelInfo } from '../../engine/node/channels.ts';
import type { Message } from '../../engine/wire/message.ts';
import { RegtestChain, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { type Env, type Glint, channelOf, connect, glintNode, mine, restartGlint, stopAll, until, usableWith } from '../harness/glint-ldk.ts';

let env: Env;
let chain: RegtestChain;
let esplora: EsploraServer;
let peer: { node: LdkNode; feed: LdkFeed; port: number };
const glints: Glint[] = [];

beforeAll(async () => {
  chain = await RegtestChain.create();
  esplora = await startEsplora(chain, { port: 0 });
  env = { chain, esplora };
  const a = await createLdkNodeAtTip(chain, { alias: 'ldk-reestablish', config: { minimumDepth: 1 } });
  peer = { ...a, port: await a.node.listen() };
}, 60_000);

afterAll(async () => {
  stopAll(glints);
  peer?.feed.detach();
  await peer?.node.stop();
  await esplora?.close();
  await chain?.close();
});

/** Messages Glint receives from the LDK peer, by type. */
function received(g: Glint): Message[] {
  const out: Message[] = [];
  g.peers.subscribe((e) => {
    if (e.type === 'message') out.push(e.message);
  });
  return out;
}

/** Glint opens to LDK; returns the channel once funding_signed is in (funding tx in the mempool, not mined). */
async function openUnconfirmed(g: Glint): Promise<ChannelInfo> {
  await connect(g, peer);
  const opened = await g.channels.open(peer.node.nodeIdHex, { fundingSat: 100_000n, channelType: 'static_remotekey' });
  await until(() => channelOf(g, opened.localId).state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, peer.node);
  const ch = channelOf(g, opened.localId);
  await until(() => chain.mempoolTxids().includes(ch.fundingTxid!), 'the funding tx in the mempool');
  return ch;
}

async function untilUsable(g: Glint, ch: ChannelInfo): Promise<void> {
  await until(() => channelOf(g, ch.localId).usable, 'usable on Glint', 20_000, peer.node);
  await until(() => usableWith(peer.node, g.peers.nodeId).some((d) => bytesToHex(d.get_channel_id().get_a()) === ch.channelId), 'usable on LDK', 20_000, peer.node);
}

/** The channel carries a full exchange: a cooperative close negotiated and broadcast. */
async function closesCooperatively(g: Glint, ch: ChannelInfo): Promise<void> {
  const { closingTxid } = await g.channels.close(ch.channelId);
  await until(() => chain.mempoolTxids().includes(closingTxid), 'the mutual close tx in the mempool', 20_000, peer.node);
  expect(channelOf(g, ch.localId).state).toBe('closing');
}

function ldkHasNoPeer(g: Glint): Promise<void> {
  return peer.node.waitForNoPeer(g.peers.nodeId);
}

describe('BOLT 2 channel_reestablish with LDK', () => {
  test('disconnect and reconnect: channel_reestablish both ways, channel usable on both sides again', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openUnconfirmed(g);
    await mine(env, g, 1);
    await untilUsable(g, ch);

    g.peers.disconnect(peer.node.nodeIdHex);
    await ldkHasNoPeer(g);
    expect(channelOf(g, ch.localId)).toMatchObject({ state: 'normal', usable: false });
    expect(usableWith(peer.node, g.peers.nodeId)).toEqual([]);

    const inbox = received(g);
    await connect(g, peer);
    await untilUsable(g, ch);
    // LDK's channel_reestablish for this channel at commitment 0, and its channel_ready again.
    await until(() => inbox.some((m) => m.type === 'channel_reestablish'), 'LDK channel_reestablish');
    const theirs = inbox.find((m) => m.type === 'channel_reestablish');
    expect(theirs).toMatchObject({ type: 'channel_reestablish', nextCommitmentNumber: 1n, nextRevocationNumber: 0n });
    expect(theirs && 'channelId' in theirs ? bytesToHex(theirs.channelId) : '').toBe(ch.channelId);
    expect(channelOf(g, ch.localId)).toMatchObject({ state: 'normal', usable: true });
    await closesCooperatively(g, ch);
  });

  test('Glint restarts from its store with a channel in normal: reloaded, reestablished after reconnecting, usable, closes', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openUnconfirmed(g);
    await mine(env, g, 1);
    await untilUsable(g, ch);

    const g2 = await restartGlint(env, g, glints);
    await ldkHasNoPeer(g);
    expect(g2.peers.nodeId).toBe(g.peers.nodeId);
    expect(g2.channels.get(ch.channelId)).toMatchObject({
      localId: ch.localId,
      state: 'normal',
      usable: false,
      capacitySat: 100_000n,
      localMsat: ch.localMsat,
      shortChannelId: channelOf(g, ch.localId).shortChannelId,
    });
    const inbox = received(g2);
    await connect(g2, peer);
    await untilUsable(g2, ch);
    expect(inbox.some((m) => m.type === 'channel_reestablish')).toBe(true);
    await closesCooperatively(g2, ch);
  });

  test('Glint restarts mid-establishment (funding broadcast, unconfirmed): reloaded, funding re-watched; after reconnect and a block, channel_ready both ways, usable', async () => {
    const g = await glintNode(env, { fundSat: 1_000_000 }, glints);
    const ch = await openUnconfirmed(g);

    const g2 = await restartGlint(env, g, glints);
    await ldkHasNoPeer(g);
    expect(g2.channels.get(ch.channelId)).toMatchObject({ state: 'wait-for-funding-confirmed', fundingTxid: ch.fundingTxid, usable: false });
    await connect(g2, peer);
    await mine(env, g2, 1);
    await until(() => channelOf(g2, ch.localId).state === 'normal', 'normal on Glint', 20_000, peer.node);
    await untilUsable(g2, ch);
    const block = chain.index.tx(ch.fundingTxid!)!.block!;
    expect(channelOf(g2, ch.localId).shortChannelId).toBe(`${block.height}x${block.pos}x${ch.fundingOutputIndex}`);
    await closesCooperatively(g2, ch);
  });
});
