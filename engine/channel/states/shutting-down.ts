/**
 * `shutting-down` (both; persisted): the `close` command sent our `shutdown`; waiting for the
 * peer's. Trace:
 *
 *   shutdown (valid script, matches its upfront_shutdown_script) ──▶ negotiating-closing
 *     (persisted; funder: first closing_signed sent)
 *   shutdown (bad script) → warning + disconnect, state kept
 *   closing_signed before the peer's shutdown → warning, state kept
 *   channel_ready (retransmitted after a reconnection) → ignored
 *   error ──▶ force-closing; other channel messages → warning (common.ts)
 */
import { equalBytes } from '../../lib/bytes.ts';
import { emit } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { ShuttingDownState } from '../types.ts';
import { type Transition, otherEventInFunded, stay } from './common.ts';
import { checkPeerShutdown, startNegotiation, warnAndDisconnect, wrongChannel } from './shutdown.ts';

export function onShuttingDown(state: ShuttingDownState, event: ChannelEvent, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (event.type === 'close') return stay(state, emit({ type: 'command-rejected', command: 'close', reason: 'channel is already shutting down' }));
  // channel_ready retransmitted after a reconnection (BOLT 2: both next_commitment_number 1).
  if (event.type === 'message' && event.message.type === 'channel_ready') return stay(state);
  if (event.type === 'message' && event.message.type === 'shutdown') {
    const m = event.message;
    if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'shutdown');
    const bad = checkPeerShutdown(c, m, ctx);
    if (bad) return warnAndDisconnect(state, bad);
    return startNegotiation(c, state.localShutdownScript, m.scriptpubkey, ctx, []);
  }
  return otherEventInFunded(state, event, ctx);
}
