/**
 * Lightning payments in the browser against a real LDK node on a real regtest chain
 * (fixture-server.ts): create a wallet, fund it from the faucet, open a channel to LDK from the
 * Channels screen and mine it open; then, from the Send screen, pay LDK's BOLT 11 invoice (bad
 * input first: a mainnet invoice and a malformed one are refused with the reason before anything
 * moves; the review shows amount, payee, description, expiry and the fee; a double click pays
 * once), pay it again from a BIP21 URI with `lightning=` (no second payment: the node is
 * idempotent by payment hash; a BIP21 URI without it goes to the on-chain form), refuse an
 * expired invoice, pay an any-amount invoice with a millisatoshi amount, and see a payment LDK
 * refuses end `failed` with the reason in words, and one LDK holds stay in flight (its deadline
 * block in the history) until LDK claims it and it settles live; from the Receive screen, create an invoice that
 * LDK pays and see "Paid ✓" live; the wallet home lists every payment newest first, shows the
 * Lightning balance, and both sides' channel balances agree to the msat; after a reload and unlock
 * the history comes back from the encrypted store.
 *
 * Screenshots: test-results/payments-*.png.
 */
import { createHash } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FIXTURES_URL, fixtures, mine, watchErrors, createWallet } from './app-helpers.ts';

const PASSPHRASE = 'payments e2e passphrase';
const CHANNEL_SAT = 60_000;
/** BOLT 11 "Examples": "Please send $3 for a cup of coffee to the same peer, within one minute" (mainnet). */
const MAINNET_INVOICE =
  'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh';

/** Any regtest address (BIP 173's P2WPKH example on regtest). */
const ONCHAIN_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

interface LdkClaimed {
  paymentHash: string;
  amountMsat: string;
  purpose: 'invoice' | 'keysend';
  parts: number;
}

interface LdkBalance {
  channelId: string;
  counterparty: string;
  usable: boolean;
  outboundMsat: string;
  inboundMsat: string;
  balanceMsat: string;
  pendingHtlcs: number;
}

/** LDK's own invoice. */
async function ldkInvoice(request: APIRequestContext, opts: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }> {
  const res = await request.post(`${FIXTURES_URL}/ldk/invoice`, {
    data: { ...(opts.amountMsat !== undefined ? { amountMsat: opts.amountMsat.toString() } : {}), ...(opts.description !== undefined ? { description: opts.description } : {}), ...(opts.expirySec !== undefined ? { expirySec: opts.expirySec } : {}) },
  });
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as { bolt11: string; paymentHash: string };
}

async function ldkClaimed(request: APIRequestContext): Promise<LdkClaimed[]> {
  return (await (await request.get(`${FIXTURES_URL}/ldk/claimed`)).json()) as LdkClaimed[];
}

async function ldkBalances(request: APIRequestContext): Promise<LdkBalance[]> {
  return (await (await request.get(`${FIXTURES_URL}/ldk/balances`)).json()) as LdkBalance[];
}

const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/payments-${name}.png`, fullPage: true });

/** Paste `text` into the Send screen's one input and ask for the review. */
async function pasteAndReview(page: Page, text: string): Promise<void> {
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('go-send').click();
  await page.fill('#send-to', text);
  await expect(page.locator('#send-to')).toHaveAttribute('data-kind', 'lightning');
  await page.getByTestId('send-review').click();
}

/** The wallet home's history row of a payment. */
const paymentRow = (page: Page, direction: 'incoming' | 'outgoing', hash: string) => page.locator(`[data-testid=payment][data-direction=${direction}][data-payment-hash="${hash}"]`);

test.describe.configure({ mode: 'serial' });
let page: Page;
let errors: string[] = [];
let ourId = '';
let coffee = { bolt11: '', paymentHash: '' };
let coffeePreimage = '';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  errors = watchErrors(page);
});

test.afterAll(async () => {
  await page?.close();
});

test('pay an LDK invoice over a channel from the Send screen (bad input first; a double click pays once)', async ({ request }) => {
  test.setTimeout(300_000);
  const fx = await fixtures(request);

  // A funded wallet and a channel to LDK, as in channels.spec.ts.
  await createWallet(page, PASSPHRASE);
  await page.getByTestId('go-receive').click();
  await expect(page.getByTestId('receive-screen')).toHaveAttribute('data-method', 'onchain'); // no channel yet
  await page.getByTestId('get-test-coins').click();
  await expect(page.getByTestId('faucet-result')).toContainText('Received 100,000 test sats', { timeout: 60_000 });
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });
  ourId = (await page.getByTestId('own-node-id').getAttribute('data-node-id')) ?? '';
  expect(ourId).toMatch(/^0[23][0-9a-f]{64}$/);
  await page.getByTestId('tab-channels').click();
  await page.fill('#open-uri', fx.peerUri);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', String(CHANNEL_SAT));
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('open-another').click();
  await mine(request, fx, 1);
  const channel = page.getByTestId('channel');
  await expect(channel).toHaveAttribute('data-state', 'normal', { timeout: 60_000 });
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 30_000 });
  await expect(async () => expect((await ldkBalances(request)).some((b) => b.counterparty === ourId && b.usable)).toBe(true)).toPass({ timeout: 30_000 });

  // The wallet home shows the Lightning balance next to the on-chain one.
  await page.getByTestId('tab-wallet').click();
  const lightningMsat = BigInt((await page.getByTestId('balance-lightning').getAttribute('data-msat')) ?? '0');
  expect(lightningMsat).toBeGreaterThan(0n);
  expect(lightningMsat).toBeLessThanOrEqual(BigInt(CHANNEL_SAT) * 1000n);
  await expect(page.getByTestId('ln-history-empty')).toBeVisible();

  // Bad input, refused with the reason before any money moves: an invoice for another network,
  // and one that is not an invoice at all. Nothing typed is lost.
  await pasteAndReview(page, MAINNET_INVOICE);
  await expect(page.getByTestId('send-to-error')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('send-to-error')).toContainText(/network|bitcoin|mainnet|regtest/i);
  await expect(page.getByTestId('ln-review-card')).toHaveCount(0);
  await expect(page.locator('#send-to')).toBeFocused();
  await page.fill('#send-to', 'lnbcrt1notaninvoice');
  await page.getByTestId('send-review').click();
  await expect(page.getByTestId('send-to-error')).not.toBeEmpty({ timeout: 15_000 });
  await expect(page.getByTestId('ln-review-card')).toHaveCount(0);
  await shot(page, 'bad-invoice');

  // LDK's invoice: the review says what will be paid, to whom, for what, until when, and the fee.
  // LDK lets at most 10 % of the channel be in flight towards it (6,000 sats here): 5,000 fits.
  coffee = await ldkInvoice(request, { amountMsat: 5_000_000n, description: 'e2e coffee' });
  // Copied elsewhere, pasted with the Paste button.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.fill('#send-to', '');
  await page.evaluate((text) => (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText(text), `lightning:${coffee.bolt11}`);
  await page.getByTestId('send-paste').click();
  await expect(page.locator('#send-to')).toHaveValue(`lightning:${coffee.bolt11}`);
  await expect(page.locator('#send-to')).toHaveAttribute('data-kind', 'lightning');
  await expect(page.locator('#send-amount')).toHaveCount(0); // the invoice carries the amount
  await page.getByTestId('send-review').click();
  const review = page.getByTestId('ln-review-card');
  await expect(review).toBeVisible({ timeout: 15_000 });
  await expect(review).toHaveAttribute('data-payment-hash', coffee.paymentHash);
  await expect(page.getByTestId('ln-review-amount')).toHaveAttribute('data-msat', '5000000');
  await expect(page.getByTestId('ln-review-amount')).toHaveText('5,000 sats');
  await expect(page.getByTestId('ln-review-payee')).toHaveAttribute('data-node-id', fx.nodeIdHex);
  await expect(page.getByTestId('ln-review-description')).toHaveText('e2e coffee');
  await expect(page.getByTestId('ln-review-expiry')).toHaveAttribute('data-expired', 'false');
  await expect(page.getByTestId('ln-review-expiry')).toContainText('in ');
  await shot(page, 'review');
  // A direct channel to the payee: no routing fee.
  await expect(page.getByTestId('ln-review-fee')).toHaveAttribute('data-route', 'direct', { timeout: 15_000 });
  await expect(page.getByTestId('ln-review-fee')).toHaveAttribute('data-msat', '0');

  // Pay: a double click pays once; the result has the fee and the preimage (sha256 = the hash).
  await page.getByTestId('ln-pay').dblclick();
  const result = page.getByTestId('ln-result');
  await expect(result).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(result).toHaveAttribute('data-payment-hash', coffee.paymentHash);
  await expect(result.getByRole('heading')).toHaveText('Paid 5,000 sats');
  await expect(page.getByTestId('ln-result-fee')).toHaveAttribute('data-msat', '0');
  coffeePreimage = ((await page.getByTestId('ln-result-preimage').textContent()) ?? '').trim();
  expect(coffeePreimage).toMatch(/^[0-9a-f]{64}$/);
  expect(sha256Hex(coffeePreimage)).toBe(coffee.paymentHash);
  await shot(page, 'paid');
  // LDK received it, once.
  await expect(async () => {
    const claimed = (await ldkClaimed(request)).filter((c) => c.paymentHash === coffee.paymentHash);
    expect(claimed).toEqual([expect.objectContaining({ amountMsat: '5000000', purpose: 'invoice' })]);
  }).toPass({ timeout: 30_000 });

  // The wallet home lists it.
  await page.getByTestId('ln-finish').click();
  const row = paymentRow(page, 'outgoing', coffee.paymentHash);
  await expect(row).toHaveAttribute('data-status', 'succeeded');
  await expect(row).toHaveAttribute('data-amount-msat', '5000000');
  await expect(row).toContainText('e2e coffee');
  await expect(async () => {
    const now = BigInt((await page.getByTestId('balance-lightning').getAttribute('data-msat')) ?? '0');
    expect(now).toBe(lightningMsat - 5_000_000n);
  }).toPass({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('paying the same invoice again (from a BIP21 URI with lightning=) does not pay twice', async ({ request }) => {
  test.setTimeout(120_000);
  // A BIP21 URI without lightning= is an on-chain payment: the on-chain form, its amount filled in.
  await page.getByTestId('go-send').click();
  await page.fill('#send-to', `bitcoin:${ONCHAIN_ADDRESS}?amount=0.00005`);
  await expect(page.locator('#send-to')).toHaveAttribute('data-kind', 'onchain');
  await expect(page.locator('#send-amount')).toHaveValue('5000');
  await page.fill('#send-amount', '');
  // The same invoice inside a unified BIP21 URI (upper case, as in a QR code) goes over Lightning.
  await pasteAndReview(page, `bitcoin:${ONCHAIN_ADDRESS}?amount=0.00005&lightning=${coffee.bolt11.toUpperCase()}`);
  await expect(page.getByTestId('ln-review-card')).toHaveAttribute('data-payment-hash', coffee.paymentHash, { timeout: 15_000 });
  await page.getByTestId('ln-pay').click();
  const result = page.getByTestId('ln-result');
  await expect(result).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(page.getByTestId('ln-result-preimage')).toHaveText(coffeePreimage);
  await page.getByTestId('ln-finish').click();
  await expect(page.locator(`[data-testid=payment][data-payment-hash="${coffee.paymentHash}"]`)).toHaveCount(1);
  expect((await ldkClaimed(request)).filter((c) => c.paymentHash === coffee.paymentHash)).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('an expired invoice is refused; an any-amount invoice takes a millisatoshi amount; a refused payment fails with the reason', async ({ request }) => {
  test.setTimeout(180_000);

  // Expired (within its one second, by the page's clock): the review says so and Pay is disabled.
  const stale = await ldkInvoice(request, { amountMsat: 1_000_000n, description: 'too late', expirySec: 1 });
  await pasteAndReview(page, stale.bolt11);
  await expect(page.getByTestId('ln-review-expiry')).toHaveAttribute('data-expired', 'true', { timeout: 15_000 });
  await expect(page.getByTestId('ln-expired')).toContainText('expired');
  await expect(page.getByTestId('ln-pay')).toBeDisabled();
  await shot(page, 'expired');
  await page.getByTestId('ln-back').click();
  await expect(page.locator('#send-to')).toHaveValue(stale.bolt11); // nothing typed is lost

  // Any amount: the review asks for it, with millisatoshi precision.
  const tip = await ldkInvoice(request, { description: 'any amount' });
  await page.fill('#send-to', tip.bolt11);
  await page.getByTestId('send-review').click();
  await expect(page.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('ln-review-amount')).toHaveCount(0);
  await page.getByTestId('ln-pay').click();
  await expect(page.getByTestId('ln-amount-error')).toContainText('Enter the amount');
  await expect(page.locator('#ln-amount')).toBeFocused();
  await page.fill('#ln-amount', '1500.5');
  await page.locator('#ln-amount').blur();
  await expect(page.getByTestId('ln-review-fee')).toHaveAttribute('data-route', 'direct', { timeout: 15_000 });
  await expect(page.getByTestId('ln-pay')).toHaveText('Pay 1,500.5 sats');
  await page.getByTestId('ln-pay').click();
  await expect(page.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(page.getByTestId('ln-result').getByRole('heading')).toHaveText('Paid 1,500.5 sats');
  await expect(async () => {
    expect((await ldkClaimed(request)).find((c) => c.paymentHash === tip.paymentHash)).toMatchObject({ amountMsat: '1500500' });
  }).toPass({ timeout: 30_000 });
  await page.getByTestId('ln-finish').click();

  // LDK refuses this one (fails the HTLC back: incorrect_or_unknown_payment_details): failed, in words.
  const refused = await ldkInvoice(request, { amountMsat: 2_000_000n, description: 'refused' });
  const rejected = await request.post(`${FIXTURES_URL}/ldk/reject`, { data: { paymentHash: refused.paymentHash } });
  expect(rejected.ok(), await rejected.text()).toBe(true);
  await pasteAndReview(page, refused.bolt11);
  await expect(page.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('ln-pay').click();
  const result = page.getByTestId('ln-result');
  await expect(result).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(page.getByTestId('ln-result-reason')).not.toBeEmpty();
  await expect(page.getByTestId('ln-result-reason')).not.toContainText('_'); // words, not a code
  await expect(page.getByTestId('ln-retry')).toBeVisible();
  await shot(page, 'failed');
  await page.getByTestId('ln-finish').click();
  await expect(paymentRow(page, 'outgoing', refused.paymentHash)).toHaveAttribute('data-status', 'failed');
  // The HTLC is gone on both sides.
  await expect(async () => expect((await ldkBalances(request)).find((b) => b.counterparty === ourId)?.pendingHtlcs).toBe(0)).toPass({ timeout: 30_000 });
  expect((await ldkClaimed(request)).some((c) => c.paymentHash === refused.paymentHash)).toBe(false);
  expect(errors).toEqual([]);
});

test('a payment LDK holds stays in flight with its deadline, and settles live when LDK claims it', async ({ request }) => {
  test.setTimeout(120_000);
  const policy = await request.post(`${FIXTURES_URL}/ldk/policy`, { data: { policy: 'hold' } });
  expect(policy.ok(), await policy.text()).toBe(true);
  try {
    const held = await ldkInvoice(request, { amountMsat: 1_200_000n, description: 'held' });
    await pasteAndReview(page, held.bolt11);
    await expect(page.getByTestId('ln-review-card')).toBeVisible({ timeout: 15_000 });
    await page.getByTestId('ln-pay').click();
    // Sending…, with the payment hash, while LDK holds the HTLC.
    await expect(page.getByTestId('ln-paying')).toBeVisible();
    await expect(page.getByTestId('ln-payment-hash')).toHaveText(held.paymentHash);
    await expect(async () => expect((await (await request.get(`${FIXTURES_URL}/ldk/held`)).json()) as string[]).toContain(held.paymentHash)).toPass({ timeout: 30_000 });
    // The history shows it in flight, with the block its HTLC times out at.
    await page.getByTestId('tab-wallet').click();
    const row = paymentRow(page, 'outgoing', held.paymentHash);
    await expect(row).toHaveAttribute('data-status', 'pending');
    await expect(row.getByTestId('payment-status')).toContainText(/In flight · deadline block [\d,]+/);
    await shot(page, 'in-flight');
    // Back on Send, still sending (nothing lost by moving around); LDK claims it: succeeded, live.
    await page.getByTestId('go-send').click();
    await expect(page.getByTestId('ln-paying')).toBeVisible();
    const released = await request.post(`${FIXTURES_URL}/ldk/release`, { data: { paymentHash: held.paymentHash, how: 'claim' } });
    expect(released.ok(), await released.text()).toBe(true);
    await expect(page.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(page.getByTestId('ln-result').getByRole('heading')).toHaveText('Paid 1,200 sats');
    expect(sha256Hex(((await page.getByTestId('ln-result-preimage').textContent()) ?? '').trim())).toBe(held.paymentHash);
    await page.getByTestId('ln-finish').click();
    await expect(row).toHaveAttribute('data-status', 'succeeded');
  } finally {
    await request.post(`${FIXTURES_URL}/ldk/policy`, { data: { policy: 'claim' } });
  }
  expect(errors).toEqual([]);
});

test('receive: an invoice with a QR code that LDK pays, shown as paid live', async ({ request }) => {
  test.setTimeout(120_000);
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('go-receive').click();
  // A usable channel: Lightning is offered first.
  await expect(page.getByTestId('receive-screen')).toHaveAttribute('data-method', 'lightning');
  // Any amount, no description: an invoice the payer fills in.
  await page.getByTestId('ln-create-invoice').click();
  await expect(page.getByTestId('ln-invoice-amount')).toHaveText('Any amount', { timeout: 30_000 });
  expect(((await page.getByTestId('ln-bolt11').textContent()) ?? '').trim()).toMatch(/^lnbcrt1[02-9ac-hj-np-z]+$/);
  await page.getByTestId('ln-new-invoice').click();
  await page.fill('#ln-receive-amount', '2000.5x');
  await page.getByTestId('ln-create-invoice').click();
  await expect(page.getByTestId('ln-receive-amount-error')).toContainText('number of sats');
  // Above LDK's smallest HTLC towards us here (it keeps dust HTLCs within its exposure limit).
  await page.fill('#ln-receive-amount', '3000');
  await page.fill('#ln-receive-description', 'e2e tip');
  await page.getByTestId('ln-create-invoice').click();
  const shown = page.getByTestId('ln-invoice');
  await expect(shown).toBeVisible({ timeout: 30_000 });
  const hash = (await shown.getAttribute('data-payment-hash')) ?? '';
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  const bolt11 = ((await page.getByTestId('ln-bolt11').textContent()) ?? '').trim();
  expect(bolt11).toMatch(/^lnbcrt30u1[02-9ac-hj-np-z]+$/);
  // The QR code holds LIGHTNING:<INVOICE> in alphanumeric mode (the smaller code).
  await expect(page.getByTestId('qr')).toHaveAttribute('data-mode', 'alphanumeric');
  await expect(page.getByTestId('ln-invoice-amount')).toHaveText('3,000 sats');
  await expect(page.getByTestId('ln-invoice-expiry')).toContainText('in ');
  await page.getByTestId('ln-copy-invoice').click();
  await expect(page.getByTestId('ln-copy-invoice')).toContainText(/Copied|Select and copy/);
  await shot(page, 'receive');

  // LDK pays it; the screen says so without a reload.
  const paid = await request.post(`${FIXTURES_URL}/ldk/pay`, { data: { bolt11 } });
  expect(paid.ok(), await paid.text()).toBe(true);
  const sent = (await paid.json()) as { paymentHash: string; preimage: string };
  expect(sent.paymentHash).toBe(hash);
  await expect(page.getByTestId('ln-paid')).toHaveText('Paid ✓ 3,000 sats', { timeout: 30_000 });
  await expect(shown).toHaveAttribute('data-paid', 'true');
  await shot(page, 'received');

  await page.getByRole('link', { name: '← Wallet' }).click();
  const row = paymentRow(page, 'incoming', hash);
  await expect(row).toHaveAttribute('data-status', 'succeeded');
  await expect(row).toHaveAttribute('data-amount-msat', '3000000');
  // Newest first: the payment just received heads the list.
  await expect(page.getByTestId('payment').first()).toHaveAttribute('data-payment-hash', hash);

  // Both sides agree on the channel's balance to the msat (no HTLC pending).
  await expect(async () => {
    const theirs = (await ldkBalances(request)).find((b) => b.counterparty === ourId);
    expect(theirs?.pendingHtlcs).toBe(0);
    await page.getByTestId('tab-channels').click();
    const ours = page.locator(`[data-testid=channel][data-channel-id="${theirs?.channelId}"]`);
    const localMsat = BigInt((await ours.getByTestId('channel-local').getAttribute('data-msat', { timeout: 2_000 })) ?? '-1');
    const remoteMsat = BigInt((await ours.getByTestId('channel-remote').getAttribute('data-msat', { timeout: 2_000 })) ?? '-1');
    expect(remoteMsat).toBe(BigInt(theirs?.balanceMsat ?? '-1'));
    // 5,000 + 1,500.5 + 1,200 sats to LDK, 3,000 back.
    expect(remoteMsat).toBe(5_000_000n + 1_500_500n + 1_200_000n - 3_000_000n);
    expect(localMsat + remoteMsat).toBeLessThanOrEqual(BigInt(CHANNEL_SAT) * 1000n);
  }).toPass({ timeout: 30_000 });
  await page.getByTestId('tab-wallet').click();
  await shot(page, 'history');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'history-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  expect(errors).toEqual([]);
});

test('after a reload and unlock, the payment history comes back from the encrypted store', async () => {
  test.setTimeout(120_000);
  await page.getByTestId('see-all-activity').click(); // the whole history (the home shows the last few items)
  // The Activity screen is a lazy chunk: read its rows once it has rendered (evaluateAll does not wait).
  await expect(page.getByTestId('activity-screen')).toHaveAttribute('data-view', 'list');
  const before = await page.getByTestId('payment').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')}:${e.getAttribute('data-payment-hash')}:${e.getAttribute('data-status')}`));
  expect(before.length).toBeGreaterThanOrEqual(5);
  await page.reload();
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await expect(page.getByTestId('payment')).toHaveCount(before.length, { timeout: 30_000 });
  const after = await page.getByTestId('payment').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')}:${e.getAttribute('data-payment-hash')}:${e.getAttribute('data-status')}`));
  expect([...after].sort()).toEqual([...before].sort());
  await expect(page.getByTestId('payment').first()).toHaveAttribute('data-direction', 'incoming'); // still newest first
  expect(errors).toEqual([]);
});
