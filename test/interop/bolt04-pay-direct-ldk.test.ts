/**
 * BOLT 4 / BOLT 11 payments over one direct Glint ⇄ LDK channel (bcoin regtest chain, real TCP):
 *
 *   - Glint pays an LDK invoice: one-hop onion (final payload with payment_data), LDK claims,
 *     Glint gets the preimage; exactly the amount moves; both sides' balances agree to the msat;
 *   - LDK pays a Glint invoice (its route hint names LDK → Glint by LDK's alias for the channel):
 *     Glint peels the onion as the final node, checks the payment_secret, claims; both agree;
 *   - paying the same invoice again returns the earlier result and sends nothing.
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

describe('BOLT 4 direct payments: Glint ⇄ LDK over one channel', () => {
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
