/**
 * Variable-base scalar multiplication on secp256k1 for the onion's hot path (BOLT 4 "Shared
 * Secret": ECDH on every hop when building, once per HTLC when peeling, and the blinding of the
 * next ephemeral key).
 *
 * noble's `Point#multiply` runs a bit-by-bit ladder with a fake point (256 doublings and 256
 * additions through its complete addition formula). This does the same job in Jacobian
 * coordinates with a signed fixed 4-bit window: a table of 1P, 3P, …, 15P, then 64 rounds of
 * four dedicated doublings (a = 0, "dbl-2009-l") and one addition ("add-2007-bl"). The digits are
 * recoded so that none is zero (Joye–Tunstall regular recoding), so the sequence of operations is
 * the same for every scalar of the same size, as with noble's safe ladder. About 2.5× faster.
 * Results are checked against noble's by the property tests.
 */
import * as secp from '@noble/secp256k1';
import { sha256 } from '../crypto/hash.ts';
import { parsePoint } from '../crypto/secp256k1.ts';

const P = 2n ** 256n - 2n ** 32n - 977n;
const N: bigint = secp.Point.CURVE().n;
const MASK_256 = 2n ** 256n - 1n;
/** 2^256 mod p, for the fast reduction of a 512-bit product. */
const FOLD = 2n ** 32n + 977n;

/** x mod p for 0 ≤ x < 2^512 (two folds of the high half, then one conditional subtraction). */
function reduce(x: bigint): bigint {
  x = (x & MASK_256) + (x >> 256n) * FOLD;
  x = (x & MASK_256) + (x >> 256n) * FOLD;
  return x >= P ? x - P : x;
}

function mul(a: bigint, b: bigint): bigint {
  return reduce(a * b);
}

function sub(a: bigint, b: bigint): bigint {
  const d = a - b;
  return d < 0n ? d + P : d;
}

function add(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s >= P ? s - P : s;
}

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
interface Jacobian {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
}

const INFINITY: Jacobian = { X: 1n, Y: 1n, Z: 0n };

/** 2·Q for a = 0 (EFD "dbl-2009-l": 2M + 5S). */
function double(q: Jacobian): Jacobian {
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
  const c8 = add(add(add(c, c), add(c, c)), add(add(c, c), add(c, c)));
  const y3 = sub(mul(e, sub(d, x3)), c8);
  const yz = mul(q.Y, q.Z);
  return { X: x3, Y: y3, Z: add(yz, yz) };
}

/** Q + R (EFD "add-2007-bl": 11M + 5S); the rare equal / opposite inputs are handled exactly. */
function addPoints(q: Jacobian, r: Jacobian): Jacobian {
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

function negate(q: Jacobian): Jacobian {
  return { X: q.X, Y: q.Y === 0n ? 0n : P - q.Y, Z: q.Z };
}

const WINDOW = 4n;
const WINDOW_SIZE = 16n;
const ROUNDS = 64;

/**
 * Signed regular recoding of an odd scalar: k = Σ dᵢ·16ⁱ with every dᵢ odd in [-15, 15] and the
 * top digit positive. Returned least significant first (ROUNDS + 1 digits).
 */
function recodeOdd(k: bigint): number[] {
  const digits: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const d = (k & 31n) - WINDOW_SIZE;
    digits.push(Number(d));
    k = (k - d) >> WINDOW;
  }
  digits.push(Number(k));
  return digits;
}

/** k·(x, y) for an affine point and 1 ≤ k < n, as affine coordinates. */
function multiplyAffine(x: bigint, y: bigint, k: bigint): { x: bigint; y: bigint } {
  // Make the scalar odd without branching on it: an even k becomes n − k (n is odd), and the
  // result is negated back at the end.
  const even = 1n - (k & 1n);
  const odd = k + even * (N - 2n * k);
  const base: Jacobian = { X: x, Y: y, Z: 1n };
  const twice = double(base);
  const table: Jacobian[] = [base];
  for (let i = 1; i < 8; i++) table.push(addPoints(table[i - 1] as Jacobian, twice));
  const digits = recodeOdd(odd);
  const top = digits[ROUNDS] as number;
  let acc = table[(top - 1) >> 1] as Jacobian;
  for (let i = ROUNDS - 1; i >= 0; i--) {
    acc = double(double(double(double(acc))));
    const d = digits[i] as number;
    const t = table[(Math.abs(d) - 1) >> 1] as Jacobian;
    acc = addPoints(acc, d < 0 ? negate(t) : t);
  }
  if (acc.Z === 0n) throw new RangeError('scalar multiplication reached infinity');
  const zInv = secp.etc.invert(acc.Z, P);
  const zInv2 = mul(zInv, zInv);
  const ax = mul(acc.X, zInv2);
  const ay = mul(acc.Y, mul(zInv2, zInv));
  return { x: ax, y: even === 1n ? (ay === 0n ? 0n : P - ay) : ay };
}

function scalarOf(bytes: Uint8Array, field: string): bigint {
  if (bytes.length !== 32) throw new RangeError(`${field}: must be 32 bytes`);
  let k = 0n;
  for (const b of bytes) k = (k << 8n) | BigInt(b);
  if (k === 0n || k >= N) throw new RangeError(`${field}: not a scalar in [1, n)`);
  return k;
}

function compressed(x: bigint, y: bigint): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = (y & 1n) === 1n ? 3 : 2;
  let v = x;
  for (let i = 32; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * `scalar · point` as a 33-byte compressed point. `point` is a compressed public key (parsed once
 * through the crypto layer's cache; throws DecodeError if invalid), `scalar` 32 bytes in [1, n)
 * (RangeError otherwise).
 */
export function multiplyPoint(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  const affine = parsePoint(point, 'point').toAffine();
  const r = multiplyAffine(affine.x, affine.y, scalarOf(scalar, 'scalar'));
  return compressed(r.x, r.y);
}

/**
 * BOLT 4 "Shared Secret" (and BOLT 8 ECDH): SHA256 of the compressed point `secret · pubkey`.
 * The same value as crypto's `ecdh`, computed about 2.5× faster; pass
 * `(point) => onionSharedSecret(nodeSecret, point)` to `peelOnion`.
 */
export function onionSharedSecret(secret: Uint8Array, pubkey: Uint8Array): Uint8Array {
  return sha256(multiplyPoint(pubkey, secret));
}
