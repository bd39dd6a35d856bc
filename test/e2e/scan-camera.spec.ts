/**
 * The scanner's camera paths that the shop-paying scan.spec.ts does not take, in Chromium with its
 * fake capture devices (two cameras, `device-count=2`) against the fixture server:
 *   - the camera permission not granted: Chromium itself refuses getUserMedia (NotAllowedError)
 *     and the screen says so, with the image and paste ways in still there;
 *   - once granted, "Try the camera again" starts it; both cameras are listed, choosing the other one reopens the camera with that
 *     exact device and stops the first one's tracks;
 *   - the torch button only where the track reports `torch` in getCapabilities (Chromium's fake
 *     camera does not; an init script adds it on request and records applyConstraints), and it
 *     switches the light with `advanced: [{ torch }]`;
 *   - the app served over plain http from a name that is not localhost: no camera is asked for and
 *     the screen says the camera needs https:// or localhost.
 *
 * Run: `npx vite build && PREVIEW_PORT=<p> FIXTURE_PORT=<q> npx playwright test test/e2e/scan-camera.spec.ts`.
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'scan camera e2e passphrase';
/** A name for the preview server that is not localhost: served over http, the page is not a secure context. */
const INSECURE_HOST = 'glint-insecure.test';

// The config's Chromium and flags, plus two fake cameras; no fake UI, so the permission is real.
const test = base.extend({
  launchOptions: [
    async ({ launchOptions }, use) => {
      await use({ ...launchOptions, args: [...(launchOptions.args ?? []), '--use-fake-device-for-media-stream=device-count=2', `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`] });
    },
    { scope: 'worker' },
  ],
});

// Page-side code is written as strings: the node tsconfig that checks this file has no DOM types.
/**
 * Records the camera streams and the constraints asked for (window.__streams, __asked), and, once
 * a test sets window.__torch, makes video tracks report a torch and records what applyConstraints
 * got for it (window.__torchApplied) — Chromium's fake camera has none.
 */
const INIT = `(() => {
  const media = navigator.mediaDevices;
  if (!media) return;
  window.__streams = [];
  window.__asked = [];
  const open = media.getUserMedia.bind(media);
  media.getUserMedia = async (c) => {
    window.__asked.push(JSON.parse(JSON.stringify(c)));
    const s = await open(c);
    window.__streams.push(s);
    return s;
  };
  window.__torchApplied = [];
  const caps = MediaStreamTrack.prototype.getCapabilities;
  MediaStreamTrack.prototype.getCapabilities = function () {
    const c = caps.call(this);
    return window.__torch && this.kind === 'video' ? { ...c, torch: true } : c;
  };
  const apply = MediaStreamTrack.prototype.applyConstraints;
  MediaStreamTrack.prototype.applyConstraints = function (c) {
    const torch = c && Array.isArray(c.advanced) ? c.advanced.find((a) => 'torch' in a) : undefined;
    if (window.__torch && torch) {
      window.__torchApplied.push(JSON.parse(JSON.stringify(c)));
      return Promise.resolve();
    }
    return apply.call(this, c);
  };
})()`;

const js = <T>(page: Page, expr: string): Promise<T> => page.evaluate(expr) as Promise<T>;

let context: BrowserContext;
let page: Page;
let errors: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addInitScript({ content: INIT });
  page = await context.newPage();
  errors = watchErrors(page);
  await createWallet(page, PASSPHRASE);
});

test.afterAll(async () => {
  await context?.close();
});

async function openScanner(): Promise<void> {
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('go-scan').click();
  await expect(page).toHaveURL(/#\/wallet\/scan$/);
}

test('camera permission not granted: Chromium refuses, the screen says so, the image and paste ways stay', async () => {
  await openScanner();
  const screen = page.getByTestId('scan-screen');
  await expect(screen).toHaveAttribute('data-status', 'denied', { timeout: 30_000 });
  await expect(page.getByTestId('scan-status')).toHaveText('Camera access was refused. Allow the camera for this site in the browser’s settings, or choose an image or paste the code below.');
  await expect(page.getByTestId('scan-status')).toHaveAttribute('role', 'alert');
  await expect(page.getByTestId('scan-torch')).toHaveCount(0);
  await expect(page.getByTestId('scan-file')).toBeEnabled();
  await expect(page.getByTestId('scan-text')).toBeEditable();
  expect(await js<number>(page, 'window.__streams.length')).toBe(0);
  await page.screenshot({ path: 'test-results/scan-camera-denied.png', fullPage: true });
});

test('granted: two cameras are listed; choosing the other reopens with that exact device and stops the first; no torch on a track without one', async () => {
  await context.grantPermissions(['camera']);
  // Allowed now: "Try the camera again" on the same screen starts it.
  await page.getByTestId('scan-retry').click();
  const screen = page.getByTestId('scan-screen');
  await expect(screen).toHaveAttribute('data-status', 'scanning', { timeout: 30_000 });
  await expect(page.getByTestId('scan-retry')).toHaveCount(0);
  expect(await js<unknown[]>(page, 'window.__asked.at(-1)')).toEqual({ video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  // Chromium's fake camera reports no torch: no light button.
  await expect(page.getByTestId('scan-torch')).toHaveCount(0);
  const select = page.getByTestId('scan-camera');
  await expect(select.locator('option')).toHaveCount(2);
  const ids = await select.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
  const current = await select.inputValue();
  expect(ids).toContain(current);
  const other = ids.find((id) => id !== current)!;
  const asked = await js<number>(page, 'window.__asked.length');
  await select.selectOption(other);
  await expect.poll(() => js<number>(page, 'window.__asked.length')).toBe(asked + 1);
  expect(await js<unknown>(page, 'window.__asked.at(-1)')).toEqual({ video: { deviceId: { exact: other }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  await expect(screen).toHaveAttribute('data-status', 'scanning');
  await expect(select).toHaveValue(other);
  // The first camera's tracks are stopped; only the new one is live.
  expect(await js<string[]>(page, 'window.__streams.map((s) => s.getTracks()[0].readyState)')).toEqual(['ended', 'live']);
});

test('the torch, where the track reports it: the button switches the light with applyConstraints, on and off', async () => {
  await js(page, 'window.__torch = true');
  await page.getByRole('link', { name: '← Send' }).click();
  await openScanner();
  await expect(page.getByTestId('scan-screen')).toHaveAttribute('data-status', 'scanning', { timeout: 30_000 });
  const torch = page.getByTestId('scan-torch');
  await expect(torch).toHaveText('Light on');
  await expect(torch).toHaveAttribute('aria-pressed', 'false');
  await torch.click();
  await expect(torch).toHaveAttribute('aria-pressed', 'true');
  await expect(torch).toHaveText('Light off');
  await torch.click();
  await expect(torch).toHaveAttribute('aria-pressed', 'false');
  expect(await js<unknown[]>(page, 'window.__torchApplied')).toEqual([{ advanced: [{ torch: true }] }, { advanced: [{ torch: false }] }]);
  await page.screenshot({ path: 'test-results/scan-camera-torch.png', fullPage: true });
  // Leaving the scanner turns the camera off.
  await page.getByRole('link', { name: '← Send' }).click();
  await expect.poll(() => js<number>(page, 'window.__streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === "live").length')).toBe(0);
  expect(errors).toEqual([]);
});

test('over http from a host that is not localhost, the scanner asks for no camera and says it needs https:// or localhost', async ({ browser }) => {
  test.setTimeout(180_000);
  const port = new URL(test.info().project.use.baseURL ?? 'http://127.0.0.1:4173').port;
  const insecure = await browser.newContext({ baseURL: `http://${INSECURE_HOST}:${port}`, viewport: { width: 390, height: 844 } });
  await insecure.addInitScript({ content: INIT });
  // The preview server answers only its own host names: fetch from 127.0.0.1 what the page asks of the other name.
  await insecure.route(`http://${INSECURE_HOST}:${port}/**`, async (route) => {
    const response = await route.fetch({ url: route.request().url().replace(`//${INSECURE_HOST}:`, '//127.0.0.1:') });
    await route.fulfill({ response });
  });
  const p = await insecure.newPage();
  await createWallet(p, PASSPHRASE);
  expect(await js<boolean>(p, 'isSecureContext')).toBe(false);
  await p.getByTestId('go-scan').click();
  await expect(p.getByTestId('scan-screen')).toHaveAttribute('data-status', 'insecure');
  await expect(p.getByTestId('scan-status')).toHaveText('The camera works only on a secure page: open Glint over https:// or on localhost. You can still choose an image or paste the code below.');
  await expect(p.getByTestId('scan-retry')).toHaveCount(0);
  await expect(p.getByTestId('scan-text')).toBeEditable();
  await p.screenshot({ path: 'test-results/scan-camera-insecure.png', fullPage: true });
  await insecure.close();
});
