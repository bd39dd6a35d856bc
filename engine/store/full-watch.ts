/**
 * A KVStore that tells its owner when the storage under it is full, and when writes go through
 * again — so the UI can say "storage full: free space, nothing was lost" the moment it happens,
 * whichever part of the node (a channel, a payment, the wallet) made the write that was refused.
 * It changes nothing else: every call goes to the wrapped store and every error is re-thrown
 * (the persistence barrier still sees the StorageFullError and drops the sends that needed it).
 */
import type { KVBatch, KVStore } from '../ports.ts';
import { isStorageFull, type StorageFullError } from './errors.ts';

/** `report(err)` on the first write refused as full; `report(null)` on the next write that succeeds. */
export function watchStorageFull(store: KVStore, report: (full: StorageFullError | null) => void): KVStore {
  let full = false;
  const tell = (v: StorageFullError | null): void => {
    try {
      report(v);
    } catch {
      /* a reporting bug must not turn a write's outcome into another error */
    }
  };
  return {
    get: (key: string) => store.get(key),
    keys: (prefix: string) => store.keys(prefix),
    async write(batch: KVBatch): Promise<void> {
      try {
        await store.write(batch);
      } catch (err) {
        if (isStorageFull(err) && !full) {
          full = true;
          tell(err);
        }
        throw err;
      }
      if (full) {
        full = false;
        tell(null);
      }
    },
    close: () => store.close(),
  };
}
