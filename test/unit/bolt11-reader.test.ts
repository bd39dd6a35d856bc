/**
 * BOLT 11 "Tagged Fields" and "Data Part" reader requirements beyond the spec examples, on
 * invoices written field by field and signed with the spec key.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { bytesToWords, decodeBech32, encodeBech32 } from '../../engine/invoice/bech32-words.ts';
import { decodeInvoice, encodeRawInvoice, InvoiceError, signInvoiceDigest, type RawTaggedField } from '../../engine/invoice/index.ts';

const KEY = hexToBytes(vectors.signing_privkey);
const PAYEE = hexToBytes(vectors.payee_pubkey);
const sign = (d: Uint8Array) => signInvoiceDigest(d, KEY);
const f = (tag: number, words: readonly number[]): RawTaggedField => ({ tag, words: Uint8Array.from(words) });
const bytes = (tag: number, b: Uint8Array) => f(tag, bytesToWords(b));

const P = (fill: number) => bytes(1, new Uint8Array(32).fill(fill));
const S = bytes(16, new Uint8Array(32).fill(0x11));
const D = (text: string) => bytes(13, new TextEncoder().encode(text));
const H = bytes(23, new Uint8Array(32).fill(0x22));
const N = (key: Uint8Array) => bytes(19, key);

function make(fields: RawTaggedField[]): string {
  return encodeRawInvoice('lnbcrt', 1_700_000_000, fields, sign);
}

function code(text: string): string {
  try {
    decodeInvoice(text);
  } catch (e) {
    if (e instanceof InvoiceError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('BOLT 11 reader: required fields', () => {
  it('accepts p, s and one d', () => {
    const inv = decodeInvoice(make([P(1), S, D('ok')]));
    expect(inv.network).toBe('regtest');
    expect(inv.amountMsat).toBeUndefined();
    expect(bytesToHex(inv.payeeNodeId)).toBe(vectors.payee_pubkey);
  });
  it('refuses a missing p, a missing s, no description, and two descriptions', () => {
    expect(code(make([S, D('x')]))).toBe('missing_payment_hash');
    expect(code(make([P(1), D('x')]))).toBe('missing_payment_secret');
    expect(code(make([P(1), S]))).toBe('missing_description');
    expect(code(make([P(1), S, D('x'), H]))).toBe('multiple_descriptions');
    expect(code(make([P(1), S, D('x'), D('y')]))).toBe('multiple_descriptions');
  });
  it('uses the first p that is not skipped, and skips p of the wrong length', () => {
    const inv = decodeInvoice(make([f(1, new Array(51).fill(0)), P(7), P(8), S, D('x')]));
    expect(inv.paymentHash).toEqual(new Uint8Array(32).fill(7));
    expect(inv.skippedTags.map((t) => [t.tag, t.words.length])).toEqual([[1, 51]]);
  });
  it('refuses a description that is not UTF-8', () => {
    expect(code(make([P(1), S, bytes(13, Uint8Array.of(0xff, 0xfe))]))).toBe('invalid_description');
  });
  it('keeps unknown fields, in order', () => {
    const inv = decodeInvoice(make([P(1), f(31, [1, 2, 3]), S, D('x'), f(0, [])]));
    expect(inv.unknownTags.map((t) => [t.tag, [...t.words]])).toEqual([
      [31, [1, 2, 3]],
      [0, []],
    ]);
  });
});

describe('BOLT 11 reader: the n field and the signature', () => {
  it('verifies against n instead of recovering', () => {
    const inv = decodeInvoice(make([P(1), S, D('x'), N(PAYEE)]));
    expect(inv.payeeNodeIdExplicit).toBe(true);
    expect(inv.payeeNodeId).toEqual(PAYEE);
  });
  it('refuses an n that did not sign, and an n that is not a point', () => {
    const other = hexToBytes('029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255');
    expect(code(make([P(1), S, D('x'), N(other)]))).toBe('invalid_signature');
    expect(code(make([P(1), S, D('x'), N(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)))]))).toBe('invalid_payee_node_id');
  });
  it('refuses a recovery id above 3', () => {
    const text = encodeRawInvoice('lnbcrt', 1, [P(1), S, D('x')], (d) => ({ ...sign(d), recoveryId: 3 }));
    const { hrp, words } = decodeBech32(text);
    const w = Array.from(words);
    w[w.length - 1] = 31; // last word carries the low bits of the recovery byte
    expect(code(encodeBech32(hrp, w))).toBe('signature_not_recoverable');
  });
  it('a changed field breaks the signature: the recovered payee is someone else', () => {
    const text = make([P(1), S, D('pay me')]);
    const { hrp, words } = decodeBech32(text);
    const w = Array.from(words);
    w[10] = (w[10]! + 1) % 32; // inside the p field
    const inv = decodeInvoice(encodeBech32(hrp, w));
    expect(inv.payeeNodeId).not.toEqual(PAYEE);
  });
});

describe('BOLT 11 reader: variable fields', () => {
  it('reads x, c, m and features', () => {
    const inv = decodeInvoice(make([P(1), S, D('x'), f(6, [1, 28]), f(24, [2, 0]), bytes(27, Uint8Array.of(1, 2)), f(5, [1, 0, 0])]));
    expect(inv.expirySec).toBe(60);
    expect(inv.minFinalCltvExpiryDelta).toBe(64);
    expect(inv.paymentMetadata).toEqual(Uint8Array.of(1, 2));
    expect(bytesToHex(inv.features)).toBe('0400');
  });
  it('refuses unknown even features, absurd numbers, broken route hints and truncated fields', () => {
    expect(code(make([P(1), S, D('x'), f(5, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]))).toBe('unknown_even_feature');
    expect(code(make([P(1), S, D('x'), f(6, new Array(12).fill(31))]))).toBe('invalid_number');
    expect(code(make([P(1), S, D('x'), f(24, [2, 0, 0, 0])]))).toBe('invalid_number'); // c = 65536 blocks
    expect(decodeInvoice(make([P(1), S, D('x'), f(24, [1, 31, 31, 31])])).minFinalCltvExpiryDelta).toBe(65535);
    expect(code(make([P(1), S, D('x'), f(3, new Array(81).fill(0))]))).toBe('invalid_route_hint');
    expect(code(make([P(1), S, D('x'), f(3, new Array(82).fill(0))]))).toBe('invalid_route_hint');
    const { hrp, words } = decodeBech32(make([P(1), S, D('x')]));
    const data = Array.from(words.subarray(0, words.length - 104));
    const sig = Array.from(words.subarray(words.length - 104));
    // A d field claiming 32 words with only 3 before the signature.
    expect(code(encodeBech32(hrp, [...data, 13, 1, 0, 1, 2, 3, ...sig]))).toBe('truncated_field');
    expect(code(encodeBech32(hrp, [...data, 13, ...sig]))).toBe('truncated_field');
  });
  it('skips fallback addresses of unknown version', () => {
    const inv = decodeInvoice(make([P(1), S, D('x'), f(9, [19, ...new Array(32).fill(0)])]));
    expect(inv.fallbackAddresses).toEqual([]);
    expect(inv.skippedTags.map((t) => t.tag)).toEqual([9]);
  });
});
