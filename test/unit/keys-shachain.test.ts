/** BOLT 3 Appendix D: per-commitment secret generation and compact storage. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../vectors/bolt03-per-commitment-secrets.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { DecodeError, ProtocolError, ValidationError } from '../../engine/lib/errors.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import {
  perCommitmentPoint,
  perCommitmentSecret,
  SHACHAIN_START_INDEX,
  shachainSecret,
  ShachainStore,
} from '../../engine/keys/shachain.ts';

describe('BOLT 3 Appendix D: generation tests', () => {
  for (const v of vectors.generation) {
    it(v.name, () => {
      expect(bytesToHex(shachainSecret(hexToBytes(v.seed), v.I))).toBe(v.output);
    });
  }
});

describe('BOLT 3 Appendix D: storage tests', () => {
  for (const t of vectors.storage) {
    it(t.name, () => {
      const store = new ShachainStore();
      for (const step of t.steps) {
        const insert = (): void => store.insert(hexToBytes(step.secret), step.I);
        if (step.output === 'OK') insert();
        else {
          const before = bytesToHex(store.toBytes());
          expect(insert).toThrow(ProtocolError);
          expect(bytesToHex(store.toBytes())).toBe(before); // a rejected insert changes nothing
        }
      }
    });
  }

  it('the correct sequence can derive every earlier secret', () => {
    const steps = (vectors.storage[0] as (typeof vectors.storage)[number]).steps;
    const store = new ShachainStore();
    for (const s of steps) store.insert(hexToBytes(s.secret), s.I);
    for (const s of steps) expect(bytesToHex(store.secretAt(s.I) as Uint8Array)).toBe(s.secret);
    expect(store.secretAt((steps.at(-1) as { I: number }).I - 1)).toBeUndefined();
  });
});

describe('per-commitment secrets by commitment number', () => {
  const seed = hexToBytes('0101010101010101010101010101010101010101010101010101010101010101');

  it('commitment n uses index 2^48-1-n; the point is secret·G', () => {
    expect(bytesToHex(perCommitmentSecret(seed, 0))).toBe(bytesToHex(shachainSecret(seed, SHACHAIN_START_INDEX)));
    expect(bytesToHex(perCommitmentSecret(seed, 5))).toBe(bytesToHex(shachainSecret(seed, SHACHAIN_START_INDEX - 5)));
    expect(bytesToHex(perCommitmentPoint(seed, 3))).toBe(bytesToHex(publicKeyOf(perCommitmentSecret(seed, 3))));
  });

  it('a receiver storing our secrets in order can recall all of them (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 70 }), (s, n) => {
        const store = new ShachainStore();
        for (let c = 0; c < n; c++) store.insertCommitment(perCommitmentSecret(s, c), c);
        for (let c = 0; c < n; c++) expect(bytesToHex(store.secretOfCommitment(c) as Uint8Array)).toBe(bytesToHex(perCommitmentSecret(s, c)));
        expect(store.secretOfCommitment(n)).toBeUndefined();
        // The store is compact: at most 49 slots however many secrets it holds.
        expect(store.toBytes().length).toBeLessThanOrEqual(2 + 49 * 41);
        const copy = ShachainStore.fromBytes(store.toBytes());
        expect(bytesToHex(copy.toBytes())).toBe(bytesToHex(store.toBytes()));
        copy.insertCommitment(perCommitmentSecret(s, n), n);
        expect(bytesToHex(copy.secretOfCommitment(0) as Uint8Array)).toBe(bytesToHex(perCommitmentSecret(s, 0)));
      }),
      { numRuns: 25 },
    );
  });

  it('rejects out-of-order secrets, bad sizes and indexes', () => {
    const store = new ShachainStore();
    store.insertCommitment(perCommitmentSecret(seed, 0), 0);
    expect(() => store.insertCommitment(perCommitmentSecret(seed, 2), 2)).toThrow(/expected index/);
    expect(() => store.insert(new Uint8Array(31), SHACHAIN_START_INDEX - 1)).toThrow(ValidationError);
    expect(() => shachainSecret(seed, 2 ** 48)).toThrow(ValidationError);
    expect(() => shachainSecret(seed, -1)).toThrow(ValidationError);
    expect(() => shachainSecret(new Uint8Array(16), 0)).toThrow(ValidationError);
  });

  it('fromBytes rejects malformed bytes', () => {
    expect(() => ShachainStore.fromBytes(Uint8Array.of(2, 0))).toThrow(DecodeError);
    expect(() => ShachainStore.fromBytes(Uint8Array.of(1, 1, 0))).toThrow(DecodeError);
    const store = new ShachainStore();
    store.insertCommitment(perCommitmentSecret(seed, 0), 0);
    const bytes = store.toBytes();
    const bad = bytes.slice();
    bad[2] = 3; // slot 3 cannot hold index 2^48-1 (which has no trailing zeros)
    expect(() => ShachainStore.fromBytes(bad)).toThrow(DecodeError);
    expect(() => ShachainStore.fromBytes(Uint8Array.from([...bytes, 0]))).toThrow(DecodeError);
  });
});
