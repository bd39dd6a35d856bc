/**
 * What the e2e specs against `npm start`'s playground share: running playground/start.ts as a child
 * process on free ports with the built dist/ (its summary gives the URLs), and the journey's
 * steps — fund the wallet from the page's faucet, open a channel to the hub and mine it usable,
 * buy from the shop — so every spec starts from the same world the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, type Page } from '@playwright/test';

export interface PlaygroundUrls {
  app: string;
  playground: string;
  esplora: string;
  proxy: string;
  /** `<node id>@127.0.0.1:<port>` */
  hub: string;
  shop: string;
}

export interface PlaygroundRun {
  readonly child: ChildProcess;
  /** Resolves with the exit code when the playground process ends. */
  readonly exited: Promise<number | null>;
  readonly urls: PlaygroundUrls;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL if it is still running (a test's cleanup; a clean stop is SIGINT). */
  kill(): Promise<void>;
}

export const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

export const portOf = (url: string): number => Number(new URL(url.replace(/^ws/, 'http')).port);

/** Start the playground (`--skip-build`: dist/ must be built) on free ports; resolves once it printed its summary. */
export async function spawnPlayground(): Promise<PlaygroundRun> {
  const flags = ['--skip-build', '--app-port', '0', '--proxy-port', '0', '--esplora-port', '0', '--hub-port', '0', '--shop-port', '0'];
  // Node itself with tsx's loader, not the tsx wrapper: the wrapper runs the playground in a
  // child process of its own, which a SIGKILL of the wrapper left running (and its ports taken).
  const child = spawn(process.execPath, ['--import', 'tsx', 'playground/start.ts', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const urls = await new Promise<PlaygroundUrls>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('From a terminal')) return;
      const found: Record<string, string> = {};
      for (const key of ['app', 'playground', 'esplora', 'proxy', 'hub', 'shop']) {
        const m = new RegExp(`^  ${key}:\\s+(\\S+)`, 'm').exec(out);
        if (m) found[key] = m[1]!;
      }
      resolve(found as unknown as PlaygroundUrls);
    });
    void exited.then((code) => reject(new Error(`the playground exited (${code}):\n${out}`)));
  });
  return {
    child,
    exited,
    urls,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The page's faucet sends `sats` to the wallet's receive address and mines; the home screen shows
 * them confirmed. Resolves with the address.
 */
export async function fundFromFaucet(app: Page, pg: Page, sats: number): Promise<string> {
  await app.getByTestId('go-receive').click();
  const address = (await app.getByTestId('receive-address').getAttribute('data-address')) ?? '';
  expect(address).toMatch(/^bcrt1/);
  await pg.bringToFront();
  await pg.fill('#faucet-address', address);
  await pg.fill('#faucet-sats', String(sats));
  await pg.getByTestId('faucet-send').click();
  await expect(pg.getByTestId('faucet-out')).toContainText('mined at height', { timeout: 30_000 });
  await app.bringToFront();
  await app.getByRole('link', { name: '← Wallet' }).click();
  await expect(app.getByTestId('balance-confirmed')).toHaveAttribute('data-sat', String(sats), { timeout: 45_000 });
  return address;
}

/**
 * Open a `sats` channel to the hub from the Channels screen (prefilled with the hub and the proxy
 * by glint.config.json), mine it from the page and wait until it is usable; resolves with its id.
 */
export async function openChannelToHub(app: Page, pg: Page, urls: PlaygroundUrls, sats: number): Promise<string> {
  await app.getByTestId('tab-channels').click();
  await expect(app.locator('#open-uri')).toHaveValue(urls.hub);
  await expect(app.locator('#open-proxy')).toHaveValue(urls.proxy);
  await app.fill('#open-amount', String(sats));
  await app.getByTestId('open-review').click();
  await app.getByTestId('open-confirm').click();
  await expect(app.getByTestId('open-done')).toBeVisible({ timeout: 120_000 });
  await app.getByTestId('open-another').click();
  await pg.getByTestId('mine').click();
  const channel = app.getByTestId('channel');
  await expect(channel).toHaveAttribute('data-usable', 'true', { timeout: 60_000 });
  return (await channel.getAttribute('data-channel-id')) ?? '';
}

/** Pick `item` in the page's shop; resolves with its invoice (shown as a QR code and text). */
export async function buyFromShop(pg: Page, item: string): Promise<string> {
  await pg.getByTestId(`buy-${item}`).click();
  await expect(pg.getByTestId('order-status')).toContainText('waiting');
  await expect(pg.locator('#order svg')).toBeVisible();
  return ((await pg.getByTestId('order-invoice').textContent()) ?? '').trim();
}
