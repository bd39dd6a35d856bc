/**
 * `aborted` (terminal): the establishment failed, or a funded-looking channel turned out to hold
 * nothing. Everything is ignored, except a funding transaction the wallet built too late, whose
 * coins are released.
 */
import { emit } from '../actions.ts';
import type { ChannelEvent } from '../events.ts';
import type { AbortedState, ClosedState } from '../types.ts';
import { type Transition, fundingTxNotWanted, htlcTxNotWanted, stay, unreachable } from './common.ts';

export function onAborted(state: AbortedState, event: ChannelEvent): Transition {
  return onTerminal(state, event, 'channel aborted');
}

/**
 * A terminal state (`aborted`, `closed`): messages are ignored, commands rejected, a late funding
 * transaction's coins released; nothing else happens.
 */
export function onTerminal(state: AbortedState | ClosedState, event: ChannelEvent, reason: string): Transition {
  switch (event.type) {
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx);
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason }));
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason }));
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-connected':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}
