/**
 * `normal` (both; persisted): both channel_ready exchanged, commitment #0 signed both ways, the
 * peer's next per-commitment point known. Trace (for now):
 *
 *   channel_ready repeated → same point: ignored (new alias: kept, persisted); other point: warning
 *   update_* / commitment_signed / revoke_and_ack / update_fee / shutdown / closing_signed /
 *   channel_reestablish → warning "not supported yet" (HTLCs, fees, reestablish and closing are the
 *   next steps), state unchanged
 *   error ──▶ force-closing
 */
import { equalBytes } from '../../lib/bytes.ts';
import type { ChannelReadyMessage } from '../../wire/messages/channel.ts';
import { sendWarning } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { NormalState } from '../types.ts';
import { type Transition, otherEventInFunded, persistThen, stay, unreachable } from './common.ts';
import { remoteReadyUpdate } from './ready.ts';

function channelReady(state: NormalState, m: ChannelReadyMessage): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return stay(state, sendWarning(c.channelId, 'channel_ready for another channel_id'));
  const existing = c.remoteNextPerCommitmentPoint
    ? { secondPerCommitmentPoint: c.remoteNextPerCommitmentPoint, ...(state.remoteAlias !== undefined ? { alias: state.remoteAlias } : {}) }
    : undefined;
  const u = remoteReadyUpdate(existing, m);
  switch (u.kind) {
    case 'same':
      return stay(state);
    case 'conflict':
    case 'new':
      return stay(state, sendWarning(c.channelId, 'channel_ready repeated with a different second_per_commitment_point; ignored'));
    case 'alias':
      return persistThen({ ...state, remoteAlias: u.ready.alias as bigint }, c.channelId);
    default:
      return unreachable(u);
  }
}

export function onNormal(state: NormalState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'channel_ready') return channelReady(state, event.message);
  return otherEventInFunded(state, event, ctx);
}
