/**
 * BOLT 5 fees with `option_anchors` against real LDK code on the bcoin regtest chain: Glint
 * force-closes holding the preimage of an incoming HTLC (its fulfil to LDK lost with the link,
 * as in bolt05-local-htlcs-ldk). Its zero-fee HTLC-success tx gets a wallet coin and change at
 * the estimate for its deadline (the HTLC's cltv_expiry), but the miners want more: blocks are
 * mined as a fee market (RegtestChain `mine({minFeeRate})`), so it waits in the mempool. It can
 * be neither replaced (its coin is reserved to it; bcoin has no RBF) nor CPFP'd from its output
 * 0 (CSV-delayed), so as the deadline nears Glint CPFPs it from its change output: the package
 * is mined before cltv_expiry; then the delayed outputs are swept and Glint's wallet ends with,
 * to the sat, what it had + its balance + the HTLC − the commitment fee − the anchors − the fee
 * of every transaction it published (read from the mined transactions).
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { Message } from '../../engine/wire/message.ts';
import { channelOf, glintNode, glintPayments, ldkPeer, mine, openGlintToLdk, paymentsSettled, startWorld, stopWorld, until, type Glint, type World } from '../harness/glint-ldk.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** What the estimates say (sat/vB by target): anything from 6 blocks on costs the floor, faster costs more. */
const ESTIMATES = { 1: 12, 2: 6, 6: 1, 144: 1, 1008: 1 };
/** What the miners take (sat/vB): more than the estimate for the HTLC's deadline. */
const MARKET = 1.8;

const displayHex = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');
const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);

function mined(txid: string): Transaction {
  const entry = w.chain.index.tx(txid);
  expect(entry?.block, `${txid} is mined`).toBeDefined();
  return Transaction.fromBuffer(Buffer.from(entry!.raw));
}

function feeOf(txid: string): bigint {
  const tx = mined(txid);
  const inSum = tx.ins.reduce((s, i) => s + Transaction.fromBuffer(Buffer.from(w.chain.index.tx(displayHex(i.hash))!.raw)).outs[i.index]!.value, 0n);
  return inSum - sumOut(tx);
}

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

async function walletSat(g: Glint): Promise<bigint> {
  await g.watch.sync();
  return g.watch.utxos().filter((u) => u.status.confirmed).reduce((s, u) => s + u.valueSat, 0n);
}

/** Glint's messages to `peerId` are lost from its first update_fulfill_htlc on, and the link drops. */
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

describe('BOLT 5 fees, anchors: our HTLC-success tx held out of fee-market blocks is CPFP’d from its change', () => {
  test('anchors_zero_fee_htlc_tx: the package is mined before cltv_expiry; the wallet ends with every sat less the fees', async () => {
    const peer = await ldkPeer(w, 'ldk-htlc-tx-cpfp', { anchors: true, relay: false, config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const g = await glintNode(w, { minimumDepth: 1, fundSat: 600_000, sweepToWallet: true });
    await mine(w, g, 1);
    const ch = await openGlintToLdk(w, g, peer, 'anchors_zero_fee_htlc_tx', 300_000n);
    const pay = await glintPayments(g);
    const first = await pay.pay(peer.node.createInvoice({ amountMsat: 100_000_000n, description: 'a balance for LDK' }));
    expect(first.status).toBe('succeeded');
    await paymentsSettled(g, [peer.node]);

    const inMsat = 25_000_000n;
    const inv = await pay.createInvoice({ amountMsat: inMsat, description: 'fulfilled, then the link died' });
    const cut = cutLinkOnFulfill(g, peer.node.nodeIdHex);
    const sent = peer.node.payInvoice(inv.bolt11).catch((err: unknown) => err);
    await cut;
    await until(() => g.peers.peers().length === 0, 'disconnected from LDK');
    await g.channels.idle();
    const info = channelOf(g, ch.localId);
    const localSat = info.localMsat / 1000n;
    const before = await walletSat(g);

    w.chain.setFeeEstimates(ESTIMATES);
    const { closingTxid } = await g.channels.close(ch.channelId, { force: true });
    await until(() => w.chain.mempoolTxids().includes(closingTxid), 'our commitment in the mempool');
    await mine(w, g, 1); // no market yet: the commitment (and its anchor CPFP, if any) in
    const commitment = mined(closingTxid);
    const inVout = commitment.outs.findIndex((o) => o.value * 1000n === inMsat && o.script.length === 34);
    expect(inVout).toBeGreaterThanOrEqual(0);
    const anchorsSat = 660n;
    const commitFee = info.capacitySat - sumOut(commitment);
    const toLocalVout = commitment.outs.findIndex((o) => o.value === localSat - commitFee - anchorsSat);
    expect(toLocalVout).toBeGreaterThanOrEqual(0);

    // The funded HTLC-success tx goes out below the market.
    const successTxid = await spenderOf(g, closingTxid, inVout, 'the HTLC-success tx');
    await until(() => w.chain.mempoolTxids().includes(successTxid), 'the HTLC-success tx in the mempool');
    const success = Transaction.fromBuffer(Buffer.from(await g.client.transaction(successTxid)));
    expect(success.ins.length).toBeGreaterThanOrEqual(2);
    expect(success.outs).toHaveLength(2); // the delayed HTLC output, the wallet's change
    const successInSat = commitment.outs[inVout]!.value + (await Promise.all(success.ins.slice(1).map(async (i) => Transaction.fromBuffer(Buffer.from(await g.client.transaction(displayHex(i.hash)))).outs[i.index]!.value))).reduce((s, v) => s + v, 0n);
    expect(Number(successInSat - sumOut(success)) / success.virtualSize()).toBeLessThan(MARKET);

    // Its deadline: LDK can take the output by timeout from the HTLC's cltv_expiry.
    const saved = decodeChannelState((await g.store.get(`channel/${ch.channelId}`))!);
    if (!('commitments' in saved)) throw new Error(`unexpected ${saved.type}`);
    const cltvExpiry = saved.commitments.localCommit.spec.htlcs.find((h) => h.amountMsat === inMsat)!.cltvExpiry;
    expect(cltvExpiry - w.chain.height).toBeGreaterThan(2); // room for a bump

    // Fee-market blocks until it is in: a CPFP child of its change gets it there.
    const startHeight = w.chain.height;
    for (let i = 0; i < 200 && !w.chain.index.tx(successTxid)?.block; i++) {
      await mine(w, g, 1, { minFeeRate: MARKET });
      await g.channels.idle();
    }
    const inBlock = w.chain.index.tx(successTxid)!.block!.height;
    const child = await g.client.outSpend(successTxid, 1);
    expect(child.spent && child.status.confirmed && child.status.blockHeight === inBlock).toBe(true);
    expect(inBlock).toBeGreaterThan(startHeight);
    expect(inBlock).toBeLessThan(cltvExpiry); // before LDK could time the HTLC out
    expect(pay.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded' });

    // Normal blocks: after to_self_delay both delayed outputs are swept; closed once deep.
    for (let i = 0; i < 200 && channelOf(g, ch.localId).state !== 'closed'; i++) {
      await mine(w, g, 1);
      await g.channels.idle();
      await pay.idle();
    }
    expect(channelOf(g, ch.localId).state).toBe('closed');
    const sweeps = [await spenderOf(g, closingTxid, toLocalVout, 'the to_local sweep', 1_000), await spenderOf(g, successTxid, 0, 'the HTLC-success output sweep', 1_000)];
    // Every CPFP child chained on the change (each spends the one before's output 0).
    const children: string[] = [];
    for (let id = successTxid, vout = 1; ; vout = 0) {
      const s = await g.client.outSpend(id, vout);
      if (!s.spent || !s.status.confirmed) break;
      children.push(s.txid);
      id = s.txid;
    }
    expect(children.length).toBeGreaterThan(0);
    const fees = [successTxid, ...children, ...sweeps].map(feeOf).reduce((s, f) => s + f, 0n);
    expect(await walletSat(g)).toBe(before + localSat + inMsat / 1000n - commitFee - anchorsSat - fees);
    void sent;
  }, 600_000);
});
