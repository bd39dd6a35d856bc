/**
 * The events `normal` and `shutting-down` share: the HTLC commands and update messages
 * (normal-htlc.ts), update_fee, commitment_signed and revoke_and_ack (normal-commit.ts), and the
 * HTLC deadlines on each tick. Commands are refused before the peer's channel_reestablish
 * (`syncing`) and new adds after any
 * `shutdown` (BOLT 2 "Closing Initiation").
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 */
import { emit } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import { type Transition, stay } from './common.ts';
import { type DancingState, fail, receiveCommitmentSigned, receiveRevokeAndAck, receiveUpdateFee, updateFeeCommand } from './normal-commit.ts';
import {
  addHtlcCommand,
  failHtlcCommand,
  failMalformedHtlcCommand,
  fulfillHtlcCommand,
  htlcDeadlineProblem,
  receiveUpdateAddHtlc,
  receiveUpdateFailHtlc,
  receiveUpdateFailMalformedHtlc,
  receiveUpdateFulfillHtlc,
} from './normal-htlc.ts';

const SYNCING = 'the peer is not connected, or channel_reestablish is not done yet';

/** The dance's answer to `event`, or undefined when the state handles it itself. */
export function onDance(state: DancingState, event: ChannelEvent, ctx: ChannelContext): Transition | undefined {
  const syncing = state.syncing === true;
  const reject = (command: string, reason: string): Transition => stay(state, emit({ type: 'command-rejected', command, reason }));
  switch (event.type) {
    case 'add-htlc':
      if (state.type !== 'normal' || state.remoteShutdownScript !== undefined) return reject(event.type, 'the channel is closing: no new HTLCs after shutdown');
      if (syncing) return reject(event.type, SYNCING);
      return addHtlcCommand(state, event, ctx);
    case 'fulfill-htlc':
      return syncing ? reject(event.type, SYNCING) : fulfillHtlcCommand(state, event, ctx);
    case 'fail-htlc':
      return syncing ? reject(event.type, SYNCING) : failHtlcCommand(state, event, ctx);
    case 'fail-malformed-htlc':
      return syncing ? reject(event.type, SYNCING) : failMalformedHtlcCommand(state, event, ctx);
    case 'update-fee':
      if (state.type !== 'normal') return reject(event.type, 'the channel is closing');
      return syncing ? reject(event.type, SYNCING) : updateFeeCommand(state, event, ctx);
    case 'tick': {
      const problem = htlcDeadlineProblem(state.commitments, ctx);
      return problem ? fail(state, problem, ctx) : undefined;
    }
    case 'message': {
      const m = event.message;
      switch (m.type) {
        case 'update_add_htlc':
          return receiveUpdateAddHtlc(state, m, ctx, state.remoteShutdownScript !== undefined);
        case 'update_fulfill_htlc':
          return receiveUpdateFulfillHtlc(state, m, ctx);
        case 'update_fail_htlc':
          return receiveUpdateFailHtlc(state, m, ctx);
        case 'update_fail_malformed_htlc':
          return receiveUpdateFailMalformedHtlc(state, m, ctx);
        case 'update_fee':
          return receiveUpdateFee(state, m, ctx);
        case 'commitment_signed':
          return receiveCommitmentSigned(state, m, ctx);
        case 'revoke_and_ack':
          return receiveRevokeAndAck(state, m, ctx);
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}
