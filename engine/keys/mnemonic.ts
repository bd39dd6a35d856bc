/**
 * BIP 39 mnemonic sentences (English word list only): generate from injected entropy, validate
 * with an error that says what is wrong (length, which word, or checksum), and stretch into the
 * 64-byte BIP 32 seed with PBKDF2-HMAC-SHA512 (2048 rounds, salt "mnemonic" + passphrase) through
 * the environment's native PBKDF2 when it provides one (the `Pbkdf2Sha512` port).
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki
 */
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { entropyToMnemonic, mnemonicToEntropy as scureToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { ValidationError } from '../lib/errors.ts';
import type { Entropy, Pbkdf2Sha512 } from '../ports.ts';

/** BIP 39 "From mnemonic to seed": 2048 iterations, 512-bit output. */
const SEED_ITERATIONS = 2048;
const SEED_BYTES = 64;

/** Sentence lengths BIP 39 defines (128…256 bits of entropy in 32-bit steps). */
export const MNEMONIC_WORD_COUNTS: readonly number[] = Object.freeze([12, 15, 18, 21, 24]);

/** Entropy bytes for a sentence of `words` words (BIP 39: ENT = 32·words/3 bits). */
function entropyBytesFor(words: number): number {
  return (words / 3) * 4;
}

const WORD_INDEX: ReadonlyMap<string, number> = new Map(wordlist.map((w, i) => [w, i]));

/**
 * A new mnemonic from the environment's random source: 24 words (256 bits) by default, or 12
 * (128 bits). The entropy port is checked for an obviously broken answer (wrong length, or every
 * byte the same) because a seed from a dead RNG loses money silently.
 */
export function generateMnemonic(entropy: Entropy, words: 12 | 24 = 24): string {
  if (words !== 12 && words !== 24) throw new ValidationError('words', `must be 12 or 24, got ${String(words)}`);
  const n = entropyBytesFor(words);
  const bytes = entropy.randomBytes(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new ValidationError('entropy', `the random source returned ${bytes?.length ?? 'no'} bytes, expected ${n}`);
  }
  if (bytes.every((b) => b === bytes[0])) {
    throw new ValidationError('entropy', 'the random source returned the same byte repeated; refusing to make a seed from it');
  }
  return entropyToMnemonic(bytes, wordlist);
}

/** The mnemonic encoding of raw entropy (16, 20, 24, 28 or 32 bytes). Used by test vectors. */
export function mnemonicFromEntropy(bytes: Uint8Array): string {
  if (![16, 20, 24, 28, 32].includes(bytes.length)) {
    throw new ValidationError('entropy', `must be 16, 20, 24, 28 or 32 bytes, got ${bytes.length}`);
  }
  return entropyToMnemonic(bytes, wordlist);
}

/**
 * Canonical form of a typed sentence: Unicode NFKD (as BIP 39 requires before hashing), lower
 * case, words separated by single spaces, no leading or trailing whitespace.
 */
export function normalizeMnemonic(text: string): string {
  if (typeof text !== 'string') throw new ValidationError('mnemonic', 'must be a string');
  return text.normalize('NFKD').toLowerCase().trim().split(/\s+/u).filter((w) => w.length > 0).join(' ');
}

/**
 * Validate a mnemonic and return its normalized form. The error says which of three things is
 * wrong: the number of words, a word that is not in the list (named, with its position and the
 * list words sharing its first four letters, which are unique in the English list), or the
 * checksum (a word is wrong or the order is).
 */
export function validateMnemonic(text: string): string {
  const normalized = normalizeMnemonic(text);
  const words = normalized === '' ? [] : normalized.split(' ');
  if (!MNEMONIC_WORD_COUNTS.includes(words.length)) {
    throw new ValidationError('mnemonic', `expected 12, 15, 18, 21 or 24 words, got ${words.length}`);
  }
  words.forEach((word, i) => {
    if (WORD_INDEX.has(word)) return;
    const prefix = word.slice(0, 4);
    const near = wordlist.filter((w) => w.startsWith(prefix)).slice(0, 3);
    const hint = near.length > 0 ? ` (did you mean ${near.map((w) => `"${w}"`).join(' or ')}?)` : '';
    throw new ValidationError('mnemonic', `word ${i + 1} "${word}" is not in the BIP 39 English word list${hint}`);
  });
  // BIP 39: the last CS = ENT/32 bits of the sentence are the first bits of SHA256(entropy).
  try {
    scureToEntropy(normalized, wordlist);
  } catch {
    throw new ValidationError('mnemonic', 'checksum mismatch: a word is wrong or the words are out of order');
  }
  return normalized;
}

/** The entropy a valid mnemonic encodes. */
export function mnemonicToEntropy(text: string): Uint8Array {
  return scureToEntropy(validateMnemonic(text), wordlist);
}

/** PBKDF2-HMAC-SHA512 in JS (@noble/hashes), for environments without a native one. */
export const jsPbkdf2Sha512: Pbkdf2Sha512 = (password, salt, iterations, dkLen) => pbkdf2Async(sha512, password, salt, { c: iterations, dkLen });

/**
 * BIP 39 seed: PBKDF2-HMAC-SHA512(UTF-8(NFKD(mnemonic)), UTF-8("mnemonic" + NFKD(passphrase)),
 * 2048) → 64 bytes, computed by `pbkdf2` (the platform's native PBKDF2 in the app and CLI).
 * The mnemonic is validated first (BIP 39 allows seeding from any sentence; we do not, so a typo
 * can never silently produce an empty wallet); its normalized form (NFKD, lower case, single
 * spaces) is what is hashed. The passphrase is used exactly as given (after NFKD): it is not
 * trimmed or lower-cased, and the empty passphrase is the default.
 */
export async function mnemonicToSeed(text: string, passphrase = '', pbkdf2: Pbkdf2Sha512 = jsPbkdf2Sha512): Promise<Uint8Array> {
  if (typeof passphrase !== 'string') throw new ValidationError('passphrase', 'must be a string');
  const password = utf8ToBytes(validateMnemonic(text));
  const salt = utf8ToBytes(`mnemonic${passphrase.normalize('NFKD')}`);
  const seed = await pbkdf2(password, salt, SEED_ITERATIONS, SEED_BYTES);
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new Error(`BIP 39: the PBKDF2 implementation returned ${seed instanceof Uint8Array ? seed.length : 'no'} bytes, expected ${SEED_BYTES}`);
  }
  return seed;
}
