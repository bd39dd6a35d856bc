/**
 * `closing` (both; persisted): the mutual close transaction holds both signatures and was
 * broadcast (after this state was persisted); waiting for `CLOSING_CONFIRMATION_DEPTH`
 * confirmations. Trace:
 *
 *   funding-confirmed for the closing txid at depth ≥ 6 ──▶ closed (persisted)
 *   closing_signed / shutdown (late echoes of the negotiation): ignored
 *   error: ignored (nothing better than the mutual close exists); warning: emitted
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { emit } from '../actions.ts';
import { CLOSING_CONFIRMATION_DEPTH } from '../closing.ts';
import type { ChannelEvent } from '../events.ts';
import type { ClosedState, ClosingState } from '../types.ts';
import { type Transition, persistThen, stay, unreachable } from './common.ts';

/** The mutual close transaction's txid (internal byte order). */
export function closingTxid(state: ClosingState): Uint8Array {
  return Transaction.fromBuffer(state.closingTx).getHash();
}

export function onClosing(state: ClosingState, event: ChannelEvent): Transition {
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
      const next: ClosedState = { type: 'closed', channelId: state.commitments.channelId, closingTxid: txid };
      return persistThen(next, next.channelId, emit({ type: 'channel-closed', closingTxid: txid }));
    }
    case 'message': {
      const m = event.message;
      if (m.type === 'warning') return stay(state, emit({ type: 'peer-warning', text: String.fromCharCode(...m.data.filter((b) => b >= 0x20 && b < 0x7f)) }));
      return stay(state, emit({ type: 'ignored', what: m.type, reason: 'mutual close transaction already broadcast' }));
    }
    case 'open':
    case 'close':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel is closing' }));
    case 'funding-tx-built':
    case 'funding-tx-failed':
    case 'peer-connected':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    default:
      return unreachable(event);
  }
}
