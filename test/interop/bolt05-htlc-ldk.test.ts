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
 *   - LDK holds Glint's HTLC, force-closes, then releases the preimage: its ChannelMonitor spends
 *     the HTLC output with an HTLC-success tx (anchors: answering BumpTransactionEvent::
 *     HTLCResolution with a fee input), bcoin mines it, Glint learns the preimage from its witness
 *     and the payment succeeds.
 *
 * Both channel types. Under option_anchors_zero_fee_htlc_tx LDK bumps its own commitment the way an
 * LDK user does (playground/ldk/bump.ts: BumpTransactionEventHandler with a wallet funded on the
 * regtest chain): in the timeout test LDK's estimate is raised above the commitment's feerate, so
 * LDK emits BumpTransactionEvent::ChannelClose and broadcasts the commitment with a CPFP child on
 * its anchor, both accepted and mined by bcoin. Glint's HTLC outputs on LDK's anchors commitment
 * carry `1 OP_CHECKSEQUENCEVERIFY`, so each claim input has nSequence 1.
 *
 * Every sat is accounted for: Glint's wallet grows by exactly its channel balance (to_remote and
 * the HTLC it resolved) minus what it paid as funder (commitment fee, both anchors) and the fees
 * of its own claim transactions.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { channelOf, glintNode, glintPayments, ldkPaysAndForceCloses, ldkPeer, mine, openGlintToLdk, openLdkToGlint, startWorld, stopWorld, until, type Glint, type World } from '../harness/glint-ldk.ts';
import { RegtestWallet } from '../../playground/chain/index.ts';
import { attachBumpHandler } from '../../playground/ldk/bump.ts';
import { type LdkForceClose, forceCloseLdk, submitAll, waitForHeld } from '../../playground/ldk/force-close.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);
const displayTxid = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');
type ChannelType = 'static_remotekey' | 'anchors_zero_fee_htlc_tx';
const CHANNEL_TYPES: ChannelType[] = ['static_remotekey', 'anchors_zero_fee_htlc_tx'];

/** Glint's wallet balance (confirmed + unconfirmed sats), synced. */
async function walletSat(g: Glint): Promise<bigint> {
  await g.watch.sync();
  return g.watch.utxos().reduce((sum, u) => sum + u.valueSat, 0n);
}

/** The fee of a confirmed or mempool tx spending only `commitment`'s outputs (its inputs' values from the commitment). */
function claimFee(claim: Transaction, commitment: Transaction, commitmentTxid: string): bigint {
  const inSum = claim.ins.reduce((sum, i) => {
    if (displayTxid(i.hash) !== commitmentTxid) throw new Error('a claim spending something other than the commitment');
    return sum + commitment.outs[i.index]!.value;
  }, 0n);
  return inSum - sumOut(claim);
}

/** Every tx in blocks or the mempool spending an output of `commitmentTxid` to `g`'s sweep script. */
function glintClaims(g: Glint, commitmentTxid: string, commitment: Transaction): Transaction[] {
  const out = new Map<string, Transaction>();
  const mempool = w.chain.mempoolView();
  commitment.outs.forEach((_o, vout) => {
    const by = w.chain.index.spentBy(commitmentTxid, vout) ?? mempool.spentBy(commitmentTxid, vout);
    if (!by) return;
    const raw = w.chain.index.tx(by.txid)?.raw ?? mempool.tx(by.txid)?.raw;
    const tx = Transaction.fromBuffer(Buffer.from(raw!));
    if (tx.outs.every((o) => Buffer.from(o.script).equals(Buffer.from(g.sweepTo!)))) out.set(by.txid, tx);
  });
  return [...out.values()];
}

/** LDK's force-close commitment into the mempool (if LDK's relay did not put it there) and mined; where its `amountMsat` HTLC output is. */
async function mineCommitment(g: Glint, close: LdkForceClose, amountMsat: bigint): Promise<{ commitment: Transaction; htlcVout: number }> {
  if (!w.chain.mempoolTxids().includes(close.commitmentTxid)) await submitAll(w.chain, [close.commitmentTx]);
  const commitment = Transaction.fromBuffer(Buffer.from(close.commitmentTx));
  const htlcVout = commitment.outs.findIndex((o) => o.value * 1000n === amountMsat && o.script.length === 34);
  expect(htlcVout).toBeGreaterThanOrEqual(0);
  await mine(w, g, 1);
  await g.channels.idle();
  return { commitment, htlcVout };
}

describe('BOLT 5: LDK force-closes with an HTLC Glint offered (LDK peer, bcoin chain)', () => {
  for (const channelType of CHANNEL_TYPES) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: LDK holds Glint’s HTLC and force-closes${anchors ? ' (commitment + anchor CPFP child through BumpTransactionEventHandler)' : ''}; at cltv_expiry Glint claims the HTLC output by timeout from LDK’s commitment, bcoin mines it, the payment fails; to_remote swept; wallet = channel balance − fees`, async () => {
      const holder = await ldkPeer(w, `ldk-htlc-holder-${channelType}`, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      const bumper = anchors ? attachBumpHandler(holder.node, w.chain, RegtestWallet.fromSeed(`bump ${channelType}`)) : undefined;
      if (bumper) await w.chain.faucet(bumper.wallet.script, 100_000);
      const g = await glintNode(w, { minimumDepth: 1, fundSat: 300_000, sweepToWallet: true });
      await mine(w, g, 1);
      const fundingSat = 200_000n;
      const ch = await openGlintToLdk(w, g, holder, channelType, fundingSat);
      expect(ch.type).toBe(channelType);
      const pay = await glintPayments(g);

      holder.node.payments.policy = 'hold';
      const amountMsat = 30_000_000n;
      const bolt11 = holder.node.createInvoice({ amountMsat, description: 'held to expiry' });
      const paymentHash = holder.node.payments.paymentHashOf(bolt11);
      const first = await pay.pay(bolt11, { timeoutMs: 3_000 });
      expect(first.status).toBe('pending');
      const held = await waitForHeld(holder.node, paymentHash);
      expect(held.channelId).toBe(ch.channelId);
      await g.channels.idle();
      const localMsat = channelOf(g, ch.localId).localMsat; // our balance, the offered HTLC taken out
      const before = await walletSat(g);

      // Anchors: LDK's estimate above the commitment's 253 sat/kw makes it bump the commitment (ChannelClose).
      if (anchors) holder.node.setFeerate(2_000);
      const close = await forceCloseLdk(holder.node, ch.channelId, hexToBytes(g.peers.nodeId));
      await holder.feed.flush();
      let cpfpTxid: string | undefined;
      if (bumper) {
        expect(bumper.records).toEqual([expect.objectContaining({ kind: 'channel-close', channelId: ch.channelId, commitmentTxid: close.commitmentTxid, broadcasts: 2 })]);
        const child = close.spends().find((s) => s.kind === 'other')!;
        expect(child).toBeDefined();
        cpfpTxid = child.txid;
        const childTx = Transaction.fromBuffer(Buffer.from(child.raw));
        expect(childTx.ins.some((i) => displayTxid(i.hash) === close.commitmentTxid && Transaction.fromBuffer(Buffer.from(close.commitmentTx)).outs[i.index]!.value === 330n)).toBe(true);
        await until(() => w.chain.mempoolTxids().includes(child.txid), 'the CPFP child in the mempool');
      }
      const { commitment, htlcVout } = await mineCommitment(g, close, amountMsat);
      expect(w.chain.index.tx(close.commitmentTxid)?.block).toBeDefined();
      if (cpfpTxid) expect(w.chain.index.tx(cpfpTxid)?.block?.height).toBe(w.chain.index.tx(close.commitmentTxid)?.block?.height);
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
      const input = claim.ins.find((i) => displayTxid(i.hash) === close.commitmentTxid && i.index === htlcVout)!;
      expect(input).toBeDefined();
      // BOLT 3: in LDK’s commitment our HTLC is a received HTLC output; its timeout path is <remotehtlcsig> <> <witnessScript>.
      expect(input.witness).toHaveLength(3);
      expect(input.witness[1]!.length).toBe(0);
      if (anchors) expect(input.sequence).toBe(1);
      for (const o of claim.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
      expect(sumOut(claim)).toBeLessThan(commitment.outs[htlcVout]!.value);

      // The payment record fails once the timeout claim is deep enough.
      for (let i = 0; i < 8 && pay.payment(paymentHash)?.status === 'pending'; i++) {
        await mine(w, g, 1);
        await g.channels.idle();
        await pay.idle();
      }
      expect(pay.payment(paymentHash)).toMatchObject({ status: 'failed' });

      // to_remote and the HTLC: everything Glint claimed is confirmed, and the wallet grew by exactly our balance − fees.
      const claims = glintClaims(g, close.commitmentTxid, commitment);
      for (const c of claims) expect(w.chain.index.tx(c.getId())?.block).toBeDefined();
      const claimedVouts = claims.flatMap((c) => c.ins.map((i) => i.index)).sort();
      const toRemoteVout = commitment.outs.findIndex((o, vout) => vout !== htlcVout && o.value > 330n && (anchors ? o.script.length === 34 : o.script.length === 22) && claimedVouts.includes(vout));
      expect(toRemoteVout).toBeGreaterThanOrEqual(0);
      expect(claimedVouts).toEqual([htlcVout, toRemoteVout].sort());
      const commitmentFee = fundingSat - sumOut(commitment); // Glint funded: it pays the fee and both anchors
      const anchorsSat = anchors ? 660n : 0n;
      expect(commitment.outs[toRemoteVout]!.value).toBe(localMsat / 1000n - commitmentFee - anchorsSat);
      const fees = claims.reduce((sum, c) => sum + claimFee(c, commitment, close.commitmentTxid), 0n);
      expect((await walletSat(g)) - before).toBe(localMsat / 1000n + amountMsat / 1000n - commitmentFee - anchorsSat - fees);
    }, 240_000);
  }

  for (const channelType of CHANNEL_TYPES) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: LDK pays Glint and force-closes as soon as Glint holds the HTLC; Glint claims the HTLC output with the preimage from LDK’s commitment, bcoin mines it, the invoice is paid; wallet = HTLC − claim fee`, async () => {
      const payer = await ldkPeer(w, `ldk-htlc-payer-${channelType}`, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      // Anchors: LDK's commitment pays its 253 sat/kw target, so it goes out alone (no ChannelClose event); the handler stands ready.
      if (anchors) await w.chain.faucet(attachBumpHandler(payer.node, w.chain, RegtestWallet.fromSeed(`bump payer ${channelType}`)).wallet.script, 100_000);
      const g = await glintNode(w, { minimumDepth: 1, fundSat: 50_000, sweepToWallet: true });
      await mine(w, g, 1);
      const ch = await openLdkToGlint(w, g, payer, { fundingSat: 200_000n, pushMsat: 0n, seed: `ldk-htlc-payer vs glint ${channelType}` });
      expect(ch.type).toBe(channelType);
      const pay = await glintPayments(g);
      const before = await walletSat(g);
      const amountMsat = 25_000_000n;
      const { close, commitment, htlcVout, paymentHash } = await ldkPaysAndForceCloses(w, g, payer, ch.channelId, amountMsat);
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
      const input = claim.ins.find((i) => i.index === htlcVout && displayTxid(i.hash) === close.commitmentTxid)!;
      // BOLT 3: in LDK’s commitment it is an offered HTLC output; its preimage path is <remotehtlcsig> <payment_preimage> <witnessScript>.
      expect(input.witness).toHaveLength(3);
      expect(Buffer.from(sha256(input.witness[1]!)).toString('hex')).toBe(paymentHash);
      if (anchors) expect(input.sequence).toBe(1);
      for (const o of claim.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
      expect(pay.payment(paymentHash)).toMatchObject({ status: 'succeeded', amountMsat });
      // Glint had no balance but the HTLC (nothing pushed): its wallet grew by the HTLC minus the claim's fee, to the sat.
      const claims = glintClaims(g, close.commitmentTxid, commitment);
      expect(claims.map((c) => c.getId())).toEqual([claimTxid]);
      expect((await walletSat(g)) - before).toBe(amountMsat / 1000n - claimFee(claim, commitment, close.commitmentTxid));
    }, 240_000);
  }
});

describe('BOLT 5: LDK force-closes, then claims Glint’s HTLC with the preimage on chain (LDK peer, bcoin chain)', () => {
  for (const channelType of CHANNEL_TYPES) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: LDK holds Glint’s HTLC, force-closes, then releases the preimage: its HTLC-success tx${anchors ? ' (BumpTransactionEvent::HTLCResolution: a fee input from its wallet)' : ''} is accepted and mined, Glint learns the preimage from it and the payment succeeds; to_remote swept`, async () => {
      const holder = await ldkPeer(w, `ldk-htlc-success-${channelType}`, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      const bumper = anchors ? attachBumpHandler(holder.node, w.chain, RegtestWallet.fromSeed(`bump success ${channelType}`)) : undefined;
      if (bumper) await w.chain.faucet(bumper.wallet.script, 100_000);
      const g = await glintNode(w, { minimumDepth: 1, fundSat: 300_000, sweepToWallet: true });
      await mine(w, g, 1);
      const ch = await openGlintToLdk(w, g, holder, channelType, 200_000n);
      const pay = await glintPayments(g);
      holder.node.payments.policy = 'hold';
      const amountMsat = 40_000_000n;
      const bolt11 = holder.node.createInvoice({ amountMsat, description: 'claimed on chain by LDK' });
      const paymentHash = holder.node.payments.paymentHashOf(bolt11);
      expect((await pay.pay(bolt11, { timeoutMs: 3_000 })).status).toBe('pending');
      await waitForHeld(holder.node, paymentHash);

      const close = await forceCloseLdk(holder.node, ch.channelId, hexToBytes(g.peers.nodeId));
      await holder.feed.flush();
      const { commitment, htlcVout } = await mineCommitment(g, close, amountMsat);
      expect(g.channels.get(ch.channelId)?.state).toBe('force-closing');

      // LDK now claims: the preimage goes to its ChannelMonitor, which spends the HTLC output with an HTLC-success tx.
      holder.node.payments.release(paymentHash, 'claim');
      let success: Transaction | undefined;
      for (let i = 0; i < 6 && !success; i++) {
        await until(() => close.htlcTxs('htlc-success').length > 0, 'LDK’s HTLC-success tx', 3_000, holder.node).catch(() => undefined);
        const found = close.htlcTxs('htlc-success')[0];
        if (found) {
          await until(() => w.chain.mempoolTxids().includes(found.txid), 'the HTLC-success tx in the mempool', 5_000, holder.node);
          success = Transaction.fromBuffer(Buffer.from(found.raw));
        } else await mine(w, g, 1); // anchors: nSequence 1 → valid once the commitment has a confirmation
      }
      expect(success).toBeDefined();
      expect(success!.ins.find((i) => displayTxid(i.hash) === close.commitmentTxid)!.index).toBe(htlcVout);
      if (bumper) {
        expect(bumper.records.map((r) => r.kind)).toContain('htlc-resolution');
        expect(success!.ins.length).toBe(2); // the HTLC output + a fee input of LDK's wallet
        const fee = success!.ins.find((i) => displayTxid(i.hash) !== close.commitmentTxid)!;
        expect(Buffer.from(w.chain.index.output(displayTxid(fee.hash), fee.index)!.script).equals(Buffer.from(bumper.wallet.script))).toBe(true);
      }
      await mine(w, g, 1);
      expect(w.chain.index.tx(success!.getId())?.block).toBeDefined();
      for (let i = 0; i < 8 && pay.payment(paymentHash)?.status === 'pending'; i++) {
        await g.channels.idle();
        await pay.idle();
        if (pay.payment(paymentHash)?.status === 'pending') await mine(w, g, 1);
      }
      expect(pay.payment(paymentHash)).toMatchObject({ status: 'succeeded', amountMsat });
      // Our to_remote on LDK's commitment was swept into the wallet.
      const claims = glintClaims(g, close.commitmentTxid, commitment);
      expect(claims).toHaveLength(1);
      expect(claims[0]!.ins.map((i) => i.index)).not.toContain(htlcVout);
    }, 240_000);
  }
});
