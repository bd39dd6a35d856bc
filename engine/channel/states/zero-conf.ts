/**
 * Zero-conf channels (BOLT 2 `accept_channel`: "MAY set `minimum_depth` to zero if it trusts the
 * funder not to double-spend"; BOLT 2 `channel_ready`: the sender of a zero-conf `channel_ready`
 * uses `short_channel_id_alias`). Shared by the funded states. Trace:
 *
 *   fundee, trusted funder: funding_created ──▶ persist wait-for-channel-ready (no short_channel_id),
 *       THEN funding_signed + channel_ready, watch the funding (depth 1)
 *   funder, minimum_depth 0: funding_signed ──▶ persist wait-for-channel-ready (no short_channel_id),
 *       THEN broadcast the funding tx, watch it (depth 1), channel_ready
 *   wait-for-channel-ready / normal without short_channel_id:
 *       funding-confirmed (our tx, right output) ──▶ persist with the real short_channel_id
 *       funding-confirmed (our txid, wrong output) ──▶ forgotten (there is no 2-of-2 to claim)
 *
 * ZERO_CONF_TRUST — the trust assumption, stated once:
 * - As fundee we accept a zero-conf channel only from a peer the user marked trusted. Until the
 *   funding confirms, that peer can double-spend the funding inputs: the 2-of-2 output then never
 *   exists and whatever the channel held for us (its push_msat, and any payment received over it
 *   before the confirmation) is lost. That is the risk the user accepted by trusting the peer;
 *   nothing else is at stake (no coins of ours are in the funding transaction).
 * - As funder we trust our own funding transaction (we built and signed it from our wallet), so
 *   we send channel_ready as soon as it is broadcast when the fundee asked for minimum_depth 0.
 *   The fundee takes the double-spend risk, not us; our coins are in the 2-of-2 or in our wallet.
 * - Either way the funding stays watched: the first confirmation records the real
 *   short_channel_id; a confirmed transaction with our txid that does not pay the funding script
 *   forgets the channel (as in wait-for-funding-confirmed), and BOLT 5 spend watching works on
 *   the funding outpoint as for any channel.
 */
import { emit } from '../actions.ts';
import { shortChannelId } from '../commitments.ts';
import type { FundingConfirmedEvent } from '../events.ts';
import type { NormalState, WaitForChannelReadyState } from '../types.ts';
import { type Transition, forget, persistThen, stay } from './common.ts';
import { checkConfirmedFunding } from './ready.ts';

/** The depth a zero-conf channel's funding is watched to: the first confirmation gives the short_channel_id. */
export const ZERO_CONF_WATCH_DEPTH = 1;

/** A state usable (or about to be) before its funding confirmed. */
export type ZeroConfState = WaitForChannelReadyState | NormalState;

/** The channel went ready at minimum_depth 0 and its funding has not confirmed yet. */
export function awaitingZeroConfFunding(state: { readonly type: string; readonly shortChannelId?: bigint }): boolean {
  return (state.type === 'normal' || state.type === 'wait-for-channel-ready') && state.shortChannelId === undefined;
}

/** A confirmation of a zero-conf channel's funding: record the real short_channel_id. */
export function zeroConfFundingConfirmed(state: ZeroConfState, e: FundingConfirmedEvent): Transition {
  if (state.shortChannelId !== undefined) return stay(state);
  const c = state.commitments;
  const check = checkConfirmedFunding(c, e);
  if (check.kind === 'other-tx') return stay(state, emit({ type: 'ignored', what: 'funding-confirmed', reason: 'not our funding transaction' }));
  if (check.kind === 'wrong-output') return forget(state, check.reason, true);
  if (e.depth < ZERO_CONF_WATCH_DEPTH) return stay(state);
  const scid = shortChannelId(e.blockHeight, e.txIndex, c.fundingOutpoint.index);
  // Confirmed: the funding tx is no longer needed for re-publishing.
  const { fundingTx: _published, ...rest } = state;
  return persistThen({ ...rest, shortChannelId: scid }, c.channelId, emit({ type: 'funding-locked-in', channelId: c.channelId, shortChannelId: scid }));
}
