/**
 * `normal` (both; persisted): both channel_ready exchanged, commitment #0 signed both ways, the
 * peer's next per-commitment point known. Trace (for now):
 *
 *   channel_ready repeated → same point: ignored (new alias: kept, persisted); other point: warning
 *   close command (valid script, equal to our upfront_shutdown_script if any; none of our
 *     updates unsigned) ──▶ shutting-down (persisted, then our shutdown sent; HTLCs may be
 *     pending); a bad script or unsigned updates of ours: command rejected
 *   shutdown (valid script, equal to the peer's upfront_shutdown_script if any) ──▶ no HTLC and
 *     no update pending: negotiating-closing (persisted; then our shutdown, and as funder our
 *     first closing_signed); otherwise shutting-down with both scripts (persisted; our shutdown
 *     sent) until the HTLCs are gone; while updates of ours are unsigned (a revoke_and_ack is
 *     pending), the peer's script is kept (persisted) and our answer follows the step that signs
 *     them (BOLT 2: no shutdown with updates outstanding). A bad script: warning + disconnect
 *   peer-connected / channel_reestablish → states/reestablish.ts (routed by the reducer);
 *   peer-disconnected ──▶ `syncing` (persisted): commands refused until the peer's channel_reestablish
 *   HTLC commands and updates, update-fee / update_fee / commitment_signed / revoke_and_ack,
 *   tick (HTLC deadlines) → states/dance.ts (the commitment dance on the update log); the peer's
 *   shutdown while adds of ours are unsigned: warning + disconnect (the reconnection drops them)
 *   funding-confirmed, zero-conf (no short_channel_id yet) ──▶ short_channel_id recorded (zero-conf.ts)
 *   error ──▶ force-closing
 */
import { equalBytes } from '../../lib/bytes.ts';
import type { ChannelReadyMessage } from '../../wire/messages/channel.ts';
import type { ShutdownMessage } from '../../wire/messages/channel-close.ts';
import { type ChannelAction, emit, send, sendWarning } from '../actions.ts';
import { fallbackShutdownScript, isValidShutdownScript } from '../closing.ts';
import type { CloseCommand } from '../events.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { NormalState, ShuttingDownState } from '../types.ts';
import { type Transition, copy, otherEventInFunded, persistThen, stay, unreachable } from './common.ts';
import { checkPeerShutdown, ourShutdown, startNegotiation, warnAndDisconnect, wrongChannel } from './shutdown.ts';
import { remoteReadyUpdate } from './ready.ts';
import { zeroConfFundingConfirmed } from './zero-conf.ts';
import { dancePending } from './normal-commit.ts';
import { onDance } from './dance.ts';
import { remoteHasChanges } from '../htlc-log.ts';

function channelReady(state: NormalState, m: ChannelReadyMessage): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return stay(state, sendWarning(c.channelId, 'channel_ready for another channel_id'));
  const existing = c.remoteNextPerCommitmentPoint
    ? { secondPerCommitmentPoint: c.remoteNextPerCommitmentPoint, ...(state.remoteAlias !== undefined ? { alias: state.remoteAlias } : {}) }
    : undefined;
  const u = remoteReadyUpdate(existing, m);
  switch (u.kind) {
    case 'same':
      return stay(state);
    case 'conflict':
    case 'new':
      return stay(state, sendWarning(c.channelId, 'channel_ready repeated with a different second_per_commitment_point; ignored'));
    case 'alias':
      return persistThen({ ...state, remoteAlias: u.ready.alias as bigint }, c.channelId);
    default:
      return unreachable(u);
  }
}

function close(state: NormalState, cmd: CloseCommand, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const reject = (reason: string): Transition => stay(state, emit({ type: 'command-rejected', command: 'close', reason }));
  if (!(cmd.scriptPubKey instanceof Uint8Array)) return reject('scriptPubKey must be bytes');
  if (state.syncing) return reject('the peer is not connected, or channel_reestablish is not done yet');
  if (state.remoteShutdownScript !== undefined) return reject('the peer is closing the channel already; our shutdown follows once our updates are signed');
  if (remoteHasChanges(c.log)) return reject('updates of ours are not signed yet; try again once the peer has our commitment_signed');
  if (!isValidShutdownScript(cmd.scriptPubKey, { anySegwit: ctx.shutdownAnySegwit === true })) {
    return reject('scriptPubKey must be P2WPKH, P2WSH or (with option_shutdown_anysegwit negotiated) a witness program such as P2TR');
  }
  const upfront = c.localParams.upfrontShutdownScript;
  if (upfront !== undefined && upfront.length > 0 && !equalBytes(upfront, cmd.scriptPubKey)) {
    return reject('scriptPubKey differs from the upfront_shutdown_script this channel committed to');
  }
  const next: ShuttingDownState = { type: 'shutting-down', commitments: c, localShutdownScript: copy(cmd.scriptPubKey) };
  return persistThen(next, c.channelId, send(ourShutdown(c, next.localShutdownScript)));
}

/** Where our balance goes when the peer starts the close: upfront script, else the node's, else P2WPKH of our payment basepoint. */
function responderScript(state: NormalState, ctx: ChannelContext): Uint8Array {
  const c = state.commitments;
  const upfront = c.localParams.upfrontShutdownScript;
  if (upfront !== undefined && upfront.length > 0) return upfront;
  const given = ctx.shutdownScriptPubKey;
  if (given !== undefined && isValidShutdownScript(given, { anySegwit: ctx.shutdownAnySegwit === true })) return given;
  return fallbackShutdownScript(c);
}

function shutdown(state: NormalState, m: ShutdownMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'shutdown');
  const bad = checkPeerShutdown(c, m, ctx);
  if (bad) return warnAndDisconnect(state, bad);
  // BOLT 2: we answer once no update of ours is outstanding (unsigned ones wait for the peer's revoke_and_ack).
  if (remoteHasChanges(c.log)) return persistThen({ ...state, remoteShutdownScript: copy(m.scriptpubkey) }, c.channelId);
  return answerShutdown(state, m.scriptpubkey, ctx, []);
}

/** Our shutdown in answer to the peer's: negotiation at once with nothing pending, else shutting-down until the HTLCs are gone. */
function answerShutdown(state: NormalState, remoteScript: Uint8Array, ctx: ChannelContext, before: ChannelAction[]): Transition {
  const c = state.commitments;
  const local = responderScript(state, ctx);
  if (!dancePending(c) && c.log.local.adds.length === 0 && c.log.remote.adds.length === 0) return startNegotiation(c, local, remoteScript, ctx, [...before, send(ourShutdown(c, local))]);
  const next: ShuttingDownState = { type: 'shutting-down', commitments: c, localShutdownScript: copy(local), remoteShutdownScript: copy(remoteScript) };
  return persistThen(next, c.channelId, ...before, send(ourShutdown(c, local)));
}

/** After a step of the dance: a shutdown the peer sent while updates of ours were unsigned is answered once they are signed. */
function answerPendingShutdown(t: Transition, ctx: ChannelContext): Transition {
  const s = t.state;
  if (s.type !== 'normal' || s.remoteShutdownScript === undefined || remoteHasChanges(s.commitments.log)) return t;
  const { remoteShutdownScript, ...rest } = s;
  return answerShutdown(rest, remoteShutdownScript, ctx, t.actions.filter((a) => a.type !== 'persist'));
}

export function onNormal(state: NormalState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'channel_ready') return channelReady(state, event.message);
  if (event.type === 'message' && event.message.type === 'shutdown') return shutdown(state, event.message, ctx);
  if (event.type === 'close') return close(state, event, ctx);
  if (event.type === 'funding-confirmed') return zeroConfFundingConfirmed(state, event);
  if (event.type === 'peer-disconnected') return state.syncing ? stay(state) : persistThen({ ...state, syncing: true }, state.commitments.channelId);
  const danced = onDance(state, event, ctx);
  return danced ? answerPendingShutdown(danced, ctx) : otherEventInFunded(state, event, ctx);
}
