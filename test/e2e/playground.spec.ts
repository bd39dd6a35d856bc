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
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'playground e2e passphrase';

let child: ChildProcess;
let exited: Promise<number | null>;
let out = '';
let urls: Record<string, string> = {};
let context: BrowserContext;
let app: Page;
let pg: Page;
let errors: string[] = [];

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
const portOf = (url: string): number => Number(new URL(url.replace(/^ws/, 'http')).port);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  const flags = ['--skip-build', '--app-port', '0', '--proxy-port', '0', '--esplora-port', '0', '--hub-port', '0', '--shop-port', '0'];
  child = spawn('node_modules/.bin/tsx', ['playground/start.ts', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('From a terminal')) return;
      for (const key of ['app', 'playground', 'esplora', 'proxy', 'hub', 'shop']) {
        const m = new RegExp(`^  ${key}:\\s+(\\S+)`, 'm').exec(out);
        if (m) urls[key] = m[1]!;
      }
      resolve();
    });
    void exited.then((code) => reject(new Error(`the playground exited (${code}):\n${out}`)));
  });
  context = await browser.newContext({ baseURL: urls.app });
  app = await context.newPage();
  errors = watchErrors(app);
  pg = await context.newPage();
  await pg.goto(urls.playground!);
});

test.afterAll(async () => {
  await context?.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
});

test('the PWA journey: faucet → channel to the hub → pay the shop → the hub pays you → close; Ctrl-C frees every port', async () => {
  test.setTimeout(420_000);
  await expect(pg.getByTestId('hub-uri')).toHaveText(urls.hub!);

  await createWallet(app, PASSPHRASE);
  await app.getByTestId('go-receive').click();
  const address = (await app.getByTestId('receive-address').getAttribute('data-address')) ?? '';
  expect(address).toMatch(/^bcrt1/);

  // The page's faucet (sends and mines a block).
  await pg.bringToFront();
  await pg.fill('#faucet-address', address);
  await pg.fill('#faucet-sats', '400000');
  await pg.getByTestId('faucet-send').click();
  await expect(pg.getByTestId('faucet-out')).toContainText('mined at height', { timeout: 30_000 });
  await app.bringToFront();
  await app.getByRole('link', { name: '← Wallet' }).click();
  await expect(app.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '400000', { timeout: 45_000 });

  // The open-channel form is prefilled with the hub and the proxy (glint.config.json).
  await app.getByTestId('tab-channels').click();
  await expect(app.locator('#open-uri')).toHaveValue(urls.hub!);
  await expect(app.locator('#open-proxy')).toHaveValue(urls.proxy!);
  await app.fill('#open-amount', '200000');
  await app.getByTestId('open-review').click();
  await app.getByTestId('open-confirm').click();
  await expect(app.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await app.getByTestId('open-another').click();
  await pg.getByTestId('mine').click();
  const channel = app.getByTestId('channel');
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 60_000 });
  const channelId = (await channel.getAttribute('data-channel-id')) ?? '';

  // The shop's T-shirt: its invoice as a QR code and text on the page, paid from the Send screen.
  await pg.getByTestId('buy-tshirt').click();
  await expect(pg.getByTestId('order-status')).toContainText('waiting');
  await expect(pg.locator('#order svg')).toBeVisible();
  const bolt11 = ((await pg.getByTestId('order-invoice').textContent()) ?? '').trim();
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
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  for (const url of [urls.app!, urls.esplora!, urls.proxy!]) expect(await portFree(portOf(url)), url).toBe(true);
  for (const uri of [urls.hub!, urls.shop!]) expect(await portFree(Number(uri.split(':').pop())), uri).toBe(true);
});
