/**
 * The channel state machine (DESIGN.md rule 2): `reduce(state, event, ctx) → { state, actions }`,
 * synchronous and pure apart from the ports in `ctx`. It dispatches on the state (one file per
 * state in states/, lightning-kmp style), appends a `state-changed` event when the state's kind
 * changes, and turns anything thrown into actions, never an exception across the boundary:
 * before funding the establishment is aborted (with an `error`), after it the state is kept and
 * an `internal-error` is emitted (a bug must not cost funds by a hasty force-close).
 *
 * The funder starts in `idle` (then the `open` command), the fundee in `wait-for-open-channel`
 * (made by the node when a peer's `open_channel` arrives); see `newOutboundChannel` /
 * `newInboundChannel`. Responses to unexpected input are tabulated in states/common.ts.
 */
import { errorMessage } from '../lib/errors.ts';
import { type ChannelAction, type Transition, emit } from './actions.ts';
import type { ChannelContext } from './context.ts';
import type { ChannelEvent } from './events.ts';
import { type ChannelState, type IdleState, type WaitForOpenChannelState, isFunded } from './types.ts';
import { onAborted } from './states/aborted.ts';
import { abort, copy, stay, unreachable } from './states/common.ts';
import { onClosed } from './states/closed.ts';
import { onClosing } from './states/closing.ts';
import { onForceClosing, onFundingSpent } from './states/force-closing.ts';
import { onNegotiatingClosing } from './states/negotiating-closing.ts';
import { isReestablishing, onReestablishing } from './states/reestablish.ts';
import { onShuttingDown } from './states/shutting-down.ts';
import { onWaitForRemotePublish } from './states/wait-for-remote-publish.ts';
import { onIdle } from './states/idle.ts';
import { onNormal } from './states/normal.ts';
import { onWaitForAcceptChannel } from './states/wait-for-accept-channel.ts';
import { onWaitForChannelReady } from './states/wait-for-channel-ready.ts';
import { onWaitForFundingConfirmed } from './states/wait-for-funding-confirmed.ts';
import { onWaitForFundingCreated } from './states/wait-for-funding-created.ts';
import { onWaitForFundingInternal } from './states/wait-for-funding-internal.ts';
import { onWaitForFundingSigned } from './states/wait-for-funding-signed.ts';
import { onWaitForOpenChannel } from './states/wait-for-open-channel.ts';

export type { Transition } from './actions.ts';

/** A channel we will fund, before the `open` command. `channelIndex` picks its keys in the keychain. */
export function newOutboundChannel(channelIndex: number): IdleState {
  return { type: 'idle', channelIndex };
}

/** A channel for a peer's `open_channel` (feed that message next). */
export function newInboundChannel(channelIndex: number, peerNodeId: Uint8Array): WaitForOpenChannelState {
  return { type: 'wait-for-open-channel', channelIndex, peerNodeId: copy(peerNodeId) };
}

function dispatch(state: ChannelState, event: ChannelEvent, ctx: ChannelContext): Transition {
  // A confirmed spend of the funding output means the same in every state (states/force-closing.ts).
  if (event.type === 'funding-spent') return onFundingSpent(state, event, ctx);
  // A fundee's channel that failed before its funding was seen does not reestablish (wait-for-funding-confirmed.ts).
  if (isReestablishing(state) && !(state.type === 'wait-for-funding-confirmed' && state.failed !== undefined)) {
    if (event.type === 'peer-connected') return onReestablishing(state, event, ctx);
    if (event.type === 'message' && event.message.type === 'channel_reestablish') return onReestablishing(state, { type: 'message', message: event.message }, ctx);
  }
  switch (state.type) {
    case 'idle':
      return onIdle(state, event, ctx);
    case 'wait-for-open-channel':
      return onWaitForOpenChannel(state, event, ctx);
    case 'wait-for-accept-channel':
      return onWaitForAcceptChannel(state, event, ctx);
    case 'wait-for-funding-internal':
      return onWaitForFundingInternal(state, event, ctx);
    case 'wait-for-funding-created':
      return onWaitForFundingCreated(state, event, ctx);
    case 'wait-for-funding-signed':
      return onWaitForFundingSigned(state, event, ctx);
    case 'wait-for-funding-confirmed':
      return onWaitForFundingConfirmed(state, event, ctx);
    case 'wait-for-channel-ready':
      return onWaitForChannelReady(state, event, ctx);
    case 'normal':
      return onNormal(state, event, ctx);
    case 'aborted':
      return onAborted(state, event);
    case 'force-closing':
      return onForceClosing(state, event, ctx);
    case 'shutting-down':
      return onShuttingDown(state, event, ctx);
    case 'negotiating-closing':
      return onNegotiatingClosing(state, event, ctx);
    case 'closing':
      return onClosing(state, event, ctx);
    case 'closed':
      return onClosed(state, event);
    case 'wait-for-remote-publish':
      return onWaitForRemotePublish(state, event, ctx);
    default:
      return unreachable(state);
  }
}

/** Persist actions first, whatever order a state produced them in (the executor relies on it too). */
function persistFirst(actions: readonly ChannelAction[]): ChannelAction[] {
  return [...actions.filter((a) => a.type === 'persist'), ...actions.filter((a) => a.type !== 'persist')];
}

/** One step of the channel state machine. Never throws. */
export function reduce(state: ChannelState, event: ChannelEvent, ctx: ChannelContext): Transition {
  let t: Transition;
  try {
    t = dispatch(state, event, ctx);
  } catch (err) {
    const reason = `internal error in ${state.type} on ${event.type}: ${errorMessage(err)}`;
    if (isFunded(state) || state.type === 'aborted' || state.type === 'closed' || state.type === 'wait-for-remote-publish') t = stay(state, emit({ type: 'internal-error', reason }));
    else {
      try {
        t = abort(state, reason, state.type !== 'idle' && state.type !== 'wait-for-open-channel');
      } catch {
        t = stay(state, emit({ type: 'internal-error', reason }));
      }
      t = { state: t.state, actions: [...t.actions, emit({ type: 'internal-error', reason })] };
    }
  }
  const actions = persistFirst(t.actions);
  if (t.state.type !== state.type) actions.push(emit({ type: 'state-changed', from: state.type, to: t.state.type }));
  return { state: t.state, actions };
}
