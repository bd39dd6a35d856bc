/**
 * `closing` (both; persisted): the mutual close transaction holds both signatures and was
 * broadcast (after this state was persisted); waiting for `CLOSING_CONFIRMATION_DEPTH`
 * confirmations. Trace:
 *
 *   funding-confirmed for the closing txid at depth ≥ 6 ──▶ closed (persisted)
 *   peer-connected → channel_reestablish; channel_reestablish → shutdown retransmitted (a peer
 *     that missed our last closing_signed restarts its negotiation)
 *   closing_signed (a peer that missed our reply): answered with our signature on the agreed
 *     transaction, fee_range [agreed, agreed], so a funder can still converge on it
 *   shutdown (the peer restarting the negotiation after a reconnection): as funder, our
 *     closing_signed for the agreed transaction (the funder proposes first); as fundee, ignored
 *   error: ignored (nothing better than the mutual close exists); warning: emitted
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { emit, send } from '../actions.ts';
import { CLOSING_CONFIRMATION_DEPTH, agreedClosingTx, ourClosingSigned } from '../closing.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import { ourReestablish } from './reestablish.ts';
import { ourShutdown } from './shutdown.ts';
import type { ChannelEvent } from '../events.ts';
import type { ClosedState, ClosingState } from '../types.ts';
import { type Transition, closedOrigin, htlcTxNotWanted, persistThen, stay, unreachable } from './common.ts';

/** The mutual close transaction's txid (internal byte order). */
export function closingTxid(state: ClosingState): Uint8Array {
  return Transaction.fromBuffer(state.closingTx).getHash();
}

/** Our `closing_signed` for the agreed transaction. */
function agreedClosingSigned(state: ClosingState, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const tx = agreedClosingTx(c, state, state.feeSat, closingTxid(state));
  if (!tx) return stay(state, emit({ type: 'internal-error', reason: 'the agreed closing transaction cannot be rebuilt' }));
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const p = { feeSat: state.feeSat, minFeeSat: state.feeSat, maxFeeSat: state.feeSat };
  return stay(state, send(ourClosingSigned(c, state, p, keys, tx)));
}

export function onClosing(state: ClosingState, event: ChannelEvent, ctx: ChannelContext): Transition {
  const c = state.commitments;
  switch (event.type) {
    case 'funding-confirmed': {
      const txid = closingTxid(state);
      let confirmed: Uint8Array;
      try {
        confirmed = Transaction.fromBuffer(event.rawTx).getHash();
      } catch {
        return stay(state, emit({ type: 'ignored', what: 'funding-confirmed', reason: 'transaction does not decode' }));
      }
      if (!equalBytes(confirmed, txid)) return stay(state, emit({ type: 'ignored', what: 'funding-confirmed', reason: 'not the mutual close transaction' }));
      if (event.depth < CLOSING_CONFIRMATION_DEPTH) return stay(state);
      const next: ClosedState = { type: 'closed', channelId: state.commitments.channelId, closingTxid: txid, opened: closedOrigin(state.commitments) };
      return persistThen(next, next.channelId, emit({ type: 'channel-closed', closingTxid: txid }));
    }
    case 'message': {
      const m = event.message;
      if (m.type === 'closing_signed' && equalBytes(m.channelId, c.channelId)) return agreedClosingSigned(state, ctx);
      if (m.type === 'channel_reestablish' && equalBytes(m.channelId, c.channelId)) return stay(state, send(ourShutdown(c, state.localShutdownScript)));
      // The peer restarts the negotiation after a reconnection (BOLT 2: the funder speaks first):
      // as funder, propose the agreed transaction again so it can finish its side cooperatively.
      if (m.type === 'shutdown' && equalBytes(m.channelId, c.channelId) && c.isFunder) return agreedClosingSigned(state, ctx);
      if (m.type === 'warning') return stay(state, emit({ type: 'peer-warning', text: String.fromCharCode(...m.data.filter((b) => b >= 0x20 && b < 0x7f)) }));
      return stay(state, emit({ type: 'ignored', what: m.type, reason: 'mutual close transaction already broadcast' }));
    }
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel is closing' }));
    case 'peer-connected':
      return stay(state, send(ourReestablish(c, ctx)));
    case 'funding-tx-built':
    case 'funding-tx-failed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}
