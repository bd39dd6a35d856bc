/** BOLT 3 Appendix E: Key Derivation Test Vectors, plus the pubkey/privkey pairings they imply. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../vectors/bolt03-key-derivation.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { pointAdd, pointAddTweak, pointMultiply, pointMultiplyAdd, privateAdd, privateMultiply, publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import {
  deriveCommitmentKeys,
  derivePrivkey,
  derivePubkey,
  deriveRevocationPrivkey,
  deriveRevocationPubkey,
  isKeyPair,
} from '../../engine/channel/bolt3/keys.ts';

const i = vectors.inputs;
const baseSecret = hexToBytes(i.base_secret);
const perCommitmentSecret = hexToBytes(i.per_commitment_secret);
const basePoint = hexToBytes(i.base_point);
const perCommitmentPoint = hexToBytes(i.per_commitment_point);

function expected(field: string): string {
  const v = vectors.vectors.find((x) => x.output_field === field);
  if (!v) throw new Error(`no vector for ${field}`);
  return v.output;
}

describe('BOLT 3 Appendix E: key derivation', () => {
  it('inputs are consistent (base_point = base_secret·G, per_commitment_point = per_commitment_secret·G)', () => {
    expect(bytesToHex(publicKeyOf(baseSecret))).toBe(i.base_point);
    expect(bytesToHex(publicKeyOf(perCommitmentSecret))).toBe(i.per_commitment_point);
  });
  it('derivation of pubkey from basepoint and per_commitment_point', () => {
    expect(bytesToHex(derivePubkey(basePoint, perCommitmentPoint))).toBe(expected('localpubkey'));
  });
  it('derivation of private key from basepoint secret and per_commitment_secret', () => {
    const priv = derivePrivkey(baseSecret, perCommitmentPoint);
    expect(bytesToHex(priv)).toBe(expected('localprivkey'));
    expect(bytesToHex(publicKeyOf(priv))).toBe(expected('localpubkey'));
  });
  it('derivation of revocation pubkey from basepoint and per_commitment_point', () => {
    expect(bytesToHex(deriveRevocationPubkey(basePoint, perCommitmentPoint))).toBe(expected('revocationpubkey'));
  });
  it('derivation of revocation secret from basepoint_secret and per_commitment_secret', () => {
    const priv = deriveRevocationPrivkey(baseSecret, perCommitmentSecret);
    expect(bytesToHex(priv)).toBe(expected('revocationprivkey'));
    expect(isKeyPair(priv, hexToBytes(expected('revocationpubkey')))).toBe(true);
  });
  it('deriveCommitmentKeys applies each formula to its basepoint', () => {
    const keys = deriveCommitmentKeys(
      perCommitmentPoint,
      { delayedPaymentBasepoint: basePoint, htlcBasepoint: basePoint },
      { revocationBasepoint: basePoint, htlcBasepoint: basePoint, paymentBasepoint: basePoint },
    );
    expect(bytesToHex(keys.localDelayedPubkey)).toBe(expected('localpubkey'));
    expect(bytesToHex(keys.localHtlcPubkey)).toBe(expected('localpubkey'));
    expect(bytesToHex(keys.remoteHtlcPubkey)).toBe(expected('localpubkey'));
    expect(bytesToHex(keys.revocationPubkey)).toBe(expected('revocationpubkey'));
    expect(keys.remotePaymentPubkey).toBe(basePoint);
  });
  it('bad inputs are refused with the field named', () => {
    expect(() => derivePubkey(new Uint8Array(33), perCommitmentPoint)).toThrow(/basepoint/);
    expect(() => derivePubkey(basePoint, new Uint8Array(32))).toThrow(/perCommitmentPoint/);
    expect(() => derivePrivkey(new Uint8Array(32), perCommitmentPoint)).toThrow(/basepointSecret/);
    expect(() => deriveRevocationPrivkey(baseSecret, new Uint8Array(32).fill(0xff))).toThrow(ValidationError);
    expect(() =>
      deriveCommitmentKeys(perCommitmentPoint, { delayedPaymentBasepoint: basePoint, htlcBasepoint: basePoint }, {
        revocationBasepoint: new Uint8Array(33),
        htlcBasepoint: basePoint,
        paymentBasepoint: basePoint,
      }),
    ).toThrow(/remote\.revocationBasepoint/);
  });
});

describe('secp256k1 tweak helpers agree with each other', () => {
  const scalar = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0) && b[0] !== 0xff);
  it('a·P + b·Q (Shamir) = pointAdd(pointMultiply(P, a), pointMultiply(Q, b)); scalar ops match point ops', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, scalar, (p, q, a, b) => {
        const P = publicKeyOf(p);
        const Q = publicKeyOf(q);
        expect(bytesToHex(pointMultiplyAdd(P, a, Q, b))).toBe(bytesToHex(pointAdd(pointMultiply(P, a), pointMultiply(Q, b))));
        expect(bytesToHex(publicKeyOf(privateAdd(p, a)))).toBe(bytesToHex(pointAddTweak(P, a)));
        expect(bytesToHex(publicKeyOf(privateMultiply(p, a)))).toBe(bytesToHex(pointMultiply(P, a)));
      }),
      { numRuns: 8 },
    );
  });
  it('P + (−P) is refused rather than encoded', () => {
    const P = publicKeyOf(baseSecret);
    const negP = Uint8Array.from(P);
    negP[0] = P[0] === 2 ? 3 : 2;
    expect(() => pointAdd(P, negP)).toThrow(RangeError);
  });
});
