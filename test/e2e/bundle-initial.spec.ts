/**
 * bundle-gzip (issue 9 "Speed") measures the JS loaded before the home screen is interactive as
 * scripts/bundle-report.mjs counts it from the build: the entry, its static imports, the node
 * worker and the worker's static imports, and workbox-window (imported at startup to register the
 * service worker) — not the screens loaded on first visit. This checks that set
 * against what Chromium really fetches: a fresh profile creates a wallet, reloads, unlocks and
 * reaches home, and every JS file the page and its worker fetched from navigation until home shows
 * is one the bench counts, and every one the bench counts was fetched (so the number is honest
 * both ways). The service worker's own precache fetches are not the app loading code and are left
 * out; sw.js and workbox-*.js run off the page.
 */
import { execFileSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'bundle spec passphrase 1';

/** The files bundle-report counts as initial, e.g. `assets/index-abc.js`. */
function countedFiles(): string[] {
  const out = execFileSync(process.execPath, ['scripts/bundle-report.mjs', 'dist', '--json'], { encoding: 'utf8' });
  const report = JSON.parse(out) as { chunks: { file: string; role: string }[] };
  return report.chunks.filter((c) => c.role === 'entry' || c.role === 'worker' || c.role === 'startup').map((c) => c.file).sort();
}

/** JS under /assets/ the page or its dedicated worker fetches (not the service worker's precache). */
function recordJs(page: Page): Set<string> {
  const seen = new Set<string>();
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.request().serviceWorker() === null && /^\/assets\/.+\.js$/.test(path)) seen.add(path.slice(1));
  });
  return seen;
}

test('the JS fetched before home shows (reload and unlock) is exactly what bundle-gzip counts', async ({ page }) => {
  const errors = watchErrors(page);
  await createWallet(page, PASSPHRASE);

  const fetched = recordJs(page);
  await page.reload();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked', { timeout: 60_000 });
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expect(page.getByTestId('go-send')).toBeVisible();
  const atHome = [...fetched].sort();

  expect(atHome).toEqual(countedFiles());
  expect(errors).toEqual([]);
});
