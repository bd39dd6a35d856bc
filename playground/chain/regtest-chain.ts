/**
 * `RegtestChain`: a real Bitcoin regtest chain in memory (bcoin 1.0.2: full consensus validation
 * of segwit v0, CSV, CLTV), with a mempool that behaves like Bitcoin Core's where bcoin does not:
 *
 * - min relay fee: `fee ≥ ceil(vsize · minRelayFeeRate)` (1 sat/vB by default; vsize counts
 *   sigops as Core does), rejected as `min relay fee not met, <fee> < <min>`;
 * - standardness on (`requireStandard`: dust, script types, versions…), RBF-signalling v1 txs
 *   accepted (but no replacement: any conflicting spend is refused, `txn-mempool-conflict`);
 * - a spend of a missing or already-spent output is REFUSED (`bad-txns-inputs-missingorspent`)
 *   instead of being kept as an orphan;
 * - `tx-size-small` (non-witness size < 65), and an already-mempool tx is a success (as
 *   `sendrawtransaction` answers);
 * - after a reorg, every disconnected non-coinbase tx and the old mempool are re-validated
 *   against the new tip (bcoin alone loses them when its mempool is empty, and evicts valid
 *   relative-locked ones); what is still valid is back in the mempool, ready for the next block.
 *
 * Soft forks: see bcoin-loader.ts (`activation`: `patched` by default — CLTV from block 1, CSV and
 * segwit ACTIVE from block 3; the patch is process-global).
 *
 * Block timestamps: `create()` stamps its bootstrap blocks one second apart ending
 * `blockTimeLagSecs` (30 s) before the wall clock, and later blocks get
 * `max(MTP + 1, now − blockTimeLagSecs)`. LDK takes the highest header time as "now" (e.g. for an
 * invoice's timestamp), so headers must not run ahead of the wall clock; the median-time-past
 * rule pushes a burst of blocks forward by about 1 s per 6 blocks, and the lag absorbs bursts of
 * up to ~180 blocks.
 *
 * Every mutating call (mine, faucet, submit, reorg…) runs one at a time, in call order; block
 * subscribers (`onBlock`) are called, in order, before that call resolves.
 */
import { createHash } from 'node:crypto';
import type { Address, Block, Chain, ChainEntry, Coin, CoinView, KeyRing, Mempool, MempoolEntry, Miner, TX } from 'bcoin';
import type { KVStore } from '../../engine/ports.ts';
import { acquireBcoin, releaseBcoin } from './bcoin-loader.ts';
import type { ActivationMode, Bcoin } from './bcoin-loader.ts';
import { ChainStore, ChainStoreError } from './chain-store.ts';
import { packagesPaying } from './fee-market.ts';
import { ConfirmedIndex, MempoolView } from './indexes.ts';
import type { BlockRecord } from './indexes.ts';
import {
  RPC_TRANSACTION_ALREADY_IN_CHAIN,
  RPC_TRANSACTION_ERROR,
  RPC_TRANSACTION_REJECTED,
  TxRejected,
  decodeFailed,
  isVerifyError,
  mapRejectReason,
  scriptErrorText,
} from './policy.ts';
import { scriptAddress, scripthashOf, toScriptPubKey } from './script.ts';

export interface RegtestChainOptions {
  /** Soft-fork activation rules (see bcoin-loader.ts). Default `patched`. */
  activation?: ActivationMode;
  /**
   * Blocks `create()` mines to the faucet. Default 110 (coinbase maturity is 100, so ~10 mature
   * 50-BTC coinbases). In `legacy` mode at least 1351, so CLTV is enforced in blocks.
   */
  bootstrapBlocks?: number;
  /** Min relay fee rate in sat/vB (Core's default: 1). */
  minRelayFeeRate?: number;
  /** New block timestamps aim this many seconds behind the wall clock (default 30). */
  blockTimeLagSecs?: number;
  /** Wall clock in milliseconds (default `Date.now`). */
  clock?: () => number;
  /** Initial `/fee-estimates` (target → sat/vB); default 2 (1–2 blocks), 1.5 (3–6), 1 (more). */
  feeEstimates?: Readonly<Record<number, number>>;
  /**
   * Where notes go: txs dropped from the mempool, and block subscribers that threw (default:
   * subscriber failures to console.error, the rest nowhere).
   */
  log?: (line: string) => void;
  /**
   * Keep the chain here (chain-store.ts): `create()` replays the blocks and mempool it holds
   * (instead of mining the bootstrap blocks), and every mutating call writes what it changed
   * durably before it resolves. The caller opens and closes the store.
   */
  store?: KVStore;
}

export interface MineOptions {
  /** Coinbase destination: scriptPubKey bytes or a `bcrt1…`/base58 regtest address. Default: the faucet. */
  to?: Uint8Array | string;
  /** Mine without mempool transactions. */
  empty?: boolean;
  /**
   * Put exactly these transactions (raw bytes or hex) in the first block instead of mempool
   * ones; they are validated by consensus only (no mempool policy), so a conflicting spend can
   * be mined this way. Later blocks (count > 1) take mempool txs again unless `empty`.
   */
  txs?: readonly (Uint8Array | string)[];
  /** Timestamp (seconds) for the first block; must exceed the median time past. */
  time?: number;
  /**
   * A fee market: each block takes only the mempool txs whose ancestor package (the tx with its
   * unconfirmed ancestors) pays at least this many sat/vB, best package first, as a miner choosing
   * by ancestor feerate does (so a child can pay for its parent: CPFP). The others stay in the
   * mempool. Ignored with `empty`, and for the first block with `txs`.
   */
  minFeeRate?: number;
}

export interface ReorgOptions extends Omit<MineOptions, 'time'> {
  /** How many blocks to disconnect from the tip (≥ 1). */
  depth: number;
  /** How many blocks to mine on the fork point (default depth + 1, a longer chain). */
  newBlocks?: number;
}

export interface ReorgResult {
  /** Hashes of the blocks taken off the chain, old tip first. */
  disconnected: string[];
  /** Hashes of the new fork's blocks, lowest first. */
  connected: string[];
}

export interface ChainBlock {
  readonly hash: string;
  readonly height: number;
  /** 80-byte header. */
  readonly header: Uint8Array;
  readonly time: number;
  /** The block's transactions, in block order (txids display-order hex). */
  readonly txs: readonly { readonly txid: string; readonly raw: Uint8Array }[];
}

export interface ChainTipInfo {
  readonly hash: string;
  readonly height: number;
  readonly header: Uint8Array;
  readonly time: number;
}

/** A block joined or left the main chain; `tip` is the chain tip right after this event. */
export type BlockEvent =
  | { readonly type: 'connect'; readonly block: ChainBlock; readonly tip: ChainTipInfo }
  | { readonly type: 'disconnect'; readonly block: ChainBlock; readonly tip: ChainTipInfo };

export type SubmitResult =
  | { readonly ok: true; readonly txid: string }
  | { readonly ok: false; readonly txid?: string; readonly code: number; readonly message: string };

/** A transaction that left the mempool unconfirmed (see `RegtestChain.dropped`). */
export interface DroppedTx {
  readonly txid: string;
  readonly reason: string;
}

const DEFAULT_BOOTSTRAP = 110;
const LEGACY_CLTV_HEIGHT = 1351;
/** Core's MIN_STANDARD_TX_NONWITNESS_SIZE. */
const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;
const FAUCET_SEED = 'glint regtest faucet';
export const FEE_TARGETS: readonly number[] = [...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008];

function defaultFeeEstimates(): Map<number, number> {
  return new Map(FEE_TARGETS.map((t) => [t, t <= 2 ? 2 : t <= 6 ? 1.5 : 1]));
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function parseRaw(raw: Uint8Array | string): Buffer {
  if (typeof raw !== 'string') return toBuffer(raw);
  const hex = raw.trim();
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw decodeFailed();
  return Buffer.from(hex, 'hex');
}

export class RegtestChain {
  readonly activation: ActivationMode;
  /** The faucet's P2WPKH scriptPubKey (bootstrap coinbases and faucet change go here). */
  readonly faucetScript: Uint8Array;
  /** The faucet's `bcrt1…` address. */
  readonly faucetAddress: string;
  /** Main-chain blocks and transactions, Esplora-style (see indexes.ts). */
  readonly index = new ConfirmedIndex();
  /**
   * Transactions that left the mempool unconfirmed, oldest first: evicted because a block
   * confirmed a conflicting spend (reason `conflict`; their mempool descendants go too, unlisted),
   * or not accepted back after a reorg (reason: the reject message).
   */
  readonly dropped: DroppedTx[] = [];
  /** Min relay fee rate, sat/vB. */
  minRelayFeeRate: number;

  private readonly lib: Bcoin;
  private readonly chain: Chain;
  private readonly mempool: Mempool;
  private readonly miner: Miner;
  private readonly faucetRing: KeyRing;
  private readonly faucetBcoinAddress: Address;
  private readonly clock: () => number;
  private readonly lagSecs: number;
  private readonly log: (line: string) => void;
  private readonly subscribers = new Set<(event: BlockEvent) => void>();
  private fees: Map<number, number>;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingEvents: BlockEvent[] = [];
  private disconnectedTxs: { height: number; txs: TX[] }[] = [];
  private enforceMinRelay = true;
  private mempoolVersion = 0;
  private mempoolCache: { version: number; view: MempoolView } | undefined;
  private closed = false;
  private readonly chainStore: ChainStore | undefined;
  /** `create()` replayed the chain from its `store` (rather than mining a new one). */
  restored = false;

  /**
   * Open an in-memory chain and mine the bootstrap blocks (see `RegtestChainOptions`), or, with a
   * `store` that holds a chain, replay it.
   */
  static async create(options: RegtestChainOptions = {}): Promise<RegtestChain> {
    const activation = options.activation ?? 'patched';
    const lib = acquireBcoin(activation);
    let chain: RegtestChain | undefined;
    try {
      chain = new RegtestChain(lib, activation, options);
      await chain.open();
      if (await chain.restore()) return chain;
      const minimum = activation === 'legacy' ? LEGACY_CLTV_HEIGHT : 101;
      const count = Math.max(options.bootstrapBlocks ?? (activation === 'legacy' ? LEGACY_CLTV_HEIGHT : DEFAULT_BOOTSTRAP), minimum);
      await chain.bootstrap(count);
      return chain;
    } catch (error) {
      if (chain) await chain.close().catch(() => {});
      else releaseBcoin();
      throw error;
    }
  }

  private constructor(lib: Bcoin, activation: ActivationMode, options: RegtestChainOptions) {
    this.lib = lib;
    this.activation = activation;
    this.minRelayFeeRate = options.minRelayFeeRate ?? 1;
    this.clock = options.clock ?? Date.now;
    this.lagSecs = options.blockTimeLagSecs ?? 30;
    this.log = options.log ?? ((line) => void (line.startsWith('block subscriber failed') && console.error(`[regtest-chain] ${line}`)));
    this.chainStore = options.store ? new ChainStore(options.store) : undefined;
    this.fees = options.feeEstimates ? new Map(Object.entries(options.feeEstimates).map(([k, v]) => [Number(k), v])) : defaultFeeEstimates();

    const faucetKey = createHash('sha256').update(FAUCET_SEED).digest();
    this.faucetRing = lib.KeyRing.fromPrivate(faucetKey, true);
    this.faucetRing.witness = true;
    this.faucetBcoinAddress = this.faucetRing.getAddress();
    this.faucetScript = Uint8Array.from(lib.Script.fromAddress(this.faucetBcoinAddress).toRaw());
    this.faucetAddress = scriptAddress(this.faucetScript)!;

    this.chain = new lib.Chain({ network: 'regtest', memory: true, workers: null });
    this.mempool = new lib.Mempool({
      network: 'regtest',
      chain: this.chain,
      memory: true,
      requireStandard: true,
      // Accept BIP125-signalling v1 txs as Core does (bcoin has no replacement either way).
      replaceByFee: true,
      // A missing parent is a rejection, not an orphan.
      maxOrphans: 0,
      relayPriority: false,
      limitFree: false,
      rejectAbsurdFees: true,
    });
    // Core's min relay fee, checked where Core checks it (after the BIP68 lock check).
    const verify = this.mempool.verify.bind(this.mempool);
    this.mempool.verify = async (entry: MempoolEntry, view: CoinView): Promise<void> => {
      if (this.enforceMinRelay && entry.fee >= 0) {
        const locksOk = await this.mempool.verifyLocks(entry.tx, view, STANDARD_LOCKTIME_FLAGS);
        const minFee = Math.ceil(entry.size * this.minRelayFeeRate);
        if (locksOk && entry.fee < minFee) throw new TxRejected(RPC_TRANSACTION_REJECTED, `min relay fee not met, ${entry.fee} < ${minFee}`);
      }
      return verify(entry, view);
    };
    // minWeight above the block limit: never leave "free" (below 1 sat/vB) txs out of a block.
    this.miner = new lib.Miner({ network: 'regtest', chain: this.chain, mempool: this.mempool, minWeight: 4_000_001, priorityWeight: 0 });

    this.chain.on('connect', (entry: ChainEntry, block: Block) => this.onConnect(entry, block));
    this.chain.on('disconnect', (entry: ChainEntry, block: Block) => this.onDisconnect(entry, block));
    this.mempool.on('add entry', () => void this.mempoolVersion++);
    this.mempool.on('remove entry', () => void this.mempoolVersion++);
    this.mempool.on('double spend', (entry: MempoolEntry) => {
      this.dropped.push({ txid: entry.tx.txid(), reason: 'conflict' });
      this.log(`mempool: ${entry.tx.txid()} evicted by a conflicting block tx`);
    });
  }

  private async open(): Promise<void> {
    await this.chain.open();
    await this.mempool.open();
    await this.miner.open();
    const genesis = await this.chain.getBlock(this.chain.tip.hash);
    if (!genesis) throw new Error('bcoin: no genesis block');
    this.index.connect(genesis, 0, genesis.time);
  }

  /**
   * Replay a stored chain (chain-store.ts) through bcoin's full validation, then submit its stored
   * mempool again (those that are no longer valid are listed in `dropped`). False: nothing stored.
   */
  private async restore(): Promise<boolean> {
    const store = this.chainStore;
    if (!store) return false;
    const saved = await store.load(this.activation);
    if (!saved) return false;
    await this.exclusive(async () => {
      for (const [i, raw] of saved.blocks.entries()) {
        let block: Block;
        try {
          block = this.lib.Block.fromRaw(toBuffer(raw));
        } catch (error) {
          throw new ChainStoreError(`stored block ${i + 1} cannot be decoded: ${(error as Error).message}`);
        }
        try {
          await this.chain.add(block);
        } catch (error) {
          throw new ChainStoreError(`stored block ${i + 1} (${block.rhash()}) was refused: ${(error as Error).message}`);
        }
        if (this.chain.tip.hash !== block.hash('hex')) throw new ChainStoreError(`stored block ${i + 1} (${block.rhash()}) did not become the tip`);
      }
      store.loaded(this.index, saved.mempool);
      for (const raw of saved.mempool) {
        let tx: TX;
        try {
          tx = this.decodeTx(raw);
        } catch {
          this.dropped.push({ txid: '', reason: 'stored mempool tx cannot be decoded' });
          continue;
        }
        const result = await this.submitTx(tx, false);
        if (!result.ok) {
          this.dropped.push({ txid: tx.txid(), reason: result.message });
          this.log(`restore: ${tx.txid()} not back in the mempool: ${result.message}`);
        }
      }
      await this.settle();
    });
    this.restored = true;
    return true;
  }

  private async bootstrap(count: number): Promise<void> {
    await this.exclusive(async () => {
      const start = this.nowSecs() - this.lagSecs - count - 1;
      for (let i = 1; i <= count; i++) await this.mineOne(this.faucetBcoinAddress, { empty: true, time: start + i });
    });
  }

  // ---------------------------------------------------------------- state

  get height(): number {
    return this.index.tip.height;
  }

  get tipHash(): string {
    return this.index.tip.hash;
  }

  tip(): ChainTipInfo {
    const tip = this.index.tip;
    return { hash: tip.hash, height: tip.height, header: tip.header, time: tip.time };
  }

  /** A main-chain block by height or hash, with its raw transactions. */
  block(at: number | string): ChainBlock | undefined {
    const record = typeof at === 'number' ? this.index.blockAt(at) : this.index.block(at);
    if (!record) return undefined;
    return chainBlock(record, record.txids.map((txid) => this.index.tx(txid)!.tx));
  }

  /** The mempool, indexed like the chain (cached until the mempool changes). */
  mempoolView(): MempoolView {
    if (this.mempoolCache?.version !== this.mempoolVersion) {
      this.mempoolCache = { version: this.mempoolVersion, view: new MempoolView(this.mempool.map.values(), this.index) };
    }
    return this.mempoolCache.view;
  }

  /** Txids in the mempool, in arrival order. */
  mempoolTxids(): string[] {
    return this.mempoolView().txs.map((t) => t.txid);
  }

  /** Current `/fee-estimates` (target → sat/vB). */
  feeEstimates(): Record<string, number> {
    return Object.fromEntries([...this.fees].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
  }

  /** Replace the fee estimates with exactly these (target → sat/vB). */
  setFeeEstimates(estimates: Readonly<Record<number | string, number>>): void {
    const next = new Map<number, number>();
    for (const [key, value] of Object.entries(estimates)) {
      const target = Number(key);
      if (!Number.isInteger(target) || target < 1 || target > 1008) throw new RangeError(`fee target must be an integer 1–1008, got ${JSON.stringify(key)}`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`fee rate for target ${target} must be a non-negative number, got ${JSON.stringify(value)}`);
      next.set(target, value);
    }
    this.fees = next;
  }

  /** Subscribe to block connects and disconnects. Returns an unsubscribe function. */
  onBlock(listener: (event: BlockEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => void this.subscribers.delete(listener);
  }

  /** Wait until every queued operation has finished. */
  async idle(): Promise<void> {
    await this.exclusive(async () => {});
  }

  // ---------------------------------------------------------------- mining

  /** Mine `count` blocks (mempool txs included unless `empty`). Resolves with their hashes. */
  mine(count = 1, options: MineOptions = {}): Promise<string[]> {
    return this.exclusive(() => this.mineBlocks(count, options));
  }

  /** Mine `count` blocks without transactions. */
  mineEmpty(count = 1, options: Omit<MineOptions, 'empty' | 'txs'> = {}): Promise<string[]> {
    return this.mine(count, { ...options, empty: true });
  }

  private async mineBlocks(count: number, options: MineOptions): Promise<string[]> {
    if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new RangeError(`block count must be an integer 0–10000, got ${count}`);
    const address = options.to === undefined ? this.faucetBcoinAddress : this.addressOfScript(toScriptPubKey(options.to));
    const forced = options.txs?.map((raw) => this.decodeTx(raw));
    const minFeeRate = options.minFeeRate;
    if (minFeeRate !== undefined && !(typeof minFeeRate === 'number' && Number.isFinite(minFeeRate) && minFeeRate >= 0)) throw new RangeError(`minFeeRate must be a non-negative sat/vB number, got ${String(minFeeRate)}`);
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const market = minFeeRate !== undefined && !options.empty && !(i === 0 && forced) ? packagesPaying(this.mempoolView(), minFeeRate) : undefined;
      hashes.push(
        await this.mineOne(address, {
          empty: options.empty ?? false,
          ...(i === 0 && forced ? { txs: forced } : market ? { txs: market } : {}),
          ...(i === 0 && options.time !== undefined ? { time: options.time } : {}),
        }),
      );
      await this.settle();
    }
    return hashes;
  }

  private async mineOne(address: Address, options: { empty: boolean; txs?: TX[]; time?: number }): Promise<string> {
    const tip = this.chain.tip;
    const mempool = this.miner.mempool;
    if (options.empty || options.txs) this.miner.mempool = null;
    let job;
    try {
      job = await this.miner.createJob(tip, address);
    } finally {
      this.miner.mempool = mempool;
    }
    const attempt = job.attempt;
    if (options.txs) for (const tx of options.txs) attempt.pushTX(tx);
    const time = options.time ?? Math.max(attempt.mtp + 1, this.nowSecs() - this.lagSecs);
    if (time <= attempt.mtp) throw new RangeError(`block time ${time} must be greater than the median time past ${attempt.mtp}`);
    attempt.time = time;
    job.refresh();
    const block = await job.mineAsync();
    const entry = await this.chain.add(block);
    if (!entry || this.chain.tip.hash !== block.hash('hex')) throw new Error(`mined block ${block.rhash()} did not become the tip`);
    return block.rhash();
  }

  // ---------------------------------------------------------------- faucet

  /**
   * Send `sats` from the faucet to a scriptPubKey or regtest address (output 0 of the new tx)
   * and, unless `mine: false`, mine one block. Fee rate default 2 sat/vB.
   */
  faucet(
    to: Uint8Array | string,
    sats: number | bigint,
    options: { mine?: boolean; feeRate?: number } = {},
  ): Promise<{ txid: string; vout: number; raw: Uint8Array; blockHash?: string }> {
    return this.exclusive(async () => {
      const script = toScriptPubKey(to);
      const value = Number(sats);
      if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`faucet amount must be a positive number of sats, got ${String(sats)}`);
      const mtx = new this.lib.MTX();
      mtx.addOutput(this.lib.Script.fromRaw(toBuffer(script)), value);
      const coins = this.faucetCoins();
      try {
        await mtx.fund(coins, { changeAddress: this.faucetBcoinAddress, rate: Math.round((options.feeRate ?? 2) * 1000) });
      } catch (error) {
        throw new Error(`faucet cannot fund ${value} sats: ${(error as Error).message}`, { cause: error });
      }
      mtx.sign(this.faucetRing);
      const tx = mtx.toTX();
      const result = await this.submitTx(tx, true);
      if (!result.ok) throw new TxRejected(result.code, result.message, tx.txid());
      let blockHash: string | undefined;
      if (options.mine ?? true) [blockHash] = await this.mineBlocks(1, {});
      return { txid: tx.txid(), vout: 0, raw: Uint8Array.from(tx.toRaw()), ...(blockHash ? { blockHash } : {}) };
    });
  }

  /** Spendable faucet coins: mature confirmed ones first, then mempool change; none spent in the mempool. */
  private faucetCoins(): Coin[] {
    const sh = scripthashOf(this.faucetScript);
    const mempool = this.mempoolView();
    const nextHeight = this.height + 1;
    const coins: Coin[] = [];
    const take = (tx: TX, height: number): void => {
      tx.outputs.forEach((output, vout) => {
        if (!Buffer.from(this.faucetScript).equals(output.script.toRaw())) return;
        const txid = tx.txid();
        if (this.index.spentBy(txid, vout) || mempool.spentBy(txid, vout)) return;
        if (tx.isCoinbase() && nextHeight - height < 100) return;
        coins.push(this.lib.Coin.fromTX(tx, vout, height));
      });
    };
    for (const record of this.index.historyOf(sh).reverse()) take(record.tx, record.block!.height);
    for (const record of mempool.historyOf(sh)) take(record.tx, -1);
    return coins;
  }

  // ---------------------------------------------------------------- mempool

  /** Submit a raw transaction with Core-like policy. Never throws for a rejection. */
  submit(raw: Uint8Array | string): Promise<SubmitResult> {
    return this.exclusive(async () => {
      let tx: TX;
      try {
        tx = this.decodeTx(raw);
      } catch (error) {
        if (error instanceof TxRejected) return { ok: false, code: error.code, message: error.message };
        throw error;
      }
      return this.submitTx(tx, true);
    });
  }

  /** Submit a raw transaction; resolves with its txid or rejects with a `TxRejected`. */
  async broadcast(raw: Uint8Array | string): Promise<string> {
    const result = await this.submit(raw);
    if (!result.ok) throw new TxRejected(result.code, result.message, result.txid);
    return result.txid;
  }

  private decodeTx(raw: Uint8Array | string): TX {
    const bytes = parseRaw(raw);
    let tx: TX;
    try {
      tx = this.lib.TX.fromRaw(bytes);
    } catch {
      throw decodeFailed();
    }
    if (tx.getSize() !== bytes.length || tx.inputs.length === 0) throw decodeFailed();
    return tx;
  }

  private async submitTx(tx: TX, enforceFee: boolean): Promise<SubmitResult> {
    const txid = tx.txid();
    const reject = (code: number, message: string): SubmitResult => ({ ok: false, txid, code, message });
    if (this.mempool.hasEntry(tx.hash('hex'))) return { ok: true, txid };
    if (tx.getBaseSize() < MIN_STANDARD_TX_NONWITNESS_SIZE) return reject(RPC_TRANSACTION_REJECTED, 'tx-size-small');
    if (await this.chain.hasCoins(tx)) return reject(RPC_TRANSACTION_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
    let missing: string[] | null;
    this.enforceMinRelay = enforceFee;
    try {
      missing = await this.mempool.addTX(tx);
    } catch (error) {
      if (error instanceof TxRejected) return reject(error.code, error.message);
      if (!isVerifyError(error)) throw error;
      if (error.reason.includes('script-verify-flag')) return reject(RPC_TRANSACTION_REJECTED, await this.scriptFailure(tx));
      const mapped = mapRejectReason(error.reason);
      return reject(mapped.code, mapped.message);
    } finally {
      this.enforceMinRelay = true;
    }
    if (missing) return reject(RPC_TRANSACTION_ERROR, 'bad-txns-inputs-missingorspent');
    this.mempoolVersion++;
    return { ok: true, txid };
  }

  /** Core's text for a script failure: mandatory (consensus) flags first, then the standard ones. */
  private async scriptFailure(tx: TX): Promise<string> {
    const flags = this.lib.Script.flags;
    const view = await this.mempool.getCoinView(tx);
    const mandatory =
      flags['VERIFY_P2SH']! | flags['VERIFY_DERSIG']! | flags['VERIFY_NULLDUMMY']! |
      flags['VERIFY_CHECKLOCKTIMEVERIFY']! | flags['VERIFY_CHECKSEQUENCEVERIFY']! | flags['VERIFY_WITNESS']!;
    for (const [label, set] of [['mandatory-script-verify-flag-failed', mandatory], ['non-mandatory-script-verify-flag', flags['STANDARD_VERIFY_FLAGS']!]] as const) {
      try {
        tx.check(view, set);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return `${label} (${typeof code === 'string' ? scriptErrorText(code) : String(error)})`;
      }
    }
    return 'non-mandatory-script-verify-flag';
  }

  // ---------------------------------------------------------------- reorgs

  /**
   * Take `hash` (a main-chain block) and every block above it off the chain, like
   * `bitcoin-cli invalidateblock`; their non-coinbase txs go back to the mempool if still valid.
   * Resolves with the disconnected hashes, old tip first.
   */
  invalidate(hash: string): Promise<string[]> {
    return this.exclusive(async () => {
      const record = this.index.block(hash);
      if (!record) throw new Error(`block ${hash} is not in the main chain`);
      if (record.height === 0) throw new Error('cannot invalidate the genesis block');
      const disconnected = await this.disconnectAbove(record.height - 1);
      await this.settle();
      return disconnected;
    });
  }

  /**
   * Invalidate the top `depth` blocks, then mine `newBlocks` (default depth + 1) on the fork
   * point. Disconnected txs still valid are in the mempool when the fork is mined, so they are
   * confirmed again in its first block (unless `empty` or `txs` say otherwise).
   */
  reorg(options: ReorgOptions): Promise<ReorgResult> {
    return this.exclusive(async () => {
      const { depth } = options;
      if (!Number.isInteger(depth) || depth < 1 || depth >= this.height) throw new RangeError(`reorg depth must be an integer 1–${this.height - 1}, got ${depth}`);
      const newBlocks = options.newBlocks ?? depth + 1;
      const disconnected = await this.disconnectAbove(this.height - depth);
      await this.settle();
      const { depth: _depth, newBlocks: _newBlocks, ...mineOptions } = options;
      const connected = await this.mineBlocks(newBlocks, mineOptions);
      return { disconnected, connected };
    });
  }

  /**
   * Forget `txids` from the mempool, with whatever spends them, as a node that restarted or
   * trimmed its mempool would (they are listed in `dropped` with reason `evicted`); the rest is
   * validated again. Resolves with every txid that left. For tests of re-broadcasting.
   */
  evict(txids: readonly string[]): Promise<string[]> {
    return this.exclusive(async () => {
      const gone = new Set(txids.filter((t) => [...this.mempool.map.values()].some((e) => e.tx.txid() === t)));
      const kept = [...this.mempool.map.values()].map((e) => e.tx).filter((tx) => !gone.has(tx.txid()));
      await this.mempool.reset();
      this.mempool.tip = this.chain.tip.hash;
      this.mempoolVersion++;
      for (const tx of kept) if (!(await this.submitTx(tx, false)).ok) gone.add(tx.txid());
      for (const txid of gone) this.dropped.push({ txid, reason: 'evicted' });
      return [...gone];
    });
  }

  private async disconnectAbove(height: number): Promise<string[]> {
    const unlock = await this.chain.locker.lock();
    const hashes: string[] = [];
    try {
      let lowest: ChainEntry | undefined;
      while (this.chain.height > height) {
        const entry = this.chain.tip;
        hashes.push(entry.rhash());
        lowest = entry;
        await this.chain.disconnect(entry);
      }
      if (lowest) this.chain.setInvalid(lowest.hash);
      this.chain.setDeploymentState(await this.chain.getDeploymentState());
    } finally {
      unlock();
    }
    return hashes;
  }

  // ---------------------------------------------------------------- chain events

  private async onConnect(entry: ChainEntry, block: Block): Promise<void> {
    const mediantime = await this.chain.getMedianTime(entry);
    const record = this.index.connect(block, entry.height, mediantime);
    await this.mempool._addBlock(entry, block.txs);
    // bcoin skips this when its mempool is empty; a rejected non-final tx must be retryable.
    this.mempool.rejects.reset();
    this.mempoolVersion++;
    this.pendingEvents.push({ type: 'connect', block: chainBlock(record, block.txs), tip: tipInfo(record) });
  }

  private onDisconnect(entry: ChainEntry, block: Block): void {
    const record = this.index.disconnect(block.rhash());
    this.disconnectedTxs.push({ height: entry.height, txs: block.txs.slice(1) });
    this.pendingEvents.push({ type: 'disconnect', block: chainBlock(record, block.txs), tip: tipInfo(this.index.tip) });
  }

  /** After a chain change: rebuild the mempool if blocks were disconnected, then tell subscribers. */
  private async settle(): Promise<void> {
    if (this.disconnectedTxs.length > 0) await this.rebuildMempool();
    this.mempool.tip = this.chain.tip.hash;
    // On disk before any subscriber (an LDK node) sees the blocks: a node never gets ahead of the stored chain.
    if (this.pendingEvents.length > 0) await this.persist();
    const events = this.pendingEvents.splice(0);
    for (const event of events) {
      for (const listener of [...this.subscribers]) {
        try {
          listener(event);
        } catch (error) {
          this.log(`block subscriber failed on ${event.type} ${event.block.height} ${event.block.hash}: ${String(error)}`);
        }
      }
    }
  }

  /**
   * Re-validate the disconnected txs (lowest block first) and the old mempool against the new
   * tip, as Core does after a reorg (without the fee floor, as Core's bypass_limits).
   */
  private async rebuildMempool(): Promise<void> {
    const disconnected = this.disconnectedTxs.sort((a, b) => a.height - b.height).flatMap((d) => d.txs);
    this.disconnectedTxs = [];
    const previous = [...this.mempool.map.values()].map((e) => e.tx);
    await this.mempool.reset();
    this.mempool.tip = this.chain.tip.hash;
    this.mempoolVersion++;
    for (const tx of [...disconnected, ...previous]) {
      if (this.index.tx(tx.txid())) continue;
      const result = await this.submitTx(tx, false);
      if (!result.ok) {
        this.dropped.push({ txid: tx.txid(), reason: result.message });
        this.log(`reorg: ${tx.txid()} not back in the mempool: ${result.message}`);
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Run `action` after every earlier one; with a store, what it changed is durable before it resolves. */
  private exclusive<T>(action: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('RegtestChain is closed'));
    const step = async (): Promise<T> => {
      try {
        return await action();
      } finally {
        await this.persist();
      }
    };
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => {});
    return run;
  }

  /** With a store: write what changed (chain-store.ts), durably. */
  private async persist(): Promise<void> {
    await this.chainStore?.sync(this.index, this.mempoolView().txs.map((t) => Uint8Array.from(t.tx.toRaw())), this.activation);
  }

  private nowSecs(): number {
    return Math.floor(this.clock() / 1000);
  }

  private addressOfScript(script: Uint8Array): Address {
    const address = this.lib.Address.fromScript(this.lib.Script.fromRaw(toBuffer(script)));
    if (!address) throw new Error(`cannot mine to ${Buffer.from(script).toString('hex')}: not an address-type scriptPubKey`);
    return address;
  }

  /** Close the chain (pending operations finish first). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.subscribers.clear();
    try {
      await this.miner.close();
      await this.mempool.close();
      await this.chain.close();
    } finally {
      releaseBcoin();
    }
  }
}

/** bcoin's STANDARD_LOCKTIME_FLAGS (VERIFY_SEQUENCE | MEDIAN_TIME_PAST). */
const STANDARD_LOCKTIME_FLAGS = (1 << 0) | (1 << 1);

function chainBlock(record: BlockRecord, txs: readonly TX[]): ChainBlock {
  return {
    hash: record.hash,
    height: record.height,
    header: record.header,
    time: record.time,
    txs: txs.map((tx) => ({ txid: tx.txid(), raw: Uint8Array.from(tx.toRaw()) })),
  };
}

function tipInfo(record: BlockRecord): ChainTipInfo {
  return { hash: record.hash, height: record.height, header: record.header, time: record.time };
}
