/**
 * The encrypted store in real Chromium: IdbKVStore + EncryptedStore run in a module worker (the
 * production adapters and envelope, the worker's real CSPRNG and IndexedDB with strict
 * durability), then the page opens IndexedDB directly and checks that neither a mnemonic nor a
 * 32-byte key is stored in any readable form. Also: wrong passphrase refused, data survives a
 * reload, and the default scrypt cost (N=2^17) is timed in the browser.
 *
 * This drives a dedicated test-only harness (test/e2e/store-harness/, built and served here by
 * Vite's API from harness.vite.mjs) rather than the app's onboarding; wallet.spec.ts checks the
 * app's own `glint-<network>` database the same way after onboarding and after a send.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import type { PreviewServer } from 'vite';
import type { HarnessRequest, HarnessResponse } from './store-harness/harness.worker.ts';
import { MNEMONIC, plaintextLeaks } from '../unit/store-helpers.ts';

const CONFIG = fileURLToPath(new URL('./store-harness/harness.vite.mjs', import.meta.url));
let server: PreviewServer;
let origin: string;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const vite = await import('vite');
  const config = ((await import(CONFIG)) as { default: Record<string, unknown> }).default;
  await vite.build(config);
  server = await vite.preview(config);
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('store harness: preview server has no URL');
  origin = url.replace(/\/$/, '');
});

test.afterAll(async () => {
  await server?.close();
});

async function openHarness(page: Page): Promise<void> {
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as unknown as { storeHarness?: { ready: boolean } }).storeHarness?.ready === true);
}

function run(page: Page, request: HarnessRequest): Promise<HarnessResponse> {
  return page.evaluate((req) => (globalThis as unknown as { storeHarness: { run(r: unknown): Promise<HarnessResponse> } }).storeHarness.run(req), request);
}

/** Every key and value of `db`'s `records` store, read with raw IndexedDB in the page. */
function rawDump(page: Page, db: string): Promise<Array<[string, number[]]>> {
  return page.evaluate(
    (name) =>
      new Promise<Array<[string, number[]]>>((resolve, reject) => {
        type Req<T> = { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null };
        const idb = (globalThis as unknown as { indexedDB: { open(n: string): Req<{ transaction(s: string): { objectStore(s: string): { getAll(): Req<unknown[]>; getAllKeys(): Req<unknown[]> } }; close(): void }> } }).indexedDB;
        const open = idb.open(name);
        open.onerror = () => reject(new Error(`open ${name}: ${String(open.error)}`));
        open.onsuccess = () => {
          const conn = open.result;
          const os = conn.transaction('records').objectStore('records');
          const keys = os.getAllKeys();
          const values = os.getAll();
          values.onerror = () => reject(new Error('getAll failed'));
          values.onsuccess = () => {
            conn.close();
            const out: Array<[string, number[]]> = [];
            for (const [i, k] of keys.result.entries()) {
              const v = values.result[i];
              if (!(v instanceof Uint8Array)) return reject(new Error(`${String(k)}: stored value is not a Uint8Array`));
              out.push([String(k), Array.from(v)]);
            }
            resolve(out);
          };
        };
      }),
    db,
  );
}

test('secrets stored through IdbKVStore + EncryptedStore in a worker are ciphertext in IndexedDB', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openHarness(page);

  const db = `glint-e2e-${Date.now()}`;
  const key = new Uint8Array(randomBytes(32));
  const seed = Buffer.from(MNEMONIC, 'utf8').toString('hex');
  const keyHex = Buffer.from(key).toString('hex');
  const passphrase = 'e2e passphrase, not a secret';

  // The default parameters (N=2^17, r=8, p=1), so this also measures an unlock in Chromium.
  const created = await run(page, { op: 'create', db, passphrase, records: [['wallet/seed', seed], ['wallet/key', keyHex], ['wallet/key-hex', Buffer.from(keyHex).toString('hex')]] });
  expect(created).toMatchObject({ ok: true });
  console.log(`store e2e: scrypt N=2^17 r=8 p=1 create took ${Math.round((created as { kdfMs: number }).kdfMs)} ms in Chromium`);

  const dump = await rawDump(page, db);
  expect(dump.map(([k]) => k)).toEqual(['glint/header', 'wallet/key', 'wallet/key-hex', 'wallet/seed']);
  const blob = Uint8Array.from(dump.flatMap(([k, v]) => [...Buffer.from(k), ...v]));
  expect(plaintextLeaks(blob, { bytes: [key], strings: [MNEMONIC, passphrase] })).toEqual([]);

  const wrong = await run(page, { op: 'read', db, passphrase: 'not it', keys: ['wallet/seed'] });
  expect(wrong).toEqual({ ok: false, error: { name: 'WrongPassphraseError', message: expect.stringMatching(/^wrong passphrase/) } });

  // A reload (new worker, new connection) reads it all back with the right passphrase.
  await page.reload();
  await openHarness(page);
  const read = await run(page, { op: 'read', db, passphrase, keys: ['wallet/seed', 'wallet/key', 'missing'] });
  expect(read).toMatchObject({ ok: true, keys: ['wallet/key', 'wallet/key-hex', 'wallet/seed'], values: [['wallet/seed', seed], ['wallet/key', keyHex], ['missing', null]] });
  console.log(`store e2e: scrypt open took ${Math.round((read as { kdfMs: number }).kdfMs)} ms in Chromium`);
  expect(errors).toEqual([]);
});

test('a record tampered with in IndexedDB is reported as corrupt, naming its key, and left in place', async ({ page }) => {
  await openHarness(page);
  const db = `glint-e2e-tamper-${Date.now()}`;
  const cheap = { log2N: 10, r: 8, p: 1 };
  expect(await run(page, { op: 'create', db, passphrase: 'pw', scrypt: cheap, records: [['channel/01', '00112233'], ['channel/02', 'ff']] })).toMatchObject({ ok: true });
  const before = await page.evaluate(
    (name) =>
      new Promise<number[]>((resolve, reject) => {
        type Req<T> = { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null };
        type Tx = { objectStore(s: string): { get(k: string): Req<Uint8Array>; put(v: unknown, k: string): Req<unknown> }; oncomplete: (() => void) | null };
        const open = (globalThis as unknown as { indexedDB: { open(n: string): Req<{ transaction(s: string, m: string): Tx; close(): void }> } }).indexedDB.open(name);
        open.onerror = () => reject(new Error('open failed'));
        open.onsuccess = () => {
          const tx = open.result.transaction('records', 'readwrite');
          const os = tx.objectStore('records');
          const get = os.get('channel/01');
          get.onsuccess = () => {
            const v = get.result.slice();
            v[v.length - 1] = (v[v.length - 1] as number) ^ 1;
            os.put(v, 'channel/01');
            tx.oncomplete = () => {
              open.result.close();
              resolve(Array.from(v));
            };
          };
        };
      }),
    db,
  );
  const res = await run(page, { op: 'read', db, passphrase: 'pw', keys: ['channel/02', 'channel/01'] });
  expect(res).toEqual({ ok: false, error: { name: 'CorruptRecordError', message: expect.stringContaining('record "channel/01" is corrupt') } });
  const after = await rawDump(page, db);
  expect(after.find(([k]) => k === 'channel/01')?.[1]).toEqual(before);
});
