/**
 * Settings → "Erase this wallet from this device", against the fixture's real LDK node and regtest
 * chain: fund the wallet, open a channel, and open the erase form: it shows the on-chain and
 * channel balances and the channel, warns that channel funds are lost without a channel backup,
 * offers the backup's export, and will not erase without the typed word, the passphrase (a wrong
 * one is refused by the worker and nothing is deleted) and, with the open channel, the second
 * acknowledgement. Erased: onboarding, the wallet's IndexedDB database is gone, a second tab that
 * found the wallet "open in another tab" takes it over ("Use here") and finds no wallet; a reload
 * is still onboarding (not the "your wallet data is gone" recovery screen) with no records stored.
 *
 * Screenshots: test-results/erase-*.png.
 */
import { expect, test, type Page } from '@playwright/test';
import { createWallet, fixtures, getTestCoins, openChannelToLdk, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'erase e2e passphrase';
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/erase-${name}.png`, fullPage: true });

/** Every glint-* IndexedDB database of the origin with its record count (opening only those that exist). */
async function glintDatabases(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    // Structural types: this file is type-checked without the DOM lib.
    interface Req<T> { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null }
    interface Db { objectStoreNames: { contains(n: string): boolean }; transaction(s: string): { objectStore(s: string): { count(): Req<number> } }; close(): void }
    const idb = (globalThis as unknown as { indexedDB: { databases(): Promise<{ name?: string }[]>; open(n: string): Req<Db> } }).indexedDB;
    const out: Record<string, number> = {};
    for (const d of await idb.databases()) {
      const name = d.name ?? '';
      if (!name.startsWith('glint-')) continue;
      out[name] = await new Promise<number>((resolve, reject) => {
        const req = idb.open(name);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('records')) {
            db.close();
            resolve(0);
            return;
          }
          const count = db.transaction('records').objectStore('records').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(count.error);
        };
      });
    }
    return out;
  });
}

test('erase with an open channel: warnings and acknowledgement first, then onboarding, an empty IndexedDB, and no wallet in the other tab or after a reload', async ({ browser, request }) => {
  test.setTimeout(360_000);
  const fx = await fixtures(request);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);

  await createWallet(page, PASSPHRASE);
  await getTestCoins(page);
  await openChannelToLdk(page, request, fx, 50_000);
  await expect(page.getByTestId('channel').first()).toBeVisible({ timeout: 60_000 });
  expect(Object.values(await glintDatabases(page)).some((n) => n > 0)).toBe(true);

  // A second tab finds the wallet open in the first.
  const second = await context.newPage();
  const secondErrors = watchErrors(second);
  await second.goto('/');
  await expect(second.getByTestId('node-unavailable')).toHaveAttribute('data-status', 'locked', { timeout: 60_000 });

  await page.getByTestId('tab-settings').click();
  const section = page.getByTestId('settings-erase');
  await section.getByTestId('erase-start').click();
  // What is lost: the balances, the channel, the warning, the backup export right there.
  await expect(section.getByTestId('erase-onchain')).not.toHaveText('…');
  await expect(section.getByTestId('erase-onchain-warning')).toContainText('only with your recovery words');
  const warning = section.getByTestId('erase-channels-warning');
  await expect(warning).toContainText('1 channel still holds funds.');
  await expect(warning).toContainText('lost');
  await expect(warning).toContainText('channel backup');
  await expect(warning.getByTestId('erase-channels').locator('li')).toHaveCount(1);
  await expect(section.getByTestId('erase-lightning')).not.toHaveText(/^0\b/);
  const download = page.waitForEvent('download');
  await warning.getByTestId('erase-export-backup').click();
  expect((await download).suggestedFilename()).toMatch(/^glint-regtest-[0-9a-f]{8}-\d{4}-\d\d-\d\d\.glint$/);
  await expect(warning.getByTestId('erase-backup-saved')).toBeVisible();
  await shot(page, 'warnings');

  // Not without the word, the passphrase and the acknowledgement.
  const submit = section.getByTestId('erase-submit');
  await expect(submit).toBeDisabled();
  await page.fill('#erase-passphrase', 'not the passphrase');
  await expect(submit).toBeDisabled();
  await section.getByTestId('erase-confirm').fill('erase');
  await expect(submit).toBeDisabled();
  await section.getByTestId('erase-ack').check();
  await expect(submit).toBeEnabled();
  // A wrong passphrase: the worker refuses, nothing is deleted.
  await submit.click();
  await expect(section.locator('#erase-passphrase-error')).toContainText('Wrong passphrase', { timeout: 30_000 });
  await expect(page.getByTestId('wallet')).toHaveCount(0); // still on Settings
  expect(Object.values(await glintDatabases(page)).some((n) => n > 0)).toBe(true);

  await page.fill('#erase-passphrase', PASSPHRASE);
  await submit.click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none', { timeout: 60_000 });
  await expect(page.getByTestId('onboarding')).toBeVisible();
  await expect(page.getByTestId('wallet-evicted')).toHaveCount(0);
  expect(await glintDatabases(page)).toEqual({});
  await shot(page, 'onboarding');

  // The other tab takes the (now free) wallet over and finds none: nothing was resurrected.
  await second.getByRole('button', { name: 'Use here' }).click();
  await expect(second.getByTestId('wallet')).toHaveAttribute('data-state', 'none', { timeout: 60_000 });
  await expect(second.getByTestId('wallet-evicted')).toHaveCount(0);
  await second.close();

  // A reload of the first: still onboarding, and the store it opens has no record.
  await page.reload();
  await expect(page.getByTestId('node-unavailable')).toHaveCount(0);
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none', { timeout: 60_000 });
  await expect(page.getByTestId('wallet-evicted')).toHaveCount(0);
  const after = await glintDatabases(page);
  expect(Object.values(after).every((n) => n === 0)).toBe(true);

  expect(errors).toEqual([]);
  expect(secondErrors).toEqual([]);
  await context.close();
});
