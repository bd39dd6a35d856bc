/**
 * The vocabulary of the BOLT 2 channel state machine: the per-side channel parameters, our
 * acceptance limits, the commitments both sides hold, and one interface per state.
 *
 * Channel establishment v1 (BOLT 2 "Channel Establishment v1"), as the states trace it:
 *
 *   funder (A)                                              fundee (B)
 *   idle ──open──▶ wait-for-accept-channel   open_channel ▶ wait-for-open-channel
 *                                        ◀ accept_channel ── wait-for-funding-created
 *   wait-for-funding-internal (wallet builds the funding tx)
 *   wait-for-funding-signed           funding_created ▶
 *                                        ◀ funding_signed ── wait-for-funding-confirmed (persisted first)
 *   wait-for-funding-confirmed (persisted, then broadcast)
 *   ── funding reaches minimum_depth ──▶ channel_ready ▶ ◀ channel_ready
 *   wait-for-channel-ready ──(peer's channel_ready)──▶ normal
 *
 * Zero-conf (minimum_depth 0; states/zero-conf.ts states the trust assumption): the fundee offers
 * it only to a peer the user trusts (ctx.zeroConfPeer) and goes from funding_created straight to
 * wait-for-channel-ready (persisted, then funding_signed + channel_ready); the funder, told
 * minimum_depth 0, goes from funding_signed to wait-for-channel-ready (persisted, then broadcast +
 * channel_ready). Both are `normal` with no `shortChannelId` until the first confirmation.
 *
 * In `normal`, the commitment dance (states/normal-commit.ts, on the update log of htlc-log.ts):
 *
 *   funder: update_fee ▶ commitment_signed ▶          ◀ revoke_and_ack ◀ commitment_signed
 *           revoke_and_ack ▶          (each step persisted before what it sends)
 *
 * Terminal: `aborted` (nothing on chain to care about). BOLT 5 "failing a channel":
 *
 *   any funded state ──force-close command / peer error──▶ force-closing (persisted, then our
 *     commitment broadcast; with anchors and a low feerate, a CPFP of our anchor requested)
 *   any funded state ──funding-spent by the peer's commitment──▶ force-closing (spend recorded)
 *   force-closing ──funding-spent (confirmed commitment)──▶ spend recorded; when the output's
 *     CSV delay has passed, the sweep is built, persisted, broadcast ──sweep confirmed──▶ closed
 *
 * Cooperative close (BOLT 2 "Channel Close", legacy `closing_signed` with `fee_range`):
 *
 *   normal ──close command──▶ shutting-down   shutdown ▶ normal ──▶ negotiating-closing
 *          ◀ shutdown ── negotiating-closing     (HTLCs pending: both wait in shutting-down first)
 *   funder: closing_signed ▶ … ◀ closing_signed (same fee) ──▶ closing (broadcast after persist)
 *   closing ── mutual close tx confirmed ──▶ closed
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#channel-establishment-v1
 */
import type { ChannelType, CommitmentHtlc } from './bolt3/types.ts';
import type { HtlcLog } from './htlc-log.ts';

export type { ChannelType } from './bolt3/types.ts';
export type { HtlcLog } from './htlc-log.ts';

/** The five public keys of one side (BOLT 2 `funding_pubkey` and the four basepoints). */
export interface Basepoints {
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/**
 * One side's `open_channel` / `accept_channel` parameters, with the wire's meaning: each value is
 * what that side *announced*, and most constrain the *other* side.
 */
export interface ChannelParams extends Basepoints {
  /** Outputs below this are not created in this side's own commitment (and its HTLC txs). */
  readonly dustLimitSat: bigint;
  /** Cap on the total value of HTLCs the other side may have outstanding towards this side. */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** What the *other* side must keep as a direct balance (`channel_reserve_satoshis`). */
  readonly channelReserveSat: bigint;
  /** The smallest HTLC this side accepts. */
  readonly htlcMinimumMsat: bigint;
  /** The CSV delay the *other* side's `to_local` must wait (in the other side's commitment). */
  readonly toSelfDelay: number;
  /** How many HTLCs the other side may offer to this side at once. */
  readonly maxAcceptedHtlcs: number;
  /** `upfront_shutdown_script`: where this side committed to close to (absent: none). */
  readonly upfrontShutdownScript?: Uint8Array;
}

/**
 * Limits on what we accept from a peer's `open_channel` / `accept_channel` (BOLT 2 "MAY fail the
 * channel if it considers …"). Every bound is inclusive.
 */
export interface ChannelLimits {
  readonly minFundingSat: bigint;
  /** At most 2^24 − 1: we do not advertise `option_support_large_channel`. */
  readonly maxFundingSat: bigint;
  /** The longest `to_self_delay` we accept to wait for our own funds (BOLT 2 "unreasonably large"). */
  readonly maxToSelfDelay: number;
  /** The largest `dust_limit_satoshis` the peer may use (BOLT 3 "Dust Limits"; 354 is the floor). */
  readonly maxDustLimitSat: bigint;
  /** The largest reserve the peer may impose on us, in millionths of the funding amount. */
  readonly maxChannelReservePpm: number;
  /** The largest `htlc_minimum_msat` the peer may ask. */
  readonly maxHtlcMinimumMsat: bigint;
  /** The smallest `max_htlc_value_in_flight_msat` we accept, in millionths of the funding amount. */
  readonly minMaxHtlcValueInFlightPpm: number;
  /** The smallest `max_accepted_htlcs` we accept (at most 483 is a protocol rule). */
  readonly minMaxAcceptedHtlcs: number;
  /** As funder: the largest `minimum_depth` the fundee may ask. */
  readonly maxMinimumDepth: number;
  /**
   * As fundee, `open_channel.feerate_per_kw` against our estimate `e` (ctx): it must be at least
   * `max(253, e × feerateMinRatio)` for `static_remotekey` (its commitment cannot be bumped), at
   * least 253 for anchors (CPFP through the anchor), and at most `max(e, 253) × feerateMaxRatio`.
   */
  readonly feerateMinRatio: number;
  readonly feerateMaxRatio: number;
  /**
   * The peer's `update_fee` (BOLT 2 "Updating Fees") against our estimate `e` (ctx), once the
   * channel is open. The update is already in the peer's next commitment when it arrives, so
   * refusing it fails the channel: the bounds are wide on purpose, so that ordinary fee swings
   * (and estimates lagging behind the peer's) never force-close. Accepted: at least
   * `max(253, e × updateFeeMinRatio)` for `static_remotekey` (its commitment cannot be bumped),
   * at least 253 (the relay floor) for anchors (CPFP through the anchor), and at most
   * `max(e, 253) × updateFeeMaxRatio` for both.
   */
  readonly updateFeeMinRatio: number;
  readonly updateFeeMaxRatio: number;
  /**
   * BOLT 2 "dust exposure": the most we let ride on HTLCs trimmed from either commitment (they
   * go to miners if the channel fails). Our adds beyond it are refused (`command-rejected`).
   */
  readonly maxDustHtlcExposureMsat: bigint;
  /**
   * The `min_final_cltv_expiry_delta` our invoices ask (BOLT 11 `c`; LDK's minimum is 18 + its
   * own margin): an incoming final HTLC must expire at least this far above the tip.
   */
  readonly minFinalCltvExpiryDelta: number;
  /**
   * The node fails an incoming HTLC back once the tip is this close to its `cltv_expiry` (BOLT 2
   * "fail incoming HTLCs well before they expire"), so the peer never has to go on chain.
   */
  readonly incomingCltvSafetyBlocks: number;
  /**
   * BOLT 2 "deadline for offered HTLCs": an HTLC we offered and the peer neither fulfilled nor
   * failed by `cltv_expiry + this` fails the channel (we must claim the timeout on chain).
   */
  readonly outgoingCltvGraceBlocks: number;
}

/** What we propose in our own `open_channel` / `accept_channel`, and our limits. */
export interface ChannelConfig {
  readonly limits: ChannelLimits;
  /** Our `dust_limit_satoshis` (354 … limits.maxDustLimitSat). */
  readonly dustLimitSat: bigint;
  /** The reserve we require of the peer: max(this × funding / 10^6, both dust limits). */
  readonly channelReservePpm: number;
  readonly htlcMinimumMsat: bigint;
  /** Our `max_htlc_value_in_flight_msat` in millionths of the funding amount (10^6 = no cap). */
  readonly maxHtlcValueInFlightPpm: number;
  /** The delay we require on the peer's `to_local`. */
  readonly toSelfDelay: number;
  readonly maxAcceptedHtlcs: number;
  /** As fundee: the `minimum_depth` we ask (≥ 1: we do not do zero-conf yet). */
  readonly minimumDepth: number;
  /** Channel types we accept as fundee. */
  readonly channelTypes: readonly ChannelType[];
}

/** BOLT 2 "`max_accepted_htlcs` is greater than 483" fails the channel. */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;
/** BOLT 2 "`dust_limit_satoshis` is smaller than 354 satoshis" fails the channel. */
export const MIN_DUST_LIMIT_SAT = 354n;
/** BOLT 3 / Bitcoin Core: the lowest feerate a transaction relays at, in sat per 1000 weight. */
export const MIN_FEERATE_PER_KW = 253;
/** Without `option_support_large_channel`, `funding_satoshis` must be below 2^24. */
export const MAX_FUNDING_SAT = 2n ** 24n - 1n;
/** BOLT 2 `channel_ready`: a fundee forgets a channel whose funding has not confirmed after this. */
export const FUNDING_TIMEOUT_BLOCKS = 2016;

/** Defaults: LDK-compatible bounds (dust 354…546, to_self_delay ≤ 2016, 1% reserves). */
export const DEFAULT_CHANNEL_CONFIG: ChannelConfig = Object.freeze({
  limits: Object.freeze({
    minFundingSat: 20_000n,
    maxFundingSat: MAX_FUNDING_SAT,
    maxToSelfDelay: 2016,
    maxDustLimitSat: 546n,
    maxChannelReservePpm: 200_000,
    maxHtlcMinimumMsat: 1_000_000n,
    minMaxHtlcValueInFlightPpm: 10_000,
    minMaxAcceptedHtlcs: 1,
    maxMinimumDepth: 144,
    feerateMinRatio: 0.5,
    feerateMaxRatio: 10,
    // update_fee: ¼ … 10× our estimate (anchors: 253 … 10×); see ChannelLimits.
    updateFeeMinRatio: 0.25,
    updateFeeMaxRatio: 10,
    // LDK's default cap is 10 000 × feerate msat (25 000 sat at 2500 sat/kw); ours is a fixed 50 000 sat.
    maxDustHtlcExposureMsat: 50_000_000n,
    minFinalCltvExpiryDelta: 24,
    incomingCltvSafetyBlocks: 6,
    outgoingCltvGraceBlocks: 3,
  }),
  dustLimitSat: 546n,
  channelReservePpm: 10_000,
  htlcMinimumMsat: 1n,
  maxHtlcValueInFlightPpm: 1_000_000,
  toSelfDelay: 144,
  maxAcceptedHtlcs: 30,
  minimumDepth: 3,
  channelTypes: Object.freeze(['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]),
});

/**
 * One HTLC of a commitment: `direction` from the commitment owner's point of view (BOLT 3:
 * `offered` = added by the owner), `id` the `update_add_htlc` id of the side that offered it.
 */
export interface SpecHtlc extends CommitmentHtlc {
  readonly id: bigint;
}

/**
 * The balances, feerate and HTLCs of one commitment, from its owner's point of view. The
 * balances exclude the HTLCs: toLocal + toRemote + Σ htlcs = the funding amount (htlc-spec.ts
 * derives every spec from the update log).
 */
export interface CommitmentSpec {
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly feeratePerKw: number;
  /** Owner-offered first, then received, each by id. */
  readonly htlcs: readonly SpecHtlc[];
}

/** Our current commitment: what we can broadcast. */
export interface LocalCommit {
  /** The commitment number (0 at open). */
  readonly index: number;
  readonly spec: CommitmentSpec;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** The peer's `signature` on it (from funding_created / funding_signed), 64-byte compact. */
  readonly remoteSig: Uint8Array;
  /**
   * The peer's `htlc_signatures` on our HTLC-success / HTLC-timeout transactions, one per
   * untrimmed HTLC output in output order (anchors: SIGHASH_SINGLE|ANYONECANPAY); what we need
   * to claim the HTLCs on chain after broadcasting this commitment (BOLT 5).
   */
  readonly htlcSignatures: readonly Uint8Array[];
}

/** The peer's current commitment: what we signed for them. */
export interface RemoteCommit {
  readonly index: number;
  readonly spec: CommitmentSpec;
  readonly txid: Uint8Array;
  /** The peer's per-commitment point for `index`. */
  readonly remotePerCommitmentPoint: Uint8Array;
}

/**
 * Our `commitment_signed` for the peer's next commitment, sent and waiting for its
 * `revoke_and_ack` (lightning-kmp `WaitingForRevocation`). Signing is deterministic (RFC 6979),
 * so `commit` is all it takes to retransmit the very same signature on reconnection.
 */
export interface PendingRemoteCommit {
  /** Number `remoteCommit.index + 1`, at the point `remoteNextPerCommitmentPoint`. */
  readonly commit: RemoteCommit;
  /**
   * `localCommit.index` when we sent it: if our local index has moved on since, our last
   * revoke_and_ack was sent after this commitment_signed (BOLT 2 retransmission order).
   */
  readonly sentAfterLocalIndex: number;
}

/** The funding output. `txid` is in internal byte order, as in `funding_created`. */
export interface FundingOutpoint {
  readonly txid: Uint8Array;
  readonly index: number;
}

/** Everything a funded channel needs to rebuild, sign and check both commitments. */
export interface Commitments {
  readonly channelId: Uint8Array;
  readonly channelType: ChannelType;
  readonly isFunder: boolean;
  /** `open_channel.channel_flags` (bit 0: announce), undefined bits cleared. */
  readonly channelFlags: number;
  /** The keychain index the channel's keys come from (`Keychain.channelKeys`). */
  readonly channelIndex: number;
  readonly peerNodeId: Uint8Array;
  readonly localParams: ChannelParams;
  readonly remoteParams: ChannelParams;
  readonly fundingOutpoint: FundingOutpoint;
  readonly fundingSat: bigint;
  readonly localCommit: LocalCommit;
  readonly remoteCommit: RemoteCommit;
  /**
   * The peer's point for commitment `remoteCommit.index + 1` (`channel_ready.second_per_commitment_point`,
   * then each `revoke_and_ack.next_per_commitment_point`).
   */
  readonly remoteNextPerCommitmentPoint?: Uint8Array;
  /** The update log, indexed by commitment number (htlc-log.ts). */
  readonly log: HtlcLog;
  /** Our commitment_signed waiting for the peer's revoke_and_ack, if any. */
  readonly remoteNextCommit?: PendingRemoteCommit;
  /**
   * The peer's revealed per-commitment secrets: `ShachainStore.toBytes()` (BOLT 3 compact
   * storage, at most 49 secrets), holding the secrets of commitments 0 … remoteCommit.index − 1.
   */
  readonly remoteSecrets: Uint8Array;
}

/** What the funder chose in the `open` command and sent in `open_channel`. */
export interface OpeningParams {
  readonly channelIndex: number;
  readonly peerNodeId: Uint8Array;
  readonly temporaryChannelId: Uint8Array;
  readonly channelType: ChannelType;
  readonly fundingSat: bigint;
  readonly pushMsat: bigint;
  readonly feeratePerKw: number;
  readonly channelFlags: number;
  readonly localParams: ChannelParams;
}

/** After `open_channel` + `accept_channel`: both sides' parameters are known. */
export interface NegotiatedParams extends OpeningParams {
  readonly remoteParams: ChannelParams;
  readonly remoteFirstPerCommitmentPoint: Uint8Array;
  /** The depth both sides wait for before `channel_ready` (the fundee's `minimum_depth`, at least 1). */
  readonly minimumDepth: number;
}

/** Funder, before the `open` command. */
export interface IdleState {
  readonly type: 'idle';
  readonly channelIndex: number;
}

/** Fundee, before `open_channel`. */
export interface WaitForOpenChannelState {
  readonly type: 'wait-for-open-channel';
  readonly channelIndex: number;
  readonly peerNodeId: Uint8Array;
}

/** Funder: `open_channel` sent. */
export interface WaitForAcceptChannelState {
  readonly type: 'wait-for-accept-channel';
  readonly opening: OpeningParams;
}

/** Funder: `accept_channel` received; the node asks the wallet for the funding transaction. */
export interface WaitForFundingInternalState {
  readonly type: 'wait-for-funding-internal';
  readonly negotiated: NegotiatedParams;
}

/** Fundee: `accept_channel` sent. */
export interface WaitForFundingCreatedState {
  readonly type: 'wait-for-funding-created';
  readonly negotiated: NegotiatedParams;
}

/** Funder: `funding_created` sent, the signed funding transaction kept unbroadcast. */
export interface WaitForFundingSignedState {
  readonly type: 'wait-for-funding-signed';
  readonly negotiated: NegotiatedParams;
  readonly channelId: Uint8Array;
  readonly fundingOutpoint: FundingOutpoint;
  /** The wallet's signed funding transaction. */
  readonly fundingTx: Uint8Array;
  /** Our signature on the peer's commitment #0 (sent in funding_created). */
  readonly remoteCommitSig: Uint8Array;
}

/** The peer's `channel_ready`, when it arrives before we are ready ourselves. */
export interface RemoteChannelReady {
  readonly secondPerCommitmentPoint: Uint8Array;
  readonly alias?: bigint;
}

/** Both: both commitment #0 signatures exchanged; waiting for `minimumDepth` confirmations. */
export interface WaitForFundingConfirmedState {
  readonly type: 'wait-for-funding-confirmed';
  readonly commitments: Commitments;
  readonly minimumDepth: number;
  /** Funder only: the funding transaction, for rebroadcast. */
  readonly fundingTx?: Uint8Array;
  /** The block height when funding_signed was exchanged (the fundee's 2016-block timeout). */
  readonly waitingSinceHeight: number;
  readonly remoteChannelReady?: RemoteChannelReady;
  /**
   * Fundee only: why the channel failed before its funding transaction confirmed (a peer error, a
   * channel_reestablish from a peer that has no such channel, the user's force close). The
   * channel is forgotten for the user (shown `aborted`) and nothing was published — our commitment
   * #0 spends an output that does not exist. The funding is still watched until the BOLT 2
   * 2016-block timeout: if it confirms after all, the channel is force-closed then (BOLT 5).
   */
  readonly failed?: string;
}

/** Both: our `channel_ready` sent, the peer's not yet received. */
export interface WaitForChannelReadyState {
  readonly type: 'wait-for-channel-ready';
  readonly commitments: Commitments;
  /** Absent: a zero-conf channel whose funding is not confirmed yet (see `ZERO_CONF_TRUST`). */
  readonly shortChannelId?: bigint;
  /** The alias we sent in `channel_ready` (the peer routes to us with it). */
  readonly localAlias: bigint;
  /** Zero-conf funder only, until the funding confirms: our funding tx, for re-publishing. */
  readonly fundingTx?: Uint8Array;
}

/** Both `channel_ready` exchanged: the channel is usable. */
export interface NormalState {
  readonly type: 'normal';
  readonly commitments: Commitments;
  /**
   * The real short_channel_id (BOLT 7) once the funding confirmed. Absent: a zero-conf channel
   * (minimum_depth 0) still unconfirmed — usable with the aliases only; recorded on the first
   * confirmation (see `ZERO_CONF_TRUST` in states/zero-conf.ts).
   */
  readonly shortChannelId?: bigint;
  readonly localAlias: bigint;
  /** The alias the peer sent (for our invoices' route hints), if any. */
  readonly remoteAlias?: bigint;
  /**
   * Set on disconnection and reconnection, cleared by the peer's channel_reestablish: until then
   * no update or shutdown may be sent (BOLT 2 "Message Retransmission"), so commands are refused.
   */
  readonly syncing?: true;
  /** Zero-conf funder only, until the funding confirms: our funding tx, for re-publishing. */
  readonly fundingTx?: Uint8Array;
  /**
   * The peer's `shutdown` scriptpubkey, received while updates of ours were unsigned: we answer
   * with ours (→ shutting-down) as soon as they are signed. No new adds meanwhile.
   */
  readonly remoteShutdownScript?: Uint8Array;
}

/** Terminal: the establishment failed or was forgotten; no funds are in the channel. */
export interface AbortedState {
  readonly type: 'aborted';
  /** `channel_id`, or the `temporary_channel_id` before funding_created (absent in idle). */
  readonly channelId?: Uint8Array;
  readonly reason: string;
}

/**
 * Which commitment spent the funding output (BOLT 5): ours, the peer's current one (by its
 * txid, `remoteCommit.txid`), or another of the peer's (its next one, or one we do not know
 * of after we lost state — recognised by our `to_remote` output, whose script does not depend
 * on the per-commitment point with `static_remotekey` and anchors).
 */
export type SpendingCommitment = 'local' | 'remote-current' | 'remote-other';

/** A commitment transaction that spent the funding output and confirmed, and what we do about it. */
export interface CommitmentSpend {
  readonly commitment: SpendingCommitment;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** The height of the block it confirmed in. */
  readonly blockHeight: number;
  /** Our output on it (`to_local` on ours, `to_remote` on the peer's); absent when we have none worth sweeping. */
  readonly output?: { readonly index: number; readonly valueSat: bigint };
  /** The signed sweep of `output` once its delay has passed (kept to re-publish it until it confirms). */
  readonly sweepTx?: Uint8Array;
  /**
   * A reorg took the commitment's block (`funding-spend-reorged`): no claim is built and the
   * channel does not end until a `funding-spent` names the commitment confirmed again (this one
   * or another). `blockHeight` is the last height it was seen at.
   */
  readonly reorged?: true;
}

/** One justice transaction we broadcast (BOLT 5 "Revoked Transaction Close Handling"). */
export interface JusticeClaim {
  /** Signed; its inputs say which outputs it takes. */
  readonly rawTx: Uint8Array;
  /** Seen at SWEEP_CONFIRMATION_DEPTH. */
  readonly confirmed: boolean;
}

/**
 * The peer broadcast a commitment it had revoked: what we take from it with the revocation key.
 * Everything else (keys, scripts, values) is derived again from these and `commitments`.
 */
export interface BreachResolution {
  readonly commitmentNumber: number;
  /** The revoked commitment as it confirmed. */
  readonly commitmentTx: Uint8Array;
  /** The `persist-revoked` record of that commitment (its HTLCs), when the node had one. */
  readonly revokedRecord?: Uint8Array;
  /** Justice transactions, oldest first; a later one replaces the inputs an earlier lost. */
  readonly claims: readonly JusticeClaim[];
  /** The peer's HTLC-success / HTLC-timeout transactions seen spending its revoked HTLC outputs. */
  readonly secondStageTxs: readonly Uint8Array[];
  /** Our to_remote sweep (the `spend`'s) confirmed at depth. */
  readonly sweepConfirmed: boolean;
}

/**
 * Persisted: the channel failed (BOLT 5 "failing a channel"). We broadcast our commitment, or
 * the peer's commitment confirmed; once a commitment confirms (`spend`) we wait for our
 * output's delay, sweep it to the wallet, and reach `closed` when the sweep is deep enough.
 */
export interface ForceClosingState {
  readonly type: 'force-closing';
  readonly commitments: Commitments;
  readonly reason: string;
  /** Our signed commitment transaction, for rebroadcast; absent when we never broadcast ours (the peer's confirmed first). */
  readonly commitmentTx?: Uint8Array;
  /** The commitment that confirmed, once one did. */
  readonly spend?: CommitmentSpend;
  /** When that commitment is one the peer revoked: the justice we are doing (states/force-closing-revoked.ts). */
  readonly breach?: BreachResolution;
  /** The confirmed commitment's HTLC outputs (states/force-closing-remote-htlcs.ts, force-closing-local-htlcs.ts). */
  readonly htlcClaims?: readonly HtlcClaimProgress[];
  /** Our sweep of `spend.output` is deep enough while HTLC outputs are still being resolved. */
  readonly sweepConfirmed?: true;
}

/** One HTLC output of the confirmed commitment (the peer's or ours): our claim once broadcast, and how it ended. */
export interface HtlcClaimProgress {
  readonly outputIndex: number;
  /** The peer's commitment: our claim. Ours: our HTLC-success / HTLC-timeout tx. */
  readonly claimTx?: Uint8Array;
  /** Ours: the height our HTLC tx confirmed at (its output's CSV starts there). */
  readonly secondStageHeight?: number;
  /** Ours: the sweep of our HTLC tx's output. */
  readonly sweepTx?: Uint8Array;
  /**
   * Ours, anchors: the tip height when our funded HTLC tx was kept, or last CPFP'd while
   * unconfirmed (how long it has waited; force-closing-local-bump.ts). Snapshot version 6.
   */
  readonly fundedAt?: number;
  readonly outcome?: 'claimed' | 'theirs' | 'dust';
}

/** What we sent in our last `closing_signed` (legacy negotiation with `fee_range`). */
export interface ClosingProposal {
  readonly feeSat: bigint;
  readonly minFeeSat: bigint;
  readonly maxFeeSat: bigint;
}

/**
 * Both (persisted): our `shutdown` sent (after the `close` command, or answering the peer's),
 * and HTLCs may still be pending (BOLT 2 "Closing Initiation": no new adds after a `shutdown`;
 * the pending ones are still fulfilled or failed through the commitment dance). Negotiation
 * starts once both `shutdown`s are exchanged and no HTLC (nor any update) remains.
 */
export interface ShuttingDownState {
  readonly type: 'shutting-down';
  readonly commitments: Commitments;
  /** The `scriptpubkey` of our `shutdown`. */
  readonly localShutdownScript: Uint8Array;
  /** The peer's `shutdown` scriptpubkey, once received. */
  readonly remoteShutdownScript?: Uint8Array;
  /** As in `normal`: set on disconnection and reconnection, cleared by channel_reestablish; HTLC commands are refused meanwhile. */
  readonly syncing?: true;
}

/** Both (persisted): both `shutdown`s exchanged, no HTLCs: `closing_signed` fee negotiation (the funder proposes first). */
export interface NegotiatingClosingState {
  readonly type: 'negotiating-closing';
  readonly commitments: Commitments;
  readonly localShutdownScript: Uint8Array;
  readonly remoteShutdownScript: Uint8Array;
  /** Our last `closing_signed`, once sent. */
  readonly lastSent?: ClosingProposal;
}

/** Both (persisted): the mutual close transaction is signed by both and broadcast; waiting for it to confirm. */
export interface ClosingState {
  readonly type: 'closing';
  readonly commitments: Commitments;
  readonly localShutdownScript: Uint8Array;
  readonly remoteShutdownScript: Uint8Array;
  /** The agreed `fee_satoshis`. */
  readonly feeSat: bigint;
  /** The fully signed mutual close transaction, for rebroadcast. */
  readonly closingTx: Uint8Array;
}

/** Terminal (persisted): the mutual close transaction, or the commitment that closed the channel (BOLT 5), confirmed and our funds are back. */
export interface ClosedState {
  readonly type: 'closed';
  readonly channelId: Uint8Array;
  /** Internal byte order. */
  readonly closingTxid: Uint8Array;
  /**
   * After a force close (BOLT 5): the final picture of the commitment's outputs — each claimed
   * (in `claimTxid`), the peer's, or dust — kept so the user still sees where every sat went.
   * Absent after a mutual close.
   */
  readonly outputs?: readonly ClosingOutput[];
  /**
   * Who the channel was with and what funded it, kept so a closed channel still names its peer
   * and its funding transaction (Channels, Activity). Absent in records written before version 8.
   */
  readonly opened?: ClosedChannelOrigin;
}

/** The peer and funding outpoint of a closed channel (from its last commitments). */
export interface ClosedChannelOrigin {
  readonly peerNodeId: Uint8Array;
  readonly fundingOutpoint: FundingOutpoint;
}

/** What an output of a closing channel is (closing-outputs.ts `closingOutputsOf`). */
export type ClosingOutputKind = 'to_local' | 'to_remote' | 'htlc-offered' | 'htlc-received' | 'anchor' | 'revoked-to_local' | 'revoked-htlc' | 'second-stage';

/** Where an output of a closing channel stands. */
export type ClosingOutputStatus = 'waiting' | 'claimable' | 'claimed' | 'theirs' | 'dust';

/** One output of a closing channel, for the UI (closing-outputs.ts `closingOutputsOf`). */
export interface ClosingOutput {
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly outputIndex: number;
  readonly kind: ClosingOutputKind;
  readonly amountSat: bigint;
  readonly status: ClosingOutputStatus;
  readonly availableAtHeight?: number;
  /** Internal byte order. */
  readonly claimTxid?: Uint8Array;
}

/**
 * Terminal (persisted): `channel_reestablish` proved (option_data_loss_protect) that the peer
 * holds a newer state than ours. Our commitment may be revoked, so it is never broadcast: we ask
 * the peer to force-close and keep its current point to find our output when it does.
 */
export interface WaitForRemotePublishState {
  readonly type: 'wait-for-remote-publish';
  readonly commitments: Commitments;
  /** The peer's `my_current_per_commitment_point`. */
  readonly remoteCurrentPerCommitmentPoint: Uint8Array;
}

export type ChannelState =
  | IdleState
  | WaitForOpenChannelState
  | WaitForAcceptChannelState
  | WaitForFundingInternalState
  | WaitForFundingCreatedState
  | WaitForFundingSignedState
  | WaitForFundingConfirmedState
  | WaitForChannelReadyState
  | NormalState
  | AbortedState
  | ForceClosingState
  | ShuttingDownState
  | NegotiatingClosingState
  | ClosingState
  | ClosedState
  | WaitForRemotePublishState;

export type ChannelStateName = ChannelState['type'];

/** States holding funds at risk: they must be persisted before anything that depends on them is sent. */
export type FundedState =
  | WaitForFundingConfirmedState
  | WaitForChannelReadyState
  | NormalState
  | ForceClosingState
  | ShuttingDownState
  | NegotiatingClosingState
  | ClosingState;

export const CHANNEL_STATE_NAMES: readonly ChannelStateName[] = Object.freeze([
  'idle',
  'wait-for-open-channel',
  'wait-for-accept-channel',
  'wait-for-funding-internal',
  'wait-for-funding-created',
  'wait-for-funding-signed',
  'wait-for-funding-confirmed',
  'wait-for-channel-ready',
  'normal',
  'aborted',
  'force-closing',
  'shutting-down',
  'negotiating-closing',
  'closing',
  'closed',
  'wait-for-remote-publish',
] as ChannelStateName[]);

/** True for the states the node must keep in its store (see `FundedState`), plus `aborted` after one. */
export function isFunded(state: ChannelState): state is FundedState {
  return (
    state.type === 'wait-for-funding-confirmed' ||
    state.type === 'wait-for-channel-ready' ||
    state.type === 'normal' ||
    state.type === 'force-closing' ||
    state.type === 'shutting-down' ||
    state.type === 'negotiating-closing' ||
    state.type === 'closing'
  );
}
