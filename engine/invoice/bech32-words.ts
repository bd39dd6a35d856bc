/**
 * The bech32 layer of BOLT 11 ("Encoding Overview": BIP 173 without the 90-character limit) and the
 * 5-bit word arithmetic the data part is written in. Checksums come from @scure/base; the checks
 * before it exist so each malformed string gets its own precise reason.
 */
import { bech32 } from '@scure/base';
import { InvoiceError } from './errors.ts';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHECKSUM_WORDS = 6;

/** hrp and data words (checksum removed) of a bech32 string; the text is returned lowercased. */
export interface Bech32Parts {
  readonly text: string;
  readonly hrp: string;
  readonly words: Uint8Array;
}

/** Split and checksum-verify a bech32 string of any length. Throws InvoiceError naming the problem. */
export function decodeBech32(input: string, field = 'invoice'): Bech32Parts {
  if (input.length === 0) throw new InvoiceError('empty', field, 'is empty');
  const lower = input.toLowerCase();
  if (lower !== input && input.toUpperCase() !== input) {
    throw new InvoiceError('malformed_bech32_mixed_case', field, 'mixes upper and lower case (bech32 allows one or the other)');
  }
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw new InvoiceError('malformed_bech32_no_separator', field, 'has no bech32 separator "1" after a prefix');
  for (let i = 0; i < sep; i++) {
    const c = lower.charCodeAt(i);
    if (c < 33 || c > 126) throw new InvoiceError('invalid_character', field, `prefix character ${i} is not printable ASCII`);
  }
  const dataText = lower.slice(sep + 1);
  if (dataText.length < CHECKSUM_WORDS) throw new InvoiceError('too_short', field, 'data part is shorter than the bech32 checksum');
  const words = new Uint8Array(dataText.length - CHECKSUM_WORDS);
  for (let i = 0; i < dataText.length; i++) {
    const v = CHARSET.indexOf(dataText[i] as string);
    if (v < 0) throw new InvoiceError('invalid_character', field, `character "${dataText[i]}" at ${sep + 1 + i} is not in the bech32 alphabet`);
    if (i < words.length) words[i] = v;
  }
  try {
    bech32.decode(lower as `${string}1${string}`, false);
  } catch {
    throw new InvoiceError('bad_checksum', field, 'bech32 checksum is invalid (mistyped or truncated)');
  }
  return { text: lower, hrp: lower.slice(0, sep), words };
}

/** Bech32 string (lowercase) of an hrp and data words, with no length limit. */
export function encodeBech32(hrp: string, words: ArrayLike<number>): string {
  return bech32.encode(hrp, Array.from(words), false);
}

/** 5-bit words → bytes, dropping the zero padding bits at the end (BOLT 11 pads to 5 bits). */
export function wordsToBytes(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.floor((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < words.length; i++) {
    acc = ((acc << 5) | (words[i] as number)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (j < out.length) out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Bytes → 5-bit words, padding the last word with 0 bits. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/** Big-endian unsigned integer of 5-bit words. */
export function wordsToBigint(words: ArrayLike<number>): bigint {
  let n = 0n;
  for (let i = 0; i < words.length; i++) n = (n << 5n) | BigInt(words[i] as number);
  return n;
}

/** Minimal big-endian 5-bit words of a non-negative integer (at least `minWords`; 0 → []). */
export function bigintToWords(n: bigint, minWords = 0): number[] {
  if (n < 0n) throw new RangeError('negative');
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 31n));
    n >>= 5n;
  }
  while (out.length < minWords) out.unshift(0);
  return out;
}

/** 5-bit words → bytes, zero-padding the last byte (how BOLT 11 packs data for signing). */
export function wordsToBytesPadded(words: ArrayLike<number>): Uint8Array {
  const whole = wordsToBytes(words);
  const bits = words.length * 5;
  if (bits % 8 === 0) return whole;
  const out = new Uint8Array(whole.length + 1);
  out.set(whole);
  let acc = 0;
  const restBits = bits % 8;
  for (let i = words.length - Math.ceil(restBits / 5); i < words.length; i++) acc = (acc << 5) | (words[i] as number);
  out[whole.length] = ((acc & ((1 << restBits) - 1)) << (8 - restBits)) & 0xff;
  return out;
}
