/**
 * A compact QR Code encoder (ISO/IEC 18004): byte mode (or, on request, alphanumeric mode for
 * text of upper-case letters, digits and ` $%*+-./:` — an upper-case `LIGHTNING:LNBC…` invoice
 * takes 5.5 bits a character instead of 8), error-correction level M, versions 1–40, automatic
 * mask selection by the standard's penalty rules. Enough for `bitcoin:` URIs
 * and Lightning invoices; written here because the project has no QR dependency. Pure and
 * synchronous: text in, a square matrix of dark/light modules out.
 *
 * Layout follows the standard: finder, separator, timing, alignment and version patterns, the
 * format information (BCH(15,5), masked with 0x5412), data and Reed–Solomon codewords over
 * GF(256) with the 0x11d polynomial, interleaved by block and placed in the two-column zigzag.
 */

export interface QrCode {
  /** 1–40. */
  readonly version: number;
  /** 0–7, the mask pattern chosen. */
  readonly mask: number;
  /** Modules per side (4 × version + 17). */
  readonly size: number;
  /** `modules[y][x]`: true is dark. No quiet zone (leave 4 modules around it when drawing). */
  readonly modules: readonly (readonly boolean[])[];
  /** The data's encoding mode. */
  readonly mode: QrMode;
}

/** Level M: EC codewords per block, and number of blocks, by version (index 0 unused). */
const EC_PER_BLOCK = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
const BLOCKS = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
/** Format-information bits for level M (its 2-bit indicator is 00). */
const LEVEL_M_BITS = 0b00;

/** Modules available for data and EC codewords (everything but the function patterns). */
export function rawDataModules(version: number): number {
  let n = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    n -= (25 * align - 10) * align - 55;
    if (version >= 7) n -= 36;
  }
  return n;
}

/** Data codewords at level M. */
export function dataCodewords(version: number): number {
  return Math.floor(rawDataModules(version) / 8) - (EC_PER_BLOCK[version] as number) * (BLOCKS[version] as number);
}

/** Byte mode (any UTF-8) or alphanumeric mode (ISO/IEC 18004 §7.4.4: 45 characters, two per 11 bits). */
export type QrMode = 'byte' | 'alphanumeric';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** Whether `text` can be written in alphanumeric mode. */
export function isAlphanumeric(text: string): boolean {
  for (const ch of text) if (!ALPHANUMERIC.includes(ch)) return false;
  return true;
}

/** Bits of the character count indicator (ISO/IEC 18004 table 3). */
function countBits(mode: QrMode, version: number): number {
  if (mode === 'byte') return version < 10 ? 8 : 16;
  return version < 10 ? 9 : version < 27 ? 11 : 13;
}

/** Bits the segment's data takes: 8 per byte, or 11 per pair of characters and 6 for an odd last one. */
function payloadBits(mode: QrMode, length: number): number {
  return mode === 'byte' ? 8 * length : 11 * Math.floor(length / 2) + 6 * (length % 2);
}

/**
 * The smallest version whose level-M capacity holds `length` bytes (byte mode) or characters
 * (alphanumeric mode), or null.
 */
export function pickVersion(length: number, mode: QrMode = 'byte'): number | null {
  for (let v = 1; v <= 40; v++) {
    const header = 4 + countBits(mode, v); // mode indicator + character count
    if (header + payloadBits(mode, length) <= 8 * dataCodewords(v)) return v;
  }
  return null;
}

// --- Reed–Solomon over GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 -----------------

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;

const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : (EXP[(LOG[a] as number) + (LOG[b] as number)] as number));

/** The generator polynomial ∏(x − α^i), i < degree, highest coefficient (1) omitted. */
function generator(degree: number): Uint8Array {
  const g = new Uint8Array(degree);
  g[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      g[j] = mul(g[j] as number, root) ^ (j + 1 < degree ? (g[j + 1] as number) : 0);
    }
    root = mul(root, 2);
  }
  return g;
}

/** The `degree` error-correction codewords for `data` (the remainder of data·x^degree ÷ g). */
export function reedSolomon(data: ArrayLike<number>, degree: number): Uint8Array {
  const g = generator(degree);
  const rem = new Uint8Array(degree);
  for (let i = 0; i < data.length; i++) {
    const factor = (data[i] as number) ^ (rem[0] as number);
    rem.copyWithin(0, 1);
    rem[degree - 1] = 0;
    for (let j = 0; j < degree; j++) rem[j] = (rem[j] as number) ^ mul(g[j] as number, factor);
  }
  return rem;
}

// --- BCH codes for format and version information ---------------------------------------------

/** 15 format bits for level M and `mask`, already XOR-masked with 0x5412. */
export function formatBits(mask: number): number {
  const data = (LEVEL_M_BITS << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | (rem & 0x3ff)) ^ 0x5412;
}

/** 18 version bits (versions 7 and up). */
export function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | (rem & 0xfff);
}

// --- Codewords -----------------------------------------------------------------------------

/**
 * Mode, count, data, terminator and padding, then RS per block, interleaved. In alphanumeric mode
 * `bytes` are the characters' ASCII codes (all from the 45-character set).
 */
export function codewords(bytes: Uint8Array, version: number, mode: QrMode = 'byte'): Uint8Array {
  const capacity = dataCodewords(version);
  const bits: number[] = [];
  const put = (value: number, len: number): void => {
    for (let i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(mode === 'byte' ? 0b0100 : 0b0010, 4);
  put(bytes.length, countBits(mode, version));
  if (mode === 'byte') for (const b of bytes) put(b, 8);
  else {
    const value = (i: number): number => ALPHANUMERIC.indexOf(String.fromCharCode(bytes[i] as number));
    for (let i = 0; i + 1 < bytes.length; i += 2) put(value(i) * 45 + value(i + 1), 11);
    if (bytes.length % 2 === 1) put(value(bytes.length - 1), 6);
  }
  put(0, Math.min(4, capacity * 8 - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const data = new Uint8Array(capacity);
  for (let i = 0; i < bits.length / 8; i++) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | (bits[i * 8 + j] as number);
    data[i] = b;
  }
  for (let i = bits.length / 8, pad = 0xec; i < capacity; i++, pad ^= 0xec ^ 0x11) data[i] = pad;

  const blocks = BLOCKS[version] as number;
  const ecLen = EC_PER_BLOCK[version] as number;
  const raw = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blocks - (raw % blocks);
  const shortLen = Math.floor(raw / blocks) - ecLen;
  const dataBlocks: Uint8Array[] = [];
  const ecBlocks: Uint8Array[] = [];
  for (let b = 0, off = 0; b < blocks; b++) {
    const len = shortLen + (b < shortBlocks ? 0 : 1);
    const block = data.subarray(off, off + len);
    dataBlocks.push(block);
    ecBlocks.push(reedSolomon(block, ecLen));
    off += len;
  }
  const out = new Uint8Array(raw);
  let k = 0;
  for (let i = 0; i <= shortLen; i++) for (const block of dataBlocks) if (i < block.length) out[k++] = block[i] as number;
  for (let i = 0; i < ecLen; i++) for (const block of ecBlocks) out[k++] = block[i] as number;
  return out;
}

// --- The matrix ------------------------------------------------------------------------------

/** Alignment pattern centre coordinates for `version` (same list for rows and columns). */
export function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = version === 32 ? 26 : Math.ceil((size - 13) / (count * 2 - 2)) * 2;
  const out = [6];
  for (let pos = size - 7; out.length < count; pos -= step) out.splice(1, 0, pos);
  return out;
}

const MASKS: readonly ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

class Grid {
  readonly size: number;
  readonly dark: boolean[][];
  readonly fixed: boolean[][];
  constructor(size: number) {
    this.size = size;
    this.dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  set(x: number, y: number, dark: boolean): void {
    (this.dark[y] as boolean[])[x] = dark;
    (this.fixed[y] as boolean[])[x] = true;
  }
}

function drawFunctionPatterns(g: Grid, version: number): void {
  const n = g.size;
  for (let i = 0; i < n; i++) {
    g.set(6, i, i % 2 === 0);
    g.set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]] as const) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < n && y >= 0 && y < n) g.set(x, y, d !== 2 && d !== 4);
      }
    }
  }
  const pos = alignmentPositions(version);
  const last = pos.length - 1;
  pos.forEach((cx, i) =>
    pos.forEach((cy, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) g.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
    }),
  );
  drawFormat(g, 0); // reserve the format areas; the real bits are drawn once the mask is chosen
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = n - 11 + (i % 3);
      const b = Math.floor(i / 3);
      g.set(a, b, dark);
      g.set(b, a, dark);
    }
  }
}

function drawFormat(g: Grid, mask: number): void {
  const bits = formatBits(mask);
  const n = g.size;
  const bit = (i: number): boolean => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) g.set(8, i, bit(i));
  g.set(8, 7, bit(6));
  g.set(8, 8, bit(7));
  g.set(7, 8, bit(8));
  for (let i = 9; i < 15; i++) g.set(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) g.set(n - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) g.set(8, n - 15 + i, bit(i));
  g.set(8, n - 8, true); // the dark module
}

function drawData(g: Grid, data: Uint8Array): void {
  const n = g.size;
  let i = 0;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // skip the vertical timing column
    for (let vert = 0; vert < n; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? n - 1 - vert : vert;
        if ((g.fixed[y] as boolean[])[x]) continue;
        if (i < data.length * 8) (g.dark[y] as boolean[])[x] = (((data[i >>> 3] as number) >>> (7 - (i & 7))) & 1) === 1;
        i++; // remainder bits stay light
      }
    }
  }
}

function applyMask(g: Grid, mask: number): void {
  const fn = MASKS[mask] as (x: number, y: number) => boolean;
  for (let y = 0; y < g.size; y++) {
    for (let x = 0; x < g.size; x++) if (!(g.fixed[y] as boolean[])[x] && fn(x, y)) (g.dark[y] as boolean[])[x] = !(g.dark[y] as boolean[])[x];
  }
}

/** The standard's penalty score (rules N1–N4); the mask with the lowest one is used. */
export function penalty(m: readonly (readonly boolean[])[]): number {
  const n = m.length;
  const at = (x: number, y: number, horizontal: boolean): boolean => (horizontal ? (m[y] as boolean[])[x] : (m[x] as boolean[])[y]) as boolean;
  let score = 0;
  for (const horizontal of [true, false]) {
    for (let line = 0; line < n; line++) {
      let run = 1;
      for (let i = 1; i <= n; i++) {
        if (i < n && at(i, line, horizontal) === at(i - 1, line, horizontal)) run++;
        else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      // N3: 1:1:3:1:1 dark-light pattern with 4 light modules on either side (outside = light).
      const cell = (i: number): boolean => i >= 0 && i < n && at(i, line, horizontal);
      for (let i = -4; i < n; i++) {
        const core = cell(i) && !cell(i + 1) && cell(i + 2) && cell(i + 3) && cell(i + 4) && !cell(i + 5) && cell(i + 6);
        if (!core) continue;
        const lightBefore = !cell(i - 1) && !cell(i - 2) && !cell(i - 3) && !cell(i - 4);
        const lightAfter = !cell(i + 7) && !cell(i + 8) && !cell(i + 9) && !cell(i + 10);
        if (lightBefore || lightAfter) score += 40;
      }
    }
  }
  let dark = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const c = (m[y] as boolean[])[x];
      if (c) dark++;
      if (x < n - 1 && y < n - 1 && c === (m[y] as boolean[])[x + 1] && c === (m[y + 1] as boolean[])[x] && c === (m[y + 1] as boolean[])[x + 1]) score += 3;
    }
  }
  const total = n * n;
  let k = 0;
  while (Math.abs(dark * 20 - total * 10) > (k + 1) * total) k++;
  return score + k * 10;
}

/**
 * Encode `text` at level M: UTF-8 in byte mode, or with `mode: 'auto'` in alphanumeric mode when
 * every character allows it. `mask` forces a mask pattern (tests).
 */
export function encodeQr(text: string, opts: { mask?: number; minVersion?: number; mode?: 'byte' | 'auto' } = {}): QrCode {
  const bytes = new TextEncoder().encode(text);
  const mode: QrMode = opts.mode === 'auto' && text.length > 0 && isAlphanumeric(text) ? 'alphanumeric' : 'byte';
  let version = pickVersion(bytes.length, mode);
  if (version === null) throw new RangeError(`QR: ${bytes.length} bytes do not fit in a version-40 code at level M`);
  version = Math.max(version, opts.minVersion ?? 1);
  const size = version * 4 + 17;
  const data = codewords(bytes, version, mode);
  let best: { mask: number; grid: Grid; score: number } | null = null;
  for (let mask = 0; mask < 8; mask++) {
    if (opts.mask !== undefined && mask !== opts.mask) continue;
    const g = new Grid(size);
    drawFunctionPatterns(g, version);
    drawData(g, data);
    applyMask(g, mask);
    drawFormat(g, mask);
    const score = penalty(g.dark);
    if (!best || score < best.score) best = { mask, grid: g, score };
  }
  if (!best) throw new RangeError(`QR: mask must be 0–7, got ${opts.mask}`);
  return { version, mask: best.mask, size, modules: best.grid.dark, mode };
}

/** An SVG path (`M x y h1 v1 h-1 z` per dark module, offset by `margin`) for drawing `qr`. */
export function qrPath(qr: QrCode, margin = 4): string {
  const parts: string[] = [];
  qr.modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x + margin} ${y + margin}h1v1h-1z`);
    }),
  );
  return parts.join('');
}
