/**
 * The BOLT 11 data part without interpretation ("Data Part", "Tagged Fields"): a 35-bit timestamp,
 * tagged fields `type` (5 bits) || `data_length` (10 bits) || data, then the 520-bit signature.
 * `decodeInvoice` reads fields from this; `encodeRawInvoice` writes it back in any field order.
 */
import { bigintToWords, bytesToWords, decodeBech32, encodeBech32, wordsToBigint, wordsToBytes } from './bech32-words.ts';
import { InvoiceError } from './errors.ts';
import { invoiceSigningHash } from './signature.ts';
import type { InvoiceSigner, RawTaggedField } from './types.ts';

const TIMESTAMP_WORDS = 7;
const SIGNATURE_WORDS = 104;
const MAX_FIELD_WORDS = 1023;
/** Longer than any QR code can carry; refusing it bounds the work done on hostile input. */
export const MAX_INVOICE_LENGTH = 16_384;

export interface RawInvoice {
  /** The bech32 text, lowercased. */
  readonly text: string;
  readonly hrp: string;
  readonly timestampSec: number;
  /** Tagged fields in the order written. */
  readonly fields: readonly RawTaggedField[];
  /** r || s, 64 bytes. */
  readonly signature: Uint8Array;
  readonly recoveryId: number;
  /** SHA256 of the signing data (what the signature covers). */
  readonly signingHash: Uint8Array;
}

/** Split a bech32 invoice into timestamp, tagged fields and signature; throws InvoiceError. */
export function decodeRawInvoice(text: string): RawInvoice {
  if (text.length > MAX_INVOICE_LENGTH) throw new InvoiceError('too_long', 'invoice', `is longer than ${MAX_INVOICE_LENGTH} characters`);
  const { text: lower, hrp, words } = decodeBech32(text);
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
    throw new InvoiceError('too_short', 'invoice', 'is too short to hold a timestamp and a signature');
  }
  const end = words.length - SIGNATURE_WORDS;
  const timestampSec = Number(wordsToBigint(words.subarray(0, TIMESTAMP_WORDS)));
  const fields: RawTaggedField[] = [];
  let pos = TIMESTAMP_WORDS;
  while (pos < end) {
    if (pos + 3 > end) throw new InvoiceError('truncated_field', `field ${fields.length}`, 'tagged field header is cut off');
    const tag = words[pos] as number;
    const len = (words[pos + 1] as number) * 32 + (words[pos + 2] as number);
    const start = pos + 3;
    if (start + len > end) throw new InvoiceError('truncated_field', `field ${fields.length}`, `data_length ${len} runs past the signature`);
    fields.push({ tag, words: words.slice(start, start + len) });
    pos = start + len;
  }
  const sig = wordsToBytes(words.subarray(end));
  return {
    text: lower,
    hrp,
    timestampSec,
    fields,
    signature: sig.slice(0, 64),
    recoveryId: sig[64] as number,
    signingHash: invoiceSigningHash(hrp, words.subarray(0, end)),
  };
}

/** Write hrp, timestamp and tagged fields (in the given order), sign, and bech32-encode. */
export function encodeRawInvoice(hrp: string, timestampSec: number, fields: readonly RawTaggedField[], sign: InvoiceSigner): string {
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0 || timestampSec >= 2 ** 35) {
    throw new InvoiceError('invalid_field', 'timestampSec', 'must be an integer 0..2^35-1 (seconds since 1970)');
  }
  const data: number[] = bigintToWords(BigInt(timestampSec), TIMESTAMP_WORDS);
  for (const f of fields) {
    if (f.words.length > MAX_FIELD_WORDS) throw new InvoiceError('invalid_field', `tag ${f.tag}`, `is longer than ${MAX_FIELD_WORDS} words`);
    data.push(f.tag, f.words.length >> 5, f.words.length & 31, ...f.words);
  }
  const { signature, recoveryId } = sign(invoiceSigningHash(hrp, data));
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || !Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) {
    throw new InvoiceError('invalid_field', 'signature', 'signer must return 64 bytes and a recovery id 0..3');
  }
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = recoveryId;
  return encodeBech32(hrp, [...data, ...bytesToWords(sig)] /* 520 bits: exactly 104 words */);
}
