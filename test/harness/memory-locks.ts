/**
 * Web Locks' exclusive mode in memory, for WalletHost tests (workers/adapters/lock.ts drives it):
 * `ifAvailable` gets null when held; otherwise queue until free or `signal` aborts.
 */
import type { LockManagerLike } from '../../workers/adapters/lock.ts';

export class MemoryLocks implements LockManagerLike {
  readonly held = new Map<string, Promise<unknown>>();
  async request(name: string, options: { mode: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown> {
    if (options.ifAvailable && this.held.has(name)) return callback(null);
    while (this.held.has(name)) {
      if (options.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const aborted = new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([this.held.get(name)!.catch(() => {}), aborted]);
    }
    const run = Promise.resolve(callback({ name }));
    this.held.set(name, run);
    try {
      return await run;
    } finally {
      this.held.delete(name);
    }
  }
}
