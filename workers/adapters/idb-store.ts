/**
 * The KVStore port over IndexedDB (via `idb`): one database per wallet (`glint-<walletId>`), one
 * object store `records` with out-of-line string keys and Uint8Array values.
 *
 * Durability (DESIGN.md rule 3): each `write` is ONE readwrite transaction opened with
 * `{ durability: 'strict' }` and resolves only on its `complete` event (idb's `tx.done`), i.e. once
 * the browser reports the data flushed to disk. If any request fails or the transaction aborts,
 * IndexedDB rolls the whole transaction back, and `write` rejects with the reason.
 *
 * This file is type-checked twice: by workers/tsconfig.json (WebWorker lib) and by
 * tsconfig.node.json (the unit tests run it on fake-indexeddb, no DOM lib). So the two IndexedDB
 * globals it needs are read through small structural types instead of the DOM declarations.
 */
import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { checkBatch, checkKey, checkPrefix, isEmptyBatch, StorageFullError, StoreClosedError, type KVBatch, type KVStore } from '../../engine/index.ts';

export const RECORDS_STORE = 'records';
const DB_VERSION = 1;

/** The IndexedDB database name for a wallet id. */
export function walletDbName(walletId: string): string {
  return `glint-${walletId}`;
}

/** How long deleting a database may wait for another connection to let go of it. */
const DELETE_WAIT_MS = 10_000;

/**
 * Delete the database `name` with everything in it (erasing a wallet, workers/erase-host.ts).
 * Close this worker's own connection first. A connection elsewhere is asked to close by the
 * browser's `versionchange` (IdbKVStore's `blocking` handler does); one that does not within
 * `waitMs` makes this reject with that reason (the browser still deletes once it closes).
 */
export async function deleteIdbDatabase(name: string, waitMs = DELETE_WAIT_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const blockedTooLong = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`IndexedDB: deleting "${name}" waits for another connection to close (another Glint tab?); close the other tabs and try again`)), waitMs);
  });
  try {
    await Promise.race([deleteDB(name), blockedTooLong]);
  } catch (err) {
    throw err instanceof Error && err.message.startsWith('IndexedDB:') ? err : new Error(`IndexedDB: cannot delete database "${name}": ${reason(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The one static of IDBKeyRange we use, so this compiles without the DOM lib. */
interface KeyRangeStatic {
  bound(lower: string, upper: string, lowerOpen?: boolean, upperOpen?: boolean): unknown;
}

function keyRange(): KeyRangeStatic {
  const kr = (globalThis as unknown as { IDBKeyRange?: KeyRangeStatic }).IDBKeyRange;
  if (!kr) throw new Error('IndexedDB is not available in this environment (no IDBKeyRange)');
  return kr;
}

function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'name' in err && 'message' in err) {
    const { name, message } = err as { name: unknown; message: unknown };
    return message ? `${String(name)}: ${String(message)}` : String(name);
  }
  return String(err);
}

/**
 * The browser ran out of the space it gives this site: IndexedDB reports it as a
 * `QuotaExceededError` DOMException (legacy code 22), either thrown by a request or, usually, as
 * the aborted transaction's `error` when its data cannot be committed (W3C IndexedDB 3.0, "commit
 * a transaction": a failure writing to disk aborts the transaction with that error).
 */
function isQuotaExceeded(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** The error a failed write rejects with: StorageFullError for a full disk or quota, else the reason. */
function writeFailure(err: unknown): Error {
  if (isQuotaExceeded(err)) return new StorageFullError(`IndexedDB refused the write: ${reason(err)}; the transaction was rolled back`);
  return new Error(`IndexedDB write aborted, nothing was written: ${reason(err)}`);
}

export class IdbKVStore implements KVStore {
  readonly name: string;
  private db: IDBPDatabase | undefined;
  private closedReason: string | undefined;

  private constructor(name: string, db: IDBPDatabase) {
    this.name = name;
    this.db = db;
  }

  /**
   * Open (creating if needed) the database `name`. Rejects if IndexedDB is unavailable (e.g. some
   * private-browsing modes) or the open is blocked by an older connection that will not close.
   */
  static async open(name: string): Promise<IdbKVStore> {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('IdbKVStore.open: name must be a non-empty string');
    let store: IdbKVStore | undefined;
    let db: IDBPDatabase;
    try {
      db = await openDB(name, DB_VERSION, {
        upgrade(database, oldVersion) {
          if (oldVersion < 1) database.createObjectStore(RECORDS_STORE);
        },
        blocked() {
          /* an older connection is open; the open completes once it closes (blocking() below) */
        },
        blocking() {
          // A newer version (or a delete) is waiting for us: get out of the way, loudly.
          store?.shutdown('the database is being upgraded or deleted by another connection');
        },
        terminated() {
          store?.shutdown('the browser closed the database connection unexpectedly');
        },
      });
    } catch (err) {
      throw new Error(`IndexedDB: cannot open database "${name}": ${reason(err)}`);
    }
    store = new IdbKVStore(name, db);
    return store;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    const value: unknown = await this.conn().get(RECORDS_STORE, key);
    if (value === undefined) return undefined;
    if (!(value instanceof Uint8Array)) throw new Error(`IndexedDB: record "${key}" is not bytes (${Object.prototype.toString.call(value)})`);
    return value;
  }

  async keys(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const db = this.conn();
    // Keys are printable ASCII (checkKey), so prefix..prefix+U+FFFF is exactly "starts with prefix".
    // (`as never`: the range is an IDBKeyRange, a type the Node-side type check does not have.)
    const keys = prefix === '' ? await db.getAllKeys(RECORDS_STORE) : await db.getAllKeys(RECORDS_STORE, keyRange().bound(prefix, `${prefix}\uffff`) as never);
    // IndexedDB orders string keys by code unit, as Array.prototype.sort does.
    return keys.filter((k): k is string => typeof k === 'string');
  }

  /**
   * One strict-durability transaction; resolves on `complete`, rejects (nothing written) on abort:
   * with StorageFullError when the browser's quota for the site is used up (so the node can say
   * "storage full"), else with the abort's reason.
   */
  async write(batch: KVBatch): Promise<void> {
    checkBatch(batch);
    const db = this.conn();
    if (isEmptyBatch(batch)) return;
    const tx = db.transaction(RECORDS_STORE, 'readwrite', { durability: 'strict' });
    const os = tx.objectStore(RECORDS_STORE);
    const requests: Promise<unknown>[] = [];
    try {
      for (const key of batch.del ?? []) requests.push(os.delete(key));
      // An exact-length copy: a view into a larger buffer would store the whole buffer.
      for (const [key, value] of batch.put ?? []) requests.push(os.put(value.slice(), key));
    } catch (err) {
      // A request could not even be issued (e.g. DataCloneError): roll back what was queued.
      try {
        tx.abort();
      } catch {
        /* already finished */
      }
      await Promise.allSettled([...requests, tx.done]);
      throw writeFailure(err);
    }
    // Every request promise rejects when the transaction aborts; wait for all so none is unhandled.
    const results = await Promise.allSettled([...requests, tx.done]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    // The transaction's own error says why it aborted (a quota failure at commit is reported only there).
    const cause: unknown = [tx.error, ...results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined))].find(isQuotaExceeded) ?? tx.error ?? failed.reason;
    throw writeFailure(cause);
  }

  async close(): Promise<void> {
    this.shutdown('closed');
  }

  private shutdown(why: string): void {
    if (!this.db) return;
    this.closedReason = why;
    this.db.close();
    this.db = undefined;
  }

  private conn(): IDBPDatabase {
    if (this.db) return this.db;
    throw new StoreClosedError(`the IndexedDB store "${this.name}"${this.closedReason && this.closedReason !== 'closed' ? ` (${this.closedReason})` : ''}`);
  }
}
