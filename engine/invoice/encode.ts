/**
 * BOLT 11 writer: InvoiceFields → signed bech32 invoice, following the writer requirements of
 * "Human-Readable Part", "Tagged Fields" and "Feature Bits". Signing is a callback, so this code
 * holds no key. Fields are written in one canonical order: s, p, d|h, n, x, c, f…, r…, 9, m.
 */
import { utf8 } from '@scure/base';
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import { formatAmount, hrpPrefix } from './amount.ts';
import { bigintToWords, bytesToWords } from './bech32-words.ts';
import { decodeInvoice } from './decode.ts';
import { InvoiceError } from './errors.ts';
import { fallbackWordsOf } from './fallback.ts';
import { featuresToWords } from './features.ts';
import { encodeRawInvoice } from './raw.ts';
import { encodeRouteHint } from './route-hints.ts';
import { TAG } from './tags.ts';
import type { InvoiceFields, InvoiceSigner, RawTaggedField } from './types.ts';

/** 1023 words (the 10-bit data_length) hold 639 whole bytes. */
const MAX_FIELD_BYTES = 639;

function bytesField(value: unknown, field: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvoiceError('invalid_field', field, 'must be bytes');
  if (length !== undefined && value.length !== length) throw new InvoiceError('invalid_field', field, `must be ${length} bytes`);
  if (value.length > MAX_FIELD_BYTES) throw new InvoiceError('invalid_field', field, `is longer than ${MAX_FIELD_BYTES} bytes`);
  return value;
}

function uintField(value: unknown, field: string): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvoiceError('invalid_field', field, 'must be a non-negative integer');
  }
  return BigInt(value);
}

function tagged(tag: number, words: readonly number[]): RawTaggedField {
  return { tag, words: Uint8Array.from(words) };
}

/** The tagged fields an InvoiceFields describes, validated, in canonical order. */
export function invoiceTaggedFields(f: InvoiceFields): RawTaggedField[] {
  const out: RawTaggedField[] = [];
  out.push(tagged(TAG.paymentSecret, bytesToWords(bytesField(f.paymentSecret, 'paymentSecret', 32))));
  out.push(tagged(TAG.paymentHash, bytesToWords(bytesField(f.paymentHash, 'paymentHash', 32))));
  if ((f.description === undefined) === (f.descriptionHash === undefined)) {
    throw new InvoiceError('invalid_field', 'description', 'give exactly one of description and descriptionHash');
  }
  if (f.description !== undefined) {
    if (typeof f.description !== 'string') throw new InvoiceError('invalid_field', 'description', 'must be a string');
    let bytes: Uint8Array;
    try {
      bytes = utf8.decode(f.description);
    } catch {
      throw new InvoiceError('invalid_field', 'description', 'is not well-formed text');
    }
    out.push(tagged(TAG.description, bytesToWords(bytesField(bytes, 'description'))));
  } else {
    out.push(tagged(TAG.descriptionHash, bytesToWords(bytesField(f.descriptionHash, 'descriptionHash', 32))));
  }
  if (f.payeeNodeId !== undefined) {
    if (!isValidPublicKey(bytesField(f.payeeNodeId, 'payeeNodeId', 33))) throw new InvoiceError('invalid_field', 'payeeNodeId', 'is not a valid public key');
    out.push(tagged(TAG.payeeNodeId, bytesToWords(f.payeeNodeId)));
  }
  if (f.expirySec !== undefined) out.push(tagged(TAG.expiry, bigintToWords(uintField(f.expirySec, 'expirySec'))));
  if (f.minFinalCltvExpiryDelta !== undefined) {
    const delta = uintField(f.minFinalCltvExpiryDelta, 'minFinalCltvExpiryDelta');
    if (delta > 0xffffn) throw new InvoiceError('invalid_field', 'minFinalCltvExpiryDelta', 'must be at most 65535 blocks');
    out.push(tagged(TAG.minFinalCltvExpiryDelta, bigintToWords(delta)));
  }
  (f.fallbackAddresses ?? []).forEach((a, i) => {
    if (typeof a !== 'string') throw new InvoiceError('invalid_field', `fallbackAddresses[${i}]`, 'must be a string');
    out.push(tagged(TAG.fallback, fallbackWordsOf(a, f.network, `fallbackAddresses[${i}]`)));
  });
  (f.routeHints ?? []).forEach((route, i) => {
    const words = encodeRouteHint(route, i);
    if (words.length > 1023) throw new InvoiceError('invalid_field', `routeHints[${i}]`, 'has too many hops for one r field (at most 12)');
    out.push(tagged(TAG.routeHint, words));
  });
  if (f.features !== undefined) {
    const words = featuresToWords(bytesField(f.features, 'features'));
    if (words.length > 0) out.push(tagged(TAG.features, words));
  }
  if (f.paymentMetadata !== undefined) out.push(tagged(TAG.paymentMetadata, bytesToWords(bytesField(f.paymentMetadata, 'paymentMetadata'))));
  return out;
}

/**
 * Encode and sign an invoice. The result is decoded once before it is returned, so an invoice
 * this node hands out is always one it would itself accept (e.g. `n` must be the signer's key).
 */
export function encodeInvoice(fields: InvoiceFields, sign: InvoiceSigner): string {
  const hrp = hrpPrefix(fields.network) + (fields.amountMsat === undefined ? '' : formatAmountChecked(fields.amountMsat));
  const text = encodeRawInvoice(hrp, fields.timestampSec, invoiceTaggedFields(fields), sign);
  try {
    decodeInvoice(text);
  } catch (e) {
    const why = e instanceof InvoiceError ? e.message : String(e);
    throw new InvoiceError('invalid_field', 'invoice', `the encoded invoice does not decode (${why})`);
  }
  return text;
}

function formatAmountChecked(msat: unknown): string {
  if (typeof msat !== 'bigint') throw new InvoiceError('invalid_field', 'amountMsat', 'must be a bigint');
  return formatAmount(msat);
}
