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
 *   new worker and reloads; under an in-flight payment (LDK holds the HTLC) the button reads
 *   "Update after the payment finishes", the page is not reloaded, and the update applies once LDK
 *   claims it (the decision itself: test/unit/pwa-update-policy.test.ts).
 * peers.spec.ts checks the manifest's icons and that a running node survives an offline reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { createWallet, fixtures, FIXTURES_URL, watchErrors, getTestCoins, openChannelToLdk } from './app-helpers.ts';

// One retry: the in-flight update test timed out once (waiting for the reload after LDK claims) while
// interop ran beside it on 2 cores, and passed alone and with its file. A retried pass is reported
// as flaky; a real regression still fails twice. The cause under load is not yet found.
test.describe.configure({ retries: 1 });

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

/**
 * A new version arrives: a worker registered for the same scope from another script URL installs
 * and waits (skipWaiting is off), just as a new build's sw.js would. (Playwright's routing does
 * not see the browser's own fetch of a service worker script, so changed bytes cannot be served.)
 * Needs a page the current worker controls, or the new one would not wait at all.
 */
async function newVersionWaits(page: Page, baseURL: string | undefined): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js?next-version', { scope: '/' });
  });
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.scriptURL ?? null), { timeout: 30_000 }).toBe(`${baseURL}/sw.js?next-version`);
}

/** Load the app, let its worker install, and reload so that worker controls the page. */
async function controlled(page: Page, baseURL: string | undefined): Promise<void> {
  await page.goto('/');
  await swActive(page);
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toBe(`${baseURL}/sw.js`);
}

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
  await controlled(page, baseURL);
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('pwa-update')).toHaveCount(0);
  await newVersionWaits(page, baseURL);
  const toast = page.getByTestId('pwa-update');
  await expect(toast).toHaveAttribute('data-action', 'offer');
  await expect(page.getByTestId('pwa-update-go')).toHaveText('Reload');

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

test('under an in-flight payment the update waits: "Update after the payment finishes", applied once it settles', async ({ page, request, baseURL }) => {
  test.setTimeout(420_000);
  const fx = await fixtures(request);
  await controlled(page, baseURL);

  // A funded wallet, a usable channel to LDK, and a payment LDK holds (as in in-flight.spec.ts).
  await createWallet(page, PASSPHRASE);
  await getTestCoins(page);
  await openChannelToLdk(page, request, fx, 60_000);
  await expect(page.getByTestId('channel')).toHaveAttribute('data-usable', 'true', { timeout: 90_000 });
  const heldRes = await request.post(`${FIXTURES_URL}/ldk/invoice`, { data: { amountMsat: '1200000', description: 'held during an update' } });
  expect(heldRes.ok(), await heldRes.text()).toBe(true);
  const held = (await heldRes.json()) as { bolt11: string; paymentHash: string };
  expect((await request.post(`${FIXTURES_URL}/ldk/policy`, { data: { policy: 'hold' } })).ok()).toBe(true);
  try {
    await page.getByTestId('tab-wallet').click();
    await page.getByTestId('go-send').click();
    await page.fill('#send-to', held.bolt11);
    await page.getByTestId('send-review').click();
    await expect(page.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
    await page.getByTestId('ln-pay').click();
    await expect(async () => expect((await (await request.get(`${FIXTURES_URL}/ldk/held`)).json()) as string[]).toContain(held.paymentHash)).toPass({ timeout: 60_000 });
    await expect(page.getByTestId('in-flight-banner')).toBeVisible();

    // This page's life: a reload would lose the marker.
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'before the update'));
    await newVersionWaits(page, baseURL);
    const toast = page.getByTestId('pwa-update');
    await expect(toast).toHaveAttribute('data-action', 'offer-after-payment');
    await page.getByTestId('pwa-update-go').click();
    await expect(page.getByTestId('pwa-update-go')).toHaveCount(0);
    await expect(toast).toHaveAttribute('data-action', 'deferred');
    await expect(toast).toContainText('Glint updates when the payment in flight finishes.');
    // Still the same page, the payment still in flight, the new worker still waiting.
    await expect(page.getByTestId('in-flight-banner').locator(`[data-testid=in-flight-payment][data-payment-hash="${held.paymentHash}"]`)).toBeVisible();
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('before the update');
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.scriptURL ?? null)).toBe(`${baseURL}/sw.js?next-version`);

    // LDK claims it: nothing in flight, and the update applies (a reload under the new worker).
    const reloaded = page.waitForEvent('load', { timeout: 90_000 });
    const released = await request.post(`${FIXTURES_URL}/ldk/release`, { data: { paymentHash: held.paymentHash, how: 'claim' } });
    expect(released.ok(), await released.text()).toBe(true);
    await reloaded;
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBeUndefined();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${baseURL}/sw.js?next-version`);
    // The payment settled before the reload: after unlocking it is succeeded.
    await page.fill('#unlock-passphrase', PASSPHRASE, { timeout: 30_000 });
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
    await page.evaluate(() => (location.hash = '#/wallet'));
    await expect(page.locator(`[data-testid=payment][data-payment-hash="${held.paymentHash}"]`)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  } finally {
    await request.post(`${FIXTURES_URL}/ldk/policy`, { data: { policy: 'claim' } });
  }
});
