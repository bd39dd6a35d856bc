/**
 * BOLT 2 HTLCs through the commitment dance against real LDK nodes on the bcoin regtest chain,
 * both channel types: Glint offers HTLCs whose onion LDK cannot read (BOLT 4: its HMAC fails),
 * so LDK must answer update_fail_malformed_htlc with BADONION set. On the way each side checks
 * the other's HTLC signatures (LDK ours in our commitment_signed, Glint LDK's, SIGHASH_SINGLE|
 * ANYONECANPAY with anchors), the HTLC is irrevocably committed on both, then removed on both:
 * Glint reports `htlc-failed` with the malformed code, the commitments hold no HTLC, the balances
 * are unchanged, and the channel stays usable (a second batch of two HTLCs goes the same way).
 *
 * The channel reducer is driven directly with `add-htlc` (the payments layer wraps this later).
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { ChannelEvent } from '../../engine/channel/events.ts';
import type { ChannelState, Commitments } from '../../engine/channel/types.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { type Glint, type World, channelOf, connect, glintNode, ldkPeer, ldkUsable, openGlintToLdk, restartGlint, startWorld, stopWorld, until } from '../harness/glint-ldk.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** The ChannelManager's per-channel entries and step (private: the payments layer exposes HTLCs later). */
interface ManagerInternals {
  entries: { state: ChannelState }[];
  dispatch(entry: unknown, event: ChannelEvent): unknown;
}

function addHtlc(g: Glint, channelId: string, n: number, amountMsat: bigint, cltvExpiry: number): void {
  const m = g.channels as unknown as ManagerInternals;
  const entry = m.entries.find((e) => 'commitments' in e.state && bytesToHex(e.state.commitments.channelId) === channelId);
  if (!entry) throw new Error('no such channel entry');
  const onion = new Uint8Array(1366);
  for (let i = 0; i < 1366; i += 32) onion.set(sha256(Uint8Array.of(n, i >> 8, i & 0xff)).subarray(0, Math.min(32, 1366 - i)), i);
  onion[0] = 0; // version 0, a valid-looking point is not needed: the HMAC check fails either way
  onion.set(Uint8Array.of(0x02, ...sha256(Uint8Array.of(0xee, n))), 1);
  m.dispatch(entry, { type: 'add-htlc', amountMsat, paymentHash: sha256(Uint8Array.of(0x99, n)), cltvExpiry, onionRoutingPacket: onion, tag: `interop-${n}` });
}

async function saved(g: Glint, channelId: string): Promise<Commitments> {
  await g.channels.idle();
  const bytes = await g.store.get(`channel/${channelId}`);
  if (!bytes) throw new Error('no channel record');
  const s = decodeChannelState(bytes);
  if (s.type !== 'normal') throw new Error(`channel is ${s.type}`);
  return s.commitments;
}

function htlcEvents(g: Glint, type: string): Record<string, unknown>[] {
  return g.events.flatMap((e) => (e.type === 'channel' && (e.event as { type: string }).type === type ? [e.event as Record<string, unknown>] : []));
}

describe.each([
  ['static_remotekey', false],
  ['anchors_zero_fee_htlc_tx', true],
] as const)('HTLCs with LDK (%s)', (channelType, anchors) => {
  test('Glint offers HTLCs LDK cannot route: both sign each other\'s HTLC transactions, LDK fails them malformed, Glint reports it', async () => {
    const peer = await ldkPeer(w, `ldk-htlc-${channelType}`, { anchors });
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, channelType, 200_000n);
    const before = await saved(g, ch.channelId);
    const height = w.chain.height;

    addHtlc(g, ch.channelId, 1, 5_000_000n, height + 100);
    await until(() => htlcEvents(g, 'htlc-failed').length === 1, 'LDK fails the HTLC back', 30_000, peer.node);
    expect(htlcEvents(g, 'htlc-added')).toHaveLength(1);
    const failed = htlcEvents(g, 'htlc-failed')[0]!;
    expect(failed.tag).toBe('interop-1');
    const malformed = failed.malformed as { failureCode: number };
    expect(malformed.failureCode & 0x8000).toBe(0x8000);

    // Then two at once (one batch, one commitment_signed with two HTLC signatures).
    addHtlc(g, ch.channelId, 2, 7_000_000n, height + 100);
    addHtlc(g, ch.channelId, 3, 8_000_000n, height + 120);
    await until(() => htlcEvents(g, 'htlc-failed').length === 3, 'LDK fails both back', 30_000, peer.node);

    let c = await saved(g, ch.channelId);
    const deadline = Date.now() + 20_000;
    while (c.remoteNextCommit !== undefined || c.localCommit.spec.htlcs.length > 0 || c.remoteCommit.spec.htlcs.length > 0) {
      if (Date.now() > deadline) throw new Error('Glint commitments did not settle');
      await new Promise((r) => setTimeout(r, 10));
      c = await saved(g, ch.channelId);
    }
    expect(c.localCommit.index).toBeGreaterThanOrEqual(before.localCommit.index + 2);
    expect(c.log.local.adds).toEqual([]);
    expect(c.localCommit.spec.toLocalMsat).toBe(before.localCommit.spec.toLocalMsat);
    expect(channelOf(g, ch.localId)).toMatchObject({ state: 'normal', usable: true });
    expect(ldkUsable(peer.node, ch.channelId)).toBe(true);
  }, 120_000);
});

describe('shutdown with an HTLC pending, with LDK', () => {
  test('Glint closes while its HTLC is in flight: both shut down, LDK fails the HTLC back in shutting-down, then the mutual close', async () => {
    const peer = await ldkPeer(w, 'ldk-htlc-shutdown', { anchors: true });
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, 'anchors_zero_fee_htlc_tx', 200_000n);
    addHtlc(g, ch.channelId, 9, 4_000_000n, w.chain.height + 100);
    // The add and its commitment_signed went out together: our updates are signed, so close is allowed at once.
    const closing = g.channels.close(ch.channelId);
    const { closingTxid } = await closing;
    expect(htlcEvents(g, 'htlc-failed')).toHaveLength(1);
    // The HTLC was removed after we had shut down (in shutting-down), not before.
    const kinds = g.events.flatMap((e) => (e.type === 'channel' ? [e.event as { type: string; to?: string }] : []));
    const shut = kinds.findIndex((e) => e.type === 'state-changed' && e.to === 'shutting-down');
    const removed = kinds.findIndex((e) => e.type === 'htlc-failed');
    expect(shut).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(shut);
    expect(channelOf(g, ch.localId).state).toBe('closing');
    await until(() => w.chain.mempoolTxids().includes(closingTxid), 'the mutual close tx in the mempool', 20_000, peer.node);
  }, 120_000);
});

describe('reconnection with an HTLC in flight, with LDK', () => {
  test('Glint drops the connection right after offering an HTLC (and restarts from its store): channel_reestablish re-sends what LDK missed, the HTLC completes', async () => {
    const peer = await ldkPeer(w, 'ldk-htlc-reconnect', { anchors: true });
    let g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ch = await openGlintToLdk(w, g, peer, 'anchors_zero_fee_htlc_tx', 200_000n);
    addHtlc(g, ch.channelId, 11, 3_000_000n, w.chain.height + 100);
    g.peers.disconnect(peer.node.nodeIdHex);
    await peer.node.waitForNoPeer(g.peers.nodeId);
    await g.channels.idle();
    g = await restartGlint(w, g);
    await connect(g, peer);
    await until(() => htlcEvents(g, 'htlc-failed').some((e) => e.tag === 'interop-11' && e.malformed !== undefined), 'LDK fails the HTLC back after the reconnection', 30_000, peer.node);
    await until(() => channelOf(g, ch.localId).usable && ldkUsable(peer.node, ch.channelId), 'usable on both', 20_000, peer.node);
    const c = await saved(g, ch.channelId);
    expect(c.log.local.adds).toEqual([]);
  }, 120_000);
});

