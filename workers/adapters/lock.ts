/**
 * One running instance per origin: the worker holds an exclusive Web Lock for as long as the node
 * runs. `ifAvailable` makes a second tab fail fast instead of queueing behind the first; it then
 * reports `locked` and the UI says "running in another tab". (Safe takeover — asking the holder
 * to shut down and waiting for its lock — comes with the persistent store.)
 */

export const NODE_LOCK = 'glint-node';

export type LockResult = { held: true; release(): void } | { held: false; reason: 'locked' | 'unsupported' };

export async function acquireNodeLock(name: string = NODE_LOCK): Promise<LockResult> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return { held: false, reason: 'unsupported' };
  return new Promise<LockResult>((resolve, reject) => {
    locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, (lock: Lock | null) => {
        if (!lock) {
          resolve({ held: false, reason: 'locked' });
          return undefined;
        }
        // Hold the lock until release() (or until the worker is terminated, which frees it).
        return new Promise<void>((release) => resolve({ held: true, release: () => release() }));
      })
      .catch(reject);
  });
}
