/**
 * Whether this browser keeps Glint's data (IndexedDB) when it runs short of space: the Storage
 * API's persistence. Without it the browser may evict the whole site's storage — the wallet's
 * encrypted database and its channel state — under storage pressure, and only the seed and a
 * backup bring the funds back. Asked at wallet creation (and again from Settings); the answer is
 * the browser's (Chromium grants it to installed or much-used sites, Firefox asks the user).
 */

/** The part of `navigator.storage` used here. */
interface StorageManagerLike {
  persisted(): Promise<boolean>;
  persist(): Promise<boolean>;
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

function manager(): StorageManagerLike | null {
  const s = (globalThis as { navigator?: { storage?: Partial<StorageManagerLike> } }).navigator?.storage;
  return s && typeof s.persisted === 'function' && typeof s.persist === 'function' ? (s as StorageManagerLike) : null;
}

export class Durability {
  /** null: not known yet (or the Storage API is missing: see `supported`). */
  persisted: boolean | null = $state(null);
  readonly supported: boolean;
  /** Asked at least once in this page. */
  asked = $state(false);
  busy = $state(false);
  usage: { usage: number; quota: number } | null = $state.raw(null);
  error: string | null = $state(null);

  readonly #storage: StorageManagerLike | null;

  constructor(storage: StorageManagerLike | null = manager()) {
    this.#storage = storage;
    this.supported = storage !== null;
  }

  /** Read the current state (no prompt). */
  async check(): Promise<void> {
    const s = this.#storage;
    if (!s) return;
    try {
      this.persisted = await s.persisted();
      const e = await s.estimate?.();
      if (e && typeof e.usage === 'number' && typeof e.quota === 'number') this.usage = { usage: e.usage, quota: e.quota };
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Ask the browser to keep the data (`navigator.storage.persist()`); the answer is in `persisted`. */
  async request(): Promise<void> {
    const s = this.#storage;
    if (!s || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      this.persisted = await s.persist();
      this.asked = true;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }
}

export const durability = new Durability();
