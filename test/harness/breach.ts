/**
 * The BOLT 5 breach setup shared by the interop tests (test/interop/bolt05-breach-ldk.test.ts,
 * bolt05-rebump-ldk.test.ts): LDK opens to Glint; payments both ways move the channel on;
 * LDK's ChannelMonitor is kept (playground/ldk/stale-monitor.ts `monitorSnapshot`) while
 * Glint's payment to LDK is held, so the kept commitment has an HTLC output; later the stale
 * monitor publishes "its latest" holder commitment — revoked by then (`replayStaleMonitor`).
 */
import { Transaction } from 'bitcoinjs-lib';
import { expect } from 'vitest';
import type { ChannelInfo } from '../../engine/node/channel-ports.ts';
import { submitAll, waitForHeld } from '../../playground/ldk/force-close.ts';
import { monitorKeyOfChannel, monitorSnapshot, replayStaleMonitor } from '../../playground/ldk/stale-monitor.ts';
import { type Glint, type LdkPeer, type World, glintNode, glintPayments, ldkPeer, mine, openLdkToGlint, paymentsSettled } from './glint-ldk.ts';

/** BOLT 3 anchor outputs: 330 sat each. */
export const ANCHOR_SAT = 330n;
/** The held HTLC the revoked commitment carries. */
export const HELD_HTLC_MSAT = 20_000_000n;

export const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);

export interface Breach {
  readonly cheater: LdkPeer;
  readonly g: Glint;
  readonly ch: ChannelInfo;
  readonly capacitySat: bigint;
  /** LDK's ChannelMonitor kept while the HTLC was held. */
  readonly stale: Uint8Array;
  /** Glint's confirmed wallet balance once the channel moved on (before the breach). */
  readonly before: bigint;
}

/** A channel of `channelType` from a fresh LDK node to a fresh Glint, moved on past a kept (soon revoked) monitor with an HTLC. */
export async function prepareBreach(w: World, channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx', alias: string): Promise<Breach> {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  const cheater = await ldkPeer(w, alias, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
  const g = await glintNode(w, { minimumDepth: 1, fundSat: 100_000, sweepToWallet: true });
  await mine(w, g, 1);
  const capacitySat = 200_000n;
  const ch = await openLdkToGlint(w, g, cheater, { fundingSat: capacitySat, pushMsat: 0n, seed: `${alias} vs glint ${channelType}` });
  expect(ch.type).toBe(channelType);
  const pay = await glintPayments(g);
  const key = monitorKeyOfChannel(cheater.node, ch.channelId);

  // LDK pays Glint, so Glint has a balance to pay back with.
  await cheater.node.payInvoice((await pay.createInvoice({ amountMsat: 60_000_000n, description: 'to glint' })).bolt11);
  await paymentsSettled(g, [cheater.node]);

  // Glint pays LDK; LDK holds the HTLC: the monitor kept now has it in LDK's commitment.
  cheater.node.payments.policy = 'hold';
  const bolt11 = cheater.node.createInvoice({ amountMsat: HELD_HTLC_MSAT, description: 'held' });
  const paymentHash = cheater.node.payments.paymentHashOf(bolt11);
  const sending = pay.pay(bolt11, { timeoutMs: 60_000 });
  const held = await waitForHeld(cheater.node, paymentHash);
  expect(held.channelId).toBe(ch.channelId);
  const stale = monitorSnapshot(cheater.node, key);
  cheater.node.payments.release(paymentHash, 'claim');
  cheater.node.payments.policy = 'claim';
  expect(await sending).toMatchObject({ status: 'succeeded' });
  await paymentsSettled(g, [cheater.node]);
  for (const amountMsat of [5_000_000n, 3_000_000n]) {
    await cheater.node.payInvoice((await pay.createInvoice({ amountMsat, description: 'later' })).bolt11);
    await paymentsSettled(g, [cheater.node]);
  }
  await g.channels.idle();
  // Glint kept what it knew of the revoked commitments with HTLC outputs.
  expect((await g.store.keys(`channel-revoked/${ch.channelId}/`)).length).toBeGreaterThan(0);
  await g.watch.sync();
  return { cheater, g, ch, capacitySat, stale, before: g.watch.balance().confirmedSat };
}

export interface PublishedBreach {
  readonly commitmentTxid: string;
  readonly commitment: Transaction;
  /** Its output holding the held HTLC. */
  readonly htlcVout: number;
  readonly commitmentFee: bigint;
  /** Its anchor outputs (left alone), and every other output: Glint's to claim. */
  readonly anchorVouts: readonly number[];
  readonly toClaim: readonly number[];
}

/** The stale monitor publishes the revoked commitment; it goes to the mempool (the caller mines it). */
export async function publishRevoked(w: World, b: Breach): Promise<PublishedBreach> {
  const revoked = replayStaleMonitor(w.ldk, b.cheater.node.keysManager, b.stale);
  const commitment = Transaction.fromBuffer(Buffer.from(revoked.commitmentTx));
  const htlcVout = commitment.outs.findIndex((o) => o.value * 1000n === HELD_HTLC_MSAT && o.script.length === 34);
  expect(htlcVout).toBeGreaterThanOrEqual(0);
  expect(await submitAll(w.chain, [revoked.commitmentTx])).toEqual([revoked.commitmentTxid]);
  const anchorVouts = commitment.outs.flatMap((o, i) => (o.value === ANCHOR_SAT && o.script.length === 34 ? [i] : []));
  expect(anchorVouts).toHaveLength(b.ch.type === 'anchors_zero_fee_htlc_tx' ? 2 : 0);
  return {
    commitmentTxid: revoked.commitmentTxid,
    commitment,
    htlcVout,
    commitmentFee: b.capacitySat - sumOut(commitment),
    anchorVouts,
    toClaim: commitment.outs.map((_, i) => i).filter((i) => !anchorVouts.includes(i)),
  };
}
