/**
 * UTF-8 encoding without TextEncoder (engine/ has no DOM or Node globals). Lone surrogates are
 * rejected rather than replaced, so two different strings never encode to the same bytes; the
 * decoder is as strict (no overlong forms, surrogates or code points above U+10FFFF).
 */
import { DecodeError } from '../lib/errors.ts';

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new TypeError(`utf8: lone surrogate at index ${i}`);
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TypeError(`utf8: lone surrogate at index ${i}`);
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000] as const;

/** Strict UTF-8 decoding (a DecodeError naming `field` on any invalid sequence). */
export function utf8Decode(bytes: Uint8Array, field = 'utf8'): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let cp: number;
    let n: number;
    if (b < 0x80) [cp, n] = [b, 1];
    else if (b >= 0xc2 && b < 0xe0) [cp, n] = [b & 0x1f, 2];
    else if (b >= 0xe0 && b < 0xf0) [cp, n] = [b & 0x0f, 3];
    else if (b >= 0xf0 && b < 0xf5) [cp, n] = [b & 0x07, 4];
    else throw new DecodeError(field, `invalid UTF-8 byte 0x${b.toString(16)}`);
    if (i + n > bytes.length) throw new DecodeError(field, 'truncated UTF-8 sequence');
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) throw new DecodeError(field, 'invalid UTF-8 continuation byte');
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < (MIN_CODE_POINT[n] as number) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) throw new DecodeError(field, 'invalid UTF-8 sequence (overlong, surrogate or beyond U+10FFFF)');
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}
