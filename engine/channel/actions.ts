/**
 * Outputs of the channel reducer (lightning-kmp `ChannelAction`, style-models §4.2 / §7.3). The
 * node executes them; DESIGN.md rule 3: every `persist` of a batch is durable before any `send`
 * or `broadcast` of that batch runs. The reducer also lists `persist` first.
 */
import type { ErrorMessage } from '../wire/messages/setup.ts';
import { asciiBytes } from '../wire/messages/setup.ts';
import type { ChannelMessage } from '../wire/messages/channel.ts';
import type { ChannelState, ChannelStateName, ClosingOutputKind } from './types.ts';

/** Store this channel's snapshot (codec.ts bytes) under its channel id, replacing the previous one. */
export interface PersistAction {
  readonly type: 'persist';
  readonly channelId: Uint8Array;
  readonly snapshot: Uint8Array;
}

/** Send a message to the channel's peer. `error` / `warning` are sends too (BOLT 1). */
export interface SendAction {
  readonly type: 'send';
  readonly message: ChannelMessage | ErrorMessage;
}

/** Ask the wallet for a signed, unbroadcast transaction paying `valueSat` to `scriptPubKey`; answer with `funding-tx-built` / `funding-tx-failed`. */
export interface RequestFundingAction {
  readonly type: 'request-funding';
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
}

/** Release the wallet's coin reservation for a funding transaction that will never be broadcast. */
export interface CancelFundingAction {
  readonly type: 'cancel-funding';
  /** Internal byte order. */
  readonly txid: Uint8Array;
}

/** `htlc-claim`: ours from the peer's commitment; `second-stage`: our HTLC tx or its sweep; `justice`: revoked outputs (BOLT 5). */
export type BroadcastKind = 'funding' | 'commitment' | 'mutual-close' | 'sweep' | 'htlc-claim' | 'second-stage' | 'justice';

/** Publish a transaction (and keep re-publishing it until it confirms: the node's job). */
export interface BroadcastAction {
  readonly type: 'broadcast';
  readonly kind: BroadcastKind;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** It spends wallet coins (an anchors HTLC tx's fee inputs): published through the wallet, which records it and watches its change. */
  readonly wallet?: true;
}

/** Report `funding-confirmed` for `txid` once it has `depth` confirmations (the funding tx, or the mutual close tx in `closing`). */
export interface WatchConfirmationsAction {
  readonly type: 'watch-confirmations';
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly depth: number;
  /** The output the channel is about, so a watcher can check or watch its spend. */
  readonly outputIndex: number;
  readonly scriptPubKey: Uint8Array;
}

/**
 * Report `funding-spent` once a transaction spending this outpoint (the funding output) is in a
 * block, and again on each new block (with its depth) while the channel is not closed.
 */
export interface WatchSpendAction {
  readonly type: 'watch-spend';
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly outputIndex: number;
}

/**
 * BOLT 5 "Revoked Transaction Close Handling": the peer's `revoke_and_ack` revoked commitment
 * `commitmentNumber`, which had HTLC outputs; keep `record` (bolt5/revoked.ts
 * `encodeRevokedCommitment`, the HTLCs from the peer's point of view) durably, in the same batch
 * as the state, so that a breach by that commitment can claim its HTLC outputs. The node hands
 * it back as `funding-spent.revokedRecord` (`commitmentNumberOfSpend`).
 */
export interface PersistRevokedAction {
  readonly type: 'persist-revoked';
  readonly channelId: Uint8Array;
  readonly commitmentNumber: number;
  readonly record: Uint8Array;
}

/**
 * Report `output-spent` once a transaction spending `txid:outputIndex` (an output of a confirmed
 * commitment: an HTLC output, a revoked output) is in a block, and again on each new tip with its
 * depth while the channel is not closed. Derived from the state too (`outputWatchesOf`), so the
 * node re-arms them after a restart.
 */
export interface WatchOutputSpendAction {
  readonly type: 'watch-output-spend';
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly outputIndex: number;
}

/**
 * BOLT 3 `option_anchors`: our broadcast commitment pays less than our feerate estimate; ask the
 * node to CPFP it through our `to_local_anchor` (330 sat, locked to our funding pubkey) and one
 * wallet coin, so the package reaches `targetFeeratePerKw`. The node takes the funding key from
 * the keychain (`channelIndex`: secrets never enter a state or an action), has the wallet add
 * its coin, sign, and broadcast after the commitment.
 */
export interface RequestCpfpAction {
  readonly type: 'request-cpfp';
  readonly channelIndex: number;
  /** Our commitment: internal byte order. */
  readonly parentTxid: Uint8Array;
  readonly parentWeight: number;
  readonly parentFeeSat: bigint;
  readonly anchorIndex: number;
  readonly targetFeeratePerKw: number;
}

/**
 * BOLT 5 with `option_anchors`: one of our zero-fee HTLC transactions (HTLC-success with the
 * preimage, or HTLC-timeout after `cltv_expiry`) must pay its fee from the wallet. `htlcTx` is
 * complete on its one input (the peer's and our signatures, both SIGHASH_SINGLE|ANYONECANPAY,
 * bolt5/second-stage.ts presignAnchorHtlcTx); the node adds confirmed wallet coin(s) and a
 * change output (buildAnchorHtlcTx) at the feerate for `deadlineBlocks` (bolt5/urgency.ts
 * sweepFeerate over the chain's estimates; `fallbackFeeratePerKw` without them), has the wallet
 * sign and reserve its coins, and answers `htlc-tx-funded` — with the tx, which the channel
 * persists before it is broadcast, or with why not (the channel asks again on the next block).
 */
export interface RequestHtlcTxFeeAction {
  readonly type: 'request-htlc-tx-fee';
  /** The HTLC output of our commitment the transaction spends (named again in the answer). */
  readonly outputIndex: number;
  readonly kind: 'htlc-success' | 'htlc-timeout';
  readonly htlcTx: Uint8Array;
  /** Blocks left before the peer can take the output (≤ 0: already racing). */
  readonly deadlineBlocks: number;
  readonly fallbackFeeratePerKw: number;
}

/**
 * BOLT 5 fees with `option_anchors`: our wallet-funded HTLC tx `htlcTx` is still unconfirmed as
 * its deadline nears. It cannot be replaced (its wallet coins are reserved to it, and bcoin has
 * no RBF) and its output 0 is CSV-delayed, so the node has the wallet spend its change output
 * `changeVout` (or our last child of it) in a CPFP child lifting the package to at least
 * `targetFeeratePerKw` (and at least double what it pays), all its fees never above `maxFeeSat`
 * (engine/node/claim-bump.ts `runHtlcTxCpfp`).
 */
export interface RequestHtlcTxCpfpAction {
  readonly type: 'request-htlc-tx-cpfp';
  /** The HTLC output of our commitment the transaction spends. */
  readonly outputIndex: number;
  readonly htlcTx: Uint8Array;
  readonly changeVout: number;
  /** The HTLC output's value (the transaction's other inputs are wallet coins the node looks up). */
  readonly htlcValueSat: bigint;
  readonly targetFeeratePerKw: number;
  readonly maxFeeSat: bigint;
}

/**
 * BOLT 5 fees: one of our unconfirmed claims (a justice tx, an HTLC claim) came near its
 * deadline and its higher-fee version `replacement` is persisted. The node publishes it (BIP 125
 * replacement); where the chain refuses it (bcoin has no RBF) it has the wallet spend the
 * output 0 of the version in the mempool (or of our last child of it: it pays a wallet script)
 * in a CPFP child, so that the package pays `targetFeeratePerKw`, all fees together never above
 * `maxFeeSat` (engine/node/claim-bump.ts).
 */
export interface RequestClaimBumpAction {
  readonly type: 'request-claim-bump';
  readonly kind: 'justice' | 'htlc-claim';
  readonly replacement: Uint8Array;
  /** Internal byte order. */
  readonly replacementTxid: Uint8Array;
  /** An outpoint every version spends (internal byte order txid): where the version in the mempool is found. */
  readonly spentOutpoint: { readonly txid: Uint8Array; readonly index: number };
  /** What the claim's inputs are worth. */
  readonly inputValueSat: bigint;
  readonly targetFeeratePerKw: number;
  /** The cap on the fees of the claim and its children together (DEFAULT_MAX_FEE_FRACTION of `inputValueSat`). */
  readonly maxFeeSat: bigint;
}

export type { ClosingOutputKind } from './types.ts';

/** Something for the UI / the node's event log. */
export type ChannelUiEvent =
  | { readonly type: 'state-changed'; readonly from: ChannelStateName; readonly to: ChannelStateName }
  | { readonly type: 'channel-id-assigned'; readonly temporaryChannelId: Uint8Array; readonly channelId: Uint8Array }
  | { readonly type: 'channel-ready'; readonly channelId: Uint8Array; readonly shortChannelId?: bigint }
  /** After a reconnection, channel_reestablish put both sides in sync again: `syncing` is over (a normal channel is usable again). */
  | { readonly type: 'channel-reestablished'; readonly channelId: Uint8Array }
  /** A zero-conf channel's funding confirmed: its real short_channel_id is now known. */
  | { readonly type: 'funding-locked-in'; readonly channelId: Uint8Array; readonly shortChannelId: bigint }
  | { readonly type: 'channel-aborted'; readonly reason: string }
  | { readonly type: 'channel-force-closed'; readonly reason: string }
  | { readonly type: 'channel-closing'; readonly closingTxid: Uint8Array; readonly feeSat: bigint }
  | { readonly type: 'channel-closed'; readonly closingTxid: Uint8Array }
  | { readonly type: 'commitment-confirmed'; readonly commitment: 'local' | 'remote-current' | 'remote-other'; readonly txid: Uint8Array; readonly blockHeight: number }
  /** A reorg took the block of the commitment `commitment-confirmed` reported (BOLT 5: watched on until one confirms again). */
  | { readonly type: 'commitment-reorged'; readonly txid: Uint8Array; readonly blockHeight: number }
  | { readonly type: 'sweep-broadcast'; readonly txid: Uint8Array; readonly valueSat: bigint }
  | { readonly type: 'closing-negotiation-failed'; readonly reason: string }
  | { readonly type: 'stale-state'; readonly reason: string }
  | { readonly type: 'peer-warning'; readonly text: string }
  | { readonly type: 'command-rejected'; readonly command: string; readonly reason: string }
  /** Our `add-htlc` was accepted: `htlcId` is its BOLT 2 id (update_add_htlc sent, the dance follows). */
  | { readonly type: 'htlc-added'; readonly channelId: Uint8Array; readonly htlcId: bigint; readonly tag: string }
  /** The peer's HTLC is irrevocably committed (in both commitments, previous ones revoked): reported once; fulfill or fail it. */
  | {
      readonly type: 'htlc-received';
      readonly channelId: Uint8Array;
      readonly htlcId: bigint;
      readonly amountMsat: bigint;
      readonly paymentHash: Uint8Array;
      readonly cltvExpiry: number;
      readonly onionRoutingPacket: Uint8Array;
      /**
       * Set when our commitment's dust HTLCs (this one included) exceed
       * `ChannelLimits.maxDustHtlcExposureMsat`: BOLT 2 says fail such an HTLC back rather than
       * claim it (it would go to miners on a force-close).
       */
      readonly dustExposureExceeded?: true;
    }
  /**
   * A revocation made the removal of HTLCs irrevocable (BOLT 2 "Removing an HTLC"): the balances
   * of both commitments moved (an incoming HTLC we fulfilled is now ours). Reported so the UI shows
   * the new balance; the payment logic listens to `htlc-fulfilled` / `htlc-failed` instead.
   */
  | { readonly type: 'htlcs-settled'; readonly channelId: Uint8Array; readonly fulfilled: number; readonly failed: number }
  /** Our HTLC was fulfilled by a valid update_fulfill_htlc (persisted first): the payment part succeeded. */
  | { readonly type: 'htlc-fulfilled'; readonly channelId: Uint8Array; readonly htlcId: bigint; readonly tag: string; readonly paymentPreimage: Uint8Array }
  /**
   * Our HTLC is gone without payment: its fail is irrevocably committed (`reason`: the BOLT 4
   * failure packet; `malformed`: the peer could not parse our onion), or (`localReason`) our add
   * was dropped unsigned on reconnection and never reached the peer — safe to retry elsewhere.
   */
  | {
      readonly type: 'htlc-failed';
      readonly channelId: Uint8Array;
      readonly htlcId: bigint;
      readonly tag: string;
      readonly reason?: Uint8Array;
      readonly malformed?: { readonly failureCode: number; readonly sha256OfOnion: Uint8Array };
      readonly localReason?: string;
    }
  | {
      /** BOLT 5: an output of the confirmed commitment (or of a second-stage tx) is settled for good. */
      readonly type: 'output-resolved';
      readonly channelId: Uint8Array;
      readonly txid: Uint8Array;
      readonly outputIndex: number;
      readonly kind: ClosingOutputKind;
      readonly amountSat: bigint;
      readonly claimTxid?: Uint8Array;
      readonly outcome: 'claimed' | 'theirs' | 'dust';
    }
  /** An anchors HTLC transaction found no wallet coin to pay its fee (`htlc-tx-funded` with a failure); asked again on the next block. */
  | { readonly type: 'htlc-tx-unfunded'; readonly channelId: Uint8Array; readonly outputIndex: number; readonly reason: string }
  | { readonly type: 'ignored'; readonly what: string; readonly reason: string }
  | { readonly type: 'internal-error'; readonly reason: string };

export interface EmitAction {
  readonly type: 'emit';
  readonly event: ChannelUiEvent;
}

/** Drop the connection to the peer (after the sends of this batch). */
export interface CloseConnectionAction {
  readonly type: 'close-connection';
  readonly reason: string;
}

export type ChannelAction =
  | PersistAction
  | SendAction
  | RequestFundingAction
  | CancelFundingAction
  | BroadcastAction
  | WatchConfirmationsAction
  | WatchSpendAction
  | RequestCpfpAction
  | RequestHtlcTxFeeAction
  | RequestClaimBumpAction
  | RequestHtlcTxCpfpAction
  | PersistRevokedAction
  | WatchOutputSpendAction
  | EmitAction
  | CloseConnectionAction;

export type ChannelActionType = ChannelAction['type'];

/** Keep only printable ASCII (what `error`/`warning` data can carry and what snapshots store). */
export function printable(text: string): string {
  return String.fromCharCode(...asciiBytes(text.length > 500 ? `${text.slice(0, 497)}...` : text));
}

export function send(message: ChannelMessage | ErrorMessage): SendAction {
  return { type: 'send', message };
}

/** BOLT 1 `error` for `channelId`: "fail the channel". */
export function sendError(channelId: Uint8Array, text: string): SendAction {
  return { type: 'send', message: { type: 'error', channelId, data: asciiBytes(printable(text)) } };
}

/** BOLT 1 `warning` for `channelId`: the message was wrong, the channel goes on. */
export function sendWarning(channelId: Uint8Array, text: string): SendAction {
  return { type: 'send', message: { type: 'warning', channelId, data: asciiBytes(printable(text)) } };
}

export function emit(event: ChannelUiEvent): EmitAction {
  return { type: 'emit', event };
}

/** What one reducer step returns: the next state and the actions to run, `persist` first. */
export interface Transition {
  readonly state: ChannelState;
  readonly actions: readonly ChannelAction[];
}
