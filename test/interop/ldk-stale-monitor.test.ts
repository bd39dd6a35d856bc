/**
 * The cheating and force-closing LDK peer for issue 6's BOLT 5 interop tests, proven LDK-only (and
 * once against Glint) on the bcoin regtest chain. Every transaction below is accepted by bcoin's
 * mempool (consensus script checks) and mined.
 *
 * Revoked commitments (BOLT 5 "Revoked Transaction Close Handling"), by the recipe of issue 6: A's
 * serialized ChannelMonitor is kept at an early state (playground/ldk/stale-monitor.ts
 * `monitorSnapshot`), the channel moves on (payments revoke that commitment), then the stale bytes
 * go into a separate ChainMonitor that broadcasts "its latest" holder commitment
 * (`replayStaleMonitor`) — what A restored from an old backup would publish:
 *   - its commitment number (BOLT 3: locktime/sequence XOR the obscuring factor) is below the live
 *     one; the honest LDK's justice tx takes A's to_local through the revocation path at once;
 *   - kept while an HTLC was pending (both channel types): the honest LDK takes to_local and the
 *     HTLC output by the revocation key;
 *   - fed the chain, the replayed monitor publishes its revoked HTLC-timeout at cltv_expiry; once
 *     mined, the honest LDK (offline meanwhile) takes that tx's output by revocation;
 *   - against Glint: the number decoded with Glint's own obscuring factor is below Glint's
 *     `remoteCommit.index` (Glint is not told about the block: its reaction is a later test).
 * The first test takes the factor from A's very first monitor (commitment 0, whose obscured number
 * IS the factor); the Glint test checks the same numbers with the factor from both basepoints.
 *
 * LDK force-closes with an HTLC pending (playground/ldk/force-close.ts, BOLT 5 "Unilateral Close
 * Handling"): as payee holding a received HTLC it publishes the HTLC-success tx once it claims,
 * and the payer learns the preimage from the chain; as payer it publishes the HTLC-timeout tx at
 * the HTLC's cltv_expiry and the payment fails.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { glintNode, glintPayments, ldkPeer, ldkSettled, mine, openLdkToGlint, openLdkToLdk, paymentsSettled, startWorld, stopWorld, until, type LdkChannel, type LdkPeer, type World } from '../harness/glint-ldk.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { commitmentNumberFromLocks, obscuringFactor } from '../../engine/channel/bolt3/commitment-number.ts';
import { inputsOf, monitorKey, monitorKeyOfChannel, monitorSnapshot, replayStaleMonitor, txidOf } from '../../playground/ldk/stale-monitor.ts';
import { classifyCommitmentSpend, forceCloseLdk, payAndHold, submitAll } from '../../playground/ldk/force-close.ts';
import { attachLdk } from '../../playground/chain/index.ts';
import { LdkPaymentError } from '../../playground/ldk/payments.ts';
import { createHash } from 'node:crypto';

let w: World;
let a: LdkPeer;
let b: LdkPeer;
let ab: LdkChannel;

/** BOLT 3: the obscured commitment number from a commitment's locktime (lower 24 bits) and input sequence (upper 24 bits). */
function obscuredNumber(raw: Uint8Array): bigint {
  const tx = Transaction.fromBuffer(Buffer.from(raw));
  expect(tx.locktime >>> 24).toBe(0x20);
  expect(tx.ins[0]!.sequence >>> 24).toBe(0x80);
  return (BigInt(tx.ins[0]!.sequence & 0xffffff) << 24n) | BigInt(tx.locktime & 0xffffff);
}

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

describe('BOLT 5 revoked commitment from a stale LDK ChannelMonitor (LDK ⇄ LDK, bcoin chain)', () => {
  beforeAll(async () => {
    a = await ldkPeer(w, 'ldk-cheater', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    b = await ldkPeer(w, 'ldk-honest', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    ab = await openLdkToLdk(w, a, b, { fundingSat: 500_000n, seed: 'ldk-stale-monitor a-b' });
  }, 60_000);

  test('the replayed commitment is revoked (lower commitment number), bcoin mines it, and B’s justice tx takes A’s to_local before the delay', async () => {
    const key = monitorKeyOfChannel(a.node, ab.channelId);
    expect(key.endsWith(`:${Transaction.fromBuffer(Buffer.from(w.chain.index.tx(ab.fundingTxid)!.raw)).outs.findIndex((o) => o.value === 500_000n)}`)).toBe(true);
    const initial = monitorSnapshot(a.node, key);

    await a.node.payInvoice(b.node.createInvoice({ amountMsat: 100_000_000n, description: 'first' }));
    await ldkSettled([a.node, b.node]);
    const stale = monitorSnapshot(a.node, key);
    for (const amountMsat of [50_000_000n, 25_000_000n]) {
      await a.node.payInvoice(b.node.createInvoice({ amountMsat, description: 'later' }));
      await ldkSettled([a.node, b.node]);
    }
    const live = monitorSnapshot(a.node, key);

    const replay = (bytes: Uint8Array) => replayStaleMonitor(w.ldk, a.node.keysManager, bytes);
    const atOpen = replay(initial);
    const revoked = replay(stale);
    const current = replay(live);
    for (const r of [atOpen, revoked, current]) {
      expect(r.fundingOutpoint).toBe(key);
      expect(inputsOf(r.commitmentTx)).toEqual([{ txid: ab.fundingTxid, vout: Number(key.split(':')[1]) }]);
      expect(r.htlcTxs).toEqual([]); // no HTLC was pending in any of these states
    }
    expect(revoked.latestUpdateId).toBeLessThan(current.latestUpdateId);
    // Commitment 0's obscured number is the obscuring factor itself (BOLT 3).
    const factor = obscuredNumber(atOpen.commitmentTx);
    const revokedNumber = obscuredNumber(revoked.commitmentTx) ^ factor;
    const currentNumber = obscuredNumber(current.commitmentTx) ^ factor;
    // Every payment is two commitment updates per side: update_add_htlc, then update_fulfill_htlc (BOLT 2).
    expect(revokedNumber).toBe(2n);
    expect(currentNumber).toBe(6n);
    expect(revoked.commitmentTxid).not.toBe(current.commitmentTxid);
    // A's live monitor is untouched by the replays: nothing of theirs reached A's broadcaster.
    expect(a.node.broadcasts.map(txidOf)).not.toContain(revoked.commitmentTxid);

    // Publish the revoked commitment: bcoin checks it as a spend of the funding output.
    const submitted = await w.chain.submit(revoked.commitmentTx);
    expect(submitted).toEqual({ ok: true, txid: revoked.commitmentTxid });
    const revokedTx = Transaction.fromBuffer(Buffer.from(revoked.commitmentTx));
    const toLocalVout = revokedTx.outs.findIndex((o) => o.script.length === 34 && o.script[0] === 0x00 && o.script[1] === 0x20);
    expect(toLocalVout).toBeGreaterThanOrEqual(0);
    expect(revokedTx.outs[toLocalVout]!.value).toBeGreaterThan(390_000n); // A's 500k sat minus the 100k sat paid, minus the fee
    await w.chain.mine(1);
    const minedAt = w.chain.index.tx(revoked.commitmentTxid)?.block?.height;
    expect(minedAt).toBe(w.chain.height);

    // B's monitor sees a revoked commitment and publishes its justice tx (its feed submits it).
    const isJustice = (raw: Uint8Array) => inputsOf(raw).some((i) => i.txid === revoked.commitmentTxid && i.vout === toLocalVout);
    await until(() => b.node.broadcasts.some(isJustice), 'B’s justice tx', 20_000, b.node);
    await b.feed.flush();
    const justiceRaw = b.node.broadcasts.find(isJustice)!;
    const justice = Transaction.fromBuffer(Buffer.from(justiceRaw));
    const spend = justice.ins.find((i) => i.index === toLocalVout)!;
    // BOLT 3 to_local revocation path: <revocation_sig> 1 <to_local script starting OP_IF>.
    expect(spend.witness).toHaveLength(3);
    expect([...spend.witness[1]!]).toEqual([1]);
    expect(spend.witness[2]![0]).toBe(0x63);
    expect(spend.sequence).not.toBe(144); // not waiting out A's to_self_delay
    const justiceTxid = justice.getId();
    await until(() => w.chain.mempoolTxids().includes(justiceTxid), 'the justice tx in the mempool', 20_000, b.node);
    await w.chain.mine(1);
    const justiceAt = w.chain.index.tx(justiceTxid)?.block?.height;
    expect(justiceAt).toBe(minedAt! + 1);
    const taken = justice.outs.reduce((sum, o) => sum + o.value, 0n);
    expect(revokedTx.outs[toLocalVout]!.value - taken).toBeLessThan(2_000n); // everything but the fee
  }, 60_000);
});

describe('BOLT 5 revoked commitment with an HTLC output, from a stale LDK ChannelMonitor', () => {
  for (const anchors of [false, true]) {
    const channelType = anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey';
    test(`${channelType}: the monitor kept while an HTLC was pending replays a revoked commitment with that HTLC output; bcoin mines it; the honest LDK takes to_local and the HTLC output through the revocation key`, async () => {
      const cheater = await ldkPeer(w, `ldk-cheater-${channelType}`, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      const honest = await ldkPeer(w, `ldk-honest-${channelType}`, { anchors, config: { maxInboundHtlcValueInFlightPercent: 100 } });
      const channel = await openLdkToLdk(w, cheater, honest, { fundingSat: 300_000n, seed: `ldk-stale-htlc ${channelType}` });
      const key = monitorKeyOfChannel(cheater.node, channel.channelId);
      const held = await payAndHold(cheater.node, honest.node, 40_000_000n);
      const stale = monitorSnapshot(cheater.node, key);
      honest.node.payments.release(held.paymentHash, 'claim');
      honest.node.payments.policy = 'claim';
      expect(await held.sent).toMatchObject({ paymentHash: held.paymentHash });
      await ldkSettled([cheater.node, honest.node]);
      await cheater.node.payInvoice(honest.node.createInvoice({ amountMsat: 10_000_000n, description: 'after' }));
      await ldkSettled([cheater.node, honest.node]);

      const revoked = replayStaleMonitor(w.ldk, cheater.node.keysManager, stale);
      expect(revoked.latestUpdateId).toBeLessThan(replayStaleMonitor(w.ldk, cheater.node.keysManager, monitorSnapshot(cheater.node, key)).latestUpdateId);
      expect(revoked.htlcTxs).toEqual([]); // an offered HTLC: its timeout tx waits for cltv_expiry
      const revokedTx = Transaction.fromBuffer(Buffer.from(revoked.commitmentTx));
      const htlcVout = htlcOutputOf(revoked.commitmentTx, held.amountMsat);
      expect(htlcVout).toBeGreaterThanOrEqual(0);
      const toLocalVout = revokedTx.outs.reduce((best, o, i) => (o.value > revokedTx.outs[best]!.value ? i : best), 0);
      expect(revokedTx.outs[toLocalVout]!.value).toBeGreaterThan(250_000n); // 300k minus the 40k HTLC, minus fees (and anchors)
      expect(revokedTx.outs.filter((o) => o.value === 330n)).toHaveLength(anchors ? 2 : 0);

      expect(await submitAll(w.chain, [revoked.commitmentTx])).toEqual([revoked.commitmentTxid]);
      await w.chain.mine(1);
      const minedAt = w.chain.height;
      expect(w.chain.index.tx(revoked.commitmentTxid)?.block?.height).toBe(minedAt);

      const spenderOf = (vout: number) => honest.node.broadcasts.find((raw) => inputsOf(raw).some((i) => i.txid === revoked.commitmentTxid && i.vout === vout));
      await until(() => spenderOf(toLocalVout) !== undefined && spenderOf(htlcVout) !== undefined, 'justice for to_local and the HTLC output', 20_000, honest.node);
      const witnessOf = (vout: number) => {
        const tx = Transaction.fromBuffer(Buffer.from(spenderOf(vout)!));
        return tx.ins[tx.ins.findIndex((i) => Buffer.from(i.hash).reverse().toString('hex') === revoked.commitmentTxid && i.index === vout)]!.witness;
      };
      // BOLT 3: to_local by `<revocation_sig> 1`; an offered HTLC output by `<revocation_sig> <revocationpubkey>`.
      expect([...witnessOf(toLocalVout)[1]!]).toEqual([1]);
      expect(witnessOf(htlcVout)).toHaveLength(3);
      expect(witnessOf(htlcVout)[1]!.length).toBe(33);
      await honest.feed.flush();
      const justiceTxids = [...new Set([spenderOf(toLocalVout)!, spenderOf(htlcVout)!].map(txidOf))];
      await until(() => justiceTxids.every((t) => w.chain.mempoolTxids().includes(t)), 'the justice txs in the mempool', 20_000, honest.node);
      await w.chain.mine(1);
      for (const t of justiceTxids) expect(w.chain.index.tx(t)?.block?.height).toBe(minedAt + 1);
    }, 60_000);
  }
});

describe('BOLT 5 revoked second-stage HTLC tx, from a stale LDK ChannelMonitor that follows the chain', () => {
  test('static_remotekey: the replayed monitor, fed the blocks, publishes its revoked HTLC-timeout at cltv_expiry; bcoin mines it; the honest LDK, catching up, takes its output with the revocation key', async () => {
    const cheater = await ldkPeer(w, 'ldk-cheater-second-stage', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const honest = await ldkPeer(w, 'ldk-honest-second-stage', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const channel = await openLdkToLdk(w, cheater, honest, { fundingSat: 300_000n, seed: 'ldk-stale-second-stage' });
    const key = monitorKeyOfChannel(cheater.node, channel.channelId);
    const held = await payAndHold(cheater.node, honest.node, 40_000_000n);
    const stale = monitorSnapshot(cheater.node, key);
    honest.node.payments.release(held.paymentHash, 'claim');
    honest.node.payments.policy = 'claim';
    await held.sent;
    await ldkSettled([cheater.node, honest.node]);

    // The honest node stops watching the chain (offline) while the cheater's revoked txs confirm.
    honest.feed.detach();
    const replay = replayStaleMonitor(w.ldk, cheater.node.keysManager, stale);
    for (let h = replay.bestBlockHeight + 1; h <= w.chain.height; h++) {
      const block = w.chain.block(h)!;
      replay.connectBlock(block.header, block.txs.map((t) => t.raw), h);
    }
    const following = w.chain.onBlock((e) => {
      if (e.type === 'connect') replay.connectBlock(e.block.header, e.block.txs.map((t) => t.raw), e.block.height);
      else replay.disconnectBlock(e.block.txs.map((t) => t.txid), e.tip.header, e.tip.height);
    });
    try {
      const htlcVout = htlcOutputOf(replay.commitmentTx, held.amountMsat);
      expect(htlcVout).toBeGreaterThanOrEqual(0);
      expect(await submitAll(w.chain, [replay.commitmentTx])).toEqual([replay.commitmentTxid]);
      await w.chain.mine(1);
      const timeoutOf = () => replay.spendsOf(replay.commitmentTxid).map((raw) => classifyCommitmentSpend(raw, replay.commitmentTxid)).find((sp) => sp.kind === 'htlc-timeout');
      await w.chain.mine(held.cltvExpiry - w.chain.height - 2);
      expect(timeoutOf()).toBeUndefined();
      while (!timeoutOf() && w.chain.height < held.cltvExpiry + 3) await w.chain.mine(1);
      const timeout = timeoutOf()!;
      expect(timeout.vouts).toEqual([htlcVout]);
      expect(timeout.locktime).toBe(held.cltvExpiry);
      // bcoin accepts the revoked HTLC-timeout (the honest side pre-signed it) and mines it.
      expect(await submitAll(w.chain, [timeout.raw])).toEqual([timeout.txid]);
      await w.chain.mine(1);
      const timeoutAt = w.chain.height;
      expect(w.chain.index.tx(timeout.txid)?.block?.height).toBe(timeoutAt);
    } finally {
      following();
    }

    // Back online: the honest node catches up block by block and punishes both stages.
    const timeoutTxid = txidOf(replay.spendsOf(replay.commitmentTxid).find((raw) => classifyCommitmentSpend(raw, replay.commitmentTxid).kind === 'htlc-timeout')!);
    const feed = attachLdk(w.chain, honest.node);
    try {
      const secondStageJustice = () => honest.node.broadcasts.find((raw) => inputsOf(raw).some((i) => i.txid === timeoutTxid && i.vout === 0));
      await until(() => secondStageJustice() !== undefined, 'justice on the HTLC-timeout output', 20_000, honest.node);
      const justice = Transaction.fromBuffer(Buffer.from(secondStageJustice()!));
      const input = justice.ins.find((i) => Buffer.from(i.hash).reverse().toString('hex') === timeoutTxid)!;
      // The HTLC-timeout output is a to_local-style script: `<revocation_sig> 1` (BOLT 3).
      expect([...input.witness[1]!]).toEqual([1]);
      expect(input.witness[2]![0]).toBe(0x63);
      await feed.flush();
      await until(() => w.chain.mempoolTxids().includes(justice.getId()), 'the second-stage justice tx in the mempool', 20_000, honest.node);
      await w.chain.mine(1);
      expect(w.chain.index.tx(justice.getId())?.block?.height).toBe(w.chain.height);
    } finally {
      feed.detach();
    }
  }, 60_000);
});

describe('BOLT 5 revoked LDK commitment against Glint (what the breach test needs)', () => {
  test('LDK opens to Glint and pays it; the replayed stale LDK commitment decodes, with Glint’s own obscuring factor, to a number below Glint’s current view of LDK’s commitment; bcoin mines it', async () => {
    const cheater = await ldkPeer(w, 'ldk-cheater-vs-glint', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const g = await glintNode(w, { minimumDepth: 1, fundSat: 200_000 });
    await mine(w, g, 1);
    const ch = await openLdkToGlint(w, g, cheater, { fundingSat: 200_000n, pushMsat: 0n, seed: 'ldk-stale vs glint' });
    const pay = await glintPayments(g);
    const key = monitorKeyOfChannel(cheater.node, ch.channelId);
    expect(key).toBe(monitorKey(ch.fundingTxid!, ch.fundingOutputIndex!));

    const first = await pay.createInvoice({ amountMsat: 30_000_000n, description: 'first' });
    await cheater.node.payInvoice(first.bolt11);
    await paymentsSettled(g, [cheater.node]);
    const stale = monitorSnapshot(cheater.node, key);
    for (const amountMsat of [20_000_000n, 10_000_000n]) {
      await cheater.node.payInvoice((await pay.createInvoice({ amountMsat, description: 'later' })).bolt11);
      await paymentsSettled(g, [cheater.node]);
    }

    await g.channels.idle();
    const saved = decodeChannelState((await g.store.get(`channel/${ch.channelId}`))!);
    if (!('commitments' in saved)) throw new Error('no commitments in Glint’s record');
    const c = saved.commitments;
    expect(c.isFunder).toBe(false);
    // BOLT 3: the opener's (LDK's) payment_basepoint first.
    const factor = obscuringFactor(c.remoteParams.paymentBasepoint, c.localParams.paymentBasepoint);
    const revoked = replayStaleMonitor(w.ldk, cheater.node.keysManager, stale);
    const tx = Transaction.fromBuffer(Buffer.from(revoked.commitmentTx));
    const revokedNumber = commitmentNumberFromLocks(tx.locktime, tx.ins[0]!.sequence, factor);
    expect(revokedNumber).toBe(2);
    expect(c.remoteCommit.index).toBe(6);
    expect(revokedNumber!).toBeLessThan(c.remoteCommit.index);
    expect(Buffer.from(c.remoteCommit.txid).reverse().toString('hex')).not.toBe(revoked.commitmentTxid);

    expect(await submitAll(w.chain, [revoked.commitmentTx])).toEqual([revoked.commitmentTxid]);
    await w.chain.mine(1); // Glint is not told (no onTip): the breach reaction is the later session's test
    expect(w.chain.index.tx(revoked.commitmentTxid)?.block?.height).toBe(w.chain.height);
  }, 60_000);
});

/** Two fresh LDK nodes (payer → holder) with a 300 000 sat channel, disconnected again once `prepare` ran (so only the closing side publishes). */
async function pairWithHeldHtlc(name: string, amountMsat: bigint) {
  const payer = await ldkPeer(w, `ldk-${name}-payer`, { config: { maxInboundHtlcValueInFlightPercent: 100 } });
  const holder = await ldkPeer(w, `ldk-${name}-holder`, { config: { maxInboundHtlcValueInFlightPercent: 100 } });
  const channel = await openLdkToLdk(w, payer, holder, { fundingSat: 300_000n, seed: `ldk-force-close ${name}` });
  const held = await payAndHold(payer.node, holder.node, amountMsat);
  expect(held.channelId).toBe(channel.channelId);
  expect(held.cltvExpiry).toBeGreaterThan(w.chain.height);
  payer.node.disconnect(holder.node.nodeId);
  await payer.node.waitForNoPeer(holder.node.nodeIdHex);
  await holder.node.waitForNoPeer(payer.node.nodeIdHex);
  return { payer, holder, channel, held };
}

const htlcOutputOf = (commitmentTx: Uint8Array, amountMsat: bigint) => Transaction.fromBuffer(Buffer.from(commitmentTx)).outs.findIndex((o) => o.value * 1000n === amountMsat && o.script.length === 34);

describe('BOLT 5 LDK force-closes with an HTLC pending (LDK ⇄ LDK, bcoin chain)', () => {
  test('received HTLC: LDK (payee) force-closes, its commitment is mined; given the preimage it broadcasts the HTLC-success tx, bcoin mines it, and the payer learns the preimage from the chain', async () => {
    const { payer, holder, channel, held } = await pairWithHeldHtlc('success', 40_000_000n);
    const close = await forceCloseLdk(holder.node, channel.channelId, payer.node.nodeId);
    expect(inputsOf(close.commitmentTx)).toEqual([{ txid: channel.fundingTxid, vout: expect.any(Number) }]);
    const htlcVout = htlcOutputOf(close.commitmentTx, held.amountMsat);
    expect(htlcVout).toBeGreaterThanOrEqual(0);
    await holder.feed.flush();
    await until(() => w.chain.mempoolTxids().includes(close.commitmentTxid), 'the commitment in the mempool', 20_000, holder.node);
    await w.chain.mine(1);
    expect(w.chain.index.tx(close.commitmentTxid)?.block?.height).toBe(w.chain.height);
    expect(close.htlcTxs()).toEqual([]); // no preimage in the monitor yet

    holder.node.payments.release(held.paymentHash, 'claim'); // claim_funds → the monitor learns the preimage
    const success = await close.waitForSpend((s) => s.kind === 'htlc-success', 'HTLC-success tx');
    expect(success.vouts).toEqual([htlcVout]);
    expect(success.locktime).toBe(0);
    const preimage = Transaction.fromBuffer(Buffer.from(success.raw)).ins[0]!.witness[3]!;
    expect(createHash('sha256').update(preimage).digest('hex')).toBe(held.paymentHash);
    await holder.feed.flush();
    await until(() => w.chain.mempoolTxids().includes(success.txid), 'the HTLC-success tx in the mempool', 20_000, holder.node);
    await w.chain.mine(1);
    expect(w.chain.index.tx(success.txid)?.block?.height).toBe(w.chain.height);

    const sent = await held.sent;
    expect(sent).not.toBeInstanceOf(Error);
    expect(sent).toMatchObject({ paymentHash: held.paymentHash, preimage: Buffer.from(preimage).toString('hex') });
  }, 60_000);

  test('offered HTLC: LDK (payer) force-closes, its commitment is mined; at the HTLC’s cltv_expiry it broadcasts the HTLC-timeout tx (locktime = cltv_expiry), bcoin mines it, and the payment fails', async () => {
    const { payer, holder, channel, held } = await pairWithHeldHtlc('timeout', 30_000_000n);
    const close = await forceCloseLdk(payer.node, channel.channelId, holder.node.nodeId);
    const htlcVout = htlcOutputOf(close.commitmentTx, held.amountMsat);
    expect(htlcVout).toBeGreaterThanOrEqual(0);
    // Submitted by the test (the feed relays it too; a second submission of the same tx is accepted as known).
    expect(await submitAll(w.chain, [close.commitmentTx])).toEqual([close.commitmentTxid]);
    await w.chain.mine(1);
    expect(w.chain.index.tx(close.commitmentTxid)?.block?.height).toBe(w.chain.height);

    // Nothing before the expiry; then the timeout tx.
    await w.chain.mine(held.cltvExpiry - w.chain.height - 2);
    expect(close.htlcTxs()).toEqual([]); // two blocks before the expiry it could not be mined yet
    let timeout = close.htlcTxs('htlc-timeout')[0];
    while (!timeout && w.chain.height < held.cltvExpiry + 3) {
      await w.chain.mine(1);
      timeout = close.htlcTxs('htlc-timeout')[0];
    }
    expect(timeout).toBeDefined();
    expect(timeout!.vouts).toEqual([htlcVout]);
    expect(timeout!.locktime).toBe(held.cltvExpiry);
    expect(w.chain.height + 1).toBeGreaterThan(held.cltvExpiry); // final in the next block (BIP 65/nLockTime)
    await payer.feed.flush();
    await until(() => w.chain.mempoolTxids().includes(timeout!.txid), 'the HTLC-timeout tx in the mempool', 20_000, payer.node);
    await w.chain.mine(1);
    expect(w.chain.index.tx(timeout!.txid)?.block?.height).toBe(w.chain.height);

    await w.chain.mine(6); // LDK fails the payment back once the timeout is safe from reorgs
    const sent = await held.sent;
    expect(sent).toBeInstanceOf(LdkPaymentError);
  }, 60_000);
});
