/**
 * Issue 7 item 7: on restart, in-flight payments are resolved — fulfilled, failed, or shown with
 * their deadline — never forgotten. Two real PaymentManagers over the in-memory HTLC link
 * (test/harness/htlc-link.ts); the payer's manager is stopped while its HTLC is in the channel and
 * a new one is built over the same store (what a closed tab or a killed process leaves behind).
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { PaymentManager } from '../../engine/node/payments/manager.ts';
import { RETRY_WINDOW_MS } from '../../engine/node/payments/outgoing.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { HtlcLink, ManualClock } from '../harness/htlc-link.ts';
import { entropyOf } from '../harness/manager-fakes.ts';

let restarts = 0;

async function node(link: HtlcLink, clock: ManualClock, name: string, store = new MemoryKVStore()) {
  const keychain = Keychain.fromSeed(sha256(new TextEncoder().encode(name)), 'regtest');
  const nodeId = bytesToHex(keychain.nodeId());
  const pm = new PaymentManager({ channels: link.side(nodeId), store, clock, entropy: entropyOf(`${name}-${++restarts}`), network: 'regtest', nodeSecret: keychain.nodeSecret(), nodeId });
  await pm.start();
  return { nodeId, pm, store };
}

/**
 * Alice pays Bob's invoice while Bob's manager is down (the HTLC reaches his channel but nobody
 * judges it: in flight, as when a payee holds it), then Alice restarts.
 */
async function inFlightAcrossRestart() {
  const link = new HtlcLink();
  const clock = new ManualClock();
  const alice = await node(link, clock, 'alice');
  const bob = await node(link, clock, 'bob');
  const channelId = link.open(alice.nodeId, bob.nodeId, 1_000_000n, 0n);
  const inv = await bob.pm.createInvoice({ amountMsat: 40_000n });
  bob.pm.stop();
  const first = alice.pm.pay(inv.bolt11, { timeoutMs: 5_000 });
  await link.settle();
  await alice.pm.idle();
  expect(link.channel(channelId).htlcs.size).toBe(1);
  alice.pm.stop();
  // The waiting pay call answers "pending" (the record stays for the restart).
  expect((await first).status).toBe('pending');
  const alice2 = await node(link, clock, 'alice', alice.store);
  await alice2.pm.idle();
  return { link, clock, alice, alice2, bob, channelId, inv };
}

describe('an outgoing payment in flight across a restart', () => {
  test('is still listed, pending, with its HTLC and the block it must settle by', async () => {
    const { link, alice2, channelId, inv } = await inFlightAcrossRestart();
    const htlc = [...link.channel(channelId).htlcs.values()][0]!;
    const listed = alice2.pm.payments().filter((p) => p.paymentHash === inv.paymentHash && p.direction === 'outgoing');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ direction: 'outgoing', status: 'pending', amountMsat: 40_000n });
    expect(listed[0]!.htlcs).toEqual([expect.objectContaining({ status: 'pending', cltvExpiry: htlc.cltvExpiry, amountMsat: 40_000n })]);
    expect(htlc.cltvExpiry).toBeGreaterThan(link.height);
    // Paying it again joins the resumed attempt (no second HTLC).
    void alice2.pm.pay(inv.bolt11, { timeoutMs: 1_000 });
    await link.settle();
    expect(link.channel(channelId).htlcs.size).toBe(1);
  });

  test('is fulfilled when the payee claims after the restart: succeeded with the preimage, and so after another restart', async () => {
    const { link, clock, alice, alice2, bob, channelId, inv } = await inFlightAcrossRestart();
    await node(link, clock, 'bob', bob.store); // Bob back: he finds the HTLC and claims it
    await link.settle();
    await alice2.pm.idle();
    const done = alice2.pm.payment(inv.paymentHash);
    expect(done).toMatchObject({ status: 'succeeded', preimage: expect.any(String) });
    expect(bytesToHex(sha256(Buffer.from(done!.preimage as string, 'hex')))).toBe(inv.paymentHash);
    expect(link.channel(channelId).htlcs.size).toBe(0);
    const alice3 = await node(link, clock, 'alice', alice.store);
    expect(alice3.pm.payment(inv.paymentHash)).toMatchObject({ status: 'succeeded' });
  });

  test('is failed when the payee refuses it after the restart: failed with the reason, and so after another restart', async () => {
    const { link, clock, alice, alice2, channelId, inv } = await inFlightAcrossRestart();
    // Bob comes back without the invoice (another store): the HTLC pays nothing he knows.
    await node(link, clock, 'bob');
    await link.settle();
    await alice2.pm.idle();
    expect(alice2.pm.payment(inv.paymentHash)).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
    expect(link.channel(channelId).htlcs.size).toBe(0);
    const alice3 = await node(link, clock, 'alice', alice.store);
    expect(alice3.pm.payment(inv.paymentHash)).toMatchObject({ status: 'failed', failureCode: 'incorrect_or_unknown_payment_details' });
  });

  test('whose HTLC left the channel while it was down (failed back) is not left pending: past the retry window it ends failed', async () => {
    const link = new HtlcLink();
    const clock = new ManualClock();
    const alice = await node(link, clock, 'alice');
    const bob = await node(link, clock, 'bob');
    const channelId = link.open(alice.nodeId, bob.nodeId, 1_000_000n, 0n);
    const inv = await bob.pm.createInvoice({ amountMsat: 40_000n });
    bob.pm.stop();
    void alice.pm.pay(inv.bolt11, { timeoutMs: 1_000 });
    await link.settle();
    await alice.pm.idle();
    alice.pm.stop();
    // While Alice was down the HTLC was removed from the channel (failed back and revoked).
    link.channel(channelId).htlcs.clear();
    clock.advance(RETRY_WINDOW_MS + 1_000);
    const alice2 = await node(link, clock, 'alice', alice.store);
    await alice2.pm.idle();
    await link.settle();
    await alice2.pm.idle();
    const p = alice2.pm.payment(inv.paymentHash);
    expect(p?.status).toBe('failed');
    expect(p?.reason).toBeTruthy();
    expect(link.channel(channelId).htlcs.size).toBe(0);
  });
});
