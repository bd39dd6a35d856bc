/**
 * `wait-for-remote-publish` (terminal; persisted): channel_reestablish proved we lost state. Our
 * commitment may be revoked, so nothing here ever broadcasts it — not even on the peer's error.
 * Every message and command is ignored (emitted); the node / BOLT 5 work finds our output in
 * the peer's commitment with `remoteCurrentPerCommitmentPoint`.
 */
import { emit } from '../actions.ts';
import type { ChannelEvent } from '../events.ts';
import type { WaitForRemotePublishState } from '../types.ts';
import { type Transition, htlcTxNotWanted, stay, unreachable } from './common.ts';

export function onWaitForRemotePublish(state: WaitForRemotePublishState, event: ChannelEvent): Transition {
  switch (event.type) {
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason: 'we lost state; waiting for the peer to force-close' }));
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'we lost state; waiting for the peer to force-close' }));
    case 'funding-tx-built':
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
