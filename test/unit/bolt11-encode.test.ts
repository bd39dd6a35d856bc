/**
 * BOLT 11 writer: the spec examples are reproduced byte for byte from their fields and the spec's
 * private key (RFC 6979 signatures are deterministic), and writer-side validation names the field.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import {
  decodeInvoice,
  decodeRawInvoice,
  encodeInvoice,
  encodeRawInvoice,
  invoiceTaggedFields,
  InvoiceError,
  signInvoiceDigest,
  type Invoice,
  type InvoiceFields,
} from '../../engine/invoice/index.ts';

const KEY = hexToBytes(vectors.signing_privkey);
const sign = (d: Uint8Array) => signInvoiceDigest(d, KEY);
const EXPIRY_TAG = 6;
const CLTV_TAG = 24;

/** The writer fields of a decoded invoice; x / c only when the invoice carried them. */
function fieldsOf(inv: Invoice, tags: readonly number[]): InvoiceFields {
  return {
    network: inv.network,
    ...(inv.amountMsat !== undefined ? { amountMsat: inv.amountMsat } : {}),
    timestampSec: inv.timestampSec,
    paymentHash: inv.paymentHash,
    paymentSecret: inv.paymentSecret,
    ...(inv.description !== undefined ? { description: inv.description } : {}),
    ...(inv.descriptionHash !== undefined ? { descriptionHash: inv.descriptionHash } : {}),
    ...(tags.includes(EXPIRY_TAG) ? { expirySec: inv.expirySec } : {}),
    ...(tags.includes(CLTV_TAG) ? { minFinalCltvExpiryDelta: inv.minFinalCltvExpiryDelta } : {}),
    fallbackAddresses: inv.fallbackAddresses,
    routeHints: inv.routeHints,
    features: inv.features,
    ...(inv.paymentMetadata !== undefined ? { paymentMetadata: inv.paymentMetadata } : {}),
    ...(inv.payeeNodeIdExplicit ? { payeeNodeId: inv.payeeNodeId } : {}),
  };
}

/** Everything a decoded invoice says except its text and signature. */
function semantic(inv: Invoice): Omit<Invoice, 'bolt11' | 'signature' | 'recoveryId' | 'unknownTags' | 'skippedTags'> {
  const { bolt11: _b, signature: _s, recoveryId: _r, unknownTags: _u, skippedTags: _k, ...rest } = inv;
  return rest;
}

describe('BOLT 11 Examples re-encoded with the spec private key', () => {
  for (const v of vectors.valid) {
    it(`raw fields in the vector's order give the same string: ${v.title}`, () => {
      const raw = decodeRawInvoice(v.invoice);
      const again = encodeRawInvoice(raw.hrp, raw.timestampSec, raw.fields, sign);
      if (v.decoded.signature_is_high_s) {
        // Our signer produces the low-S twin: exactly the first example.
        expect(again).toBe(vectors.valid[0]!.invoice);
      } else {
        expect(again).toBe(v.invoice.toLowerCase());
      }
    });
  }

  it('encodeInvoice reproduces every example written in canonical field order byte for byte, and the others decode to the same fields', () => {
    let identical = 0;
    for (const v of vectors.valid) {
      if (v.decoded.signature_is_high_s) continue;
      const inv = decodeInvoice(v.invoice);
      const raw = decodeRawInvoice(v.invoice);
      const fields = fieldsOf(
        inv,
        raw.fields.map((f) => f.tag),
      );
      const text = encodeInvoice(fields, sign);
      expect(semantic(decodeInvoice(text))).toEqual(semantic(inv));
      const canonical = invoiceTaggedFields(fields).map((f) => f.tag);
      const original = raw.fields.map((f) => f.tag);
      if (inv.unknownTags.length === 0 && inv.skippedTags.length === 0 && JSON.stringify(canonical) === JSON.stringify(original)) {
        expect(text).toBe(v.invoice.toLowerCase());
        identical++;
      }
    }
    // s p d 9, s p d x 9 (×2), s p h 9, s p h f r 9, s p h f 9: the spec's modern field order.
    expect(identical).toBe(6);
  });
});

describe('BOLT 11 writer requirements', () => {
  const base: InvoiceFields = {
    network: 'regtest',
    amountMsat: 1_000n,
    timestampSec: 1_700_000_000,
    paymentHash: new Uint8Array(32).fill(1),
    paymentSecret: new Uint8Array(32).fill(2),
    description: 'coffee',
    features: Uint8Array.of(0x41, 0x00),
  };

  function codeOf(fields: InvoiceFields): [string, string] {
    try {
      encodeInvoice(fields, sign);
    } catch (e) {
      expect(e).toBeInstanceOf(InvoiceError);
      return [(e as InvoiceError).code, (e as InvoiceError).field];
    }
    throw new Error('encodeInvoice accepted bad fields');
  }

  it('writes lnbcrt with the shortest amount', () => {
    expect(encodeInvoice(base, sign).startsWith('lnbcrt10n1')).toBe(true);
    expect(encodeInvoice({ ...base, amountMsat: 1n }, sign).startsWith('lnbcrt10p1')).toBe(true);
    expect(encodeInvoice({ ...base, amountMsat: 100_000_000_000n }, sign).startsWith('lnbcrt11')).toBe(true);
  });
  it('includes n when asked and it verifies', () => {
    const inv = decodeInvoice(encodeInvoice({ ...base, payeeNodeId: hexToBytes(vectors.payee_pubkey) }, sign));
    expect(inv.payeeNodeIdExplicit).toBe(true);
  });
  it('refuses an n that is not the signer', () => {
    const other = hexToBytes('029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255');
    expect(codeOf({ ...base, payeeNodeId: other })).toEqual(['invalid_field', 'invoice']);
  });
  it('names the bad field', () => {
    expect(codeOf({ ...base, paymentHash: new Uint8Array(31) })).toEqual(['invalid_field', 'paymentHash']);
    expect(codeOf({ ...base, paymentSecret: new Uint8Array(33) })).toEqual(['invalid_field', 'paymentSecret']);
    expect(codeOf({ ...base, descriptionHash: new Uint8Array(32) })).toEqual(['invalid_field', 'description']);
    expect(codeOf({ ...base, description: 'x'.repeat(640) })).toEqual(['invalid_field', 'description']);
    expect(codeOf({ ...base, amountMsat: 0n })).toEqual(['invalid_field', 'amountMsat']);
    expect(codeOf({ ...base, amountMsat: 21_000_000n * 100_000_000_000n + 1n })).toEqual(['invalid_field', 'amountMsat']);
    expect(codeOf({ ...base, expirySec: -1 })).toEqual(['invalid_field', 'expirySec']);
    expect(codeOf({ ...base, minFinalCltvExpiryDelta: 65536 })).toEqual(['invalid_field', 'minFinalCltvExpiryDelta']);
    expect(codeOf({ ...base, timestampSec: 2 ** 35 })).toEqual(['invalid_field', 'timestampSec']);
    expect(codeOf({ ...base, fallbackAddresses: ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'] })).toEqual(['invalid_field', 'fallbackAddresses[0]']);
    expect(codeOf({ ...base, features: Uint8Array.of(0x10, 0x41, 0x00) })).toEqual(['invalid_field', 'invoice']);
  });
  it('omits the 9 field when no feature bit is set', () => {
    const text = encodeInvoice({ ...base, features: new Uint8Array(2) }, sign);
    expect(decodeRawInvoice(text).fields.some((f) => f.tag === 5)).toBe(false);
  });
});
