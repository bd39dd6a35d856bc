/**
 * BOLT 4 / BOLT 11 payments over one direct Glint ⇄ LDK channel (bcoin regtest chain, real TCP):
 *
 *   - Glint pays an LDK invoice: one-hop onion (final payload with payment_data), LDK claims,
 *     Glint gets the preimage; exactly the amount moves; both sides' balances agree to the msat;
 *   - LDK pays a Glint invoice (its route hint names LDK → Glint by LDK's alias for the channel):
 *     Glint peels the onion as the final node, checks the payment_secret, claims; both agree;
 *   - paying the same invoice again returns the earlier result and sends nothing;
 *   - the whole GlintNode (as the CLI and the worker host it) over an anchors channel: pay, get
 *     paid, 'payment' events, and the history read back after the node restarts from its store.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import {
  channelBalances,
  glintNode,
  glintPayments,
  ldkPeer,
  mine,
  openGlintToLdk,
  paymentsSettled,
  startWorld,
  stopWorld,
  until,
  type Glint,
  type GlintPayments,
  type LdkPeer,
  type World,
} from '../harness/glint-ldk.ts';
import type { ChannelInfo } from '../../engine/node/channels.ts';
import { decodeInvoice } from '../../engine/invoice/index.ts';
import { EsploraClient, GlintNode, MemoryKVStore, WalletService, type FetchLike, type GlintNodeEvent } from '../../engine/index.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';

let w: World;
let g: Glint;
let pay: GlintPayments;
let b: LdkPeer;
let ch: ChannelInfo;

const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

function agree(): { local: bigint; remote: bigint } {
  const seen = channelBalances(g, b.node, ch.channelId);
  expect(seen.glint).toEqual({ local: seen.ldk.remote, remote: seen.ldk.local });
  return seen.glint;
}

beforeAll(async () => {
  w = await startWorld();
  b = await ldkPeer(w, 'ldk-direct', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
  g = await glintNode(w, { minimumDepth: 1, fundSat: 1_000_000 });
  await mine(w, g, 1);
  await g.service.sync();
  ch = await openGlintToLdk(w, g, b, 'static_remotekey', 400_000n);
  await g.channels.onTip();
  pay = await glintPayments(g);
}, 90_000);

afterAll(async () => {
  await stopWorld(w);
});

describe('BOLT 4 direct payments: Glint ⇄ LDK over one channel', () => {
  test('Glint pays an LDK invoice: LDK claims, Glint has the preimage, 50,000 sat moved, balances agree to the msat', async () => {
    const before = agree();
    const invoice = b.node.createInvoice({ amountMsat: 50_000_000n, description: 'direct' });
    const result = await pay.pay(invoice);
    expect(result).toMatchObject({ status: 'succeeded', feeMsat: 0n });
    expect(sha256Hex(result.preimage!)).toBe(result.paymentHash);
    const claimed = await b.node.waitForClaimed(result.paymentHash);
    expect(claimed).toMatchObject({ amountMsat: 50_000_000n, purpose: 'invoice' });
    await paymentsSettled(g, [b.node]);
    const after = agree();
    expect(before.local - after.local).toBe(50_000_000n);
    expect(after.remote - before.remote).toBe(50_000_000n);
    expect(pay.payment(result.paymentHash)).toMatchObject({ direction: 'outgoing', status: 'succeeded', amountMsat: 50_000_000n, feeMsat: 0n, preimage: result.preimage, payee: b.node.nodeIdHex });
  });

  test('paying the same invoice again returns the earlier result; nothing more moves', async () => {
    const invoice = b.node.createInvoice({ amountMsat: 1_000_000n, description: 'twice' });
    const first = await pay.pay(invoice);
    expect(first.status).toBe('succeeded');
    await paymentsSettled(g, [b.node]);
    const mid = agree();
    const second = await pay.pay(invoice);
    expect(second).toMatchObject({ status: 'succeeded', preimage: first.preimage, paymentHash: first.paymentHash });
    await paymentsSettled(g, [b.node]);
    expect(agree()).toEqual(mid);
    expect(b.node.claimed().filter((c) => c.paymentHash === first.paymentHash)).toHaveLength(1);
  });

  test('LDK pays a Glint invoice over the channel: Glint claims as the final node; balances agree to the msat', async () => {
    const before = agree();
    const created = await pay.createInvoice({ amountMsat: 20_000_000n, description: 'from LDK' });
    const decoded = decodeInvoice(created.bolt11, { network: 'regtest' });
    expect(decoded.routeHints).toHaveLength(1);
    expect(Buffer.from(decoded.routeHints[0]![0]!.nodeId).toString('hex')).toBe(b.node.nodeIdHex);
    const sent = await b.node.payInvoice(created.bolt11);
    expect(sent.paymentHash).toBe(created.paymentHash);
    await until(() => pay.payment(created.paymentHash)?.status === 'succeeded', 'the incoming payment succeeded on Glint');
    expect(pay.payment(created.paymentHash)).toMatchObject({ direction: 'incoming', kind: 'invoice', status: 'succeeded', amountMsat: 20_000_000n, preimage: sent.preimage });
    await paymentsSettled(g, [b.node]);
    const after = agree();
    expect(after.local - before.local).toBe(20_000_000n);
  });
});

describe('GlintNode payments over an anchors channel with LDK', () => {
  const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);
  const client = () => new EsploraClient({ baseUrl: w.esplora.url, fetch: nodeFetch, clock: nodeClock, entropy: nodeEntropy, abort: () => new AbortController(), timeoutMs: 10_000, network: 'regtest' });
  const nodeOf = (wallet: WalletService) => new GlintNode({ wallet, chain: client(), dialer: nodeDialer, clock: nodeClock, entropy: nodeEntropy, pollIntervalMs: 0 });

  test('pay and get paid through GlintNode; payment events; the history survives a restart', async () => {
    const peer = await ldkPeer(w, 'ldk-anchors', { anchors: true, config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const raw = new MemoryKVStore();
    const wallet = await WalletService.create({ raw, passphrase: 'p', network: 'regtest', entropy: nodeEntropy, scrypt: { log2N: 10, r: 8, p: 1 } });
    wallet.attachChain(client());
    await w.chain.faucet(await wallet.receiveAddress(), 600_000);
    await w.chain.mine(1);
    const node = nodeOf(wallet);
    const events: GlintNodeEvent[] = [];
    node.subscribe((e) => events.push(e));
    await node.start();
    const opened = await node.open(`${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`, 300_000n);
    await w.chain.mine(1);
    await node.poll();
    await until(() => node.channel(opened.channelId)?.usable === true, 'the anchors channel usable', 20_000, peer.node);
    expect(node.channel(opened.channelId)!.type).toBe('anchors_zero_fee_htlc_tx');

    const invoice = peer.node.createInvoice({ amountMsat: 40_000_000n, description: 'anchors' });
    expect(node.estimatePayFee(invoice)).toEqual({ feeMsat: 0n, route: 'direct' });
    const paid = await node.pay(invoice);
    expect(paid.status).toBe('succeeded');
    await peer.node.waitForClaimed(paid.paymentHash);
    await peer.node.waitForNoPendingHtlcs(20_000); // LDK can spend what it received once the dance is done

    const created = await node.createInvoice({ amountMsat: 15_000_000n, description: 'to glint' });
    const sent = await peer.node.payInvoice(created.bolt11);
    await until(() => node.payment(created.paymentHash)?.status === 'succeeded', 'the incoming payment claimed');
    expect(sent.preimage).toBe(node.payment(created.paymentHash)!.preimage);
    await peer.node.waitForNoPendingHtlcs(20_000);
    await until(() => node.channel(opened.channelId)!.localMsat === 300_000_000n - 40_000_000n + 15_000_000n, 'Glint’s balance settled', 10_000);
    const theirs = peer.node.channelBalances().find((x) => x.channelId === opened.channelId)!;
    const ours = node.channel(opened.channelId)!;
    expect(ours.remoteMsat).toBe(theirs.balanceMsat);
    expect(ours.localMsat).toBe(theirs.valueSat * 1000n - theirs.balanceMsat);

    const paymentEvents = events.filter((e): e is Extract<GlintNodeEvent, { type: 'payment' }> => e.type === 'payment');
    expect(paymentEvents.some((e) => e.payment.paymentHash === paid.paymentHash && e.payment.status === 'succeeded')).toBe(true);
    expect(paymentEvents.some((e) => e.payment.paymentHash === created.paymentHash && e.payment.direction === 'incoming' && e.payment.status === 'succeeded')).toBe(true);
    expect(node.payments().map((p) => p.paymentHash)).toEqual([created.paymentHash, paid.paymentHash]);

    await node.stop();
    const again = nodeOf(await WalletService.open({ raw, passphrase: 'p', entropy: nodeEntropy }));
    await again.start({ connectPeers: false });
    expect(again.payment(paid.paymentHash)).toMatchObject({ direction: 'outgoing', status: 'succeeded', amountMsat: 40_000_000n, preimage: paid.preimage });
    expect(again.payment(created.paymentHash)).toMatchObject({ direction: 'incoming', status: 'succeeded', amountMsat: 15_000_000n });
    await again.stop();
  }, 60_000);
});
