/**
 * Issue 7 item 3, storage durability in Chromium against the built PWA (fixture-server.ts: the
 * regtest chain and its faucet):
 *
 *   - the app's own wallet records in IndexedDB hold neither the recovery words nor the
 *     passphrase (at-rest secrets, read back raw from the page);
 *   - wallet creation asks the browser to keep the site's data (`navigator.storage.persist()`,
 *     counted by a wrapper that calls the real one) and Settings shows the browser's answer: a
 *     fresh headless profile says no → "Not persistent" with the warning; a profile granted
 *     durable storage (CDP Browser.grantPermissions durableStorage) → "Persistent", no warning;
 *   - storage full: the origin's quota is cut below its usage (CDP Storage.overrideQuotaForOrigin,
 *     so Chromium's own IndexedDB refuses the commit with QuotaExceededError); the next wallet
 *     write (the Receive screen's fresh address) fails and the app says "Storage full: free
 *     space, nothing was lost"; with the quota back the same screen works, the banner goes, coins
 *     arrive, and after a reload the wallet unlocks with them (nothing lost);
 *   - eviction: the wallet's IndexedDB is cleared (CDP Storage.clearDataForOrigin, what the
 *     browser's eviction does) while localStorage remembers the wallet: after a reload the app
 *     shows the recovery screen (restore, or a confirmed new start), never a silent new wallet;
 *     restoring the words brings the same node id back.
 *
 * Screenshots: test-results/durability-*.png.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';
import { cutQuota, restoreQuota } from './quota.ts';

const PASSPHRASE = 'durability e2e passphrase';
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/durability-${name}.png`, fullPage: true });

/** The page's `navigator.storage` (these specs are type-checked without the DOM lib). */
interface PageStorage {
  persist(): Promise<boolean>;
  persisted(): Promise<boolean>;
  __persistCalls?: number;
}
type PageGlobals = { navigator: { storage: PageStorage }; localStorage: { getItem(k: string): string | null } };

/** Count `navigator.storage.persist()` calls (the real one still answers). */
async function countPersistCalls(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const s = (globalThis as unknown as PageGlobals).navigator.storage;
    const real = s.persist.bind(s);
    s.__persistCalls = 0;
    s.persist = () => {
      s.__persistCalls = (s.__persistCalls ?? 0) + 1;
      return real();
    };
  });
}

const persistCalls = (page: Page): Promise<number> => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.storage.__persistCalls ?? 0);
const persisted = (page: Page): Promise<boolean> => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.storage.persisted());

/** CDP on the browser, for the page's own browser context. */
async function browserCdp(browser: Browser, page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const { targetInfo } = (await cdp.send('Target.getTargetInfo')) as { targetInfo: { browserContextId: string } };
  return { session: await browser.newBrowserCDPSession(), browserContextId: targetInfo.browserContextId, page: cdp };
}

/** Every record of an IndexedDB database of the page, the value's bytes as a latin-1 string. */
const rawRecords = (page: Page, db: string): Promise<Record<string, string>> =>
  page.evaluate(
    (name) =>
      new Promise<Record<string, string>>((resolve, reject) => {
        type Req<T> = { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null };
        type Store = { getAllKeys(): Req<string[]>; getAll(): Req<Uint8Array[]> };
        type Db = { transaction(s: string, m: string): { objectStore(n: string): Store }; close(): void };
        const open = (globalThis as unknown as { indexedDB: { open(n: string): Req<Db> } }).indexedDB.open(name);
        open.onerror = () => reject(new Error(`cannot open ${name}`));
        open.onsuccess = () => {
          const store = open.result.transaction('records', 'readonly').objectStore('records');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const values = store.getAll();
            values.onsuccess = () => {
              const out: Record<string, string> = {};
              keys.result.forEach((k, i) => (out[k] = Array.from(values.result[i] ?? [], (b) => String.fromCharCode(b)).join('')));
              open.result.close();
              resolve(out);
            };
          };
        };
      }),
    db,
  );

const origin = (page: Page): string => new URL(page.url()).origin;

test.describe.configure({ mode: 'serial' });
let context: BrowserContext;
let page: Page;
let errors: string[] = [];
let words: string[] = [];
let nodeId = '';

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  await countPersistCalls(context);
  page = await context.newPage();
  errors = watchErrors(page);
});

test.afterAll(async () => {
  await context?.close();
});

test('wallet creation asks the browser to keep the data; Settings shows "Not persistent" with the warning', async () => {
  test.setTimeout(120_000);
  words = await createWallet(page, PASSPHRASE);
  expect(words).toHaveLength(24);
  nodeId = (await page.getByTestId('own-node-id').getAttribute('data-node-id')) ?? '';
  expect(nodeId).toMatch(/^0[23][0-9a-f]{64}$/);
  expect(await persistCalls(page)).toBe(1);
  // At rest the wallet's records are ciphertext: neither the words nor the passphrase are in the
  // raw IndexedDB values the app wrote (issue 7: "no plaintext keys in storage").
  const raw = await rawRecords(page, 'glint-regtest');
  expect(Object.keys(raw)).toContain('glint/header');
  const blob = Object.values(raw).join('');
  const leaks = [words.join(' '), PASSPHRASE, ...words.filter((w) => w.length >= 5)].filter((secret) => blob.includes(secret));
  expect(leaks).toEqual([]);
  // What the browser answered (a fresh headless profile: no).
  expect(await persisted(page)).toBe(false);
  await page.getByTestId('tab-settings').click();
  const card = page.getByTestId('settings-storage');
  await expect(card).toHaveAttribute('data-persisted', 'false');
  await expect(page.getByTestId('storage-state')).toHaveText('Not persistent.');
  await expect(page.getByTestId('storage-warning')).toContainText('may delete Glint’s data');
  await expect(page.getByTestId('storage-usage')).toContainText('MB');
  // Asking again from Settings asks the browser again.
  await page.getByTestId('storage-ask').click();
  await expect.poll(() => persistCalls(page)).toBe(2);
  await expect(card).toHaveAttribute('data-persisted', 'false');
  await shot(page, 'not-persistent');
  expect(errors).toEqual([]);
});

test('where the browser grants durable storage, Settings says "Persistent" and warns of nothing', async ({ browser }) => {
  test.setTimeout(120_000);
  const granted = await browser.newContext();
  try {
    await countPersistCalls(granted);
    const p = await granted.newPage();
    const errs = watchErrors(p);
    await p.goto('/');
    const cdp = await browserCdp(browser, p);
    await cdp.session.send('Browser.grantPermissions', { origin: origin(p), browserContextId: cdp.browserContextId, permissions: ['durableStorage'] });
    await createWallet(p, PASSPHRASE);
    expect(await persistCalls(p)).toBe(1);
    expect(await persisted(p)).toBe(true);
    await p.getByTestId('tab-settings').click();
    await expect(p.getByTestId('settings-storage')).toHaveAttribute('data-persisted', 'true');
    await expect(p.getByTestId('storage-state')).toContainText('Persistent: this browser keeps Glint’s data');
    await expect(p.getByTestId('storage-warning')).toHaveCount(0);
    await expect(p.getByTestId('storage-ask')).toHaveCount(0);
    await shot(p, 'persistent');
    expect(errs).toEqual([]);
  } finally {
    await granted.close();
  }
});

test('storage full: the app says "Storage full: free space, nothing was lost"; with space back nothing is lost', async () => {
  test.setTimeout(180_000);
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('storage-full')).toHaveCount(0);
  // Chromium's own quota: below what the origin already uses, so any write that grows it fails.
  await cutQuota(page);
  try {
    // The Receive screen reserves a fresh address (a wallet write): refused, and the app says why.
    await page.getByTestId('go-receive').click();
    const banner = page.getByTestId('storage-full');
    await expect(banner).toBeVisible({ timeout: 60_000 });
    await expect(banner.getByRole('heading')).toHaveText('Storage full: free space, nothing was lost');
    await expect(page.getByTestId('storage-full-detail')).toContainText('QuotaExceededError');
    await expect(page.getByTestId('receive-screen')).toContainText(/storage full: free space, nothing was lost/i);
    await shot(page, 'storage-full');
  } finally {
    await restoreQuota(page);
  }
  // Room again: the same screen works, the banner goes with the first write that succeeds, coins arrive.
  await page.getByRole('button', { name: 'Try again' }).click({ timeout: 30_000 });
  await page.getByTestId('get-test-coins').click({ timeout: 30_000 });
  await expect(page.getByTestId('faucet-result')).toContainText('Received 100,000 test sats', { timeout: 60_000 });
  await expect(page.getByTestId('storage-full')).toHaveCount(0);
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
  // Nothing lost: after a reload the wallet unlocks with the same node and its coins.
  await page.reload();
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expect(page.getByTestId('own-node-id')).toHaveAttribute('data-node-id', nodeId);
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
  // The quota errors were logged by the worker as errors on purpose; nothing else went wrong.
  expect(errors.filter((e) => !/storage full|QuotaExceeded/i.test(e))).toEqual([]);
  errors.length = 0;
});

test('an evicted database: the recovery screen, never a silent new wallet; restoring the words brings the same node back', async ({ browser }) => {
  test.setTimeout(180_000);
  const cdp = await browserCdp(browser, page);
  expect(await page.evaluate(() => (JSON.parse((globalThis as unknown as PageGlobals).localStorage.getItem('glint.settings') ?? '{}') as { walletsSeen?: string[] }).walletsSeen)).toContain('regtest');
  // What the browser's eviction does to the site's IndexedDB (localStorage still remembers the wallet).
  await cdp.page.send('Storage.clearDataForOrigin', { origin: origin(page), storageTypes: 'indexeddb' });
  await page.reload();
  const recovery = page.getByTestId('wallet-evicted');
  await expect(recovery).toBeVisible({ timeout: 60_000 });
  await expect(recovery.getByRole('heading')).toContainText('restore from your seed and backup');
  await expect(page.getByTestId('start-create')).toHaveCount(0);
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  // Starting over needs the user to say they understand.
  await recovery.locator('summary').click();
  await expect(page.getByTestId('evicted-forget')).toBeDisabled();
  await shot(page, 'evicted');
  // A reload does not make it forget either.
  await page.reload();
  await expect(page.getByTestId('wallet-evicted')).toBeVisible({ timeout: 60_000 });
  // Restore: the words bring the same wallet (node id) back.
  await page.getByTestId('evicted-restore').click();
  await expect(page.getByTestId('onboarding')).toHaveAttribute('data-step', 'restore');
  await page.fill('#restore-words', words.join(' '));
  await page.fill('#new-passphrase', PASSPHRASE);
  await page.fill('#new-passphrase-2', PASSPHRASE);
  await page.getByTestId('restore-wallet').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expect(page.getByTestId('own-node-id')).toHaveAttribute('data-node-id', nodeId);
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
  await expect(page.getByTestId('wallet-evicted')).toHaveCount(0);
  expect(errors).toEqual([]);
});
