/**
 * The chain side of the ChannelManager (engine/node/channels.ts): reading the tip, proving the
 * confirmations channels wait for, and keeping our own transactions published until they confirm.
 *
 *   `onTip()` ── tip + fee estimate ─▶ per channel: re-publish unconfirmed broadcasts (once per new
 *               tip), check every watch (a confirmation is proven by a merkle branch against the
 *               block header, which also gives the tx index for the short_channel_id) and feed
 *               `funding-confirmed {rawTx, depth, blockHeight, txIndex}`; then a `tick` to every
 *               live channel when the tip changed.
 *   `broadcast(...)` / `watch(...)` are what the manager's `broadcast` / `watch-confirmations`
 *               actions run (after the barrier made the state that asked for them durable).
 *   `resume(entry)` re-creates, after loading a channel from the store, the watches and
 *               broadcasts its state implies (funding tx, mutual close tx, our commitment until a
 *               commitment confirmed, then our BOLT 5 sweep).
 *   BOLT 5 (channel-onchain.ts): every channel holding commitments has its funding outpoint's
 *               spend checked once per new tip (`/outspend`, proven like a watch) and fed as
 *               `funding-spent {rawTx, blockHeight, depth}`; `onchain(...)` runs the
 *               `watch-spend` and `request-cpfp` actions, and `request-htlc-tx-fee`
 *               (htlc-tx-funding.ts: the wallet funds an anchors HTLC tx, answered as
 *               `htlc-tx-funded`).
 *
 * It owns no channel state: every event goes through the manager's `dispatch`.
 */
import type { ChainTip, FeeEstimates } from '../chain/source.ts';
import {
  type ChannelAction,
  type ChannelEvent,
  type ChannelState,
  type ChannelStateName,
  MIN_FEERATE_PER_KW,
  ZERO_CONF_WATCH_DEPTH,
  awaitingZeroConfFunding,
} from '../channel/index.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { ChannelChain, ChannelKeySource, ChannelManagerOptions, ChannelWallet } from './channel-ports.ts';
import { FundingSpendWatcher, closingTxs, proveInBlock, runAnchorCpfp } from './channel-onchain.ts';
import { runClaimBump, runHtlcTxCpfp } from './claim-bump.ts';
import { displayTxid, isTerminal, txidOfRaw } from './channel-inspect.ts';
import { HtlcTxFunder } from './htlc-tx-funding.ts';
import { OutputSpendWatcher, type WatchOutputSpendAction, withRevokedRecord } from './channel-watches.ts';

/** A confirmation a channel waits for. */
export interface Watch {
  readonly txid: string;
  /** The state kind that asked; the watch ends when the channel leaves it. */
  readonly state: ChannelStateName;
  readonly depth: number;
  /** The tip hash of the last check (an unchanged tip costs no request). */
  checkedAt?: string;
  /** The proven confirmation last seen (so the proof is fetched once per block). */
  proven?: { readonly blockHash: string; readonly blockHeight: number; readonly pos: number; readonly rawTx: Uint8Array };
}

/** One channel as the manager holds it. */
export interface Entry {
  readonly index: number;
  readonly scope: string;
  peer: string;
  state: ChannelState;
  /** The channel's keychain index is durable (false: it could not be saved; the channel is dead). */
  readonly ready: Promise<boolean>;
  /** The last barrier batch of this channel (for `idle`). */
  last: Promise<unknown>;
  /** The `channel/<id>` key this channel persists to, once it has one. */
  key?: string;
  frozen?: string;
  /** Confirmation watches by display txid. */
  readonly watches: Map<string, Watch>;
  /** Our transactions to keep publishing until they confirm, by display txid (`wallet`: the wallet's own, e.g. funding). */
  readonly broadcasts: Map<string, { readonly raw: Uint8Array; readonly wallet: boolean }>;
  /** A channel we proposed as anchors_zero_fee_htlc_tx may be proposed once more as static_remotekey if the peer refuses it. */
  retryAsStaticRemoteKey?: boolean;
}

/** What the chain side needs from the manager. */
export interface ChainHost {
  /** Every channel, live list. */
  readonly entries: readonly Entry[];
  /** One reducer step for the channel (the manager's `dispatch`). */
  dispatch(entry: Entry, event: ChannelEvent): unknown;
  /** Called after the ticks of a new tip (the manager's automatic update_fee). */
  afterNewTip?(): void;
}

export interface ChannelChainTrackerOptions {
  readonly chain: ChannelChain;
  readonly wallet: ChannelWallet;
  readonly logger: Logger;
  readonly feeratePerKw?: ChannelManagerOptions['feeratePerKw'];
  /** The funding key for an anchor CPFP (channel-onchain.ts). */
  readonly keys: ChannelKeySource;
  /** Reads a stored record (the revoked-commitment records attached to `funding-spent`). */
  readonly loadRecord?: (key: string) => Promise<Uint8Array | undefined>;
}

export class ChannelChainTracker {
  private readonly opts: ChannelChainTrackerOptions;
  private readonly host: ChainHost;
  private readonly logger: Logger;
  private tipNow: ChainTip | undefined;
  private estimate = MIN_FEERATE_PER_KW;
  private estimates: FeeEstimates | undefined;
  private tipRun: Promise<void> | undefined;
  private tipAgain = false;
  private readonly spends: FundingSpendWatcher;
  /** BOLT 5: the other outpoints closing channels watch (channel-watches.ts). */
  readonly outputs: OutputSpendWatcher;
  private readonly htlcFees: HtlcTxFunder;

  constructor(opts: ChannelChainTrackerOptions, host: ChainHost) {
    this.opts = opts;
    this.host = host;
    this.logger = opts.logger;
    this.spends = new FundingSpendWatcher(opts.chain, opts.logger);
    this.outputs = new OutputSpendWatcher(opts.chain, opts.logger);
    this.htlcFees = new HtlcTxFunder(opts);
    if (typeof opts.feeratePerKw === 'number') this.estimate = Math.max(MIN_FEERATE_PER_KW, Math.floor(opts.feeratePerKw));
  }

  /** The tip last read (undefined before the first successful read). */
  get tip(): ChainTip | undefined {
    return this.tipNow;
  }

  /** The chain's fee estimates (target → sat/vB) read at the last new tip, for BOLT 5 claims; undefined before the first answer. */
  get feeEstimates(): FeeEstimates | undefined {
    return this.estimates;
  }

  /** The chain's 6-block estimate (sat per 1000 weight), or the configured number, at least 253. */
  get estimatePerKw(): number {
    return this.estimate;
  }

  /**
   * A new block may be there: read the tip, re-check watched transactions, re-publish our
   * unconfirmed broadcasts, and give every channel a `tick`. Calls overlapping a running one
   * coalesce into one more run. Never rejects (chain errors are logged; the next call retries).
   */
  onTip(): Promise<void> {
    if (this.tipRun) {
      this.tipAgain = true;
      return this.tipRun;
    }
    this.tipRun = (async () => {
      try {
        do {
          this.tipAgain = false;
          await this.tipOnce();
        } while (this.tipAgain);
      } finally {
        this.tipRun = undefined;
      }
    })();
    return this.tipRun;
  }

  /** Run by a `broadcast` action: publish now and keep publishing on every new tip until it confirms. */
  broadcast(entry: Entry, rawTx: Uint8Array, txid: string, wallet: boolean): void {
    entry.broadcasts.set(txid, { raw: rawTx.slice(), wallet });
    this.publish(entry, txid, rawTx, wallet);
  }

  /** Run by a `watch-confirmations` action: watch `txid` while the channel stays in its current state. */
  watch(entry: Entry, txid: string, depth: number): void {
    entry.watches.set(txid, { txid, depth, state: entry.state.type });
    void this.onTip();
  }

  /** BOLT 5 `watch-output-spend`: one more outpoint checked on every tip while the channel lives. */
  watchOutput(entry: Entry, a: WatchOutputSpendAction): void {
    if (isTerminal(entry.state)) return;
    this.outputs.arm(entry.scope, a.txid, a.outputIndex);
    void this.onTip();
  }

  /**
   * BOLT 5 actions: `watch-spend` (check the funding outpoint now), `request-cpfp` and
   * `request-htlc-tx-fee` (through the wallet), `request-claim-bump` and `request-htlc-tx-cpfp`
   * (claim-bump.ts).
   */
  onchain(entry: Entry, a: Extract<ChannelAction, { type: 'watch-spend' | 'request-cpfp' | 'request-htlc-tx-fee' | 'request-claim-bump' | 'request-htlc-tx-cpfp' }>): void {
    if (a.type === 'watch-spend') {
      this.spends.recheck(entry.scope);
      void this.onTip();
    } else if (a.type === 'request-cpfp') void runAnchorCpfp(this.opts, this.logger, a, entry.broadcasts.get(displayTxid(a.parentTxid))?.raw);
    else if (a.type === 'request-claim-bump') void runClaimBump(this.opts, this.logger, a, entry.broadcasts);
    else if (a.type === 'request-htlc-tx-cpfp') void runHtlcTxCpfp(this.opts, this.logger, a);
    else {
      this.htlcFees.run(entry.scope, a, (e) => {
        if (!entry.frozen) this.host.dispatch(entry, e);
        else if ('rawTx' in e) void this.opts.wallet.cancelReservation(txidOfRaw(e.rawTx)); // nobody will publish it
      });
    }
  }

  /**
   * After every step: the output watches the new state implies (none once it ended), and the
   * closing transactions it no longer needs dropped (`pruneClosingTxs`). Nothing is added here:
   * what a step builds reaches the chain through its `broadcast` actions, after the barrier.
   */
  afterStep(entry: Entry): void {
    this.outputs.sync(entry.scope, entry.state);
    this.pruneClosingTxs(entry);
  }

  /**
   * BOLT 5: a force-closing (or closed) channel publishes and watches exactly what its state
   * lists (channel-onchain.ts `closingTxs`): a claim that became final, a sweep of a commitment
   * a reorg replaced by another, our commitment once the peer's confirmed — dropped.
   */
  private pruneClosingTxs(entry: Entry): void {
    const s = entry.state;
    if (s.type !== 'force-closing' && s.type !== 'closed') return;
    const { publish, watch, reorgedSpend } = closingTxs(s);
    for (const [txid, b] of [...entry.broadcasts]) if (!b.wallet && !publish.has(txid) && txid !== reorgedSpend) entry.broadcasts.delete(txid);
    for (const [txid, w] of [...entry.watches]) if (w.state === 'force-closing' && !watch.has(txid)) entry.watches.delete(txid);
  }

  /** Publish one of our transactions; started, not awaited (errors are logged, the next tip retries). */
  publish(entry: Entry, txid: string, rawTx: Uint8Array, wallet: boolean): void {
    const send = wallet ? this.opts.wallet.broadcast(rawTx) : this.opts.chain.broadcast(rawTx);
    send.then(
      () => this.logger.log('info', 'broadcast', { scope: entry.scope, txid }),
      (err: unknown) => this.logger.log('warn', 'broadcast failed; retried on the next tip', { scope: entry.scope, txid, error: errorMessage(err) }),
    );
  }

  /**
   * After loading: watch again what the state waits for (the funding tx; a mutual close tx), and
   * keep publishing our own unconfirmed transactions (their states are in the store: safe).
   */
  resume(entry: Entry): void {
    const s = entry.state;
    const closingTx = 'closingTx' in s && s.closingTx instanceof Uint8Array ? s.closingTx : undefined;
    if (closingTx) {
      const txid = txidOfRaw(closingTx);
      entry.watches.set(txid, { txid, depth: 1, state: s.type });
      entry.broadcasts.set(txid, { raw: closingTx, wallet: false });
    }
    if (s.type === 'force-closing') {
      // Every claim built and not final (any kind, at any point of the resolution), read from
      // the durable state: published again and watched again (its confirmation re-proven).
      const f = closingTxs(s);
      for (const [txid, raw] of f.publish) entry.broadcasts.set(txid, { raw, wallet: false });
      for (const [txid, depth] of f.watch) entry.watches.set(txid, { txid, depth, state: s.type });
    }
    this.keepZeroConfWatch(entry);
    this.outputs.sync(entry.scope, s);
    // A zero-conf funder's unconfirmed funding tx: published again (its record is durable).
    if (awaitingZeroConfFunding(s) && 'fundingTx' in s && s.fundingTx instanceof Uint8Array && 'commitments' in s) {
      entry.broadcasts.set(displayTxid(s.commitments.fundingOutpoint.txid), { raw: s.fundingTx, wallet: true });
    }
    if (s.type !== 'wait-for-funding-confirmed') return;
    const fundingTxid = displayTxid(s.commitments.fundingOutpoint.txid);
    entry.watches.set(fundingTxid, { txid: fundingTxid, depth: s.minimumDepth, state: s.type });
    // The snapshot holding the peer's signature is in the store: publishing is safe. The first
    // `onTip` (end of `start`) publishes it unless it is already confirmed.
    if (s.fundingTx) entry.broadcasts.set(displayTxid(s.commitments.fundingOutpoint.txid), { raw: s.fundingTx, wallet: true });
  }

  /**
   * A zero-conf channel (ready before its funding confirmed) keeps its funding watched through
   * wait-for-channel-ready and normal until the first confirmation records its short_channel_id
   * (engine/channel/states/zero-conf.ts). Called after every step and on resume.
   */
  keepZeroConfWatch(entry: Entry): void {
    const s = entry.state;
    if (!awaitingZeroConfFunding(s) || !('commitments' in s)) return;
    const txid = displayTxid(s.commitments.fundingOutpoint.txid);
    const w = entry.watches.get(txid);
    if (w && w.state === s.type) return;
    // A fresh object without `checkedAt`: a check in flight for the old one is re-run, not lost.
    entry.watches.set(txid, { txid, depth: w?.depth ?? ZERO_CONF_WATCH_DEPTH, state: s.type });
  }

  private async tipOnce(): Promise<void> {
    const chain = this.opts.chain;
    let tip: ChainTip;
    try {
      tip = await chain.tip();
    } catch (err) {
      this.logger.log('warn', 'could not read the chain tip', { error: errorMessage(err) });
      return;
    }
    const changed = !this.tipNow || this.tipNow.hash !== tip.hash;
    this.tipNow = tip;
    if (changed && chain.feeEstimates) {
      try {
        const est = await chain.feeEstimates();
        // BOLT 5 claims take the estimate for their deadline (ChannelContext.feeEstimates), whatever the commitment estimate is.
        this.estimates = est;
        const satVb = est.get(6) ?? [...est.entries()].sort((a, b) => a[0] - b[0]).find(([t]) => t >= 6)?.[1];
        if (satVb !== undefined && typeof this.opts.feeratePerKw !== 'function' && this.opts.feeratePerKw === undefined) this.estimate = Math.max(MIN_FEERATE_PER_KW, Math.floor(satVb * 250));
      } catch (err) {
        this.logger.log('debug', 'no fee estimates', { error: errorMessage(err) });
      }
    }

    const entries = this.host.entries;
    await Promise.all(entries.map((e) => this.checkEntry(e, tip, changed)));
    if (changed) for (const e of this.host.entries) if (!e.frozen && !isTerminal(e.state)) this.host.dispatch(e, { type: 'tick' });
    if (changed) this.host.afterNewTip?.();
  }

  private async checkEntry(entry: Entry, tip: ChainTip, tipChanged: boolean): Promise<void> {
    if (entry.frozen) return;
    // Re-publish what has not confirmed yet (once per new tip), while the watches are checked
    // (independent requests: one round trip saved per new block).
    const republish = async (): Promise<void> => {
      // A closing channel's claims stay listed while not final: one a reorg takes out of its
      // block is published again (channel-onchain.ts closingTxs).
      const keep = entry.state.type === 'force-closing' ? closingTxs(entry.state).publish : undefined;
      for (const [txid, b] of tipChanged ? [...entry.broadcasts] : []) {
        try {
          const st = await this.opts.chain.txStatus(txid);
          if (!st.confirmed) this.publish(entry, txid, b.raw, b.wallet);
          else if (!keep?.has(txid)) entry.broadcasts.delete(txid);
        } catch (err) {
          this.logger.log('debug', 'status check failed', { txid, error: errorMessage(err) });
        }
      }
    };
    const watch = async (): Promise<void> => {
      for (const w of [...entry.watches.values()]) await this.checkWatch(entry, w, tip);
    };
    await Promise.all([republish(), watch()]);
    // BOLT 5: a confirmed spend of the funding output (one outspend request per channel per tip).
    const found = await this.spends.check(entry.scope, entry.state, tip);
    if (found && !entry.frozen) {
      if (found.event.type === 'funding-spent') this.host.dispatch(entry, await withRevokedRecord(found.event, entry.state, this.opts.loadRecord, this.logger));
      else {
        this.host.dispatch(entry, found.event);
        // The reorged commitment (the peer's, or ours) is published again from the bytes seen on chain.
        if ('rawTx' in found && found.rawTx) this.broadcast(entry, found.rawTx, displayTxid(found.event.txid), false);
      }
    }
    // BOLT 5: spends of the other outputs the channel watches (HTLC, second-stage, ...), proven the same way.
    for (const e of await this.outputs.check(entry.scope, tip)) if (!entry.frozen && !isTerminal(entry.state)) this.host.dispatch(entry, e);
    this.outputs.sync(entry.scope, entry.state);
  }

  private async checkWatch(entry: Entry, w: Watch, tip: ChainTip): Promise<void> {
    if (w.checkedAt === tip.hash) return;
    w.checkedAt = tip.hash;
    try {
      const st = await this.opts.chain.txStatus(w.txid);
      if (!st.confirmed) {
        w.proven = undefined;
        return;
      }
      if (!w.proven || w.proven.blockHash !== st.blockHash) w.proven = await this.prove(w.txid, st.blockHash, st.blockHeight);
      const depth = tip.height - w.proven.blockHeight + 1;
      if (depth < 1) return;
      if (entry.watches.get(w.txid) !== w || entry.frozen) return;
      this.host.dispatch(entry, { type: 'funding-confirmed', rawTx: w.proven.rawTx, depth, blockHeight: w.proven.blockHeight, txIndex: w.proven.pos });
    } catch (err) {
      w.checkedAt = undefined;
      this.logger.log('warn', 'confirmation check failed; retried on the next tip', { scope: entry.scope, txid: w.txid, error: errorMessage(err) });
    }
  }

  /** The tx's position in its block, proven by its merkle branch against the block header. */
  private prove(txid: string, blockHash: string, blockHeight: number): Promise<NonNullable<Watch['proven']>> {
    return proveInBlock(this.opts.chain, txid, blockHash, blockHeight);
  }
}
