/**
 * Issue 7 "Stale-state test" against a real LDK peer on the bcoin regtest chain: a Glint node's
 * whole store is copied (the "older backup of the store"), the channel then moves on (payments
 * both ways: LDK holds newer commitments, and Glint has revoked the commitments the copy holds);
 * the node stops and a node is started on the OLD copy. At channel_reestablish LDK's
 * next_revocation_number is above our local commitment number and its
 * your_last_per_commitment_secret is our own secret (BOLT 2 option_data_loss_protect): Glint
 * reports `stale-state`, asks LDK to force-close, moves to `wait-for-remote-publish`, and never
 * broadcasts its (revoked) commitment — which, published, would have handed LDK everything by the
 * penalty path. LDK publishes its latest commitment; Glint sweeps its to_remote; the wallet ends
 * with the NEWER channel balance less the commitment fee (Glint funded) and the sweep fee, to the sat.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/index.ts';
import { funderCommitmentCost } from '../../engine/channel/bolt3/fees.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import {
  type Glint,
  type LdkPeer,
  type World,
  channelOf,
  connect,
  glintNode,
  glintPayments,
  ldkFeerate,
  ldkPeer,
  mine,
  openGlintToLdk,
  paymentsSettled,
  restartGlint,
  startWorld,
  stopAll,
  stopWorld,
  until,
} from '../harness/glint-ldk.ts';

let w: World;
let peer: LdkPeer;

beforeAll(async () => {
  w = await startWorld();
  peer = await ldkPeer(w, 'ldk-stale-state', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
}, 90_000);

afterAll(async () => {
  await stopWorld(w);
});

const minedAt = (txid: string): number | undefined => w.chain.index.tx(txid)?.block?.height;

/** Display txids of the sweeps `g` reported for `channelId`. */
function sweeps(g: Glint, channelId: string): string[] {
  return g.events.flatMap((e) => (e.type === 'channel' && e.channel.channelId === channelId && e.event.type === 'sweep-broadcast' ? [bytesToHex(hexToBytes(String(e.event['txid'])).reverse())] : []));
}

async function localCommitIndex(g: Glint, channelId: string): Promise<number> {
  const state = decodeChannelState((await g.store.get(`channel/${channelId}`))!);
  if (!('commitments' in state)) throw new Error(`channel ${channelId} has no commitments`);
  return state.commitments.localCommit.index;
}

describe('stale state: an older copy of the store while LDK has newer state', () => {
  test('detected at channel_reestablish (DLP), no broadcast of our revoked commitment, recovered via LDK\'s force close to the sat', async () => {
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    await mine(w, g, 1);
    await g.service.sync();
    const ch = await openGlintToLdk(w, g, peer, 'static_remotekey', 300_000n);
    await g.channels.onTip();
    const pay = await glintPayments(g);
    expect((await pay.pay(peer.node.createInvoice({ amountMsat: 40_000_000n, description: 'before the copy' }))).status).toBe('succeeded');
    await paymentsSettled(g, [peer.node]);
    await g.channels.idle();

    // The older copy of the whole store (wallet, channel, payments): as a restored old backup would be.
    const old = new MemoryKVStore();
    await old.write({ put: g.raw.rawEntries() });
    const oldIndex = await localCommitIndex(g, ch.channelId);
    expect(channelOf(g, ch.localId).localMsat).toBe(260_000_000n);

    // The channel moves on: one more payment out, one in. LDK now holds newer commitments.
    expect((await pay.pay(peer.node.createInvoice({ amountMsat: 25_000_000n, description: 'after the copy' }))).status).toBe('succeeded');
    await paymentsSettled(g, [peer.node]);
    const incoming = await pay.createInvoice({ amountMsat: 7_000_321n, description: 'in, after the copy' });
    await peer.node.payInvoice(incoming.bolt11);
    await until(() => pay.payment(incoming.paymentHash)?.status === 'succeeded', 'the incoming payment claimed');
    await paymentsSettled(g, [peer.node]);
    await g.channels.idle();
    const newerMsat = channelOf(g, ch.localId).localMsat;
    expect(newerMsat).toBe(242_000_321n);
    expect(await localCommitIndex(g, ch.channelId)).toBeGreaterThan(oldIndex + 1);
    const feerate = ldkFeerate(w.ldk, peer.node, ch.channelId)!;
    await g.service.sync();
    const onchainBefore = g.service.balance();
    expect(onchainBefore.unconfirmedSat).toBe(0n);

    // Stop, and start again on the OLD store.
    await g.channels.idle();
    stopAll([g]);
    await peer.node.waitForNoPeer(g.peers.nodeId);
    const mempoolBefore = new Set(w.chain.mempoolTxids());
    const broadcastsBefore = peer.node.broadcasts.length;
    const g2 = await restartGlint(w, { ...g, raw: old, events: [] });
    expect(g2.channels.get(ch.channelId)).toMatchObject({ state: 'normal', localMsat: 260_000_000n });

    await connect(g2, peer);
    await until(() => g2.events.some((e) => e.type === 'channel' && e.channel.channelId === ch.channelId && e.event.type === 'stale-state'), 'Glint detects the stale state at reestablish', 30_000, peer.node);
    await until(() => g2.channels.get(ch.channelId)?.state === 'wait-for-remote-publish', 'the channel waiting for the peer to publish');
    // Persisted so: a restart keeps waiting rather than trusting the old commitment again.
    expect(decodeChannelState((await g2.store.get(`channel/${ch.channelId}`))!).type).toBe('wait-for-remote-publish');

    // LDK force-closes with its latest commitment.
    const spendsFunding = (raw: Uint8Array): boolean =>
      Transaction.fromBuffer(Buffer.from(raw)).ins.some((i) => bytesToHex(Uint8Array.from(i.hash).reverse()) === ch.fundingTxid && i.index === ch.fundingOutputIndex);
    await until(() => peer.node.broadcasts.slice(broadcastsBefore).some(spendsFunding), 'LDK broadcasts its commitment', 30_000, peer.node);
    await peer.feed.flush();
    const commitment = Transaction.fromBuffer(Buffer.from(peer.node.broadcasts.slice(broadcastsBefore).find(spendsFunding)!));
    await until(() => w.chain.mempoolTxids().includes(commitment.getId()), "LDK's commitment in the mempool");
    // Glint put nothing of its own on the chain: the only new mempool tx is LDK's commitment.
    expect(w.chain.mempoolTxids().filter((t) => !mempoolBefore.has(t))).toEqual([commitment.getId()]);
    expect(g2.events.some((e) => e.type === 'channel' && e.event.type === 'channel-force-closed')).toBe(false);

    await mine(w, g2, 1);
    expect(minedAt(commitment.getId())).toBe(w.chain.height);
    await until(() => sweeps(g2, ch.channelId).length === 1, 'the to_remote sweep broadcast', 30_000);
    const sweepTxid = sweeps(g2, ch.channelId)[0]!;
    await until(() => w.chain.mempoolTxids().includes(sweepTxid), 'the sweep in the mempool');
    await mine(w, g2, 1);
    expect(minedAt(sweepTxid)).toBe(w.chain.height);

    const sweep = Transaction.fromBuffer(Buffer.from(await g2.client.transaction(sweepTxid)));
    expect(sweep.ins).toHaveLength(1);
    expect(bytesToHex(Uint8Array.from(sweep.ins[0]!.hash).reverse())).toBe(commitment.getId());
    const toRemote = commitment.outs[sweep.ins[0]!.index]!;
    // LDK's latest commitment pays the NEWER balance (not the copy's 260 000 000 msat), less the fee we owe as funder.
    expect(toRemote.value).toBe(newerMsat / 1000n - funderCommitmentCost(feerate, 'static_remotekey', 0));
    const sweepFee = toRemote.value - sweep.outs[0]!.value;
    expect(sweepFee > 0n && sweepFee < 1_000n).toBe(true);
    await g2.service.sync();
    expect(g2.service.balance()).toMatchObject({ confirmedSat: onchainBefore.confirmedSat + toRemote.value - sweepFee, unconfirmedSat: 0n });

    await mine(w, g2, 5);
    await until(() => g2.channels.get(ch.channelId)?.state === 'closed', 'the channel closed', 30_000);
  }, 300_000);
});
