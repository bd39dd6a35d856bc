/**
 * BOLT 5 "Unilateral Close Handling: Local Commitment Transaction — HTLC Output Handling" against
 * a real LDK node on the bcoin regtest chain, both channel types:
 *
 *   Glint opens a channel to LDK and pays it (LDK gets a balance); then Glint pays an LDK invoice
 *   that LDK holds (an outgoing HTLC), and LDK pays a Glint invoice: Glint fulfils it, but the
 *   link dies as its update_fulfill_htlc goes out (dropped, then disconnected), so the incoming
 *   HTLC is still on Glint's commitment with Glint knowing the preimage. Glint force-closes:
 *   its commitment is mined; the HTLC-success tx goes out at once (anchors: zero-fee, presigned
 *   SINGLE|ANYONECANPAY, a wallet coin and change attached for the fee), the HTLC-timeout tx at
 *   the held HTLC's cltv_expiry (nLockTime); after LDK's to_self_delay the to_local output and
 *   both second-stage outputs are swept. Every tx is mined by bcoin; the incoming payment is
 *   paid, the outgoing one failed; and Glint's wallet ends with, to the sat, what it had + its
 *   channel balance + both HTLC amounts − the commitment fee − the anchors − the fee of every
 *   transaction it published (computed from the mined transactions).
 *
 * LDK's own broadcasts are not relayed (`relay: false`): it would answer with its commitment,
 * which races ours (bcoin has no RBF). Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Message } from '../../engine/wire/message.ts';
import { channelOf, glintNode, glintPayments, ldkPeer, mine, openGlintToLdk, paymentsSettled, startWorld, stopWorld, until, type Glint, type World } from '../harness/glint-ldk.ts';
import { waitForHeld } from '../../playground/ldk/force-close.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

type ChannelType = 'static_remotekey' | 'anchors_zero_fee_htlc_tx';

const displayHex = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');
const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);

/** A mined transaction, decoded. */
function mined(txid: string): Transaction {
  const entry = w.chain.index.tx(txid);
  expect(entry?.block, `${txid} is mined`).toBeDefined();
  return Transaction.fromBuffer(Buffer.from(entry!.raw));
}

/** A mined transaction's fee: its inputs (looked up in the chain) less its outputs. */
function feeOf(txid: string): bigint {
  const tx = mined(txid);
  const inSum = tx.ins.reduce((s, i) => s + Transaction.fromBuffer(Buffer.from(w.chain.index.tx(displayHex(i.hash))!.raw)).outs[i.index]!.value, 0n);
  return inSum - sumOut(tx);
}

/** The txid spending `txid:vout` (mempool or chain), waiting up to `ms`. */
async function spenderOf(g: Glint, txid: string, vout: number, what: string, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    await g.channels.idle();
    const s = await g.client.outSpend(txid, vout);
    if (s.spent) return s.txid;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Confirmed wallet balance (the read-only view of the same keys, synced). */
async function walletSat(g: Glint): Promise<bigint> {
  await g.watch.sync();
  return g.watch.utxos().filter((u) => u.status.confirmed).reduce((s, u) => s + u.valueSat, 0n);
}

/**
 * From now on Glint's messages to `peerId` are lost from its first update_fulfill_htlc on, and
 * the connection drops just after: the fulfil never reaches LDK. Resolves once it happened.
 */
function cutLinkOnFulfill(g: Glint, peerId: string): Promise<void> {
  const original = g.peers.send.bind(g.peers);
  let cut = false;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  g.peers.send = (nodeId: string, message: Message): void => {
    if (nodeId === peerId && !cut && message.type === 'update_fulfill_htlc') {
      cut = true;
      setImmediate(() => {
        g.peers.disconnect(peerId);
        resolve();
      });
    }
    if (cut && nodeId === peerId) return;
    original(nodeId, message);
  };
  return done;
}

describe('BOLT 5: Glint force-closes with HTLCs both ways (LDK peer, bcoin chain)', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: Glint force-closes with HTLCs both ways → second-stage txs and delayed sweeps all confirmed; payments end right; the wallet ends with every sat less the fees`, async () => {
      const peer = await ldkPeer(w, `ldk-local-htlcs-${channelType}`, { anchors, relay: false, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      const g = await glintNode(w, { minimumDepth: 1, fundSat: 600_000, sweepToWallet: true });
      await mine(w, g, 1);
      const ch = await openGlintToLdk(w, g, peer, channelType, 300_000n);
      const pay = await glintPayments(g);

      // LDK gets a balance it can pay Glint from.
      const first = await pay.pay(peer.node.createInvoice({ amountMsat: 100_000_000n, description: 'a balance for LDK' }));
      expect(first.status).toBe('succeeded');
      await paymentsSettled(g, [peer.node]);

      // Outgoing: Glint pays an invoice LDK holds.
      peer.node.payments.policy = 'hold';
      const outMsat = 30_000_000n;
      const outInvoice = peer.node.createInvoice({ amountMsat: outMsat, description: 'held by LDK' });
      const outHash = peer.node.payments.paymentHashOf(outInvoice);
      expect((await pay.pay(outInvoice, { timeoutMs: 3_000 })).status).toBe('pending');
      const held = await waitForHeld(peer.node, outHash);
      await g.channels.idle();

      // Incoming: LDK pays Glint; Glint fulfils, the fulfil is lost with the link.
      const inMsat = 25_000_000n;
      const inv = await pay.createInvoice({ amountMsat: inMsat, description: 'fulfilled, then the link died' });
      const cut = cutLinkOnFulfill(g, peer.node.nodeIdHex);
      const sent = peer.node.payInvoice(inv.bolt11).catch((err: unknown) => err);
      await cut;
      await until(() => g.peers.peers().length === 0, 'disconnected from LDK');
      await g.channels.idle();

      const info = channelOf(g, ch.localId);
      const localSat = info.localMsat / 1000n;
      expect(info.localMsat % 1000n).toBe(0n);
      const before = await walletSat(g);

      // Glint force-closes; its commitment (both HTLCs on it) is mined.
      const { closingTxid } = await g.channels.close(ch.channelId, { force: true });
      await until(() => w.chain.mempoolTxids().includes(closingTxid), 'our commitment in the mempool');
      await mine(w, g, 1);
      const h = w.chain.height;
      const commitment = mined(closingTxid);
      const htlcVout = (msat: bigint): number => commitment.outs.findIndex((o) => o.value * 1000n === msat && o.script.length === 34);
      const inVout = htlcVout(inMsat);
      const outVout = htlcVout(outMsat);
      expect(inVout).toBeGreaterThanOrEqual(0);
      expect(outVout).toBeGreaterThanOrEqual(0);
      const commitFee = info.capacitySat - sumOut(commitment);
      const anchorsSat = anchors ? 660n : 0n;
      // Glint funded: our to_local is our balance less the commitment fee (and the anchors).
      const toLocalVout = commitment.outs.findIndex((o) => o.value === localSat - commitFee - anchorsSat);
      expect(toLocalVout).toBeGreaterThanOrEqual(0);

      // HTLC-success at once (anchors: with a wallet coin paying its fee).
      const successTxid = await spenderOf(g, closingTxid, inVout, 'the HTLC-success tx');
      await until(() => w.chain.mempoolTxids().includes(successTxid), 'the HTLC-success tx in the mempool');
      await mine(w, g, 1);
      const success = mined(successTxid);
      expect(success.ins[0]!.index).toBe(inVout);
      expect(success.ins[0]!.witness).toHaveLength(5);
      expect(success.ins[0]!.witness[3]!.length).toBe(32); // the preimage
      expect(success.ins[0]!.sequence).toBe(anchors ? 1 : 0);
      expect(success.outs[0]!.script.length).toBe(34); // the delayed second-stage output
      if (anchors) {
        expect(success.ins.length).toBeGreaterThanOrEqual(2);
        expect(success.outs[0]!.value).toBe(commitment.outs[inVout]!.value); // zero-fee HTLC tx: the fee comes from the wallet coin
      } else expect(success.ins).toHaveLength(1);
      expect(pay.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded' });

      // HTLC-timeout only once its cltv_expiry is reached.
      if (w.chain.height < held.cltvExpiry - 1) await mine(w, g, held.cltvExpiry - 1 - w.chain.height);
      await g.channels.idle();
      expect((await g.client.outSpend(closingTxid, outVout)).spent).toBe(false);
      await mine(w, g, 1);
      const timeoutTxid = await spenderOf(g, closingTxid, outVout, 'the HTLC-timeout tx');
      await until(() => w.chain.mempoolTxids().includes(timeoutTxid), 'the HTLC-timeout tx in the mempool');
      await mine(w, g, 1);
      const timeout = mined(timeoutTxid);
      expect(timeout.locktime).toBe(held.cltvExpiry);
      expect(timeout.ins[0]!.witness[3]!.length).toBe(0);
      if (anchors) expect(timeout.ins.length).toBeGreaterThanOrEqual(2);

      // After to_self_delay: to_local and both second-stage outputs swept; closed once all are deep.
      const delay = 144; // LDK's our_to_self_delay
      const firstDue = h + delay - 1;
      if (w.chain.height < firstDue - 1) await mine(w, g, firstDue - 1 - w.chain.height);
      await g.channels.idle();
      expect((await g.client.outSpend(closingTxid, toLocalVout)).spent).toBe(false);
      for (let i = 0; i < 80 && channelOf(g, ch.localId).state !== 'closed'; i++) {
        await mine(w, g, 1);
        await g.channels.idle();
        await pay.idle();
      }
      expect(channelOf(g, ch.localId).state).toBe('closed');
      const sweeps = [
        await spenderOf(g, closingTxid, toLocalVout, 'the to_local sweep', 1_000),
        await spenderOf(g, successTxid, 0, 'the HTLC-success output sweep', 1_000),
        await spenderOf(g, timeoutTxid, 0, 'the HTLC-timeout output sweep', 1_000),
      ];
      for (const txid of sweeps) {
        const sweep = mined(txid);
        expect(sweep.ins[0]!.sequence).toBe(delay);
        for (const o of sweep.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
      }
      expect(w.chain.index.tx(sweeps[1]!)!.block!.height).toBeGreaterThanOrEqual(w.chain.index.tx(successTxid)!.block!.height + delay);
      expect(w.chain.index.tx(sweeps[2]!)!.block!.height).toBeGreaterThanOrEqual(w.chain.index.tx(timeoutTxid)!.block!.height + delay);
      // The closed channel still shows where each output went: claimed, in the mined tx that took it home.
      const row = (vout: number, kind: string, claimTxid: string): string => `${closingTxid}:${vout} ${kind} ${commitment.outs[vout]!.value} claimed ${claimTxid}`;
      expect(channelOf(g, ch.localId).outputs?.map((o) => `${o.outpoint} ${o.kind} ${o.amountSat} ${o.status} ${o.claimTxid}`).sort()).toEqual(
        [row(toLocalVout, 'to_local', sweeps[0]!), row(inVout, 'htlc-received', sweeps[1]!), row(outVout, 'htlc-offered', sweeps[2]!)].sort(),
      );

      // The payments: incoming paid, outgoing failed (timed out on chain).
      await pay.idle();
      expect(pay.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: inMsat });
      expect(pay.payment(outHash)).toMatchObject({ status: 'failed' });

      // Every sat: what the wallet had + our balance + both HTLCs − commitment fee − anchors − every fee we paid.
      const fees = [successTxid, timeoutTxid, ...sweeps].map(feeOf);
      const expected = before + localSat + inMsat / 1000n + outMsat / 1000n - commitFee - anchorsSat - fees.reduce((s, f) => s + f, 0n);
      expect(await walletSat(g)).toBe(expected);
      void sent;
    }, 600_000);
  }
});
