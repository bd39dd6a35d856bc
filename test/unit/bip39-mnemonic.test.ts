/**
 * BIP 39: the reference (Trezor) English vectors through each PBKDF2 the app uses (JS fallback,
 * WebCrypto in the worker, node:crypto in the CLI), a differential test against @scure/bip39's
 * mnemonicToSeedSync, validation errors, normalization, generation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { nodePbkdf2 } from '../../cli/adapters/pbkdf2.ts';
import { webCryptoPbkdf2 } from '../../workers/adapters/pbkdf2.ts';
import vectors from '../vectors/bip39-english.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import {
  generateMnemonic,
  jsPbkdf2Sha512,
  mnemonicFromEntropy,
  mnemonicToEntropy,
  mnemonicToSeed,
  normalizeMnemonic,
  validateMnemonic,
} from '../../engine/keys/mnemonic.ts';
import { seededEntropy } from '../harness/loopback.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('BIP 39 reference vectors (English, passphrase TREZOR)', () => {
  it('has at least 8 vectors including 24-word ones', () => {
    expect(vectors.vectors.length).toBeGreaterThanOrEqual(8);
    expect(vectors.vectors.filter((v) => v.words === 24).length).toBeGreaterThanOrEqual(4);
  });
  for (const v of vectors.vectors) {
    it(`${v.words} words: ${v.mnemonic.split(' ').slice(0, 3).join(' ')} … (JS, WebCrypto and node:crypto PBKDF2)`, async () => {
      expect(mnemonicFromEntropy(hexToBytes(v.entropy))).toBe(v.mnemonic);
      expect(bytesToHex(mnemonicToEntropy(v.mnemonic))).toBe(v.entropy);
      const seed = await mnemonicToSeed(v.mnemonic, vectors.passphrase);
      expect(bytesToHex(seed)).toBe(v.seed);
      expect(bytesToHex(await mnemonicToSeed(v.mnemonic, vectors.passphrase, webCryptoPbkdf2))).toBe(v.seed);
      expect(bytesToHex(await mnemonicToSeed(v.mnemonic, vectors.passphrase, nodePbkdf2))).toBe(v.seed);
      // Independent path: PBKDF2-HMAC-SHA512 straight from @noble/hashes.
      const direct = pbkdf2(sha512, utf8(v.mnemonic.normalize('NFKD')), utf8(`mnemonic${vectors.passphrase}`), { c: 2048, dkLen: 64 });
      expect(bytesToHex(direct)).toBe(v.seed);
      expect(HDKey.fromMasterSeed(seed).privateExtendedKey).toBe(v.xprv);
    });
  }
});

describe('BIP 39 validation', () => {
  const good = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

  const error = (f: () => unknown): ValidationError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    }
    throw new Error('expected a ValidationError');
  };

  it('rejects a wrong number of words', () => {
    const e = error(() => validateMnemonic('abandon abandon abandon'));
    expect(e.field).toBe('mnemonic');
    expect(e.message).toMatch(/expected 12, 15, 18, 21 or 24 words, got 3/);
    expect(error(() => validateMnemonic('')).message).toMatch(/got 0/);
    expect(error(() => validateMnemonic(`${good} abandon`)).message).toMatch(/got 13/);
  });

  it('names an unknown word, its position and close list words', () => {
    const e = error(() => validateMnemonic(good.replace(/about$/, 'abuot')));
    expect(e.message).toMatch(/word 12 "abuot" is not in the BIP 39 English word list/);
    const e2 = error(() => validateMnemonic(good.replace(/^abandon/, 'abandn')));
    expect(e2.message).toMatch(/word 1 "abandn"/);
    expect(e2.message).toMatch(/did you mean "abandon"/);
  });

  it('tells a bad checksum apart from an unknown word', () => {
    const e = error(() => validateMnemonic(good.replace(/about$/, 'abandon')));
    expect(e.message).toMatch(/checksum mismatch/);
    expect(e.message).not.toMatch(/not in the/);
  });

  it('normalizes case, whitespace and Unicode (NFKD)', async () => {
    const messy = `  ${good.toUpperCase().split(' ').join(' \t\n ')}  `;
    expect(normalizeMnemonic(messy)).toBe(good);
    expect(validateMnemonic(messy)).toBe(good);
    expect(bytesToHex(await mnemonicToSeed(messy))).toBe(bytesToHex(await mnemonicToSeed(good)));
    // Full-width letters fold to ASCII under NFKD.
    const fullWidth = good.replace('about', 'ａｂｏｕｔ');
    expect(validateMnemonic(fullWidth)).toBe(good);
  });

  it('uses the passphrase exactly (NFKD only): case and spaces matter', async () => {
    const seed = async (p: string): Promise<string> => bytesToHex(await mnemonicToSeed(good, p, webCryptoPbkdf2));
    const a = await seed('TREZOR');
    expect(await seed('trezor')).not.toBe(a);
    expect(await seed('TREZOR ')).not.toBe(a);
    expect(await seed('')).not.toBe(a);
    // NFKD: a precomposed é and e + combining acute give the same seed.
    expect(await seed('\u00e9')).toBe(await seed('e\u0301'));
  });

  it('refuses to seed from an invalid sentence or a non-string passphrase, naming the field', async () => {
    await expect(mnemonicToSeed('hello world')).rejects.toThrow(ValidationError);
    await expect(mnemonicToSeed('hello world', '', webCryptoPbkdf2)).rejects.toThrow(/mnemonic/);
    await expect(mnemonicToSeed(good, 7 as unknown as string)).rejects.toThrow(/passphrase: must be a string/);
  });

  it('refuses a PBKDF2 adapter that returns the wrong number of bytes', async () => {
    await expect(mnemonicToSeed(good, '', async () => new Uint8Array(32))).rejects.toThrow(/returned 32 bytes, expected 64/);
  });
});

describe('BIP 39 seed matches @scure/bip39 mnemonicToSeedSync (differential)', () => {
  const entropy = fc.constantFrom(16, 20, 24, 28, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  // Passphrases with any Unicode, including characters NFKD changes (ligatures, full-width, accents).
  const passphrase = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', 'TREZOR', '\u00e9', 'e\u0301', '\ufb01', '\uff21\u3000b', '\u2163'));

  it('same 64 bytes for random mnemonics and passphrases, through WebCrypto and the JS fallback', async () => {
    await fc.assert(
      fc.asyncProperty(entropy, passphrase, async (e, p) => {
        const words = mnemonicFromEntropy(e);
        const want = bytesToHex(mnemonicToSeedSync(words, p));
        expect(bytesToHex(await mnemonicToSeed(words, p, webCryptoPbkdf2))).toBe(want);
        expect(bytesToHex(await mnemonicToSeed(words, p, jsPbkdf2Sha512))).toBe(want);
      }),
      { numRuns: 25 },
    );
  });
});

describe('BIP 39 generation from injected entropy', () => {
  it('makes 24 words from 32 bytes by default, 12 from 16', () => {
    const e24 = seededEntropy('gen-24');
    const m24 = generateMnemonic(e24);
    expect(m24.split(' ')).toHaveLength(24);
    expect(validateMnemonic(m24)).toBe(m24);
    expect(bytesToHex(mnemonicToEntropy(m24))).toBe(bytesToHex(seededEntropy('gen-24').randomBytes(32)));
    const m12 = generateMnemonic(seededEntropy('gen-12'), 12);
    expect(m12.split(' ')).toHaveLength(12);
    expect(bytesToHex(mnemonicToEntropy(m12))).toBe(bytesToHex(seededEntropy('gen-12').randomBytes(16)));
  });

  it('is deterministic in the entropy and differs between sources', () => {
    expect(generateMnemonic(seededEntropy('x'))).toBe(generateMnemonic(seededEntropy('x')));
    expect(generateMnemonic(seededEntropy('x'))).not.toBe(generateMnemonic(seededEntropy('y')));
  });

  it('rejects a broken random source', () => {
    expect(() => generateMnemonic({ randomBytes: (n) => new Uint8Array(n) })).toThrow(/same byte repeated/);
    expect(() => generateMnemonic({ randomBytes: () => new Uint8Array(8).fill(7) })).toThrow(/returned 8 bytes, expected 32/);
    expect(() => generateMnemonic(seededEntropy('z'), 15 as 12)).toThrow(ValidationError);
  });
});
