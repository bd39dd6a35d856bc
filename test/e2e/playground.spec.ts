/**
 * Issue 8's journey in the PWA, against `npm start`'s playground (playground/start.ts) run as a
 * child process on free ports with the built dist/: the app comes preconfigured (regtest, the
 * playground's Esplora, its proxy and its hub prefilled in the open-channel form); the playground
 * page funds the wallet (faucet) and mines; the app opens a channel to the hub; the shop's
 * invoice (a QR code on the page) is paid from the Send screen, routed through the hub, and the
 * page marks the order paid live; the hub pays a Glint invoice from the page ("Paid" live on
 * the Receive screen); a cooperative close. Then Ctrl-C (SIGINT): the playground exits 0 and
 * leaves none of its ports bound.
 *
 * Run: `npx vite build && PREVIEW_PORT=4183 FIXTURE_PORT=4283 npx playwright test test/e2e/playground.spec.ts`.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';
import { buyFromShop, fundFromFaucet, openChannelToHub, portFree, portOf, spawnPlayground, type PlaygroundRun, type PlaygroundUrls } from './playground-helpers.ts';

const PASSPHRASE = 'playground e2e passphrase';

let run: PlaygroundRun;
let urls: PlaygroundUrls;
let context: BrowserContext;
let app: Page;
let pg: Page;
let errors: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  run = await spawnPlayground();
  urls = run.urls;
  context = await browser.newContext({ baseURL: urls.app });
  app = await context.newPage();
  errors = watchErrors(app);
  pg = await context.newPage();
  await pg.goto(urls.playground);
});

test.afterAll(async () => {
  await context?.close();
  await run?.kill();
});

test('the PWA journey: faucet → channel to the hub → pay the shop → the hub pays you → close; Ctrl-C frees every port', async () => {
  test.setTimeout(420_000);
  await expect(pg.getByTestId('hub-uri')).toHaveText(urls.hub);

  await createWallet(app, PASSPHRASE);
  await fundFromFaucet(app, pg, 400_000);

  // The open-channel form is prefilled with the hub and the proxy (glint.config.json).
  const channelId = await openChannelToHub(app, pg, urls, 200_000);

  // The shop's T-shirt: its invoice as a QR code and text on the page, paid from the Send screen.
  const bolt11 = await buyFromShop(pg, 'tshirt');
  expect(bolt11).toMatch(/^lnbcrt250u1/);
  await app.getByTestId('tab-wallet').click();
  await app.getByTestId('go-send').click();
  await app.fill('#send-to', bolt11);
  await app.getByTestId('send-review').click();
  await expect(app.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
  await app.getByTestId('ln-pay').click();
  await expect(app.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  // Routed through the hub: it took a fee.
  expect(Number(await app.getByTestId('ln-result-fee').getAttribute('data-msat'))).toBeGreaterThan(0);
  await expect(pg.getByTestId('order-status')).toHaveText('paid ✓', { timeout: 15_000 });
  await app.getByTestId('ln-finish').click();

  // The hub pays a Glint invoice from the page; the Receive screen says so live.
  await app.getByTestId('go-receive').click();
  await app.fill('#ln-receive-amount', '10000');
  await app.getByTestId('ln-create-invoice').click();
  const mine = ((await app.getByTestId('ln-bolt11').textContent()) ?? '').trim();
  await pg.fill('#pay-target', mine);
  await pg.getByTestId('hub-pay').click();
  await expect(pg.getByTestId('pay-out')).toContainText('paid', { timeout: 60_000 });
  await expect(app.getByTestId('ln-paid')).toHaveAttribute('data-msat', '10000000', { timeout: 30_000 });
  await expect(pg.getByTestId('log')).toContainText('received 25000 sat');

  // Cooperative close; the closing tx is mined from the page.
  await app.getByRole('link', { name: '← Wallet' }).click();
  await app.getByTestId('tab-channels').click();
  const card = app.locator(`[data-testid=channel][data-channel-id="${channelId}"]`);
  await card.getByTestId('channel-close').click();
  await app.getByTestId('close-dialog').getByTestId('close-confirm').click();
  await expect(app.getByTestId('close-result')).toContainText('Closing', { timeout: 90_000 });
  const closingTxid = (await app.getByTestId('close-result').getAttribute('data-txid')) ?? '';
  await expect(async () => expect((await pg.request.get(`${urls.esplora}/tx/${closingTxid}`)).ok()).toBe(true)).toPass({ timeout: 30_000 });
  await pg.fill('#mine-count', '6');
  await pg.getByTestId('mine').click();
  await expect(card).toHaveAttribute('data-state', 'closed', { timeout: 60_000 });
  expect(errors).toEqual([]);

  // Ctrl-C: exits 0, every port free.
  await context.close();
  run.child.kill('SIGINT');
  expect(await run.exited).toBe(0);
  for (const url of [urls.app, urls.esplora, urls.proxy]) expect(await portFree(portOf(url)), url).toBe(true);
  for (const uri of [urls.hub, urls.shop]) expect(await portFree(Number(uri.split(':').pop())), uri).toBe(true);
});
