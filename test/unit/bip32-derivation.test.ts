/**
 * BIP 32 (engine/keys/bip32.ts): Test Vectors 1–4 derived through engine/keys (`deriveFrom` over
 * child numbers, private and public derivation, parse/serialize round trips), Test Vector 5's
 * invalid keys each rejected for the reason the BIP gives, and a differential property test
 * against @scure/bip32 (a dev dependency used only here as the reference).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import vectors from '../vectors/bip32.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { bip32Versions, bip84Versions, deriveFrom } from '../../engine/keys/account.ts';
import { BITCOIN_VERSIONS, HDNode } from '../../engine/keys/bip32.ts';
import { formatPath, HARDENED } from '../../engine/keys/derivation.ts';

/** "m/0'/1" → [0x80000000, 1]. */
function parsePath(path: string): number[] {
  return path === 'm' ? [] : path.slice(2).split('/').map((p) => (p.endsWith("'") ? Number(p.slice(0, -1)) + HARDENED : Number(p)));
}

describe('BIP 32 test vectors 1–4', () => {
  for (const v of vectors.vectors) {
    describe(v.name, () => {
      const master = HDNode.fromMasterSeed(hexToBytes(v.seed));
      for (const c of v.chains) {
        it(`${c.path}: private derivation, public derivation and parsing give the listed keys`, () => {
          const indexes = parsePath(c.path);
          expect(formatPath(indexes)).toBe(c.path);
          const k = deriveFrom(master, indexes);
          expect(k.privateExtendedKey).toBe(c.xprv);
          expect(k.publicExtendedKey).toBe(c.xpub);
          expect(k.publicNode().publicExtendedKey).toBe(c.xpub);
          // Public derivation (CKDpub) of the non-hardened tail agrees with private derivation.
          const lastHardened = indexes.map((i) => i >= HARDENED).lastIndexOf(true);
          const base = deriveFrom(master, indexes.slice(0, lastHardened + 1));
          const pub = deriveFrom(HDNode.fromExtendedKey(base.publicExtendedKey), indexes.slice(lastHardened + 1));
          expect(pub.privateKey).toBeUndefined();
          expect(pub.publicExtendedKey).toBe(c.xpub);
          // Parsing and re-serializing is the identity; the parsed private key derives the same children.
          const parsed = HDNode.fromExtendedKey(c.xprv);
          expect(parsed.privateExtendedKey).toBe(c.xprv);
          expect(HDNode.fromExtendedKey(c.xpub).publicExtendedKey).toBe(c.xpub);
          expect(parsed.deriveChild(7).privateExtendedKey).toBe(k.deriveChild(7).privateExtendedKey);
          expect(parsed.depth).toBe(indexes.length);
          expect(parsed.index).toBe(indexes.at(-1) ?? 0);
        });
      }
    });
  }

  it("vector 1's fingerprints: m is 3442193e, m/0' has parent fingerprint 3442193e", () => {
    const master = HDNode.fromMasterSeed(hexToBytes(vectors.vectors[0]!.seed));
    expect(master.fingerprint).toBe(0x3442193e);
    expect(bytesToHex(master.identifier)).toBe('3442193e1bb70916e914552172cd4e2dbc9df811');
    expect(master.deriveChild(HARDENED).parentFingerprint).toBe(0x3442193e);
    expect(master.parentFingerprint).toBe(0);
  });
});

/** The error each Test Vector 5 reason must produce (so a mistyped vector cannot pass as a checksum failure). */
const EXPECTED_ERROR: Readonly<Record<string, RegExp>> = {
  'pubkey version / prvkey mismatch': /public key version with a private key/,
  'prvkey version / pubkey mismatch': /private key version with a public key/,
  'invalid pubkey prefix 04': /invalid public key prefix 0x04/,
  'invalid prvkey prefix 04': /invalid private key prefix 0x04/,
  'invalid pubkey prefix 01': /invalid public key prefix 0x01/,
  'invalid prvkey prefix 01': /invalid private key prefix 0x01/,
  'zero depth with non-zero parent fingerprint': /zero depth with a non-zero parent fingerprint/,
  'zero depth with non-zero index': /zero depth with a non-zero child number/,
  'unknown extended key version': /unknown extended key version/,
  'private key 0 not in 1..n-1': /private key not in \[1, n-1\]/,
  'private key n not in 1..n-1': /private key not in \[1, n-1\]/,
  'invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007': /not a point on secp256k1/,
  'invalid checksum': /invalid checksum/,
};

describe('BIP 32 test vector 5: invalid extended keys are rejected with the reason named', () => {
  for (const { key, reason } of vectors.invalid.keys) {
    it(reason, () => {
      const expected = EXPECTED_ERROR[reason];
      expect(expected).toBeDefined();
      let error: unknown;
      try {
        HDNode.fromExtendedKey(key, BITCOIN_VERSIONS, 'xpub');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('xpub');
      expect((error as Error).message).toMatch(expected as RegExp);
      // The reference implementation rejects it too.
      expect(() => HDKey.fromExtendedKey(key)).toThrow();
    });
  }
});

describe('BIP 32 input checks', () => {
  it('refuses seeds outside 16…64 bytes, naming the seed', () => {
    expect(() => HDNode.fromMasterSeed(new Uint8Array(15))).toThrow(/seed: must be 16 to 64 bytes/);
    expect(() => HDNode.fromMasterSeed(new Uint8Array(65))).toThrow(ValidationError);
  });
  it('refuses child numbers outside u32 and hardened children of a public-only key', () => {
    const master = HDNode.fromMasterSeed(new Uint8Array(32).fill(1));
    expect(() => master.deriveChild(-1)).toThrow(/index/);
    expect(() => master.deriveChild(2 ** 32)).toThrow(/index/);
    expect(() => master.deriveChild(1.5)).toThrow(/index/);
    expect(() => master.publicNode().deriveChild(HARDENED)).toThrow(/hardened child from a public key/);
    expect(() => master.publicNode().privateExtendedKey).toThrow(/public-only/);
  });
  it('parses only the versions it is given (a tpub is not an xpub)', () => {
    const master = HDNode.fromMasterSeed(new Uint8Array(32).fill(2), bip32Versions('regtest'));
    const tpub = master.publicExtendedKey;
    expect(tpub.startsWith('tpub')).toBe(true);
    expect(() => HDNode.fromExtendedKey(tpub)).toThrow(/unknown extended key version 0x043587cf/);
    expect(HDNode.fromExtendedKey(tpub, bip32Versions('regtest')).publicExtendedKey).toBe(tpub);
  });
});

describe('BIP 32 matches @scure/bip32 (differential)', () => {
  const index = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: HARDENED, max: HARDENED + 3 }));
  const versions = fc.constantFrom(bip32Versions('bitcoin'), bip32Versions('regtest'), bip84Versions('bitcoin'), bip84Versions('testnet'));

  it('same keys, chain codes, fingerprints and serializations for random seeds and paths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.array(index, { maxLength: 5 }), versions, (seed, path, v) => {
        const ours = deriveFrom(HDNode.fromMasterSeed(seed, v), path);
        let ref = HDKey.fromMasterSeed(seed, v);
        for (const i of path) ref = ref.deriveChild(i);
        expect(bytesToHex(ours.privateKey as Uint8Array)).toBe(bytesToHex(ref.privateKey as Uint8Array));
        expect(bytesToHex(ours.publicKey)).toBe(bytesToHex(ref.publicKey as Uint8Array));
        expect(bytesToHex(ours.chainCode)).toBe(bytesToHex(ref.chainCode as Uint8Array));
        expect(ours.fingerprint).toBe(ref.fingerprint);
        expect(ours.parentFingerprint).toBe(ref.parentFingerprint);
        expect(ours.privateExtendedKey).toBe(ref.privateExtendedKey);
        expect(ours.publicExtendedKey).toBe(ref.publicExtendedKey);
      }),
      { numRuns: 60 },
    );
  });

  it('public derivation from a parsed xpub matches for random normal paths', () => {
    const normal = fc.integer({ min: 0, max: HARDENED - 1 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(normal, { minLength: 1, maxLength: 3 }), (seed, path) => {
        const xpub = HDNode.fromMasterSeed(seed).deriveChild(HARDENED).publicExtendedKey;
        const ours = deriveFrom(HDNode.fromExtendedKey(xpub), path);
        let ref = HDKey.fromExtendedKey(xpub);
        for (const i of path) ref = ref.deriveChild(i);
        expect(ours.publicExtendedKey).toBe(ref.publicExtendedKey);
      }),
      { numRuns: 40 },
    );
  });
});
