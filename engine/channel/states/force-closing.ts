/**
 * `force-closing` (terminal for now; persisted): we failed the channel and broadcast our
 * commitment. The peer's channel messages get an `error` back (so it fails its side too); the
 * closing issue adds confirmation tracking and sweeping (BOLT 5).
 */
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { ForceClosingState } from '../types.ts';
import { type Transition, otherEventInFunded } from './common.ts';

export function onForceClosing(state: ForceClosingState, event: ChannelEvent, ctx: ChannelContext): Transition {
  return otherEventInFunded(state, event, ctx);
}
