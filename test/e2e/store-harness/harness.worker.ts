/**
 * Worker side of the store e2e harness: the production IdbKVStore (IndexedDB, strict durability)
 * under the production EncryptedStore, with the worker's real CSPRNG, in a module worker of
 * real Chromium — the same stack workers/ uses. Test-only.
 */
import { EncryptedStore, errorMessage, hexToBytes, bytesToHex, type ScryptParams } from '../../../engine/index.ts';
import { IdbKVStore } from '../../../workers/adapters/idb-store.ts';
import { browserEntropy } from '../../../workers/adapters/entropy.ts';

export type HarnessRequest =
  | { op: 'create'; db: string; passphrase: string; scrypt?: ScryptParams; records: Array<[key: string, hex: string]> }
  | { op: 'read'; db: string; passphrase: string; keys: string[] };

export type HarnessResponse =
  | { ok: true; kdfMs?: number; values?: Array<[key: string, hex: string | null]>; keys?: string[] }
  | { ok: false; error: { name: string; message: string } };

const scope = globalThis as unknown as {
  onmessage: ((ev: { data: { id: number; request: HarnessRequest } }) => void) | null;
  postMessage(message: unknown): void;
  performance: { now(): number };
};

async function handle(req: HarnessRequest): Promise<HarnessResponse> {
  const raw = await IdbKVStore.open(req.db);
  const started = scope.performance.now();
  if (req.op === 'create') {
    const store = await EncryptedStore.create(raw, req.passphrase, browserEntropy, req.scrypt ? { scrypt: req.scrypt } : {});
    const kdfMs = scope.performance.now() - started;
    try {
      await store.write({ put: req.records.map(([k, hex]) => [k, hexToBytes(hex)] as const) });
    } finally {
      await store.close();
    }
    return { ok: true, kdfMs };
  }
  let store: EncryptedStore;
  try {
    store = await EncryptedStore.open(raw, req.passphrase, browserEntropy);
  } catch (err) {
    await raw.close();
    throw err;
  }
  const kdfMs = scope.performance.now() - started;
  try {
    const values: Array<[string, string | null]> = [];
    for (const k of req.keys) {
      const v = await store.get(k);
      values.push([k, v === undefined ? null : bytesToHex(v)]);
    }
    return { ok: true, kdfMs, values, keys: await store.keys('') };
  } finally {
    await store.close();
  }
}

scope.onmessage = (ev) => {
  const { id, request } = ev.data;
  handle(request).then(
    (response) => scope.postMessage({ id, response }),
    (err: unknown) => scope.postMessage({ id, response: { ok: false, error: { name: err instanceof Error ? err.name : 'Error', message: errorMessage(err) } } }),
  );
};
