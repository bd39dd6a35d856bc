/** BOLT 1 Appendix A: BigSize decoding and encoding test vectors. */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt01-bigsize.json' with { type: 'json' };
import { hexToBytes, bytesToHex } from '../../engine/lib/bytes.ts';
import { DecodeError } from '../../engine/lib/errors.ts';
import { ByteReader } from '../../engine/wire/reader.ts';
import { encodeBigSize } from '../../engine/wire/writer.ts';

describe('BOLT 1 Appendix A: BigSize decoding', () => {
  for (const v of vectors.decoding) {
    it(v.name, () => {
      const r = new ByteReader(hexToBytes(v.bytes));
      if (v.valid) {
        expect(r.bigsize('value')).toBe(BigInt(v.value));
        expect(r.done).toBe(true);
      } else {
        expect(() => r.bigsize('value')).toThrow(DecodeError);
      }
    });
  }
});

describe('BOLT 1 Appendix A: BigSize encoding', () => {
  for (const v of vectors.encoding) {
    it(v.name, () => {
      expect(bytesToHex(encodeBigSize(BigInt(v.value)))).toBe(v.bytes);
    });
  }
});
