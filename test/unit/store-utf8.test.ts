/** engine/store/utf8.ts: strict UTF-8 both ways (records carry descriptions, invoices, mnemonics). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DecodeError } from '../../engine/lib/errors.ts';
import { utf8Decode, utf8Encode } from '../../engine/store/utf8.ts';

describe('utf8', () => {
  test('decode(encode(s)) = s, and encode agrees with TextEncoder, for any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const bytes = utf8Encode(s);
        expect(bytes).toEqual(new TextEncoder().encode(s));
        expect(utf8Decode(bytes)).toBe(s);
      }),
    );
  });

  test.each([
    ['overlong 2-byte NUL', [0xc0, 0x80]],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
    ['overlong 4-byte', [0xf0, 0x80, 0x80, 0xaf]],
    ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['lone continuation byte', [0x80]],
    ['truncated sequence', [0xe2, 0x82]],
    ['bad continuation', [0xe2, 0x28, 0xa1]],
  ])('refuses %s with a DecodeError naming the field', (_name, bytes) => {
    expect(() => utf8Decode(Uint8Array.from(bytes), 'record.description')).toThrow(DecodeError);
    expect(() => utf8Decode(Uint8Array.from(bytes), 'record.description')).toThrow(/record\.description/);
  });
});
