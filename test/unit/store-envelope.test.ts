// The encryption envelope (engine/store/envelope.ts, DESIGN.md rule 4): scrypt-wrapped data key in
// a plaintext header, XChaCha20-Poly1305 per record with the key name as AAD. Wrong passphrases,
// tampered records, swapped records and altered headers are all refused, clearly and without
// deleting anything; no plaintext ever reaches the raw store.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import type { Entropy, KVBatch, KVStore } from '../../engine/ports.ts';
import { DEFAULT_SCRYPT, EncryptedStore, HEADER_KEY, HEADER_LEN, type ScryptParams } from '../../engine/store/envelope.ts';
import {
  CorruptRecordError,
  NoWalletError,
  StoreClosedError,
  UnsupportedVersionError,
  WalletExistsError,
  WrongPassphraseError,
} from '../../engine/store/errors.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';
import { blobOf, MNEMONIC, plaintextLeaks, plaintextLooking } from './store-helpers.ts';

const entropy: Entropy = { randomBytes: (n) => new Uint8Array(randomBytes(n)) };
const CHEAP: ScryptParams = { log2N: 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';

async function fresh(params: ScryptParams = CHEAP): Promise<{ raw: MemoryKVStore; store: EncryptedStore }> {
  const raw = new MemoryKVStore();
  const store = await EncryptedStore.create(raw, PASS, entropy, { scrypt: params });
  return { raw, store };
}

/** A raw store that records which keys were read. */
function spying(inner: KVStore): KVStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get: (k) => (reads.push(k), inner.get(k)),
    keys: (p) => inner.keys(p),
    write: (b: KVBatch) => inner.write(b),
    close: () => inner.close(),
  };
}

describe('EncryptedStore: create and open', () => {
  it('round-trips records, and open() uses the parameters recorded in the header', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['wallet/meta', Uint8Array.of(1, 2, 3)], ['channel/aa', new Uint8Array(0)]] });
    expect(await store.get('wallet/meta')).toEqual(Uint8Array.of(1, 2, 3));
    expect(await store.get('channel/aa')).toEqual(new Uint8Array(0));
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.keys('')).toEqual(['channel/aa', 'wallet/meta']); // the header is hidden
    expect(await EncryptedStore.headerParams(raw)).toEqual(CHEAP);
    await store.write({ del: ['channel/aa'] });

    const again = await EncryptedStore.open(raw, PASS, entropy);
    expect(await again.get('wallet/meta')).toEqual(Uint8Array.of(1, 2, 3));
    expect(await again.keys('channel/')).toEqual([]);
  });

  it('header layout: 126 bytes, version 1, scrypt id, N/r/p, salt; fresh random salt per wallet', async () => {
    const a = await fresh({ log2N: 11, r: 4, p: 2 });
    const b = await fresh();
    const ha = (await a.raw.get(HEADER_KEY)) as Uint8Array;
    const hb = (await b.raw.get(HEADER_KEY)) as Uint8Array;
    expect(ha.length).toBe(HEADER_LEN);
    expect([...ha.subarray(0, 6)]).toEqual([1, 1, 11, 4, 2, 1]);
    expect(bytesToHex(ha.subarray(6, 38))).not.toBe(bytesToHex(hb.subarray(6, 38)));
  });

  it('the default scrypt cost is N=2^17, r=8, p=1 (128 MiB)', () => {
    expect(DEFAULT_SCRYPT).toEqual({ log2N: 17, r: 8, p: 1 });
  });

  it('a wrong passphrase is refused clearly, reading only the header', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['wallet/seed', Uint8Array.of(9)]] });
    const spy = spying(raw);
    const err = await EncryptedStore.open(spy, 'Correct horse battery staple', entropy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongPassphraseError);
    expect((err as Error).message).toMatch(/wrong passphrase/i);
    expect(spy.reads).toEqual([HEADER_KEY]);
    expect(raw.writes).toBe(2); // header + one batch; the failed open wrote nothing
  });

  it('an empty store is "no wallet here"; creating over an existing wallet is refused', async () => {
    const raw = new MemoryKVStore();
    await expect(EncryptedStore.open(raw, PASS, entropy)).rejects.toThrow(NoWalletError);
    await expect(EncryptedStore.open(raw, PASS, entropy)).rejects.toThrow(/no wallet here/);
    expect(await EncryptedStore.exists(raw)).toBe(false);
    await EncryptedStore.create(raw, PASS, entropy, { scrypt: CHEAP });
    expect(await EncryptedStore.exists(raw)).toBe(true);
    await expect(EncryptedStore.create(raw, 'other', entropy, { scrypt: CHEAP })).rejects.toThrow(WalletExistsError);
  });

  it('the passphrase is NFKC-normalised: composed and decomposed forms open the same wallet', async () => {
    const raw = new MemoryKVStore();
    await EncryptedStore.create(raw, 'caf\u00e9 ﬁne', entropy, { scrypt: CHEAP });
    await expect(EncryptedStore.open(raw, 'cafe\u0301 fine', entropy)).resolves.toBeInstanceOf(EncryptedStore);
  });

  it('rejects an empty passphrase and out-of-range scrypt parameters, naming the field', async () => {
    const raw = new MemoryKVStore();
    await expect(EncryptedStore.create(raw, '', entropy, { scrypt: CHEAP })).rejects.toThrow(/passphrase/);
    await expect(EncryptedStore.create(raw, PASS, entropy, { scrypt: { log2N: 9, r: 8, p: 1 } })).rejects.toThrow(/scrypt.log2N/);
    await expect(EncryptedStore.create(raw, PASS, entropy, { scrypt: { log2N: 20, r: 32, p: 1 } })).rejects.toThrow(ValidationError);
    expect(raw.writes).toBe(0);
  });

  it('reports key-derivation progress', async () => {
    const seen: number[] = [];
    await EncryptedStore.create(new MemoryKVStore(), PASS, entropy, { scrypt: { log2N: 12, r: 8, p: 1 }, onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
  });
});

describe('EncryptedStore: tampering is detected, never repaired', () => {
  it('a flipped ciphertext byte → CorruptRecordError naming the key; the record stays as it was', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['channel/01', randomBytes(100)], ['channel/02', Uint8Array.of(5)]] });
    const sealed = (await raw.get('channel/01')) as Uint8Array;
    for (const at of [1, 10, 30, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at] = (bad[at] as number) ^ 0x01;
      await raw.write({ put: [['channel/01', bad]] });
      const err = await store.get('channel/01').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).key).toBe('channel/01');
      expect((err as Error).message).toContain('"channel/01"');
      expect(await raw.get('channel/01')).toEqual(bad); // not deleted or replaced
    }
    expect(await store.get('channel/02')).toEqual(Uint8Array.of(5)); // others unaffected
  });

  it('truncated records and unknown envelope versions are corrupt (newer: UnsupportedVersionError)', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['k', Uint8Array.of(1)]] });
    const sealed = (await raw.get('k')) as Uint8Array;
    await raw.write({ put: [['k', sealed.subarray(0, 20)]] });
    await expect(store.get('k')).rejects.toThrow(/shorter than/);
    await raw.write({ put: [['k', new Uint8Array(0)]] });
    await expect(store.get('k')).rejects.toThrow(CorruptRecordError);
    const newer = sealed.slice();
    newer[0] = 2;
    await raw.write({ put: [['k', newer]] });
    const err = await store.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect(err).toBeInstanceOf(CorruptRecordError);
  });

  it('records swapped (or copied) between keys fail: the key name is the AAD', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['channel/a', Uint8Array.of(1)], ['channel/b', Uint8Array.of(2)]] });
    const a = (await raw.get('channel/a')) as Uint8Array;
    const b = (await raw.get('channel/b')) as Uint8Array;
    await raw.write({ put: [['channel/a', b], ['channel/b', a], ['channel/c', a]] });
    for (const key of ['channel/a', 'channel/b', 'channel/c']) {
      await expect(store.get(key)).rejects.toThrow(CorruptRecordError);
      await expect(store.get(key)).rejects.toMatchObject({ key });
    }
  });

  it('records from another wallet (another data key) do not decrypt', async () => {
    const one = await fresh();
    const two = await fresh();
    await one.store.write({ put: [['k', Uint8Array.of(1)]] });
    await two.raw.write({ put: [['k', (await one.raw.get('k')) as Uint8Array]] });
    await expect(two.store.get('k')).rejects.toThrow(CorruptRecordError);
  });

  it('altering any header byte stops open(): checksum, parameters, salt, wrapped key', async () => {
    const { raw } = await fresh();
    const header = (await raw.get(HEADER_KEY)) as Uint8Array;
    for (let i = 0; i < header.length; i++) {
      const bad = header.slice();
      bad[i] = (bad[i] as number) ^ 0x04;
      const r = new MemoryKVStore();
      await r.write({ put: [[HEADER_KEY, bad]] });
      const err = await EncryptedStore.open(r, PASS, entropy).catch((e: unknown) => e);
      expect(err, `byte ${i}`).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).key).toBe(HEADER_KEY);
    }
    const short = new MemoryKVStore();
    await short.write({ put: [[HEADER_KEY, header.subarray(0, 100)]] });
    await expect(EncryptedStore.open(short, PASS, entropy)).rejects.toThrow(/expected 126 bytes/);
  });

  it('a header altered with its checksum recomputed: salt or wrapped key → wrong passphrase; huge N → refused before deriving', async () => {
    const { raw } = await fresh();
    const header = (await raw.get(HEADER_KEY)) as Uint8Array;
    const forge = (edit: (h: Uint8Array) => void): Uint8Array => {
      const h = header.slice();
      edit(h);
      h.set(sha256(h.subarray(0, 110)).subarray(0, 16), 110);
      return h;
    };
    for (const edit of [(h: Uint8Array) => (h[6] ^= 1), (h: Uint8Array) => (h[70] ^= 1), (h: Uint8Array) => (h[2] = 11)]) {
      const r = new MemoryKVStore();
      await r.write({ put: [[HEADER_KEY, forge(edit)]] });
      await expect(EncryptedStore.open(r, PASS, entropy)).rejects.toThrow(WrongPassphraseError);
    }
    const huge = new MemoryKVStore();
    await huge.write({ put: [[HEADER_KEY, forge((h) => (h[2] = 30))]] });
    await expect(EncryptedStore.open(huge, PASS, entropy)).rejects.toThrow(/out of bounds/);
    const newer = new MemoryKVStore();
    await newer.write({ put: [[HEADER_KEY, forge((h) => (h[0] = 2))]] });
    await expect(EncryptedStore.open(newer, PASS, entropy)).rejects.toThrow(UnsupportedVersionError);
  });
});

describe('EncryptedStore: no plaintext reaches the raw store', () => {
  it('a mnemonic and a 32-byte key appear nowhere in raw keys+values (bytes, hex, base64, utf8, words)', async () => {
    const { raw, store } = await fresh();
    const secretKey = new Uint8Array(randomBytes(32));
    await store.write({
      put: [
        ['wallet/seed', utf8Encode(MNEMONIC)],
        ['wallet/key', secretKey],
        ['wallet/hex', utf8Encode(bytesToHex(secretKey))],
      ],
    });
    const blob = blobOf(raw.rawEntries());
    expect(blob.length).toBeGreaterThan(200);
    expect(plaintextLeaks(blob, { bytes: [secretKey], strings: [MNEMONIC, PASS] })).toEqual([]);
    expect(await store.get('wallet/key')).toEqual(secretKey);
  });

  it('(control) the leak check does find secrets stored in the clear, in each form', async () => {
    const raw = new MemoryKVStore();
    const secretKey = new Uint8Array(randomBytes(32));
    await raw.write({ put: [['a', utf8Encode(MNEMONIC)], ['b', secretKey], ['c', utf8Encode(bytesToHex(secretKey))], ['d', utf8Encode(Buffer.from(secretKey).toString('base64'))]] });
    const leaks = plaintextLeaks(blobOf(raw.rawEntries()), { bytes: [secretKey], strings: [MNEMONIC] });
    for (const form of ['raw bytes', 'first 8 bytes', 'hex', 'base64', 'utf8', 'word "abandon"']) expect(leaks.join('\n')).toContain(form);
  });

  it('sealed values do not look like plaintext; (control) text, JSON and hex do', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['wallet/seed', utf8Encode(MNEMONIC)], ['wallet/json', utf8Encode(JSON.stringify({ words: MNEMONIC.split(' ') }))]] });
    for (const [key, value] of raw.rawEntries()) expect(plaintextLooking(value), key).toBeNull();
    for (let i = 0; i < 200; i++) expect(plaintextLooking(new Uint8Array(randomBytes(41 + i)))).toBeNull();
    expect(plaintextLooking(utf8Encode(MNEMONIC))).toMatch(/printable/);
    expect(plaintextLooking(utf8Encode(JSON.stringify({ a: 1, b: 'two' })))).toMatch(/printable/);
    expect(plaintextLooking(utf8Encode(bytesToHex(new Uint8Array(randomBytes(32)))))).toMatch(/printable/);
    // Text inside binary: a printable run of 24+ bytes.
    expect(plaintextLooking(Uint8Array.from([...randomBytes(64).map((b) => b | 0x80), ...utf8Encode('abandon ability able about'), ...randomBytes(64).map((b) => b | 0x80)]))).toMatch(/run of 26/);
  });

  it('the same value written twice seals differently (fresh nonce per write)', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['a', Uint8Array.of(7)]] });
    const first = await raw.get('a');
    await store.write({ put: [['a', Uint8Array.of(7)]] });
    expect(await raw.get('a')).not.toEqual(first);
  });
});

describe('EncryptedStore: writes, keys and lifecycle', () => {
  it('a failed raw write rejects and leaves nothing half-written', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['x', Uint8Array.of(1)]] });
    raw.failNextWrite(new Error('disk on fire'));
    await expect(store.write({ put: [['x', Uint8Array.of(2)], ['y', Uint8Array.of(3)]], del: ['z'] })).rejects.toThrow('disk on fire');
    expect(await store.get('x')).toEqual(Uint8Array.of(1));
    expect(await store.get('y')).toBeUndefined();
  });

  it('write resolves only when the raw store does (the persistence barrier)', async () => {
    const { raw, store } = await fresh();
    const release = raw.holdWrites();
    let done = false;
    const p = store.write({ put: [['x', Uint8Array.of(1)]] }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
  });

  it('keys under glint/ are reserved; bad keys and duplicate keys are refused, naming the field', async () => {
    const { store } = await fresh();
    await expect(store.write({ put: [[HEADER_KEY, Uint8Array.of(1)]] })).rejects.toThrow(/reserved/);
    await expect(store.write({ del: ['glint/x'] })).rejects.toThrow(/batch.del\[0\]/);
    await expect(store.get('glint/header')).rejects.toThrow(/reserved/);
    await expect(store.write({ put: [['a b', Uint8Array.of(1)]] })).rejects.toThrow(/batch.put\[0\].key/);
    await expect(store.write({ put: [['a', Uint8Array.of(1)]], del: ['a'] })).rejects.toThrow(/twice/);
    expect(await store.keys('')).toEqual([]);
  });

  it('changePassphrase: one header write; the old passphrase stops working, data stays readable', async () => {
    const { raw, store } = await fresh();
    await store.write({ put: [['wallet/seed', utf8Encode(MNEMONIC)]] });
    await expect(store.changePassphrase('nope', 'new one', { scrypt: CHEAP })).rejects.toThrow(WrongPassphraseError);
    const before = raw.writes;
    await store.changePassphrase(PASS, 'new one', { scrypt: { log2N: 11, r: 8, p: 1 } });
    expect(raw.writes).toBe(before + 1);
    expect(await store.get('wallet/seed')).toEqual(utf8Encode(MNEMONIC));
    await expect(EncryptedStore.open(raw, PASS, entropy)).rejects.toThrow(WrongPassphraseError);
    const reopened = await EncryptedStore.open(raw, 'new one', entropy);
    expect(await reopened.get('wallet/seed')).toEqual(utf8Encode(MNEMONIC));
    expect(await EncryptedStore.headerParams(raw)).toEqual({ log2N: 11, r: 8, p: 1 });
  });

  it('close() zeroes the data key and closes the raw store', async () => {
    const { raw, store } = await fresh();
    const dek = (store as unknown as { dek: Uint8Array }).dek;
    expect(dek.some((b) => b !== 0)).toBe(true);
    await store.close();
    expect(dek.every((b) => b === 0)).toBe(true);
    await expect(store.get('a')).rejects.toThrow(StoreClosedError);
    await expect(store.write({ put: [['a', Uint8Array.of(1)]] })).rejects.toThrow(StoreClosedError);
    await expect(raw.get('a')).rejects.toThrow(StoreClosedError);
    await store.close(); // idempotent
  });

  it('property: random batches round-trip through the envelope and match a model', async () => {
    const { store } = await fresh();
    const model = new Map<string, Uint8Array>();
    const key = fc.constantFrom('a', 'b', 'channel/1', 'channel/2', 'channel/10', 'wallet/meta', 'x/y/z');
    const batch = fc
      .uniqueArray(fc.tuple(key, fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined })), { selector: ([k]) => k, maxLength: 6 })
      .map((ops) => ({
        put: ops.filter(([, v]) => v !== undefined).map(([k, v]) => [k, v as Uint8Array] as const),
        del: ops.filter(([, v]) => v === undefined).map(([k]) => k),
      }));
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { maxLength: 8 }), fc.constantFrom('', 'channel/', 'wallet/', 'x/'), async (batches, prefix) => {
        for (const b of batches) {
          await store.write(b);
          for (const k of b.del) model.delete(k);
          for (const [k, v] of b.put) model.set(k, v);
        }
        for (const [k, v] of model) expect(await store.get(k)).toEqual(v);
        expect(await store.keys(prefix)).toEqual([...model.keys()].filter((k) => k.startsWith(prefix)).sort());
      }),
      { numRuns: 60 },
    );
  });
});
