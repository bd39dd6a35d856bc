// The KVStore contract (engine/ports.ts), checked identically on every implementation: memory,
// the Node file store and IndexedDB (fake-indexeddb). Property: any sequence of random batches
// gives the same contents as a model Map, before and after reopening the store.
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KVBatch, KVStore } from '../../engine/ports.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { FileKVStore } from '../../cli/adapters/file-store.ts';
import { IdbKVStore } from '../../workers/adapters/idb-store.ts';

const root = await mkdtemp(join(tmpdir(), 'glint-contract-'));
afterAll(() => rm(root, { recursive: true, force: true }));

interface Backend {
  readonly name: string;
  /** A fresh, empty store location; `open` opens (or reopens) it. */
  location(): { open(): Promise<KVStore>; persistent: boolean };
}

let seq = 0;
const backends: Backend[] = [
  {
    name: 'MemoryKVStore',
    location: () => {
      const s = new MemoryKVStore();
      return { open: async () => s, persistent: false };
    },
  },
  {
    name: 'FileKVStore',
    location: () => {
      const dir = join(root, `f${++seq}`);
      return { open: () => FileKVStore.open(dir, { compactAtBytes: 4096 }), persistent: true };
    },
  },
  {
    name: 'IdbKVStore',
    location: () => {
      const name = `glint-contract-${++seq}`;
      return { open: () => IdbKVStore.open(name), persistent: true };
    },
  },
];

const KEYS = ['a', 'b', 'channel/1', 'channel/10', 'channel/2', 'channel/', 'wallet/meta', 'z~', 'A'];
const batchArb: fc.Arbitrary<KVBatch & { put: Array<[string, Uint8Array]>; del: string[] }> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.option(fc.uint8Array({ maxLength: 400 }), { nil: undefined })), { selector: ([k]) => k, maxLength: 6 })
  .map((ops) => ({
    put: ops.filter(([, v]) => v !== undefined).map(([k, v]) => [k, v as Uint8Array] as [string, Uint8Array]),
    del: ops.filter(([, v]) => v === undefined).map(([k]) => k),
  }));

async function expectMatches(store: KVStore, model: Map<string, Uint8Array>): Promise<void> {
  expect(await store.keys('')).toEqual([...model.keys()].sort());
  for (const prefix of ['channel/', 'wallet/', 'z']) expect(await store.keys(prefix)).toEqual([...model.keys()].filter((k) => k.startsWith(prefix)).sort());
  for (const k of KEYS) expect(await store.get(k)).toEqual(model.get(k));
}

for (const backend of backends) {
  describe(`KVStore contract: ${backend.name}`, () => {
    it('property: random batches match a model, and still do after reopening', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 10 }), async (batches) => {
          const loc = backend.location();
          const model = new Map<string, Uint8Array>();
          let store = await loc.open();
          for (const b of batches) {
            await store.write(b);
            for (const k of b.del) model.delete(k);
            for (const [k, v] of b.put) model.set(k, v.slice());
            b.put[0]?.[1].fill(0xee); // the caller reusing its buffer changes nothing stored
          }
          await expectMatches(store, model);
          if (loc.persistent) {
            await store.close();
            store = await loc.open();
            await expectMatches(store, model);
          }
          await store.close();
        }),
        { numRuns: 40 },
      );
    });

    it('refuses the same bad input with the same field names', async () => {
      const store = await backend.location().open();
      await expect(store.write({ put: [['ok', Uint8Array.of(1)], ['', Uint8Array.of(1)]] })).rejects.toThrow(/batch.put\[1\].key: length/);
      await expect(store.write({ del: ['x', 'x'] })).rejects.toThrow(/batch.del\[1\]: "x" appears twice/);
      await expect(store.write({ put: [['a', [1, 2] as unknown as Uint8Array]] })).rejects.toThrow(/batch.put\[0\].value: expected a Uint8Array/);
      await expect(store.get('with space')).rejects.toThrow(/key: only printable ASCII/);
      await expect(store.keys('\u00e9')).rejects.toThrow(/prefix/);
      expect(await store.keys('')).toEqual([]);
      await store.close();
    });
  });
}
