/**
 * "Use here" between tabs (DESIGN rule 5): a tab that finds a wallet's lock held asks the holder,
 * over a BroadcastChannel every tab of the origin listens on, to let go of that wallet. The holder
 * stops its node cleanly and releases the lock (wallet-host.ts `handOver`); the asker waits for the
 * lock (lock.ts) and only then opens the store. The message carries no secret: the wallet id only.
 * What arrives is validated (another tab of the origin, but still a boundary): anything else is ignored.
 *
 * The same channel tells the other tabs that a wallet was erased here (workers/erase-host.ts), so
 * none of them keeps reporting it as existing.
 */

export const TAKEOVER_CHANNEL = 'glint-takeover';
const ID = /^[a-z0-9-]{1,40}$/;

export interface TakeoverChannel {
  /** Ask whichever tab holds wallet `id` to stop its node and let go of it. */
  askRelease(id: string): void;
  /** Another tab asks this one to let go of wallet `id`. Returns an unsubscribe function. */
  onReleaseAsked(fn: (id: string) => void): () => void;
  /** Tell the other tabs that wallet `id` was erased in this one. */
  announceErased(id: string): void;
  /** Another tab erased wallet `id`. Returns an unsubscribe function. */
  onErased(fn: (id: string) => void): () => void;
  close(): void;
}

/** The wallet id of a message of `type` ('release': a request; 'erased': a notice), if `data` is one. */
function parseMessage(data: unknown, type: 'release' | 'erased'): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const o = data as Record<string, unknown>;
  if (o.type !== type || typeof o.wallet !== 'string' || !ID.test(o.wallet)) return null;
  return o.wallet;
}

/** The release request, if `data` is one. */
export function parseReleaseRequest(data: unknown): string | null {
  return parseMessage(data, 'release');
}

/** The "wallet erased" notice, if `data` is one. */
export function parseErasedNotice(data: unknown): string | null {
  return parseMessage(data, 'erased');
}

/** A TakeoverChannel over BroadcastChannel (null where there is none). */
export function broadcastTakeover(name: string = TAKEOVER_CHANNEL): TakeoverChannel | null {
  if (typeof BroadcastChannel !== 'function') return null;
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(id: string) => void>();
  const erasedListeners = new Set<(id: string) => void>();
  channel.onmessage = (ev: MessageEvent) => {
    const id = parseReleaseRequest(ev.data);
    if (id !== null) for (const fn of listeners) fn(id);
    const erased = parseErasedNotice(ev.data);
    if (erased !== null) for (const fn of erasedListeners) fn(erased);
  };
  return {
    askRelease: (id) => channel.postMessage({ type: 'release', wallet: id }),
    onReleaseAsked(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    announceErased: (id) => channel.postMessage({ type: 'erased', wallet: id }),
    onErased(fn) {
      erasedListeners.add(fn);
      return () => erasedListeners.delete(fn);
    },
    close: () => channel.close(),
  };
}
