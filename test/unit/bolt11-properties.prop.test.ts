/**
 * BOLT 11 properties: decode(encode(fields)) = fields for any valid writer fields, and no input
 * (random text, or valid invoices with their words mutated under a correct checksum) makes the
 * reader throw anything but InvoiceError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import {
  decodeInvoice,
  encodeInvoice,
  InvoiceError,
  MAX_INVOICE_AMOUNT_MSAT,
  parsePaymentText,
  signInvoiceDigest,
  type InvoiceFields,
  type InvoiceNetwork,
  type RouteHintHop,
} from '../../engine/invoice/index.ts';
import { decodeBech32, encodeBech32 } from '../../engine/invoice/bech32-words.ts';
import { fallbackAddressOf } from '../../engine/invoice/fallback.ts';

const SECRETS = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const NODE_IDS = SECRETS.map((s) => publicKeyOf(s));

const hop: fc.Arbitrary<RouteHintHop> = fc.record({
  nodeId: fc.constantFrom(...NODE_IDS),
  shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  feeBaseMsat: fc.integer({ min: 0, max: 0xffff_ffff }),
  feeProportionalMillionths: fc.integer({ min: 0, max: 0xffff_ffff }),
  cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }),
});

const network = fc.constantFrom<InvoiceNetwork>('bitcoin', 'testnet', 'signet', 'regtest');

/** Fallback programs a reader understands: P2PKH/P2SH hashes, v0 20/32-byte and v1 32-byte programs. */
const fallbackWords = fc.oneof(
  fc.tuple(fc.constantFrom(17, 18, 0), fc.uint8Array({ minLength: 20, maxLength: 20 })),
  fc.tuple(fc.constantFrom(0, 1), fc.uint8Array({ minLength: 32, maxLength: 32 })),
);

function toWords(version: number, program: Uint8Array): Uint8Array {
  const words: number[] = [version];
  let acc = 0;
  let bits = 0;
  for (const b of program) {
    acc = ((acc << 8) | b) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  return Uint8Array.from(words);
}

const fieldsArb = fc
  .record({
    network,
    amountMsat: fc.option(fc.bigInt({ min: 1n, max: MAX_INVOICE_AMOUNT_MSAT }), { nil: undefined }),
    timestampSec: fc.integer({ min: 0, max: 2 ** 35 - 1 }),
    paymentHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    description: fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
    expirySec: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
    minFinalCltvExpiryDelta: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    fallbacks: fc.array(fallbackWords, { maxLength: 2 }),
    routeHints: fc.array(fc.array(hop, { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    featureBits: fc.subarray([8, 9, 14, 15, 16, 17, 48, 49, 99, 101, 255]),
    paymentMetadata: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
    explicitPayee: fc.boolean(),
    signer: fc.integer({ min: 0, max: SECRETS.length - 1 }),
  })
  .map((r) => {
    const { description, fallbacks, featureBits, explicitPayee, signer, ...rest } = r;
    const fields: InvoiceFields = {
      ...rest,
      ...(typeof description === 'string' ? { description } : { descriptionHash: description }),
      fallbackAddresses: fallbacks.map(([v, p]) => fallbackAddressOf(toWords(v, p), r.network) as string),
      features: FeatureVector.fromBits(featureBits).toBytes(),
      ...(explicitPayee ? { payeeNodeId: NODE_IDS[signer] } : {}),
    };
    return { fields, signer };
  });

describe('BOLT 11 round trip', () => {
  it('decode(encode(fields)) gives back every field (defaults applied)', () => {
    fc.assert(
      fc.property(fieldsArb, ({ fields, signer }) => {
        const text = encodeInvoice(fields, (d) => signInvoiceDigest(d, SECRETS[signer]!));
        const inv = decodeInvoice(text, { network: fields.network });
        expect(inv.bolt11).toBe(text);
        expect(inv.network).toBe(fields.network);
        expect(inv.amountMsat).toBe(fields.amountMsat);
        expect(inv.timestampSec).toBe(fields.timestampSec);
        expect(inv.paymentHash).toEqual(fields.paymentHash);
        expect(inv.paymentSecret).toEqual(fields.paymentSecret);
        expect(inv.description).toBe(fields.description);
        expect(inv.descriptionHash).toEqual(fields.descriptionHash);
        expect(inv.expirySec).toBe(fields.expirySec ?? 3600);
        expect(inv.minFinalCltvExpiryDelta).toBe(fields.minFinalCltvExpiryDelta ?? 18);
        expect(inv.fallbackAddresses).toEqual(fields.fallbackAddresses);
        expect(inv.routeHints).toEqual(fields.routeHints);
        expect(inv.features).toEqual(fields.features);
        expect(inv.paymentMetadata).toEqual(fields.paymentMetadata);
        expect(inv.payeeNodeId).toEqual(NODE_IDS[signer]);
        expect(inv.payeeNodeIdExplicit).toBe(fields.payeeNodeId !== undefined);
        expect(inv.unknownTags).toEqual([]);
        expect(inv.skippedTags).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

function onlyInvoiceErrors(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof InvoiceError)) throw err;
  }
}

const VALID = vectors.valid.map((v) => v.invoice.toLowerCase());

describe('BOLT 11 reader on hostile input', () => {
  it('random text never throws anything but InvoiceError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400, unit: 'binary' })), (s) => {
        onlyInvoiceErrors(() => decodeInvoice(s));
        onlyInvoiceErrors(() => decodeInvoice(`lnbc1${s}`));
        onlyInvoiceErrors(() => parsePaymentText(s));
        onlyInvoiceErrors(() => parsePaymentText(`bitcoin:${s}`));
      }),
      { numRuns: 500 },
    );
  });

  it('character mutations of valid invoices never throw anything but InvoiceError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.nat(), fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l1bIO'), (inv, at, c) => {
        const i = at % inv.length;
        onlyInvoiceErrors(() => decodeInvoice(inv.slice(0, i) + c + inv.slice(i + 1)));
        onlyInvoiceErrors(() => decodeInvoice(inv.slice(0, i)));
      }),
      { numRuns: 300 },
    );
  });

  it('word mutations under a correct checksum never throw anything but InvoiceError', () => {
    const edit = fc.record({ at: fc.nat(), word: fc.integer({ min: 0, max: 31 }), kind: fc.constantFrom('set', 'insert', 'delete') });
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 6 }), (inv, edits) => {
        const { hrp, words } = decodeBech32(inv);
        const w = Array.from(words);
        for (const e of edits) {
          const i = e.at % (w.length + 1);
          if (e.kind === 'set' && i < w.length) w[i] = e.word;
          else if (e.kind === 'insert') w.splice(i, 0, e.word);
          else w.splice(i, 1);
        }
        onlyInvoiceErrors(() => decodeInvoice(encodeBech32(hrp, w)));
      }),
      { numRuns: 400 },
    );
  });
});
