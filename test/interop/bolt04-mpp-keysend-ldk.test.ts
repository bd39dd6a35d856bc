/**
 * BOLT 4 multi-part payments (basic_mpp: payment_data.total_msat, one payment_secret over all
 * parts) and keysend (the preimage in final-hop TLV 5482373484) between Glint and a real LDK
 * node on the bcoin regtest chain, over real TCP.
 *
 * Two channels each way between Glint and LDK L, 100 000 sat each: no single channel carries
 * 150 000 sat, so a payment that large must be split.
 *   - L pays a Glint invoice of 150 000 sat: LDK's router splits it over its two channels; Glint
 *     holds the parts until their sum reaches total_msat, then claims them all.
 *   - Glint pays an L invoice of 150 000 sat over its two channels.
 *   - keysend Glint → L and L → Glint.
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
  openLdkToGlint,
  paymentsSettled,
  startWorld,
  stopWorld,
  until,
  type Glint,
  type GlintPayments,
  type LdkPeer,
  type World,
} from '../harness/glint-ldk.ts';

let w: World;
let g: Glint;
let pay: GlintPayments;
let l: LdkPeer;
const channelIds: string[] = [];

const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const glintLocal = (): bigint => g.channels.list().reduce((sum, ch) => sum + ch.localMsat, 0n);

function expectAllAgree(): void {
  for (const id of channelIds) {
    const seen = channelBalances(g, l.node, id);
    expect(seen.glint).toEqual({ local: seen.ldk.remote, remote: seen.ldk.local });
  }
}

describe('BOLT 4 MPP and keysend: Glint ⇄ LDK over two channels each way', () => {
  beforeAll(async () => {
    w = await startWorld();
    l = await ldkPeer(w, 'ldk-l', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    g = await glintNode(w, { minimumDepth: 1, fundSat: 1_000_000 });
    await mine(w, g, 1);
    await g.service.sync();
    for (let i = 0; i < 2; i++) channelIds.push((await openGlintToLdk(w, g, l, 'static_remotekey', 100_000n)).channelId);
    for (const n of [1, 2]) channelIds.push((await openLdkToGlint(w, g, l, { fundingSat: 100_000n, pushMsat: 0n, seed: `mpp l-glint ${n}` })).channelId);
    await g.channels.onTip();
    pay = await glintPayments(g);
  }, 90_000);

  afterAll(async () => {
    await stopWorld(w);
  });

  test('Glint receives an MPP payment: LDK splits 150 000 sat over its two channels; Glint claims every part', async () => {
    const created = await pay.createInvoice({ amountMsat: 150_000_000n, description: 'mpp receive' });
    const before = glintLocal();
    const sent = await l.node.payInvoice(created.bolt11);
    expect(sha256Hex(sent.preimage)).toBe(created.paymentHash);
    await until(() => pay.payment(created.paymentHash)?.status === 'succeeded', 'the MPP payment succeeded on Glint');
    const record = pay.payment(created.paymentHash)!;
    expect(record).toMatchObject({ direction: 'incoming', status: 'succeeded', amountMsat: 150_000_000n, preimage: sent.preimage });
    expect(record.htlcs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(record.htlcs.map((h) => h.channelId)).size).toBeGreaterThanOrEqual(2);
    expect(record.htlcs.reduce((sum, h) => sum + h.amountMsat, 0n)).toBe(150_000_000n);
    await paymentsSettled(g, [l.node]);
    expect(glintLocal()).toBe(before + 150_000_000n);
    expectAllAgree();
  });

  test('Glint sends an MPP payment of 150 000 sat over its two channels; LDK claims it as one payment of several parts', async () => {
    const invoice = l.node.createInvoice({ amountMsat: 150_000_000n, description: 'mpp send' });
    const before = glintLocal();
    const result = await pay.pay(invoice);
    expect(result).toMatchObject({ status: 'succeeded', feeMsat: 0n });
    const claimed = await l.node.waitForClaimed(result.paymentHash);
    expect(claimed.amountMsat).toBe(150_000_000n);
    expect(claimed.parts).toBeGreaterThanOrEqual(2);
    await paymentsSettled(g, [l.node]);
    // The payment succeeds on the first fulfill; the other parts' fulfills follow.
    await pay.idle();
    const record = pay.payment(result.paymentHash)!;
    expect(record.htlcs.filter((h) => h.status === 'succeeded').length).toBeGreaterThanOrEqual(2);
    expect(glintLocal()).toBe(before - 150_000_000n);
    expectAllAgree();
  });

  test('keysend Glint → LDK: LDK claims it as a spontaneous payment', async () => {
    const before = glintLocal();
    const result = await pay.keysend(l.node.nodeIdHex, 7_000_000n);
    expect(result.status).toBe('succeeded');
    expect(sha256Hex(result.preimage!)).toBe(result.paymentHash);
    expect(await l.node.waitForClaimed(result.paymentHash)).toMatchObject({ amountMsat: 7_000_000n, purpose: 'keysend' });
    expect(pay.payment(result.paymentHash)).toMatchObject({ direction: 'outgoing', kind: 'keysend', status: 'succeeded' });
    await paymentsSettled(g, [l.node]);
    expect(glintLocal()).toBe(before - 7_000_000n);
    expectAllAgree();
  });

  test('keysend LDK → Glint: Glint claims it (acceptKeysend) and records it as incoming keysend', async () => {
    const before = glintLocal();
    const sent = await l.node.keysend(Buffer.from(g.peers.nodeId, 'hex'), 6_000_000n);
    await until(() => pay.payment(sent.paymentHash)?.status === 'succeeded', 'the keysend succeeded on Glint');
    expect(pay.payment(sent.paymentHash)).toMatchObject({ direction: 'incoming', kind: 'keysend', status: 'succeeded', amountMsat: 6_000_000n, preimage: sent.preimage });
    await paymentsSettled(g, [l.node]);
    expect(glintLocal()).toBe(before + 6_000_000n);
    expectAllAgree();
  });
});
