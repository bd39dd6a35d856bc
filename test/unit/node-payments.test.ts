/**
 * Payments between two real PaymentManagers (engine/node/payments) over the in-memory HTLC link
 * (test/harness/htlc-link.ts): BOLT 11 invoices signed and checked, BOLT 4 onions built and
 * peeled, failures returned and attributed, BOLT 4 final-node rules (payment_secret, amount,
 * expiry), basic MPP (send split over two channels, receive held until total_msat, mpp_timeout),
 * keysend, idempotency by payment hash, and restarts over the same store.
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { decodeInvoice, encodeInvoice, signInvoiceDigest } from '../../engine/invoice/index.ts';
import { PaymentManager } from '../../engine/node/payments/manager.ts';
import { RETRY_WINDOW_MS } from '../../engine/node/payments/outgoing.ts';
import { HOLD_SAFETY_BLOCKS, MPP_TIMEOUT_MS } from '../../engine/node/payments/incoming.ts';
import type { PaymentRecord } from '../../engine/node/payments/types.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import { HtlcLink, ManualClock } from '../harness/htlc-link.ts';
import { entropyOf } from '../harness/manager-fakes.ts';

interface PayNode {
  name: string;
  nodeId: string;
  secret: Uint8Array;
  store: MemoryKVStore;
  pm: PaymentManager;
  events: PaymentRecord[];
}

async function makePayNode(link: HtlcLink, clock: ManualClock, name: string, opts: { store?: MemoryKVStore; acceptKeysend?: boolean; entropyLabel?: string } = {}): Promise<PayNode> {
  const keychain = Keychain.fromSeed(sha256(new TextEncoder().encode(name)), 'regtest');
  const nodeId = bytesToHex(keychain.nodeId());
  const store = opts.store ?? new MemoryKVStore();
  const pm = new PaymentManager({
    channels: link.side(nodeId),
    store,
    clock,
    entropy: entropyOf(opts.entropyLabel ?? name),
    network: 'regtest',
    nodeSecret: keychain.nodeSecret(),
    nodeId,
    ...(opts.acceptKeysend !== undefined ? { acceptKeysend: opts.acceptKeysend } : {}),
  });
  const events: PaymentRecord[] = [];
  pm.subscribe((p) => events.push(p));
  await pm.start();
  return { name, nodeId, secret: keychain.nodeSecret(), store, pm, events };
}

async function setup(channels: readonly bigint[] = [1_000_000n], opts: { acceptKeysend?: boolean } = {}) {
  const link = new HtlcLink();
  const clock = new ManualClock();
  const a = await makePayNode(link, clock, 'alice');
  const b = await makePayNode(link, clock, 'bob', opts);
  const ids = channels.map((msat) => link.open(a.nodeId, b.nodeId, msat, 0n));
  return { link, clock, a, b, ids };
}

/** `bob`'s key signs an invoice with fields of our choosing (to test the payee's checks). */
function forgedInvoice(b: PayNode, fields: { paymentHash: Uint8Array; paymentSecret: Uint8Array; amountMsat?: bigint; timestampSec: number }): string {
  return encodeInvoice(
    { network: 'regtest', ...fields, description: 'forged', features: FeatureVector.fromBits([8, 14, 17]).toBytes(), minFinalCltvExpiryDelta: 24 },
    (d) => signInvoiceDigest(d, b.secret),
  );
}

describe('BOLT 11 invoice → BOLT 4 payment over a direct channel', () => {
  test('pay: the payee claims, the payer gets the preimage; records and events on both sides', async () => {
    const { link, a, b, ids } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 50_000n, description: 'coffee' });
    expect(b.pm.payment(inv.paymentHash)).toMatchObject({ direction: 'incoming', status: 'pending', amountMsat: 50_000n, description: 'coffee' });
    const decoded = decodeInvoice(inv.bolt11, { network: 'regtest' });
    expect(bytesToHex(decoded.payeeNodeId)).toBe(b.nodeId);
    expect(decoded.routeHints[0]![0]!.nodeId).toEqual(Uint8Array.from(Buffer.from(a.nodeId, 'hex')));

    const paying = a.pm.pay(inv.bolt11);
    await link.settle();
    const r = await paying;
    expect(r).toMatchObject({ status: 'succeeded', paymentHash: inv.paymentHash, feeMsat: 0n });
    expect(bytesToHex(sha256(Buffer.from(r.preimage!, 'hex')))).toBe(inv.paymentHash);
    expect(b.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 50_000n, preimage: r.preimage });
    expect(a.pm.payment(inv.paymentHash)).toMatchObject({ direction: 'outgoing', status: 'succeeded', amountMsat: 50_000n, payee: b.nodeId, invoice: inv.bolt11 });
    expect(a.pm.payment(inv.paymentHash)!.htlcs).toEqual([{ channelId: ids[0], htlcId: '0', amountMsat: 50_000n, cltvExpiry: expect.any(Number), status: 'succeeded' }]);
    expect(link.channel(ids[0]!).balance.get(b.nodeId)).toBe(50_000n);
    expect(a.events.map((e) => e.status)).toContain('succeeded');
    expect(b.events.at(-1)).toMatchObject({ status: 'succeeded' });
  });

  test('any-amount invoice: refused without an amount, paid with one', async () => {
    const { link, a, b } = await setup();
    const inv = await b.pm.createInvoice({});
    await expect(a.pm.pay(inv.bolt11)).rejects.toThrow(ValidationError);
    const paying = a.pm.pay(inv.bolt11, { amountMsat: 12_345n });
    await link.settle();
    expect((await paying).status).toBe('succeeded');
    expect(b.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 12_345n });
  });

  test('bad invoices are refused before any HTLC: expired, below the invoice amount, our own, wrong network, garbage', async () => {
    const { link, clock, a, b } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 10_000n, expirySec: 60 });
    await expect(a.pm.pay(inv.bolt11, { amountMsat: 9_999n })).rejects.toThrow(/amountMsat/);
    const own = await a.pm.createInvoice({ amountMsat: 1000n });
    await expect(a.pm.pay(own.bolt11)).rejects.toThrow(/our own/);
    await expect(a.pm.pay('lnbc1garbage')).rejects.toThrow(ValidationError);
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('pending');
    clock.advance(61_000);
    await expect(a.pm.pay(inv.bolt11)).rejects.toThrow(/expired/);
    expect(b.pm.payment(inv.paymentHash)).toMatchObject({ status: 'failed', failureCode: 'invoice_expired' });
    await link.settle();
    expect(link.log.filter((l) => l.event.type === 'htlc-received')).toHaveLength(0);
  });

  test('the payee refuses a wrong payment_secret and an amount below its invoice: failed, incorrect_or_unknown_payment_details, in words', async () => {
    const { link, clock, a, b, ids } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 40_000n });
    const real = decodeInvoice(inv.bolt11);
    const nowSec = Math.floor(clock.now() / 1000);
    const wrongSecret = forgedInvoice(b, { paymentHash: real.paymentHash, paymentSecret: new Uint8Array(32).fill(3), amountMsat: 40_000n, timestampSec: nowSec });
    const paying = a.pm.pay(wrongSecret);
    await link.settle();
    const r = await paying;
    expect(r).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    expect(r.reason).toMatch(/payee/);
    expect(link.channel(ids[0]!).htlcs.size).toBe(0);

    // A new attempt on a failed hash is allowed: now with the right secret but too little.
    const tooLow = forgedInvoice(b, { paymentHash: real.paymentHash, paymentSecret: real.paymentSecret!, amountMsat: 30_000n, timestampSec: nowSec });
    const again = a.pm.pay(tooLow);
    await link.settle();
    expect(await again).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('pending');
    // And the real one still works.
    const ok = a.pm.pay(inv.bolt11);
    await link.settle();
    expect((await ok).status).toBe('succeeded');
  });

  test('insufficient balance: failed with what the channels can send; no HTLC', async () => {
    const { link, a, b } = await setup([100_000n]);
    const inv = await b.pm.createInvoice({ amountMsat: 500_000n });
    const paying = a.pm.pay(inv.bolt11);
    await link.settle();
    const r = await paying;
    expect(r).toMatchObject({ status: 'failed', failureCode: 'insufficient_balance' });
    expect(r.reason).toMatch(/at most 100 sat/);
  });
});

describe('idempotency by payment hash', () => {
  test('paying the same invoice twice at once and again after success sends one HTLC and returns the same result', async () => {
    const { link, a, b } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 20_000n });
    const first = a.pm.pay(inv.bolt11);
    const second = a.pm.pay(inv.bolt11);
    await link.settle();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.status).toBe('succeeded');
    expect(r2).toMatchObject({ status: 'succeeded', preimage: r1.preimage });
    const third = await a.pm.pay(inv.bolt11);
    expect(third).toMatchObject({ status: 'succeeded', preimage: r1.preimage });
    expect(link.log.filter((l) => l.event.type === 'htlc-received')).toHaveLength(1);
    expect(a.pm.payments().filter((p) => p.direction === 'outgoing')).toHaveLength(1);
  });
});

describe('retries', () => {
  test('a channel that refuses the HTLC is excluded and the payment goes over the other', async () => {
    const { link, a, b, ids } = await setup([300_000n, 200_000n]);
    link.side(a.nodeId).refuseAdds.set(ids[0]!, 'peer offline');
    const inv = await b.pm.createInvoice({ amountMsat: 150_000n });
    const paying = a.pm.pay(inv.bolt11);
    await link.settle();
    const r = await paying;
    expect(r.status).toBe('succeeded');
    const htlcs = a.pm.payment(inv.paymentHash)!.htlcs;
    expect(htlcs.map((h) => [h.channelId, h.status])).toEqual([
      [ids[0], 'failed'],
      [ids[1], 'succeeded'],
    ]);
  });
});

describe('basic MPP', () => {
  test('send: split over two channels when neither can carry it; receive: held until total_msat, then all claimed', async () => {
    const { link, a, b, ids } = await setup([60_000n, 60_000n]);
    const inv = await b.pm.createInvoice({ amountMsat: 100_000n });
    const paying = a.pm.pay(inv.bolt11);
    await link.settle();
    const r = await paying;
    expect(r.status).toBe('succeeded');
    const out = a.pm.payment(inv.paymentHash)!;
    expect(out.htlcs).toHaveLength(2);
    expect(new Set(out.htlcs.map((h) => h.channelId))).toEqual(new Set(ids));
    expect(out.htlcs.reduce((s, h) => s + h.amountMsat, 0n)).toBe(100_000n);
    // The payment succeeded on the first fulfill; the second part's fulfill is recorded too.
    await a.pm.idle();
    expect(a.pm.payment(inv.paymentHash)!.htlcs.map((h) => h.status)).toEqual(['succeeded', 'succeeded']);
    const inc = b.pm.payment(inv.paymentHash)!;
    expect(inc).toMatchObject({ status: 'succeeded', amountMsat: 100_000n });
    expect(inc.htlcs).toHaveLength(2);
  });

  test('receive: an incomplete set is failed back with mpp_timeout after 60 s; the payer fails with mpp_timeout', async () => {
    const { link, clock, a, b } = await setup([60_000n, 60_000n]);
    const inv = await b.pm.createInvoice({ amountMsat: 100_000n });
    const paying = a.pm.pay(inv.bolt11, { timeoutMs: 10 * 60_000 });
    // Hold back the second part's arrival at the payee.
    await new Promise((r) => setImmediate(r));
    await a.pm.idle();
    const queue = (link as unknown as { queue: { to: string; event: { type: string } }[] }).queue;
    const received = queue.filter((q) => q.event.type === 'htlc-received');
    expect(received).toHaveLength(2);
    queue.splice(queue.indexOf(received[1]!), 1);
    await link.settle();
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('pending');
    clock.advance(MPP_TIMEOUT_MS);
    await link.settle();
    expect(a.pm.payment(inv.paymentHash)!.htlcs.map((h) => h.status).sort()).toEqual(['failed', 'pending']);
    // The late part arrives alone, and times out too.
    queue.push(received[1]! as never);
    await link.settle();
    clock.advance(MPP_TIMEOUT_MS);
    await link.settle();
    const r = await paying;
    expect(r).toMatchObject({ status: 'failed', failureCode: 'mpp_timeout' });
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('pending');
  });
});

describe('keysend', () => {
  test('to a channel peer: the preimage travels in the onion; the payee records a keysend', async () => {
    const { link, a, b } = await setup();
    const paying = a.pm.keysend(b.nodeId, 7_000n);
    await link.settle();
    const r = await paying;
    expect(r.status).toBe('succeeded');
    expect(a.pm.payment(r.paymentHash)).toMatchObject({ kind: 'keysend', status: 'succeeded', amountMsat: 7_000n, preimage: r.preimage });
    expect(b.pm.payment(r.paymentHash)).toMatchObject({ direction: 'incoming', kind: 'keysend', status: 'succeeded', amountMsat: 7_000n });
  });

  test('refused up front to a node we have no channel with; failed by a payee that does not accept keysend', async () => {
    const { link, a, b } = await setup([1_000_000n], { acceptKeysend: false });
    await expect(a.pm.keysend(`02${'11'.repeat(32)}`, 1000n)).rejects.toThrow(/channel with the payee/);
    const paying = a.pm.keysend(b.nodeId, 1000n);
    await link.settle();
    expect(await paying).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
  });
});

describe('restarts', () => {
  test('payer restarts mid-payment: the new manager re-attaches the part by tag and records the success', async () => {
    const { link, clock, a, b } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 30_000n });
    void a.pm.pay(inv.bolt11, { timeoutMs: 1000 });
    await new Promise((r) => setImmediate(r));
    await a.pm.idle();
    a.pm.stop();
    const a2 = await makePayNode(link, clock, 'alice', { store: a.store, entropyLabel: 'alice-2' });
    expect(a2.pm.payment(inv.paymentHash)).toMatchObject({ status: 'pending' });
    await link.settle();
    await a2.pm.idle();
    expect(a2.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded' });
    const a3 = await makePayNode(link, clock, 'alice', { store: a.store, entropyLabel: 'alice-3' });
    expect(a3.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', preimage: expect.any(String) });
  });

  test('payee restarts before judging a committed HTLC: the new manager finds it pending and claims it', async () => {
    const { link, clock, a, b } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 30_000n });
    b.pm.stop();
    const paying = a.pm.pay(inv.bolt11);
    await link.settle(); // bob's old manager no longer listens: the HTLC waits in the channel
    const b2 = await makePayNode(link, clock, 'bob', { store: b.store, entropyLabel: 'bob-2' });
    await b2.pm.idle();
    await link.settle();
    expect((await paying).status).toBe('succeeded');
    expect(b2.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 30_000n });
  });
});

describe('held and refused incoming HTLCs', () => {
  test('a held MPP part close to its cltv_expiry is failed back on the next tip', async () => {
    const { link, a, b } = await setup([60_000n, 60_000n]);
    const inv = await b.pm.createInvoice({ amountMsat: 100_000n });
    const paying = a.pm.pay(inv.bolt11, { timeoutMs: 10 * 60_000 });
    await new Promise((r) => setImmediate(r));
    await a.pm.idle();
    const queue = (link as unknown as { queue: { to: string; event: { type: string } }[] }).queue;
    const received = queue.filter((q) => q.event.type === 'htlc-received');
    queue.splice(queue.indexOf(received[1]!), 1); // only one part arrives
    await link.settle();
    expect(a.pm.payment(inv.paymentHash)!.htlcs.map((h) => h.status)).toEqual(['pending', 'pending']);
    const held = a.pm.payment(inv.paymentHash)!.htlcs[0]!;
    b.pm.onTip(held.cltvExpiry - HOLD_SAFETY_BLOCKS - 1); // one block more: still held
    await link.settle();
    expect(a.pm.payment(inv.paymentHash)!.htlcs.map((h) => h.status)).toEqual(['pending', 'pending']);
    link.height = held.cltvExpiry - HOLD_SAFETY_BLOCKS;
    b.pm.onTip(link.height);
    await link.settle();
    await b.pm.idle();
    const failed = a.pm.payment(inv.paymentHash)!.htlcs.filter((h) => h.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('pending');
    void paying;
  });

  test('a fulfill the channel refuses (not usable) is sent once the channel is usable again', async () => {
    const { link, a, b, ids } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 9_000n });
    const paying = a.pm.pay(inv.bolt11);
    await new Promise((r) => setImmediate(r));
    await a.pm.idle();
    link.channel(ids[0]!).usable = false; // disconnected before bob answers
    await link.settle();
    expect(b.pm.payment(inv.paymentHash)!.status).toBe('succeeded'); // recorded before the fulfill
    expect(link.channel(ids[0]!).htlcs.size).toBe(1);
    link.channel(ids[0]!).usable = true;
    link.side(b.nodeId).emit({ type: 'channel-usable', channelId: ids[0]! });
    await link.settle();
    expect((await paying).status).toBe('succeeded');
    expect(link.channel(ids[0]!).htlcs.size).toBe(0);
  });
});

describe('waiting for a usable channel', () => {
  test('a payment made while the channel is reconnecting waits for it, then goes', async () => {
    const { link, a, b, ids } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 5_000n });
    link.channel(ids[0]!).usable = false;
    const paying = a.pm.pay(inv.bolt11);
    await link.settle();
    expect(a.pm.payment(inv.paymentHash)).toMatchObject({ status: 'pending', htlcs: [] });
    link.channel(ids[0]!).usable = true;
    link.side(a.nodeId).emit({ type: 'channel-usable', channelId: ids[0]! });
    await link.settle();
    expect((await paying).status).toBe('succeeded');
  });

  test('… and fails with the reason when none becomes usable before the retry deadline', async () => {
    const { link, clock, a, b, ids } = await setup();
    const inv = await b.pm.createInvoice({ amountMsat: 5_000n });
    link.channel(ids[0]!).usable = false;
    const paying = a.pm.pay(inv.bolt11, { timeoutMs: 10 * 60_000 });
    await link.settle();
    clock.advance(RETRY_WINDOW_MS + 1);
    await link.settle();
    await a.pm.idle();
    expect(await paying).toMatchObject({ status: 'failed', failureCode: 'no_route', reason: expect.stringMatching(/usable/) });
  });
});

describe('history', () => {
  test('payments() newest first, both directions', async () => {
    const { link, clock, a, b } = await setup();
    const i1 = await b.pm.createInvoice({ amountMsat: 1000n });
    clock.advance(1000);
    const i2 = await b.pm.createInvoice({ amountMsat: 2000n });
    const p = a.pm.pay(i1.bolt11);
    await link.settle();
    await p;
    expect(b.pm.payments().map((x) => x.paymentHash)).toEqual([i2.paymentHash, i1.paymentHash]);
    expect(a.pm.payments()[0]).toMatchObject({ paymentHash: i1.paymentHash, direction: 'outgoing' });
  });
});
