/**
 * Every screen reachable without a channel, at phone size (360×640), in the light and the dark
 * theme: onboarding (choose, restore, create, words, confirm), home, receive, send, activity, channels,
 * peers, settings, the support log, and unlock (after "Lock now"). On each screen:
 *
 * - nothing sticks out of the viewport horizontally (an element wider than the screen is a
 *   failure unless an ancestor clips or scrolls it);
 * - every button, link, input, select, textarea and summary has an accessible name
 *   (Playwright's accessible-name computation);
 * - every one of them is at least 44×44 px. Documented exceptions: a checkbox or radio counts
 *   with the label row that wraps it (the label is the tap target), and a link inside running
 *   text of a paragraph may be text-sized (WCAG 2.5.8's inline exception);
 * - the theme follows `prefers-color-scheme`: the page background and text colour are the
 *   theme's tokens, and the two themes differ.
 *
 * On the way it proves the Settings features of issue 9: the recovery words appear only after
 * the worker accepted the passphrase (a wrong one is refused on the field), match the words
 * onboarding showed and go away with "Hide words"; "Lock now" locks and the unlock screen refuses
 * a wrong passphrase; the log view filters by level. Keyboard: Tab reaches a control with a
 * visible focus ring, and the tab order reaches the tab bar.
 *
 * A second walk opens a real channel to the fixture's LDK node and checks the screens that need
 * one the same way — the channel card with its balance bar, the close dialog (Escape closes it
 * and nothing is closed), peers with a connected peer, home with a Lightning balance.
 *
 * Screenshots: test-results/screens/<screen>-<theme>.png.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createWallet, fixtures, mine, watchErrors, getTestCoins } from './app-helpers.ts';

const PASSPHRASE = 'a11y walk passphrase';
const PHONE = { width: 360, height: 640 };
const THEMES = {
  light: { bg: 'rgb(246, 247, 249)', text: 'rgb(21, 24, 33)' },
  dark: { bg: 'rgb(15, 17, 23)', text: 'rgb(232, 234, 240)' },
} as const;
type Theme = keyof typeof THEMES;

/**
 * The little of the DOM the page-side checks use (this file is type-checked without the DOM lib,
 * like the other specs: page code reaches the page's globals through `globalThis`).
 */
interface Rect {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface El {
  tagName: string;
  id: string;
  className: unknown;
  textContent: string | null;
  type?: string;
  dataset: Record<string, string | undefined>;
  parentElement: El | null;
  closest(selector: string): El | null;
  getBoundingClientRect(): Rect;
  getAttribute(name: string): string | null;
  checkVisibility(opts: { visibilityProperty: boolean; opacityProperty: boolean }): boolean;
}
interface Style {
  overflowX: string;
  display: string;
  outlineStyle: string;
  outlineWidth: string;
  boxShadow: string;
  backgroundColor: string;
  color: string;
}
interface PageGlobals {
  document: {
    documentElement: { clientWidth: number; scrollWidth: number };
    body: El & { querySelectorAll(selector: string): ArrayLike<El> };
    activeElement: El | null;
    querySelectorAll(selector: string): ArrayLike<El>;
  };
  getComputedStyle(el: El): Style;
}

const INTERACTIVE = 'button, a[href], input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';

/** Elements that stick out of the viewport horizontally and are not clipped by a scrolling/hidden ancestor. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const vw = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > vw + 1) out.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${vw}`);
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right <= vw + 1 && r.left >= -1) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible') {
          const pr = p.getBoundingClientRect();
          if (pr.right <= vw + 1 && pr.left >= -1) clipped = true;
          break;
        }
      }
      if (clipped || el.closest('.visually-hidden')) continue;
      out.push(`${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''} [${Math.round(r.left)}, ${Math.round(r.right)}] "${(el.textContent ?? '').trim().slice(0, 40)}"`);
    }
    return out;
  });
}

/** Visible interactive elements smaller than 44×44 (outside the documented exceptions). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll(selector))) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
      if (el.closest('.visually-hidden')) continue;
      let box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const type = el.type;
      if (el.tagName === 'INPUT' && (type === 'checkbox' || type === 'radio')) {
        const label = el.closest('label');
        if (label) box = label.getBoundingClientRect();
      }
      // A link in running text of a paragraph: text-sized is allowed (documented above).
      if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.parentElement?.closest('p')) continue;
      if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
        const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
        out.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : el.id ? `#${el.id}` : ''} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return out;
  }, INTERACTIVE);
}

/** Every visible interactive element has a non-empty accessible name. */
async function expectNames(page: Page, screen: string): Promise<void> {
  const all = page.locator(INTERACTIVE);
  const n = await all.count();
  let checked = 0;
  for (let i = 0; i < n; i++) {
    const el: Locator = all.nth(i);
    if (!(await el.isVisible())) continue;
    const what = await el.evaluate((node) => {
      const e = node as unknown as El;
      return `${e.tagName.toLowerCase()}${e.dataset.testid ? `[${e.dataset.testid}]` : e.id ? `#${e.id}` : ''}`;
    });
    await expect.soft(el, `${screen}: ${what} has an accessible name`).toHaveAccessibleName(/\S/, { timeout: 2_000 });
    checked++;
  }
  expect(checked, `${screen}: some controls were checked`).toBeGreaterThan(0);
}

async function themeColors(page: Page): Promise<{ bg: string; text: string }> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const s = getComputedStyle(document.body);
    return { bg: s.backgroundColor, text: s.color };
  });
}

/** All checks on the screen now shown, in both themes; a screenshot of each. */
async function checkScreen(page: Page, screen: string): Promise<void> {
  await expectNames(page, screen);
  for (const theme of Object.keys(THEMES) as Theme[]) {
    await page.emulateMedia({ colorScheme: theme });
    expect(await themeColors(page), `${screen} (${theme}): theme colours`).toEqual(THEMES[theme]);
    expect.soft(await overflowing(page), `${screen} (${theme}): nothing overflows horizontally`).toEqual([]);
    expect.soft(await smallTargets(page), `${screen} (${theme}): targets ≥ 44×44`).toEqual([]);
    await page.screenshot({ path: `test-results/screens/${screen}-${theme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function go(page: Page, hash: string, testid: string): Promise<void> {
  await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  await expect(page.getByTestId(testid).first()).toBeVisible();
}

test('every screen reachable without a channel fits 360×640, names every control, has 44 px targets, in light and dark', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.setViewportSize(PHONE);
  await page.emulateMedia({ colorScheme: 'light' });

  // Onboarding: choose, then the restore form (and back), then the create flow with its step indicator.
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('onboarding')).toHaveAttribute('data-step', 'choose');
  await checkScreen(page, 'onboarding-choose');

  await page.getByTestId('start-restore').click();
  await expect(page.getByTestId('onboarding')).toHaveAttribute('data-step', 'restore');
  await checkScreen(page, 'onboarding-restore');
  await page.getByRole('button', { name: '← Back' }).click();

  await page.getByTestId('start-create').click();
  await expect(page.getByTestId('step-indicator')).toHaveAttribute('data-step', '1');
  await checkScreen(page, 'onboarding-create');
  await page.fill('#new-passphrase', PASSPHRASE);
  await page.fill('#new-passphrase-2', PASSPHRASE);
  await page.getByTestId('create-wallet').click();
  await expect(page.getByTestId('word')).toHaveCount(24, { timeout: 60_000 });
  await expect(page.getByTestId('step-indicator')).toHaveAttribute('data-step', '2');
  // The persistence request made at creation has an answer on screen (headless Chromium says no).
  await expect(page.getByTestId('onboarding-storage')).toHaveAttribute('data-persisted', /^(true|false)$/);
  const words = await page.locator('[data-testid=word] .w').allTextContents();
  await checkScreen(page, 'onboarding-words');
  await page.getByTestId('wrote-down').check();
  await page.getByTestId('words-continue').click();
  await expect(page.getByTestId('step-indicator')).toHaveAttribute('data-step', '3');
  const quiz = page.getByTestId('quiz-input');
  await expect(quiz).toHaveCount(3);
  await checkScreen(page, 'onboarding-confirm');
  for (let i = 0; i < 3; i++) {
    const position = Number(await quiz.nth(i).getAttribute('data-position'));
    await quiz.nth(i).fill(words[position - 1]!);
  }
  await page.getByTestId('confirm-words').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked');

  await go(page, '#/wallet', 'go-receive');
  await checkScreen(page, 'home');
  await go(page, '#/wallet/receive', 'wallet');
  await checkScreen(page, 'receive');
  await go(page, '#/wallet/send', 'wallet');
  await checkScreen(page, 'send');
  await go(page, '#/wallet/activity', 'activity-screen');
  await checkScreen(page, 'activity');
  await go(page, '#/channels', 'channels-screen');
  await expect(page.getByTestId('channels-empty')).toBeVisible();
  await checkScreen(page, 'channels');
  await go(page, '#/peers', 'peer-count');
  await checkScreen(page, 'peers');
  await go(page, '#/settings', 'settings-about');
  await checkScreen(page, 'settings');

  // Settings → recovery words: refused with a wrong passphrase (the worker checks it), shown with the right one, hidden again.
  const card = page.getByTestId('settings-words');
  await card.locator('#settings-words-passphrase').fill('not the passphrase');
  await page.getByTestId('settings-words-reveal').click();
  await expect(page.getByTestId('settings-words-passphrase-error')).toHaveText('Wrong passphrase. Check it and try again.', { timeout: 30_000 });
  await expect(card.getByTestId('word')).toHaveCount(0);
  await card.locator('#settings-words-passphrase').fill(PASSPHRASE);
  await page.getByTestId('settings-words-reveal').click();
  await expect(card.getByTestId('word')).toHaveCount(24, { timeout: 30_000 });
  expect(await card.locator('[data-testid=word] .w').allTextContents()).toEqual(words);
  await checkScreen(page, 'settings-words');
  await page.getByTestId('settings-words-hide').click();
  await expect(card.getByTestId('word')).toHaveCount(0);
  await expect(page.getByTestId('settings-words-reveal')).toBeFocused();

  // About: the version from package.json and a build id.
  await expect(page.getByTestId('about-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('about-build')).not.toHaveText('');

  // The log view, from Settings: a filter that narrows, and nothing secret in what is shown.
  await page.getByTestId('settings-log-link').click();
  await expect(page).toHaveURL(/#\/settings\/log$/);
  await expect(page.getByTestId('log-screen')).toBeVisible();
  await expect(page.getByTestId('log-entry').first()).toBeVisible({ timeout: 30_000 });
  await checkScreen(page, 'log');
  const all = await page.getByTestId('log-entry').count();
  await page.getByTestId('log-level-error').click();
  await expect(page.getByTestId('log-level-error')).toHaveAttribute('aria-pressed', 'true');
  const errorsOnly = await page.getByTestId('log-entry').count();
  expect(errorsOnly).toBeLessThanOrEqual(all);
  for (const level of await page.getByTestId('log-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))) expect(level).toBe('error');
  await page.getByTestId('log-level-all').click();
  const logText = (await page.getByTestId('log-screen').textContent()) ?? '';
  expect(logText).not.toContain(PASSPHRASE);
  for (let i = 0; i + 2 < words.length; i++) expect(logText).not.toContain(words.slice(i, i + 3).join(' '));

  // Keyboard: Tab from the top of the page reaches a control with a visible focus ring, and the tab bar.
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
  });
  expect(ring, 'Tab focuses a control').not.toBeNull();
  expect(ring!.style !== 'none' && ring!.width >= 2 || ring!.shadow !== 'none', 'the focused control shows a ring').toBe(true);
  let reachedTabBar = false;
  for (let i = 0; i < 40 && !reachedTabBar; i++) {
    await page.keyboard.press('Tab');
    reachedTabBar = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.closest('nav[aria-label="Main"]') != null);
  }
  expect(reachedTabBar, 'Tab reaches the tab bar').toBe(true);

  // Lock now → the unlock screen; a wrong passphrase is refused on the field; the right one opens the wallet.
  await go(page, '#/settings', 'settings-lock');
  await page.getByTestId('settings-lock-now').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked', { timeout: 30_000 });
  await expect(page).toHaveURL(/#\/wallet$/);
  await expect(page.getByTestId('unlock')).toBeVisible();
  await page.getByTestId('unlock-forgot').locator('summary').click();
  await checkScreen(page, 'unlock');
  await page.fill('#unlock-passphrase', 'wrong passphrase here');
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-passphrase-error')).toHaveText('Wrong passphrase. Check it and try again.', { timeout: 30_000 });
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 30_000 });

  expect(errors).toEqual([]);
});

for (const [size, viewport] of [
  ['desktop', { width: 1280, height: 800 }],
  ['phone-390', { width: 390, height: 844 }],
] as const) {
  test(`the ${size} layout (${viewport.width}×${viewport.height}) keeps every screen within the window and the tab bar usable`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(viewport);
    await page.goto('/');
    await expect(page.getByTestId('onboarding')).toBeVisible();
    expect(await overflowing(page)).toEqual([]);
    for (const tab of ['channels', 'peers', 'settings'] as const) {
      await page.getByTestId(`tab-${tab}`).click();
      await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-current', 'page');
      expect.soft(await overflowing(page), `${tab}: nothing overflows`).toEqual([]);
      expect.soft(await smallTargets(page), `${tab}: targets ≥ 44×44`).toEqual([]);
      await page.screenshot({ path: `test-results/screens/${size}-${tab}.png`, fullPage: true });
    }
    await page.goto('/#/settings/log');
    await expect(page.getByTestId('log-screen')).toBeVisible();
    expect(await overflowing(page)).toEqual([]);
    await page.screenshot({ path: `test-results/screens/${size}-log.png`, fullPage: true });
  });
}

test('with an open channel: the channel card, the close dialog (Escape closes it), peers and home pass the same checks', async ({ page, request }) => {
  test.setTimeout(240_000);
  const fx = await fixtures(request);
  const errors = watchErrors(page);
  await page.setViewportSize(PHONE);
  await createWallet(page, PASSPHRASE);
  await getTestCoins(page);

  await page.getByTestId('tab-channels').click();
  await page.fill('#open-uri', fx.peerUri);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', '50000');
  await page.getByTestId('open-review').click();
  await checkScreen(page, 'channels-review');
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  const channel = page.getByTestId('channel');
  await mine(request, fx, 1);
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 60_000 });
  await page.getByTestId('open-another').click();
  await checkScreen(page, 'channels-open');

  // The close dialog: checked like a screen, then Escape closes it, the channel stays open and focus is back on the page.
  await channel.getByTestId('channel-close').click();
  const dialog = page.getByTestId('close-dialog');
  await expect(dialog).toBeVisible();
  await checkScreen(page, 'close-dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(channel).toHaveAttribute('data-state', 'normal');

  await page.getByTestId('tab-peers').click();
  await expect(page.getByTestId('peer').first()).toBeVisible({ timeout: 30_000 });
  await checkScreen(page, 'peers-connected');
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('go-receive')).toBeVisible();
  await checkScreen(page, 'home-with-channel');
  expect(errors).toEqual([]);
});
