/**
 * `closed` (terminal; persisted): the mutual close transaction confirmed. Everything is ignored;
 * commands are rejected.
 */
import type { ChannelEvent } from '../events.ts';
import type { ClosedState } from '../types.ts';
import type { Transition } from './common.ts';
import { onTerminal } from './aborted.ts';

export function onClosed(state: ClosedState, event: ChannelEvent): Transition {
  return onTerminal(state, event, 'channel closed');
}
