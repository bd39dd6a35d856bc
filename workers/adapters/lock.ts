/**
 * One running instance per wallet (DESIGN rule 5): the worker holds the exclusive Web Lock
 * `glint-wallet-<id>` (the id is the wallet's network: one wallet, one store per network) for as
 * long as it has that wallet's store open, and takes it BEFORE opening the store. Another tab
 * asks with `ifAvailable` and, finding it held, reports "open in another tab"; its "Use here"
 * asks the holder to let go (takeover.ts) and then waits for the lock with a timeout.
 *
 * A terminated worker (tab closed, crashed) frees its locks: the browser releases them.
 */

/** The Web Lock name of a wallet. */
export function walletLockName(id: string): string {
  return `glint-wallet-${id}`;
}

/** A held lock. */
export interface HeldLock {
  release(): void;
}

export interface WalletLocks {
  /**
   * Take `walletLockName(id)`: without `waitMs`, only if free now (null when another tab holds it);
   * with `waitMs`, wait up to that long for it (null when it was not freed in time).
   */
  acquire(id: string, opts?: { waitMs?: number }): Promise<HeldLock | null>;
}

/** Web Locks are missing (an old browser, a non-secure context): no guard against a second instance. */
export class LocksUnavailableError extends Error {
  constructor() {
    super('Web Locks are not available here: cannot guard against a second running instance');
    this.name = 'LocksUnavailableError';
  }
}

/**
 * The part of the Web Locks API used here (declared locally: this module is also compiled
 * without the DOM lib, for the unit tests that drive WalletHost).
 */
export interface LockManagerLike {
  request(name: string, options: { mode: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

/** `navigator.locks` of this worker (or page), or null. */
function lockManager(): LockManagerLike | null {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? null;
}

/** Web Locks behind `WalletLocks`; throws LocksUnavailableError where there are none. */
export function webWalletLocks(locks: LockManagerLike | null = lockManager()): WalletLocks {
  return {
    acquire(id, opts = {}) {
      if (!locks) return Promise.reject(new LocksUnavailableError());
      const name = walletLockName(id);
      const wait = opts.waitMs !== undefined;
      const ctl = wait ? new AbortController() : null;
      const timer = ctl ? setTimeout(() => ctl.abort(), opts.waitMs) : undefined;
      return new Promise<HeldLock | null>((resolve, reject) => {
        const options = wait ? { mode: 'exclusive' as const, signal: ctl!.signal } : { mode: 'exclusive' as const, ifAvailable: true };
        locks
          .request(name, options, (lock: unknown) => {
            clearTimeout(timer);
            if (!lock) {
              resolve(null);
              return undefined;
            }
            // Held until release() (or until the worker is terminated, which frees it).
            return new Promise<void>((release) => resolve({ release: () => release() }));
          })
          .catch((err: unknown) => {
            clearTimeout(timer);
            // The wait timed out (the signal aborted the queued request).
            if (ctl?.signal.aborted) resolve(null);
            else reject(err);
          });
      });
    },
  };
}
