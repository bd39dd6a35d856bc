/**
 * Scan to pay (issue 9), at phone size against `npm start`'s playground: Chromium's fake camera
 * plays a Y4M video this test writes (a grayscale QR code of the shop's invoice in the Y plane,
 * U/V at 128); the scanner reads it with the JS decoder (Linux Chromium has no BarcodeDetector),
 * the Lightning review shows the invoice's amount, the payment routes through the hub and the
 * shop marks the order paid; the camera is off once the code is taken, and while the page is
 * hidden. Then the image-file path (a PNG of another invoice), the clipboard and the text field
 * (BIP 21 with its on-chain alternative, an on-chain URI, a node URI → the open-channel form,
 * prefilled; garbage, a Lightning Address and a mainnet address get their messages).
 *
 * Run: `npx vite build && PREVIEW_PORT=<p> FIXTURE_PORT=<q> npx playwright test test/e2e/scan.spec.ts`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';
import { buyFromShop, fundFromFaucet, openChannelToHub, spawnPlayground, type PlaygroundRun } from './playground-helpers.ts';
import { grayPng, qrGray, writeY4m } from './qr-images.ts';

const PASSPHRASE = 'scan e2e passphrase';
const VIDEO = { width: 640, height: 480 };
/** The fake camera's video: blank until a test shows a code (the file is opened at each capture start). */
const Y4M = join(tmpdir(), `glint-scan-${process.pid}.y4m`);
writeY4m(Y4M, qrGray(null, VIDEO.width, VIDEO.height));

// The config's Chromium and flags, plus the fake camera playing the file.
const test = base.extend({
  launchOptions: [
    async ({ launchOptions }, use) => {
      await use({
        ...launchOptions,
        args: [...(launchOptions.args ?? []), '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${Y4M}`],
      });
    },
    { scope: 'worker' },
  ],
});

let run: PlaygroundRun;
let context: BrowserContext;
let app: Page;
let pg: Page;
let errors: string[] = [];
/** The wallet's own on-chain address (for the BIP 21 tests). */
let address = '';

// Page-side code is written as expressions: the node tsconfig that checks this file has no DOM types.

/** Camera tracks the page opened so far, and how many are still live. */
const cameraTracks = (page: Page): Promise<[number, number]> =>
  page.evaluate(`(() => {
    const tracks = (window.__streams ?? []).flatMap((s) => s.getTracks());
    return [tracks.length, tracks.filter((t) => t.readyState === 'live').length];
  })()`);

/** Make the page hidden or visible again, as switching apps on a phone does. */
const setHidden = (page: Page, hidden: boolean): Promise<void> =>
  page.evaluate(`(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (${hidden} ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);

/** Records every camera stream the page opens (window.__streams). */
const RECORD_STREAMS = `(() => {
  const media = navigator.mediaDevices;
  if (!media) return;
  const streams = [];
  window.__streams = streams;
  const open = media.getUserMedia.bind(media);
  media.getUserMedia = async (c) => {
    const s = await open(c);
    streams.push(s);
    return s;
  };
})()`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  run = await spawnPlayground();
  context = await browser.newContext({ baseURL: run.urls.app, viewport: { width: 390, height: 844 }, permissions: ['clipboard-read', 'clipboard-write'] });
  // Record every camera stream the page opens, to check that the scanner turns the camera off.
  await context.addInitScript({ content: RECORD_STREAMS });
  app = await context.newPage();
  errors = watchErrors(app);
  pg = await context.newPage();
  await pg.goto(run.urls.playground);
});

test.afterAll(async () => {
  await context?.close();
  await run?.kill();
  rmSync(Y4M, { force: true });
});

test('the camera reads the shop’s QR code: the review shows its amount, paying it routes through the hub and the shop marks it paid', async () => {
  test.setTimeout(360_000);
  await createWallet(app, PASSPHRASE);
  address = await fundFromFaucet(app, pg, 400_000);
  await openChannelToHub(app, pg, run.urls, 200_000);

  const bolt11 = await buyFromShop(pg, 'tshirt');
  expect(bolt11).toMatch(/^lnbcrt250u1/);
  // As wallets show it: upper case behind lightning: (the QR code's alphanumeric mode).
  writeY4m(Y4M, qrGray(`lightning:${bolt11}`.toUpperCase(), VIDEO.width, VIDEO.height));

  await app.bringToFront();
  await app.getByTestId('tab-wallet').click();
  await app.getByTestId('go-scan').click();
  await expect(app).toHaveURL(/#\/wallet\/scan$/);
  const screen = app.getByTestId('scan-screen');
  await expect(screen).toBeVisible();
  // (No layout checks here: the camera may read the code at once and leave this screen. The next
  // test measures the scanner's touch targets while the camera shows a blank picture.)

  // The scanner reads the code with the JS decoder and goes to the Lightning review.
  await expect(app.getByTestId('ln-review-card')).toBeVisible({ timeout: 30_000 });
  await expect(app).toHaveURL(/#\/wallet\/send$/);
  await expect(app.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '25000000');
  await expect(app.getByTestId('ln-review-description')).toContainText('T-shirt');
  // The code was taken: the camera is off.
  expect(await cameraTracks(app)).toEqual([1, 0]);
  await app.getByTestId('ln-pay').click();
  await expect(app.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(pg.getByTestId('order-status')).toHaveText('paid ✓', { timeout: 15_000 });
  await app.getByTestId('ln-finish').click();
  // Back to a blank camera picture for the next tests.
  writeY4m(Y4M, qrGray(null, VIDEO.width, VIDEO.height));
});

test('the image-file fallback reads a PNG of an invoice and the review shows its amount; paying it marks the order paid', async () => {
  test.setTimeout(120_000);
  const bolt11 = await buyFromShop(pg, 'coffee');
  await app.bringToFront();
  await app.goto('/#/wallet/scan');
  const screen = app.getByTestId('scan-screen');
  await expect(screen).toHaveAttribute('data-status', 'scanning', { timeout: 15_000 });
  await expect(screen).toHaveAttribute('data-detector', 'jsqr');
  // Hiding the page turns the camera off; showing it again turns it back on.
  await setHidden(app, true);
  await expect(screen).toHaveAttribute('data-status', 'paused');
  expect((await cameraTracks(app))[1]).toBe(0);
  await setHidden(app, false);
  await expect(screen).toHaveAttribute('data-status', 'scanning');
  expect((await cameraTracks(app))[1]).toBe(1);
  // The smallest phone size: nothing sticks out sideways, and every control is a 44 px target.
  await app.setViewportSize({ width: 360, height: 640 });
  expect(await app.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
  for (const id of ['scan-paste-clipboard', 'scan-text-use', 'scan-text']) expect((await app.getByTestId(id).boundingBox())!.height, id).toBeGreaterThanOrEqual(44);
  await app.screenshot({ path: 'test-results/e2e/scan-360x640.png', fullPage: true });
  await app.setViewportSize({ width: 390, height: 844 });
  await app.getByTestId('scan-file').setInputFiles({ name: 'invoice.png', mimeType: 'image/png', buffer: grayPng(qrGray(bolt11, 480, 480)) });
  await expect(app.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '2100000', { timeout: 15_000 });
  await app.getByTestId('ln-pay').click();
  await expect(app.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(pg.getByTestId('order-status')).toHaveText('paid ✓', { timeout: 15_000 });
  await app.getByTestId('ln-finish').click();
});

test('paste and image: no code, garbage, a Lightning Address and a foreign address get their messages; the clipboard’s invoice, a BIP 21 URI (with its on-chain alternative) and an on-chain URI go to their reviews; a node URI prefills the open-channel form; the camera is off after', async () => {
  test.setTimeout(120_000);
  await app.goto('/#/wallet/scan');
  const message = app.getByTestId('scan-message');
  await app.getByTestId('scan-file').setInputFiles({ name: 'blank.png', mimeType: 'image/png', buffer: grayPng(qrGray(null, 200, 200)) });
  await expect(message).toContainText('No QR code was found');
  await app.fill('#scan-text', 'hello world');
  await app.getByTestId('scan-text-use').click();
  await expect(message).toHaveText('This code is not a Lightning invoice, a bitcoin address or a node.');
  await app.fill('#scan-text', 'satoshi@example.com');
  await app.getByTestId('scan-text-use').click();
  await expect(message).toContainText('Coming soon: Lightning Addresses');
  await expect(app).toHaveURL(/#\/wallet\/scan$/);

  const bolt11 = await buyFromShop(pg, 'sticker');
  await app.bringToFront();
  await app.evaluate(`navigator.clipboard.writeText(${JSON.stringify(bolt11)})`);
  await app.getByTestId('scan-paste-clipboard').click();
  await expect(app.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '500000', { timeout: 15_000 });
  await app.getByTestId('ln-back').click();

  // A BIP 21 URI with both: the Lightning review, with the on-chain address as the alternative.
  const croissant = await buyFromShop(pg, 'croissant');
  await app.bringToFront();
  await app.goto('/#/wallet/scan');
  await app.fill('#scan-text', `bitcoin:${address}?amount=0.000035&lightning=${croissant}`);
  await app.getByTestId('scan-text-use').click();
  await expect(app.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '3500000', { timeout: 15_000 });
  await app.getByTestId('send-fallback-onchain').click();
  await expect(app.getByTestId('review-to')).toHaveText(address, { timeout: 15_000 });
  await expect(app.getByTestId('review-amount')).toHaveAttribute('data-sat', '3500');
  await app.getByTestId('send-edit').click();
  // An on-chain URI with an amount goes straight to the on-chain review; one for another network is refused.
  await app.goto('/#/wallet/scan');
  await app.fill('#scan-text', `BITCOIN:${address.toUpperCase()}?AMOUNT=0.00001`);
  await app.getByTestId('scan-text-use').click();
  await expect(app.getByTestId('review-amount')).toHaveAttribute('data-sat', '1000', { timeout: 15_000 });
  await app.getByTestId('send-edit').click();
  await app.goto('/#/wallet/scan');
  await app.fill('#scan-text', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  await app.getByTestId('scan-text-use').click();
  await expect(app.getByTestId('scan-message')).toHaveText('That is a mainnet (bitcoin) address; this wallet is on regtest.');

  await app.goto('/#/wallet/scan');
  await app.fill('#scan-text', ` ${run.urls.hub}\n`);
  await app.getByTestId('scan-text-use').click();
  await expect(app).toHaveURL(/#\/channels$/);
  await expect(app.locator('#open-uri')).toHaveValue(run.urls.hub);
  // Leaving the scanner turned its camera off, every time.
  const [opened, live] = await cameraTracks(app);
  expect(opened).toBeGreaterThan(0);
  expect(live).toBe(0);
  expect(errors).toEqual([]);
});
