/**
 * engine/crypto/secp256k1-fast.ts gives exactly noble's results: ECDSA verification (SEC 1 4.1.4,
 * as used by BOLT 2 `commitment_signed` / BOLT 3 signatures) on valid, tampered, wrong-key,
 * high-S and out-of-range signatures; public-key recovery (SEC 1 4.1.6, BOLT 11 "Data Part");
 * secret·G, ECDH (BOLT 8 / BOLT 4 "Shared Secret"), and the BOLT 3 "Key Derivation" point
 * operations P + t·G, a·P + b·Q, k·P, A + B, on random and edge scalars.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import '../../engine/crypto/secp256k1.ts'; // installs noble's sync hash hooks for secp.sign
import {
  basePointMultiply,
  computePoints,
  decompressPoint,
  publicPointAdd,
  publicPointAddTweak,
  publicPointMultiply,
  publicPointMultiplyAdd,
  recoverEcdsa,
  sharedSecret,
  verifyEcdsa,
} from '../../engine/crypto/secp256k1-fast.ts';
import { ecdh, isValidPublicKey, pointAddTweak, pointMultiplyAddBase, publicKeyOf, verifyDigest } from '../../engine/crypto/secp256k1.ts';
import { deriveCommitmentKeys, deriveLocalCommitmentKeys } from '../../engine/channel/bolt3/keys.ts';

const N = secp.Point.CURVE().n;
const G = secp.Point.BASE;
const be32 = (k: bigint): Uint8Array => secp.etc.numberToBytesBE(k);
const hex = bytesToHex;
const noblePub = (k: bigint): Uint8Array => secp.getPublicKey(be32(k), true);
const nobleVerify = (sig: Uint8Array, digest: Uint8Array, pub: Uint8Array, lowS: boolean): boolean => {
  try {
    return secp.verify(sig, digest, pub, { prehash: false, lowS });
  } catch {
    return false;
  }
};
const nobleRecover = (sig: Uint8Array, rec: number, digest: Uint8Array): string | undefined => {
  try {
    const r = new Uint8Array(65);
    r[0] = rec;
    r.set(sig, 1);
    return hex(secp.recoverPublicKey(r, digest, { prehash: false }));
  } catch {
    return undefined;
  }
};

/** Our compressed result equals noble's, or both are the point at infinity (ours: a RangeError). */
function sameAsNoble(ours: () => Uint8Array, noble: () => InstanceType<typeof secp.Point>): void {
  const expected = noble();
  if (expected.is0()) expect(ours).toThrow(RangeError);
  else expect(hex(ours())).toBe(hex(expected.toBytes(true)));
}

const LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;
const EDGE_SCALARS = [1n, 2n, 3n, 127n, 128n, 129n, 255n, 256n, 257n, 2n ** 128n, 2n ** 255n, N - 1n, N - 2n, N - 128n, N - 129n, LAMBDA, LAMBDA + 1n, N - LAMBDA, 2n ** 128n - 1n, 2n ** 256n % N];
const scalar = fc.oneof(fc.bigInt({ min: 1n, max: N - 1n }), fc.constantFrom(...EDGE_SCALARS));
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('ECDSA verification (SEC 1 4.1.4) equals noble', () => {
  it('valid signatures verify, with low and high S, lowS on and off', () => {
    fc.assert(
      fc.property(scalar, digest, (k, msg) => {
        const pub = noblePub(k);
        const sig = secp.sign(msg, be32(k), { prehash: false, lowS: true });
        const s = BigInt('0x' + hex(sig.subarray(32)));
        const high = new Uint8Array(64);
        high.set(sig.subarray(0, 32));
        high.set(be32(N - s), 32);
        for (const lowS of [false, true]) {
          expect(verifyEcdsa(sig, msg, pub, lowS)).toBe(nobleVerify(sig, msg, pub, lowS));
          expect(verifyEcdsa(high, msg, pub, lowS)).toBe(nobleVerify(high, msg, pub, lowS));
        }
        expect(verifyEcdsa(sig, msg, pub, false)).toBe(true);
        expect(verifyEcdsa(high, msg, pub, true)).toBe(false);
        expect(verifyDigest(high, msg, pub)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('wrong key, tampered digest, tampered signature: the same answer as noble (false)', () => {
    fc.assert(
      fc.property(scalar, scalar, digest, fc.nat({ max: 63 }), fc.integer({ min: 1, max: 255 }), (k, other, msg, at, flip) => {
        const pub = noblePub(k);
        const sig = secp.sign(msg, be32(k), { prehash: false });
        const wrongKey = noblePub(other);
        expect(verifyEcdsa(sig, msg, wrongKey, false)).toBe(nobleVerify(sig, msg, wrongKey, false));
        const msg2 = msg.slice();
        msg2[at % 32] = (msg2[at % 32] as number) ^ flip;
        expect(verifyEcdsa(sig, msg2, pub, false)).toBe(nobleVerify(sig, msg2, pub, false));
        const sig2 = sig.slice();
        sig2[at] = (sig2[at] as number) ^ flip;
        expect(verifyEcdsa(sig2, msg, pub, false)).toBe(nobleVerify(sig2, msg, pub, false));
      }),
      { numRuns: 40 },
    );
  });

  it('random and out-of-range r, s (0, n, ≥ n, 2^256 − 1) and invalid keys', () => {
    const rs = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.constantFrom(0n, 1n, N - 1n, N, N + 1n, 2n ** 256n - 1n));
    const key = fc.oneof(scalar.map(noblePub), fc.uint8Array({ minLength: 33, maxLength: 33 }), fc.uint8Array({ minLength: 0, maxLength: 65 }));
    fc.assert(
      fc.property(rs, rs, digest, key, (r, s, msg, pub) => {
        const sig = new Uint8Array(64);
        sig.set(be32(r % 2n ** 256n), 0);
        sig.set(be32(s % 2n ** 256n), 32);
        expect(verifyEcdsa(sig, msg, pub, false)).toBe(pub.length === 33 || pub.length === 65 ? nobleVerify(sig, msg, pub, false) : false);
        expect(verifyDigest(sig, msg, pub)).toBe(verifyEcdsa(sig, msg, pub, false));
      }),
      { numRuns: 60 },
    );
  });

  it('a digest ≥ n is reduced mod n, as noble does', () => {
    const k = 0x1234567n;
    const msg = be32(N + 5n);
    const sig = secp.sign(msg, be32(k), { prehash: false });
    expect(verifyEcdsa(sig, msg, noblePub(k), false)).toBe(true);
    expect(verifyEcdsa(sig, be32(5n), noblePub(k), false)).toBe(nobleVerify(sig, be32(5n), noblePub(k), false));
  });

  it('refuses wrong lengths instead of throwing', () => {
    const sig = secp.sign(new Uint8Array(32), be32(7n), { prehash: false });
    expect(verifyEcdsa(sig.subarray(0, 63), new Uint8Array(32), noblePub(7n), false)).toBe(false);
    expect(verifyEcdsa(sig, new Uint8Array(31), noblePub(7n), false)).toBe(false);
    expect(verifyDigest(sig.subarray(0, 63), new Uint8Array(32), noblePub(7n))).toBe(false);
  });
});

describe('hot keys (a channel\'s funding key, revocation basepoint) use a precomputed table: same results', () => {
  it('repeated verification against one key, valid / high-S / tampered, equals noble every time', () => {
    const k = 0xfeedbeefn;
    const pub = noblePub(k);
    fc.assert(
      fc.property(digest, fc.nat({ max: 63 }), (msg, at) => {
        const sig = secp.sign(msg, be32(k), { prehash: false });
        expect(verifyEcdsa(sig, msg, pub, false)).toBe(true);
        const bad = sig.slice();
        bad[at] = (bad[at] as number) ^ 1;
        expect(verifyEcdsa(bad, msg, pub, false)).toBe(nobleVerify(bad, msg, pub, false));
        expect(verifyEcdsa(sig, msg, noblePub(k + 1n), false)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('repeated a·R + b·P and k·R with one R equal noble, for random and edge scalars', () => {
    const R = noblePub(0xabcdefn);
    const nR = secp.Point.fromBytes(R);
    fc.assert(
      fc.property(scalar, scalar, scalar, (a, b, p) => {
        const P = noblePub(p);
        sameAsNoble(() => publicPointMultiplyAdd(R, be32(a), P, be32(b)), () => nR.multiply(a).add(secp.Point.fromBytes(P).multiply(b)));
        expect(hex(publicPointMultiply(R, be32(a)))).toBe(hex(nR.multiply(a).toBytes(true)));
      }),
      { numRuns: 60 },
    );
    for (const a of EDGE_SCALARS) expect(hex(publicPointMultiply(R, be32(a))), `k = ${a}`).toBe(hex(nR.multiply(a).toBytes(true)));
    expect(() => publicPointMultiplyAdd(R, be32(1n), noblePub(N - 0xabcdefn), be32(1n))).toThrow(RangeError);
  });
});

describe('keys derived as basepoint + t·G (BOLT 3 htlc pubkeys) verify through their split: same results', () => {
  it('valid, high-S, tampered and wrong-key signatures against derived keys equal noble', () => {
    const baseSecret = 0x5eed5n;
    const base = noblePub(baseSecret);
    fc.assert(
      fc.property(scalar, digest, fc.nat({ max: 63 }), (t, msg, at) => {
        const viaTable = computePoints([{ kind: 'add-tweak', point: base, tweak: be32(t) }])[0]!;
        const single = publicPointAddTweak(base, be32(t));
        const secret = (baseSecret + t) % N;
        if (secret === 0n) {
          expect(() => publicPointAddTweak(base, be32(t))).toThrow(RangeError);
          return;
        }
        const pub = noblePub(secret);
        expect(hex(viaTable)).toBe(hex(pub));
        expect(hex(single)).toBe(hex(pub));
        const sig = secp.sign(msg, be32(secret), { prehash: false });
        expect(verifyEcdsa(sig, msg, pub, false)).toBe(true);
        const high = sig.slice();
        high.set(be32(N - BigInt('0x' + hex(sig.subarray(32)))), 32);
        expect(verifyEcdsa(high, msg, pub, false)).toBe(nobleVerify(high, msg, pub, false));
        expect(verifyEcdsa(high, msg, pub, true)).toBe(false);
        const bad = sig.slice();
        bad[at] = (bad[at] as number) ^ 0x40;
        expect(verifyEcdsa(bad, msg, pub, false)).toBe(nobleVerify(bad, msg, pub, false));
        const other = secp.sign(msg, be32(secret === 1n ? 2n : secret - 1n), { prehash: false });
        expect(verifyEcdsa(other, msg, pub, false)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

describe('ECDSA public-key recovery (SEC 1 4.1.6) equals noble', () => {
  it('recovers the signer for every recovery id like noble, and refuses what noble refuses', () => {
    fc.assert(
      fc.property(scalar, digest, (k, msg) => {
        const rec = secp.sign(msg, be32(k), { prehash: false, format: 'recovered' });
        const sig = rec.subarray(1);
        expect(recoverEcdsa(sig, rec[0] as number, msg) && hex(recoverEcdsa(sig, rec[0] as number, msg)!)).toBe(hex(noblePub(k)));
        for (let id = 0; id < 4; id++) {
          const ours = recoverEcdsa(sig, id, msg);
          expect(ours === undefined ? undefined : hex(ours)).toBe(nobleRecover(sig, id, msg));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('random signature bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat({ max: 3 }), digest, (sig, id, msg) => {
        const ours = recoverEcdsa(sig, id, msg);
        expect(ours === undefined ? undefined : hex(ours)).toBe(nobleRecover(sig, id, msg));
      }),
      { numRuns: 40 },
    );
  });
});

describe('fixed-base and public point operations equal noble', () => {
  it('secret·G (publicKeyOf, per-commitment points) equals getPublicKey', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        expect(hex(basePointMultiply(be32(k)))).toBe(hex(noblePub(k)));
        expect(hex(publicKeyOf(be32(k)))).toBe(hex(noblePub(k)));
      }),
      { numRuns: 60 },
    );
    for (const k of EDGE_SCALARS) expect(hex(basePointMultiply(be32(k))), `k = ${k}`).toBe(hex(noblePub(k)));
  });

  it('ECDH (BOLT 8) equals sha256 of noble multiply', () => {
    fc.assert(
      fc.property(scalar, scalar, (k, q) => {
        const pub = noblePub(q);
        const expected = hex(sha256(secp.Point.fromBytes(pub).multiply(k).toBytes(true)));
        expect(hex(sharedSecret(be32(k), pub))).toBe(expected);
        expect(hex(ecdh(be32(k), pub))).toBe(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('P + t·G, a·P + b·Q, k·P and A + B (BOLT 3 key derivation)', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, scalar, (p, q, a, b) => {
        const P = noblePub(p);
        const Q = noblePub(q);
        const nP = secp.Point.fromBytes(P);
        const nQ = secp.Point.fromBytes(Q);
        sameAsNoble(() => publicPointAddTweak(P, be32(a)), () => nP.add(G.multiply(a)));
        sameAsNoble(() => publicPointMultiplyAdd(P, be32(a), Q, be32(b)), () => nP.multiply(a).add(nQ.multiply(b)));
        sameAsNoble(() => publicPointMultiply(P, be32(a)), () => nP.multiply(a));
        sameAsNoble(() => publicPointAdd(P, Q), () => (p === q ? nP.double() : nP.add(nQ)));
      }),
      { numRuns: 40 },
    );
  });

  it('a·P + c·G (secret c) equals noble; BOLT 3 keys of our own commitment from its secret equal those from its point', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, scalar, scalar, scalar, (p, a, c, s, r, h) => {
        const P = noblePub(p);
        sameAsNoble(() => pointMultiplyAddBase(P, be32(a), be32(c)), () => secp.Point.fromBytes(P).multiply(a).add(G.multiply(c)));
        const local = { delayedPaymentBasepoint: noblePub(h === 1n ? 2n : h - 1n), htlcBasepoint: noblePub(h) };
        const remote = { revocationBasepoint: noblePub(r), htlcBasepoint: noblePub(p), paymentBasepoint: noblePub(a) };
        expect(deriveLocalCommitmentKeys(be32(s), local, remote)).toEqual(deriveCommitmentKeys(noblePub(s), local, remote));
      }),
      { numRuns: 30 },
    );
  });

  it('P + P doubles; sums at infinity are refused with a RangeError', () => {
    const P = noblePub(42n);
    expect(hex(publicPointAdd(P, P))).toBe(hex(noblePub(84n)));
    expect(() => publicPointAdd(P, noblePub(N - 42n))).toThrow(RangeError);
    expect(() => pointAddTweak(noblePub(N - 5n), be32(5n))).toThrow(RangeError);
    expect(() => publicPointMultiplyAdd(P, be32(1n), noblePub(N - 42n), be32(1n))).toThrow(RangeError);
    expect(hex(publicPointAddTweak(noblePub(5n), be32(5n)))).toBe(hex(noblePub(10n)));
  });

  it('decompression accepts exactly the keys noble accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), fc.constantFrom(2, 3, 4, 0), (bytes, prefix) => {
        const b = bytes.slice();
        b[0] = prefix;
        let nobleOk: boolean;
        try {
          secp.Point.fromBytes(b);
          nobleOk = true;
        } catch {
          nobleOk = false;
        }
        expect(decompressPoint(b) !== undefined).toBe(nobleOk && (prefix === 2 || prefix === 3));
        expect(isValidPublicKey(b)).toBe(decompressPoint(b) !== undefined);
      }),
      { numRuns: 100 },
    );
  });
});
