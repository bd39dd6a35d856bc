/**
 * A peer restored from an old backup: real LDK code publishing a REVOKED commitment, so that the
 * BOLT 5 "Revoked Transaction Close Handling" side of a test has something genuine to punish.
 *
 * The recipe (issue 6): keep the serialized ChannelMonitor bytes LDK's Persist callback handed the
 * harness at an early state (`monitorSnapshot`, a copy of `LdkNode.monitors` at that moment), let
 * the channel move on (payments advance the commitment number and revoke the old commitment), then
 * deserialize the stale bytes into a SEPARATE ChainMonitor (its own capturing broadcaster, fee
 * estimator, logger and in-memory persister; the node's KeysManager as signer provider, as a node
 * restored from the same seed would have) and call `broadcast_latest_holder_commitment_txn`.
 * LDK signs and "broadcasts" the holder commitment that monitor knows — revoked by now — and the
 * harness returns it (and any HTLC transactions LDK queued with it) instead of publishing it.
 *
 * Nothing is submitted to a chain here: the test decides what to mine.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChainMonitor, ChannelMonitor, EventHandler, KeysManager, OutPoint } from 'lightningdevkit';
import type { LdkNode } from './node.ts';
import type { Ldk } from './wasm.ts';

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const reversed = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();

/**
 * The key `LdkNode.monitors` uses for a funding outpoint: `txid:vout` with the txid in LDK's
 * (internal) byte order. `fundingTxid` is the usual display hex.
 */
export function monitorKey(fundingTxid: string, vout: number): string {
  if (!/^[0-9a-f]{64}$/i.test(fundingTxid)) throw new Error(`fundingTxid must be 64 hex chars, got ${JSON.stringify(fundingTxid)}`);
  if (!Number.isInteger(vout) || vout < 0) throw new Error(`vout must be a non-negative integer, got ${vout}`);
  return `${hexOf(reversed(Buffer.from(fundingTxid, 'hex')))}:${vout}`;
}

/** The monitor key of an open channel of `node` (by channel id hex), from its ChannelDetails' funding_txo. */
export function monitorKeyOfChannel(node: LdkNode, channelId: string): string {
  const details = node.channelManager.list_channels().find((d) => hexOf(d.get_channel_id().get_a()) === channelId);
  if (!details) throw new Error(`${node.alias}: no channel ${channelId}`);
  const txo: OutPoint | null = details.get_funding_txo();
  if (!txo) throw new Error(`${node.alias}: channel ${channelId} has no funding outpoint yet`);
  return `${hexOf(txo.get_txid())}:${txo.get_index()}`;
}

/**
 * A copy of the serialized ChannelMonitor the node's Persist callback holds for this funding
 * outpoint right now (`monitorKey` form). Later updates do not change the copy.
 */
export function monitorSnapshot(node: LdkNode, fundingOutpoint: string): Uint8Array {
  const bytes = node.monitors.get(fundingOutpoint);
  if (!bytes) {
    const known = [...node.monitors.keys()].join(', ') || 'none';
    throw new Error(`${node.alias}: no persisted ChannelMonitor for ${fundingOutpoint} (known: ${known})`);
  }
  return Uint8Array.from(bytes);
}

export interface ReplayOptions {
  /** What the replaying ChainMonitor's fee estimator answers (default 253 sat/kw). */
  readonly feerateSatPerKw?: number;
  /** Receives the replaying monitor's log lines (default: dropped). */
  readonly log?: (line: string) => void;
}

/**
 * A stale ChannelMonitor brought back to life: the revoked holder commitment it broadcast, and
 * the ChainMonitor holding it, which keeps acting as the restored peer would when fed blocks
 * (`connectBlock`): once its commitment confirms it claims its HTLC outputs — an offered HTLC by
 * its (revoked) HTLC-timeout tx at `cltv_expiry` — so a test can get a revoked second-stage tx
 * on chain (BOLT 5: the honest side must then take that tx's output with the revocation key).
 */
export class StaleMonitorReplay {
  /** The funding outpoint the monitor is for (`monitorKey` form). */
  readonly fundingOutpoint: string;
  /** The holder commitment transaction the stale monitor signed (spends the funding output). */
  readonly commitmentTx: Uint8Array;
  /** Its txid, display hex. */
  readonly commitmentTxid: string;
  /** Other transactions broadcast with it (second-stage HTLC txs LDK could sign at once). */
  readonly htlcTxs: readonly Uint8Array[];
  /** Everything the capturing broadcaster received, in order (grows as blocks are fed). */
  readonly broadcasts: readonly Uint8Array[];
  /** The update id the stale monitor was at (lower than the live monitor's once the channel moved on). */
  readonly latestUpdateId: bigint;
  /** The height of the monitor's best block when it was serialized: feed blocks after it. */
  readonly bestBlockHeight: number;
  /** The separate ChainMonitor that holds (a copy of) the stale monitor. */
  readonly chainMonitor: ChainMonitor;

  private readonly ldk: Ldk;
  private readonly eventHandler: EventHandler;

  /**
   * Deserialize `monitorBytes` (e.g. a `monitorSnapshot`) into a new ChainMonitor that shares
   * nothing with the live node but the keys, and make the monitor broadcast its latest holder
   * commitment. `keys` must be the KeysManager of the node that wrote the bytes (same seed).
   */
  constructor(ldk: Ldk, keys: KeysManager, monitorBytes: Uint8Array, options: ReplayOptions = {}) {
    this.ldk = ldk;
    const captured: Uint8Array[] = [];
    this.broadcasts = captured;
    const broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs) => void captured.push(...txs.map((tx) => Uint8Array.from(tx))),
    });
    const feerate = options.feerateSatPerKw ?? 253;
    const feeEstimator = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: () => feerate });
    const log = options.log;
    const logger = ldk.Logger.new_impl({ log: (record) => void log?.(`${record.get_module_path()}: ${record.get_args()}`) });
    const completed = ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed;
    const persister = ldk.Persist.new_impl({
      persist_new_channel: () => completed,
      update_persisted_channel: () => completed,
      archive_persisted_channel: () => undefined,
    });
    this.chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, logger, feeEstimator, persister);
    this.eventHandler = ldk.EventHandler.new_impl({ handle_event: () => ldk.Result_NoneReplayEventZ.constructor_ok() });

    const monitor = readMonitor(ldk, keys, monitorBytes);
    const funding = monitor.get_funding_txo().get_a();
    this.fundingOutpoint = `${hexOf(funding.get_txid())}:${funding.get_index()}`;
    this.latestUpdateId = monitor.get_latest_update_id();
    this.bestBlockHeight = monitor.current_best_block().get_height();
    // The restored peer's ChainMonitor watches a copy of the monitor (the bindings clone the argument).
    const watched = this.chainMonitor.as_Watch().watch_channel(funding, monitor);
    if (!(watched instanceof ldk.Result_ChannelMonitorUpdateStatusNoneZ_OK)) throw new Error(`the replaying ChainMonitor refused the monitor for ${this.fundingOutpoint}`);

    monitor.broadcast_latest_holder_commitment_txn(broadcaster, feeEstimator, logger);
    const fundingTxid = hexOf(reversed(funding.get_txid()));
    const commitmentTx = captured.find((raw) => spendsOutpoint(raw, fundingTxid, funding.get_index()));
    if (!commitmentTx) throw new Error(`the stale monitor for ${this.fundingOutpoint} broadcast no commitment (got ${captured.length} txs)`);
    this.commitmentTx = commitmentTx;
    this.commitmentTxid = txidOf(commitmentTx);
    this.htlcTxs = captured.filter((raw) => raw !== commitmentTx);
  }

  /** A connected block, to the ChainMonitor's Confirm interface (every tx with its index, then the tip). */
  connectBlock(header: Uint8Array, txs: readonly Uint8Array[], height: number): void {
    const confirm = this.chainMonitor.as_Confirm();
    confirm.transactions_confirmed(header, txs.map((raw, index) => this.ldk.TwoTuple_usizeTransactionZ.constructor_new(index, raw)), height);
    confirm.best_block_updated(header, height);
    this.chainMonitor.as_EventsProvider().process_pending_events(this.eventHandler);
  }

  /** A disconnected block's txids (display hex), then the new tip. */
  disconnectBlock(txids: readonly string[], tipHeader: Uint8Array, tipHeight: number): void {
    const confirm = this.chainMonitor.as_Confirm();
    for (const txid of txids) confirm.transaction_unconfirmed(reversed(Buffer.from(txid, 'hex')));
    confirm.best_block_updated(tipHeader, tipHeight);
  }

  /** Broadcasts so far that spend an output of `txid` (display hex), oldest first, duplicates folded. */
  spendsOf(txid: string): Uint8Array[] {
    const seen = new Set<string>();
    return this.broadcasts.filter((raw) => {
      const id = txidOf(raw);
      if (seen.has(id) || !inputsOf(raw).some((input) => input.txid === txid)) return false;
      seen.add(id);
      return true;
    });
  }
}

/** `new StaleMonitorReplay(...)`: the stale monitor's revoked commitment, broadcast into a capture. */
export function replayStaleMonitor(ldk: Ldk, keys: KeysManager, monitorBytes: Uint8Array, options: ReplayOptions = {}): StaleMonitorReplay {
  return new StaleMonitorReplay(ldk, keys, monitorBytes, options);
}

function readMonitor(ldk: Ldk, keys: KeysManager, bytes: Uint8Array): ChannelMonitor {
  const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(bytes, keys.as_EntropySource(), keys.as_SignerProvider());
  if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK)) throw new Error('LDK could not deserialize the ChannelMonitor bytes (wrong keys or not a monitor)');
  return read.res.get_b();
}

/** The outpoints a raw transaction spends (txid display hex). */
export function inputsOf(raw: Uint8Array): { readonly txid: string; readonly vout: number }[] {
  return Transaction.fromBuffer(Buffer.from(raw)).ins.map((input) => ({ txid: hexOf(reversed(input.hash)), vout: input.index }));
}

/** The txid (display hex) of a raw transaction. */
export function txidOf(raw: Uint8Array): string {
  return Transaction.fromBuffer(Buffer.from(raw)).getId();
}

function spendsOutpoint(raw: Uint8Array, txid: string, vout: number): boolean {
  return inputsOf(raw).some((input) => input.txid === txid && input.vout === vout);
}
