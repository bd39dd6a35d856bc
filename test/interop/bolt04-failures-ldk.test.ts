/**
 * BOLT 4 failures between Glint and real LDK nodes (bcoin regtest chain, real TCP): every
 * payment that cannot succeed ends `failed` with a machine code and a reason in words, and
 * leaves no HTLC on either side and both balances where they were. Then the happy path at
 * volume: 100 sequential 1-sat payments Glint → LDK all succeed and both sides agree to the msat.
 *
 * Glint → LDK L (direct, 500 000 sat, Glint-funded), L → Glint (200 000 sat, L-funded, so L can
 * pay Glint), L → LDK C (100 000 sat, L forwards to private channels).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  channelBalances,
  glintNode,
  glintPayments,
  ldkPeer,
  ldkSettled,
  mine,
  openGlintToLdk,
  openLdkToGlint,
  openLdkToLdk,
  paymentsSettled,
  startWorld,
  stopWorld,
  until,
  type Glint,
  type GlintPayments,
  type LdkPeer,
  type World,
} from '../harness/glint-ldk.ts';
import { LdkPaymentError } from '../../playground/ldk/payments.ts';
import { encodeInvoice, signInvoiceDigest } from '../../engine/invoice/index.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import { randomBytes } from 'node:crypto';

let w: World;
let g: Glint;
let pay: GlintPayments;
let l: LdkPeer;
let c: LdkPeer;
let direct: string;
let back: string;

/**
 * A BOLT 11 invoice signed with Glint's node key that Glint never issued (as a payer sees it, a
 * genuine Glint invoice): LDK pays it straight over its channel to Glint.
 */
function forgedGlintInvoice(paymentHash: Uint8Array, paymentSecret: Uint8Array, amountMsat: bigint): string {
  return encodeInvoice(
    {
      network: 'regtest',
      amountMsat,
      timestampSec: Math.floor(Date.now() / 1000),
      paymentHash,
      paymentSecret,
      description: 'never issued by Glint',
      expirySec: 3600,
      minFinalCltvExpiryDelta: 24,
      features: FeatureVector.fromBits([8, 14, 17]).toBytes(),
    },
    (digest) => signInvoiceDigest(digest, g.service.nodeSecret),
  );
}

/** Both channels with L, as each side sees them, and that they agree. */
function balances(): { direct: bigint; back: bigint } {
  for (const id of [direct, back]) {
    const seen = channelBalances(g, l.node, id);
    expect(seen.glint).toEqual({ local: seen.ldk.remote, remote: seen.ldk.local });
  }
  return { direct: channelBalances(g, l.node, direct).glint.local, back: channelBalances(g, l.node, back).glint.local };
}

/** Nothing is pending anywhere, and the balances are what they were. */
async function nothingMoved(before: { direct: bigint; back: bigint }): Promise<void> {
  await paymentsSettled(g, [l.node, c.node]);
  expect(balances()).toEqual(before);
}

describe('BOLT 4 failures: Glint ⇄ LDK, each ends failed with the reason and no HTLC left', () => {
  beforeAll(async () => {
    w = await startWorld();
    l = await ldkPeer(w, 'ldk-l', { config: { acceptForwardsToPrivChannels: true, maxInboundHtlcValueInFlightPercent: 100, ourMaxAcceptedHtlcs: 483 } });
    c = await ldkPeer(w, 'ldk-c', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    g = await glintNode(w, { minimumDepth: 1, fundSat: 1_000_000 });
    await mine(w, g, 1);
    await g.service.sync();
    direct = (await openGlintToLdk(w, g, l, 'static_remotekey', 500_000n)).channelId;
    back = (await openLdkToGlint(w, g, l, { fundingSat: 200_000n, pushMsat: 0n, seed: 'failures l-glint' })).channelId;
    await openLdkToLdk(w, l, c, { fundingSat: 100_000n, seed: 'failures l-c' });
    await g.channels.onTip();
    pay = await glintPayments(g);
  }, 90_000);

  afterAll(async () => {
    await stopWorld(w);
  });

  test('incorrect_or_unknown_payment_details: the LDK payee does not know the payment (fails it back) → failed', async () => {
    const before = balances();
    const invoice = l.node.createInvoice({ amountMsat: 4_000_000n, description: 'unknown to the payee' });
    l.node.failHtlcsFor(l.node.payments.paymentHashOf(invoice));
    const result = await pay.pay(invoice);
    expect(result).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    expect(result.reason).toBeTruthy();
    expect(l.node.payments.handlingFailures.at(-1)).toMatchObject({ kind: 'failed-payment', paymentHash: result.paymentHash });
    expect(pay.payment(result.paymentHash)).toMatchObject({ direction: 'outgoing', status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    await nothingMoved(before);
  });

  test('incorrect_or_unknown_payment_details on Glint: LDK pays a Glint invoice that has expired → Glint fails it back', async () => {
    const before = balances();
    const created = await pay.createInvoice({ amountMsat: 3_000_000n, description: 'expires at once', expirySec: 1 });
    // LDK (WASM, no clock) checks expiry against the newest of its start time and the block times
    // (the chain stamps blocks 30 s behind the wall clock), so it still pays what Glint, on the
    // wall clock, sees as expired.
    await new Promise((r) => setTimeout(r, 2100));
    const error = await l.node.payInvoice(created.bolt11).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect((error as LdkPaymentError).reason).toBe('RecipientRejected');
    expect(pay.payment(created.paymentHash)?.status).not.toBe('succeeded');
    await nothingMoved(before);
  });

  test('incorrect_or_unknown_payment_details on Glint: LDK pays a payment hash Glint never issued → Glint fails it back', async () => {
    const before = balances();
    const hash = new Uint8Array(randomBytes(32));
    const error = await l.node.payInvoice(forgedGlintInvoice(hash, new Uint8Array(randomBytes(32)), 3_000_000n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect((error as LdkPaymentError).reason).toBe('RecipientRejected');
    expect(pay.payment(Buffer.from(hash).toString('hex'))).toBeUndefined();
    await nothingMoved(before);
  });

  test('incorrect_or_unknown_payment_details on Glint: the right payment hash with a wrong payment_secret → refused, the invoice stays unpaid', async () => {
    const before = balances();
    const created = await pay.createInvoice({ amountMsat: 3_000_000n, description: 'paid with the wrong secret' });
    const forged = forgedGlintInvoice(Buffer.from(created.paymentHash, 'hex'), new Uint8Array(randomBytes(32)), 3_000_000n);
    const error = await l.node.payInvoice(forged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect((error as LdkPaymentError).reason).toBe('RecipientRejected');
    expect(pay.payment(created.paymentHash)?.status).toBe('pending');
    await nothingMoved(before);
  });

  test('an expired LDK invoice is refused before any money moves', async () => {
    const before = balances();
    // LDK stamps invoices with its own clock (the newest of its start time and the block times):
    // wait until the wall clock is past the expiry it wrote.
    const invoice = l.node.createInvoice({ amountMsat: 2_000_000n, description: 'already expired', expirySec: 1 });
    const parsed = w.ldk.Bolt11Invoice.constructor_from_str(invoice);
    if (!(parsed instanceof w.ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error('LDK cannot parse its invoice');
    const expiresAtMs = Number(parsed.res.duration_since_epoch() + parsed.res.expiry_time()) * 1000;
    while (Date.now() <= expiresAtMs + 1000) await new Promise((r) => setTimeout(r, 100));
    const handledBefore = l.node.payments.handlingFailures.length;
    await expect(pay.pay(invoice)).rejects.toThrow(/expir/i);
    await nothingMoved(before);
    expect(l.node.payments.handlingFailures.length).toBe(handledBefore);
    expect(pay.payment(l.node.payments.paymentHashOf(invoice))).toBeUndefined();
    expect(pay.payments().filter((p) => p.direction === 'outgoing' && p.status === 'pending')).toEqual([]);
  });

  test('amount too low: paying less than the invoice asks is refused before any money moves', async () => {
    const before = balances();
    const invoice = l.node.createInvoice({ amountMsat: 9_000_000n, description: 'asks 9000 sat' });
    await expect(pay.pay(invoice, { amountMsat: 8_999_999n })).rejects.toThrow(/amount/i);
    await nothingMoved(before);
  });

  test('insufficient capacity: an invoice for more than Glint can send ends failed (insufficient_balance), nothing added', async () => {
    const before = balances();
    const invoice = l.node.createInvoice({ amountMsat: 900_000_000n, description: 'more than Glint has' });
    const result = await pay.pay(invoice);
    expect(result).toMatchObject({ status: 'failed', failureCode: 'insufficient_balance' });
    expect(result.reason).toMatch(/sat/);
    await nothingMoved(before);
  });

  test('a hop that fails: L cannot forward to C what C’s (stale) hint promised → temporary_channel_failure, failed', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 60_000_000n, description: 'stale hint' });
    // L drains L → C after C made the invoice, so the hint's capacity no longer holds.
    const drain = await l.node.keysend(c.node.nodeId, 50_000_000n);
    await c.node.waitForClaimed(drain.paymentHash);
    await ldkSettled([l.node, c.node]);
    const before = balances();
    const failuresBefore = l.node.payments.handlingFailures.length;
    const result = await pay.pay(invoice);
    expect(result.status).toBe('failed');
    expect(['temporary_channel_failure', 'no_route']).toContain(result.failureCode);
    expect(result.reason).toBeTruthy();
    expect(l.node.payments.handlingFailures.slice(failuresBefore)).toContainEqual(expect.objectContaining({ kind: 'next-hop-channel' }));
    expect(c.node.claimed().some((x) => x.paymentHash === result.paymentHash)).toBe(false);
    await nothingMoved(before);
  });

  test('a payee that does not settle: pay returns pending, the stuck HTLC shows its deadline; it succeeds once LDK claims', async () => {
    const invoice = l.node.createInvoice({ amountMsat: 2_500_000n, description: 'held by the payee' });
    const hash = l.node.payments.paymentHashOf(invoice);
    l.node.payments.policy = 'hold';
    try {
      const result = await pay.pay(invoice, { timeoutMs: 1500 });
      expect(result).toMatchObject({ status: 'pending', paymentHash: hash });
      expect(l.node.payments.heldPayments()).toContain(hash);
      const record = pay.payment(hash)!;
      expect(record.status).toBe('pending');
      expect(record.htlcs).toEqual([expect.objectContaining({ status: 'pending', amountMsat: 2_500_000n })]);
      expect(record.htlcs[0]!.cltvExpiry).toBeGreaterThan(w.chain.height);
    } finally {
      l.node.payments.policy = 'claim';
    }
    l.node.payments.release(hash, 'claim');
    await until(() => pay.payment(hash)?.status === 'succeeded', 'the held payment succeeded once claimed');
    expect(pay.payment(hash)!.preimage).toBeDefined();
    await paymentsSettled(g, [l.node]);
    balances();
  });

  test('100 sequential 1-sat payments Glint → LDK all succeed; both sides agree to the msat', async () => {
    const before = balances();
    const claimedBefore = l.node.claimed().length;
    for (let i = 0; i < 100; i++) {
      const invoice = l.node.createInvoice({ amountMsat: 1000n, description: `1 sat #${i}` });
      const result = await pay.pay(invoice);
      expect(result.status, `payment ${i}: ${result.reason ?? ''}`).toBe('succeeded');
    }
    await until(() => l.node.claimed().length === claimedBefore + 100, '100 claims on LDK');
    await paymentsSettled(g, [l.node]);
    const after = balances();
    expect(after.direct + after.back).toBe(before.direct + before.back - 100_000n);
    expect(pay.payments().filter((p) => p.direction === 'outgoing' && p.status === 'succeeded' && p.amountMsat === 1000n).length).toBe(100);
  }, 120_000);
});
