/**
 * The Peers screen against real peers: the built PWA in Chromium connects, through Glint's
 * WebSocket→TCP proxy, to a real LDK node (see fixture-server.ts), shows its id, features and
 * live ping, and disconnects; bad input gets clear messages; the app is installable and offline.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FIXTURES_URL, fixtures, watchErrors } from './app-helpers.ts';

async function ldkPeers(request: APIRequestContext): Promise<{ nodeIdHex: string; inbound: boolean }[]> {
  return (await (await request.get(`${FIXTURES_URL}/ldk/peers`)).json()) as { nodeIdHex: string; inbound: boolean }[];
}

/** Open the app on the Peers tab and wait until the node runs in this tab; returns our node id. */
async function openRunning(page: Page): Promise<string> {
  await page.goto('/#/peers');
  await expect(page.getByTestId('node-status')).toHaveAttribute('data-status', 'running');
  const id = await page.getByTestId('own-node-id').getAttribute('data-node-id');
  expect(id).toMatch(/^0[23][0-9a-f]{64}$/);
  return id as string;
}

test('connects to a real LDK node through the proxy: id, features, live ping, disconnect', async ({ page, request }) => {
  const fx = await fixtures(request);
  const errors = watchErrors(page);
  const ourId = await openRunning(page);

  await page.fill('#peer-uri', fx.peerUri);
  await page.fill('#proxy-url', fx.proxyUrl);
  await page.click('#connect');

  const card = page.locator(`[data-testid=peer][data-node-id="${fx.nodeIdHex}"]`);
  await expect(card.getByTestId('peer-node-id')).toHaveText(fx.nodeIdHex);
  await expect(card.getByTestId('peer-address')).toHaveText(`127.0.0.1:${fx.ldkPort}`);
  await expect(page.getByTestId('connect-error')).toHaveCount(0);

  // LDK's init (reference/ldk-counterparty.md): required 0, 8, 12, 14; optional 17, 45 among others.
  const features = card.getByTestId('peer-features');
  await expect(features.locator('[data-feature=var_onion_optin]')).toHaveAttribute('data-support', 'required');
  await expect(features.locator('[data-feature=payment_secret]')).toHaveAttribute('data-support', 'required');
  await expect(features.locator('[data-feature=option_static_remotekey]')).toHaveAttribute('data-support', 'required');
  await expect(features.locator('[data-feature=basic_mpp]')).toHaveAttribute('data-support', 'optional');
  await expect(features).toContainText('var_onion_optin');

  // A real BOLT 1 ping/pong round trip, shown as a number of ms.
  await expect(card.getByTestId('peer-ping')).toHaveText(/(\d+|<1) ms/);

  // The other side agrees: LDK lists our node as an inbound peer.
  await expect.poll(async () => (await ldkPeers(request)).find((p) => p.nodeIdHex === ourId)?.inbound).toBe(true);

  await page.screenshot({ path: 'test-results/peers.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: 'test-results/peers-dark.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // The proxy URL is remembered on this device.
  expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('glint.settings'))).toContain(fx.proxyUrl);

  await card.getByTestId('peer-disconnect').click();
  await expect(card).toHaveCount(0);
  await expect(page.getByTestId('notice').last()).toContainText('Disconnected from');
  await expect.poll(async () => (await ldkPeers(request)).some((p) => p.nodeIdHex === ourId)).toBe(false);

  expect(errors).toEqual([]);
});

test('bad input gets a clear message; the worker’s reason is shown verbatim', async ({ page, request }) => {
  const fx = await fixtures(request);
  await openRunning(page);
  const uriError = page.getByTestId('peer-uri-error');
  const proxyError = page.getByTestId('proxy-url-error');
  const connectError = page.getByTestId('connect-error');

  // Shape errors are caught before anything is sent.
  await page.fill('#peer-uri', 'not a peer');
  await page.click('#connect');
  await expect(uriError).toContainText('<node id>@<host>:<port>');
  await expect(page.locator('#peer-uri')).toBeFocused();

  await page.fill('#peer-uri', `${fx.nodeIdHex.slice(0, 60)}@127.0.0.1:9735`);
  await expect(uriError).toContainText('66 hex characters');

  await page.fill('#peer-uri', `${fx.nodeIdHex}@127.0.0.1`);
  await expect(uriError).toContainText('needs a port');

  await page.fill('#peer-uri', fx.peerUri);
  await expect(uriError).toHaveCount(0);
  await page.fill('#proxy-url', '');
  await page.click('#connect');
  await expect(proxyError).toContainText('WebSocket proxy URL');

  await page.fill('#proxy-url', `http://127.0.0.1:${fx.proxyPort}`);
  await expect(proxyError).toContainText(`ws://127.0.0.1:${fx.proxyPort}`);

  await page.fill('#proxy-url', `ws://127.0.0.1:${fx.proxyPort}/{host}`);
  await expect(proxyError).toContainText('both {host} and {port}');
  await expect(page.getByTestId('peer')).toHaveCount(0);

  // Right shape, wrong meaning: only the engine can tell (x ≥ p is not on the curve).
  await page.fill('#proxy-url', fx.proxyUrl);
  await page.fill('#peer-uri', `02${'ff'.repeat(32)}@127.0.0.1:${fx.ldkPort}`);
  await page.click('#connect');
  await expect(connectError).toContainText('peer node id: is not a valid secp256k1 public key');

  // The proxy refuses a port it was not told to allow; its one-line reason (a text frame before
  // it closes) comes through the engine to the page verbatim.
  await page.fill('#peer-uri', `${fx.nodeIdHex}@127.0.0.1:1`);
  await page.click('#connect');
  await expect(connectError).toContainText('Could not connect to 127.0.0.1:1: port 1 is not allowed');
  await expect(page.getByTestId('peer')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/peers-error.png', fullPage: true });
});

test('installable: manifest, icons and an active service worker; the shell opens offline', async ({ page, context, request, baseURL }) => {
  await openRunning(page);

  const href = await page.locator('link[rel=manifest]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const manifest = (await (await request.get(new URL(href as string, baseURL).toString())).json()) as {
    name: string;
    short_name: string;
    display: string;
    start_url: string;
    icons: { src: string; sizes: string; purpose?: string }[];
  };
  expect(manifest).toMatchObject({ name: 'Glint', short_name: 'Glint', display: 'standalone', start_url: '/' });
  expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`)).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  for (const icon of manifest.icons) {
    const res = await request.get(new URL(icon.src, baseURL).toString());
    expect(res.ok(), icon.src).toBe(true);
  }

  const sw = await page.evaluate(async () => {
    type Reg = { scope: string; active: { scriptURL: string; state: string } | null };
    const nav = (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<Reg> } } }).navigator;
    const reg = await nav.serviceWorker.ready;
    return { scope: reg.scope, script: reg.active?.scriptURL ?? null, state: reg.active?.state ?? null };
  });
  expect(sw.scope).toBe(`${baseURL}/`);
  expect(sw.script).toBe(`${baseURL}/sw.js`);
  expect(sw.state === 'activated' || sw.state === 'activating').toBe(true);
  await expect(page.getByTestId('offline-ready')).toBeVisible();

  // Offline: the precached shell still opens and the node worker still starts.
  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('#peer-uri')).toBeVisible();
  await expect(page.getByTestId('node-status')).toHaveAttribute('data-status', 'running');
  await context.setOffline(false);
});

test('a second tab says Glint is open in another tab', async ({ page, context }) => {
  await openRunning(page);
  const second = await context.newPage();
  await second.goto('/');
  const card = second.getByTestId('node-unavailable');
  await expect(card).toHaveAttribute('data-status', 'locked');
  await expect(card).toContainText('Glint is open in another tab');
  await expect(second.locator('#peer-uri')).toHaveCount(0);
  // The first tab keeps running.
  await expect(page.getByTestId('node-status')).toHaveAttribute('data-status', 'running');
});
