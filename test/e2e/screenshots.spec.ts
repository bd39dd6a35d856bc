/**
 * Every screen at phone (390×844) and desktop (1280×800) size, light and dark (issue 9, "Screenshots
 * of every screen"), saved under test-results/screenshots/<screen>-<phone|desktop>-<light|dark>.png.
 * Each screen must render its heading first, so a screen that is missing or blank fails here by name.
 * One wallet, no channel: onboarding before it exists, the unlocked screens by hash (in-page, so the
 * wallet stays unlocked), and the unlock screen after a reload. scripts/make-screenshots.mjs copies
 * the home screen shots into public/screenshots/ for the manifest.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'screenshots passphrase 1';

// The page's global used inside page.evaluate (this project type-checks without the DOM lib).
declare const location: { hash: string };

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

/** The unlocked screens: their hash and the heading that proves they rendered. */
const SCREENS: { name: string; hash: string; heading: RegExp }[] = [
  { name: 'home', hash: '#/wallet', heading: /^Balance$/ },
  { name: 'send', hash: '#/wallet/send', heading: /^Send bitcoin$/ },
  { name: 'receive', hash: '#/wallet/receive', heading: /^Receive bitcoin$/ },
  { name: 'backup', hash: '#/wallet/backup', heading: /recovery words|backup/i },
  { name: 'channels', hash: '#/channels', heading: /^Channels/ },
  { name: 'peers', hash: '#/peers', heading: /^Peers/ },
  { name: 'settings', hash: '#/settings', heading: /^Chain$/ },
  // Activity, the scanner and the support log.
  { name: 'activity', hash: '#/wallet/activity', heading: /activity/i },
  { name: 'scan', hash: '#/wallet/scan', heading: /scan/i },
  { name: 'log', hash: '#/settings/log', heading: /log/i },
];

test.use({ viewport: { width: 390, height: 844 } });

/** Shoot `screen` in every size and scheme once `heading` shows in each. */
async function shoot(page: Page, screen: string, heading: Locator): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      await expect(heading, `${screen} (${size.name}, ${scheme}) shows its heading`).toBeVisible();
      await page.screenshot({ path: `test-results/screenshots/${screen}-${size.name}-${scheme}.png` });
    }
  }
  await page.setViewportSize({ width: 390, height: 844 });
}

test('every screen renders its heading at phone and desktop size, light and dark (screenshots)', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);

  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await shoot(page, 'onboarding', page.getByRole('heading', { name: 'Your on-chain wallet' }));

  await createWallet(page, PASSPHRASE);
  const missing: string[] = [];
  for (const s of SCREENS) {
    await page.evaluate((hash) => (location.hash = hash), s.hash);
    const heading = page.locator('main').getByRole('heading', { name: s.heading }).first();
    // A route that does not exist falls back to the wallet home: name it instead of timing out on every size.
    const rendered = await heading.waitFor({ state: 'visible', timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (!rendered) {
      missing.push(`${s.name} (${s.hash}): no heading matching ${s.heading}`);
      continue;
    }
    await shoot(page, s.name, heading);
  }

  // Reloading locks the wallet: the unlock screen.
  await page.evaluate(() => (location.hash = '#/wallet'));
  await page.reload();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked');
  await shoot(page, 'unlock', page.getByRole('heading', { name: 'Unlock your wallet' }));

  // No camera in this browser: the scanner's own complaint about it is expected, nothing else.
  const unexpected = errors.filter((e) => !/getUserMedia|camera|NotFoundError|NotAllowedError|Requested device not found/i.test(e));
  expect({ missing, errors: unexpected }, 'screens that did not render, and page errors').toEqual({ missing: [], errors: [] });
});
