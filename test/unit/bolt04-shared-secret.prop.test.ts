/**
 * BOLT 4 "Shared Secret": the onion's windowed scalar multiplication gives exactly noble's
 * `Point#multiply` result (and so crypto's `ecdh`) for random points and scalars, for the edge
 * scalars (1, 2, small, n−1, n−2, even and odd, multiples of the GLV λ), and refuses scalars outside [1, n).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as secp from '@noble/secp256k1';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { ecdh, publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { decompressPoint, multiplyPoint, onionSharedSecret } from '../../engine/onion/scalar-multiply.ts';

const N = secp.Point.CURVE().n;
const scalarBytes = (k: bigint): Uint8Array => secp.etc.numberToBytesBE(k);
const nobleMultiply = (point: Uint8Array, k: bigint): string => bytesToHex(secp.Point.fromBytes(point).multiply(k).toBytes(true));

/** The GLV λ (λ·(x, y) = (β·x, y)): scalars near its multiples split into a zero or tiny half. */
const LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;
const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const point = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => publicKeyOf(scalarBytes(k)));

describe('BOLT 4 shared secret: windowed scalar multiplication', () => {
  it('equals noble for random points and scalars', () => {
    fc.assert(
      fc.property(point, scalar, (p, k) => {
        expect(bytesToHex(multiplyPoint(p, scalarBytes(k)))).toBe(nobleMultiply(p, k));
      }),
      { numRuns: 60 },
    );
  });

  it('equals noble for edge scalars', () => {
    const p = publicKeyOf(sha256(new TextEncoder().encode('edge point')));
    const edges = [1n, 2n, 3n, 15n, 16n, 17n, 31n, 32n, 33n, 2n ** 128n, 2n ** 255n, N - 1n, N - 2n, N - 3n, N - 16n, N - 17n, N - 30n, N - 32n, LAMBDA, LAMBDA + 1n, LAMBDA - 1n, (2n * LAMBDA) % N, N - LAMBDA, (LAMBDA * LAMBDA) % N, 2n ** 128n - 1n, 2n ** 128n + 1n];
    for (const k of edges) expect(bytesToHex(multiplyPoint(p, scalarBytes(k))), `k = ${k}`).toBe(nobleMultiply(p, k));
    expect(bytesToHex(multiplyPoint(secp.Point.BASE.toBytes(true), scalarBytes(N - 1n)))).toBe(bytesToHex(publicKeyOf(scalarBytes(N - 1n))));
  });

  it('onionSharedSecret equals crypto ecdh', () => {
    fc.assert(
      fc.property(point, scalar, (p, k) => {
        expect(bytesToHex(onionSharedSecret(scalarBytes(k), p))).toBe(bytesToHex(ecdh(scalarBytes(k), p)));
      }),
      { numRuns: 30 },
    );
  });

  it('refuses scalars outside [1, n) and invalid points', () => {
    const p = publicKeyOf(sha256(Uint8Array.of(1)));
    expect(() => multiplyPoint(p, new Uint8Array(32))).toThrow(RangeError);
    expect(() => multiplyPoint(p, scalarBytes(N))).toThrow(RangeError);
    expect(() => multiplyPoint(p, new Uint8Array(31).fill(1))).toThrow(RangeError);
    expect(() => multiplyPoint(new Uint8Array(33), scalarBytes(5n))).toThrow(/point/);
  });
});

describe('BOLT 4 shared secret: public key decompression', () => {
  it('equals noble on valid keys and refuses exactly what noble refuses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(2, 3, 4, 0), (x, prefix) => {
        const bytes = new Uint8Array([prefix, ...x]);
        let noble: { x: bigint; y: bigint } | undefined;
        try {
          noble = secp.Point.fromBytes(bytes).toAffine();
        } catch {
          noble = undefined;
        }
        expect(decompressPoint(bytes)).toEqual(noble);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses x ≥ p and wrong lengths', () => {
    expect(decompressPoint(new Uint8Array([2, ...new Uint8Array(32).fill(0xff)]))).toBeUndefined();
    expect(decompressPoint(new Uint8Array(32))).toBeUndefined();
    expect(decompressPoint(publicKeyOf(sha256(Uint8Array.of(3))).subarray(0, 32))).toBeUndefined();
  });
});
