/**
 * The payment harness itself, LDK ⇄ LDK on the bcoin regtest chain (BOLT 4 onion routing and
 * BOLT 11 invoices as LDK implements them): A ⇄ B ⇄ C with two private channels, B forwarding to
 * private channels. Proves what the Glint payment interop tests rely on: invoices with route
 * hints, a direct payment, a two-hop payment over C's hint, keysend, a payee that refuses, a hop
 * that lacks capacity — and that balances and pending HTLCs read back right.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ldkPeer, ldkSettled, openLdkToLdk, startWorld, stopWorld, type LdkChannel, type LdkPeer, type World } from '../harness/glint-ldk.ts';
import { LdkPaymentError } from '../../playground/ldk/payments.ts';

let w: World;
let a: LdkPeer;
let b: LdkPeer;
let c: LdkPeer;
let ab: LdkChannel;
let bc: LdkChannel;

const balanceOn = (peer: LdkPeer, channelId: string) => peer.node.channelBalances().find((x) => x.channelId === channelId)!;
const hintsOf = (bolt11: string) => {
  const ldk = w.ldk;
  const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11);
  if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error('LDK cannot parse its own invoice');
  return parsed.res.route_hints().map((hint) =>
    hint.get_a().map((hop) => ({
      nodeId: Buffer.from(hop.get_src_node_id()).toString('hex'),
      scid: hop.get_short_channel_id(),
      feeBaseMsat: hop.get_fees().get_base_msat(),
      cltvExpiryDelta: hop.get_cltv_expiry_delta(),
    })),
  );
};

describe('LDK ⇄ LDK payments (the payment harness)', () => {
  beforeAll(async () => {
    w = await startWorld();
    // HTLCs up to the whole channel (LDK's default caps what is in flight at 10 %).
    a = await ldkPeer(w, 'ldk-a', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    b = await ldkPeer(w, 'ldk-b', { config: { acceptForwardsToPrivChannels: true, maxInboundHtlcValueInFlightPercent: 100 } });
    c = await ldkPeer(w, 'ldk-c', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    ab = await openLdkToLdk(w, a, b, { fundingSat: 500_000n, seed: 'ldk-payments a-b' });
    bc = await openLdkToLdk(w, b, c, { fundingSat: 100_000n, seed: 'ldk-payments b-c' });
  }, 60_000);

  afterAll(async () => {
    await stopWorld(w);
  });

  test('BOLT 11: B’s invoice pays directly from A; preimage matches, both balances move by the amount', async () => {
    const before = { a: balanceOn(a, ab.channelId).balanceMsat, b: balanceOn(b, ab.channelId).balanceMsat };
    const invoice = b.node.createInvoice({ amountMsat: 21_000_000n, description: 'direct' });
    expect(invoice).toMatch(/^lnbcrt210u1/);
    const sent = await a.node.payInvoice(invoice);
    const claimed = await b.node.waitForClaimed(sent.paymentHash);
    expect(claimed).toMatchObject({ amountMsat: 21_000_000n, purpose: 'invoice', parts: 1 });
    expect(sent.feeMsat).toBe(0n);
    expect(Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from(sent.preimage, 'hex'))).toString('hex')).toBe(sent.paymentHash);
    await ldkSettled([a.node, b.node]);
    expect(balanceOn(a, ab.channelId).balanceMsat).toBe(before.a - 21_000_000n);
    expect(balanceOn(b, ab.channelId).balanceMsat).toBe(before.b + 21_000_000n);
    expect(balanceOn(a, ab.channelId).pendingHtlcs).toBe(0);
  });

  test('BOLT 11 route hints: C’s invoice hints B→C by C’s inbound alias; A pays C through B and pays B’s fee', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 10_000_000n, description: 'two hops' });
    const hints = hintsOf(invoice);
    const alias = balanceOn(c, bc.channelId).inboundScidAlias;
    expect(hints).toEqual([[{ nodeId: b.node.nodeIdHex, scid: alias, feeBaseMsat: 1000, cltvExpiryDelta: 72 }]]);
    const forwardedBefore = b.node.payments.forwarded;
    const sent = await a.node.payInvoice(invoice);
    expect(sent.feeMsat).toBe(1000n);
    expect(await c.node.waitForClaimed(sent.paymentHash)).toMatchObject({ amountMsat: 10_000_000n, parts: 1 });
    await ldkSettled([a.node, b.node, c.node]);
    expect(b.node.payments.forwarded).toBe(forwardedBefore + 1);
  });

  test('BOLT 4 keysend: A pays B spontaneously; B claims it as keysend', async () => {
    const sent = await a.node.keysend(b.node.nodeId, 3_000_000n);
    expect(await b.node.waitForClaimed(sent.paymentHash)).toMatchObject({ amountMsat: 3_000_000n, purpose: 'keysend' });
    await ldkSettled([a.node, b.node]);
  });

  test('BOLT 4 incorrect_or_unknown_payment_details: a payee that refuses fails the payment; no HTLC stays', async () => {
    const before = balanceOn(a, ab.channelId).balanceMsat;
    const invoice = b.node.createInvoice({ amountMsat: 5_000_000n });
    b.node.failHtlcsFor(b.node.payments.paymentHashOf(invoice));
    const error = await a.node.payInvoice(invoice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect((error as LdkPaymentError).reason).toBe('RecipientRejected');
    expect((error as LdkPaymentError).pathFailures).toEqual([expect.objectContaining({ permanent: true, where: 'on-path' })]);
    expect(b.node.payments.handlingFailures.at(-1)).toMatchObject({ kind: 'failed-payment' });
    await ldkSettled([a.node, b.node]);
    expect(balanceOn(a, ab.channelId).balanceMsat).toBe(before);
  });

  test('BOLT 11 hint htlc_maximum: C hints no more than B→C can carry, so A finds no route and sends nothing', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 150_000_000n, description: 'more than B→C holds' });
    const error = await a.node.payInvoice(invoice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect((error as LdkPaymentError).reason).toBe('RouteNotFound');
  });

  test('BOLT 4 temporary_channel_failure: B cannot forward more than B→C holds now (stale hint); A gives up, nothing moved', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 60_000_000n, description: 'stale hint' });
    // B drains B→C after C made the invoice: the hint's htlc_maximum is now stale.
    const drain = await b.node.keysend(c.node.nodeId, 50_000_000n);
    await c.node.waitForClaimed(drain.paymentHash);
    await ldkSettled([b.node, c.node]);
    const before = { a: balanceOn(a, ab.channelId).balanceMsat, bc: balanceOn(b, bc.channelId).balanceMsat };
    const failuresBefore = b.node.payments.handlingFailures.length;
    const error = await a.node.payInvoice(invoice, { retries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdkPaymentError);
    expect(['RetriesExhausted', 'RouteNotFound']).toContain((error as LdkPaymentError).reason);
    expect((error as LdkPaymentError).pathFailures.some((p) => p.where === 'on-path' && !p.permanent)).toBe(true);
    expect(b.node.payments.handlingFailures.slice(failuresBefore)).toContainEqual(expect.objectContaining({ kind: 'next-hop-channel' }));
    await ldkSettled([a.node, b.node, c.node]);
    expect(balanceOn(a, ab.channelId).balanceMsat).toBe(before.a);
    expect(balanceOn(b, bc.channelId).balanceMsat).toBe(before.bc);
  });

  test('pipelined: 10 sends in flight at once all succeed and balances add up', async () => {
    const before = balanceOn(a, ab.channelId).balanceMsat;
    const invoices = Array.from({ length: 10 }, () => b.node.createInvoice({ amountMsat: 1000n }));
    const sent = await Promise.all(invoices.map((inv) => a.node.payInvoice(inv)));
    await Promise.all(sent.map((s) => b.node.waitForClaimed(s.paymentHash)));
    await ldkSettled([a.node, b.node]);
    expect(balanceOn(a, ab.channelId).balanceMsat).toBe(before - 10_000n);
  });
});
