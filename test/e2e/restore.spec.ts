/**
 * Issue 7 "Restore e2e" in Chromium against the fixture's real LDK node and bcoin regtest chain
 * (fixture-server.ts): a wallet with two channels to LDK and a Lightning payment in its history;
 * Settings says the backup changed and "Export backup" downloads it (the mark clears); the
 * browser profile is thrown away (a new context: no IndexedDB, nothing); a fresh profile
 * restores from the 24 words plus the backup file; the node connects to LDK, which force-closes
 * both channels on the lost-state channel_reestablish; Glint sweeps its to_remote outputs; the
 * on-chain balance ends as the old one plus each channel's balance less the commitment fee (we
 * funded) and the sweep fee, to the sat, every transaction confirmed by bcoin.
 *
 * Screenshots: test-results/restore-*.png.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FIXTURES_URL, createWallet, fixtures, mine, watchErrors } from './app-helpers.ts';
import type { Fixtures } from './fixture-server.ts';

const PASSPHRASE = 'restore e2e passphrase';
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/restore-${name}.png`, fullPage: true });

interface EsploraTx {
  vin: { txid: string; vout: number }[];
  vout: { value: number }[];
  status: { confirmed: boolean };
}
const esploraTx = async (request: APIRequestContext, fx: Fixtures, txid: string): Promise<EsploraTx> => (await (await request.get(`${fx.esploraUrl}/tx/${txid}`)).json()) as EsploraTx;
async function spender(request: APIRequestContext, fx: Fixtures, txid: string, vout: number): Promise<string | undefined> {
  const o = (await (await request.get(`${fx.esploraUrl}/tx/${txid}/outspend/${vout}`)).json()) as { spent: boolean; txid?: string };
  return o.spent ? o.txid : undefined;
}

async function openChannel(page: Page, request: APIRequestContext, fx: Fixtures, sat: number): Promise<string> {
  await page.getByTestId('tab-channels').click();
  const before = await page.locator('[data-testid=channel]').count();
  await page.fill('#open-uri', fx.peerUri);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', String(sat));
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  const fundingTxid = ((await page.getByTestId('open-funding-txid').textContent()) ?? '').trim();
  await page.getByTestId('open-another').click();
  await expect(page.locator('[data-testid=channel]')).toHaveCount(before + 1);
  await mine(request, fx, 1);
  return fundingTxid;
}

test('two channels and a payment → export backup → wipe → restore from seed + backup → LDK force-closes → funds back on chain, to the sat', async ({ browser, request }) => {
  test.setTimeout(480_000);
  const fx = await fixtures(request);

  // ---- the wallet, its two channels and a payment -------------------------------------------
  const first = await browser.newContext();
  const page = await first.newPage();
  const errors = watchErrors(page);
  const words = await createWallet(page, PASSPHRASE);
  expect(words).toHaveLength(24);
  await page.getByTestId('go-receive').click();
  await page.getByTestId('get-test-coins').click();
  await expect(page.getByTestId('faucet-result')).toContainText('Received 100,000 test sats', { timeout: 60_000 });
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expect(page.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', '100000', { timeout: 45_000 });

  const fundings = [await openChannel(page, request, fx, 40_000), await openChannel(page, request, fx, 30_000)];
  const cards = page.locator('[data-testid=channel][data-state=normal][data-usable=true]');
  await expect(cards).toHaveCount(2, { timeout: 90_000 });

  // History: pay LDK 5,000 sats over a channel.
  const inv = (await (await request.post(`${FIXTURES_URL}/ldk/invoice`, { data: { amountMsat: '5000000', description: 'before the wipe' } })).json()) as { bolt11: string; paymentHash: string };
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('go-send').click();
  await page.fill('#send-to', inv.bolt11);
  await page.getByTestId('send-review').click();
  await page.getByTestId('ln-pay').click();
  await expect(page.getByTestId('ln-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await page.getByTestId('ln-finish').click();
  await expect(page.locator(`[data-testid=payment][data-payment-hash="${inv.paymentHash}"]`)).toHaveAttribute('data-status', 'succeeded');

  // Each channel's balance, as the app shows it once the payment settled.
  await page.getByTestId('tab-channels').click();
  const localSat = new Map<string, number>();
  const capacity = new Map<string, number>();
  await expect(async () => {
    localSat.clear();
    let total = 0;
    for (const card of await cards.all()) {
      const funding = (await card.getByTestId('channel-funding').getAttribute('title')) ?? '';
      const msat = Number(await card.getByTestId('channel-local').getAttribute('data-msat'));
      localSat.set(funding, msat / 1000);
      capacity.set(funding, Number(await card.getByTestId('channel-capacity').getAttribute('data-sat')));
      total += msat;
    }
    expect(total).toBe(65_000_000);
  }).toPass({ timeout: 30_000 });
  expect([...localSat.keys()].sort()).toEqual([...fundings].sort());
  await page.getByTestId('tab-wallet').click();
  const onchainBefore = Number(await page.getByTestId('balance-confirmed').getAttribute('data-sat'));
  expect(onchainBefore).toBeGreaterThan(29_000);
  expect(onchainBefore).toBeLessThan(30_000);

  // ---- Settings: the backup changed; Export backup downloads it ------------------------------
  await page.getByTestId('tab-settings').click();
  const section = page.getByTestId('settings-backup');
  await expect(section.getByRole('heading', { name: 'Channel backup' })).toBeVisible();
  await expect(page.getByTestId('backup-state')).toHaveText('The newest backup lists 2 channels.', { timeout: 30_000 });
  await expect(page.getByTestId('backup-changed')).toBeVisible();
  await shot(page, 'settings-changed');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^glint-regtest-[0-9a-f]{8}-\d{4}-\d\d-\d\d\.glint$/);
  const file = test.info().outputPath('backup.glint');
  await download.saveAs(file);
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('GLBK');
  await expect(page.getByTestId('backup-downloaded')).toContainText('(2 channels)');
  await expect(page.getByTestId('backup-changed')).toHaveCount(0);
  await expect(section).toHaveAttribute('data-changed', 'false');
  expect(errors).toEqual([]);

  // ---- wipe: this profile (its IndexedDB, its worker) is gone ---------------------------------
  await first.close();

  // ---- a fresh profile: words + backup file --------------------------------------------------
  const second = await browser.newContext();
  const fresh = await second.newPage();
  const errors2 = watchErrors(fresh);
  await fresh.goto('/');
  await expect(fresh.getByTestId('wallet')).toHaveAttribute('data-state', 'none');
  await fresh.getByTestId('start-restore').click();
  await fresh.fill('#restore-words', words.join(' '));
  await fresh.getByLabel('Channel backup file (optional)').setInputFiles(file);
  await fresh.fill('#new-passphrase', PASSPHRASE);
  await fresh.fill('#new-passphrase-2', PASSPHRASE);
  await shot(fresh, 'onboarding');
  await fresh.getByTestId('restore-wallet').click();
  await expect(fresh.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await fresh.getByTestId('tab-settings').click();
  await expect(fresh.getByTestId('backup-imported')).toContainText('2 channels recovering', { timeout: 60_000 });
  await fresh.getByTestId('tab-channels').click();
  await expect(fresh.locator('[data-testid=channel]')).toHaveCount(2, { timeout: 60_000 });
  await shot(fresh, 'recovering');

  // LDK force-closes both: its commitments spend the funding outputs (Glint has no commitment to publish).
  const commitments = new Map<string, string>();
  for (const funding of fundings) {
    const f = await esploraTx(request, fx, funding);
    const vout = f.vout.findIndex((o) => o.value === capacity.get(funding));
    expect(vout).toBeGreaterThanOrEqual(0);
    await expect(async () => {
      const c = await spender(request, fx, funding, vout);
      expect(c, `LDK's commitment spending ${funding}:${vout}`).toBeDefined();
      commitments.set(funding, c!);
    }).toPass({ timeout: 90_000 });
  }
  await mine(request, fx, 1);

  // Glint sweeps each to_remote into the wallet.
  let expected = onchainBefore;
  const sweeps: string[] = [];
  for (const funding of fundings) {
    const commitmentTxid = commitments.get(funding)!;
    const commitment = await esploraTx(request, fx, commitmentTxid);
    expect(commitment.status.confirmed).toBe(true);
    const fee = capacity.get(funding)! - commitment.vout.reduce((s, o) => s + o.value, 0);
    const toRemote = commitment.vout.findIndex((o) => o.value === localSat.get(funding)! - fee);
    expect(toRemote, `our to_remote on ${commitmentTxid}: ${localSat.get(funding)} − ${fee}`).toBeGreaterThanOrEqual(0);
    let sweepTxid = '';
    await expect(async () => {
      const s = await spender(request, fx, commitmentTxid, toRemote);
      expect(s, 'the to_remote sweep').toBeDefined();
      sweepTxid = s!;
    }).toPass({ timeout: 90_000 });
    sweeps.push(sweepTxid);
    const sweep = await esploraTx(request, fx, sweepTxid);
    expect(sweep.vin).toEqual([expect.objectContaining({ txid: commitmentTxid, vout: toRemote })]);
    expect(sweep.vout).toHaveLength(1);
    const sweepFee = commitment.vout[toRemote]!.value - sweep.vout[0]!.value;
    expect(sweepFee).toBeGreaterThan(0);
    expect(sweepFee).toBeLessThan(1_000);
    expected += commitment.vout[toRemote]!.value - sweepFee;
  }
  await mine(request, fx, 1);
  for (const s of sweeps) expect((await esploraTx(request, fx, s)).status.confirmed).toBe(true);

  await fresh.getByTestId('tab-wallet').click();
  await expect(fresh.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', String(expected), { timeout: 90_000 });
  await shot(fresh, 'funds-back');

  // Importing the same file again from Settings is refused with the reason; nothing changes.
  await fresh.getByTestId('tab-settings').click();
  await fresh.getByLabel('Import a backup file').setInputFiles(file);
  await expect(fresh.getByTestId('backup-import-error')).toContainText('This wallet already has channel', { timeout: 60_000 });
  await expect(fresh.getByTestId('backup-imported')).toHaveCount(0);
  await fresh.getByTestId('tab-channels').click();
  await expect(fresh.locator('[data-testid=channel]')).toHaveCount(2);
  expect(errors2).toEqual([]);
  await second.close();
});
