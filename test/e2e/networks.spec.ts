/**
 * Real networks in Settings, without touching one: each network shows its default Esplora server;
 * picking Bitcoin mainnet the first time asks for the real-money confirmation (cancel keeps the
 * network in use, confirm is remembered and never asked again, across a reload too); the Proxy
 * URL and Esplora fields validate and name the field; the proxy is kept per network and is what
 * the connect form starts with.
 *
 * No request may leave 127.0.0.1: every request of the browser context to another host is aborted
 * and recorded, and the test fails if there was any.
 */
import { expect, test, type Page } from '@playwright/test';
import { fixtures, watchErrors } from './app-helpers.ts';

type PageGlobals = { localStorage: { getItem(k: string): string | null } };

async function stored(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('glint.settings'))) ?? '{}') as Record<string, unknown>;
}

test('mainnet asks once for the real-money confirmation; the proxy and Esplora fields validate and are kept per network', async ({ page, context, request }) => {
  const fx = await fixtures(request);
  const outside: string[] = [];
  await context.route('**/*', async (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const errors = watchErrors(page);

  await page.goto('/#/settings');
  const network = page.locator('#settings-network');
  const esplora = page.locator('#settings-esplora');
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await expect(network).toHaveValue('regtest');

  // Each network shows its own default server (one table: engine/chain/defaults.ts; regtest's from glint.config.json).
  await network.selectOption('signet');
  await expect(esplora).toHaveAttribute('placeholder', 'https://mempool.space/signet/api');
  await network.selectOption('testnet');
  await expect(esplora).toHaveAttribute('placeholder', 'https://blockstream.info/testnet/api');
  await network.selectOption('regtest');
  await expect(esplora).toHaveAttribute('placeholder', fx.esploraUrl);

  // Mainnet, first time: the dialog; cancel keeps regtest and remembers nothing.
  await network.selectOption('bitcoin');
  const dialog = page.getByTestId('mainnet-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('real bitcoin');
  await expect(dialog).toContainText('early software');
  await expect(page.getByTestId('mainnet-confirm')).toBeDisabled();
  await page.getByTestId('mainnet-cancel').click();
  await expect(dialog).toHaveCount(0);
  await expect(network).toHaveValue('regtest');
  await expect(esplora).toHaveAttribute('placeholder', fx.esploraUrl);
  expect((await stored(page)).mainnetConfirmed).not.toBe(true);

  // Again: asked again; an explicit confirm picks mainnet and is saved.
  await network.selectOption('bitcoin');
  await expect(dialog).toBeVisible();
  await page.getByTestId('mainnet-understood').check();
  await page.screenshot({ path: 'test-results/networks-mainnet.png' });
  await page.getByTestId('mainnet-confirm').click();
  await expect(dialog).toHaveCount(0);
  await expect(network).toHaveValue('bitcoin');
  await expect(esplora).toHaveAttribute('placeholder', 'https://blockstream.info/api');
  expect((await stored(page)).mainnetConfirmed).toBe(true);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-current')).toContainText('bitcoin via https://blockstream.info/api');

  // Back to regtest, and mainnet again: no question, before and after a reload.
  await network.selectOption('regtest');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await network.selectOption('bitcoin');
  await expect(network).toHaveValue('bitcoin');
  await expect(dialog).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await network.selectOption('bitcoin');
  await expect(network).toHaveValue('bitcoin');
  await expect(dialog).toHaveCount(0);
  await network.selectOption('regtest');

  // The fields validate, each error naming its field, and nothing is saved while one is wrong.
  const proxy = page.locator('#settings-proxy');
  await proxy.fill('http://127.0.0.1:9');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-proxy-error')).toContainText('The proxy is a WebSocket URL: try ws://127.0.0.1:9');
  await expect(proxy).toBeFocused();
  await proxy.fill('wss://proxy.example/{host}');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-proxy-error')).toContainText('A proxy template needs both {host} and {port}.');
  await esplora.fill('ftp://example.org');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-esplora-error')).toContainText('The Esplora server URL must start with https://');
  await expect(page.getByTestId('settings-saved')).toHaveCount(0);
  expect((await stored(page)).proxyUrls).toEqual({});

  // Valid values are saved for regtest only; the connect form starts with that proxy.
  const regtestProxy = 'ws://127.0.0.1:9/';
  await esplora.fill('');
  await proxy.fill(regtestProxy);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  expect((await stored(page)).proxyUrls).toEqual({ regtest: regtestProxy });
  await page.reload();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await expect(proxy).toHaveValue(regtestProxy);
  await network.selectOption('signet');
  await expect(proxy).toHaveValue('');
  await network.selectOption('regtest');
  await expect(proxy).toHaveValue(regtestProxy);
  await page.screenshot({ path: 'test-results/networks-settings.png', fullPage: true });
  await page.goto('/#/peers');
  await expect(page.locator('#proxy-url')).toHaveValue(regtestProxy);
  expect(outside).toEqual([]);
  expect(errors).toEqual([]);
});

test('settings saved by an older build keep their proxy: the single proxy URL becomes that network’s', async ({ browser, request }) => {
  const fx = await fixtures(request);
  const context = await browser.newContext();
  const outside: string[] = [];
  await context.route('**/*', async (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const old = { schemaVersion: 3, proxyUrl: 'ws://127.0.0.1:7', lastPeerUri: '', network: 'regtest', esploraUrls: {}, backupPending: [], walletsSeen: [] };
  await context.addInitScript((text) => {
    const ls = (globalThis as unknown as { localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).localStorage;
    if (ls.getItem('glint.settings') === null) ls.setItem('glint.settings', text);
  }, JSON.stringify(old));
  const page = await context.newPage();
  await page.goto('/#/settings');
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await expect(page.locator('#settings-proxy')).toHaveValue('ws://127.0.0.1:7');
  await page.locator('#settings-network').selectOption('signet');
  await expect(page.locator('#settings-proxy')).toHaveValue('');
  // The migrated record is what is stored once anything is saved.
  await page.locator('#settings-network').selectOption('regtest');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  expect(await stored(page)).toMatchObject({ schemaVersion: 4, proxyUrls: { regtest: 'ws://127.0.0.1:7' }, mainnetConfirmed: false });
  expect((await stored(page)).proxyUrl).toBeUndefined();
  expect(outside).toEqual([]);
  await context.close();
});

test('a deployment whose default network is mainnet: no wallet is made before the real-money confirmation', async ({ page, context }) => {
  const outside: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    // This deployment's config makes Bitcoin mainnet the default (its Esplora on a closed local port).
    if (url.pathname === '/glint.config.json') {
      return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ network: 'bitcoin', esplora: { bitcoin: 'http://127.0.0.1:9/api' } }) });
    }
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    outside.push(url.href);
    return route.abort('blockedbyclient');
  });

  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await page.getByTestId('start-create').click();
  await page.fill('#new-passphrase', 'correct horse battery');
  await page.fill('#new-passphrase-2', 'correct horse battery');
  await page.getByTestId('create-wallet').click();
  const dialog = page.getByTestId('mainnet-dialog');
  await expect(dialog).toBeVisible();
  // Backing out makes nothing: still no wallet, still on the passphrase step.
  await page.getByTestId('mainnet-cancel').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('word')).toHaveCount(0);
  expect((await stored(page)).mainnetConfirmed).not.toBe(true);
  // Confirming makes the mainnet wallet and is remembered.
  await page.getByTestId('create-wallet').click();
  await page.getByTestId('mainnet-understood').check();
  await page.getByTestId('mainnet-confirm').click();
  await expect(page.getByTestId('word')).toHaveCount(24, { timeout: 60_000 });
  expect((await stored(page)).mainnetConfirmed).toBe(true);
  expect(outside).toEqual([]);
});
