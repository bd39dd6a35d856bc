// app/lib/qr.ts, the QR encoder behind the Receive screen (ISO/IEC 18004, byte mode, level M).
// Known values: the Reed–Solomon example "HELLO WORLD" 1-M (Thonky's QR tutorial), the level-M
// format strings and the version-information table (ISO 18004 Annex C/D, as in ZXing), the
// byte-mode capacity table. A reader written from the standard decodes whole symbols back.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alignmentPositions, codewords, dataCodewords, encodeQr, formatBits, penalty, pickVersion, reedSolomon, versionBits, type QrCode } from '../../app/lib/qr.ts';

describe('QR building blocks', () => {
  it('Reed–Solomon: the HELLO WORLD 1-M example', () => {
    const data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
    expect([...reedSolomon(data, 10)]).toEqual([196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  it('format information for level M, masks 0–7', () => {
    const want = ['101010000010010', '101000100100101', '101111001111100', '101101101001011', '100010111111001', '100000011001110', '100111110010111', '100101010100000'];
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((m) => formatBits(m).toString(2).padStart(15, '0'))).toEqual(want);
  });

  it('version information (versions 7 and up)', () => {
    expect(versionBits(7)).toBe(0x07c94);
    expect(versionBits(8)).toBe(0x085bc);
    expect(versionBits(10)).toBe(0x0a4d3);
    expect(versionBits(40)).toBe(0x28c69);
  });

  it('byte-mode capacity at level M picks the smallest version', () => {
    const capacity = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];
    capacity.forEach((bytes, i) => {
      expect(pickVersion(bytes), `${bytes} bytes`).toBe(i + 1);
      expect(pickVersion(bytes + 1), `${bytes + 1} bytes`).toBe(i + 2);
    });
    expect(pickVersion(2331)).toBe(40);
    expect(pickVersion(2332)).toBeNull();
    expect(dataCodewords(1)).toBe(16);
    expect(dataCodewords(40)).toBe(2334);
  });

  it('alignment pattern positions', () => {
    expect(alignmentPositions(1)).toEqual([]);
    expect(alignmentPositions(2)).toEqual([6, 18]);
    expect(alignmentPositions(7)).toEqual([6, 22, 38]);
    expect(alignmentPositions(32)).toEqual([6, 34, 60, 86, 112, 138]);
    expect(alignmentPositions(40)).toEqual([6, 30, 58, 86, 114, 142, 170]);
  });

  it('pads with 0xEC 0x11 after the terminator', () => {
    // "A" at 1-M: 0100 00000001 01000001 0000 → 0x40 0x14 0x10, then the pad bytes.
    const cw = codewords(new TextEncoder().encode('A'), 1);
    expect([...cw.subarray(0, 16)]).toEqual([0x40, 0x14, 0x10, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec]);
    expect([...cw.subarray(16)]).toEqual([...reedSolomon(cw.subarray(0, 16), 10)]);
  });
});

// --- A reader, written from the standard independently of the encoder's drawing code -----------

const MASK = [
  (x: number, y: number) => (x + y) % 2 === 0,
  (_: number, y: number) => y % 2 === 0,
  (x: number) => x % 3 === 0,
  (x: number, y: number) => (x + y) % 3 === 0,
  (x: number, y: number) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x: number, y: number) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x: number, y: number) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x: number, y: number) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

function isFunction(x: number, y: number, version: number): boolean {
  const n = version * 4 + 17;
  if ((x < 9 && y < 9) || (x >= n - 8 && y < 9) || (x < 9 && y >= n - 8)) return true; // finders + format
  if (x === 6 || y === 6) return true;
  if (version >= 7 && ((x >= n - 11 && y < 6) || (y >= n - 11 && x < 6))) return true;
  const pos = alignmentPositions(version);
  for (const cx of pos) for (const cy of pos) {
    if ((cx === 6 && cy === 6) || (cx === 6 && cy === pos.at(-1)) || (cx === pos.at(-1) && cy === 6)) continue;
    if (Math.abs(x - cx) <= 2 && Math.abs(y - cy) <= 2) return true;
  }
  return false;
}

function readFormat(qr: QrCode): number {
  let bits = 0;
  const m = qr.modules;
  const cells: [number, number][] = [[8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8]];
  cells.forEach(([x, y], i) => (bits |= (m[y]![x] ? 1 : 0) << i));
  let second = 0;
  for (let i = 0; i < 8; i++) second |= (m[8]![qr.size - 1 - i] ? 1 : 0) << i;
  for (let i = 8; i < 15; i++) second |= (m[qr.size - 15 + i]![8] ? 1 : 0) << i;
  expect(second).toBe(bits);
  return bits;
}

function decode(qr: QrCode): string {
  const { version, size: n } = qr;
  const mask = [0, 1, 2, 3, 4, 5, 6, 7].find((k) => formatBits(k) === readFormat(qr));
  expect(mask).toBe(qr.mask);
  const bits: number[] = [];
  // Column pairs from the right edge, skipping the timing column; the first pair runs upward.
  for (let right = n - 1, pair = 0; right >= 1; right -= 2, pair++) {
    if (right === 6) right = 5;
    const upward = pair % 2 === 0;
    for (let k = 0; k < n; k++) {
      const y = upward ? n - 1 - k : k;
      for (const x of [right, right - 1]) if (!isFunction(x, y, version)) bits.push((qr.modules[y]![x] ? 1 : 0) ^ (MASK[mask!]!(x, y) ? 1 : 0));
    }
  }
  const raw = Array.from({ length: bits.length >> 3 }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((a, b) => (a << 1) | b, 0));
  // De-interleave: data codewords column by column across the blocks.
  const total = Math.floor(bits.length / 8);
  const blocks = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5][version] ?? 0;
  const dataLen = dataCodewords(version);
  const shortBlocks = blocks - (total % blocks);
  const ec = (total - dataLen) / blocks;
  const shortLen = Math.floor(total / blocks) - ec;
  const lens = Array.from({ length: blocks }, (_, b) => shortLen + (b < shortBlocks ? 0 : 1));
  const out: number[][] = lens.map(() => []);
  let k = 0;
  for (let i = 0; i <= shortLen; i++) for (let b = 0; b < blocks; b++) if (i < lens[b]!) out[b]!.push(raw[k++]!);
  const ecOut: number[][] = lens.map(() => []);
  for (let i = 0; i < ec; i++) for (let b = 0; b < blocks; b++) ecOut[b]!.push(raw[k++]!);
  out.forEach((d, b) => expect([...reedSolomon(d, ec)]).toEqual(ecOut[b]));
  const data = out.flat();
  const stream = data.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (byte >> i) & 1));
  const take = (len: number): number => stream.splice(0, len).reduce((a, b) => a * 2 + b, 0);
  expect(take(4)).toBe(0b0100);
  const count = take(version < 10 ? 8 : 16);
  return new TextDecoder().decode(Uint8Array.from({ length: count }, () => take(8)));
}

describe('whole symbols', () => {
  it('a regtest bitcoin: URI fits version 4 and decodes back', () => {
    const uri = 'bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
    const qr = encodeQr(uri);
    expect(qr.version).toBe(4);
    expect(qr.size).toBe(33);
    expect(decode(qr)).toBe(uri);
  });

  it('every mask decodes, and the chosen one has the lowest penalty', () => {
    const text = 'bitcoin:tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';
    const scores = [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => {
      const qr = encodeQr(text, { mask });
      expect(decode(qr)).toBe(text);
      return penalty(qr.modules);
    });
    expect(penalty(encodeQr(text).modules)).toBe(Math.min(...scores));
  });

  it('finder patterns sit in three corners and the dark module is set', () => {
    const qr = encodeQr('hello');
    const n = qr.size;
    for (const [ox, oy] of [[0, 0], [n - 7, 0], [0, n - 7]] as const) {
      expect(qr.modules[oy]!.slice(ox, ox + 7)).toEqual(Array(7).fill(true));
      expect(qr.modules[oy + 1]!.slice(ox, ox + 7)).toEqual([true, false, false, false, false, false, true]);
      expect(qr.modules[oy + 3]!.slice(ox, ox + 7)).toEqual([true, false, true, true, true, false, true]);
    }
    expect(qr.modules[n - 8]![8]).toBe(true);
  });

  it('round-trips random text across versions 1–10 (multi-block, version info)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 200 }), (s) => {
        const qr = encodeQr(s);
        if (qr.version <= 10) expect(decode(qr)).toBe(s);
      }),
      { numRuns: 60 },
    );
    const qr = encodeQr('x'.repeat(200));
    expect(qr.version).toBe(10);
    expect(decode(qr)).toBe('x'.repeat(200));
  });

  it('refuses what does not fit', () => {
    expect(() => encodeQr('x'.repeat(2332))).toThrow(/do not fit/);
  });
});
