/**
 * The on-chain wallet in the browser against a real regtest chain (bcoin behind the playground's
 * Esplora API, see fixture-server.ts): create a wallet and confirm its words, receive from the
 * faucet, send with the review step, reload and unlock (a wrong passphrase first), and restore
 * the same words in a fresh browser profile to find the same balance. Settings: the Esplora URL is
 * editable and remembered. Screenshots go to test-results/wallet-*.png.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { Fixtures } from './fixture-server.ts';

const FIXTURES_URL = `http://127.0.0.1:${Number(process.env.FIXTURE_PORT ?? 4175)}`;
const PASSPHRASE = 'correct horse battery staple';

async function fixtures(request: APIRequestContext): Promise<Fixtures> {
  const res = await request.get(`${FIXTURES_URL}/fixtures.json`);
  expect(res.ok()).toBe(true);
  return (await res.json()) as Fixtures;
}

async function faucet(request: APIRequestContext, fx: Fixtures, address: string, sats: number): Promise<string> {
  const res = await request.post(`${fx.esploraUrl}/regtest/faucet`, { data: { address, sats } });
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { txid: string }).txid;
}

async function mine(request: APIRequestContext, fx: Fixtures, blocks = 1): Promise<void> {
  const res = await request.post(`${fx.esploraUrl}/regtest/mine`, { data: { blocks } });
  expect(res.ok(), await res.text()).toBe(true);
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Ask for a sync and wait until the confirmed balance is `sat`. */
async function expectConfirmed(page: Page, sat: bigint): Promise<void> {
  await expect(async () => {
    await page.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
    await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', sat.toString(), { timeout: 3_000 });
  }).toPass({ timeout: 45_000 });
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/wallet-${name}.png`, fullPage: true });

test.describe.configure({ mode: 'serial' });

let words: string[] = [];
let finalSat = 0n;

test('create, confirm the words, receive from the faucet, send with review, reload and unlock', async ({ page, context, request }) => {
  test.setTimeout(240_000);
  const fx = await fixtures(request);
  const errors = watchErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);

  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('onboarding-network')).toHaveText('regtest'); // from glint.config.json
  await shot(page, 'welcome');

  // Passphrase twice: a mismatch is caught inline and nothing typed is lost.
  await page.getByTestId('start-create').click();
  await page.fill('#new-passphrase', PASSPHRASE);
  await page.fill('#new-passphrase-2', `${PASSPHRASE}!`);
  await page.getByTestId('create-wallet').click();
  await expect(page.getByTestId('new-passphrase-2-error')).toContainText('do not match');
  await expect(page.locator('#new-passphrase')).toHaveValue(PASSPHRASE);
  await expect(page.locator('#new-passphrase-2')).toBeFocused();
  await page.fill('#new-passphrase-2', PASSPHRASE);
  await page.getByTestId('create-wallet').click();

  // 24 words, shown once.
  await expect(page.getByTestId('word')).toHaveCount(24, { timeout: 60_000 });
  words = await page.locator('[data-testid=word] .w').allTextContents();
  expect(words).toHaveLength(24);
  for (const w of words) expect(w).toMatch(/^[a-z]{3,8}$/);
  await shot(page, 'words');
  await expect(page.getByTestId('words-continue')).toBeDisabled();
  await page.getByTestId('wrote-down').check();
  await page.getByTestId('words-continue').click();

  // Confirm a few by position: a wrong one is named, then the right ones pass.
  const quiz = page.getByTestId('quiz-input');
  await expect(quiz).toHaveCount(3);
  const positions = await Promise.all([0, 1, 2].map(async (i) => Number(await quiz.nth(i).getAttribute('data-position'))));
  await quiz.nth(0).fill(words[positions[0]! - 1] === 'zoo' ? 'abandon' : 'zoo');
  await quiz.nth(1).fill(words[positions[1]! - 1]!);
  await quiz.nth(2).fill(words[positions[2]! - 1]!);
  await page.getByTestId('confirm-words').click();
  await expect(page.getByTestId('quiz-error')).toHaveText(`That is not word #${positions[0]}. Check your written copy.`);
  await expect(quiz.nth(0)).toBeFocused();
  await shot(page, 'confirm');
  await quiz.nth(0).fill(words[positions[0]! - 1]!.toUpperCase());
  await page.getByTestId('confirm-words').click();

  // The wallet: zero balance, synced against the chain.
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked');
  await expect(page.getByTestId('balance-total')).toHaveAttribute('data-sat', '0');
  await expect(page.getByTestId('sync-state')).toContainText('Synced', { timeout: 30_000 });
  await expect(page.getByTestId('history-empty')).toBeVisible();
  await expect(page.getByTestId('backup-pending')).toHaveCount(0);
  // The node now runs as the wallet's key.
  await expect(page.getByTestId('own-node-id')).toHaveAttribute('data-node-id', /^0[23][0-9a-f]{64}$/);

  // Receive: a BIP84 regtest address, its QR code, and a copy button.
  await page.getByTestId('go-receive').click();
  const addressEl = page.getByTestId('receive-address');
  await expect(addressEl).toHaveAttribute('data-address', /^bcrt1q[02-9ac-hj-np-z]{38}$/);
  const address = (await addressEl.getAttribute('data-address')) as string;
  await expect(page.getByTestId('qr')).toBeVisible();
  await page.getByTestId('copy-address').click();
  await expect(page.getByTestId('copy-address')).toContainText('Copied');
  expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(address);
  await shot(page, 'receive');

  // The faucet pays 100,000 sats and mines a block.
  await faucet(request, fx, address, 100_000);
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expectConfirmed(page, 100_000n);
  await expect(page.getByTestId('balance-total')).toContainText('100,000 sats');
  await expect(page.getByTestId('balance-btc')).toHaveText('0.00100000 BTC');
  await expect(page.getByTestId('balance-unconfirmed')).toHaveAttribute('data-sat', '0');
  await expect(page.getByTestId('tx')).toHaveCount(1);
  await expect(page.getByTestId('tx').first()).toHaveAttribute('data-delta', '100000');
  await shot(page, 'funded');

  // Send: inline validation first, nothing typed is lost.
  const info = (await (await request.get(`${fx.esploraUrl}/regtest/info`)).json()) as { faucetAddress: string };
  await page.getByTestId('go-send').click();
  await page.fill('#send-to', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  await page.fill('#send-amount', '1.5');
  await page.getByTestId('send-review').click();
  await expect(page.getByTestId('send-to-error')).toContainText('mainnet (bitcoin) address; this wallet is on regtest');
  await expect(page.getByTestId('send-amount-error')).toContainText('whole sats');
  await expect(page.locator('#send-to')).toBeFocused();
  await page.fill('#send-to', info.faucetAddress);
  await expect(page.getByTestId('send-to-error')).toHaveCount(0);
  await page.fill('#send-amount', '100');
  await expect(page.getByTestId('send-amount-error')).toContainText('at least 294 sats');
  await page.fill('#send-amount', '250000');
  await expect(page.getByTestId('send-amount-error')).toContainText('more than your balance of 100,000 sats');
  await page.getByTestId('fee-custom').check();
  await page.fill('#custom-fee', '0.5');
  await page.getByTestId('send-review').click();
  await expect(page.getByTestId('fee-error')).toContainText('at least 1 sat/vB');
  await shot(page, 'send-errors');
  await page.getByTestId('fee-normal').check();
  await page.fill('#send-amount', '20000');
  await page.getByTestId('send-review').click();

  // Review: amount, fee, total, address — nothing signed yet.
  await expect(page.getByTestId('send-review-card')).toBeVisible();
  await expect(page.getByTestId('review-to')).toHaveText(info.faucetAddress);
  await expect(page.getByTestId('review-amount')).toHaveAttribute('data-sat', '20000');
  const fee = BigInt((await page.getByTestId('review-fee').getAttribute('data-sat')) as string);
  expect(fee > 0n && fee < 20_000n).toBe(true);
  await expect(page.getByTestId('review-total')).toHaveAttribute('data-sat', (20_000n + fee).toString());
  await shot(page, 'review');
  // Back to edit keeps the form; review again.
  await page.getByTestId('send-edit').click();
  await expect(page.locator('#send-amount')).toHaveValue('20000');
  await expect(page.locator('#send-to')).toHaveValue(info.faucetAddress);
  await page.getByTestId('send-review').click();
  await page.getByTestId('send-confirm').click();
  await expect(page.getByTestId('send-done')).toBeVisible({ timeout: 30_000 });
  const txid = (await page.getByTestId('sent-txid').textContent())?.trim() ?? '';
  expect(txid).toMatch(/^[0-9a-f]{64}$/);
  expect((await request.get(`${fx.esploraUrl}/tx/${txid}`)).ok()).toBe(true); // the chain has it
  await shot(page, 'sent');

  // Mined: the new balance and both transactions in the history.
  await mine(request, fx, 1);
  await page.getByTestId('send-finish').click();
  finalSat = 100_000n - 20_000n - fee;
  await expectConfirmed(page, finalSat);
  await expect(page.getByTestId('tx')).toHaveCount(2);
  await expect(page.locator(`[data-testid=tx][data-txid="${txid}"]`)).toHaveAttribute('data-delta', (-(20_000n + fee)).toString());
  await expect(page.locator(`[data-testid=tx][data-txid="${txid}"]`)).toHaveAttribute('data-confirmed', 'true');
  await shot(page, 'after-send');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'after-send-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Reload: the wallet is locked; a wrong passphrase gets a clear message and keeps the text.
  await page.reload();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked');
  await page.fill('#unlock-passphrase', 'not my passphrase');
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-passphrase-error')).toHaveText('Wrong passphrase. Check it and try again.', { timeout: 60_000 });
  await expect(page.locator('#unlock-passphrase')).toHaveValue('not my passphrase');
  await shot(page, 'unlock-wrong');
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expectConfirmed(page, finalSat);

  // The backup screen asks for the passphrase again and shows the same words.
  await page.getByTestId('go-backup').click();
  await page.fill('#backup-passphrase', PASSPHRASE);
  await page.getByTestId('backup-reveal').click();
  await expect(page.locator('[data-testid=word] .w')).toHaveText(words, { timeout: 60_000 });

  expect(errors).toEqual([]);
});

test('restore from the same words in a fresh browser profile finds the same balance', async ({ browser }) => {
  test.setTimeout(180_000);
  expect(words).toHaveLength(24);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await page.getByTestId('start-restore').click();

  // Shape first (word count), then the worker's verdict on the words themselves.
  await page.fill('#restore-words', words.slice(0, 23).join(' '));
  await page.fill('#new-passphrase', PASSPHRASE);
  await page.fill('#new-passphrase-2', PASSPHRASE);
  await page.getByTestId('restore-wallet').click();
  await expect(page.getByTestId('restore-words-error')).toContainText('this has 23');
  await expect(page.locator('#restore-words')).toBeFocused();
  const swapped = [...words];
  swapped[23] = swapped[23] === 'zoo' ? 'abandon' : 'zoo';
  await page.fill('#restore-words', swapped.join(' '));
  await page.getByTestId('restore-wallet').click();
  await expect(page.getByTestId('restore-words-error')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#new-passphrase')).toHaveValue(PASSPHRASE);
  await shot(page, 'restore-error');

  await page.fill('#restore-words', `  ${words.join('  ').toUpperCase()} `);
  await page.getByTestId('restore-wallet').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expectConfirmed(page, finalSat);
  await expect(page.getByTestId('tx')).toHaveCount(2);
  await shot(page, 'restored');
  expect(errors).toEqual([]);
  await context.close();
});

test('settings: the Esplora URL and network are editable and remembered', async ({ page, request }) => {
  const fx = await fixtures(request);
  await page.goto('/#/settings');
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
  await expect(page.locator('#settings-network')).toHaveValue('regtest');

  await page.fill('#settings-esplora', 'ftp://example.org');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-esplora-error')).toContainText('https://');
  await expect(page.locator('#settings-esplora')).toHaveValue('ftp://example.org');

  const other = 'http://127.0.0.1:9/esplora';
  await page.fill('#settings-esplora', `${other}/`);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${other}`);
  await shot(page, 'settings');

  await page.reload();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${other}`);
  await expect(page.locator('#settings-esplora')).toHaveValue(other);
  const stored = await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('glint.settings'));
  expect(JSON.parse(stored ?? '{}')).toMatchObject({ esploraUrls: { regtest: other } });

  // Another network has its own (empty) wallet; back on regtest with the default URL.
  await page.selectOption('#settings-network', 'signet');
  await page.fill('#settings-esplora', '');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-current')).toContainText('signet via https://mempool.space/signet/api');
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('onboarding-network')).toHaveText('signet');
  await page.getByTestId('tab-settings').click();
  await page.selectOption('#settings-network', 'regtest');
  await page.fill('#settings-esplora', '');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${fx.esploraUrl}`);
});
