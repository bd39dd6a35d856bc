/**
 * The payment router and splitter (engine/node/payments/route.ts, split.ts) and the payment
 * records (records.ts): BOLT 4 amounts and CLTVs computed backwards from the payee over BOLT 11
 * route hints (BOLT 7 fee formula), limits, MPP splitting (BOLT 4 "Basic Multi-Part Payments"),
 * and the versioned store records round-tripping.
 */
import { describe, expect, test } from 'vitest';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import type { PaymentChannel } from '../../engine/node/payments/ports.ts';
import { FINAL_CLTV_MARGIN, findPaths, hopFee, maxPayeeAmount, priceRoute, type HintHop } from '../../engine/node/payments/route.ts';
import { splitPayment, type SplitRequest } from '../../engine/node/payments/split.ts';
import { incomingPaymentCodec, outgoingPaymentCodec, type StoredOutgoingPayment } from '../../engine/node/payments/records.ts';
import { recordSpecFor } from '../../engine/store/schema.ts';
import { CorruptRecordError } from '../../engine/store/errors.ts';

const key = (n: number) => publicKeyOf(new Uint8Array(32).fill(n));
const B = key(2);
const C = key(3);
const D = key(4);

function channel(id: number, peer: Uint8Array, sendableMsat: bigint, extra: Partial<PaymentChannel> = {}): PaymentChannel {
  return { channelId: bytesToHex(new Uint8Array(32).fill(id)), peer: bytesToHex(peer), usable: true, open: true, sendableMsat, receivableMsat: 0n, htlcMinimumMsat: 1n, ...extra };
}

const hintBC: HintHop = { nodeId: B, shortChannelId: 0x0102030000010000n, feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 };
const hintCD: HintHop = { nodeId: C, shortChannelId: 0x0102040000020001n, feeBaseMsat: 500, feeProportionalMillionths: 2000, cltvExpiryDelta: 72 };

describe('router', () => {
  test('direct: one hop, the final payload carries payment_data and metadata; CLTV = height + min_final + margin', () => {
    const paths = findPaths({ payee: B, channels: [channel(1, B, 10_000_000n)], routeHints: [] });
    expect(paths).toHaveLength(1);
    const secret = new Uint8Array(32).fill(9);
    const r = priceRoute(paths[0]!, 123_000n, B, 1000 + 18 + FINAL_CLTV_MARGIN, { paymentSecret: secret, totalMsat: 200_000n, paymentMetadata: Uint8Array.of(1, 2) });
    expect(r.kind).toBe('direct');
    expect(r.amountMsat).toBe(123_000n);
    expect(r.feeMsat).toBe(0n);
    expect(r.cltvExpiry).toBe(1021);
    expect(r.hops).toHaveLength(1);
    expect(r.hops[0]!.payload).toEqual({ amtToForwardMsat: 123_000n, outgoingCltvValue: 1021, paymentData: { paymentSecret: secret, totalMsat: 200_000n }, paymentMetadata: Uint8Array.of(1, 2) });
  });

  test('two route-hint hops: fees (base + prop·amount/1e6) and CLTV deltas added backwards from the payee', () => {
    // us → B → C → D(payee); our channel goes to B.
    const paths = findPaths({ payee: D, channels: [channel(1, B, 10_000_000n), channel(2, C, 10_000_000n, { usable: false })], routeHints: [[hintBC, hintCD]] });
    expect(paths).toHaveLength(1);
    const amount = 1_000_000n;
    const r = priceRoute(paths[0]!, amount, D, 2000, { totalMsat: amount, paymentSecret: new Uint8Array(32) });
    const feeC = 500n + (amount * 2000n) / 1_000_000n; // C forwards `amount` to D
    const atC = amount + feeC;
    const feeB = 1000n + (atC * 100n) / 1_000_000n; // B forwards atC to C
    expect(hopFee(hintCD, amount)).toBe(feeC);
    expect(r.amountMsat).toBe(atC + feeB);
    expect(r.feeMsat).toBe(feeC + feeB);
    expect(r.cltvExpiry).toBe(2000 + 72 + 40);
    expect(r.hops.map((h) => bytesToHex(h.nodeId))).toEqual([B, C, D].map(bytesToHex));
    expect(r.hops[0]!.payload).toEqual({ amtToForwardMsat: atC, outgoingCltvValue: 2072, shortChannelId: hintBC.shortChannelId });
    expect(r.hops[1]!.payload).toEqual({ amtToForwardMsat: amount, outgoingCltvValue: 2000, shortChannelId: hintCD.shortChannelId });
    expect(r.hops[2]!.payload.amtToForwardMsat).toBe(amount);
    expect(r.hops[2]!.shortChannelId).toBe(hintCD.shortChannelId);
  });

  test('a hint whose first node is not our peer, or an excluded hint channel, gives no path', () => {
    expect(findPaths({ payee: D, channels: [channel(1, B, 1_000_000n)], routeHints: [[hintCD]] })).toHaveLength(0);
    expect(findPaths({ payee: D, channels: [channel(1, B, 1_000_000n)], routeHints: [[hintBC, hintCD]], exclude: { channels: new Set(), hintChannels: new Set([hintCD.shortChannelId]), nodes: new Set() } })).toHaveLength(0);
  });

  test('maxPayeeAmount: the largest amount whose first-hop HTLC fits the capacity', () => {
    const [path] = findPaths({ payee: D, channels: [channel(1, B, 1_000_000n)], routeHints: [[hintBC, hintCD]] });
    const final = { totalMsat: 0n };
    const best = maxPayeeAmount(path!, 1_000_000n, D, 100, final);
    expect(priceRoute(path!, best, D, 100, final).amountMsat).toBeLessThanOrEqual(1_000_000n);
    expect(priceRoute(path!, best + 1n, D, 100, final).amountMsat).toBeGreaterThan(1_000_000n);
  });
});

describe('splitter', () => {
  const base = (over: Partial<SplitRequest>): SplitRequest => ({
    payee: B,
    amountMsat: 100_000n,
    channels: [channel(1, B, 1_000_000n)],
    routeHints: [],
    finalCltv: 621,
    final: { totalMsat: 100_000n, paymentSecret: new Uint8Array(32) },
    blockHeight: 600,
    maxFeeMsat: 5000n,
    maxCltvExpiryDelta: 1008,
    allowMpp: true,
    ...over,
  });

  test('one channel big enough: one part', () => {
    const r = splitPayment(base({}));
    expect(r.ok && r.parts.length).toBe(1);
  });

  test('no channel at all / none usable / payee unreachable → no_route with words', () => {
    expect(splitPayment(base({ channels: [] }))).toMatchObject({ ok: false, code: 'no_route', reason: /no channel/ });
    expect(splitPayment(base({ channels: [channel(1, B, 1n, { usable: false })] }))).toMatchObject({ ok: false, code: 'no_route', reason: /usable/ });
    expect(splitPayment(base({ payee: D }))).toMatchObject({ ok: false, code: 'no_route', reason: /not a peer/ });
  });

  test('MPP over two channels when neither alone can carry it; payee shares sum to the amount', () => {
    const r = splitPayment(base({ amountMsat: 150_000n, final: { totalMsat: 150_000n }, channels: [channel(1, B, 100_000n), channel(2, B, 80_000n)] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parts).toHaveLength(2);
    expect(r.parts.reduce((s, p) => s + p.payeeMsat, 0n)).toBe(150_000n);
    expect(new Set(r.parts.map((p) => p.channelId)).size).toBe(2);
    for (const p of r.parts) expect(p.hops.at(-1)!.payload.amtToForwardMsat).toBe(p.payeeMsat);
  });

  test('without basic_mpp, two small channels are not combined: insufficient_balance naming what one channel can send', () => {
    const r = splitPayment(base({ amountMsat: 150_000n, allowMpp: false, channels: [channel(1, B, 100_000n), channel(2, B, 80_000n)] }));
    expect(r).toMatchObject({ ok: false, code: 'insufficient_balance', reason: /at most 100 sat in one payment.*multi-part/ });
  });

  test('more than all channels together: insufficient_balance', () => {
    const r = splitPayment(base({ amountMsat: 500_000n, channels: [channel(1, B, 100_000n), channel(2, B, 80_000n)] }));
    expect(r).toMatchObject({ ok: false, code: 'insufficient_balance', reason: /at most 180 sat together/ });
  });

  test('fee and CLTV limits are respected', () => {
    const over = { payee: D, channels: [channel(1, B, 10_000_000n)], routeHints: [[hintBC, hintCD]] };
    expect(splitPayment(base({ ...over, maxFeeMsat: 10n }))).toMatchObject({ ok: false, code: 'no_route', reason: /fee .* above the limit/ });
    expect(splitPayment(base({ ...over, maxCltvExpiryDelta: 50 }))).toMatchObject({ ok: false, code: 'no_route', reason: /locks funds/ });
    expect(splitPayment(base(over)).ok).toBe(true);
  });
});

describe('payment records (versioned bytes)', () => {
  const out: StoredOutgoingPayment = {
    paymentHash: new Uint8Array(32).fill(7),
    kind: 'invoice',
    status: 'pending',
    amountMsat: 150_000n,
    createdAtSec: 1_800_000_000,
    payee: D,
    maxFeeMsat: 5000n,
    maxCltvExpiryDelta: 1008,
    parts: [
      {
        index: 0,
        channelId: new Uint8Array(32).fill(1),
        htlcId: 3n,
        amountMsat: 151_000n,
        payeeMsat: 150_000n,
        cltvExpiry: 700,
        status: 'failed',
        hops: [{ nodeId: B }, { nodeId: D, shortChannelId: 42n }],
        sharedSecrets: [new Uint8Array(32).fill(5), new Uint8Array(32).fill(6)],
        failure: 'temporary_channel_failure at B — ünïcode',
      },
    ],
    invoice: 'lnbcrt1...',
    description: 'coffee ☕',
  };

  test('outgoing: round trip, version byte first; the schema lists the prefix', () => {
    const bytes = outgoingPaymentCodec.encode(out);
    expect(bytes[0]).toBe(1);
    expect(outgoingPaymentCodec.decode(bytes)).toEqual(out);
    expect(recordSpecFor(`node/payments/out/${'07'.repeat(32)}`)?.owner).toMatch(/payments\/records/);
    expect(recordSpecFor(`node/payments/in/${'07'.repeat(32)}`)?.owner).toMatch(/payments\/records/);
  });

  test('incoming: round trip', () => {
    const inc = {
      paymentHash: new Uint8Array(32).fill(8),
      kind: 'invoice' as const,
      status: 'succeeded' as const,
      amountMsat: 42_000n,
      createdAtSec: 1,
      preimage: new Uint8Array(32).fill(1),
      minFinalCltvExpiryDelta: 18,
      parts: [{ channelId: new Uint8Array(32).fill(1), htlcId: 0n, amountMsat: 42_000n, cltvExpiry: 640, status: 'succeeded' as const }],
      invoiceAmountMsat: 40_000n,
      paymentSecret: new Uint8Array(32).fill(2),
      expiresAtSec: 3601,
      settledAtSec: 5,
    };
    expect(incomingPaymentCodec.decode(incomingPaymentCodec.encode(inc))).toEqual(inc);
  });

  test('trailing bytes, truncation and unknown status are refused', () => {
    const bytes = outgoingPaymentCodec.encode(out);
    expect(() => outgoingPaymentCodec.decode(Uint8Array.of(...bytes, 0))).toThrow(CorruptRecordError);
    expect(() => outgoingPaymentCodec.decode(bytes.subarray(0, bytes.length - 3))).toThrow(CorruptRecordError);
    const bad = bytes.slice();
    bad[1 + 32 + 1] = 9; // status
    expect(() => outgoingPaymentCodec.decode(bad)).toThrow(/status/);
  });
});
