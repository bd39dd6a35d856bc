/**
 * BOLT 2 "Updating Fees: update_fee" and the commitment_signed / revoke_and_ack dance against
 * real LDK nodes on the bcoin regtest chain, both channel types, both directions:
 *   - Glint funds, `ChannelManager.updateFee` → update_fee + commitment_signed → LDK revokes and
 *     signs → Glint revokes: LDK's ChannelDetails feerate and Glint's persisted commitments both
 *     show the new feerate; twice; then disconnect + reconnect → channel_reestablish at
 *     commitment numbers > 0 → still usable on both (a third update goes through).
 *   - LDK funds, its fee estimate changes (`LdkNode.setFeerate` → timer_tick_occurred) → LDK
 *     sends update_fee → Glint accepts (within ChannelLimits.updateFee*), revokes and signs back.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { Commitments } from '../../engine/channel/types.ts';
import {
  type Glint,
  type LdkPeer,
  type World,
  channelOf,
  connect,
  glintNode,
  ldkFeerate,
  ldkPeer,
  ldkUsable,
  openGlintToLdk,
  openLdkToGlint,
  restartGlint,
  startWorld,
  stopWorld,
  until,
} from '../harness/glint-ldk.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** Glint's persisted commitments of `channelId`, once its batches are done. */
async function saved(g: Glint, channelId: string): Promise<Commitments> {
  await g.channels.idle();
  const bytes = await g.store.get(`channel/${channelId}`);
  if (!bytes) throw new Error('no channel record');
  const s = decodeChannelState(bytes);
  if (s.type !== 'normal') throw new Error(`channel is ${s.type}`);
  return s.commitments;
}

/** Both commitments at `rate`, nothing pending, the update log settled; LDK agrees. */
async function settledAt(g: Glint, peer: LdkPeer, channelId: string, rate: number): Promise<Commitments> {
  await until(() => ldkFeerate(w.ldk, peer.node, channelId) === rate, `LDK feerate ${rate}`, 20_000, peer.node);
  let c = await saved(g, channelId);
  const deadline = Date.now() + 20_000;
  while (c.localCommit.spec.feeratePerKw !== rate || c.remoteCommit.spec.feeratePerKw !== rate || c.remoteNextCommit !== undefined) {
    if (Date.now() > deadline) throw new Error(`Glint commitments not settled at ${rate}: local ${c.localCommit.spec.feeratePerKw}, remote ${c.remoteCommit.spec.feeratePerKw}, pending ${c.remoteNextCommit !== undefined}`);
    await new Promise((r) => setTimeout(r, 10));
    c = await saved(g, channelId);
  }
  expect(c.localCommit.index).toBe(c.remoteCommit.index);
  expect(ldkUsable(peer.node, channelId)).toBe(true);
  return c;
}

/** Drop the TCP connection from Glint's side and dial again; wait for both sides to be usable. */
async function reconnect(g: Glint, peer: LdkPeer, localId: number): Promise<void> {
  const id = channelOf(g, localId).channelId;
  g.peers.disconnect(peer.node.nodeIdHex);
  await peer.node.waitForNoPeer(g.peers.nodeId);
  await until(() => !channelOf(g, localId).usable, 'Glint sees the disconnection');
  await connect(g, peer);
  await until(() => channelOf(g, localId).usable && ldkUsable(peer.node, id), 'usable again after channel_reestablish', 20_000, peer.node);
  // Reestablished, not failed: the channel is still normal on both.
  expect(channelOf(g, localId).state).toBe('normal');
}

describe.each([
  ['static_remotekey', false],
  ['anchors_zero_fee_htlc_tx', true],
] as const)('update_fee with LDK (%s)', (channelType, anchors) => {
  test('Glint funds: update_fee accepted by LDK, twice; reconnect → channel_reestablish at numbers > 0; a third update', async () => {
    const peer = await ldkPeer(w, `ldk-fundee-${channelType}`, { anchors });
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, channelType);
    expect(ldkFeerate(w.ldk, peer.node, ch.channelId)).toBe(253);

    await g.channels.updateFee(ch.channelId, 1000);
    const first = await settledAt(g, peer, ch.channelId, 1000);
    expect(first.localCommit.index).toBe(1);
    await g.channels.updateFee(ch.channelId, 2000);
    const second = await settledAt(g, peer, ch.channelId, 2000);
    expect(second.localCommit.index).toBe(2);
    // LDK revealed its secrets for commitments 0 and 1; balances did not move (the funder pays the fee).
    expect(channelOf(g, ch.localId)).toMatchObject({ localMsat: 100_000_000n, remoteMsat: 0n, usable: true });

    await reconnect(g, peer, ch.localId);
    await g.channels.updateFee(ch.channelId, 1500);
    const third = await settledAt(g, peer, ch.channelId, 1500);
    expect(third.localCommit.index).toBe(3);

    // Refusals name the problem and send nothing.
    await expect(g.channels.updateFee(ch.channelId, 1500)).rejects.toThrow(/already 1500/);
    await expect(g.channels.updateFee(ch.channelId, 100)).rejects.toThrow(/feeratePerKw/);
  });

  test('LDK funds: its update_fee (fee estimate raised, then halved) is accepted by Glint; reconnect; still usable', async () => {
    const peer = await ldkPeer(w, `ldk-funder-${channelType}`, { anchors });
    const g = await glintNode(w, { minimumDepth: 1 });
    const ch = await openLdkToGlint(w, g, peer, { seed: `update-fee funder ${channelType}` });
    expect(ch.type).toBe(channelType);
    expect(ldkFeerate(w.ldk, peer.node, ch.channelId)).toBe(253);
    await expect(g.channels.updateFee(ch.channelId, 1000)).rejects.toThrow(/only the funder/);

    peer.node.setFeerate(1200);
    const first = await settledAt(g, peer, ch.channelId, 1200);
    expect(first.localCommit.index).toBe(1);
    peer.node.setFeerate(2400);
    await settledAt(g, peer, ch.channelId, 2400);

    await reconnect(g, peer, ch.localId);
    // LDK lowers its feerate only when its estimate falls below half of it.
    peer.node.setFeerate(1000);
    const third = await settledAt(g, peer, ch.channelId, 1000);
    expect(third.localCommit.index).toBe(3);
    expect(channelOf(g, ch.localId)).toMatchObject({ state: 'normal', usable: true, localMsat: 5_000_000n });
  });
});

describe('restart after fee updates', () => {
  test('Glint restarted from its store (snapshot v2) after two updates: channel_reestablish at numbers > 0 with LDK, then another update', async () => {
    const peer = await ldkPeer(w, 'ldk-restart', { anchors: true });
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, 'anchors_zero_fee_htlc_tx');
    await g.channels.updateFee(ch.channelId, 1000);
    await settledAt(g, peer, ch.channelId, 1000);
    await g.channels.updateFee(ch.channelId, 2000);
    await settledAt(g, peer, ch.channelId, 2000);
    const again = await restartGlint(w, g);
    await peer.node.waitForNoPeer(g.peers.nodeId);

    const loaded = again.channels.get(ch.channelId);
    expect(loaded).toMatchObject({ state: 'normal', usable: false });
    await connect(again, peer);
    await until(() => again.channels.get(ch.channelId)?.usable === true && ldkUsable(peer.node, ch.channelId), 'usable after restart + channel_reestablish', 20_000, peer.node);
    await again.channels.updateFee(ch.channelId, 1500);
    const c = await settledAt(again, peer, ch.channelId, 1500);
    expect(c.localCommit.index).toBe(3);
  });
});

describe('automatic update_fee as funder', () => {
  test('a new tip with our estimate > 25% above the commitment feerate sends update_fee; LDK accepts', async () => {
    const peer = await ldkPeer(w, 'ldk-auto', { anchors: true });
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, 'anchors_zero_fee_htlc_tx');
    g.feerate.perKw = 300; // +19%: not worth an update
    await w.chain.mine(1);
    await g.channels.onTip();
    expect((await saved(g, ch.channelId)).localCommit.index).toBe(0);
    g.feerate.perKw = 800;
    await w.chain.mine(1);
    await g.channels.onTip();
    const c = await settledAt(g, peer, ch.channelId, 800);
    expect(c.localCommit.index).toBe(1);
  });
});
