/**
 * Payments over real channels: two Glint nodes (ChannelManager + PaymentManager each, real
 * reducers, real wire codec over the in-memory bus of test/harness/manager-fakes.ts). An invoice
 * paid over a direct channel moves exactly its amount from one commitment to the other (BOLT 2
 * update_add_htlc → commitment_signed/revoke_and_ack → update_fulfill_htlc), keysend, an MPP
 * payment over two channels, a payee refusal removing the HTLC on both sides, and a payer that
 * restarts mid-payment (managers rebuilt over the same store) still records the outcome.
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { encodeInvoice, signInvoiceDigest, decodeInvoice } from '../../engine/invoice/index.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import { Bus, FakeChain, clock, makeNode, openAndConfirm, settleAll, withPayments, type TestNode } from '../harness/manager-fakes.ts';

async function pair() {
  const net = { bus: new Bus(), chain: new FakeChain() };
  const a = await makeNode(net, 'pay-alice');
  const b = await makeNode(net, 'pay-bob');
  const ch = await openAndConfirm(net, a, b, { channelType: 'anchors_zero_fee_htlc_tx', pushMsat: 0n });
  expect(ch.state).toBe('normal');
  const pa = await withPayments(a);
  const pb = await withPayments(b);
  return { net, a, b, ch, pa, pb };
}

function balances(n: TestNode, channelId: string) {
  const c = n.manager.get(channelId)!;
  return { local: c.localMsat, remote: c.remoteMsat };
}

describe('payments over a real channel (two ChannelManagers)', () => {
  test('an invoice paid over a direct channel: preimage back, exactly the amount moved on both sides, no HTLC left', async () => {
    const { net, a, b, ch, pa, pb } = await pair();
    const before = balances(a, ch.channelId);
    const inv = await pb.payments.createInvoice({ amountMsat: 123_456n, description: 'film minute' });
    const paying = pa.payments.pay(inv.bolt11);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const r = await paying;
    expect(r.status).toBe('succeeded');
    expect(Buffer.from(sha256(Buffer.from(r.preimage!, 'hex'))).toString('hex')).toBe(inv.paymentHash);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const after = balances(a, ch.channelId);
    expect(before.local - after.local).toBe(123_456n);
    expect(balances(b, ch.channelId)).toEqual({ local: after.remote, remote: after.local });
    expect(a.manager.payments.htlcs(ch.channelId)).toHaveLength(0);
    expect(b.manager.payments.htlcs(ch.channelId)).toHaveLength(0);
    expect(pb.payments.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 123_456n });
  });

  test('keysend to the channel peer', async () => {
    const { net, a, b, ch, pa, pb } = await pair();
    const paying = pa.payments.keysend(b.nodeId, 5_000n);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const r = await paying;
    expect(r.status).toBe('succeeded');
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    expect(pb.payments.payment(r.paymentHash)).toMatchObject({ kind: 'keysend', status: 'succeeded', amountMsat: 5_000n });
    expect(balances(b, ch.channelId).local).toBe(5_000n);
  });

  test('the payee refuses (wrong payment_secret): failed with the reason, the HTLC removed on both sides, balances unchanged', async () => {
    const { net, a, b, ch, pa, pb } = await pair();
    const before = balances(a, ch.channelId);
    const inv = decodeInvoice((await pb.payments.createInvoice({ amountMsat: 10_000n })).bolt11);
    const forged = encodeInvoice(
      { network: 'regtest', amountMsat: 10_000n, timestampSec: Math.floor(clock.now() / 1000), paymentHash: inv.paymentHash, paymentSecret: new Uint8Array(32).fill(1), description: 'x', features: FeatureVector.fromBits([8, 14, 17]).toBytes() },
      (d) => signInvoiceDigest(d, b.keychain.nodeSecret()),
    );
    const paying = pa.payments.pay(forged);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const r = await paying;
    expect(r).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    expect(balances(a, ch.channelId)).toEqual(before);
    expect(a.manager.payments.htlcs(ch.channelId)).toHaveLength(0);
    expect(b.manager.payments.htlcs(ch.channelId)).toHaveLength(0);
  });

  test('MPP over two channels', async () => {
    const net = { bus: new Bus(), chain: new FakeChain() };
    const a = await makeNode(net, 'mpp-alice');
    const b = await makeNode(net, 'mpp-bob');
    const c1 = await openAndConfirm(net, a, b, { channelType: 'anchors_zero_fee_htlc_tx', pushMsat: 0n });
    const c2 = await openAndConfirm(net, a, b, { channelType: 'anchors_zero_fee_htlc_tx', pushMsat: 0n });
    const pa = await withPayments(a);
    const pb = await withPayments(b);
    const one = a.manager.payments.channels().find((c) => c.channelId === c1.channelId)!.sendableMsat;
    const amount = one + 50_000_000n; // more than one channel can send
    const inv = await pb.payments.createInvoice({ amountMsat: amount });
    const paying = pa.payments.pay(inv.bolt11);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const r = await paying;
    expect(r.status).toBe('succeeded');
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    const got = balances(b, c1.channelId).local + balances(b, c2.channelId).local;
    expect(got).toBe(amount);
    expect(pa.payments.payment(inv.paymentHash)!.htlcs).toHaveLength(2);
  });

  test('the payer restarts mid-payment: rebuilt managers over the same store finish and record the payment', async () => {
    const { net, a, b, ch, pa, pb } = await pair();
    const inv = await pb.payments.createInvoice({ amountMsat: 77_000n });
    void pa.payments.pay(inv.bolt11, { timeoutMs: 1 });
    await pa.payments.idle();
    await a.manager.idle();
    // Alice's process dies with the add sent but not settled; the connection (and what was in flight on it) is lost.
    pa.payments.stop();
    a.manager.stop();
    net.bus.queue.length = 0;
    b.peers.emit({ type: 'disconnected', nodeId: a.nodeId, reason: 'restart', willReconnect: true });
    const a2 = await makeNode(net, 'pay-alice', { store: a.store }); // reestablishes with the still-connected peer
    const pa2 = await withPayments(a2, { entropyLabel: 'pay-alice/2' });
    expect(pa2.payments.payment(inv.paymentHash)).toMatchObject({ status: 'pending' });
    b.peers.emit({ type: 'connected', peer: { nodeId: a.nodeId } as never });
    await settleAll(net.bus, [a2, b], [pa2.payments, pb.payments]);
    await settleAll(net.bus, [a2, b], [pa2.payments, pb.payments]);
    expect(pa2.payments.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded' });
    expect(pb.payments.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded', amountMsat: 77_000n });
    expect(balances(b, ch.channelId).local).toBe(77_000n);
  });
});
