/**
 * BOLT 4 multi-hop payments between Glint and real LDK nodes (bcoin regtest chain, real TCP):
 * Glint ⇄ LDK B ⇄ LDK C, every channel unannounced, B forwarding to private channels.
 *
 *   - Glint pays C's BOLT 11 invoice through B using the invoice's route hint (B → C by C's
 *     scid alias; B's fee_base_msat 1000, cltv_expiry_delta 72): BOLT 4 onion with a forward
 *     hop (short_channel_id, amt_to_forward, outgoing_cltv_value) and a final hop (payment_data).
 *   - LDK C pays Glint's invoice through B: Glint's invoice hints B → Glint (BOLT 11 `r`), C's
 *     onion is peeled by Glint as the final node.
 * Channels: Glint → B and B → Glint (so B has something to forward to Glint), B → C and C → B.
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
  openLdkToLdk,
  paymentsSettled,
  startWorld,
  stopWorld,
  until,
  type Glint,
  type GlintPayments,
  type LdkChannel,
  type LdkPeer,
  type World,
} from '../harness/glint-ldk.ts';
import type { ChannelInfo } from '../../engine/node/channels.ts';

let w: World;
let g: Glint;
let pay: GlintPayments;
let b: LdkPeer;
let c: LdkPeer;
let gb: ChannelInfo;
let bg: ChannelInfo;
let bc: LdkChannel;

const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

/** BOLT 11 `r` field as LDK reads it. */
function routeHints(bolt11: string): { nodeId: string; scid: bigint; feeBaseMsat: number; feePpm: number; cltvExpiryDelta: number }[][] {
  const ldk = w.ldk;
  const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11);
  if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error('LDK cannot parse the invoice');
  return parsed.res.route_hints().map((hint) =>
    hint.get_a().map((hop) => ({
      nodeId: Buffer.from(hop.get_src_node_id()).toString('hex'),
      scid: hop.get_short_channel_id(),
      feeBaseMsat: hop.get_fees().get_base_msat(),
      feePpm: hop.get_fees().get_proportional_millionths(),
      cltvExpiryDelta: hop.get_cltv_expiry_delta(),
    })),
  );
}

/** Glint's settled balance over all its channels with B. */
const glintLocalWithB = (): bigint => g.channels.list().filter((ch) => ch.peer === b.node.nodeIdHex).reduce((sum, ch) => sum + ch.localMsat, 0n);

describe('BOLT 4 multi-hop: Glint ⇄ LDK B ⇄ LDK C over route hints', () => {
  beforeAll(async () => {
    w = await startWorld();
    b = await ldkPeer(w, 'ldk-b', { config: { acceptForwardsToPrivChannels: true, maxInboundHtlcValueInFlightPercent: 100 } });
    c = await ldkPeer(w, 'ldk-c', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    g = await glintNode(w, { minimumDepth: 1, fundSat: 1_000_000 });
    await mine(w, g, 1);
    await g.service.sync();
    gb = await openGlintToLdk(w, g, b, 'static_remotekey', 400_000n);
    bg = await openLdkToGlint(w, g, b, { fundingSat: 300_000n, pushMsat: 0n, seed: 'multihop b-glint' });
    bc = await openLdkToLdk(w, b, c, { fundingSat: 300_000n, seed: 'multihop b-c' });
    await openLdkToLdk(w, c, b, { fundingSat: 300_000n, seed: 'multihop c-b' });
    await g.channels.onTip();
    pay = await glintPayments(g);
  }, 90_000);

  afterAll(async () => {
    await stopWorld(w);
  });

  test('Glint pays LDK C through LDK B using C’s route hint; B takes its 1000 msat fee; both channels agree to the msat', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 25_000_000n, description: 'through B' });
    const cAlias = c.node.channelBalances().find((x) => x.channelId === bc.channelId)!.inboundScidAlias;
    expect(routeHints(invoice)).toContainEqual([expect.objectContaining({ nodeId: b.node.nodeIdHex, scid: cAlias, feeBaseMsat: 1000, cltvExpiryDelta: 72 })]);
    const before = glintLocalWithB();
    const forwarded = b.node.payments.forwarded;

    const result = await pay.pay(invoice);
    expect(result).toMatchObject({ status: 'succeeded', feeMsat: 1000n });
    expect(sha256Hex(result.preimage!)).toBe(result.paymentHash);
    const claimed = await c.node.waitForClaimed(result.paymentHash);
    expect(claimed).toMatchObject({ amountMsat: 25_000_000n, purpose: 'invoice' });
    await paymentsSettled(g, [b.node, c.node]);

    expect(b.node.payments.forwarded).toBe(forwarded + 1);
    expect(glintLocalWithB()).toBe(before - 25_001_000n);
    for (const ch of [gb, bg]) {
      const seen = channelBalances(g, b.node, ch.channelId);
      expect(seen.glint).toEqual({ local: seen.ldk.remote, remote: seen.ldk.local });
    }
    expect(pay.payment(result.paymentHash)).toMatchObject({ direction: 'outgoing', status: 'succeeded', amountMsat: 25_000_000n, feeMsat: 1000n, preimage: result.preimage });
  });

  test('LDK C pays a Glint invoice through LDK B: Glint’s invoice hints B → Glint; Glint claims as the final node', async () => {
    const created = await pay.createInvoice({ amountMsat: 12_000_000n, description: 'from C through B' });
    const hints = routeHints(created.bolt11);
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) expect(hint).toEqual([expect.objectContaining({ nodeId: b.node.nodeIdHex })]);
    const before = glintLocalWithB();

    const sent = await c.node.payInvoice(created.bolt11);
    expect(sent.paymentHash).toBe(created.paymentHash);
    expect(sent.feeMsat).toBe(1000n);
    await until(() => pay.payment(created.paymentHash)?.status === 'succeeded', 'the incoming payment succeeded on Glint');
    expect(pay.payment(created.paymentHash)).toMatchObject({ direction: 'incoming', kind: 'invoice', status: 'succeeded', amountMsat: 12_000_000n, preimage: sent.preimage });
    await paymentsSettled(g, [b.node, c.node]);
    expect(glintLocalWithB()).toBe(before + 12_000_000n);
    for (const ch of [gb, bg]) {
      const seen = channelBalances(g, b.node, ch.channelId);
      expect(seen.glint).toEqual({ local: seen.ldk.remote, remote: seen.ldk.local });
    }
  });

  test('the fee cap holds: Glint refuses a route whose fee exceeds maxFeeMsat, and nothing moves', async () => {
    const invoice = c.node.createInvoice({ amountMsat: 5_000_000n, description: 'fee too high for the cap' });
    const before = glintLocalWithB();
    const result = await pay.pay(invoice, { maxFeeMsat: 999n });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/fee/i);
    await paymentsSettled(g, [b.node, c.node]);
    expect(glintLocalWithB()).toBe(before);
    expect(c.node.claimed().some((x) => x.paymentHash === result.paymentHash)).toBe(false);
  });
});
