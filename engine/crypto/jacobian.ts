/**
 * secp256k1 point arithmetic in Jacobian coordinates (x = X/Z², y = Y/Z³) and the GLV scalar
 * split, the building blocks of secp256k1-fast.ts. Formulas from the Explicit-Formulas Database
 * for a = 0 curves; the rare equal / opposite inputs of an addition are handled exactly.
 */
import { add, invert, mul, P, sqrt, sub } from './field.ts';

/** The group order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
export const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** A point in Jacobian coordinates; Z = 0 is the point at infinity. */
export interface Jacobian {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
}

/** An affine point (never infinity). */
export interface Affine {
  readonly x: bigint;
  readonly y: bigint;
}

export const INFINITY: Jacobian = { X: 1n, Y: 1n, Z: 0n };

export function fromAffine(a: Affine): Jacobian {
  return { X: a.x, Y: a.y, Z: 1n };
}

/** 2·Q (EFD "dbl-2009-l": 2M + 5S). */
export function double(q: Jacobian): Jacobian {
  if (q.Z === 0n) return q;
  const a = mul(q.X, q.X);
  const b = mul(q.Y, q.Y);
  const c = mul(b, b);
  const xb = add(q.X, b);
  const d2 = sub(sub(mul(xb, xb), a), c);
  const d = add(d2, d2);
  const e = add(add(a, a), a);
  const f = mul(e, e);
  const x3 = sub(f, add(d, d));
  const c2 = add(c, c);
  const c4 = add(c2, c2);
  const c8 = add(c4, c4);
  const y3 = sub(mul(e, sub(d, x3)), c8);
  const yz = mul(q.Y, q.Z);
  return { X: x3, Y: y3, Z: add(yz, yz) };
}

/** Q + R (EFD "add-2007-bl": 11M + 5S). */
export function addPoints(q: Jacobian, r: Jacobian): Jacobian {
  if (q.Z === 0n) return r;
  if (r.Z === 0n) return q;
  const z1z1 = mul(q.Z, q.Z);
  const z2z2 = mul(r.Z, r.Z);
  const u1 = mul(q.X, z2z2);
  const u2 = mul(r.X, z1z1);
  const s1 = mul(mul(q.Y, r.Z), z2z2);
  const s2 = mul(mul(r.Y, q.Z), z1z1);
  const h = sub(u2, u1);
  const rr0 = sub(s2, s1);
  if (h === 0n) return rr0 === 0n ? double(q) : INFINITY;
  const h2 = add(h, h);
  const i = mul(h2, h2);
  const j = mul(h, i);
  const rr = add(rr0, rr0);
  const v = mul(u1, i);
  const x3 = sub(sub(mul(rr, rr), j), add(v, v));
  const s1j = mul(s1, j);
  const y3 = sub(mul(rr, sub(v, x3)), add(s1j, s1j));
  const zs = add(q.Z, r.Z);
  const z3 = mul(sub(sub(mul(zs, zs), z1z1), z2z2), h);
  return { X: x3, Y: y3, Z: z3 };
}

/** Q + A for an affine A (EFD "madd-2007-bl": 7M + 4S). */
export function addAffine(q: Jacobian, a: Affine): Jacobian {
  if (q.Z === 0n) return fromAffine(a);
  const z1z1 = mul(q.Z, q.Z);
  const u2 = mul(a.x, z1z1);
  const s2 = mul(mul(a.y, q.Z), z1z1);
  const h = sub(u2, q.X);
  const rr0 = sub(s2, q.Y);
  if (h === 0n) return rr0 === 0n ? double(q) : INFINITY;
  const hh = mul(h, h);
  const i2 = add(hh, hh);
  const i = add(i2, i2);
  const j = mul(h, i);
  const rr = add(rr0, rr0);
  const v = mul(q.X, i);
  const x3 = sub(sub(mul(rr, rr), j), add(v, v));
  const yj = mul(q.Y, j);
  const y3 = sub(mul(rr, sub(v, x3)), add(yj, yj));
  const zh = add(q.Z, h);
  const z3 = sub(sub(mul(zh, zh), z1z1), hh);
  return { X: x3, Y: y3, Z: z3 };
}

export function negate(q: Jacobian): Jacobian {
  return { X: q.X, Y: q.Y === 0n ? 0n : P - q.Y, Z: q.Z };
}

export function negateAffine(a: Affine): Affine {
  return { x: a.x, y: a.y === 0n ? 0n : P - a.y };
}

/** The affine form of a finite Jacobian point (one inversion). */
export function toAffine(q: Jacobian): Affine {
  if (q.Z === 0n) throw new RangeError('the point at infinity has no affine form');
  const zInv = invert(q.Z, P);
  const zInv2 = mul(zInv, zInv);
  return { x: mul(q.X, zInv2), y: mul(q.Y, mul(zInv2, zInv)) };
}

/** Affine forms of many finite points with one inversion (Montgomery's trick). */
export function toAffineBatch(points: readonly Jacobian[]): Affine[] {
  const prefix: bigint[] = new Array(points.length);
  let acc = 1n;
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc;
    acc = mul(acc, (points[i] as Jacobian).Z);
  }
  let inv = invert(acc, P);
  const out: Affine[] = new Array(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const q = points[i] as Jacobian;
    const zInv = mul(inv, prefix[i] as bigint);
    inv = mul(inv, q.Z);
    const zInv2 = mul(zInv, zInv);
    out[i] = { x: mul(q.X, zInv2), y: mul(q.Y, mul(zInv2, zInv)) };
  }
  return out;
}

/** 33-byte SEC1 compressed encoding of an affine point. */
export function compressAffine(a: Affine): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = (a.y & 1n) === 1n ? 3 : 2;
  let v = a.x;
  for (let i = 32; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The affine point of a compressed key, or undefined (bad prefix, x ≥ p, x³ + 7 not a square). */
export function decompress(bytes: Uint8Array): Affine | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return undefined;
  let x = 0n;
  for (let i = 1; i < 33; i++) x = (x << 8n) | BigInt(bytes[i] as number);
  if (x >= P) return undefined;
  const y = sqrt(add(mul(mul(x, x), x), 7n));
  if (y === undefined) return undefined;
  return { x, y: (y & 1n) === BigInt((bytes[0] as number) & 1) ? y : P - y };
}

// GLV endomorphism: secp256k1 has a cube root of unity β mod p with λ mod n such that
// λ·(x, y) = (β·x, y), so k·P = k1·P + k2·λP with |k1|, |k2| < 2^128 halves the doublings.
export const BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een;
const A1 = 0x3086d221a7d46bcde86c90e49284eb15n;
const B1 = -0xe4437ed6010e88286f547fa90abfe4c3n;
const A2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8n;
const B2 = A1;
const HALF_N = N >> 1n;
const POW_2_128 = 2n ** 128n;

export function modN(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}

/** k = ±k1 ± k2·λ (mod n) with both halves at most 2^128 (the GLV split), 0 ≤ k < n. */
export function splitScalar(k: bigint): { k1: bigint; k1neg: boolean; k2: bigint; k2neg: boolean } {
  const c1 = (B2 * k + HALF_N) / N;
  const c2 = (-B1 * k + HALF_N) / N;
  let k1 = modN(k - c1 * A1 - c2 * A2);
  let k2 = modN(-c1 * B1 - c2 * B2);
  const k1neg = k1 > POW_2_128;
  const k2neg = k2 > POW_2_128;
  if (k1neg) k1 = N - k1;
  if (k2neg) k2 = N - k2;
  if (k1 > POW_2_128 || k2 > POW_2_128) throw new RangeError('GLV split failed');
  return { k1, k1neg, k2, k2neg };
}

/** λ·Q = (β·X, Y, Z), negated when `flip`. */
export function endomorphism(q: Jacobian, flip: boolean): Jacobian {
  return { X: mul(q.X, BETA), Y: flip ? (q.Y === 0n ? 0n : P - q.Y) : q.Y, Z: q.Z };
}

/** 32-byte big-endian integer. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let k = 0n;
  for (let i = 0; i < bytes.length; i++) k = (k << 8n) | BigInt(bytes[i] as number);
  return k;
}
