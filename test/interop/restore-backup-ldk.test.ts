/**
 * Issue 7 "Restore e2e" against real LDK peers on the bcoin regtest chain: a Glint node with two
 * channels (static_remotekey to one LDK node, anchors_zero_fee_htlc_tx to another) and payments
 * both ways writes its channel backup (engine/node/backup-codec.ts, key from the seed); its store
 * is wiped; a new node restored from the same 24 words finds the on-chain coins, imports the
 * backup (both channels `wait-for-remote-publish`, "recovering"), connects to both peers and
 * sends each the lost-state channel_reestablish (next_commitment_number 0) — each LDK node
 * force-closes by broadcasting its latest commitment; once mined, Glint recognises its to_remote
 * (P2WPKH of the payment basepoint; anchors: P2WSH with CSV 1) and sweeps it into the wallet.
 * Every transaction is accepted and mined by bcoin; the final on-chain balance is the old one
 * plus each channel's balance minus the commitment fee and anchors (Glint funded both) and the
 * sweep fee, to the sat. Glint never broadcasts a commitment of its own.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/index.ts';
import { funderCommitmentCost } from '../../engine/channel/bolt3/fees.ts';
import { openBackup, sealBackup } from '../../engine/node/backup-codec.ts';
import { backupFromStore, restoreFromBackup, type RestoreResult } from '../../engine/node/backup-restore.ts';
import type { ChannelInfo } from '../../engine/node/channels.ts';
import { nodeEntropy } from '../../cli/adapters/clock.ts';
import {
  PASSPHRASE,
  type Glint,
  type LdkPeer,
  type World,
  channelOf,
  connect,
  glintFromMnemonic,
  glintNode,
  glintPayments,
  ldkFeerate,
  ldkPeer,
  mine,
  openGlintToLdk,
  paymentsSettled,
  startWorld,
  stopAll,
  stopWorld,
  until,
} from '../harness/glint-ldk.ts';

let w: World;
let sr: LdkPeer;
let an: LdkPeer;

beforeAll(async () => {
  w = await startWorld();
  sr = await ldkPeer(w, 'ldk-restore-static', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
  an = await ldkPeer(w, 'ldk-restore-anchors', { anchors: true, config: { maxInboundHtlcValueInFlightPercent: 100 } });
}, 90_000);

afterAll(async () => {
  await stopWorld(w);
});

/** The transaction in `peer`'s broadcasts (from `from` on) spending `ch`'s funding outpoint. */
function commitmentBroadcast(peer: LdkPeer, from: number, ch: ChannelInfo): Transaction | undefined {
  for (const raw of peer.node.broadcasts.slice(from)) {
    const tx = Transaction.fromBuffer(Buffer.from(raw));
    if (tx.ins.some((i) => bytesToHex(Uint8Array.from(i.hash).reverse()) === ch.fundingTxid && i.index === ch.fundingOutputIndex)) return tx;
  }
  return undefined;
}

/** Display txids of the sweeps `g` reported for `channelId`. */
function sweeps(g: Glint, channelId: string): string[] {
  return g.events.flatMap((e) => (e.type === 'channel' && e.channel.channelId === channelId && e.event.type === 'sweep-broadcast' ? [bytesToHex(hexToBytes(String(e.event['txid'])).reverse())] : []));
}

const minedAt = (txid: string): number | undefined => w.chain.index.tx(txid)?.block?.height;

describe('restore from seed + channel backup (LDK peers, bcoin chain)', () => {
  test('two channels and payment history → wipe → seed + backup → both peers force-close → to_remote swept, wallet balance exact to the sat', async () => {
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    await mine(w, g, 1);
    await g.service.sync();
    const chS = await openGlintToLdk(w, g, sr, 'static_remotekey', 200_000n);
    const chA = await openGlintToLdk(w, g, an, 'anchors_zero_fee_htlc_tx', 150_000n);
    await g.channels.onTip();
    const pay = await glintPayments(g);
    const r1 = await pay.pay(sr.node.createInvoice({ amountMsat: 30_000_000n, description: 'to static' }));
    expect(r1, r1.reason ?? '').toMatchObject({ status: 'succeeded' });
    expect((await pay.pay(an.node.createInvoice({ amountMsat: 20_000_123n, description: 'to anchors' }))).status).toBe('succeeded');
    await paymentsSettled(g, [sr.node, an.node]);
    const incoming = await pay.createInvoice({ amountMsat: 5_000_000n, description: 'from anchors' });
    await an.node.payInvoice(incoming.bolt11);
    await until(() => pay.payment(incoming.paymentHash)?.status === 'succeeded', 'the incoming payment claimed');
    await paymentsSettled(g, [sr.node, an.node]);
    const localMsat = { [chS.channelId]: channelOf(g, chS.localId).localMsat, [chA.channelId]: channelOf(g, chA.localId).localMsat };
    expect(localMsat[chS.channelId]).toBe(170_000_000n);
    expect(localMsat[chA.channelId]).toBe(134_999_877n);
    const feerates = { [chS.channelId]: ldkFeerate(w.ldk, sr.node, chS.channelId)!, [chA.channelId]: ldkFeerate(w.ldk, an.node, chA.channelId)! };

    // The backup as a node writes it after an open (its file bytes), and the words.
    const backup = await backupFromStore(g.store, { network: 'regtest', nodeId: hexToBytes(g.peers.nodeId), createdAtSec: Math.floor(Date.now() / 1000) });
    expect(backup.channels.map((c) => bytesToHex(c.channelId)).sort()).toEqual([chS.channelId, chA.channelId].sort());
    const file = sealBackup(backup, g.service.backupSecret(), nodeEntropy.randomBytes(32));
    const words = (await g.service.mnemonic(PASSPHRASE)).join(' ');
    await g.service.sync();
    const onchainBefore = g.service.balance();
    expect(onchainBefore.unconfirmedSat).toBe(0n);

    // Wipe: the node stops and its store is gone (a new MemoryKVStore below).
    await g.channels.idle();
    stopAll([g]);
    await sr.node.waitForNoPeer(g.peers.nodeId);
    await an.node.waitForNoPeer(g.peers.nodeId);

    let restored: RestoreResult | undefined;
    const g2 = await glintFromMnemonic(w, words, { minimumDepth: 1 }, undefined, async (service) => {
      restored = await restoreFromBackup(service.channelStore(), openBackup(file, service.backupSecret()), { network: service.network, nodeId: hexToBytes(service.nodeId), keys: service });
    });
    expect(g2.peers.nodeId).toBe(g.peers.nodeId);
    expect(restored?.recovering.sort()).toEqual([chS.channelId, chA.channelId].sort());
    // On-chain funds found by the restored wallet's scan.
    expect(g2.service.balance().confirmedSat).toBe(onchainBefore.confirmedSat);
    for (const ch of [chS, chA]) expect(g2.channels.get(ch.channelId)).toMatchObject({ state: 'wait-for-remote-publish', capacitySat: ch.capacitySat, fundingTxid: ch.fundingTxid });

    // Connect: each LDK node gets the lost-state channel_reestablish and force-closes.
    const from = { [chS.channelId]: sr.node.broadcasts.length, [chA.channelId]: an.node.broadcasts.length };
    await connect(g2, sr);
    await connect(g2, an);
    const peerOf = (ch: ChannelInfo): LdkPeer => (ch.channelId === chS.channelId ? sr : an);
    await until(() => [chS, chA].every((ch) => commitmentBroadcast(peerOf(ch), from[ch.channelId]!, ch) !== undefined), 'both LDK nodes broadcast their commitment', 30_000, an.node);
    await sr.feed.flush();
    await an.feed.flush();
    const commitments = new Map([chS, chA].map((ch) => [ch.channelId, commitmentBroadcast(peerOf(ch), from[ch.channelId]!, ch)!]));
    for (const tx of commitments.values()) await until(() => w.chain.mempoolTxids().includes(tx.getId()), "LDK's commitment in the mempool");

    await mine(w, g2, 1);
    // LDK's commitments spent the funding outputs: Glint never published one of its own.
    for (const tx of commitments.values()) expect(minedAt(tx.getId())).toBe(w.chain.height);
    await until(() => [chS, chA].every((ch) => sweeps(g2, ch.channelId).length === 1), 'both to_remote sweeps broadcast', 30_000);
    for (const ch of [chS, chA]) await until(() => w.chain.mempoolTxids().includes(sweeps(g2, ch.channelId)[0]!), 'the sweep in the mempool');
    await mine(w, g2, 1);

    let expected = onchainBefore.confirmedSat;
    for (const ch of [chS, chA]) {
      const anchors = ch.channelId === chA.channelId;
      const commitment = commitments.get(ch.channelId)!;
      const sweepTxid = sweeps(g2, ch.channelId)[0]!;
      expect(minedAt(sweepTxid)).toBe(w.chain.height);
      const sweep = Transaction.fromBuffer(Buffer.from(await g2.client.transaction(sweepTxid)));
      expect(sweep.ins).toHaveLength(1);
      expect(bytesToHex(Uint8Array.from(sweep.ins[0]!.hash).reverse())).toBe(commitment.getId());
      expect(sweep.ins[0]!.sequence).toBe(anchors ? 1 : 0xfffffffd);
      const toRemote = commitment.outs[sweep.ins[0]!.index]!;
      expect(toRemote.script.length).toBe(anchors ? 34 : 22);
      // Glint funded the channel: the BOLT 3 commitment fee at the channel's feerate (with anchors
      // also both 330-sat anchors) came out of its balance.
      expect(toRemote.value).toBe(localMsat[ch.channelId]! / 1000n - funderCommitmentCost(feerates[ch.channelId]!, anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey', 0));
      const sweepFee = toRemote.value - sweep.outs[0]!.value;
      expect(sweepFee > 0n && sweepFee < 1_000n).toBe(true);
      expected += toRemote.value - sweepFee;
    }
    await g2.service.sync();
    expect(g2.service.balance()).toMatchObject({ confirmedSat: expected, unconfirmedSat: 0n });

    await mine(w, g2, 5);
    await until(() => [chS, chA].every((ch) => g2.channels.get(ch.channelId)?.state === 'closed'), 'both channels closed', 30_000);
  }, 300_000);
});
