/**
 * Tip tracking with reorg detection. `TipWindow` is the sans-I/O core: the last N known blocks
 * (height, hash, prev hash), contiguous up to the tip, and the events a change to them means.
 * `ChainSync` is the thin driver over a `ChainSource`:
 *
 *   idle tick      GET /blocks/tip/hash, unchanged → no events. Exactly one request.
 *   new block(s)   walk headers back from the new tip (each header must hash to the hash asked for
 *                  and meet its own proof of work, so the walk is linked by prev hash) until one
 *                  links to a known block → `reorg` (if blocks above it are replaced) + `connected`.
 *   far behind     after `maxWalk` headers without a link: the new tip's height from
 *                  /block/:hash/status, the fork point from /block-height/:h over the window →
 *                  `reorg` (if any) + `jump` over the blocks not fetched + `connected` for the walk.
 *
 * A tick applies all or nothing: if any request fails, the window is unchanged and the tick throws.
 */
import type { Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import { parseHeader, POW_LIMIT, proofOfWorkProblem } from './bitcoin.ts';
import { EsploraError } from './errors.ts';
import type { ChainSource, ChainTip } from './source.ts';

export interface KnownBlock {
  readonly height: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly time: number;
}

export type SyncEvent =
  /** Blocks above `forkHeight` left the best chain (`disconnected`, highest first). `deep`: the
   *  fork is below the window, so `forkHeight` is only an upper bound. */
  | { readonly type: 'reorg'; readonly forkHeight: number; readonly disconnected: readonly ChainTip[]; readonly deep: boolean }
  /** A block joined the best chain (ascending order within a tick). */
  | { readonly type: 'connected'; readonly block: KnownBlock; readonly header: Uint8Array }
  /** Blocks from `fromHeight + 1` to `toHeight` joined the best chain without being fetched. */
  | { readonly type: 'jump'; readonly fromHeight: number; readonly toHeight: number };

/** What watchers need to know about the chain as synced. */
export interface ChainView {
  readonly tip: ChainTip | undefined;
  /** The hash at `height` if the window holds it. */
  hashAt(height: number): string | undefined;
}

export interface Connected {
  readonly block: KnownBlock;
  readonly header: Uint8Array;
}

export const DEFAULT_WINDOW = 12;
const ZERO_HASH = '0'.repeat(64);

export class TipWindow implements ChainView {
  readonly size: number;
  private blocks: KnownBlock[];

  constructor(size = DEFAULT_WINDOW, initial: readonly KnownBlock[] = []) {
    if (!Number.isInteger(size) || size < 2) throw new RangeError('window size must be an integer ≥ 2');
    this.size = size;
    checkContiguous(initial);
    this.blocks = initial.slice(-size);
  }

  get tip(): KnownBlock | undefined {
    return this.blocks[this.blocks.length - 1];
  }

  get lowest(): KnownBlock | undefined {
    return this.blocks[0];
  }

  /** Ascending by height. */
  get known(): readonly KnownBlock[] {
    return this.blocks;
  }

  hashAt(height: number): string | undefined {
    const low = this.blocks[0];
    return low ? this.blocks[height - low.height]?.hash : undefined;
  }

  heightOf(hash: string): number | undefined {
    return this.blocks.find((b) => b.hash === hash)?.height;
  }

  /**
   * Make `blocks` (ascending, linked to each other) the chain above `forkHeight`. If the first one
   * links to the known block at `forkHeight`, the window keeps what is below; otherwise (a gap,
   * or a fork below the window) the window restarts from `blocks`, with a `jump` over the gap.
   */
  apply(forkHeight: number, blocks: readonly Connected[], deep = false): SyncEvent[] {
    if (blocks.length === 0) throw new RangeError('apply needs at least one block');
    checkContiguous(blocks.map((c) => c.block));
    const first = (blocks[0] as Connected).block;
    const linked = !deep && first.height === forkHeight + 1 && this.hashAt(forkHeight) === first.prevHash;
    const events: SyncEvent[] = [];
    const cut = deep ? Number.NEGATIVE_INFINITY : forkHeight;
    const disconnected = this.blocks
      .filter((b) => b.height > cut)
      .reverse()
      .map((b) => ({ height: b.height, hash: b.hash }));
    if (disconnected.length > 0) events.push({ type: 'reorg', forkHeight, disconnected, deep });
    if (first.height > forkHeight + 1) events.push({ type: 'jump', fromHeight: forkHeight, toHeight: first.height - 1 });
    for (const c of blocks) events.push({ type: 'connected', block: c.block, header: c.header });
    const kept = linked ? this.blocks.filter((b) => b.height <= forkHeight) : [];
    this.blocks = [...kept, ...blocks.map((c) => c.block)].slice(-this.size);
    return events;
  }
}

function checkContiguous(blocks: readonly KnownBlock[]): void {
  for (let i = 1; i < blocks.length; i++) {
    const a = blocks[i - 1] as KnownBlock;
    const b = blocks[i] as KnownBlock;
    if (b.height !== a.height + 1 || b.prevHash !== a.hash) throw new RangeError(`block ${b.hash} at ${b.height} does not follow ${a.hash}`);
  }
}

/** What sync needs from a chain backend. */
export type SyncSource = Pick<ChainSource, 'tipHash' | 'blockStatus' | 'blockHeader' | 'blockHashAtHeight'>;

export interface ChainSyncOptions {
  readonly source: SyncSource;
  /** Headers must be no easier than this network's powLimit (default regtest). */
  readonly network?: NetworkName;
  /** Known blocks kept for reorg detection (default 12). */
  readonly windowSize?: number;
  /** Headers walked back before switching to the catch-up path (default = window size). */
  readonly maxWalk?: number;
  /** A window saved by `snapshot()`, so a restart does not bootstrap again. */
  readonly initial?: readonly KnownBlock[];
  readonly logger?: Logger;
}

export class ChainSync implements ChainView {
  readonly tipWindow: TipWindow;
  private readonly source: SyncSource;
  private readonly powLimit: bigint;
  private readonly maxWalk: number;
  private readonly logger: Logger;
  private last: Promise<unknown> = Promise.resolve();

  constructor(options: ChainSyncOptions) {
    this.source = options.source;
    this.powLimit = POW_LIMIT[options.network ?? 'regtest'];
    this.tipWindow = new TipWindow(options.windowSize ?? DEFAULT_WINDOW, options.initial ?? []);
    this.maxWalk = options.maxWalk ?? this.tipWindow.size;
    this.logger = options.logger ?? silentLogger;
  }

  get tip(): ChainTip | undefined {
    const t = this.tipWindow.tip;
    return t ? { height: t.height, hash: t.hash } : undefined;
  }

  hashAt(height: number): string | undefined {
    return this.tipWindow.hashAt(height);
  }

  /** The window, for persisting and passing back as `initial`. */
  snapshot(): KnownBlock[] {
    return this.tipWindow.known.slice();
  }

  /** One sync step. Concurrent calls run one after another. */
  tick(): Promise<SyncEvent[]> {
    const run = this.last.catch(() => undefined).then(() => this.step());
    this.last = run;
    return run;
  }

  private async step(): Promise<SyncEvent[]> {
    const hash = await this.source.tipHash();
    const tip = this.tipWindow.tip;
    if (tip?.hash === hash) return [];
    if (!tip) return this.bootstrap(hash);
    if (this.tipWindow.heightOf(hash) !== undefined) {
      // An ancestor of our tip: a lagging backend behind a load balancer, not a reorg.
      this.logger.log('warn', 'chain source reports an older tip; ignoring', { hash, ours: tip.hash });
      return [];
    }
    const walked: { hash: string; prevHash: string; time: number; header: Uint8Array }[] = [];
    let cursor = hash;
    while (walked.length < this.maxWalk && cursor !== ZERO_HASH) {
      const h = await this.header(cursor);
      walked.push(h);
      const fork = this.tipWindow.heightOf(h.prevHash);
      if (fork !== undefined) {
        const blocks = walked.reverse().map((w, i) => ({ block: { height: fork + 1 + i, hash: w.hash, prevHash: w.prevHash, time: w.time }, header: w.header }));
        return this.tipWindow.apply(fork, blocks);
      }
      cursor = h.prevHash;
    }
    return this.catchUp(hash, walked);
  }

  private async catchUp(hash: string, walked: readonly { hash: string; prevHash: string; time: number; header: Uint8Array }[]): Promise<SyncEvent[]> {
    const status = await this.source.blockStatus(hash);
    if (!status.inBestChain || status.height === undefined) {
      this.logger.log('warn', 'chain tip left the best chain while syncing; retrying next tick', { hash });
      return [];
    }
    const top = status.height;
    const low = top - walked.length + 1;
    if (low < 0) throw new EsploraError('mismatch', `/block/${hash}/status`, `height ${top} is lower than the ${walked.length} headers below it`);
    let fork: number | undefined;
    for (const b of [...this.tipWindow.known].reverse()) {
      if (b.height >= low) continue; // walked past it without linking: replaced (or above the new tip)
      if ((await this.source.blockHashAtHeight(b.height)) === b.hash) {
        fork = b.height;
        break;
      }
    }
    const deep = fork === undefined;
    const forkHeight = fork ?? (this.tipWindow.lowest as KnownBlock).height - 1;
    const blocks = [...walked].reverse().map((w, i) => ({ block: { height: low + i, hash: w.hash, prevHash: w.prevHash, time: w.time }, header: w.header }));
    if (deep) this.logger.log('warn', 'reorg deeper than the sync window', { forkAtMost: forkHeight, newTip: top });
    return this.tipWindow.apply(forkHeight, blocks, deep);
  }

  /** First tick without a saved window: the tip and up to window-size − 1 ancestors. */
  private async bootstrap(hash: string): Promise<SyncEvent[]> {
    const status = await this.source.blockStatus(hash);
    if (!status.inBestChain || status.height === undefined) {
      throw new EsploraError('mismatch', `/block/${hash}/status`, 'the tip it just reported is not in its best chain');
    }
    const walked: Connected[] = [];
    let cursor = hash;
    for (let height = status.height; height >= 0 && walked.length < this.tipWindow.size; height--) {
      const h = await this.header(cursor);
      walked.push({ block: { height, hash: h.hash, prevHash: h.prevHash, time: h.time }, header: h.header });
      cursor = h.prevHash;
    }
    walked.reverse();
    const first = (walked[0] as Connected).block;
    return this.tipWindow.apply(first.height - 1, walked);
  }

  /** A header from the source, checked again here: it must hash to `hash` and meet its own bits. */
  private async header(hash: string): Promise<{ hash: string; prevHash: string; time: number; header: Uint8Array }> {
    const bytes = await this.source.blockHeader(hash);
    const path = `/block/${hash}/header`;
    let parsed;
    try {
      parsed = parseHeader(bytes);
    } catch (err) {
      throw new EsploraError('invalid', path, err instanceof Error ? err.message : String(err));
    }
    if (parsed.hash !== hash) throw new EsploraError('mismatch', path, `header hashes to ${parsed.hash}`);
    const pow = proofOfWorkProblem(parsed, this.powLimit);
    if (pow) throw new EsploraError('mismatch', path, `proof of work: ${pow}`);
    return { hash, prevHash: parsed.prevHash, time: parsed.time, header: bytes };
  }
}
