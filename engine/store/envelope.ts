/**
 * The encryption envelope (DESIGN.md rule 4): an `EncryptedStore` is a KVStore over a raw KVStore
 * (IndexedDB, a file, memory) in which every value is sealed with XChaCha20-Poly1305 and only the
 * header record is plaintext. It encrypts opaque bytes and never interprets them.
 *
 * Keys. scrypt(passphrase, salt) gives a key-encryption key (KEK). The KEK wraps a random 32-byte
 * data-encryption key (DEK), and the DEK seals the records. The wrapped DEK is the header's key
 * check: its Poly1305 tag only verifies under the right KEK, so a wrong passphrase is detected from
 * the header alone, before any record is touched. Wrapping (rather than sealing records with the
 * scrypt output directly) makes `changePassphrase` one single-record atomic write: there is never a
 * moment when half the records are under the old passphrase and half under the new one.
 *
 * Header record `glint/header` (plaintext, 126 bytes, big-endian, format version 1):
 *
 *   off len
 *     0   1  header format version (1)
 *     1   1  KDF id (1 = scrypt)
 *     2   1  log2(N)
 *     3   1  r
 *     4   1  p
 *     5   1  AEAD id (1 = XChaCha20-Poly1305)
 *     6  32  salt (random)
 *    38  24  nonce for the wrapped DEK (random)
 *    62  48  XChaCha20-Poly1305(KEK, nonce, AAD = "glint/header" || bytes 0..38, DEK) (32 + 16 tag)
 *   110  16  SHA-256(bytes 0..110)[0..16], an unkeyed checksum that tells accidental damage
 *            ("corrupt header") apart from a wrong passphrase
 *
 * Every parameter and the salt are in the wrap's AAD, so altering any header byte makes `open`
 * fail (as corrupt, or as a wrong passphrase if the checksum was recomputed too); the record
 * data is never read through an altered header.
 *
 * Record value (format version 1):  0x01 || nonce (24, random) || XChaCha20-Poly1305(DEK, nonce,
 * AAD = 0x01 || utf8(key), plaintext). The key name in the AAD means a record moved or copied to
 * another key fails to decrypt there. A record that fails is reported as CorruptRecordError naming
 * its key and is never deleted or replaced here.
 *
 * Not covered: rollback of a record (or the whole store) to an older value written under the same
 * DEK, and deletion of records, are not detected; that needs a counter kept outside the store.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '../crypto/hash.ts';
import { scrypt } from '../crypto/scrypt.ts';
import { concatBytes, equalBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { Entropy, KVBatch, KVStore } from '../ports.ts';
import { checkBatch, checkKey, checkPrefix } from './batch.ts';
import {
  CorruptRecordError,
  NoWalletError,
  StoreClosedError,
  UnsupportedVersionError,
  WalletExistsError,
  WrongPassphraseError,
} from './errors.ts';
import { utf8Encode } from './utf8.ts';

/** The plaintext header record. Keys under `glint/` are reserved for the envelope. */
export const HEADER_KEY = 'glint/header';
export const RESERVED_PREFIX = 'glint/';

export const HEADER_VERSION = 1;
export const RECORD_VERSION = 1;
const KDF_SCRYPT = 1;
const AEAD_XCHACHA20POLY1305 = 1;

const SALT_LEN = 32;
const NONCE_LEN = 24;
const KEY_LEN = 32;
const TAG_LEN = 16;
const CHECKSUM_LEN = 16;
const PARAMS_END = 6 + SALT_LEN; // 38
const WRAP_END = PARAMS_END + NONCE_LEN + KEY_LEN + TAG_LEN; // 110
export const HEADER_LEN = WRAP_END + CHECKSUM_LEN; // 126
const RECORD_OVERHEAD = 1 + NONCE_LEN + TAG_LEN;

/** scrypt cost parameters (RFC 7914). Memory use is 128 · r · N bytes. */
export interface ScryptParams {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * The default: N = 2^17, r = 8, p = 1 → 128 MiB and, measured on the 2-core dev machine with
 * engine/crypto/scrypt.ts (ROMix in WebAssembly), about 0.4 s per derivation in Node 20 and
 * 0.4–0.6 s in a Chromium worker (test/e2e/store.spec.ts logs it; @noble/hashes alone took
 * 0.7–1.3 s there); 2^18 would double it. The derivation runs once per unlock, so this is
 * acceptable; each guess at the passphrase costs an attacker the same 128 MiB of memory-hard
 * work (a faster implementation here does not make guessing cheaper: attackers already use native
 * code). 128 MiB still fits comfortably in a phone's worker. Tests pass
 * cheaper parameters (e.g. log2N 10); they are recorded in the header, so `open` always uses what
 * `create` wrote.
 */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ log2N: 17, r: 8, p: 1 });

/** Bounds accepted from a header, so a damaged or hostile header cannot demand gigabytes. */
const LIMITS = { log2N: [10, 20], r: [1, 32], p: [1, 16], maxBytes: 512 * 1024 * 1024 } as const;

export interface EnvelopeOptions {
  /** scrypt parameters for `create`/`changePassphrase`; defaults to DEFAULT_SCRYPT. */
  readonly scrypt?: ScryptParams;
  /** Progress of the key derivation, 0..1 (for an "unlocking…" indicator). */
  readonly onProgress?: (fraction: number) => void;
}

function checkParams(params: ScryptParams, field: string): void {
  const { log2N, r, p } = params;
  const inRange = (v: number, [lo, hi]: readonly [number, number]) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!inRange(log2N, LIMITS.log2N)) throw new ValidationError(`${field}.log2N`, `must be an integer in ${LIMITS.log2N.join('..')}, got ${log2N}`);
  if (!inRange(r, LIMITS.r)) throw new ValidationError(`${field}.r`, `must be an integer in ${LIMITS.r.join('..')}, got ${r}`);
  if (!inRange(p, LIMITS.p)) throw new ValidationError(`${field}.p`, `must be an integer in ${LIMITS.p.join('..')}, got ${p}`);
  if (128 * r * 2 ** log2N > LIMITS.maxBytes) throw new ValidationError(field, `needs ${(128 * r * 2 ** log2N) / 2 ** 20} MiB, over the ${LIMITS.maxBytes / 2 ** 20} MiB limit`);
}

/** NFKC-normalised UTF-8 (as BIP 39 does), so the same passphrase typed on any device matches. */
function passphraseBytes(passphrase: string, field: string): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new ValidationError(field, 'must be a non-empty string');
  try {
    return utf8Encode(passphrase.normalize('NFKC'));
  } catch (err) {
    throw new ValidationError(field, (err as Error).message);
  }
}

async function deriveKek(passphrase: Uint8Array, salt: Uint8Array, params: ScryptParams, onProgress?: (f: number) => void): Promise<Uint8Array> {
  try {
    return await scrypt(passphrase, salt, { ...params, dkLen: KEY_LEN }, { yieldMs: 50, ...(onProgress ? { onProgress } : {}) });
  } finally {
    passphrase.fill(0);
  }
}

function random(entropy: Entropy, n: number): Uint8Array {
  const bytes = entropy.randomBytes(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) throw new Error(`entropy: expected ${n} random bytes`);
  return bytes;
}

const HEADER_AAD_PREFIX = utf8Encode(HEADER_KEY);

export interface Header {
  readonly params: ScryptParams;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly wrapped: Uint8Array;
  readonly aad: Uint8Array;
}

/** The header record's bytes (exported for test/fuzz, which builds valid headers to mutate). */
export function buildHeader(params: ScryptParams, salt: Uint8Array, kek: Uint8Array, dek: Uint8Array, nonce: Uint8Array): Uint8Array {
  const fixed = new Uint8Array(PARAMS_END);
  fixed.set([HEADER_VERSION, KDF_SCRYPT, params.log2N, params.r, params.p, AEAD_XCHACHA20POLY1305]);
  fixed.set(salt, 6);
  const wrapped = xchacha20poly1305(kek, nonce, concatBytes(HEADER_AAD_PREFIX, fixed)).encrypt(dek);
  const body = concatBytes(fixed, nonce, wrapped);
  return concatBytes(body, sha256(body).subarray(0, CHECKSUM_LEN));
}

/** Parse the header record; CorruptRecordError / UnsupportedVersionError on bad bytes (exported for test/fuzz). */
export function parseHeader(bytes: Uint8Array): Header {
  const corrupt = (reason: string) => new CorruptRecordError(HEADER_KEY, reason);
  if (bytes.length < 1) throw corrupt('empty');
  if (bytes[0] !== HEADER_VERSION) {
    if ((bytes[0] as number) > HEADER_VERSION) throw new UnsupportedVersionError(HEADER_KEY, bytes[0] as number, HEADER_VERSION);
    throw corrupt(`unknown header version ${bytes[0]}`);
  }
  if (bytes.length !== HEADER_LEN) throw corrupt(`expected ${HEADER_LEN} bytes, got ${bytes.length}`);
  const body = bytes.subarray(0, WRAP_END);
  if (!equalBytes(sha256(body).subarray(0, CHECKSUM_LEN), bytes.subarray(WRAP_END))) throw corrupt('checksum mismatch (the header was altered or damaged)');
  if (bytes[1] !== KDF_SCRYPT) throw corrupt(`unknown KDF id ${bytes[1]}`);
  if (bytes[5] !== AEAD_XCHACHA20POLY1305) throw corrupt(`unknown AEAD id ${bytes[5]}`);
  const params: ScryptParams = { log2N: bytes[2] as number, r: bytes[3] as number, p: bytes[4] as number };
  try {
    checkParams(params, 'scrypt');
  } catch (err) {
    throw corrupt(`scrypt parameters out of bounds: ${(err as Error).message}`);
  }
  return {
    params,
    salt: bytes.slice(6, PARAMS_END),
    nonce: bytes.slice(PARAMS_END, PARAMS_END + NONCE_LEN),
    wrapped: bytes.slice(PARAMS_END + NONCE_LEN, WRAP_END),
    aad: concatBytes(HEADER_AAD_PREFIX, bytes.subarray(0, PARAMS_END)),
  };
}

/** Unwrap the DEK, or throw WrongPassphraseError. The KEK is zeroed either way. */
function unwrap(header: Header, kek: Uint8Array): Uint8Array {
  try {
    return xchacha20poly1305(kek, header.nonce, header.aad).decrypt(header.wrapped);
  } catch {
    throw new WrongPassphraseError();
  } finally {
    kek.fill(0);
  }
}

function checkDataKey(key: string, field: string): void {
  checkKey(key, field);
  if (key.startsWith(RESERVED_PREFIX)) throw new ValidationError(field, `keys under "${RESERVED_PREFIX}" are reserved for the store itself`);
}

function recordAad(key: string): Uint8Array {
  return concatBytes(new Uint8Array([RECORD_VERSION]), utf8Encode(key));
}

/** A KVStore whose values are encrypted at rest; see the module comment for the format. */
export class EncryptedStore implements KVStore {
  private dek: Uint8Array | undefined;
  private readonly raw: KVStore;
  private readonly entropy: Entropy;

  private constructor(raw: KVStore, entropy: Entropy, dek: Uint8Array) {
    this.raw = raw;
    this.entropy = entropy;
    this.dek = dek;
  }

  /** Whether `raw` holds a wallet (a header record); use it to choose between create and open. */
  static async exists(raw: KVStore): Promise<boolean> {
    return (await raw.get(HEADER_KEY)) !== undefined;
  }

  /**
   * A new wallet in an empty store: random salt and DEK, scrypt(passphrase) wraps the DEK, the
   * header is written durably. Throws WalletExistsError if `raw` already has a header.
   */
  static async create(raw: KVStore, passphrase: string, entropy: Entropy, options: EnvelopeOptions = {}): Promise<EncryptedStore> {
    const params = options.scrypt ?? DEFAULT_SCRYPT;
    checkParams(params, 'scrypt');
    const pass = passphraseBytes(passphrase, 'passphrase');
    if (await EncryptedStore.exists(raw)) {
      pass.fill(0);
      throw new WalletExistsError();
    }
    const salt = random(entropy, SALT_LEN);
    const dek = random(entropy, KEY_LEN).slice();
    const nonce = random(entropy, NONCE_LEN);
    const kek = await deriveKek(pass, salt, params, options.onProgress);
    let header: Uint8Array;
    try {
      header = buildHeader(params, salt, kek, dek, nonce);
    } finally {
      kek.fill(0);
    }
    try {
      await raw.write({ put: [[HEADER_KEY, header]] });
    } catch (err) {
      dek.fill(0);
      throw err;
    }
    return new EncryptedStore(raw, entropy, dek);
  }

  /**
   * Unlock an existing wallet. Throws NoWalletError if there is no header, CorruptRecordError or
   * UnsupportedVersionError if the header is damaged or newer than this build, and
   * WrongPassphraseError if the passphrase does not unwrap the key. Reads nothing else.
   */
  static async open(raw: KVStore, passphrase: string, entropy: Entropy, options: Pick<EnvelopeOptions, 'onProgress'> = {}): Promise<EncryptedStore> {
    const pass = passphraseBytes(passphrase, 'passphrase');
    const bytes = await raw.get(HEADER_KEY);
    if (bytes === undefined) {
      pass.fill(0);
      throw new NoWalletError();
    }
    let header: Header;
    try {
      header = parseHeader(bytes);
    } catch (err) {
      pass.fill(0);
      throw err;
    }
    const kek = await deriveKek(pass, header.salt, header.params, options.onProgress);
    return new EncryptedStore(raw, entropy, unwrap(header, kek));
  }

  /** The scrypt parameters recorded in a store's header (undefined if there is no wallet). */
  static async headerParams(raw: KVStore): Promise<ScryptParams | undefined> {
    const bytes = await raw.get(HEADER_KEY);
    return bytes === undefined ? undefined : parseHeader(bytes).params;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const dek = this.key();
    checkDataKey(key, 'key');
    const sealed = await this.raw.get(key);
    if (sealed === undefined) return undefined;
    return openRecord(dek, key, sealed);
  }

  async keys(prefix: string): Promise<string[]> {
    this.key();
    checkPrefix(prefix);
    return (await this.raw.keys(prefix)).filter((k) => !k.startsWith(RESERVED_PREFIX));
  }

  /** Seal every put with a fresh nonce and hand the batch to the raw store as one atomic write. */
  async write(batch: KVBatch): Promise<void> {
    const dek = this.key();
    checkBatch(batch);
    (batch.put ?? []).forEach(([k], i) => checkDataKey(k, `batch.put[${i}].key`));
    (batch.del ?? []).forEach((k, i) => checkDataKey(k, `batch.del[${i}]`));
    const put = (batch.put ?? []).map(([k, v]) => [k, sealRecord(dek, k, v, random(this.entropy, NONCE_LEN))] as const);
    await this.raw.write({ put, ...(batch.del?.length ? { del: [...batch.del] } : {}) });
  }

  /**
   * Re-wrap the data key under a new passphrase (new salt, optionally new parameters). `current`
   * must unlock the header again, so an unattended unlocked session cannot change it. One atomic
   * header write: afterwards only `next` opens the wallet.
   */
  async changePassphrase(current: string, next: string, options: EnvelopeOptions = {}): Promise<void> {
    const dek = this.key();
    const params = options.scrypt ?? DEFAULT_SCRYPT;
    checkParams(params, 'scrypt');
    const cur = passphraseBytes(current, 'current');
    const nxt = passphraseBytes(next, 'next');
    const bytes = await this.raw.get(HEADER_KEY);
    if (bytes === undefined) {
      cur.fill(0);
      nxt.fill(0);
      throw new NoWalletError('the header record disappeared while the store was open');
    }
    let header: Header;
    try {
      header = parseHeader(bytes);
    } catch (err) {
      cur.fill(0);
      nxt.fill(0);
      throw err;
    }
    let check: Uint8Array;
    try {
      check = unwrap(header, await deriveKek(cur, header.salt, header.params, options.onProgress));
    } catch (err) {
      nxt.fill(0);
      throw err;
    }
    const same = equalBytes(check, dek);
    check.fill(0);
    if (!same) {
      nxt.fill(0);
      throw new CorruptRecordError(HEADER_KEY, 'the header no longer wraps the key this store was opened with');
    }
    const salt = random(this.entropy, SALT_LEN);
    const nonce = random(this.entropy, NONCE_LEN);
    const kek = await deriveKek(nxt, salt, params, options.onProgress);
    let fresh: Uint8Array;
    try {
      fresh = buildHeader(params, salt, kek, this.key(), nonce);
    } finally {
      kek.fill(0);
    }
    await this.raw.write({ put: [[HEADER_KEY, fresh]] });
  }

  /**
   * Check `passphrase` against the header without changing anything (for screens that show a
   * secret only after the passphrase is typed again). Throws WrongPassphraseError.
   */
  async verifyPassphrase(passphrase: string): Promise<void> {
    const dek = this.key();
    const pass = passphraseBytes(passphrase, 'passphrase');
    const bytes = await this.raw.get(HEADER_KEY);
    if (bytes === undefined) {
      pass.fill(0);
      throw new NoWalletError('the header record disappeared while the store was open');
    }
    const header = parseHeader(bytes);
    const check = unwrap(header, await deriveKek(pass, header.salt, header.params));
    const same = equalBytes(check, dek);
    check.fill(0);
    if (!same) throw new CorruptRecordError(HEADER_KEY, 'the header no longer wraps the key this store was opened with');
  }

  /** Zero the data key and close the raw store. Further calls throw StoreClosedError. */
  async close(): Promise<void> {
    if (!this.dek) return;
    this.dek.fill(0);
    this.dek = undefined;
    await this.raw.close();
  }

  private key(): Uint8Array {
    if (!this.dek) throw new StoreClosedError('the encrypted store');
    return this.dek;
  }
}

/** Seal one record (exported for test/fuzz). */
export function sealRecord(dek: Uint8Array, key: string, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  const ct = xchacha20poly1305(dek, nonce, recordAad(key)).encrypt(plaintext);
  return concatBytes(new Uint8Array([RECORD_VERSION]), nonce, ct);
}

/** Open one sealed record; CorruptRecordError / UnsupportedVersionError on bad bytes (exported for test/fuzz). */
export function openRecord(dek: Uint8Array, key: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 1) throw new CorruptRecordError(key, 'empty value');
  const version = sealed[0] as number;
  if (version !== RECORD_VERSION) {
    if (version > RECORD_VERSION) throw new UnsupportedVersionError(key, version, RECORD_VERSION);
    throw new CorruptRecordError(key, `unknown envelope version ${version}`);
  }
  if (sealed.length < RECORD_OVERHEAD) throw new CorruptRecordError(key, `${sealed.length} bytes is shorter than the ${RECORD_OVERHEAD}-byte envelope`);
  try {
    return xchacha20poly1305(dek, sealed.subarray(1, 1 + NONCE_LEN), recordAad(key)).decrypt(sealed.subarray(1 + NONCE_LEN));
  } catch {
    throw new CorruptRecordError(key, 'authentication failed (damaged, tampered with, or moved from another key)');
  }
}
