/**
 * BOLT 5 "Unilateral Close Handling: Remote Commitment Transaction", HTLC outputs, against real
 * LDK on the bcoin regtest chain:
 *
 *   - Glint pays LDK; LDK holds the HTLC (never claims it) and force-closes; LDK's commitment is
 *     mined; at the HTLC's cltv_expiry Glint claims the HTLC output back by its timeout path
 *     ("Offered HTLC Outputs": for an HTLC we offered, spend it once it times out), straight
 *     from LDK's commitment (nLockTime = cltv_expiry); bcoin accepts and mines it; the payment
 *     record fails ("timed out on chain") and Glint's wallet holds the HTLC amount minus the fee.
 *   - LDK pays Glint and force-closes the moment Glint has the HTLC irrevocably (Glint settles it
 *     with the preimage; LDK's commitment still has the HTLC); once that commitment is mined Glint
 *     claims the HTLC output with the preimage ("Received HTLC Outputs" of ours = the peer's
 *     offered HTLC: spend it with the preimage), bcoin mines the claim, Glint's invoice is paid.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { glintNode, glintPayments, ldkPaysAndForceCloses, ldkPeer, mine, openGlintToLdk, openLdkToGlint, startWorld, stopWorld, until, type World } from '../harness/glint-ldk.ts';
import { forceCloseLdk, submitAll, waitForHeld } from '../../playground/ldk/force-close.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);

describe('BOLT 5: LDK force-closes with an HTLC Glint offered (LDK peer, bcoin chain)', () => {
  test('static_remotekey: LDK holds Glint’s HTLC and force-closes; at cltv_expiry Glint claims the HTLC output by timeout from LDK’s commitment, bcoin mines it, the payment fails', async () => {
    const holder = await ldkPeer(w, 'ldk-htlc-holder', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const g = await glintNode(w, { minimumDepth: 1, fundSat: 300_000, sweepToWallet: true });
    await mine(w, g, 1);
    const ch = await openGlintToLdk(w, g, holder, 'static_remotekey', 200_000n);
    const pay = await glintPayments(g);

    holder.node.payments.policy = 'hold';
    const amountMsat = 30_000_000n;
    const bolt11 = holder.node.createInvoice({ amountMsat, description: 'held to expiry' });
    const paymentHash = holder.node.payments.paymentHashOf(bolt11);
    const first = await pay.pay(bolt11, { timeoutMs: 3_000 });
    expect(first.status).toBe('pending');
    const held = await waitForHeld(holder.node, paymentHash);
    expect(held.channelId).toBe(ch.channelId);

    const close = await forceCloseLdk(holder.node, ch.channelId, hexToBytes(g.peers.nodeId));
    await holder.feed.flush();
    if (!w.chain.mempoolTxids().includes(close.commitmentTxid)) await submitAll(w.chain, [close.commitmentTx]);
    const commitment = Transaction.fromBuffer(Buffer.from(close.commitmentTx));
    const htlcVout = commitment.outs.findIndex((o) => o.value * 1000n === amountMsat && o.script.length === 34);
    expect(htlcVout).toBeGreaterThanOrEqual(0);
    await mine(w, g, 1);
    await g.channels.idle();
    expect(g.channels.get(ch.channelId)?.state).toBe('force-closing');

    // Before expiry: nothing may spend the HTLC output (a timeout tx would be non-final).
    const spentBy = async () => {
      const s = await g.client.outSpend(close.commitmentTxid, htlcVout);
      return s.spent ? s.txid : undefined;
    };
    if (w.chain.height < held.cltvExpiry - 2) await mine(w, g, held.cltvExpiry - 2 - w.chain.height);
    await g.channels.idle();
    expect(await spentBy()).toBeUndefined();
    let claimTxid: string | undefined;
    for (let i = 0; i < 8 && !claimTxid; i++) {
      await mine(w, g, 1);
      await g.channels.idle();
      await until(() => w.chain.mempoolTxids().length > 0, 'a claim in the mempool', 3_000).catch(() => undefined);
      claimTxid = await spentBy();
    }
    expect(claimTxid).toBeDefined();
    await mine(w, g, 1);
    const entry = w.chain.index.tx(claimTxid!);
    expect(entry?.block?.height).toBeGreaterThanOrEqual(held.cltvExpiry);
    const claim = Transaction.fromBuffer(Buffer.from(entry!.raw));
    expect(claim.locktime).toBe(held.cltvExpiry);
    const input = claim.ins.find((i) => Buffer.from(i.hash).reverse().toString('hex') === close.commitmentTxid && i.index === htlcVout)!;
    expect(input).toBeDefined();
    // BOLT 3: in LDK’s commitment our HTLC is a received HTLC output; its timeout path is <remotehtlcsig> <> <witnessScript>.
    expect(input.witness).toHaveLength(3);
    expect(input.witness[1]!.length).toBe(0);
    for (const o of claim.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
    expect(sumOut(claim)).toBeLessThan(commitment.outs[htlcVout]!.value);

    // The payment record fails once the timeout claim is deep enough.
    for (let i = 0; i < 8 && pay.payment(paymentHash)?.status === 'pending'; i++) {
      await mine(w, g, 1);
      await g.channels.idle();
      await pay.idle();
    }
    expect(pay.payment(paymentHash)).toMatchObject({ status: 'failed' });
  }, 240_000);

  test('static_remotekey: LDK pays Glint and force-closes as soon as Glint holds the HTLC; Glint claims the HTLC output with the preimage from LDK’s commitment, bcoin mines it, the invoice is paid', async () => {
    const payer = await ldkPeer(w, 'ldk-htlc-payer', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const g = await glintNode(w, { minimumDepth: 1, fundSat: 50_000, sweepToWallet: true });
    await mine(w, g, 1);
    const ch = await openLdkToGlint(w, g, payer, { fundingSat: 200_000n, pushMsat: 0n, seed: 'ldk-htlc-payer vs glint' });
    const pay = await glintPayments(g);
    const amountMsat = 25_000_000n;
    const { close, htlcVout, paymentHash } = await ldkPaysAndForceCloses(w, g, payer, ch.channelId, amountMsat);
    await g.channels.idle();
    await mine(w, g, 1);
    await g.channels.idle();

    let claimTxid: string | undefined;
    for (let i = 0; i < 6 && !claimTxid; i++) {
      await until(() => w.chain.mempoolTxids().length > 0, 'a claim in the mempool', 3_000).catch(() => undefined);
      await mine(w, g, 1);
      await g.channels.idle();
      const s = await g.client.outSpend(close.commitmentTxid, htlcVout);
      claimTxid = s.spent ? s.txid : undefined;
    }
    expect(claimTxid).toBeDefined();
    const claim = Transaction.fromBuffer(Buffer.from(w.chain.index.tx(claimTxid!)!.raw));
    const input = claim.ins.find((i) => i.index === htlcVout && Buffer.from(i.hash).reverse().toString('hex') === close.commitmentTxid)!;
    // BOLT 3: in LDK’s commitment it is an offered HTLC output; its preimage path is <remotehtlcsig> <payment_preimage> <witnessScript>.
    expect(input.witness).toHaveLength(3);
    expect(Buffer.from(sha256(input.witness[1]!)).toString('hex')).toBe(paymentHash);
    for (const o of claim.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
    expect(pay.payment(paymentHash)).toMatchObject({ status: 'succeeded', amountMsat });
  }, 240_000);
});
