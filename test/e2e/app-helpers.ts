/**
 * What the e2e specs against the fixture server (fixture-server.ts) share: where it listens, its
 * fixtures, mining on its regtest chain, collecting page errors, and onboarding a new wallet.
 */
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import type { Fixtures } from './fixture-server.ts';

export const FIXTURES_URL = `http://127.0.0.1:${Number(process.env.FIXTURE_PORT ?? 4175)}`;

export async function fixtures(request: APIRequestContext): Promise<Fixtures> {
  const res = await request.get(`${FIXTURES_URL}/fixtures.json`);
  expect(res.ok()).toBe(true);
  return (await res.json()) as Fixtures;
}

export async function mine(request: APIRequestContext, fx: Fixtures, blocks = 1): Promise<void> {
  const res = await request.post(`${fx.esploraUrl}/regtest/mine`, { data: { blocks } });
  expect(res.ok(), await res.text()).toBe(true);
}

/** Page errors and console errors, to assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Onboarding: a new wallet with `passphrase`, its words written down and confirmed; resolves with the words. */
export async function createWallet(page: Page, passphrase: string): Promise<string[]> {
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await page.getByTestId('start-create').click();
  await page.fill('#new-passphrase', passphrase);
  await page.fill('#new-passphrase-2', passphrase);
  await page.getByTestId('create-wallet').click();
  await expect(page.getByTestId('word')).toHaveCount(24, { timeout: 60_000 });
  const words = await page.locator('[data-testid=word] .w').allTextContents();
  await page.getByTestId('wrote-down').check();
  await page.getByTestId('words-continue').click();
  const quiz = page.getByTestId('quiz-input');
  await expect(quiz).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    const position = Number(await quiz.nth(i).getAttribute('data-position'));
    await quiz.nth(i).fill(words[position - 1]!);
  }
  await page.getByTestId('confirm-words').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked');
  return words;
}

/** Receive → "Get test coins" (the fixture's faucet pays 100,000 sats and mines them) → home, with them confirmed. */
export async function getTestCoins(page: Page): Promise<void> {
  await page.getByTestId('go-receive').click();
  await page.getByTestId('get-test-coins').click();
  await expect(page.getByTestId('faucet-result')).toContainText('Received 100,000 test sats', { timeout: 60_000 });
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
}

/** Channels tab: open `sat` to the fixture's LDK through its proxy, wait for the funding broadcast, then mine one block. */
export async function openChannelToLdk(page: Page, request: APIRequestContext, fx: Fixtures, sat: number | bigint): Promise<void> {
  await page.getByTestId('tab-channels').click();
  await page.fill('#open-uri', fx.peerUri);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', String(sat));
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('open-another').click();
  await mine(request, fx, 1);
}
