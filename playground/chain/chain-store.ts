/**
 * Keeping a `RegtestChain` across restarts (`npm start -- --data <dir>`): its main-chain blocks
 * and its mempool in a KVStore (engine/ports.ts; the playground uses cli/adapters/file-store.ts,
 * an fsync'd journal), replayed through bcoin's full validation on the next start.
 *
 * bcoin 1.0.2 can only keep its own database with leveldown's native build; replaying raw blocks
 * needs nothing native, re-checks every block, and gives back the same tip, height, UTXOs and
 * faucet coins (they are all derived from the blocks).
 *
 *   meta              version 1 record: {"v":1,"activation":"patched"|"legacy"} (JSON, UTF-8)
 *   b/<height:10>     u8 version (1) | the raw block (BIP 144 serialization, with witnesses)
 *   mempool           u8 version (1) | u32 count | per tx: u32 length | raw tx, arrival order
 *
 * Heights 1…tip are stored (bcoin makes the genesis block itself). `ChainStore.sync` writes, in
 * one atomic batch, the blocks from the lowest height whose hash differs from what is stored
 * (so a reorg rewrites its fork) and deletes stored heights above the tip.
 */
import type { KVStore } from '../../engine/ports.ts';
import type { ActivationMode } from './bcoin-loader.ts';
import type { ConfirmedIndex } from './indexes.ts';

const META_KEY = 'meta';
const MEMPOOL_KEY = 'mempool';
const BLOCK_PREFIX = 'b/';
const RECORD_VERSION = 1;

/** The stored chain is not one this code can replay; nothing was changed. */
export class ChainStoreError extends Error {
  override readonly name = 'ChainStoreError';
}

/** The store key of the block at `height` (zero-padded so keys sort by height). */
export function blockKey(height: number): string {
  if (!Number.isSafeInteger(height) || height < 1 || height > 9_999_999_999) throw new RangeError(`block height must be 1–9999999999, got ${height}`);
  return `${BLOCK_PREFIX}${height.toString().padStart(10, '0')}`;
}

/** The height in a `blockKey`, or undefined for any other key. */
export function heightOfKey(key: string): number | undefined {
  const m = /^b\/(\d{10})$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

export function encodeMeta(activation: ActivationMode): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: RECORD_VERSION, activation }));
}

export function decodeMeta(bytes: Uint8Array): { activation: ActivationMode } {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ChainStoreError('chain meta: not a JSON record');
  }
  const meta = v as { v?: unknown; activation?: unknown };
  if (meta.v !== RECORD_VERSION) throw new ChainStoreError(`chain meta: unknown version ${JSON.stringify(meta.v)}`);
  if (meta.activation !== 'patched' && meta.activation !== 'legacy') throw new ChainStoreError(`chain meta: activation must be "patched" or "legacy", got ${JSON.stringify(meta.activation)}`);
  return { activation: meta.activation };
}

export function encodeBlockRecord(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + raw.length);
  out[0] = RECORD_VERSION;
  out.set(raw, 1);
  return out;
}

export function decodeBlockRecord(bytes: Uint8Array, key: string): Uint8Array {
  if (bytes.length < 1 + 80 + 1) throw new ChainStoreError(`${key}: record too short (${bytes.length} bytes)`);
  if (bytes[0] !== RECORD_VERSION) throw new ChainStoreError(`${key}: unknown record version ${bytes[0]}`);
  return bytes.subarray(1);
}

export function encodeTxList(txs: readonly Uint8Array[]): Uint8Array {
  const size = 1 + 4 + txs.reduce((n, t) => n + 4 + t.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = RECORD_VERSION;
  view.setUint32(1, txs.length);
  let off = 5;
  for (const tx of txs) {
    view.setUint32(off, tx.length);
    out.set(tx, off + 4);
    off += 4 + tx.length;
  }
  return out;
}

export function decodeTxList(bytes: Uint8Array, field = MEMPOOL_KEY): Uint8Array[] {
  if (bytes.length < 5) throw new ChainStoreError(`${field}: record too short (${bytes.length} bytes)`);
  if (bytes[0] !== RECORD_VERSION) throw new ChainStoreError(`${field}: unknown record version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(1);
  const txs: Uint8Array[] = [];
  let off = 5;
  for (let i = 0; i < count; i++) {
    if (off + 4 > bytes.length) throw new ChainStoreError(`${field}: tx ${i} length runs past the end`);
    const length = view.getUint32(off);
    if (length === 0 || off + 4 + length > bytes.length) throw new ChainStoreError(`${field}: tx ${i} (${length} bytes) runs past the end`);
    txs.push(bytes.slice(off + 4, off + 4 + length));
    off += 4 + length;
  }
  if (off !== bytes.length) throw new ChainStoreError(`${field}: ${bytes.length - off} bytes after the last tx`);
  return txs;
}

/**
 * The lowest height (≥ 1) at which `stored` (hash per height, index 0 = genesis) and `current`
 * differ, or `current.length` when `current` extends `stored` unchanged.
 */
export function firstDifference(stored: readonly string[], current: readonly string[]): number {
  let h = 1;
  while (h < stored.length && h < current.length && stored[h] === current[h]) h++;
  return h;
}

/** What a chain store held: raw blocks from height 1 up, and the mempool's raw txs. */
export interface StoredChain {
  readonly activation: ActivationMode;
  readonly blocks: readonly Uint8Array[];
  readonly mempool: readonly Uint8Array[];
}

export class ChainStore {
  private readonly store: KVStore;
  /** Hash (display hex) per stored height; index 0 is the genesis block, never stored. */
  private stored: string[] = [];
  private storedMempool: string | undefined;
  /** Set once `load` found nothing or the chain replayed what it found; until then `sync` writes nothing. */
  private ready = false;

  constructor(store: KVStore) {
    this.store = store;
  }

  /**
   * What the store holds, or undefined for an empty store. A gap in the heights, a damaged
   * record or another activation mode than `activation` is a ChainStoreError.
   */
  async load(activation: ActivationMode): Promise<StoredChain | undefined> {
    const metaBytes = await this.store.get(META_KEY);
    const keys = await this.store.keys(BLOCK_PREFIX);
    if (!metaBytes) {
      if (keys.length > 0) throw new ChainStoreError('the chain store has blocks but no meta record');
      this.ready = true;
      return undefined;
    }
    const meta = decodeMeta(metaBytes);
    if (meta.activation !== activation) throw new ChainStoreError(`the stored chain was made with activation "${meta.activation}", this one is "${activation}"`);
    const blocks: Uint8Array[] = [];
    for (const [i, key] of keys.entries()) {
      if (heightOfKey(key) !== i + 1) throw new ChainStoreError(`the chain store is missing block ${i + 1} (found key ${key})`);
      blocks.push(decodeBlockRecord((await this.store.get(key))!, key));
    }
    const mempoolBytes = await this.store.get(MEMPOOL_KEY);
    return { activation, blocks, mempool: mempoolBytes ? decodeTxList(mempoolBytes) : [] };
  }

  /** Record the hashes of what `load` returned, once the chain has replayed it (`index` main chain). */
  loaded(index: ConfirmedIndex, mempool: readonly Uint8Array[]): void {
    this.stored = mainChainHashes(index);
    this.storedMempool = Buffer.from(encodeTxList(mempool)).toString('hex');
    this.ready = true;
  }

  /** Write what changed since the last sync (blocks from the first difference, the mempool) as one durable batch. */
  async sync(index: ConfirmedIndex, mempool: readonly Uint8Array[], activation: ActivationMode): Promise<void> {
    if (!this.ready) return;
    const current = mainChainHashes(index);
    const from = firstDifference(this.stored, current);
    const put: [string, Uint8Array][] = [];
    const del: string[] = [];
    if (this.stored.length === 0) put.push([META_KEY, encodeMeta(activation)]);
    for (let h = from; h < current.length; h++) put.push([blockKey(h), encodeBlockRecord(index.blockAt(h)!.raw)]);
    for (let h = Math.max(from, current.length); h < this.stored.length; h++) del.push(blockKey(h));
    const mempoolRecord = encodeTxList(mempool);
    const mempoolHex = Buffer.from(mempoolRecord).toString('hex');
    if (mempoolHex !== this.storedMempool) put.push([MEMPOOL_KEY, mempoolRecord]);
    if (put.length === 0 && del.length === 0) return;
    await this.store.write({ put, del });
    this.stored = current;
    this.storedMempool = mempoolHex;
  }
}

function mainChainHashes(index: ConfirmedIndex): string[] {
  const hashes: string[] = [];
  for (let h = 0; h <= index.tip.height; h++) hashes.push(index.blockAt(h)!.hash);
  return hashes;
}
