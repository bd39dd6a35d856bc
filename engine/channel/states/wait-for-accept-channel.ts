/**
 * `wait-for-accept-channel` (funder). Trace:
 *
 *   open_channel sent ── accept_channel ──▶ checked (BOLT 2 accept_channel receiver rules)
 *     ok  → request-funding {funding script, amount} ──▶ wait-for-funding-internal
 *     bad → error ──▶ aborted
 */
import { fundingScriptPubKey } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { NegotiatedParams, WaitForAcceptChannelState } from '../types.ts';
import { checkAcceptChannel } from '../validate.ts';
import { type Transition, abort, otherEventInOpening } from './common.ts';

export function onWaitForAcceptChannel(state: WaitForAcceptChannelState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type !== 'message' || event.message.type !== 'accept_channel') return otherEventInOpening(state, event);
  const m = event.message;
  const checked = checkAcceptChannel(m, state.opening, ctx.config);
  if (typeof checked === 'string') return abort(state, checked, true);
  const negotiated: NegotiatedParams = {
    ...state.opening,
    remoteParams: checked.remoteParams,
    remoteFirstPerCommitmentPoint: m.firstPerCommitmentPoint,
    minimumDepth: checked.minimumDepth,
  };
  const scriptPubKey = fundingScriptPubKey(negotiated.localParams, negotiated.remoteParams);
  return {
    state: { type: 'wait-for-funding-internal', negotiated },
    actions: [{ type: 'request-funding', scriptPubKey, valueSat: negotiated.fundingSat }],
  };
}
