/**
 * `shutting-down` (both; persisted): our `shutdown` sent; HTLCs may still be pending (BOLT 2
 * "Closing Initiation": after a shutdown no new adds, but pending HTLCs are still fulfilled or
 * failed through the commitment dance). Trace:
 *
 *   shutdown (valid script, matches its upfront_shutdown_script) ──▶ the peer's script kept;
 *     with no HTLC and no update pending: negotiating-closing (persisted; funder: first
 *     closing_signed sent), else stays (persisted) until they are gone
 *   shutdown (bad script) → warning + disconnect, state kept
 *   HTLC commands (no add-htlc) and updates, update_fee, commitment_signed, revoke_and_ack,
 *     tick → states/dance.ts; after each, once both shutdowns are known and nothing is pending,
 *     negotiating-closing (persisted with the dance's result; its sends first)
 *   update_add_htlc after the peer's shutdown: fail the channel
 *   peer-disconnected ──▶ `syncing` (persisted): HTLC commands refused until channel_reestablish
 *   closing_signed before the negotiation → warning, state kept
 *   channel_ready (retransmitted after a reconnection) → ignored
 *   error ──▶ force-closing; other channel messages → warning (common.ts)
 */
import { equalBytes } from '../../lib/bytes.ts';
import { type ChannelAction, emit } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { ShuttingDownState } from '../types.ts';
import { type Transition, copy, otherEventInFunded, persistThen, stay } from './common.ts';
import { onDance } from './dance.ts';
import { dancePending } from './normal-commit.ts';
import { checkPeerShutdown, startNegotiation, warnAndDisconnect, wrongChannel } from './shutdown.ts';

/** Both shutdowns known and nothing pending: negotiation starts (after `before`, the sends of the step that got us here). */
function maybeNegotiate(t: Transition, ctx: ChannelContext): Transition {
  const s = t.state;
  if (s.type !== 'shutting-down' || s.remoteShutdownScript === undefined) return t;
  const c = s.commitments;
  if (dancePending(c) || c.log.local.adds.length > 0 || c.log.remote.adds.length > 0) return t;
  const before: ChannelAction[] = t.actions.filter((a) => a.type !== 'persist');
  return startNegotiation(c, s.localShutdownScript, s.remoteShutdownScript, ctx, before);
}

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
    if (state.remoteShutdownScript !== undefined && equalBytes(state.remoteShutdownScript, m.scriptpubkey)) return maybeNegotiate(stay(state), ctx);
    return maybeNegotiate(persistThen({ ...state, remoteShutdownScript: copy(m.scriptpubkey) }, c.channelId), ctx);
  }
  if (event.type === 'peer-disconnected') return state.syncing ? stay(state) : persistThen({ ...state, syncing: true }, c.channelId);
  const danced = onDance(state, event, ctx);
  if (danced) return maybeNegotiate(danced, ctx);
  return otherEventInFunded(state, event, ctx);
}
