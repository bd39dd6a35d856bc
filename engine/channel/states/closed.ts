/**
 * `closed` (terminal; persisted): the mutual close transaction confirmed. Everything is ignored;
 * commands are rejected.
 */
import { emit } from '../actions.ts';
import type { ChannelEvent } from '../events.ts';
import type { ClosedState } from '../types.ts';
import { type Transition, fundingTxNotWanted, stay, unreachable } from './common.ts';

export function onClosed(state: ClosedState, event: ChannelEvent): Transition {
  switch (event.type) {
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx);
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason: 'channel closed' }));
    case 'open':
    case 'close':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel closed' }));
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'peer-connected':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    default:
      return unreachable(event);
  }
}
