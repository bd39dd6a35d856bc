/**
 * `aborted` (terminal): the establishment failed, or a funded-looking channel turned out to hold
 * nothing. Everything is ignored, except a funding transaction the wallet built too late, whose
 * coins are released.
 */
import { emit } from '../actions.ts';
import type { ChannelEvent } from '../events.ts';
import type { AbortedState } from '../types.ts';
import { type Transition, fundingTxNotWanted, stay, unreachable } from './common.ts';

export function onAborted(state: AbortedState, event: ChannelEvent): Transition {
  switch (event.type) {
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx);
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason: 'channel aborted' }));
    case 'open':
    case 'close':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel aborted' }));
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
