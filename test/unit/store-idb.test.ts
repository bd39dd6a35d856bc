// IdbKVStore (workers/adapters/idb-store.ts) on fake-indexeddb: one readwrite transaction per
// batch with durability "strict", resolving on `complete`; an aborted transaction rejects and
// writes nothing; the envelope's records are ciphertext in the raw database.
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { IdbKVStore, RECORDS_STORE, walletDbName } from '../../workers/adapters/idb-store.ts';
import { EncryptedStore } from '../../engine/store/envelope.ts';
import { StoreClosedError } from '../../engine/store/errors.ts';
import type { Entropy } from '../../engine/ports.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';
import { blobOf, MNEMONIC, plaintextLeaks } from './store-helpers.ts';

const entropy: Entropy = { randomBytes: (n) => new Uint8Array(randomBytes(n)) };

interface Patchable {
  prototype: Record<string, unknown>;
}
const g = globalThis as unknown as { IDBObjectStore: Patchable; IDBDatabase: Patchable };

let n = 0;
const dbName = () => walletDbName(`test-${process.pid}-${++n}`);
const restore: Array<() => void> = [];
afterEach(() => {
  while (restore.length) restore.pop()?.();
});

/** Replace a prototype method for this test only. */
function patch(proto: Record<string, unknown>, name: string, make: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): void {
  const orig = proto[name] as (...a: unknown[]) => unknown;
  proto[name] = make(orig);
  restore.push(() => (proto[name] = orig));
}

/** Every key and value in the database, read with raw idb (not through IdbKVStore). */
async function rawDump(name: string): Promise<Array<[string, Uint8Array]>> {
  const db = await openDB(name);
  try {
    const keys = (await db.getAllKeys(RECORDS_STORE)) as string[];
    const values = (await db.getAll(RECORDS_STORE)) as Uint8Array[];
    return keys.map((k, i) => [k, values[i] as Uint8Array]);
  } finally {
    db.close();
  }
}

describe('IdbKVStore', () => {
  it('round-trips, lists keys by prefix in order, deletes, and persists across reopen', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['channel/b', Uint8Array.of(2)], ['channel/a', Uint8Array.of(1)], ['wallet/meta', new Uint8Array(0)], ['channelx', Uint8Array.of(3)]] });
    expect(await s.get('channel/a')).toEqual(Uint8Array.of(1));
    expect(await s.get('wallet/meta')).toEqual(new Uint8Array(0));
    expect(await s.get('nope')).toBeUndefined();
    expect(await s.keys('channel/')).toEqual(['channel/a', 'channel/b']);
    expect(await s.keys('')).toEqual(['channel/a', 'channel/b', 'channelx', 'wallet/meta']);
    await s.write({ del: ['channel/a'] });
    await s.close();
    const again = await IdbKVStore.open(name);
    expect(await again.keys('')).toEqual(['channel/b', 'channelx', 'wallet/meta']);
    await again.close();
  });

  it('stores an exact copy of a view (not its whole underlying buffer)', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    await s.write({ put: [['k', big.subarray(10, 14)]] });
    big[10] = 99;
    const [[, raw]] = (await rawDump(name)) as [[string, Uint8Array]];
    expect(raw).toEqual(Uint8Array.of(10, 11, 12, 13));
    expect(raw.buffer.byteLength).toBe(4);
    await s.close();
  });

  it('each batch is ONE readwrite transaction with durability "strict"', async () => {
    const calls: unknown[][] = [];
    patch(g.IDBDatabase.prototype, 'transaction', (orig) =>
      function (this: unknown, ...args: unknown[]) {
        calls.push(args);
        return orig.apply(this, args);
      },
    );
    const s = await IdbKVStore.open(dbName());
    calls.length = 0;
    await s.write({ put: [['a', Uint8Array.of(1)], ['b', Uint8Array.of(2)]], del: ['c'] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[1]).toBe('readwrite');
    expect(calls[0]?.[2]).toEqual({ durability: 'strict' });
    await s.close();
  });

  it('a put that fails asynchronously aborts the transaction: the batch rejects and nothing is written', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['keep', Uint8Array.of(1)], ['del-me', Uint8Array.of(2)], ['dup', Uint8Array.of(3)]] });
    // `add` of an existing key fails with ConstraintError inside the transaction (a real request error).
    patch(g.IDBObjectStore.prototype, 'put', (orig) =>
      function (this: { add(v: unknown, k: unknown): unknown }, ...args: unknown[]) {
        return args[1] === 'dup' ? this.add(args[0], args[1]) : orig.apply(this, args);
      },
    );
    const err = await s.write({ put: [['keep', Uint8Array.of(9)], ['new', Uint8Array.of(4)], ['dup', Uint8Array.of(5)]], del: ['del-me'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/aborted, nothing was written: ConstraintError/);
    restore.pop()?.();
    expect(await rawDump(name)).toEqual([
      ['del-me', Uint8Array.of(2)],
      ['dup', Uint8Array.of(3)],
      ['keep', Uint8Array.of(1)],
    ]);
    // The store is still usable afterwards.
    await s.write({ put: [['new', Uint8Array.of(4)]] });
    expect(await s.get('new')).toEqual(Uint8Array.of(4));
    await s.close();
  });

  it('a request that throws while the batch is being issued aborts what was already queued', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['keep', Uint8Array.of(1)]] });
    patch(g.IDBObjectStore.prototype, 'put', (orig) =>
      function (this: unknown, ...args: unknown[]) {
        if (args[1] === 'boom') throw Object.assign(new Error('could not be cloned'), { name: 'DataCloneError' });
        return orig.apply(this, args);
      },
    );
    await expect(s.write({ put: [['keep', Uint8Array.of(9)], ['a', Uint8Array.of(2)], ['boom', Uint8Array.of(3)]], del: ['keep2'] })).rejects.toThrow(
      /aborted, nothing was written: DataCloneError/,
    );
    expect(await rawDump(name)).toEqual([['keep', Uint8Array.of(1)]]);
    await s.close();
  });

  it('an aborted transaction (e.g. quota exceeded) rejects with the reason', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    patch(g.IDBDatabase.prototype, 'transaction', (orig) =>
      function (this: unknown, ...args: unknown[]) {
        const tx = orig.apply(this, args) as { abort(): void };
        queueMicrotask(() => tx.abort());
        return tx;
      },
    );
    await expect(s.write({ put: [['a', Uint8Array.of(1)], ['b', Uint8Array.of(2)]] })).rejects.toThrow(/aborted, nothing was written/);
    restore.pop()?.();
    expect(await rawDump(name)).toEqual([]);
    await s.close();
  });

  it('invalid batches are refused before a transaction is opened', async () => {
    const s = await IdbKVStore.open(dbName());
    await expect(s.write({ put: [['a', Uint8Array.of(1)]], del: ['a'] })).rejects.toThrow(/twice/);
    await expect(s.get('')).rejects.toThrow(/length/);
    await s.close();
  });

  it('closing (or another connection deleting the database) makes further calls fail clearly', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['a', Uint8Array.of(1)]] });
    await new Promise<void>((resolve, reject) => {
      const req = (globalThis as unknown as { indexedDB: { deleteDatabase(n: string): { onsuccess: () => void; onerror: () => void } } }).indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(new Error('delete failed'));
    });
    const err = await s.get('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreClosedError);
    expect((err as Error).message).toMatch(/upgraded or deleted by another connection/);
    const t = await IdbKVStore.open(dbName());
    await t.close();
    await expect(t.keys('')).rejects.toThrow(StoreClosedError);
  });

  it('through EncryptedStore: a mnemonic and a 32-byte key are not in the raw IndexedDB values', async () => {
    const name = dbName();
    const store = await EncryptedStore.create(await IdbKVStore.open(name), 'pass phrase', entropy, { scrypt: { log2N: 10, r: 8, p: 1 } });
    const key = new Uint8Array(randomBytes(32));
    await store.write({ put: [['wallet/seed', utf8Encode(MNEMONIC)], ['wallet/key', key]] });
    await store.close();
    const dump = await rawDump(name);
    expect(dump.map(([k]) => k)).toEqual(['glint/header', 'wallet/key', 'wallet/seed']);
    const blob = blobOf(dump);
    expect(plaintextLeaks(blob, { bytes: [key], strings: [MNEMONIC, 'pass phrase'] })).toEqual([]);
    const reopened = await EncryptedStore.open(await IdbKVStore.open(name), 'pass phrase', entropy);
    expect(await reopened.get('wallet/key')).toEqual(key);
    await reopened.close();
  });
});
