/**
 * BOLT 11 "Feature Bits" reader requirements as this payer applies them (invoiceFeatureProblem),
 * expiry ("Payer / Payee Requirements": timestamp + expiry) and the JSON description of an invoice.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { FeatureVector } from '../../engine/wire/features.ts';
import {
  decodeInvoice,
  describeInvoice,
  formatShortChannelId,
  invoiceExpiresAtSec,
  invoiceFeatureNames,
  invoiceFeatureProblem,
  isInvoiceExpired,
} from '../../engine/invoice/index.ts';

const bits = (...b: number[]) => ({ features: FeatureVector.fromBits(b).toBytes() });
const byTitle = (prefix: string) => vectors.valid.find((v) => v.title.startsWith(prefix))!.invoice;

describe('invoice features', () => {
  it('names the features an invoice sets', () => {
    expect(invoiceFeatureNames(decodeInvoice(vectors.valid[0]!.invoice).features)).toEqual(['var_onion_optin', 'payment_secret']);
    expect(invoiceFeatureNames(decodeInvoice(byTitle('Please send $30 for coffee beans')).features)).toEqual([
      'var_onion_optin',
      'payment_secret',
      'unknown_99',
    ]);
    expect(invoiceFeatureNames(bits(17, 49).features)).toEqual(['basic_mpp', 'option_payment_metadata']);
  });
  it('has no problem with the spec examples, including unknown odd bit 99', () => {
    for (const v of vectors.valid) expect(invoiceFeatureProblem(decodeInvoice(v.invoice))).toBeUndefined();
  });
  it('reports unknown even bits, required features it cannot pay, missing dependencies and a missing payment_secret', () => {
    expect(invoiceFeatureProblem(bits(8, 14, 100))).toMatch(/unknown feature bit 100/);
    expect(invoiceFeatureProblem(bits(8, 14, 24))).toMatch(/requires option_route_blinding/);
    expect(invoiceFeatureProblem(bits(8, 17))).toMatch(/basic_mpp without payment_secret/);
    expect(invoiceFeatureProblem(bits(9))).toMatch(/payment_secret \(feature 14\/15\)/);
    expect(invoiceFeatureProblem(bits())).toMatch(/payment_secret/);
    expect(invoiceFeatureProblem(bits(9, 15, 17, 48))).toBeUndefined();
  });
});

describe('invoice expiry', () => {
  it('is timestamp + x (default 3600 s), expired from that second on', () => {
    const inv = decodeInvoice(vectors.valid[1]!.invoice); // x = 60
    expect(invoiceExpiresAtSec(inv)).toBe(1496314658 + 60);
    expect(isInvoiceExpired(inv, 1496314658 + 59)).toBe(false);
    expect(isInvoiceExpired(inv, 1496314658 + 60)).toBe(true);
    expect(invoiceExpiresAtSec(decodeInvoice(vectors.valid[0]!.invoice))).toBe(1496314658 + 3600);
  });
});

describe('describeInvoice', () => {
  it('gives plain JSON: hex, decimal msat, scid text, feature names, expiry', () => {
    const inv = decodeInvoice(byTitle('Please send 0.00967878534 BTC'));
    const d = describeInvoice(inv, 1572468703 + 10);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d).toMatchObject({
      network: 'bitcoin',
      amountMsat: '967878534',
      payee: vectors.payee_pubkey,
      paymentHash: '462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f',
      timestampSec: 1572468703,
      expirySec: 604800,
      expiresAtSec: 1572468703 + 604800,
      expired: false,
      minFinalCltvExpiryDelta: 10,
      features: ['var_onion_optin', 'payment_secret'],
      routeHints: [
        [
          {
            nodeId: '03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7',
            shortChannelId: '589390x3312x1',
            feeBaseMsat: 1000,
            feeProportionalMillionths: 2500,
            cltvExpiryDelta: 40,
          },
        ],
      ],
    });
    expect(d.featureProblem).toBeUndefined();
    expect(describeInvoice(inv, 1572468703 + 604800).expired).toBe(true);
  });
  it('omits the amount of an any-amount invoice and shows a description hash as hex', () => {
    expect(describeInvoice(decodeInvoice(vectors.valid[0]!.invoice), 0).amountMsat).toBeUndefined();
    expect(describeInvoice(decodeInvoice(byTitle('Now send $24')), 0).descriptionHash).toBe(
      '3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1',
    );
  });
  it('formats short channel ids as BOLT 7 block x tx x output', () => {
    expect(formatShortChannelId(0x0102030405060708n)).toBe('66051x263430x1800');
    expect(formatShortChannelId(0x030405060708090an)).toBe('197637x395016x2314');
  });
});
