/**
 * The money screens at phone size (360×640) against a real LDK node on a real regtest chain
 * (fixture-server.ts): receive on-chain from the faucet, open a channel (the home's "Pending"
 * shows it opening, its funding transaction waiting for a confirmation), pay LDK over Lightning,
 * have LDK pay our invoice shown as a unified BIP21 QR (address + invoice), then: the home's
 * recent activity merges both kinds newest first with "See all"; the Activity screen's filters;
 * the detail view of a Lightning send and receive (fee, preimage = proof of payment) and of an
 * on-chain receive (txid, confirmations); and switching the units setting to BTC changes every
 * amount shown (and survives a reload).
 *
 * Screenshots: test-results/activity-*.png (light and dark, 360×640 and 390×844).
 */
import { createHash } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FIXTURES_URL, fixtures, mine, watchErrors, createWallet } from './app-helpers.ts';

const PASSPHRASE = 'activity e2e passphrase';
const CHANNEL_SAT = 60_000;

test.use({ viewport: { width: 360, height: 640 } });
test.describe.configure({ mode: 'serial' });

let page: Page;
let errors: string[] = [];
let faucetTxid = '';
let fundingTxid = '';
let sent = { bolt11: '', paymentHash: '', preimage: '' };
let received = { paymentHash: '', preimage: '' };

const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const shot = (name: string): Promise<Buffer> => page.screenshot({ path: `test-results/activity-${name}.png`, fullPage: true });

async function ldkInvoice(request: APIRequestContext, amountMsat: bigint, description: string): Promise<{ bolt11: string; paymentHash: string }> {
  const res = await request.post(`${FIXTURES_URL}/ldk/invoice`, { data: { amountMsat: amountMsat.toString(), description } });
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as { bolt11: string; paymentHash: string };
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 360, height: 640 } });
  errors = watchErrors(page);
});

test.afterAll(async () => {
  await page?.close();
});

test('on-chain receive, a channel opening shown as pending, then a Lightning send and a unified-QR receive', async ({ request }) => {
  test.setTimeout(300_000);
  const fx = await fixtures(request);

  await createWallet(page, PASSPHRASE);
  await expect(page.getByTestId('history-empty')).toBeVisible();
  await expect(page.getByTestId('pending')).toHaveCount(0);

  // On-chain: the faucet pays the address shown and mines it.
  await page.getByTestId('go-receive').click();
  await expect(page.getByTestId('receive-screen')).toHaveAttribute('data-method', 'onchain');
  await page.getByTestId('get-test-coins').click();
  await expect(page.getByTestId('faucet-result')).toContainText('Received 100,000 test sats', { timeout: 60_000 });
  faucetTxid = (await page.getByTestId('faucet-result').getAttribute('data-txid')) ?? '';
  expect(faucetTxid).toMatch(/^[0-9a-f]{64}$/);
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
  await expect(page.getByTestId('balance-onchain')).toHaveText('100,000 sats');
  await expect(page.getByTestId('balance-lightning')).toHaveText('0 sats');
  const faucetRow = page.locator(`[data-testid=recent-activity] [data-testid=tx][data-txid="${faucetTxid}"]`);
  await expect(faucetRow).toHaveAttribute('data-confirmed', 'true');
  await expect(faucetRow).toContainText('+100,000 sats');

  // A channel: its funding is broadcast, not yet mined — the home says it is opening and what it waits for.
  await page.getByTestId('tab-channels').click();
  await page.fill('#open-uri', fx.peerUri);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', String(CHANNEL_SAT));
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  fundingTxid = ((await page.getByTestId('open-funding-txid').textContent()) ?? '').trim();
  expect(fundingTxid).toMatch(/^[0-9a-f]{64}$/);
  await page.getByTestId('open-another').click();
  // The card says how far its funding is: none of the 1 confirmation LDK's accept_channel asks (BOLT 2 minimum_depth).
  await expect(page.getByTestId('channel')).toHaveAttribute('data-state', 'wait-for-funding-confirmed');
  await expect(page.getByTestId('channel').getByTestId('channel-confirmations')).toHaveText('0 of 1 confirmation', { timeout: 30_000 });
  await page.getByTestId('tab-wallet').click();
  const opening = page.locator('[data-testid=pending-item][data-kind=channel-opening]');
  await expect(opening).toBeVisible({ timeout: 30_000 });
  await expect(opening.getByTestId('pending-detail')).toHaveText('Funding transaction waiting for its first confirmation (needs 1 confirmation)', { timeout: 30_000 });
  // Its activity row is a channel open (the worker knows the txid is the channel's funding), not a send.
  const fundingRow = page.locator(`[data-testid=recent-activity] [data-testid=tx][data-txid="${fundingTxid}"]`);
  await expect(fundingRow).toHaveAttribute('data-role', 'channel-open', { timeout: 30_000 });
  await expect(fundingRow.getByTestId('activity-title')).toHaveText('Channel open');
  await expect(fundingRow).toContainText(`with ${fx.nodeIdHex.slice(0, 8)}…${fx.nodeIdHex.slice(-6)}`);
  await expect(faucetRow.getByTestId('activity-title')).toHaveText('Received');
  await shot('home-pending');
  // The funding transaction is the newest activity (unconfirmed), and in the "Pending" filter.
  await expect(page.locator('[data-testid=recent-activity] [data-testid=tx]').first()).toHaveAttribute('data-txid', fundingTxid);
  await page.getByTestId('see-all-activity').click();
  await page.getByTestId('activity-filter-pending').click();
  await expect(page.locator('[data-testid=activity-screen] [data-testid=tx]')).toHaveCount(1);
  await expect(page.locator('[data-testid=activity-screen] [data-testid=tx]')).toHaveAttribute('data-confirmed', 'false');

  // Mined: the channel opens and nothing is pending any more.
  await mine(request, fx, 1);
  await page.getByTestId('tab-channels').click();
  const channel = page.getByTestId('channel');
  await expect(channel).toHaveAttribute('data-state', 'normal', { timeout: 60_000 });
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 30_000 });
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('pending')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('ln-history-empty')).toBeVisible();

  // Pay LDK over Lightning from the Send screen.
  const invoice = await ldkInvoice(request, 5_000_000n, 'activity coffee');
  await page.getByTestId('go-send').click();
  await page.fill('#send-to', invoice.bolt11);
  await page.getByTestId('send-review').click();
  await expect(page.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('ln-pay').click();
  await expect(page.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  sent = { ...invoice, preimage: ((await page.getByTestId('ln-result-preimage').textContent()) ?? '').trim() };
  expect(sha256Hex(sent.preimage)).toBe(sent.paymentHash);
  await page.getByTestId('ln-finish').click();
  // Our Lightning balance once the send settled; the receive below must add to it live (no reload).
  await page.evaluate(() => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = '#/wallet';
  });
  const lnBefore = BigInt((await page.getByTestId('balance-lightning').getAttribute('data-msat')) ?? 'x');

  // Receive with the unified QR: one code with the address and the invoice.
  await page.getByTestId('go-receive').click();
  await page.getByTestId('receive-unified').click();
  await expect(page.getByTestId('receive-screen')).toHaveAttribute('data-method', 'unified');
  await page.fill('#ln-receive-amount', '3000');
  await page.fill('#ln-receive-description', 'activity tip');
  await page.getByTestId('ln-create-invoice').click();
  const shown = page.getByTestId('ln-invoice');
  await expect(shown).toBeVisible({ timeout: 30_000 });
  received.paymentHash = (await shown.getAttribute('data-payment-hash')) ?? '';
  const bolt11 = ((await page.getByTestId('ln-bolt11').textContent()) ?? '').trim();
  const qr = page.getByTestId('receive-qr');
  await expect(qr).toHaveAttribute('data-qr-kind', 'unified', { timeout: 30_000 });
  const uri = (await qr.getAttribute('data-value')) ?? '';
  expect(uri).toMatch(/^bitcoin:BCRT1[02-9AC-HJ-NP-Z]+\?amount=0\.00003&lightning=LNBCRT30U1[02-9AC-HJ-NP-Z]+$/);
  expect(uri.endsWith(`&lightning=${bolt11.toUpperCase()}`)).toBe(true);
  await page.getByText('What the code says').click();
  await expect(page.getByTestId('unified-uri')).toHaveText(uri);
  await shot('receive-unified');
  // The QR's address is a fresh address of this wallet: the Send screen would read the URI as Lightning.
  const paid = await request.post(`${FIXTURES_URL}/ldk/pay`, { data: { bolt11 } });
  expect(paid.ok(), await paid.text()).toBe(true);
  received.preimage = ((await paid.json()) as { preimage: string }).preimage;
  await expect(page.getByTestId('ln-paid')).toHaveText('Paid ✓ 3,000 sats', { timeout: 30_000 });
  // The home's Lightning balance follows the settled HTLC (BOLT 2: its removal is irrevocable once revoked).
  await page.evaluate(() => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = '#/wallet';
  });
  await expect(page.getByTestId('balance-lightning')).toHaveAttribute('data-msat', (lnBefore + 3_000_000n).toString(), { timeout: 15_000 });
  expect(errors).toEqual([]);
});

test('home: recent activity merged newest first, with See all; the Activity filters', async () => {
  // (The previous test ends on the home screen.)
  const recent = page.locator('[data-testid=recent-activity] [data-activity-id]');
  // Newest first: the invoice just paid, the payment to LDK, the funding, the faucet.
  await expect(recent).toHaveCount(4);
  await expect(recent.nth(0)).toHaveAttribute('data-payment-hash', received.paymentHash);
  await expect(recent.nth(0)).toHaveAttribute('data-status', 'succeeded');
  await expect(recent.nth(0)).toContainText('+3,000 sats');
  await expect(recent.nth(1)).toHaveAttribute('data-payment-hash', sent.paymentHash);
  await expect(recent.nth(1)).toContainText('−5,000 sats');
  await expect(recent.nth(2)).toHaveAttribute('data-txid', fundingTxid);
  await expect(recent.nth(3)).toHaveAttribute('data-txid', faucetTxid);
  await shot('home');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('home-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByTestId('see-all-activity').click();
  await expect(page).toHaveURL(/#\/wallet\/activity$/);
  const rows = page.locator('[data-testid=activity-screen] [data-activity-id]');
  await page.getByTestId('activity-filter-all').click();
  await expect(rows).toHaveCount(4);
  await page.getByTestId('activity-filter-lightning').click();
  await expect(page.getByTestId('activity-filter-lightning')).toHaveAttribute('aria-pressed', 'true');
  await expect(rows).toHaveCount(2);
  await expect(page.locator('[data-testid=activity-screen] [data-testid=payment]')).toHaveCount(2);
  await page.getByTestId('activity-filter-onchain').click();
  await expect(rows).toHaveCount(2);
  await expect(page.locator('[data-testid=activity-screen] [data-testid=tx]')).toHaveCount(2);
  await page.getByTestId('activity-filter-channels').click();
  await expect(rows).toHaveCount(1);
  await expect(page.locator(`[data-testid=activity-screen] [data-testid=tx][data-txid="${fundingTxid}"] [data-testid=activity-title]`)).toHaveText('Channel open');
  await page.getByTestId('activity-filter-pending').click();
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('activity-empty')).toHaveText('Nothing pending: everything has settled.');
  await page.getByTestId('activity-filter-failed').click();
  await expect(rows).toHaveCount(0);
  await page.getByTestId('activity-filter-all').click();
  await shot('activity');
  expect(errors).toEqual([]);
});

test('detail views: a Lightning send (routing fee, preimage), a Lightning receive, an on-chain receive (txid, confirmations)', async () => {
  const activity = page.getByTestId('activity-screen');
  await activity.locator(`[data-testid=payment][data-payment-hash="${sent.paymentHash}"] a`).click();
  const detail = page.getByTestId('activity-detail');
  await expect(detail).toHaveAttribute('data-kind', 'lightning');
  await expect(page.getByTestId('detail-amount')).toHaveText('5,000 sats');
  await expect(page.getByTestId('detail-status')).toHaveText('Paid');
  // A direct channel to the payee: no routing fee.
  await expect(page.getByTestId('detail-fee')).toHaveAttribute('data-msat', '');
  await expect(page.getByTestId('detail-fee')).toHaveText('None (a direct channel)');
  await expect(page.getByTestId('detail-description')).toHaveText('activity coffee');
  await expect(page.getByTestId('detail-payment-hash')).toHaveText(sent.paymentHash);
  await expect(page.getByTestId('detail-preimage')).toHaveText(sent.preimage);
  await expect(page.getByTestId('detail-invoice')).toHaveText(sent.bolt11);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('copy-preimage').click();
  await expect(page.getByTestId('copy-preimage')).toContainText('Copied');
  expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(sent.preimage);
  await shot('detail-sent');

  await page.getByRole('link', { name: '← Activity' }).click();
  await activity.locator(`[data-testid=payment][data-payment-hash="${received.paymentHash}"] a`).click();
  await expect(page.getByTestId('detail-amount')).toHaveText('3,000 sats');
  await expect(page.getByTestId('detail-status')).toHaveText('Received');
  await expect(page.getByTestId('detail-description')).toHaveText('activity tip');
  await expect(page.getByTestId('detail-preimage')).toHaveText(received.preimage);
  expect(sha256Hex(received.preimage)).toBe(received.paymentHash);

  await page.getByRole('link', { name: '← Activity' }).click();
  await activity.locator(`[data-testid=tx][data-txid="${faucetTxid}"] a`).click();
  await expect(detail).toHaveAttribute('data-kind', 'onchain');
  await expect(page.getByTestId('detail-amount')).toHaveText('100,000 sats');
  await expect(page.getByTestId('detail-txid')).toHaveText(faucetTxid);
  // Mined by the faucet, then one more block for the channel: two confirmations.
  await expect(page.getByTestId('detail-confirmations')).toHaveAttribute('data-confirmations', '2', { timeout: 30_000 });
  await expect(page.getByTestId('detail-confirmations')).toHaveText('2 confirmations');
  await expect(page.getByTestId('detail-time')).not.toHaveText('Not confirmed yet');
  await shot('detail-onchain');

  // The funding transaction: sent, with the miner fee the wallet paid.
  await page.getByRole('link', { name: '← Activity' }).click();
  await activity.locator(`[data-testid=tx][data-txid="${fundingTxid}"] a`).click();
  await expect(page.getByTestId('detail-fee')).toHaveAttribute('data-msat', /^[1-9][0-9]*000$/);
  // An id that is not in the history (a link from elsewhere) says so.
  await page.goto(`/#/wallet/activity/tx-${'0'.repeat(64)}`); // same document: only the hash changes
  await expect(page.getByTestId('activity-missing')).toBeVisible();
  await page.getByRole('link', { name: '← Activity' }).click();
  expect(errors).toEqual([]);
});

test('units: BTC in Settings changes the amounts on the home, the activity and the detail, and is remembered', async () => {
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('units-btc').check();
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('balance')).toHaveAttribute('data-unit', 'btc');
  const total = BigInt((await page.getByTestId('balance-total').getAttribute('data-sat')) ?? '0');
  const btc = `${total / 100_000_000n}.${(total % 100_000_000n).toString().padStart(8, '0')}`;
  await expect(page.getByTestId('balance-total')).toHaveText(`${btc} BTC`);
  await expect(page.getByTestId('balance-sats')).toHaveText(`${total.toLocaleString('en-US')} sats`);
  const recent = page.locator('[data-testid=recent-activity] [data-activity-id]');
  await expect(recent.nth(0)).toContainText('+0.00003000 BTC');
  await expect(recent.nth(1)).toContainText('−0.00005000 BTC');
  await expect(page.locator(`[data-testid=recent-activity] [data-txid="${faucetTxid}"]`)).toContainText('+0.00100000 BTC');
  await shot('home-btc');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('home-btc-390-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('see-all-activity').click();
  await page.locator(`[data-testid=activity-screen] [data-testid=payment][data-payment-hash="${sent.paymentHash}"] a`).click();
  await expect(page.getByTestId('detail-amount')).toHaveText('0.00005000 BTC');

  // Remembered across a reload.
  await page.reload();
  await page.fill('#unlock-passphrase', PASSPHRASE, { timeout: 30_000 });
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('detail-amount')).toHaveText('0.00005000 BTC', { timeout: 60_000 });
  await page.getByTestId('tab-settings').click();
  await expect(page.getByTestId('units-btc')).toBeChecked();
  await shot('settings-units');
  await page.getByTestId('units-sat').check();
  await page.getByTestId('tab-wallet').click();
  await expect(page.getByTestId('balance')).toHaveAttribute('data-unit', 'sat');
  const now = BigInt((await page.getByTestId('balance-total').getAttribute('data-sat')) ?? '0');
  await expect(page.getByTestId('balance-total')).toHaveText(`${now.toLocaleString('en-US')} sats`);
  await expect(page.getByTestId('balance-btc')).toHaveText(`${now / 100_000_000n}.${(now % 100_000_000n).toString().padStart(8, '0')} BTC`);
  expect(errors).toEqual([]);
});
