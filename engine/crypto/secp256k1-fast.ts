/**
 * Fast secp256k1 for the hot paths: ECDSA verification (BOLT 2 `commitment_signed`, BOLT 7,
 * BOLT 11), BOLT 3 "Key Derivation" of public keys, per-commitment points, BOLT 4 / BOLT 8 ECDH.
 * noble runs everything through one generic ladder; this uses, on Jacobian coordinates (jacobian.ts):
 *
 *   - a fixed-base table for G (8-bit signed windows, 33 × 128 affine points, built once on first
 *     use): k·G in ≤ 33 mixed additions and no doubling;
 *   - for public scalars times other points: the GLV split and width-5 wNAF, several points sharing
 *     one doubling chain (Strauss–Shamir), tables made affine with one inversion;
 *   - for secret scalars times other points (ECDH): the GLV split with Joye–Tunstall regular
 *     recoding, the same operation sequence for every scalar (like noble, not a hard constant-time
 *     guarantee in JS);
 *   - a bounded LRU of decompressed public keys, so a channel's basepoints and a peer's keys are
 *     decompressed (a square root) once.
 *
 * Signing stays with noble (RFC 6979). Every function here is checked against noble by property
 * tests (test/unit/crypto-secp256k1-fast.prop.test.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DecodeError } from '../lib/errors.ts';
import { invert, mul, P } from './field.ts';
import {
  type Affine,
  type Jacobian,
  BETA,
  GX,
  GY,
  INFINITY,
  N,
  addAffine,
  addPoints,
  bytesToBigint,
  compressAffine,
  decompress,
  double,
  endomorphism,
  fromAffine,
  modN,
  negate,
  negateAffine,
  splitScalar,
  toAffine,
  toAffineBatch,
} from './jacobian.ts';

// ---- Decompressed-key cache ----

const DECOMPRESSED_CACHE_LIMIT = 2048;
const decompressed = new Map<string, Affine>();

/** The key's bytes as a 33-character string (one char per byte): a cheap Map key. */
function cacheKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * The affine point of a 33-byte compressed public key, or undefined if it is not one (bad prefix,
 * x ≥ p, or x³ + 7 not a square). Results are kept in a bounded LRU.
 */
export function decompressPoint(bytes: Uint8Array): Affine | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return undefined;
  const key = cacheKey(bytes);
  const hit = decompressed.get(key);
  if (hit) {
    decompressed.delete(key);
    decompressed.set(key, hit);
    return hit;
  }
  const point = decompress(bytes);
  if (!point) return undefined;
  if (decompressed.size >= DECOMPRESSED_CACHE_LIMIT) decompressed.delete(decompressed.keys().next().value as string);
  decompressed.set(key, point);
  return point;
}

function pointOf(bytes: Uint8Array, field: string): Affine {
  const a = decompressPoint(bytes);
  if (!a) throw new DecodeError(field, 'not a valid compressed secp256k1 public key');
  return a;
}

/** Remember a point we computed ourselves under its encoding (saves a square root later); returns the cached object. */
function rememberAffine(a: Affine): { readonly bytes: Uint8Array; readonly canonical: Affine } {
  const bytes = compressAffine(a);
  const key = cacheKey(bytes);
  const hit = decompressed.get(key);
  if (hit) return { bytes, canonical: hit };
  if (decompressed.size >= DECOMPRESSED_CACHE_LIMIT) decompressed.delete(decompressed.keys().next().value as string);
  decompressed.set(key, a);
  return { bytes, canonical: a };
}

function remember(a: Affine): Uint8Array {
  return rememberAffine(a).bytes;
}

// ---- Keys we derived as basepoint + t·G ----
// BOLT 3 HTLC signatures are checked against `remote_htlcpubkey = htlc_basepoint + t·G`, a new
// key per commitment. Knowing the split, u1·G + u2·Q = (u1 + u2·t)·G + u2·htlc_basepoint: the
// G table and the (hot) basepoint's table instead of a variable-base multiplication. Public data only.

const TWEAK_ORIGINS_LIMIT = 512;
const tweakOrigins = new Map<Affine, { readonly base: Affine; readonly t: bigint }>();

function rememberTweaked(sum: Affine, base: Affine, t: bigint): Uint8Array {
  const { bytes, canonical } = rememberAffine(sum);
  if (!tweakOrigins.has(canonical)) {
    if (tweakOrigins.size >= TWEAK_ORIGINS_LIMIT) tweakOrigins.delete(tweakOrigins.keys().next().value as Affine);
    tweakOrigins.set(canonical, { base, t });
  }
  return bytes;
}

// ---- Fixed-base table for G ----

const BASE_WINDOW_BITS = 8n;
const BASE_WINDOW_MASK = 255n;
const BASE_HALF = 128n;
/** 256-bit scalars in signed 8-bit digits: 32 windows and one for the final carry. */
const BASE_WINDOWS = 33;
const BASE_ENTRIES = 128;

let baseTable: Affine[][] | undefined;

/** table[i][j − 1] = j·256ⁱ·G for j = 1…128. */
function buildBaseTable(): Affine[][] {
  const table: Affine[][] = [];
  let base: Affine = { x: GX, y: GY };
  for (let i = 0; i < BASE_WINDOWS; i++) {
    const row: Jacobian[] = [fromAffine(base)];
    for (let j = 1; j < BASE_ENTRIES; j++) row.push(addAffine(row[j - 1] as Jacobian, base));
    const affineRow = toAffineBatch(row);
    table.push(affineRow);
    // 256·base = 2·(128·base)
    base = toAffine(double(row[BASE_ENTRIES - 1] as Jacobian));
  }
  return table;
}

function baseDigits(k: bigint): number[] {
  const digits: number[] = [];
  for (let i = 0; i < BASE_WINDOWS; i++) {
    let d = k & BASE_WINDOW_MASK;
    if (d > BASE_HALF) d -= 256n;
    digits.push(Number(d));
    k = (k - d) >> BASE_WINDOW_BITS;
  }
  return digits;
}

/** k·G for a public 0 ≤ k < n (zero digits skipped). */
function baseMultiplyPublic(k: bigint): Jacobian {
  const table = (baseTable ??= buildBaseTable());
  const digits = baseDigits(k);
  let acc = INFINITY;
  for (let i = 0; i < BASE_WINDOWS; i++) {
    const d = digits[i] as number;
    if (d === 0) continue;
    const t = (table[i] as Affine[])[Math.abs(d) - 1] as Affine;
    acc = addAffine(acc, d < 0 ? negateAffine(t) : t);
  }
  return acc;
}

/** k·G for a secret 1 ≤ k < n: one mixed addition per window whatever the digit (a zero digit adds into a dummy). */
function baseMultiplySecret(k: bigint): Jacobian {
  const table = (baseTable ??= buildBaseTable());
  const digits = baseDigits(k);
  let acc = INFINITY;
  let dummy: Jacobian = fromAffine({ x: GX, y: GY });
  for (let i = 0; i < BASE_WINDOWS; i++) {
    const d = digits[i] as number;
    const row = table[i] as Affine[];
    const t = row[d === 0 ? 0 : Math.abs(d) - 1] as Affine;
    const signed = d < 0 ? negateAffine(t) : t;
    if (d === 0) dummy = addAffine(dummy, signed);
    else acc = addAffine(acc, signed);
  }
  return acc;
}

// ---- Tables for hot public keys ----
// A channel verifies every `commitment_signed` against the same funding key and derives every
// `revocationpubkey` from the same basepoint. A point used HOT_USES times gets a fixed-window
// table over the 128-bit GLV halves (6-bit signed windows: 23 × 32 affine points, a few ms to
// build); then k·Q costs ≤ 46 mixed additions and no doubling. λ·Q's table is Q's with x·β.

const HOT_USES = 4;
const HOT_TABLES_LIMIT = 16;
const HOT_WINDOW_BITS = 6n;
const HOT_WINDOW_MASK = 63n;
const HOT_HALF = 32n;
/** Halves up to 2^128 in signed 6-bit digits: 22 windows and one for the carry. */
const HOT_WINDOWS = 23;
const HOT_ENTRIES = 32;

const uses = new WeakMap<Affine, number>();
const hotTables = new Map<Affine, Affine[][]>();

/** table[i][j − 1] = j·64ⁱ·Q for j = 1…32. */
function buildHotTable(q: Affine): Affine[][] {
  const table: Affine[][] = [];
  let base = q;
  for (let i = 0; i < HOT_WINDOWS; i++) {
    const row: Jacobian[] = [fromAffine(base)];
    for (let j = 1; j < HOT_ENTRIES; j++) row.push(addAffine(row[j - 1] as Jacobian, base));
    table.push(toAffineBatch(row));
    base = toAffine(double(row[HOT_ENTRIES - 1] as Jacobian));
  }
  return table;
}

/** The table of a point once it is hot (LRU of HOT_TABLES_LIMIT), else undefined. */
function hotTableOf(q: Affine): Affine[][] | undefined {
  const table = hotTables.get(q);
  if (table) {
    hotTables.delete(q);
    hotTables.set(q, table);
    return table;
  }
  const n = (uses.get(q) ?? 0) + 1;
  uses.set(q, n);
  if (n < HOT_USES) return undefined;
  const built = buildHotTable(q);
  if (hotTables.size >= HOT_TABLES_LIMIT) hotTables.delete(hotTables.keys().next().value as Affine);
  hotTables.set(q, built);
  return built;
}

/** acc + (±k)·(λ?)Q from a hot table, 0 ≤ k ≤ 2^128. */
function addFromHotTable(acc: Jacobian, table: readonly Affine[][], k: bigint, negative: boolean, lambda: boolean): Jacobian {
  for (let i = 0; i < HOT_WINDOWS && k !== 0n; i++) {
    let d = k & HOT_WINDOW_MASK;
    if (d > HOT_HALF) d -= 64n;
    k = (k - d) >> HOT_WINDOW_BITS;
    if (d === 0n) continue;
    const t = (table[i] as Affine[])[Number(d < 0n ? -d : d) - 1] as Affine;
    const x = lambda ? mul(t.x, BETA) : t.x;
    const flip = (d < 0n) !== negative;
    acc = addAffine(acc, { x, y: flip ? (t.y === 0n ? 0n : P - t.y) : t.y });
  }
  return acc;
}

// ---- Public multi-scalar multiplication (Strauss–Shamir, GLV, wNAF) ----

const WNAF_MODULUS = 32n;
const WNAF_HALF = 16n;
/** Odd multiples 1Q, 3Q, …, 15Q. */
const WNAF_TABLE = 8;

/** Width-5 NAF of k ≥ 0, least significant digit first. */
function wnaf(k: bigint): Int8Array {
  const digits = new Int8Array(132);
  let i = 0;
  while (k > 0n) {
    if (k & 1n) {
      let d = k & (WNAF_MODULUS - 1n);
      if (d >= WNAF_HALF) d -= WNAF_MODULUS;
      digits[i] = Number(d);
      k -= d;
    }
    k >>= 1n;
    i++;
  }
  return digits.subarray(0, i);
}

interface Term {
  readonly table: readonly Affine[];
  readonly digits: Int8Array;
}

/** Σ kᵢ·Pᵢ for public points and public scalars 0 ≤ kᵢ < n (variable time). */
function multiplyPublic(terms: readonly { readonly point: Affine; readonly k: bigint }[]): Jacobian {
  const split: { point: Affine; k1: bigint; k1neg: boolean; k2: bigint; k2neg: boolean }[] = [];
  const jacobianTables: Jacobian[] = [];
  let fixed = INFINITY;
  for (const { point, k } of terms) {
    if (k === 0n) continue;
    const s = splitScalar(k);
    const hot = hotTableOf(point);
    if (hot) {
      fixed = addFromHotTable(fixed, hot, s.k1, s.k1neg, false);
      fixed = addFromHotTable(fixed, hot, s.k2, s.k2neg, true);
      continue;
    }
    split.push({ point, ...s });
    const q = fromAffine(point);
    const twice = double(q);
    let m = q;
    jacobianTables.push(m);
    for (let i = 1; i < WNAF_TABLE; i++) {
      m = addPoints(m, twice);
      jacobianTables.push(m);
    }
  }
  if (split.length === 0) return fixed;
  const affine = toAffineBatch(jacobianTables);
  const list: Term[] = [];
  split.forEach((s, t) => {
    const table = affine.slice(t * WNAF_TABLE, (t + 1) * WNAF_TABLE);
    const t1 = s.k1neg ? table.map(negateAffine) : table;
    // λ·(x, y) = (β·x, y); its sign follows k2.
    const t2 = table.map((a) => ({ x: mul(a.x, BETA), y: s.k2neg ? (a.y === 0n ? 0n : P - a.y) : a.y }));
    if (s.k1 !== 0n) list.push({ table: t1, digits: wnaf(s.k1) });
    if (s.k2 !== 0n) list.push({ table: t2, digits: wnaf(s.k2) });
  });
  let top = 0;
  for (const t of list) top = Math.max(top, t.digits.length);
  let acc = INFINITY;
  for (let i = top - 1; i >= 0; i--) {
    acc = double(acc);
    for (const t of list) {
      const d = t.digits[i];
      if (d === undefined || d === 0) continue;
      const a = t.table[(Math.abs(d) - 1) >> 1] as Affine;
      acc = addAffine(acc, d < 0 ? negateAffine(a) : a);
    }
  }
  return addPoints(acc, fixed);
}

// ---- Secret-scalar variable-base multiplication (regular recoding) ----

const REGULAR_WINDOW = 5n;
const REGULAR_DIGIT_MASK = 63n;
const REGULAR_DIGIT_OFFSET = 32n;
const REGULAR_TABLE = 16;
/** Rounds of 5 bits for a scalar below 2^128 + 3 (32^26 > 2^129: the top digit is 1). */
const REGULAR_ROUNDS = 26;

/** k = Σ dᵢ·32ⁱ with every dᵢ odd in [-31, 31], for odd k (Joye–Tunstall); least significant first. */
function recodeOdd(k: bigint): number[] {
  const digits: number[] = [];
  for (let i = 0; i < REGULAR_ROUNDS; i++) {
    const d = (k & REGULAR_DIGIT_MASK) - REGULAR_DIGIT_OFFSET;
    digits.push(Number(d));
    k = (k - d) >> REGULAR_WINDOW;
  }
  digits.push(Number(k));
  return digits;
}

function oddMultiples(q: Jacobian): { table: Jacobian[]; twice: Jacobian } {
  const twice = double(q);
  const table: Jacobian[] = [q];
  for (let i = 1; i < REGULAR_TABLE; i++) table.push(addPoints(table[i - 1] as Jacobian, twice));
  return { table, twice };
}

function pick(table: readonly Jacobian[], digit: number): Jacobian {
  const t = table[(Math.abs(digit) - 1) >> 1] as Jacobian;
  return digit < 0 ? negate(t) : t;
}

/** k·A for an affine point and a secret 1 ≤ k < n. */
function multiplySecret(a: Affine, k: bigint): Jacobian {
  const { k1, k1neg, k2, k2neg } = splitScalar(k);
  const m1 = oddMultiples({ X: a.x, Y: k1neg ? P - a.y : a.y, Z: 1n });
  const flip = k1neg !== k2neg;
  const m2 = { table: m1.table.map((q) => endomorphism(q, flip)), twice: endomorphism(m1.twice, flip) };
  // Regular recoding needs odd scalars: an even half gets +1, an odd one +2, and 1·Q or 2·Q is
  // taken back at the end, so the same operations run whatever the parity.
  const bump1 = 1n + (k1 & 1n);
  const bump2 = 1n + (k2 & 1n);
  const d1 = recodeOdd(k1 + bump1);
  const d2 = recodeOdd(k2 + bump2);
  let acc = addPoints(pick(m1.table, d1[REGULAR_ROUNDS] as number), pick(m2.table, d2[REGULAR_ROUNDS] as number));
  for (let i = REGULAR_ROUNDS - 1; i >= 0; i--) {
    acc = double(double(double(double(double(acc)))));
    acc = addPoints(acc, pick(m1.table, d1[i] as number));
    acc = addPoints(acc, pick(m2.table, d2[i] as number));
  }
  acc = addPoints(acc, negate(bump1 === 2n ? m1.twice : (m1.table[0] as Jacobian)));
  acc = addPoints(acc, negate(bump2 === 2n ? m2.twice : (m2.table[0] as Jacobian)));
  return acc;
}

// ---- Public API ----

function scalarOf(bytes: Uint8Array, field: string): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new RangeError(`${field}: must be 32 bytes`);
  const k = bytesToBigint(bytes);
  if (k === 0n || k >= N) throw new RangeError(`${field}: not a scalar in [1, n)`);
  return k;
}

function finite(q: Jacobian, what: string): Uint8Array {
  if (q.Z === 0n) throw new RangeError(`${what}: result is the point at infinity`);
  return remember(toAffine(q));
}

/**
 * `scalar · point` as a 33-byte compressed point, for a secret scalar (regular recoding).
 * `point` must be a compressed public key (DecodeError otherwise), `scalar` 32 bytes in [1, n).
 */
export function multiplyPoint(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  const a = pointOf(point, 'point');
  return finite(multiplySecret(a, scalarOf(scalar, 'scalar')), 'multiplyPoint');
}

/** BOLT 4 "Shared Secret" and BOLT 8 ECDH: SHA256 of the compressed point `secret · pubkey`. */
export function sharedSecret(secret: Uint8Array, pubkey: Uint8Array): Uint8Array {
  const a = pointOf(pubkey, 'pubkey');
  const q = multiplySecret(a, scalarOf(secret, 'secret'));
  if (q.Z === 0n) throw new RangeError('sharedSecret: result is the point at infinity');
  return sha256(compressAffine(toAffine(q)));
}

/** Compressed `secret·G` (fixed-base table, one addition per window). */
export function basePointMultiply(secret: Uint8Array): Uint8Array {
  return finite(baseMultiplySecret(scalarOf(secret, 'secret')), 'basePointMultiply');
}

/** `k·P` for a public point and a public scalar (variable time). */
export function publicPointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  return finite(multiplyPublic([{ point: pointOf(point, 'point'), k: scalarOf(scalar, 'scalar') }]), 'pointMultiply');
}

/** `P + t·G` for a public point and tweak (BOLT 3 `pubkey` derivation). */
export function publicPointAddTweak(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  const a = pointOf(point, 'point');
  const t = scalarOf(tweak, 'tweak');
  const q = addAffine(baseMultiplyPublic(t), a);
  if (q.Z === 0n) throw new RangeError('pointAddTweak: result is the point at infinity');
  return rememberTweaked(toAffine(q), a, t);
}

/** `a·P + b·Q` for public points and scalars, one doubling chain (BOLT 3 `revocationpubkey`). */
export function publicPointMultiplyAdd(p: Uint8Array, a: Uint8Array, q: Uint8Array, b: Uint8Array): Uint8Array {
  const terms = [
    { point: pointOf(p, 'p'), k: scalarOf(a, 'a') },
    { point: pointOf(q, 'q'), k: scalarOf(b, 'b') },
  ];
  return finite(multiplyPublic(terms), 'pointMultiplyAdd');
}

/**
 * `a·P + c·G` for a public point and scalar `a` and a secret scalar `c` (the G part with one
 * addition per window whatever the digit): BOLT 3 `revocationpubkey` of our own commitment, where
 * `per_commitment_point·b = (per_commitment_secret·b)·G`.
 */
export function publicPointMultiplyAddBase(p: Uint8Array, a: Uint8Array, c: Uint8Array): Uint8Array {
  const term = multiplyPublic([{ point: pointOf(p, 'p'), k: scalarOf(a, 'a') }]);
  return finite(addPoints(term, baseMultiplySecret(scalarOf(c, 'c'))), 'pointMultiplyAddBase');
}

/** One point of a {@link computePoints} batch. */
export type PointJob =
  | { readonly kind: 'add-tweak'; readonly point: Uint8Array; readonly tweak: Uint8Array }
  | { readonly kind: 'multiply-add'; readonly p: Uint8Array; readonly a: Uint8Array; readonly q: Uint8Array; readonly b: Uint8Array }
  | { readonly kind: 'multiply-add-base'; readonly p: Uint8Array; readonly a: Uint8Array; readonly c: Uint8Array };

function jacobianOf(job: PointJob): Jacobian {
  switch (job.kind) {
    case 'add-tweak':
      return addAffine(baseMultiplyPublic(scalarOf(job.tweak, 'tweak')), pointOf(job.point, 'point'));
    case 'multiply-add':
      return multiplyPublic([
        { point: pointOf(job.p, 'p'), k: scalarOf(job.a, 'a') },
        { point: pointOf(job.q, 'q'), k: scalarOf(job.b, 'b') },
      ]);
    case 'multiply-add-base':
      return addPoints(multiplyPublic([{ point: pointOf(job.p, 'p'), k: scalarOf(job.a, 'a') }]), baseMultiplySecret(scalarOf(job.c, 'c')));
  }
}

/**
 * Several of the point operations above with one field inversion for all (Montgomery's trick):
 * the keys of one BOLT 3 commitment come out together. RangeError if any result is infinity.
 */
export function computePoints(jobs: readonly PointJob[]): Uint8Array[] {
  const results = jobs.map((job) => {
    const q = jacobianOf(job);
    if (q.Z === 0n) throw new RangeError(`${job.kind}: result is the point at infinity`);
    return q;
  });
  return toAffineBatch(results).map((a, i) => {
    const job = jobs[i] as PointJob;
    return job.kind === 'add-tweak' ? rememberTweaked(a, pointOf(job.point, 'point'), scalarOf(job.tweak, 'tweak')) : remember(a);
  });
}

/** `A + B` of two compressed points. */
export function publicPointAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  return finite(addAffine(fromAffine(pointOf(a, 'a')), pointOf(b, 'b')), 'pointAdd');
}

/** True when x(R) mod n = r for a finite Jacobian R, without an inversion (X = x·Z²). */
function xModNEquals(R: Jacobian, r: bigint): boolean {
  const z2 = mul(R.Z, R.Z);
  if (mul(r, z2) === R.X) return true;
  // x in [n, p) reduces to x − n: the rare r with r + n < p.
  const r2 = r + N;
  return r2 < P && mul(r2, z2) === R.X;
}

/**
 * ECDSA verification over a 32-byte digest (SEC 1 4.1.4), the same result as noble's
 * `verify(sig, digest, pubkey, { prehash: false, lowS })`: false for r or s outside [1, n), an
 * invalid key, a high S when `lowS`, or a mismatch. Never throws.
 */
export function verifyEcdsa(signature: Uint8Array, digest: Uint8Array, pubkey: Uint8Array, lowS: boolean): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(digest instanceof Uint8Array) || digest.length !== 32) return false;
  const Q = decompressPoint(pubkey);
  if (!Q) return false;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s >= N) return false;
  if (lowS && s > N >> 1n) return false;
  const h = modN(bytesToBigint(digest));
  const sInv = invertN(s);
  const u1 = modN(h * sInv);
  const u2 = modN(r * sInv);
  const origin = tweakOrigins.get(Q);
  const R = origin
    ? addPoints(baseMultiplyPublic(modN(u1 + u2 * origin.t)), multiplyPublic([{ point: origin.base, k: u2 }]))
    : addPoints(baseMultiplyPublic(u1), multiplyPublic([{ point: Q, k: u2 }]));
  if (R.Z === 0n) return false;
  return xModNEquals(R, r);
}

/**
 * ECDSA public-key recovery (SEC 1 4.1.6) over a 32-byte digest: the compressed key, or
 * undefined when none can be recovered — the same as noble's `recoverPublicKey(…, { prehash: false })`.
 */
export function recoverEcdsa(signature: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return undefined;
  if (!(digest instanceof Uint8Array) || digest.length !== 32) return undefined;
  if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) return undefined;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s >= N) return undefined;
  const x = recoveryId > 1 ? r + N : r;
  if (x >= P) return undefined;
  const xBytes = new Uint8Array(33);
  xBytes[0] = 2 + (recoveryId & 1);
  let v = x;
  for (let i = 32; i >= 1; i--) {
    xBytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const R = decompressPoint(xBytes);
  if (!R) return undefined;
  const h = modN(bytesToBigint(digest));
  const rInv = invertN(r);
  const u1 = modN(-h * rInv);
  const u2 = modN(s * rInv);
  const Q = addPoints(baseMultiplyPublic(u1), multiplyPublic([{ point: R, k: u2 }]));
  if (Q.Z === 0n) return undefined;
  return remember(toAffine(Q));
}

function invertN(a: bigint): bigint {
  return invert(a, N);
}

/** Build the G table now (≈ tens of ms) instead of on the first use. */
export function warmUpBaseTable(): void {
  baseTable ??= buildBaseTable();
}
