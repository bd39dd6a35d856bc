/**
 * `wait-for-funding-confirmed` (both sides; persisted): both commitment #0 signatures are held.
 * Trace:
 *
 *   funding-confirmed {rawTx, depth, blockHeight, txIndex}
 *     another tx            → ignored
 *     our tx, wrong output  → error ──▶ aborted (persisted: the 2-of-2 does not exist, nothing to claim)
 *     depth < minimumDepth  → unchanged
 *     depth ≥ minimumDepth  → persist, send channel_ready ──▶ wait-for-channel-ready,
 *                             or ──▶ normal if the peer's channel_ready came first
 *   channel_ready (peer first) → kept (persisted) until we are ready ourselves
 *   tick, fundee only: no confirmation 2016 blocks after funding_signed → forgotten (BOLT 2)
 *   error (or any other reason to fail the channel) → funder: force-closing (BOLT 5: broadcast
 *     our commitment #0); fundee: `failed` (persisted), nothing published (common.ts failUnfunded)
 *
 * `failed` (fundee; shown `aborted`): the funder may never have broadcast the funding (it never got
 * our funding_signed), so the channel is dead to the user but the funding is still watched:
 *   funding-confirmed, our output → force-closing now (the 2-of-2 exists: BOLT 5)
 *   funding-confirmed, wrong output / tick past the 2016-block timeout → aborted (persisted)
 *   funding-spent → as in every state (the funder's commitment: our outputs are claimed)
 *   peer-connected → no channel_reestablish (the channel failed); messages → ignored
 *   commands → rejected
 */
import type { ChannelReadyMessage } from '../../wire/messages/channel.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { emit, send, sendWarning } from '../actions.ts';
import { shortChannelId } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent, FundingConfirmedEvent } from '../events.ts';
import { FUNDING_TIMEOUT_BLOCKS, type NormalState, type WaitForChannelReadyState, type WaitForFundingConfirmedState } from '../types.ts';
import { type Transition, forceClose, forget, otherEventInFunded, persistThen, stay, unreachable } from './common.ts';
import { checkConfirmedFunding, ourChannelReady, remoteReadyUpdate } from './ready.ts';

function fundingConfirmed(state: WaitForFundingConfirmedState, e: FundingConfirmedEvent, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const check = checkConfirmedFunding(c, e);
  if (check.kind === 'other-tx') return stay(state, emit({ type: 'ignored', what: 'funding-confirmed', reason: 'not our funding transaction' }));
  if (check.kind === 'wrong-output') return forget(state, check.reason, true);
  if (e.depth < state.minimumDepth) return stay(state);
  const scid = shortChannelId(e.blockHeight, e.txIndex, c.fundingOutpoint.index);
  const ours = ourChannelReady(c, ctx);
  const remote = state.remoteChannelReady;
  if (remote) {
    const next: NormalState = {
      type: 'normal',
      commitments: { ...c, remoteNextPerCommitmentPoint: remote.secondPerCommitmentPoint },
      shortChannelId: scid,
      localAlias: ours.alias,
      ...(remote.alias !== undefined ? { remoteAlias: remote.alias } : {}),
    };
    return persistThen(next, c.channelId, send(ours.message), emit({ type: 'channel-ready', channelId: c.channelId, shortChannelId: scid }));
  }
  const next: WaitForChannelReadyState = { type: 'wait-for-channel-ready', commitments: c, shortChannelId: scid, localAlias: ours.alias };
  return persistThen(next, c.channelId, send(ours.message));
}

function channelReady(state: WaitForFundingConfirmedState, m: ChannelReadyMessage): Transition {
  const id = state.commitments.channelId;
  if (!equalBytes(m.channelId, id)) return stay(state, sendWarning(id, 'channel_ready for another channel_id'));
  const u = remoteReadyUpdate(state.remoteChannelReady, m);
  switch (u.kind) {
    case 'same':
      return stay(state);
    case 'conflict':
      return stay(state, sendWarning(id, 'channel_ready repeated with a different second_per_commitment_point; ignored'));
    case 'new':
    case 'alias':
      return persistThen({ ...state, remoteChannelReady: u.ready }, id);
    default:
      return unreachable(u);
  }
}

/** A fundee's channel that failed before its funding was seen (see the trace above). */
function onFailed(state: WaitForFundingConfirmedState, failed: string, event: ChannelEvent, ctx: ChannelContext): Transition {
  switch (event.type) {
    case 'funding-confirmed': {
      const check = checkConfirmedFunding(state.commitments, event);
      if (check.kind === 'other-tx') return stay(state);
      if (check.kind === 'wrong-output') return forget(state, check.reason, false);
      return forceClose(state, `the funding transaction confirmed after the channel failed (${failed})`, false, ctx, true);
    }
    case 'tick':
      if (ctx.blockHeight >= state.waitingSinceHeight + FUNDING_TIMEOUT_BLOCKS) {
        return forget(state, `${failed}; the funding transaction never confirmed (${FUNDING_TIMEOUT_BLOCKS} blocks after funding_signed)`, false);
      }
      return stay(state);
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason: `the channel failed: ${failed}` }));
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: `the channel failed before its funding was seen: ${failed}` }));
    default:
      return otherEventInFunded(state, event, ctx);
  }
}

export function onWaitForFundingConfirmed(state: WaitForFundingConfirmedState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (state.failed !== undefined) return onFailed(state, state.failed, event, ctx);
  switch (event.type) {
    case 'funding-confirmed':
      return fundingConfirmed(state, event, ctx);
    case 'message':
      if (event.message.type === 'channel_ready') return channelReady(state, event.message);
      return otherEventInFunded(state, event, ctx);
    case 'tick':
      if (!state.commitments.isFunder && ctx.blockHeight >= state.waitingSinceHeight + FUNDING_TIMEOUT_BLOCKS) {
        return forget(state, `funding transaction not confirmed ${FUNDING_TIMEOUT_BLOCKS} blocks after funding_signed`, true);
      }
      return stay(state);
    default:
      return otherEventInFunded(state, event, ctx);
  }
}
