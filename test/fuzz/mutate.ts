/**
 * Deterministic input generation for the fuzzer: a seeded PRNG (xorshift128+ over 32-bit halves,
 * so it is fast and the same on every machine) and mutators for the three input kinds the targets
 * take — bytes (wire messages, onions, records), strings (invoices, URIs, user input) and JSON-like
 * values (RPC messages, Esplora responses). Every input is either fresh random data or 1–4
 * mutations of a valid seed, sometimes spliced with another seed.
 */
import { bytesToHex, concatBytes } from '../../engine/lib/bytes.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    // FNV-1a over the seed text, then splitmix32 to fill the state.
    let h = 0x811c9dc5;
    for (const byte of utf8Encode(seed)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    const next = (): number => {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next() | 1;
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uniform 32-bit unsigned integer (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)] as T;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Bytes that make decoders take edges: BigSize markers, zero, sign bits, all-ones. */
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff];
/** Big-endian integers that are lengths or counts at their limits. */
const INTERESTING_WORDS: readonly number[][] = [
  [0x00, 0x00],
  [0xff, 0xff],
  [0x7f, 0xff],
  [0x80, 0x00],
  [0x00, 0x01],
  [0x05, 0x14], // 1300, an onion's payload size
  [0xff, 0xff, 0xff, 0xff],
  [0x00, 0x00, 0x00, 0x00],
  [0x7f, 0xff, 0xff, 0xff],
  [0xfd, 0x00, 0xfd],
  [0xfe, 0x00, 0x01, 0x00, 0x00],
  [0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
];

/** One random mutation of `input` (a copy; `input` is not changed). `others` are splice partners. */
export function mutateBytes(rng: Rng, input: Uint8Array, others: readonly Uint8Array[], maxLength: number): Uint8Array {
  let b = input;
  const n = b.length;
  switch (rng.below(11)) {
    case 0: {
      if (n === 0) return rng.bytes(1);
      const out = b.slice();
      const i = rng.below(n);
      out[i] = (out[i] as number) ^ (1 << rng.below(8));
      return out;
    }
    case 1: {
      if (n === 0) return rng.bytes(1);
      const out = b.slice();
      out[rng.below(n)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.u32() & 0xff;
      return out;
    }
    case 2: {
      const word = rng.pick(INTERESTING_WORDS);
      const out = b.slice();
      if (n < word.length) return Uint8Array.from(word);
      out.set(word, rng.below(n - word.length + 1));
      return out;
    }
    case 3: {
      const at = rng.below(n + 1);
      const ins = rng.bytes(1 + rng.below(16));
      b = concatBytes(b.subarray(0, at), ins, b.subarray(at));
      break;
    }
    case 4: {
      if (n === 0) return b;
      const at = rng.below(n);
      const len = 1 + rng.below(Math.min(32, n - at));
      b = concatBytes(b.subarray(0, at), b.subarray(at + len));
      break;
    }
    case 5:
      b = b.slice(0, rng.below(n + 1));
      break;
    case 6: {
      if (n === 0) return b;
      const at = rng.below(n);
      const len = 1 + rng.below(Math.min(64, n - at));
      const to = rng.below(n + 1);
      b = concatBytes(b.subarray(0, to), b.subarray(at, at + len), b.subarray(to));
      break;
    }
    case 7: {
      const other = others.length > 0 ? rng.pick(others) : rng.bytes(rng.below(64));
      const cut = rng.below(n + 1);
      const from = rng.below(other.length + 1);
      b = concatBytes(b.subarray(0, cut), other.subarray(from));
      break;
    }
    case 8:
      b = concatBytes(b, rng.bytes(1 + rng.below(64)));
      break;
    case 9: {
      // Overwrite a run with one byte (zeroed or 0xff-filled regions).
      if (n === 0) return b;
      const out = b.slice();
      const at = rng.below(n);
      out.fill(rng.pick(INTERESTING_BYTES), at, at + 1 + rng.below(Math.min(64, n - at)));
      return out;
    }
    default: {
      // Swap two bytes.
      if (n < 2) return b;
      const out = b.slice();
      const i = rng.below(n);
      const j = rng.below(n);
      const t = out[i] as number;
      out[i] = out[j] as number;
      out[j] = t;
      return out;
    }
  }
  return b.length > maxLength ? b.subarray(0, maxLength) : b;
}

/** Characters that matter to the string parsers: separators, escapes, bech32, odd Unicode. */
const STRING_ALPHABET = [
  ...'qpzry9x8gf2tvdw0s3jn54khce6mua7l',
  ...'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L',
  ...'1bio',
  ...':/?&=%+#@.-_~ ,;\'"\\\t\n\r',
  '\u0000',
  '\u00e9',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\udc00',
  '\u{1f600}',
  '\uff41',
];

function randomString(rng: Rng, tokens: readonly string[], maxLength: number): string {
  let s = '';
  const len = rng.below(Math.min(maxLength, 120) + 1);
  while (s.length < len) s += rng.chance(0.15) && tokens.length > 0 ? rng.pick(tokens) : rng.chance(0.9) ? rng.pick(STRING_ALPHABET) : String.fromCharCode(rng.below(0x10000));
  return s;
}

/** One random mutation of a string. `tokens` are target-specific words (schemes, parameter names). */
export function mutateString(rng: Rng, input: string, others: readonly string[], tokens: readonly string[], maxLength: number): string {
  const n = input.length;
  const at = rng.below(n + 1);
  const char = (): string => (rng.chance(0.85) ? rng.pick(STRING_ALPHABET) : String.fromCharCode(rng.below(0x10000)));
  let s: string;
  switch (rng.below(9)) {
    case 0:
      s = n === 0 ? char() : input.slice(0, Math.min(at, n - 1)) + char() + input.slice(Math.min(at, n - 1) + 1);
      break;
    case 1:
      s = input.slice(0, at) + char() + input.slice(at);
      break;
    case 2:
      s = input.slice(0, at) + input.slice(at + 1 + rng.below(8));
      break;
    case 3:
      s = input.slice(0, at);
      break;
    case 4:
      s = input.slice(0, at) + (tokens.length > 0 ? rng.pick(tokens) : char()) + input.slice(at);
      break;
    case 5: {
      const other = others.length > 0 ? rng.pick(others) : randomString(rng, tokens, maxLength);
      s = input.slice(0, at) + other.slice(rng.below(other.length + 1));
      break;
    }
    case 6: {
      const len = 1 + rng.below(16);
      const piece = input.slice(at, at + len);
      s = input.slice(0, at) + piece + piece + input.slice(at + len);
      break;
    }
    case 7: {
      const len = 1 + rng.below(32);
      const piece = input.slice(at, at + len);
      s = input.slice(0, at) + (rng.chance(0.5) ? piece.toUpperCase() : piece.toLowerCase()) + input.slice(at + len);
      break;
    }
    default:
      s = input + randomString(rng, tokens, 16);
  }
  return s.length > maxLength ? s.slice(0, maxLength) : s;
}

/** A JSON-like value (what JSON.parse or a structured clone can give a validator). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const INTERESTING_NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 255, 256, 65535, 21e14];

function randomValue(rng: Rng, tokens: readonly string[], depth = 0): Json {
  switch (rng.below(depth > 2 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.chance(0.6) ? rng.pick(INTERESTING_NUMBERS) : rng.u32() - 2 ** 31;
    case 3:
      return rng.chance(0.3) && tokens.length > 0 ? rng.pick(tokens) : rng.chance(0.3) ? bytesToHex(rng.bytes(rng.pick([1, 20, 32, 33, 64]))) : randomString(rng, tokens, 40);
    case 4:
      return Array.from({ length: rng.below(4) }, () => randomValue(rng, tokens, depth + 1));
    default: {
      const o: { [k: string]: Json } = {};
      for (let i = rng.below(4); i > 0; i--) o[rng.chance(0.5) && tokens.length > 0 ? rng.pick(tokens) : randomString(rng, [], 8)] = randomValue(rng, tokens, depth + 1);
      return o;
    }
  }
}

/** Paths to every node of a value (for picking one to change). */
function nodes(v: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => nodes(x, [...path, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodes(x, [...path, k], out);
  return out;
}

function clone(v: Json): Json {
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

/** One structural mutation: replace, delete or add a node, or mutate a string or number in place. */
export function mutateValue(rng: Rng, input: Json, tokens: readonly string[]): Json {
  const root = clone(input);
  const all = nodes(root);
  const path = rng.pick(all);
  if (path.length === 0) return rng.chance(0.8) && root !== null && typeof root === 'object' ? addKey(rng, root, tokens) : randomValue(rng, tokens);
  const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k] as Json, root) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1] as string | number;
  const current = (parent as Record<string | number, Json>)[key] as Json;
  switch (rng.below(5)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, Json>)[key];
      break;
    case 1:
      if (typeof current === 'string') (parent as Record<string | number, Json>)[key] = mutateString(rng, current, [], tokens, 2000);
      else (parent as Record<string | number, Json>)[key] = randomValue(rng, tokens);
      break;
    case 2:
      if (typeof current === 'number') (parent as Record<string | number, Json>)[key] = rng.chance(0.5) ? rng.pick(INTERESTING_NUMBERS) : current + rng.pick([1, -1, 0.5, 1e-9]);
      else (parent as Record<string | number, Json>)[key] = randomValue(rng, tokens);
      break;
    case 3:
      if (current !== null && typeof current === 'object') addKey(rng, current, tokens);
      else (parent as Record<string | number, Json>)[key] = rng.chance(0.5) ? [current] : { [String(rng.pick(tokens.length > 0 ? tokens : ['x']))]: current };
      break;
    default:
      (parent as Record<string | number, Json>)[key] = randomValue(rng, tokens);
  }
  return root;
}

function addKey(rng: Rng, v: Json[] | { [k: string]: Json }, tokens: readonly string[]): Json {
  if (Array.isArray(v)) v.push(randomValue(rng, tokens));
  else v[rng.chance(0.6) && tokens.length > 0 ? rng.pick(tokens) : randomString(rng, [], 8)] = randomValue(rng, tokens);
  return v;
}

export { randomString, randomValue };
