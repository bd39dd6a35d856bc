/**
 * Inputs to the channel reducer (lightning-kmp `ChannelCommand`, style-models §4.2 / §7.3): user
 * commands, the wallet's answer to `request-funding`, decoded peer messages, chain triggers,
 * connection changes and clock ticks. Time, block height and feerates are in the context.
 */
import type { Message } from '../wire/message.ts';
import type { ChannelType } from './types.ts';

/** User command: open a channel we fund (BOLT 2 `open_channel`). Valid only in `idle`. */
export interface OpenCommand {
  readonly type: 'open';
  /** The peer's 33-byte node id. */
  readonly peerNodeId: Uint8Array;
  readonly fundingSat: bigint;
  /** Given to the peer at open (≤ fundingSat × 1000). */
  readonly pushMsat: bigint;
  readonly channelType: ChannelType;
  /** The initial commitment feerate (sat per 1000 weight), which we pay. */
  readonly feeratePerKw: number;
  /** `channel_flags` bit 0 (default false: a light node's channels are private). */
  readonly announceChannel?: boolean;
  /** Our `upfront_shutdown_script`, if we commit to one. */
  readonly upfrontShutdownScript?: Uint8Array;
}

/**
 * User command: close the channel cooperatively (BOLT 2 `shutdown`), paying our balance to
 * `scriptPubKey` (a wallet script; it must equal our `upfront_shutdown_script` if we gave one).
 * Valid only in `normal`.
 */
export interface CloseCommand {
  readonly type: 'close';
  readonly scriptPubKey: Uint8Array;
}

/**
 * User command: fail the channel unilaterally (BOLT 5): broadcast our latest commitment. Valid in
 * funded states before a mutual close was signed; never in `wait-for-remote-publish` (our
 * commitment may be revoked).
 */
export interface ForceCloseCommand {
  readonly type: 'force-close';
}

/**
 * User / node command: change the commitment feerate (BOLT 2 `update_fee`). Valid only in
 * `normal`, only for the funder, at least 253 sat/kw, and only a feerate the funder can pay
 * while keeping its reserve (a lower feerate is always allowed).
 */
export interface UpdateFeeCommand {
  readonly type: 'update-fee';
  readonly feeratePerKw: number;
}

/**
 * Node command: offer an HTLC to the peer (BOLT 2 `update_add_htlc`). Valid in `normal`
 * (connected, reestablished, no shutdown sent or received). Refused with `command-rejected` when
 * a limit of htlc-limits.ts is hit; accepted: `htlc-added` with the id, then the dance.
 */
export interface AddHtlcCommand {
  readonly type: 'add-htlc';
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** BOLT 4 onion, 1366 bytes. */
  readonly onionRoutingPacket: Uint8Array;
  /** The node's id for this payment part (≤ 64 printable ASCII characters), stored with the HTLC and given back in its events. */
  readonly tag: string;
}

/** Node command: fulfill an incoming HTLC (BOLT 2 `update_fulfill_htlc`); only an irrevocably committed one not yet resolved. */
export interface FulfillHtlcCommand {
  readonly type: 'fulfill-htlc';
  readonly htlcId: bigint;
  readonly paymentPreimage: Uint8Array;
}

/** Node command: fail an incoming HTLC (BOLT 2 `update_fail_htlc`) with a BOLT 4 failure packet (`createFailurePacket`). */
export interface FailHtlcCommand {
  readonly type: 'fail-htlc';
  readonly htlcId: bigint;
  readonly reason: Uint8Array;
}

/** Node command: fail an incoming HTLC whose onion we could not parse (BOLT 2 `update_fail_malformed_htlc`; BADONION bit set). */
export interface FailMalformedHtlcCommand {
  readonly type: 'fail-malformed-htlc';
  readonly htlcId: bigint;
  readonly sha256OfOnion: Uint8Array;
  readonly failureCode: number;
}

export type HtlcCommand = AddHtlcCommand | FulfillHtlcCommand | FailHtlcCommand | FailMalformedHtlcCommand;

/** The wallet built (and signed, not broadcast) the funding transaction the node asked for. */
export interface FundingTxBuiltEvent {
  readonly type: 'funding-tx-built';
  readonly rawTx: Uint8Array;
  /** Index of the output paying the funding script. */
  readonly outputIndex: number;
}

/** The wallet could not build the funding transaction (not enough funds, …). */
export interface FundingTxFailedEvent {
  readonly type: 'funding-tx-failed';
  readonly reason: string;
}

/** A decoded message from the peer, already routed to this channel by the node. */
export interface PeerMessageEvent {
  readonly type: 'message';
  readonly message: Message;
}

/**
 * A watched transaction is in a block (answer to `watch-confirmations`): the funding transaction,
 * or in `closing` the mutual close transaction (recognised by its txid). `rawTx` is the
 * confirmed transaction itself: BOLT 2 forbids `channel_ready` unless the outpoint pays exactly
 * `funding_satoshis` to the funding script, so the reducer checks it.
 */
export interface FundingConfirmedEvent {
  readonly type: 'funding-confirmed';
  readonly rawTx: Uint8Array;
  /** Confirmations (1 = in the tip block). */
  readonly depth: number;
  readonly blockHeight: number;
  /** Position of the transaction in its block (for the short_channel_id). */
  readonly txIndex: number;
}

/**
 * The funding outpoint was spent by `rawTx`, which is in a block (answer to `watch-spend`; the
 * node proves the confirmation). Sent again on new blocks with the new `depth`, so the reducer
 * can time its sweep and its end.
 */
export interface FundingSpentEvent {
  readonly type: 'funding-spent';
  readonly rawTx: Uint8Array;
  readonly blockHeight: number;
  /** Confirmations (1 = in the tip block). */
  readonly depth: number;
  /**
   * The stored `persist-revoked` record of the spend's commitment number
   * (`commitmentNumberOfSpend`), when there is one: a breach's HTLC outputs are claimed with it.
   */
  readonly revokedRecord?: Uint8Array;
}

/**
 * The funding spend the state recorded (`spend.txid`) is in no block any more: a reorg took
 * its block (it may be back in the mempool, or gone). The node sends it once per such loss
 * (BOLT 5 "MUST handle reorganizations"); the reducer stops counting on that commitment until
 * a `funding-spent` says which transaction confirmed instead — the same one again, or another.
 */
export interface FundingSpendReorgedEvent {
  readonly type: 'funding-spend-reorged';
  /** The commitment that left the chain, internal byte order. */
  readonly txid: Uint8Array;
}

/** A watched output (`watch-output-spend`) was spent by `spendingTx`, in a block at `blockHeight`, `depth` confirmations deep. */
export interface OutputSpentEvent {
  readonly type: 'output-spent';
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly outputIndex: number;
  readonly spendingTx: Uint8Array;
  readonly blockHeight: number;
  readonly depth: number;
}

/**
 * The node's answer to `request-htlc-tx-fee` for the HTLC output `outputIndex` of our
 * commitment: the HTLC transaction with wallet inputs and change attached, signed, its coins
 * reserved, not broadcast (`rawTx`); or why it could not be funded (`failure`).
 */
export type HtlcTxFundedEvent =
  | { readonly type: 'htlc-tx-funded'; readonly outputIndex: number; readonly rawTx: Uint8Array }
  | { readonly type: 'htlc-tx-funded'; readonly outputIndex: number; readonly failure: string };

export interface PeerConnectedEvent {
  readonly type: 'peer-connected';
}

export interface PeerDisconnectedEvent {
  readonly type: 'peer-disconnected';
}

/** Periodic: lets states time out (block height and time are in the context). */
export interface TickEvent {
  readonly type: 'tick';
}

export type ChannelEvent =
  | OpenCommand
  | CloseCommand
  | ForceCloseCommand
  | UpdateFeeCommand
  | AddHtlcCommand
  | FulfillHtlcCommand
  | FailHtlcCommand
  | FailMalformedHtlcCommand
  | FundingTxBuiltEvent
  | FundingTxFailedEvent
  | PeerMessageEvent
  | FundingConfirmedEvent
  | FundingSpentEvent
  | FundingSpendReorgedEvent
  | OutputSpentEvent
  | HtlcTxFundedEvent
  | PeerConnectedEvent
  | PeerDisconnectedEvent
  | TickEvent;

export type ChannelEventType = ChannelEvent['type'];
