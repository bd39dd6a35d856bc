/**
 * The Channels screen against a real LDK node on a real regtest chain (fixture-server.ts): create
 * a wallet, fund it from the faucet, open a channel to LDK from the UI (bad input first: a
 * malformed peer URI and an amount out of range get field errors and lose nothing; then the
 * review step; an unreachable peer's reason is shown and nothing is spent), mine, and see the
 * channel open and usable with its balance bar — as LDK sees it too; close it cooperatively (the
 * force option shows its warning first), see it closing, then closed with the coins back on chain;
 * a second channel that LDK fails shows LDK's `error` on that channel's card; after a reload and
 * unlock both channels come back from the wallet's encrypted IndexedDB store; a third channel
 * force-closed from the dialog goes to force-closing with its funding output spent on chain.
 *
 * Screenshot: test-results/channels.png (the open channel), plus channels-*.png for the steps.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FIXTURES_URL, fixtures, mine, watchErrors, createWallet, getTestCoins, openChannelToLdk } from './app-helpers.ts';

const PASSPHRASE = 'channels e2e passphrase';
const CHANNEL_SAT = 50_000;

interface LdkChannel {
  channelId: string;
  peer: string;
  capacitySat: string;
  usable: boolean;
  ready: boolean;
  outboundMsat: string;
  inboundMsat: string;
}

async function ldkChannels(request: APIRequestContext): Promise<LdkChannel[]> {
  return (await (await request.get(`${FIXTURES_URL}/ldk/channels`)).json()) as LdkChannel[];
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/${name}.png`, fullPage: true });

// One browser page for the whole file: the close test closes the channel the open test opened.
test.describe.configure({ mode: 'serial' });
let page: Page;
let errors: string[] = [];
let channelId = '';
let openedFundingTxid = '';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  errors = watchErrors(page);
});

test.afterAll(async () => {
  await page?.close();
});

test('open a channel to LDK from the UI (bad input first), mine, see it usable with its balance bar', async ({ request }) => {
  test.setTimeout(240_000);
  const fx = await fixtures(request);

  await createWallet(page, PASSPHRASE);
  // Coins from the faucet (mined into a block), synced.
  await getTestCoins(page);
  const ourId = await page.getByTestId('own-node-id').getAttribute('data-node-id');
  expect(ourId).toMatch(/^0[23][0-9a-f]{64}$/);

  await page.getByTestId('tab-channels').click();
  await expect(page.getByTestId('channels-screen')).toBeVisible();
  await expect(page.getByTestId('channel-count')).toHaveText('0');

  // Bad input: a malformed URI and an amount out of range get field errors; nothing is sent.
  await page.fill('#open-uri', `${fx.nodeIdHex.slice(0, 20)}@127.0.0.1`);
  await page.fill('#open-proxy', fx.proxyUrl);
  await page.fill('#open-amount', '1000');
  await page.getByTestId('open-review').click();
  await expect(page.getByTestId('open-uri-error')).toContainText('66 hex characters');
  await expect(page.locator('#open-uri')).toBeFocused();
  await expect(page.getByTestId('open-amount-error')).toContainText('at least 20,000 sats');
  await page.fill('#open-uri', `${fx.nodeIdHex}@127.0.0.1`);
  await expect(page.getByTestId('open-uri-error')).toContainText('needs a port');
  await page.fill('#open-uri', fx.peerUri);
  await expect(page.getByTestId('open-uri-error')).toHaveCount(0);
  await page.fill('#open-amount', '20000000');
  await expect(page.getByTestId('open-amount-error')).toContainText('at most 16,777,215 sats');
  await page.fill('#open-amount', '200000');
  await expect(page.getByTestId('open-amount-error')).toContainText('more than your on-chain balance');
  await shot(page, 'channels-bad-input');
  await page.fill('#open-amount', String(CHANNEL_SAT));
  await expect(page.getByTestId('open-amount-error')).toHaveCount(0);
  await expect(page.locator('#open-uri')).toHaveValue(fx.peerUri); // nothing typed was lost
  await expect(page.getByTestId('channel-count')).toHaveText('0');

  // A peer that cannot be reached (the proxy only lets us reach LDK's port): the reason is shown,
  // nothing is spent, nothing typed is lost.
  await page.fill('#open-uri', `${fx.nodeIdHex}@127.0.0.1:1`);
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-error')).toContainText('could not connect to the peer', { timeout: 60_000 });
  await expect(page.getByTestId('channel-count')).toHaveText('0');
  await shot(page, 'channels-peer-error');
  await page.getByTestId('open-edit').click();
  await expect(page.locator('#open-amount')).toHaveValue(String(CHANNEL_SAT));
  await page.fill('#open-uri', fx.peerUri);
  await expect(page.getByTestId('open-spendable')).toHaveAttribute('data-sat', '100000'); // nothing spent

  // Review: amount and the fee estimate, nothing sent yet; then confirm.
  await page.getByTestId('open-review').click();
  const review = page.getByTestId('open-review-card');
  await expect(review).toBeVisible();
  await expect(page.getByTestId('open-review-amount')).toHaveAttribute('data-sat', String(CHANNEL_SAT));
  await expect(page.getByTestId('open-review-fee')).toContainText('sat');
  await expect(page.getByTestId('open-review-peer')).toContainText(fx.nodeIdHex.slice(0, 8));
  await shot(page, 'channels-review');
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('open-error')).toHaveCount(0);
  const fundingTxid = (await page.getByTestId('open-funding-txid').textContent())?.trim() ?? '';
  expect(fundingTxid).toMatch(/^[0-9a-f]{64}$/);
  // The funding transaction is on the chain's mempool.
  const tx = await request.get(`${fx.esploraUrl}/tx/${fundingTxid}`);
  expect(tx.ok(), `funding tx ${fundingTxid} known to Esplora`).toBe(true);

  const channel = page.getByTestId('channel');
  await expect(channel).toHaveCount(1);
  await expect(page.getByTestId('channel-count')).toHaveText('1');
  await expect(channel.getByTestId('channel-capacity')).toHaveAttribute('data-sat', String(CHANNEL_SAT));
  await expect(channel.getByTestId('channel-peer')).toHaveText(`${fx.nodeIdHex.slice(0, 8)}…${fx.nodeIdHex.slice(-6)}`);
  await expect(channel).toHaveAttribute('data-state', 'wait-for-funding-confirmed');
  // Unmined: none of the 1 confirmation LDK's accept_channel asks for (BOLT 2 minimum_depth).
  await expect(channel.getByTestId('channel-confirmations')).toHaveText('0 of 1 confirmation', { timeout: 30_000 });
  openedFundingTxid = fundingTxid;

  // Mine: LDK asks for 1 confirmation; the node sees the block on its next chain poll.
  await mine(request, fx, 1);
  await expect(channel).toHaveAttribute('data-state', 'normal', { timeout: 60_000 });
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 30_000 });
  await expect(channel.getByTestId('channel-usable')).toBeVisible();
  await expect(channel.getByTestId('channel-state')).toContainText('Open');
  // All of it is ours (nothing pushed): the bar is full on our side, and the figures say so.
  const localMsat = BigInt((await channel.getByTestId('channel-local').getAttribute('data-msat')) ?? '-1');
  const remoteMsat = BigInt((await channel.getByTestId('channel-remote').getAttribute('data-msat')) ?? '-1');
  expect(localMsat + remoteMsat).toBe(BigInt(CHANNEL_SAT) * 1000n);
  expect(remoteMsat).toBe(0n);
  await expect(channel.getByTestId('channel-balance-bar')).toHaveAttribute('data-local-share', '1.000');
  channelId = (await channel.getAttribute('data-channel-id')) ?? '';
  expect(channelId).toMatch(/^[0-9a-f]{64}$/);

  // LDK agrees: the same channel, usable, the same capacity.
  await expect(async () => {
    const theirs = (await ldkChannels(request)).find((c) => c.channelId === channelId);
    expect(theirs, 'LDK lists the channel').toBeDefined();
    expect(theirs).toMatchObject({ peer: ourId, capacitySat: String(CHANNEL_SAT), usable: true });
  }).toPass({ timeout: 30_000 });
  await page.getByTestId('open-another').click();
  await expect(page.getByTestId('open-review')).toBeVisible(); // the form is back for another channel
  await expect(page.locator('#open-uri')).toHaveValue(fx.peerUri); // the peer is remembered
  await expect(page.locator('#open-amount')).toHaveValue('');
  await shot(page, 'channels');
  expect(errors).toEqual([]);
});

test('close it cooperatively (the force option warns first), see it closing, then closed with the funds back', async ({ request }) => {
  const fx = await fixtures(request);
  test.setTimeout(180_000);
  expect(channelId, 'the open test opened a channel').toMatch(/^[0-9a-f]{64}$/);
  const channel = page.locator(`[data-testid=channel][data-channel-id="${channelId}"]`);
  await expect(channel).toHaveAttribute('data-state', 'normal');

  // Close: the dialog defaults to cooperative; force shows the warning about the delay and fees.
  await channel.getByTestId('channel-close').click();
  const dialog = page.getByTestId('close-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('close-cooperative')).toBeChecked();
  await expect(dialog.getByTestId('force-warning')).toHaveCount(0);
  await dialog.getByTestId('close-force').check();
  await expect(dialog.getByTestId('force-warning')).toContainText('to_self_delay');
  await expect(dialog.getByTestId('force-warning')).toContainText('fees');
  await expect(dialog.getByTestId('close-confirm')).toHaveText('Force close');
  await shot(page, 'channels-force-warning');
  await dialog.getByTestId('close-cooperative').check();
  await expect(dialog.getByTestId('force-warning')).toHaveCount(0);
  await dialog.getByTestId('close-confirm').click();
  await expect(dialog).toHaveCount(0, { timeout: 90_000 });
  await expect(page.getByTestId('close-error')).toHaveCount(0);
  await expect(page.getByTestId('close-result')).toContainText('Closing');
  await expect(channel).toHaveAttribute('data-state', /shutting-down|negotiating-closing|closing|closed/, { timeout: 30_000 });
  await expect(channel.getByTestId('channel-state')).toContainText(/Closing|Closed/);
  await expect(channel).toHaveAttribute('data-usable', 'false');
  await shot(page, 'channels-closing');

  // The mutual close confirms: after the depth the node watches for, the channel is closed and its
  // coins (less the funding and closing fees) are spendable on chain again.
  const closingTxid = (await page.getByTestId('close-result').getAttribute('data-txid')) ?? '';
  expect(closingTxid).toMatch(/^[0-9a-f]{64}$/);
  await expect(async () => expect((await request.get(`${fx.esploraUrl}/tx/${closingTxid}`)).ok()).toBe(true)).toPass({ timeout: 30_000 });
  await mine(request, fx, 6);
  await expect(channel).toHaveAttribute('data-state', 'closed', { timeout: 60_000 });
  await expect(channel.getByTestId('channel-state')).toHaveText('Closed');
  await expect(channel.getByTestId('channel-close')).toHaveCount(0);
  await expect(async () => {
    const sat = Number(await page.getByTestId('open-spendable').getAttribute('data-sat'));
    expect(sat).toBeGreaterThan(99_000);
    expect(sat).toBeLessThan(100_000);
  }).toPass({ timeout: 60_000 });
  const closing = (await (await request.get(`${fx.esploraUrl}/tx/${closingTxid}`)).json()) as { status: { confirmed: boolean } };
  expect(closing.status.confirmed).toBe(true);
  await expect(channel.getByTestId('channel-confirmations')).toHaveCount(0);

  // On-chain activity: the funding is the channel's open, the mutual close paid us back.
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('see-all-activity').click();
  const activity = page.getByTestId('activity-screen');
  await expect(activity.locator(`[data-testid=tx][data-txid="${openedFundingTxid}"] [data-testid=activity-title]`)).toHaveText('Channel open', { timeout: 30_000 });
  await expect(activity.locator(`[data-testid=tx][data-txid="${closingTxid}"] [data-testid=activity-title]`)).toHaveText('Channel closed', { timeout: 30_000 });
  await activity.locator(`[data-testid=tx][data-txid="${closingTxid}"] a`).click();
  await expect(page.getByTestId('detail-channel')).toHaveText(channelId);
  await expect(page.getByTestId('detail-peer')).toHaveText(fx.nodeIdHex);
  await shot(page, 'activity-channel-closed');
  await page.getByTestId('tab-channels').click();
  await expect(channel).toHaveAttribute('data-state', 'closed');

  expect(errors).toEqual([]);
});

test('a peer’s error about a channel shows on that channel’s card', async ({ request }) => {
  test.setTimeout(180_000);
  const fx = await fixtures(request);
  const ourId = (await page.getByTestId('own-node-id').getAttribute('data-node-id')) ?? '';
  // A second channel, through the form as before.
  await page.fill('#open-amount', '30000');
  await page.getByTestId('open-review').click();
  await page.getByTestId('open-confirm').click();
  await expect(page.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('open-another').click();
  await mine(request, fx, 1);
  const second = page.locator('[data-testid=channel][data-state=normal]');
  await expect(second).toHaveCount(1, { timeout: 60_000 });
  await expect(second).toHaveAttribute('data-usable', 'true', { timeout: 30_000 });
  const id = (await second.getAttribute('data-channel-id')) ?? '';
  expect(id).not.toBe(channelId);

  // LDK fails it: it broadcasts its commitment and sends `error` naming the channel.
  const res = await request.post(`${FIXTURES_URL}/ldk/force-close`, { data: { channelId: id, peer: ourId, message: 'e2e says so' } });
  expect(res.ok(), await res.text()).toBe(true);
  const card = page.locator(`[data-testid=channel][data-channel-id="${id}"]`);
  const note = card.locator('[data-testid=channel-note][data-source=peer]');
  await expect(note).toHaveAttribute('data-kind', 'error', { timeout: 30_000 });
  await expect(note).toContainText('Error from peer');
  await expect(note).toContainText('e2e says so');
  // The channel is failed (BOLT 1), not usable; the closed one got no note.
  await expect(card).toHaveAttribute('data-usable', 'false');
  await expect(card).not.toHaveAttribute('data-state', 'normal');
  await expect(page.locator(`[data-testid=channel][data-channel-id="${channelId}"] [data-testid=channel-note][data-source=peer]`)).toHaveCount(0);
  await shot(page, 'channels-peer-error-note');
  expect(errors).toEqual([]);
});

test('after a reload and unlock, the channels come back from the encrypted store', async () => {
  test.setTimeout(120_000);
  const before = await page.locator('[data-testid=channel]').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel-id')));
  expect(before).toHaveLength(2);
  await page.reload();
  // Locked: the screen says what to do, and lists nothing.
  await page.getByTestId('tab-channels').click();
  await expect(page.getByTestId('channels-screen')).toContainText('Unlock your wallet');
  await expect(page.getByTestId('channel')).toHaveCount(0);
  await page.getByRole('link', { name: 'Go to the wallet' }).click();
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await page.getByTestId('tab-channels').click();
  await expect(page.getByTestId('channel')).toHaveCount(2, { timeout: 60_000 });
  const after = await page.locator('[data-testid=channel]').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel-id')));
  expect([...after].sort()).toEqual([...before].sort());
  await expect(page.locator(`[data-testid=channel][data-channel-id="${channelId}"]`)).toHaveAttribute('data-state', 'closed');
  await expect(page.locator('[data-testid=channel][data-state=normal]')).toHaveCount(0);
  // The wallet's node redialled its channel peer from the address book: the Peers screen (served
  // by the same node, the wallet's identity) shows LDK connected.
  const fx = await fixtures(page.request);
  await page.getByTestId('tab-peers').click();
  await expect(page.locator(`[data-testid=peer][data-node-id="${fx.nodeIdHex}"]`)).toBeVisible({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('force close from the UI: the warning, then a commitment spends the funding and the channel is force-closing', async ({ request }) => {
  test.setTimeout(480_000);
  const fx = await fixtures(request);
  await openChannelToLdk(page, request, fx, 25_000);
  const card = page.locator('[data-testid=channel][data-state=normal]');
  await expect(card).toHaveAttribute('data-usable', 'true', { timeout: 60_000 });
  const id = (await card.getAttribute('data-channel-id')) ?? '';
  const third = page.locator(`[data-testid=channel][data-channel-id="${id}"]`);

  await third.getByTestId('channel-close').click();
  const dialog = page.getByTestId('close-dialog');
  await dialog.getByTestId('close-force').check();
  await expect(dialog.getByTestId('force-warning')).toContainText('to_self_delay');
  await dialog.getByTestId('close-confirm').click();
  await expect(dialog).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('close-result')).toContainText('Force close broadcast');
  const commitmentTxid = (await page.getByTestId('close-result').getAttribute('data-txid')) ?? '';
  expect(commitmentTxid).toMatch(/^[0-9a-f]{64}$/);
  await expect(third).toHaveAttribute('data-state', 'force-closing', { timeout: 30_000 });
  await expect(third.getByTestId('channel-state')).toHaveText('Force-closing');
  await expect(third).toHaveAttribute('data-usable', 'false');
  // A commitment spends the funding output: ours, or LDK's (Glint's error makes LDK fail the channel
  // too, and whichever commitment reaches the mempool first wins; the other is a conflict).
  const fundingTxid = await third.getByTestId('channel-funding').getAttribute('title');
  const funding = (await (await request.get(`${fx.esploraUrl}/tx/${fundingTxid}`)).json()) as { vout: { value: number }[] };
  const vout = funding.vout.findIndex((o) => o.value === 25_000);
  expect(vout).toBeGreaterThanOrEqual(0);
  await expect(async () => {
    const spend = (await (await request.get(`${fx.esploraUrl}/tx/${fundingTxid}/outspend/${vout}`)).json()) as { spent: boolean; txid?: string };
    expect(spend.spent).toBe(true);
  }).toPass({ timeout: 30_000 });
  await shot(page, 'channels-force-closing');

  // BOLT 5 user view: once the commitment confirms, the card lists our output on it and where it
  // stands — waiting for N blocks (our to_local's to_self_delay, or to_remote's 1-block CSV on
  // anchors), then claimable / being claimed, then claimed in a tx the chain has confirmed.
  await mine(request, fx, 1);
  const row = third.locator('[data-testid=closing-output][data-kind=to_local], [data-testid=closing-output][data-kind=to_remote]').first();
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(third.getByTestId('closing-outputs')).toHaveAttribute('data-settled', 'false');
  const status = row.getByTestId('closing-output-status');
  await shot(page, 'channels-closing-outputs');
  const where = async (): Promise<string> => `${await row.getAttribute('data-status')}/${await row.getAttribute('data-blocks-left')}`;
  for (let round = 0; round < 20 && (await row.getAttribute('data-status')) !== 'claimed'; round++) {
    const before = await where();
    const [s, left] = before.split('/');
    if (s === 'waiting' && Number(left) > 0) {
      await expect(status).toContainText(`waiting for ${left} block${left === '1' ? '' : 's'}`);
      await mine(request, fx, Number(left));
    } else {
      expect(['waiting', 'claimable']).toContain(s);
      await mine(request, fx, 1);
    }
    // The worker re-sends the channel on every tip: a waiting row moves on (the count reaches 0,
    // the claim is broadcast); a claim being confirmed may take a few blocks (its depth), so a
    // claimable row that has not moved is given a few of the fixture's 1 s chain polls before the
    // next block (if the app lags, more blocks are mined: the claim only gets deeper).
    if (s === 'waiting') await expect(async () => expect(await where()).not.toBe(before)).toPass({ timeout: 60_000 });
    else await expect(async () => expect(await where()).not.toBe(before)).toPass({ timeout: 4_000 }).catch(() => undefined);
  }
  await expect(row).toHaveAttribute('data-status', 'claimed', { timeout: 60_000 });
  await expect(status).toContainText('claimed in tx');
  const claimTxid = (await row.getByTestId('closing-output-claim').getAttribute('data-txid')) ?? '';
  expect(claimTxid).toMatch(/^[0-9a-f]{64}$/);
  await expect(row.getByTestId('closing-output-claim')).toHaveText(`${claimTxid.slice(0, 8)}…${claimTxid.slice(-6)}`);
  await expect(row.getByTestId('closing-output-copy')).toBeVisible();
  const claim = (await (await request.get(`${fx.esploraUrl}/tx/${claimTxid}`)).json()) as { status: { confirmed: boolean } };
  expect(claim.status.confirmed).toBe(true);
  await shot(page, 'channels-closing-claimed');
  // On-chain activity: the claim of our output is a sweep from the closed channel, not a receive.
  // (Refresh: the idle sync tick is O(1) requests and need not look at the sweep's address yet.)
  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('see-all-activity').click();
  await expect(page.locator(`[data-testid=activity-screen] [data-testid=tx][data-txid="${claimTxid}"] [data-testid=activity-title]`)).toHaveText('Swept from closed channel', { timeout: 60_000 });
  await page.getByTestId('tab-channels').click();
  expect(errors).toEqual([]);
});
