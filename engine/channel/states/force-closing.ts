/**
 * `force-closing` (persisted): the channel failed (BOLT 5). Entered by failing the channel
 * (our commitment broadcast, states/common.ts `forceClose`) or by the peer's commitment
 * confirming. Trace:
 *
 *   funding-spent by our commitment / the peer's current / another of the peer's (by our
 *     to_remote output) ──▶ spend recorded (persisted), `commitment-confirmed` emitted
 *   tick / funding-spent, once the output's CSV delay has passed (our to_local: the peer's
 *     to_self_delay; anchors to_remote: 1 block; static_remotekey to_remote: none) ──▶ sweep
 *     built with the channel's keys, persisted, broadcast (`sweep`), its confirmation watched
 *   funding-confirmed for the sweep at depth ≥ SWEEP_CONFIRMATION_DEPTH ──▶ closed
 *   no output of ours (dust or no balance): funding-spent at that depth ──▶ closed
 *   funding-spend-reorged (a reorg took the commitment's block) ──▶ `spend.reorged` (persisted),
 *     `commitment-reorged`, our own commitment (if we signed one) broadcast again; nothing is
 *     built or ended while reorged; then funding-spent by the same commitment ──▶ reorged
 *     cleared at its new height (the claims already built are kept: they spend the same
 *     outputs); by ANOTHER transaction ──▶ handled from scratch as that one (our commitment,
 *     the peer's current, or its revoked one → justice), the old claims dropped
 *   force-close command: rejected (already failing); the peer's channel messages: `error`
 *
 * Reorgs and depth (BOLT 5 "MUST handle reorganizations"): what depends on a confirmation
 * (claim heights, CSV timing) follows the chain as the node reports it again after a reorg, and
 * the node keeps re-publishing every claim until it is final. Final means
 * SWEEP_CONFIRMATION_DEPTH (6) confirmations, as LDK's ANTI_REORG_DELAY: only then is an output
 * counted `claimed` and the channel `closed`. A reorg deeper than that is not handled.
 *
 * The funding-spent handling for every state is here too (the reducer routes it here first;
 * the force-close command is states/common.ts `otherEventInFunded`): a funded state that sees
 * the peer's commitment confirm comes here; `closing` ignores the spend by its own mutual close
 * (its funding-confirmed ends it); `wait-for-remote-publish` never broadcasts our (maybe
 * revoked) commitment, but sweeps our to_remote from the peer's. A spend that is no commitment
 * we can recognise (a mutual close seen before `closing`, a revoked commitment of ours) is
 * only reported (`ignored`).
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError, errorMessage } from '../../lib/errors.ts';
import { type ChannelAction, emit } from '../actions.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent, FundingConfirmedEvent, FundingSpendReorgedEvent, FundingSpentEvent, OutputSpentEvent } from '../events.ts';
import { SWEEP_CONFIRMATION_DEPTH, buildSweep, identifySpend, publishClaim, spendsFunding, sweepMatured } from '../onchain.ts';
import { type ChannelState, type ClosedState, type Commitments, type CommitmentSpend, type ForceClosingState, isFunded } from '../types.ts';
import { type Transition, closedOrigin, otherEventInFunded, persistThen, stay } from './common.ts';
import { closingTxid } from './closing.ts';
import { finalClosingOutputs } from '../closing-outputs.ts';
import { advanceLocalHtlcs, localHtlcOutputSpent, localHtlcTxConfirmed, onHtlcTxFunded, startLocalHtlcs } from './force-closing-local-htlcs.ts';
import { claimRemoteHtlcs, htlcClaimBumpCandidates, remoteHtlcClaimConfirmed, remoteHtlcOutputSpent, remoteHtlcsPending, startRemoteHtlcs } from './force-closing-remote-htlcs.ts';
import { breachClaimConfirmed, breachOutputSpent, breachPending, justiceBumpCandidates, revokedSpendOf, startBreach } from './force-closing-revoked.ts';
import { rebumpClaims } from './force-closing-rebump.ts';
import { bumpLocalHtlcTxs } from './force-closing-local-bump.ts';

type WithCommitments = Extract<ChannelState, { commitments: Commitments }>;

function hasCommitments(state: ChannelState): state is WithCommitments {
  return isFunded(state) || state.type === 'wait-for-remote-publish';
}

const ignored = (state: ChannelState, reason: string): Transition => stay(state, emit({ type: 'ignored', what: 'funding-spent', reason }));

/** `funding-spent` in any state. */
export function onFundingSpent(state: ChannelState, event: FundingSpentEvent, ctx: ChannelContext): Transition {
  if (!hasCommitments(state)) return ignored(state, `no funding output in ${state.type}`);
  const c = state.commitments;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(event.rawTx);
  } catch {
    return ignored(state, 'transaction does not decode');
  }
  if (!spendsFunding(c, tx)) return ignored(state, 'transaction does not spend the funding output');
  if (!Number.isSafeInteger(event.blockHeight) || event.blockHeight < 0 || event.blockHeight > 0xffffffff || !Number.isSafeInteger(event.depth) || event.depth < 1) {
    return ignored(state, 'bad blockHeight or depth');
  }
  const txid = tx.getHash();
  if (state.type === 'closing' && equalBytes(txid, closingTxid(state))) return stay(state);
  if (state.type === 'force-closing' && state.spend && equalBytes(state.spend.txid, txid)) {
    if (state.spend.reorged) {
      // Confirmed again after a reorg took its block: counted from its new block.
      const { reorged: _gone, ...rest } = state.spend;
      const spend: CommitmentSpend = { ...rest, blockHeight: event.blockHeight };
      const again = emit({ type: 'commitment-confirmed', commitment: spend.commitment, txid, blockHeight: event.blockHeight });
      return advance({ ...state, spend }, ctx, event.depth, true, [again]);
    }
    // The same commitment, one block deeper (or a reorg moved it: keep the later height, the safe side for CSV).
    const spend = event.blockHeight > state.spend.blockHeight ? { ...state.spend, blockHeight: event.blockHeight } : state.spend;
    return advance(spend === state.spend ? state : { ...state, spend }, ctx, event.depth, spend !== state.spend);
  }
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const found = identifySpend(c, tx, keys);
  const revoked = found?.commitment === 'local' || found?.commitment === 'remote-current' ? undefined : revokedSpendOf(c, tx);
  if (!found && !revoked) return ignored(state, 'the funding output was spent by a transaction that is no commitment we know');
  const spend: CommitmentSpend = found ? { ...found, blockHeight: event.blockHeight } : { commitment: 'remote-other', txid, blockHeight: event.blockHeight };
  const breach = revoked ? startBreach(c, tx, revoked, event.blockHeight, event.revokedRecord, ctx) : undefined;
  const htlcs = revoked ? undefined : spend.commitment === 'local' ? startLocalHtlcs(c, txid, ctx) : startRemoteHtlcs(c, txid);
  const confirmedReason = revoked
    ? `the peer's revoked commitment ${revoked.commitmentNumber} confirmed: justice`
    : spend.commitment === 'local'
      ? 'our commitment confirmed'
      : "the peer's commitment confirmed";
  const next: ForceClosingState = {
    type: 'force-closing',
    commitments: c,
    reason: state.type === 'force-closing' && !revoked ? state.reason : confirmedReason,
    ...(state.type === 'force-closing' && state.commitmentTx ? { commitmentTx: state.commitmentTx } : {}),
    spend,
    ...(breach ? { breach: breach.breach } : {}),
    ...(htlcs ? { htlcClaims: htlcs.progress } : {}),
  };
  const extra: ChannelAction[] = [emit({ type: 'commitment-confirmed', commitment: spend.commitment, txid, blockHeight: event.blockHeight })];
  if (state.type !== 'force-closing') extra.push(emit({ type: 'channel-force-closed', reason: next.reason }));
  if (breach) extra.push(...breach.actions);
  if (htlcs) extra.push(...htlcs.actions);
  return advance(next, ctx, event.depth, true, extra);
}

/** Build the sweep once it matured; end the channel when there is nothing (more) to wait for. */
function advance(given: ForceClosingState, ctx: ChannelContext, depth: number | undefined, givenChanged: boolean, givenExtra: ChannelAction[] = []): Transition {
  // The commitment's block was reorged out: nothing is built on it, nothing ends, until it (or another) confirms.
  if (given.spend?.reorged) return givenChanged ? persistThen(given, given.commitments.channelId, ...givenExtra) : stay(given, ...givenExtra);
  // HTLC outputs of the peer's commitment that can be claimed now (preimage known, expiry passed).
  const claimed = claimRemoteHtlcs(given, ctx) ?? advanceLocalHtlcs(given, ctx);
  const state = claimed ? claimed.state : given;
  const changed = givenChanged || (claimed !== undefined && claimed.state !== given);
  const extra = claimed ? [...givenExtra, ...claimed.actions] : givenExtra;
  const c = state.commitments;
  const spend = state.spend;
  const done = (): Transition => (changed ? persistThen(state, c.channelId, ...extra) : stay(state, ...extra));
  if (!spend) return done();
  if (spend.output && !spend.sweepTx && sweepMatured(c, spend, ctx.blockHeight)) {
    let sweep;
    try {
      sweep = buildSweep(c, spend, keysFor(c.localParams, ctx.channelKeys(c.channelIndex)), ctx);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Worth less than its fee (BOLT 5 lets dust go to the miners), or nowhere better to pay
      // it: left where it is; the channel ends when the commitment is deep enough.
      const { output: _dropped, ...rest } = spend;
      const next: ForceClosingState = { ...state, spend: rest };
      return advance(next, ctx, depth, true, [...extra, emit({ type: 'ignored', what: 'sweep', reason: `not swept: ${errorMessage(err)}` })]);
    }
    const next: ForceClosingState = { ...state, spend: { ...spend, sweepTx: sweep.rawTx } };
    return persistThen(
      next,
      c.channelId,
      ...extra,
      ...publishClaim('sweep', sweep.rawTx, sweep.txid, c, ctx),
      emit({ type: 'sweep-broadcast', txid: sweep.txid, valueSat: sweep.valueSat }),
    );
  }
  if (!spend.output && depth !== undefined && depth >= SWEEP_CONFIRMATION_DEPTH && !resolutionPending(state)) return toClosed(state, spend, extra, ctx);
  return done();
}

/** Everything resolved: `closed`, keeping the final picture of the outputs (closing-outputs.ts). */
function toClosed(state: ForceClosingState, spend: CommitmentSpend, extra: ChannelAction[], ctx: ChannelContext): Transition {
  const outputs = finalClosingOutputs(state, ctx);
  const next: ClosedState = { type: 'closed', channelId: state.commitments.channelId, closingTxid: spend.txid, ...(outputs.length > 0 ? { outputs } : {}), opened: closedOrigin(state.commitments) };
  return persistThen(next, next.channelId, ...extra, emit({ type: 'channel-closed', closingTxid: spend.txid }));
}

function sweepConfirmed(state: ForceClosingState, event: FundingConfirmedEvent, ctx: ChannelContext): Transition {
  const sweepTx = state.spend?.sweepTx;
  if (!state.spend || !sweepTx) return stay(state);
  let txid: Uint8Array;
  try {
    txid = Transaction.fromBuffer(event.rawTx).getHash();
  } catch {
    return stay(state, emit({ type: 'ignored', what: 'funding-confirmed', reason: 'transaction does not decode' }));
  }
  if (!equalBytes(txid, Transaction.fromBuffer(sweepTx).getHash())) return stay(state);
  if (event.depth < SWEEP_CONFIRMATION_DEPTH) return stay(state);
  if (state.breach && !state.breach.sweepConfirmed) {
    const next: ForceClosingState = { ...state, breach: { ...state.breach, sweepConfirmed: true } };
    return resolutionPending(next) ? persistThen(next, state.commitments.channelId) : toClosed(next, state.spend, [], ctx);
  }
  if (state.htlcClaims && state.sweepConfirmed !== true) {
    const next: ForceClosingState = { ...state, sweepConfirmed: true };
    return resolutionPending(next) ? persistThen(next, state.commitments.channelId) : toClosed(next, state.spend, [], ctx);
  }
  // The sweep reported deeper again while an HTLC output is still unresolved: not closed yet.
  if (resolutionPending(state)) return stay(state);
  return toClosed(state, state.spend, [], ctx);
}

/** Whether something on chain is still ours to resolve besides the spend's own output: justice txs, HTLC outputs, and then our sweep. */
function resolutionPending(s: ForceClosingState): boolean {
  if (breachPending(s)) return true;
  if (!s.htlcClaims) return false;
  return remoteHtlcsPending(s) || (s.spend?.output !== undefined && s.sweepConfirmed !== true);
}

/** A justice tx deep enough (states/force-closing-revoked.ts); else the to_remote / to_local sweep. */
function claimConfirmed(state: ForceClosingState, event: FundingConfirmedEvent, ctx: ChannelContext): Transition {
  const claimed = breachClaimConfirmed(state, event.rawTx, event.depth) ?? remoteHtlcClaimConfirmed(state, event.rawTx, event.depth) ?? localHtlcTxConfirmed(state, event, ctx);
  if (!claimed) return sweepConfirmed(state, event, ctx);
  const next = claimed.state;
  if (next.spend && !resolutionPending(next)) return toClosed(next, next.spend, claimed.actions, ctx);
  return persistThen(next, next.commitments.channelId, ...claimed.actions);
}

function outputSpent(state: ForceClosingState, event: OutputSpentEvent, ctx: ChannelContext): Transition {
  const r =
    breachOutputSpent(state, event.spendingTx, event.blockHeight, ctx) ??
    remoteHtlcOutputSpent(state, event.txid, event.outputIndex, event.spendingTx, event.depth) ??
    localHtlcOutputSpent(state, event.txid, event.outputIndex, event.spendingTx, event.depth, ctx);
  if (!r) return stay(state);
  // The peer's spend, not yet final: only what it teaches (a preimage) is reported.
  if (r.state === state) return stay(state, ...r.actions);
  return persistThen(r.state, r.state.commitments.channelId, ...r.actions);
}

/**
 * A reorg took the block of the recorded commitment: marked (persisted); our own commitment,
 * when we signed one, is published again (it may now confirm instead). The claims built on
 * the commitment are kept: the node keeps re-publishing them, and they are valid again as soon
 * as it re-confirms.
 */
function spendReorged(state: ForceClosingState, event: FundingSpendReorgedEvent): Transition {
  const spend = state.spend;
  if (!spend || spend.reorged || !equalBytes(spend.txid, event.txid)) return stay(state);
  const next: ForceClosingState = { ...state, spend: { ...spend, reorged: true } };
  const c = state.commitments;
  const ours = state.commitmentTx ? [{ type: 'broadcast' as const, kind: 'commitment' as const, rawTx: state.commitmentTx, txid: Transaction.fromBuffer(state.commitmentTx).getHash() }] : [];
  return persistThen(next, c.channelId, emit({ type: 'commitment-reorged', txid: spend.txid, blockHeight: spend.blockHeight }), ...ours);
}

export function onForceClosing(state: ForceClosingState, event: ChannelEvent, ctx: ChannelContext): Transition {
  switch (event.type) {
    case 'funding-spend-reorged':
      return spendReorged(state, event);
    case 'funding-confirmed':
      // A claim cannot confirm without its commitment: a report of one while reorged is stale.
      return state.spend?.reorged ? stay(state) : claimConfirmed(state, event, ctx);
    case 'output-spent':
      return state.spend?.reorged ? stay(state) : outputSpent(state, event, ctx);
    case 'tick': {
      // BOLT 5 fees: unconfirmed justice txs, HTLC claims and our anchors HTLC txs near their
      // deadline are re-bumped first (not while the commitment they spend is reorged out: they
      // are invalid until it returns).
      if (state.spend?.reorged) return advance(state, ctx, undefined, false);
      const bumped = rebumpClaims(state, [...justiceBumpCandidates(state, ctx), ...htlcClaimBumpCandidates(state, ctx)], ctx);
      const after = bumped?.state ?? state;
      const local = bumpLocalHtlcTxs(after, ctx);
      const next = local?.state ?? after;
      return advance(next, ctx, undefined, next !== state, [...(bumped?.actions ?? []), ...(local?.actions ?? [])]);
    }
    case 'htlc-tx-funded':
      return onHtlcTxFunded(state, event, ctx);
    default:
      return otherEventInFunded(state, event, ctx);
  }
}
