/**
 * Watches on the chain: "this tx has N confirmations" and "this output is spent (by which tx)".
 * They cost requests only when something can have changed:
 *
 *   - a new watch is checked once, on the next update;
 *   - unconfirmed txs and unspent / unconfirmed-spent outputs are re-checked when the tip changes;
 *   - a confirmed tx (or confirmed spend) is re-checked only when a reorg reaches its block, or the
 *     synced window disagrees with its block hash; its depth grows without any request;
 *   - nothing at all is requested on an unchanged tip.
 *
 * Confirmations are proven with merkle branches (`verifyConfirmed`) and cross-checked with the
 * synced window, unless `verify: false`. A confirmation lost to a reorg is reported, and reported
 * again when the tx confirms anew.
 */
import type { Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { EsploraError } from './errors.ts';
import type { ChainSource, ChainTip, OutSpend, TxStatus } from './source.ts';
import type { ChainSync, ChainView, SyncEvent } from './sync.ts';
import { isHash32 } from './validate.ts';

export type WatchEvent =
  /** The tx reached its required depth (again, after a reorg took an earlier confirmation). */
  | { readonly type: 'tx-confirmed'; readonly txid: string; readonly blockHeight: number; readonly blockHash: string; readonly depth: number }
  /** A confirmation reported before is gone (reorg); the tx is watched on. */
  | { readonly type: 'tx-unconfirmed'; readonly txid: string; readonly blockHeight: number; readonly blockHash: string }
  /** The output is spent, or its spender or the spender's confirmation changed. */
  | { readonly type: 'output-spent'; readonly txid: string; readonly vout: number; readonly spendingTxid: string; readonly vin: number; readonly status: TxStatus }
  /** A spend reported before is gone (reorg or mempool eviction). */
  | { readonly type: 'output-unspent'; readonly txid: string; readonly vout: number; readonly spendingTxid: string }
  /** A check failed (server error); it is retried on the next update. */
  | { readonly type: 'watch-error'; readonly watch: string; readonly reason: string };

/** What watches need from a chain backend. */
export type WatchSource = Pick<ChainSource, 'txStatus' | 'verifyConfirmed' | 'outSpend'>;

export interface ChainWatcherOptions {
  readonly source: WatchSource;
  /** Prove confirmations with merkle branches (default true). */
  readonly verify?: boolean;
  readonly logger?: Logger;
}

interface TxWatch {
  readonly txid: string;
  minDepth: number;
  conf: { height: number; hash: string } | undefined;
  reported: boolean;
  dirty: boolean;
}

interface OutputWatch {
  readonly txid: string;
  readonly vout: number;
  spend: { txid: string; vin: number; status: TxStatus } | undefined;
  dirty: boolean;
}

export class ChainWatcher {
  private readonly source: WatchSource;
  private readonly verify: boolean;
  private readonly logger: Logger;
  private readonly txs = new Map<string, TxWatch>();
  private readonly outputs = new Map<string, OutputWatch>();

  constructor(options: ChainWatcherOptions) {
    this.source = options.source;
    this.verify = options.verify ?? true;
    this.logger = options.logger ?? silentLogger;
  }

  /** Report `tx-confirmed` once `txid` has `minDepth` confirmations. Returns the watch key. */
  watchTx(txid: string, minDepth = 1): string {
    if (!isHash32(txid)) throw new RangeError(`txid: expected 32-byte hex, got ${String(txid).slice(0, 70)}`);
    if (!Number.isInteger(minDepth) || minDepth < 1) throw new RangeError(`minDepth must be a positive integer, got ${minDepth}`);
    const id = txid.toLowerCase();
    const key = `tx:${id}`;
    const existing = this.txs.get(key);
    if (existing) {
      if (existing.minDepth !== minDepth) existing.reported = false;
      existing.minDepth = minDepth;
    } else this.txs.set(key, { txid: id, minDepth, conf: undefined, reported: false, dirty: true });
    return key;
  }

  /** Report `output-spent` when `txid:vout` is spent. Returns the watch key. */
  watchOutput(txid: string, vout: number): string {
    if (!isHash32(txid)) throw new RangeError(`txid: expected 32-byte hex, got ${String(txid).slice(0, 70)}`);
    if (!Number.isInteger(vout) || vout < 0 || vout > 0xffffffff) throw new RangeError(`vout must be an output index, got ${vout}`);
    const id = txid.toLowerCase();
    const key = `out:${id}:${vout}`;
    if (!this.outputs.has(key)) this.outputs.set(key, { txid: id, vout, spend: undefined, dirty: true });
    return key;
  }

  unwatch(key: string): void {
    this.txs.delete(key);
    this.outputs.delete(key);
  }

  get size(): number {
    return this.txs.size + this.outputs.size;
  }

  /** Re-check what the sync events can have changed; returns what changed. */
  async update(view: ChainView, events: readonly SyncEvent[]): Promise<WatchEvent[]> {
    const tip = view.tip;
    if (!tip) return [];
    const tipChanged = events.length > 0;
    let fork = Number.POSITIVE_INFINITY;
    for (const e of events) if (e.type === 'reorg') fork = Math.min(fork, e.deep ? Number.NEGATIVE_INFINITY : e.forkHeight);
    const stale = (conf: { height: number; hash: string }) => {
      if (conf.height > fork) return true;
      const ours = view.hashAt(conf.height);
      return ours !== undefined && ours !== conf.hash;
    };

    const out: WatchEvent[] = [];
    const checks: Promise<void>[] = [];
    for (const w of this.txs.values()) {
      if (w.dirty || (w.conf ? stale(w.conf) : tipChanged)) checks.push(this.checkTx(w, view, out));
    }
    for (const w of this.outputs.values()) {
      const confirmedSpend = w.spend?.status.confirmed ? { height: w.spend.status.blockHeight, hash: w.spend.status.blockHash } : undefined;
      if (w.dirty || (confirmedSpend ? stale(confirmedSpend) : tipChanged)) checks.push(this.checkOutput(w, view, out));
    }
    await Promise.all(checks);

    for (const w of this.txs.values()) {
      if (!w.conf || w.reported) continue;
      const depth = tip.height - w.conf.height + 1;
      if (depth >= w.minDepth) {
        w.reported = true;
        out.push({ type: 'tx-confirmed', txid: w.txid, blockHeight: w.conf.height, blockHash: w.conf.hash, depth });
      }
    }
    return out;
  }

  private async status(txid: string, view: ChainView): Promise<TxStatus> {
    let st: TxStatus;
    try {
      st = this.verify ? await this.source.verifyConfirmed(txid) : await this.source.txStatus(txid);
    } catch (err) {
      if (err instanceof EsploraError && err.kind === 'not-found') return { confirmed: false };
      throw err;
    }
    if (st.confirmed) {
      const ours = view.hashAt(st.blockHeight);
      if (ours !== undefined && ours !== st.blockHash) {
        // The server's block is not the one we synced at that height: not confirmed as far as we know.
        this.logger.log('warn', 'confirmation in a block outside the synced chain', { txid, height: st.blockHeight, hash: st.blockHash, ours });
        return { confirmed: false };
      }
    }
    return st;
  }

  private async checkTx(w: TxWatch, view: ChainView, out: WatchEvent[]): Promise<void> {
    let st: TxStatus;
    try {
      st = await this.status(w.txid, view);
    } catch (err) {
      w.dirty = true;
      out.push({ type: 'watch-error', watch: `tx:${w.txid}`, reason: err instanceof Error ? err.message : String(err) });
      return;
    }
    w.dirty = false;
    const prev = w.conf;
    if (prev && (!st.confirmed || st.blockHash !== prev.hash)) {
      if (w.reported) out.push({ type: 'tx-unconfirmed', txid: w.txid, blockHeight: prev.height, blockHash: prev.hash });
      w.reported = false;
      w.conf = undefined;
    }
    if (st.confirmed) w.conf = { height: st.blockHeight, hash: st.blockHash };
  }

  private async checkOutput(w: OutputWatch, view: ChainView, out: WatchEvent[]): Promise<void> {
    const key = `out:${w.txid}:${w.vout}`;
    let spend: OutSpend;
    try {
      try {
        spend = await this.source.outSpend(w.txid, w.vout);
      } catch (err) {
        if (!(err instanceof EsploraError && err.kind === 'not-found')) throw err;
        spend = { spent: false };
      }
      if (spend.spent && spend.status.confirmed) spend = { ...spend, status: await this.status(spend.txid, view) };
    } catch (err) {
      w.dirty = true;
      out.push({ type: 'watch-error', watch: key, reason: err instanceof Error ? err.message : String(err) });
      return;
    }
    w.dirty = false;
    const prev = w.spend;
    if (!spend.spent) {
      if (prev) out.push({ type: 'output-unspent', txid: w.txid, vout: w.vout, spendingTxid: prev.txid });
      w.spend = undefined;
      return;
    }
    const same = prev && prev.txid === spend.txid && sameStatus(prev.status, spend.status);
    w.spend = { txid: spend.txid, vin: spend.vin, status: spend.status };
    if (!same) out.push({ type: 'output-spent', txid: w.txid, vout: w.vout, spendingTxid: spend.txid, vin: spend.vin, status: spend.status });
  }
}

function sameStatus(a: TxStatus, b: TxStatus): boolean {
  if (!a.confirmed || !b.confirmed) return a.confirmed === b.confirmed;
  return a.blockHash === b.blockHash;
}

/** Sync then watch, as one tick: `GET /blocks/tip/hash` and nothing else while the tip stands. */
export class ChainMonitor {
  readonly sync: ChainSync;
  readonly watcher: ChainWatcher;

  constructor(sync: ChainSync, watcher: ChainWatcher) {
    this.sync = sync;
    this.watcher = watcher;
  }

  async tick(): Promise<{ chain: SyncEvent[]; watch: WatchEvent[]; tip: ChainTip | undefined }> {
    const chain = await this.sync.tick();
    const watch = await this.watcher.update(this.sync, chain);
    return { chain, watch, tip: this.sync.tip };
  }
}
