/**
 * `shutdown` handling shared by `normal` (we answer the peer's) and `shutting-down` (the peer
 * answers ours), and entering `negotiating-closing` (BOLT 2 "Closing Initiation: shutdown").
 * Once both `shutdown`s are exchanged and no HTLC remains (states/shutting-down.ts waits for
 * that), negotiation starts at once: the funder sends the first `closing_signed` in the same
 * batch, after the state holding it is persisted.
 */
import { equalBytes } from '../../lib/bytes.ts';
import type { ShutdownMessage } from '../../wire/messages/channel-close.ts';
import { type ChannelAction, type Transition, emit, send, sendWarning } from '../actions.ts';
import { isValidShutdownScript, ourClosingProposal, ourClosingSigned } from '../closing.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { Commitments, FundedState, NegotiatingClosingState } from '../types.ts';
import { copy, persistThen, stay } from './common.ts';

/** Why the peer's `shutdown` is unacceptable, or undefined. */
export function checkPeerShutdown(c: Commitments, m: ShutdownMessage, ctx: ChannelContext): string | undefined {
  if (!isValidShutdownScript(m.scriptpubkey, { anySegwit: ctx.shutdownAnySegwit === true })) {
    return 'shutdown scriptpubkey is not P2WPKH, P2WSH or (with option_shutdown_anysegwit) a witness program';
  }
  const upfront = c.remoteParams.upfrontShutdownScript;
  if (upfront !== undefined && upfront.length > 0 && !equalBytes(upfront, m.scriptpubkey)) {
    return 'shutdown scriptpubkey does not match upfront_shutdown_script';
  }
  return undefined;
}

/** BOLT 2: a bad `shutdown` (or a failed negotiation) gets a `warning` and the connection is closed; the state is kept. */
export function warnAndDisconnect(state: FundedState, reason: string, ...extra: ChannelAction[]): Transition {
  return stay(state, sendWarning(state.commitments.channelId, reason), ...extra, { type: 'close-connection', reason });
}

/**
 * Both `shutdown`s known: `negotiating-closing`, persisted; then `before` (our `shutdown` when
 * answering), then — funder only — our first `closing_signed`.
 */
export function startNegotiation(
  c: Commitments,
  localShutdownScript: Uint8Array,
  remoteShutdownScript: Uint8Array,
  ctx: ChannelContext,
  before: ChannelAction[],
): Transition {
  const scripts = { localShutdownScript: copy(localShutdownScript), remoteShutdownScript: copy(remoteShutdownScript) };
  if (!c.isFunder) {
    const next: NegotiatingClosingState = { type: 'negotiating-closing', commitments: c, ...scripts };
    return persistThen(next, c.channelId, ...before);
  }
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const lastSent = ourClosingProposal(c, scripts, ctx.feeratePerKw);
  const msg = ourClosingSigned(c, scripts, lastSent, keys);
  const next: NegotiatingClosingState = { type: 'negotiating-closing', commitments: c, ...scripts, lastSent };
  return persistThen(next, c.channelId, ...before, send(msg));
}

/** Our `shutdown` message. */
export function ourShutdown(c: Commitments, script: Uint8Array): ShutdownMessage {
  return { type: 'shutdown', channelId: c.channelId, scriptpubkey: script };
}

/** A `shutdown` for another channel id. */
export function wrongChannel(state: FundedState, what: string): Transition {
  return stay(state, sendWarning(state.commitments.channelId, `${what} for another channel_id`), emit({ type: 'ignored', what, reason: 'for another channel' }));
}
