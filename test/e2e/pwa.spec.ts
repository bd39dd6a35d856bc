/**
 * Glint as an installed app (issue 9 "PWA"), in Chromium against the built dist/:
 * - offline: with the service worker active, an offline reload still opens the app shell (the
 *   onboarding screen of a new profile, not a blank page) and says it is offline;
 * - share target and protocol handler: `/?text=<sentence with an invoice>` (Web Share Target, GET)
 *   opens the Send screen after unlocking, already reviewing LDK's invoice with its amount, and
 *   the query is dropped; `/?uri=bitcoin:…?amount=…` (manifest protocol_handlers) fills address and amount;
 * - install button: shown only once the browser offers installation (`beforeinstallprompt`, which
 *   headless Chromium never fires by itself, so the test dispatches one), calls the browser's
 *   prompt, and goes away on `appinstalled`;
 * - update prompt: a new worker for the same scope (registered from another script URL, standing
 *   in for a new build's sw.js) installs and waits; the toast offers "Reload", which activates the
 *   new worker and reloads. The refusal to reload
 *   under an in-flight payment is the pure decision in test/unit/pwa-update-policy.test.ts.
 * peers.spec.ts checks the manifest's icons and that a running node survives an offline reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { createWallet, FIXTURES_URL, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'pwa spec passphrase 1';

// The page's globals used inside page.evaluate (this project type-checks without the DOM lib).
interface SwRegistration {
  active: { scriptURL: string; state: string } | null;
  waiting: { scriptURL: string } | null;
  update(): Promise<void>;
}
declare const navigator: {
  serviceWorker: {
    ready: Promise<SwRegistration>;
    controller: { scriptURL: string } | null;
    getRegistration(): Promise<SwRegistration | undefined>;
    register(url: string, options: { scope: string }): Promise<SwRegistration>;
  };
};
declare const location: { search: string; hash: string };
declare function dispatchEvent(event: Event): boolean;

test.use({ viewport: { width: 390, height: 844 } });

/** Wait until the service worker controls the page and the shell is precached. */
async function swActive(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 30_000 });
}

test('offline: the precached shell opens and says it is offline (not a blank page)', async ({ page, context }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await swActive(page);
  await expect(page.getByTestId('offline-state')).toHaveCount(0);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByRole('heading', { name: 'Your on-chain wallet' })).toBeVisible();
  await expect(page.getByTestId('offline-state')).toContainText('Offline');
  await page.screenshot({ path: 'test-results/pwa-offline.png' });

  await context.setOffline(false);
  await expect(page.getByTestId('offline-state')).toHaveCount(0);
  expect(errors.filter((e) => !/glint\.config\.json|Failed to fetch|ERR_INTERNET_DISCONNECTED/i.test(e))).toEqual([]);
});

test('a shared invoice and a bitcoin: link open the Send screen with them, after unlocking', async ({ page, request }) => {
  test.setTimeout(120_000);
  await createWallet(page, PASSPHRASE);
  const res = await request.post(`${FIXTURES_URL}/ldk/invoice`, { data: { amountMsat: '12345000', description: 'shared to Glint' } });
  expect(res.ok(), await res.text()).toBe(true);
  const { bolt11 } = (await res.json()) as { bolt11: string };

  // Web Share Target: the OS opens the manifest's action with the shared text.
  await page.goto(`/?title=Invoice&text=${encodeURIComponent(`Please pay ${bolt11} thanks`)}`);
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked');
  expect(await page.evaluate(() => ({ search: location.search, hash: location.hash }))).toEqual({ search: '', hash: '#/wallet/send' });
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('ln-review-card')).toBeVisible();
  await expect(page.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '12345000');
  await expect(page.getByTestId('ln-review-description')).toContainText('shared to Glint');

  // A bitcoin: link (protocol_handlers url /?uri=%s) while unlocked: address and BIP21 amount.
  const address = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
  await page.goto(`/?uri=${encodeURIComponent(`bitcoin:${address}?amount=0.001`)}`);
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.locator('#send-to')).toHaveValue(`bitcoin:${address}?amount=0.001`);
  await expect(page.locator('#send-amount')).toHaveValue('100000');
});

test('the install button appears only when the browser offers installation and goes away once installed', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('install-app')).toHaveCount(0);
  await expect(page.getByTestId('install-ios-hint')).toHaveCount(0);

  // What Chromium dispatches when the app is installable (headless never does by itself).
  await page.evaluate(() => {
    const offer = new Event('beforeinstallprompt', { cancelable: true }) as Event & { prompt: () => Promise<void>; userChoice: Promise<{ outcome: string }> };
    (globalThis as unknown as { prompted: number }).prompted = 0;
    offer.prompt = async () => {
      (globalThis as unknown as { prompted: number }).prompted++;
    };
    offer.userChoice = Promise.resolve({ outcome: 'dismissed' });
    dispatchEvent(offer);
  });
  const button = page.getByTestId('install-app');
  await expect(button).toBeVisible();
  await expect(button).toHaveText('Install app');
  const box = await button.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  await button.click();
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as { prompted: number }).prompted)).toBe(1);
  // One prompt per offer: the button is gone until the browser offers again.
  await expect(button).toHaveCount(0);

  await page.evaluate(() => dispatchEvent(new Event('beforeinstallprompt', { cancelable: true })));
  await expect(button).toBeVisible();
  await page.evaluate(() => dispatchEvent(new Event('appinstalled')));
  await expect(button).toHaveCount(0);
});

test('a new version waits; the update toast offers it and Reload activates it', async ({ page, baseURL }) => {
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await swActive(page);
  await expect(page.getByTestId('pwa-update')).toHaveCount(0);
  // A page the first worker controls (the one that registered it is not: clientsClaim is off);
  // with no controlled page a new worker would not wait at all.
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toBe(`${baseURL}/sw.js`);

  // A new version arrives: a worker registered for the same scope from another script URL installs
  // and waits (skipWaiting is off), just as a new build's sw.js would. (Playwright's routing does
  // not see the browser's own fetch of a service worker script, so changed bytes cannot be served.)
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js?next-version', { scope: '/' });
  });
  const toast = page.getByTestId('pwa-update');
  await expect(toast).toHaveAttribute('data-action', 'offer', { timeout: 30_000 });
  await expect(page.getByTestId('pwa-update-go')).toHaveText('Reload');
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.scriptURL ?? null)).toBe(`${baseURL}/sw.js?next-version`);

  const reloaded = page.waitForEvent('load');
  await page.getByTestId('pwa-update-go').click();
  await reloaded;
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  // The new worker activated and controls the reloaded page. (The reloaded app registers its own
  // /sw.js again — another URL than the stand-in — so a further waiting worker may follow; a real
  // new build keeps the URL.)
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated');
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${baseURL}/sw.js?next-version`);
});
