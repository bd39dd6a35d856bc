/**
 * `wait-for-channel-ready` (both; persisted): our channel_ready is sent. Trace:
 *
 *   channel_ready (peer) ──▶ persist normal (with the peer's second point and alias) ──▶ normal
 *   funding-confirmed, zero-conf (no short_channel_id yet) ──▶ short_channel_id recorded (zero-conf.ts)
 *   error ──▶ force-closing; anything else: see common.ts
 */
import { equalBytes } from '../../lib/bytes.ts';
import type { ChannelReadyMessage } from '../../wire/messages/channel.ts';
import { emit, sendWarning } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { NormalState, WaitForChannelReadyState } from '../types.ts';
import { type Transition, otherEventInFunded, persistThen, stay } from './common.ts';
import { zeroConfFundingConfirmed } from './zero-conf.ts';

function channelReady(state: WaitForChannelReadyState, m: ChannelReadyMessage): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return stay(state, sendWarning(c.channelId, 'channel_ready for another channel_id'));
  const next: NormalState = {
    type: 'normal',
    commitments: { ...c, remoteNextPerCommitmentPoint: m.secondPerCommitmentPoint },
    ...(state.shortChannelId !== undefined ? { shortChannelId: state.shortChannelId } : {}),
    localAlias: state.localAlias,
    ...(state.fundingTx !== undefined ? { fundingTx: state.fundingTx } : {}),
    ...(m.shortChannelIdAlias !== undefined ? { remoteAlias: m.shortChannelIdAlias } : {}),
  };
  return persistThen(next, c.channelId, emit({ type: 'channel-ready', channelId: c.channelId, ...(state.shortChannelId !== undefined ? { shortChannelId: state.shortChannelId } : {}) }));
}

export function onWaitForChannelReady(state: WaitForChannelReadyState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'channel_ready') return channelReady(state, event.message);
  if (event.type === 'funding-confirmed') return zeroConfFundingConfirmed(state, event);
  return otherEventInFunded(state, event, ctx);
}
