/**
 * The on-chain wallet in the browser against a real regtest chain (bcoin behind the playground's
 * Esplora API, see fixture-server.ts): create a wallet and confirm its words, receive from the
 * faucet with the Receive screen's "Get test coins", send with the review step, reload and unlock
 * (a wrong passphrase first), and restore the same words in a fresh browser profile to find the
 * same balance. Settings: the Esplora URL is editable and remembered. "Get test coins" against a
 * server without the faucet route says so.
 *
 * At rest: right after the wallet is created and again after it has synced and sent, the app's
 * real IndexedDB databases are read raw from the page (every store, every key and value as
 * bytes) and must not hold the recovery words (the phrase, or any 3 consecutive words), the
 * BIP39 entropy or seed, or the passphrase, in any form test/unit/store-helpers.ts knows; the
 * app's values must be sealed envelope records that do not look like text.
 *
 * Screenshots go to test-results/wallet-*.png.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { mnemonicToEntropy, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import type { Fixtures } from './fixture-server.ts';
import { plaintextLeaks, plaintextLooking } from '../unit/store-helpers.ts';

const FIXTURES_URL = `http://127.0.0.1:${Number(process.env.FIXTURE_PORT ?? 4175)}`;
const PASSPHRASE = 'correct horse battery staple';

async function fixtures(request: APIRequestContext): Promise<Fixtures> {
  const res = await request.get(`${FIXTURES_URL}/fixtures.json`);
  expect(res.ok()).toBe(true);
  return (await res.json()) as Fixtures;
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

/** One IndexedDB record as stored: its key and value as bytes (`raw`: the value was binary). */
interface RawRecord {
  db: string;
  store: string;
  keyText: string;
  key: number[];
  value: number[];
  raw: boolean;
}

/**
 * Every record of every IndexedDB database of the page's origin, read with raw IndexedDB in the
 * page (what the worker stored, not what the app shows): for each database `indexedDB.databases()`
 * lists, each object store, every key and value. Binary values come back byte for byte; anything
 * else as the UTF-8 of its JSON (so it is still searched).
 */
function dumpIndexedDb(page: Page): Promise<RawRecord[]> {
  return page.evaluate(async () => {
    type Req<T> = { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null };
    type Store = { getAllKeys(): Req<unknown[]>; getAll(): Req<unknown[]> };
    type Db = { objectStoreNames: ArrayLike<string>; transaction(names: string[], mode: 'readonly'): { objectStore(n: string): Store }; close(): void };
    type Idb = { databases(): Promise<{ name?: string }[]>; open(name: string): Req<Db> };
    const idb = (globalThis as unknown as { indexedDB: Idb }).indexedDB;
    const done = <T,>(r: Req<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(new Error(String(r.error)));
      });
    const utf8 = new TextEncoder();
    const bytesOf = (v: unknown): { bytes: number[]; raw: boolean } => {
      if (v instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(v)), raw: true };
      if (ArrayBuffer.isView(v)) return { bytes: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)), raw: true };
      return { bytes: Array.from(utf8.encode(typeof v === 'string' ? v : JSON.stringify(v))), raw: false };
    };
    const out: RawRecord[] = [];
    for (const { name } of await idb.databases()) {
      if (!name) continue;
      const db = await done(idb.open(name));
      try {
        const stores = Array.from(db.objectStoreNames);
        if (stores.length === 0) continue;
        const tx = db.transaction(stores, 'readonly');
        for (const store of stores) {
          const os = tx.objectStore(store);
          const [keys, values] = await Promise.all([done(os.getAllKeys()), done(os.getAll())]);
          keys.forEach((k, i) => {
            const value = bytesOf(values[i]);
            out.push({ db: name, store, keyText: typeof k === 'string' ? k : JSON.stringify(k), key: bytesOf(k).bytes, value: value.bytes, raw: value.raw });
          });
        }
      } finally {
        db.close();
      }
    }
    return out;
  });
}

/** What must never be stored in the clear: the phrase, every 3 consecutive words, the passphrase. */
function secretStrings(mnemonic: string[]): string[] {
  const out = [mnemonic.join(' '), PASSPHRASE];
  for (let i = 0; i + 3 <= mnemonic.length; i++) out.push(mnemonic.slice(i, i + 3).join(' '));
  return out;
}

/**
 * Dump the app's IndexedDB and check it at rest: the wallet's database exists and holds records,
 * no secret appears in any key or value, and every value of the app's databases is a sealed
 * envelope record (or the envelope header) that does not look like text. Returns the records.
 */
async function expectSealedAtRest(page: Page, mnemonic: string[], stage: string): Promise<RawRecord[]> {
  expect(mnemonic).toHaveLength(24);
  const records = await dumpIndexedDb(page);
  const ours = records.filter((r) => r.db.startsWith('glint-'));
  const summary = ours.map((r) => `${r.db}/${r.store}/${r.keyText} (${r.value.length} B)`);
  console.log(`wallet e2e, ${stage}: IndexedDB holds ${records.length} records: ${summary.join(', ')}`);
  // Not vacuous: the wallet's database is there, with its header and seed records, and real bytes.
  expect(ours.filter((r) => r.db === 'glint-regtest').map((r) => r.keyText), `${stage}: glint-regtest records`).toEqual(expect.arrayContaining(['glint/header', 'wallet/seed']));
  expect(ours.every((r) => r.store === 'records'), `${stage}: ${summary.join(', ')}`).toBe(true);

  const phrase = mnemonic.join(' ');
  const strings = secretStrings(mnemonic);
  const bytes = [mnemonicToEntropy(phrase, wordlist), mnemonicToSeedSync(phrase)];
  // (control) the check finds the secrets when they are there.
  expect(plaintextLeaks(new TextEncoder().encode(`x${mnemonic.slice(10, 13).join(' ')}y`), { strings })).not.toEqual([]);

  const values = Uint8Array.from(records.flatMap((r) => r.value));
  expect(values.length, `${stage}: stored bytes`).toBeGreaterThan(200);
  expect(plaintextLeaks(values, { bytes, strings }), `${stage}: secrets in stored values`).toEqual([]);
  // Keys are record names in the clear by design (`wallet/seed`): a single BIP39 word such as
  // "wallet" in one is no leak, but a phrase, three words, the passphrase or a seed would be.
  const keys = Uint8Array.from(records.flatMap((r) => [...r.key, 0]));
  expect(plaintextLeaks(keys, { bytes, strings }).filter((l) => !l.startsWith('word ')), `${stage}: secrets in stored keys`).toEqual([]);

  for (const r of ours) {
    const where = `${stage}: ${r.db} ${r.keyText}`;
    expect(r.raw, `${where} is stored as bytes`).toBe(true);
    expect(plaintextLooking(Uint8Array.from(r.value)), where).toBeNull();
    // The envelope's format (engine/store/envelope.ts): a 126-byte header, else 0x01 || nonce(24) || ciphertext || tag(16).
    if (r.keyText === 'glint/header') expect(r.value.length, where).toBe(126);
    else {
      expect(r.value[0], where).toBe(1);
      expect(r.value.length, where).toBeGreaterThan(1 + 24 + 16);
    }
  }
  return records;
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
  // Stored already, and sealed: the words on screen are nowhere in IndexedDB.
  await expectSealedAtRest(page, words, 'after create');
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

  // "Get test coins" (regtest only): the worker asks the faucet for 100,000 sats to this address,
  // the faucet mines a block, the wallet syncs.
  await page.getByTestId('get-test-coins').click();
  const paid = page.getByTestId('faucet-result');
  await expect(paid).toHaveText(/^Received 100,000 test sats \(txid [0-9a-f]{64}\)$/, { timeout: 60_000 });
  await expect(page.getByTestId('faucet-error')).toHaveCount(0);
  const faucetTxid = (await paid.getAttribute('data-txid')) as string;
  await expect(paid).toContainText(faucetTxid);
  await expect(addressEl).toHaveAttribute('data-address', address); // the address shown is the one paid
  const faucetTx = (await (await request.get(`${fx.esploraUrl}/tx/${faucetTxid}`)).json()) as { status: { confirmed: boolean }; vout: { scriptpubkey_address?: string; value: number }[] };
  expect(faucetTx.status.confirmed).toBe(true);
  expect(faucetTx.vout).toContainEqual(expect.objectContaining({ scriptpubkey_address: address, value: 100_000 }));
  await shot(page, 'faucet');
  await page.getByRole('link', { name: '← Wallet' }).click();
  await expectConfirmed(page, 100_000n);
  await expect(page.getByTestId('balance-total')).toContainText('100,000 sats');
  await expect(page.getByTestId('balance-btc')).toHaveText('0.00100000 BTC');
  await expect(page.getByTestId('balance-unconfirmed')).toHaveAttribute('data-sat', '0');
  await expect(page.getByTestId('tx')).toHaveCount(1);
  await expect(page.getByTestId('tx').first()).toHaveAttribute('data-delta', '100000');
  await expect(page.getByTestId('tx').first()).toHaveAttribute('data-txid', faucetTxid);
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
  // Synced, received and sent: more records now (the wallet's on-chain state), all still sealed.
  const atRest = await expectSealedAtRest(page, words, 'after sync and send');
  expect(atRest.filter((r) => r.db === 'glint-regtest').map((r) => r.keyText)).toEqual(expect.arrayContaining(['glint/header', 'wallet/seed', 'wallet/onchain']));
  const settingsText = await page.evaluate(() => JSON.stringify((globalThis as unknown as { localStorage: Record<string, string> }).localStorage));
  // A recovery word that is also a settings key (e.g. "network") is the key itself, not a leak.
  const settingKeys = new Set(settingsText.match(/[a-z]+(?=\\?":)/gi) ?? []);
  const leaks = plaintextLeaks(new TextEncoder().encode(settingsText), { strings: secretStrings(words) }).filter((l) => !settingKeys.has(/^word "(.*)"$/.exec(l)?.[1] ?? ''));
  expect(leaks, 'localStorage').toEqual([]);
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

test('"Get test coins" against an Esplora server without the faucet route says so', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  expect(words).toHaveLength(24);
  const context = await browser.newContext();
  const page = await context.newPage();
  // The app's own origin (vite preview) serves no /regtest/faucet: it answers POST with a 404.
  const noFaucet = (baseURL ?? '').replace(/\/$/, '');
  await page.goto('/#/settings');
  await page.fill('#settings-esplora', noFaucet);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-current')).toContainText(`regtest via ${noFaucet}`);

  await page.getByTestId('tab-wallet').click();
  await page.getByTestId('start-restore').click();
  await page.fill('#restore-words', words.join(' '));
  await page.fill('#new-passphrase', PASSPHRASE);
  await page.fill('#new-passphrase-2', PASSPHRASE);
  await page.getByTestId('restore-wallet').click();
  await expect(page.getByTestId('wallet')).toHaveAttribute('data-state', 'unlocked', { timeout: 60_000 });
  await page.getByTestId('go-receive').click();
  await expect(page.getByTestId('receive-address')).toHaveAttribute('data-address', /^bcrt1q/);
  await page.getByTestId('get-test-coins').click();
  await expect(page.getByTestId('faucet-error')).toContainText('this Esplora server has no regtest faucet', { timeout: 30_000 });
  await expect(page.getByTestId('faucet-result')).toHaveCount(0);
  await expect(page.getByTestId('get-test-coins')).toBeEnabled(); // it can be tried again
  await shot(page, 'faucet-missing');
  await context.close();
});
