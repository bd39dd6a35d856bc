/**
 * One running instance per wallet (issue 7 item 2, DESIGN rule 5), two tabs of one browser profile:
 * the first creates the wallet and runs its node; the second finds the wallet's Web Lock held and
 * cannot start a node ("Glint is open in another tab", no screens, no tab bar); its "Use here"
 * makes the first stop its node and let go — the first then says "Glint was opened in another
 * tab" — and the second runs the wallet (unlocked with the passphrase there). And back again.
 *
 * Screenshots: test-results/two-tabs-*.png.
 */
import { expect, test, type Page } from '@playwright/test';
import { createWallet, watchErrors } from './app-helpers.ts';

const PASSPHRASE = 'two tabs e2e passphrase';

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `test-results/two-tabs-${name}.png`, fullPage: true });

async function unlock(page: Page): Promise<void> {
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'locked', { timeout: 60_000 });
  await page.fill('#unlock-passphrase', PASSPHRASE);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 90_000 });
}

async function expectElsewhere(page: Page, status: 'locked' | 'stopped'): Promise<void> {
  const card = page.getByTestId('node-unavailable');
  await expect(card).toHaveAttribute('data-status', status, { timeout: 60_000 });
  await expect(card.getByRole('heading')).toHaveText(status === 'locked' ? 'Glint is open in another tab' : 'Glint was opened in another tab');
  await expect(card.getByRole('button', { name: 'Use here' })).toBeEnabled();
  await expect(page.getByTestId('node-status')).toHaveText(status === 'locked' ? 'Open in another tab' : 'Opened in another tab');
  // No wallet, no screens to reach one from.
  await expect(page.getByTestId('wallet')).toHaveCount(0);
  await expect(page.getByTestId('tab-channels')).toHaveCount(0);
}

test('the second tab cannot start a node; "Use here" takes over; the first shows it stopped', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const first = await context.newPage();
  const second = await context.newPage();
  const firstErrors = watchErrors(first);
  const secondErrors = watchErrors(second);

  await createWallet(first, PASSPHRASE);
  const nodeId = (await first.getByTestId('own-node-id').getAttribute('data-node-id')) ?? '';
  expect(nodeId).toMatch(/^0[23][0-9a-f]{64}$/);

  // The second tab: the wallet's lock is held, so no node starts here.
  await second.goto('/');
  await expectElsewhere(second, 'locked');
  await shot(second, 'second-locked');
  // The first is untouched.
  await expect(first.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked');

  // "Use here" in the second: the first stops (and says so), the second runs the wallet.
  await second.getByRole('button', { name: 'Use here' }).click();
  await expectElsewhere(first, 'stopped');
  await expect(second.getByTestId('node-unavailable')).toHaveCount(0, { timeout: 60_000 });
  await expect(second.getByTestId('node-status')).toHaveText('Online');
  await unlock(second);
  await expect(second.getByTestId('own-node-id')).toHaveAttribute('data-node-id', nodeId);
  await shot(first, 'first-stopped');
  // The first stays stopped while the second runs.
  await expect(first.getByTestId('node-unavailable')).toHaveAttribute('data-status', 'stopped');

  // And back: "Use here" in the first.
  await first.getByRole('button', { name: 'Use here' }).click();
  await expectElsewhere(second, 'stopped');
  await expect(first.getByTestId('node-unavailable')).toHaveCount(0, { timeout: 60_000 });
  await unlock(first);
  await expect(first.getByTestId('own-node-id')).toHaveAttribute('data-node-id', nodeId);

  // A reload of the stopped tab: it finds the lock held again.
  await second.reload();
  await expectElsewhere(second, 'locked');

  expect(firstErrors).toEqual([]);
  expect(secondErrors).toEqual([]);
  await context.close();
});
