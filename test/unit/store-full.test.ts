// Full storage (issue 7 item 3: QuotaExceeded), end to end below the UI:
//   - IdbKVStore on fake-indexeddb whose transaction aborts with QuotaExceededError (as a browser
//     reports a write it has no room for, W3C IndexedDB "commit a transaction"), or whose request
//     throws it: the write rejects with StorageFullError ("storage full: free space, nothing was
//     lost") and nothing of the batch is in the database;
//   - the persistence barrier does not retry it, freezes the scope with those words, and runs none
//     of the batch's sends;
//   - watchStorageFull tells its owner once when it happens and once when writes work again;
//   - a payment whose record cannot be saved sends no HTLC and ends failed with the reason, and the
//     store holds nothing half-written.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { IdbKVStore, RECORDS_STORE, walletDbName } from '../../workers/adapters/idb-store.ts';
import { MemoryKVStore, PersistenceBarrier, StorageFullError, isStorageFull, watchStorageFull, type BarrierAction, type KVBatch, type KVStore } from '../../engine/index.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { PaymentManager } from '../../engine/node/payments/manager.ts';
import { OUTGOING_PAYMENT_PREFIX } from '../../engine/node/payments/records.ts';
import { HtlcLink, ManualClock } from '../harness/htlc-link.ts';
import { entropyOf } from '../harness/manager-fakes.ts';

interface Patchable {
  prototype: Record<string, unknown>;
}
const g = globalThis as unknown as { IDBObjectStore: Patchable; IDBDatabase: Patchable };

let n = 0;
const dbName = () => walletDbName(`full-${process.pid}-${++n}`);
const restore: Array<() => void> = [];
afterEach(() => {
  while (restore.length) restore.pop()?.();
});

function patch(proto: Record<string, unknown>, name: string, make: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): void {
  const orig = proto[name] as (...a: unknown[]) => unknown;
  proto[name] = make(orig);
  restore.push(() => (proto[name] = orig));
}

async function rawDump(name: string): Promise<Array<[string, number[]]>> {
  const db = await openDB(name);
  try {
    const keys = (await db.getAllKeys(RECORDS_STORE)) as string[];
    const values = (await db.getAll(RECORDS_STORE)) as Uint8Array[];
    return keys.map((k, i) => [k, [...(values[i] as Uint8Array)]]);
  } finally {
    db.close();
  }
}

/** The next readwrite transaction aborts with QuotaExceededError once its requests are queued. */
function quotaOnNextWrite(): void {
  patch(g.IDBDatabase.prototype, 'transaction', (orig) =>
    function (this: unknown, ...args: unknown[]) {
      const tx = orig.apply(this, args) as { _state: string; _abort(name: string | null): void };
      if (args[1] === 'readwrite') {
        queueMicrotask(() => {
          // fake-indexeddb's internal abort-with-error: what its own request failures use, and what a
          // browser does when the commit does not fit the quota (tx.error = QuotaExceededError).
          tx._state = 'active';
          tx._abort('QuotaExceededError');
        });
      }
      return tx;
    },
  );
}

const QUOTA_WORDS = /^storage full: free space, nothing was lost/;

describe('IdbKVStore when the quota is used up', () => {
  it('a transaction aborted with QuotaExceededError rejects with StorageFullError and writes nothing', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['keep', Uint8Array.of(1)], ['del-me', Uint8Array.of(2)]] });
    quotaOnNextWrite();
    const err = await s.write({ put: [['keep', Uint8Array.of(9)], ['new', Uint8Array.of(3)]], del: ['del-me'] }).catch((e: unknown) => e);
    restore.pop()?.();
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(QUOTA_WORDS);
    expect((err as StorageFullError).detail).toMatch(/QuotaExceededError/);
    expect(await rawDump(name)).toEqual([
      ['del-me', [2]],
      ['keep', [1]],
    ]);
    // Once there is room again the same store writes.
    await s.write({ put: [['new', Uint8Array.of(3)]] });
    expect(await s.get('new')).toEqual(Uint8Array.of(3));
    await s.close();
  });

  it('a request that throws QuotaExceededError while the batch is issued is StorageFullError too, nothing written', async () => {
    const name = dbName();
    const s = await IdbKVStore.open(name);
    await s.write({ put: [['keep', Uint8Array.of(1)]] });
    patch(g.IDBObjectStore.prototype, 'put', (orig) =>
      function (this: unknown, ...args: unknown[]) {
        if (args[1] === 'big') throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
        return orig.apply(this, args);
      },
    );
    const err = await s.write({ put: [['keep', Uint8Array.of(9)], ['big', new Uint8Array(10)]] }).catch((e: unknown) => e);
    expect(isStorageFull(err)).toBe(true);
    expect(await rawDump(name)).toEqual([['keep', [1]]]);
    await s.close();
  });

  it('other aborts keep their own reason (not reported as full)', async () => {
    const s = await IdbKVStore.open(dbName());
    patch(g.IDBDatabase.prototype, 'transaction', (orig) =>
      function (this: unknown, ...args: unknown[]) {
        const tx = orig.apply(this, args) as { abort(): void };
        queueMicrotask(() => tx.abort());
        return tx;
      },
    );
    const err = await s.write({ put: [['a', Uint8Array.of(1)]] }).catch((e: unknown) => e);
    expect(isStorageFull(err)).toBe(false);
    expect((err as Error).message).toMatch(/aborted, nothing was written/);
    await s.close();
  });
});

/** A MemoryKVStore that refuses writes as full while `full` is set. */
class FullableStore implements KVStore {
  readonly mem = new MemoryKVStore();
  full = false;
  writes = 0;
  get(key: string) {
    return this.mem.get(key);
  }
  keys(prefix: string) {
    return this.mem.keys(prefix);
  }
  close() {
    return this.mem.close();
  }
  async write(batch: KVBatch): Promise<void> {
    this.writes++;
    if (this.full) throw new StorageFullError('QuotaExceededError: test quota');
    await this.mem.write(batch);
  }
}

describe('the persistence barrier on a full store', () => {
  it('does not retry, freezes the scope with the storage-full words, and sends nothing of the batch', async () => {
    const store = new FullableStore();
    const clock = new ManualClock();
    const frozen: Array<[string, string]> = [];
    const barrier = new PersistenceBarrier({ store, clock, onFrozen: (scope, reason) => frozen.push([scope, reason]) });
    const sent: string[] = [];
    const send = (what: string): BarrierAction => ({ kind: 'effect', describe: what, dependsOnPersist: true, run: () => void sent.push(what) });
    const ok = await barrier.submit('channel/a', [{ kind: 'persist', key: 'channel/a', value: Uint8Array.of(1) }, send('commitment_signed #1')]);
    expect(ok.status).toBe('done');
    store.full = true;
    const r = await barrier.submit('channel/a', [{ kind: 'persist', key: 'channel/a', value: Uint8Array.of(2) }, send('revoke_and_ack #2')]);
    expect(r.status).toBe('failed');
    expect(r.attempts).toBe(1); // no backoff: the clock never had to move
    expect(r.reason).toMatch(QUOTA_WORDS);
    expect(frozen).toEqual([['channel/a', expect.stringMatching(QUOTA_WORDS)]]);
    expect(sent).toEqual(['commitment_signed #1']);
    expect(await store.mem.get('channel/a')).toEqual(Uint8Array.of(1));
    // Later batches of the frozen scope are refused even when space is back; other scopes work.
    store.full = false;
    expect((await barrier.submit('channel/a', [send('update_fee')])).status).toBe('refused');
    expect((await barrier.submit('channel/b', [{ kind: 'persist', key: 'channel/b', value: Uint8Array.of(7) }, send('b')])).status).toBe('done');
    expect(sent).toEqual(['commitment_signed #1', 'b']);
  });
});

describe('watchStorageFull', () => {
  it('reports the first refused write, re-throws it, and reports null once a write succeeds', async () => {
    const inner = new FullableStore();
    const reports: Array<string | null> = [];
    const s = watchStorageFull(inner, (full) => reports.push(full ? full.message : null));
    await s.write({ put: [['a', Uint8Array.of(1)]] });
    expect(reports).toEqual([]);
    inner.full = true;
    await expect(s.write({ put: [['a', Uint8Array.of(2)]] })).rejects.toThrow(StorageFullError);
    await expect(s.write({ put: [['b', Uint8Array.of(2)]] })).rejects.toThrow(StorageFullError);
    expect(reports).toEqual([expect.stringMatching(QUOTA_WORDS)]); // once, not per write
    inner.full = false;
    await s.write({ put: [['b', Uint8Array.of(3)]] });
    expect(reports).toEqual([expect.stringMatching(QUOTA_WORDS), null]);
    expect(await s.get('a')).toEqual(Uint8Array.of(1));
    expect(await s.keys('')).toEqual(['a', 'b']);
  });

  it('other write errors are passed through unreported', async () => {
    const inner = new FullableStore();
    inner.write = () => Promise.reject(new Error('disk on fire'));
    const reports: unknown[] = [];
    const s = watchStorageFull(inner, (full) => reports.push(full));
    await expect(s.write({ put: [['a', Uint8Array.of(1)]] })).rejects.toThrow('disk on fire');
    expect(reports).toEqual([]);
  });
});

describe('a payment when the store is full', () => {
  it('sends no HTLC, ends failed with the storage-full reason, and leaves no record half-written', async () => {
    const link = new HtlcLink();
    const clock = new ManualClock();
    const make = async (name: string, store: KVStore) => {
      const keychain = Keychain.fromSeed(sha256(new TextEncoder().encode(name)), 'regtest');
      const nodeId = bytesToHex(keychain.nodeId());
      const pm = new PaymentManager({ channels: link.side(nodeId), store, clock, entropy: entropyOf(name), network: 'regtest', nodeSecret: keychain.nodeSecret(), nodeId });
      await pm.start();
      return { nodeId, pm };
    };
    const aliceStore = new FullableStore();
    const alice = await make('alice', aliceStore);
    const bob = await make('bob', new MemoryKVStore());
    const channelId = link.open(alice.nodeId, bob.nodeId, 1_000_000n, 0n);
    const inv = await bob.pm.createInvoice({ amountMsat: 30_000n });

    aliceStore.full = true;
    const result = await alice.pm.pay(inv.bolt11, { timeoutMs: 60_000 });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(QUOTA_WORDS);
    expect(aliceStore.writes).toBeGreaterThan(0);
    // Nothing went out and nothing was saved.
    expect(link.channel(channelId).htlcs.size).toBe(0);
    await link.settle();
    expect(link.log.filter((e) => e.event.type === 'htlc-received')).toEqual([]);
    expect(await aliceStore.mem.keys(OUTGOING_PAYMENT_PREFIX)).toEqual([]);
    expect(alice.pm.payment(inv.paymentHash)).toMatchObject({ status: 'failed', failureCode: 'storage_full' });

    // With space again the same invoice pays (the failed attempt was never saved as sent).
    aliceStore.full = false;
    const again = alice.pm.pay(inv.bolt11, { timeoutMs: 60_000 });
    await link.settle();
    expect((await again).status).toBe('succeeded');
  });
});
