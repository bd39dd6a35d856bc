/**
 * Chromium's own storage quota for the page's origin, cut below what the site already uses (CDP
 * Storage.overrideQuotaForOrigin), so its IndexedDB refuses commits with QuotaExceededError as on
 * a full device — and given back. Chromium applies a new quota to IndexedDB lazily, so `cutQuota`
 * resolves only once a scratch write from the page is refused.
 */
import { expect, type Page } from '@playwright/test';

/** Write 64 KiB to a scratch IndexedDB database of the page: 'ok', or the name of the error that aborted it. */
export const scratchWrite = (page: Page): Promise<string> =>
  page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        type Req = { result: unknown; error: { name: string } | null; onsuccess: (() => void) | null; onerror: (() => void) | null; onupgradeneeded: (() => void) | null };
        type Db = { createObjectStore(n: string): void; transaction(s: string, m: string): Tx; close(): void };
        type Tx = { objectStore(n: string): { put(v: unknown, k: string): void }; oncomplete: (() => void) | null; onabort: (() => void) | null; onerror: (() => void) | null; error: { name: string } | null };
        const idb = (globalThis as unknown as { indexedDB: { open(n: string, v: number): Req } }).indexedDB;
        const open = idb.open('glint-e2e-quota-probe', 1);
        open.onupgradeneeded = () => (open.result as Db).createObjectStore('s');
        open.onerror = () => resolve(open.error?.name ?? 'open failed');
        open.onsuccess = () => {
          const db = open.result as Db;
          const tx = db.transaction('s', 'readwrite');
          tx.objectStore('s').put(new Uint8Array(65_536).fill(Date.now() % 251), `k${Date.now()}`);
          tx.oncomplete = () => (db.close(), resolve('ok'));
          tx.onabort = () => (db.close(), resolve(tx.error?.name ?? 'AbortError'));
        };
      }),
  );

export async function cutQuota(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 1 });
  await expect.poll(() => scratchWrite(page), { timeout: 60_000, intervals: [500] }).toBe('QuotaExceededError');
}

/** The browser's own quota again. */
export async function restoreQuota(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
}
