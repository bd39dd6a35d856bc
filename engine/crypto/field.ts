/**
 * Arithmetic in the secp256k1 base field (p = 2^256 − 2^32 − 977) for the fast curve code
 * (secp256k1-fast.ts: scalar multiplication, ECDSA verification, point decompression): products reduced by folding the high half
 * (2^256 ≡ 2^32 + 977), and the square root by libsecp256k1's addition chain for (p + 1) / 4.
 */

export const P = 2n ** 256n - 2n ** 32n - 977n;
const MASK_256 = 2n ** 256n - 1n;
/** 2^256 mod p. */
const FOLD = 2n ** 32n + 977n;

/** x mod p for 0 ≤ x < 2^512 (two folds of the high half, then one conditional subtraction). */
function reduce(x: bigint): bigint {
  x = (x & MASK_256) + (x >> 256n) * FOLD;
  x = (x & MASK_256) + (x >> 256n) * FOLD;
  return x >= P ? x - P : x;
}

/** a·b mod p for a, b in [0, p). */
export function mul(a: bigint, b: bigint): bigint {
  return reduce(a * b);
}

/** a − b mod p for a, b in [0, p). */
export function sub(a: bigint, b: bigint): bigint {
  const d = a - b;
  return d < 0n ? d + P : d;
}

/** a + b mod p for a, b in [0, p). */
export function add(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s >= P ? s - P : s;
}

/** a^(2^n) mod p. */
function squareTimes(a: bigint, n: number): bigint {
  for (let i = 0; i < n; i++) a = reduce(a * a);
  return a;
}

/** √a mod p if a is a square, else undefined ((p + 1) / 4 by 253 squarings and 13 products). */
export function sqrt(a: bigint): bigint | undefined {
  const x2 = mul(squareTimes(a, 1), a);
  const x3 = mul(squareTimes(x2, 1), a);
  const x6 = mul(squareTimes(x3, 3), x3);
  const x9 = mul(squareTimes(x6, 3), x3);
  const x11 = mul(squareTimes(x9, 2), x2);
  const x22 = mul(squareTimes(x11, 11), x11);
  const x44 = mul(squareTimes(x22, 22), x22);
  const x88 = mul(squareTimes(x44, 44), x44);
  const x176 = mul(squareTimes(x88, 88), x88);
  const x220 = mul(squareTimes(x176, 44), x44);
  const x223 = mul(squareTimes(x220, 3), x3);
  let r = mul(squareTimes(x223, 23), x22);
  r = mul(squareTimes(r, 6), x2);
  r = squareTimes(r, 2);
  return mul(r, r) === a ? r : undefined;
}

/** a⁻¹ mod m for 0 < a < m (extended Euclid; variable time, fine for public values and Z coordinates). */
export function invert(a: bigint, m: bigint = P): bigint {
  let x = a % m;
  if (x < 0n) x += m;
  if (x === 0n) throw new RangeError('invert: zero has no inverse');
  let b = m;
  let u = 1n;
  let v = 0n;
  while (x !== 0n) {
    const q = b / x;
    [b, x] = [x, b - q * x];
    [v, u] = [u, v - q * u];
  }
  return v < 0n ? v + m : v;
}
