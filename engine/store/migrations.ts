/**
 * Store schema versions and their migrations (DESIGN.md rule 4). Each record carries its own
 * format version (records.ts; its codec still reads older ones); the store as a whole carries a
 * schema version in the encrypted record `store/schema`, for changes no single codec can make:
 * keys renamed or split, records rewritten together.
 *
 *   schema 1: stores written before this record existed (no `store/schema`).
 *   schema 2: `store/schema` is present; every record a codec can read is in its current format
 *             (1 → 2 re-encoded the channel snapshots still in v1–v4 as v5, and any other record
 *             written in an older format, through the upgraders the node passes in).
 *
 * `migrateStore` runs at unlock, before anything else reads the store: it applies the steps
 * from the stored version to STORE_SCHEMA_VERSION in order, staged in memory, then commits all
 * of them and the new `store/schema` in ONE atomic write. A crash before that write leaves the
 * store exactly as it was; running it again does the same work; at the current version it
 * writes nothing (idempotent). A record that cannot be read is left untouched and reported, never
 * deleted or guessed at (the node reports it when it loads that record). A schema newer than
 * this build is refused before anything is written (NewerSchemaError).
 */
import { DecodeError } from '../lib/errors.ts';
import type { KVStore } from '../ports.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { NewerSchemaError } from './errors.ts';
import { RecordCodec } from './records.ts';

/** The encrypted record holding the store's schema version. */
export const SCHEMA_KEY = 'store/schema';
/** The schema this build writes. */
export const STORE_SCHEMA_VERSION = 2;
/** The schema of a store with no `store/schema` record. */
export const UNVERSIONED_SCHEMA = 1;

const schemaCodec = new RecordCodec<number>({
  name: SCHEMA_KEY,
  version: 1,
  encode: (v) => new ByteWriter().u16(v).finish(),
  decode: (body) => {
    const r = new ByteReader(body);
    const v = r.u16('store/schema.version');
    if (!r.done) throw new DecodeError('store/schema', 'trailing bytes');
    if (v < 1) throw new DecodeError('store/schema.version', 'must be at least 1');
    return v;
  },
});

export function encodeSchemaRecord(version: number): Uint8Array {
  return schemaCodec.encode(version);
}

/** Throws CorruptRecordError (naming store/schema) when the record does not decode. */
export function decodeSchemaRecord(bytes: Uint8Array): number {
  return schemaCodec.decode(bytes, SCHEMA_KEY);
}

/**
 * Re-encode one record in its codec's current format: the new bytes, or undefined when it is
 * current already. Throws when it cannot read the record.
 */
export type RecordUpgrade = (key: string, bytes: Uint8Array) => Uint8Array | undefined;

/** Upgraders by schema row: an exact key, or a prefix ending in '/' (schema.ts). */
export type RecordUpgrades = Readonly<Record<string, RecordUpgrade>>;

/** An upgrader for a codec whose first byte is its version: re-encode when it is below `current`. */
export function reencodeBelow(current: number, reencode: (bytes: Uint8Array) => Uint8Array): RecordUpgrade {
  return (_key, bytes) => (bytes.length > 0 && (bytes[0] as number) < current ? reencode(bytes) : undefined);
}

function upgradeFor(key: string, upgrades: RecordUpgrades): RecordUpgrade | undefined {
  if (Object.hasOwn(upgrades, key)) return upgrades[key];
  let best: string | undefined;
  for (const k of Object.keys(upgrades)) if (k.endsWith('/') && key.startsWith(k) && (!best || k.length > best.length)) best = k;
  return best === undefined ? undefined : upgrades[best];
}

/** The store as the steps see it: reads see the writes staged so far. */
class StagedStore {
  readonly puts = new Map<string, Uint8Array>();
  private readonly store: KVStore;
  constructor(store: KVStore) {
    this.store = store;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.puts.get(key) ?? (await this.store.get(key));
  }

  async keys(prefix: string): Promise<string[]> {
    const all = new Set(await this.store.keys(prefix));
    for (const k of this.puts.keys()) if (k.startsWith(prefix)) all.add(k);
    return [...all].sort();
  }

  put(key: string, value: Uint8Array): void {
    this.puts.set(key, value);
  }
}

export interface MigrationReport {
  /** The schema the store had. */
  readonly from: number;
  /** The schema it has now. */
  readonly to: number;
  /** Records rewritten (in the one write). */
  readonly rewritten: readonly string[];
  /** Records that could not be read, left untouched, with the reason. */
  readonly unreadable: readonly { readonly key: string; readonly reason: string }[];
}

interface StepContext {
  readonly upgrades: RecordUpgrades;
  readonly rewritten: string[];
  readonly unreadable: { key: string; reason: string }[];
}

interface SchemaStep {
  /** Upgrades a store of schema `from` to `from + 1`. */
  readonly from: number;
  readonly run: (store: StagedStore, ctx: StepContext) => Promise<void>;
}

const STEPS: readonly SchemaStep[] = [
  {
    // 1 → 2: every readable record in its current format.
    from: 1,
    run: async (store, ctx) => {
      for (const key of await store.keys('')) {
        const upgrade = upgradeFor(key, ctx.upgrades);
        if (!upgrade) continue;
        let bytes: Uint8Array | undefined;
        let next: Uint8Array | undefined;
        try {
          bytes = await store.get(key);
          if (bytes === undefined) continue;
          next = upgrade(key, bytes);
        } catch (err) {
          ctx.unreadable.push({ key, reason: err instanceof Error ? err.message : String(err) });
          continue;
        }
        if (next !== undefined) {
          store.put(key, next);
          ctx.rewritten.push(key);
        }
      }
    },
  },
];

/** The schema version of a store (UNVERSIONED_SCHEMA without a record). */
export async function storeSchemaVersion(store: KVStore): Promise<number> {
  const bytes = await store.get(SCHEMA_KEY);
  return bytes === undefined ? UNVERSIONED_SCHEMA : decodeSchemaRecord(bytes);
}

/**
 * Bring `store` to STORE_SCHEMA_VERSION (see the module comment). `upgrades` re-encode records
 * whose codecs live outside store/ (channel, wallet, payments: engine/node/store-upgrades.ts).
 */
export async function migrateStore(store: KVStore, upgrades: RecordUpgrades, steps: readonly SchemaStep[] = STEPS, target = STORE_SCHEMA_VERSION): Promise<MigrationReport> {
  const from = await storeSchemaVersion(store);
  if (from > target) throw new NewerSchemaError(from, target);
  const ctx: StepContext = { upgrades, rewritten: [], unreadable: [] };
  if (from === target) return { from, to: target, rewritten: [], unreadable: [] };
  const staged = new StagedStore(store);
  for (let v = from; v < target; v++) {
    const step = steps.find((s) => s.from === v);
    if (!step) throw new Error(`store schema ${v} has no migration to ${v + 1}`);
    await step.run(staged, ctx);
  }
  staged.put(SCHEMA_KEY, encodeSchemaRecord(target));
  await store.write({ put: [...staged.puts.entries()] });
  return { from, to: target, rewritten: ctx.rewritten, unreadable: ctx.unreadable };
}

export type { SchemaStep, StagedStore };
