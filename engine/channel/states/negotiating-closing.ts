/**
 * `negotiating-closing` (both; persisted): both `shutdown`s exchanged, no HTLCs. Legacy
 * `closing_signed` negotiation with `fee_range` (BOLT 2 "Closing Negotiation: closing_signed"):
 *
 *   funder                                              fundee
 *   closing_signed {fee F, range RF} ▶
 *                                 F in RF ∩ RB: ◀ closing_signed {F}           ──▶ closing
 *                              else: ◀ closing_signed {G in RF ∩ RB, range RB}
 *   G in RF ∩ RB: closing_signed {G} ▶ ──▶ closing      (fee = its last sent) ──▶ closing
 *
 * Whoever holds both signatures for one fee persists `closing` (with the signed transaction),
 * then replies if it must, then broadcasts. Failures (bad signature, no overlap, a fee outside
 * the overlap, a fundee's changed fee) get a warning and a disconnect; the state is kept. A
 * `closing_signed` without `fee_range` is read as the range [fee, fee].
 *
 *   channel_ready (retransmitted after a reconnection): ignored
 *   shutdown repeated with the same script: ignored; another script: warning + disconnect
 *   error ──▶ force-closing; other channel messages → warning (common.ts)
 */
import { equalBytes } from '../../lib/bytes.ts';
import type { ClosingSignedMessage } from '../../wire/messages/channel-close.ts';
import { type ChannelAction, type Transition, emit, send } from '../actions.ts';
import type { ClosingTx } from '../bolt3/closing.ts';
import { CLOSING_CONFIRMATION_DEPTH, checkPeerClosingSigned, finalMutualClose, ourClosingProposal, ourClosingSigned } from '../closing.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { ClosingProposal, ClosingState, NegotiatingClosingState } from '../types.ts';
import { otherEventInFunded, persistThen, stay } from './common.ts';
import { warnAndDisconnect, wrongChannel } from './shutdown.ts';

function fail(state: NegotiatingClosingState, reason: string): Transition {
  return warnAndDisconnect(state, reason, emit({ type: 'closing-negotiation-failed', reason }));
}

/** Both signatures on `tx`: persist `closing`, then `before` (our matching reply), broadcast, watch. */
function agreed(state: NegotiatingClosingState, tx: ClosingTx, remoteSig: Uint8Array, feeSat: bigint, ctx: ChannelContext, before: ChannelAction[]): Transition {
  const c = state.commitments;
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const signed = finalMutualClose(tx, remoteSig, keys);
  const txid = signed.getHash();
  const next: ClosingState = {
    type: 'closing',
    commitments: c,
    localShutdownScript: state.localShutdownScript,
    remoteShutdownScript: state.remoteShutdownScript,
    feeSat,
    closingTx: signed.toBuffer(),
  };
  const out = tx.outputs[0];
  return persistThen(
    next,
    c.channelId,
    ...before,
    { type: 'broadcast', kind: 'mutual-close', rawTx: next.closingTx, txid },
    { type: 'watch-confirmations', txid, depth: CLOSING_CONFIRMATION_DEPTH, outputIndex: 0, scriptPubKey: out ? out.scriptPubKey : new Uint8Array(0) },
    emit({ type: 'channel-closing', closingTxid: txid, feeSat }),
  );
}

function closingSigned(state: NegotiatingClosingState, m: ClosingSignedMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'closing_signed');
  const tx = checkPeerClosingSigned(c, state, m);
  if (typeof tx === 'string') return fail(state, tx);
  const fee = m.feeSatoshis;
  // The peer signed what we last proposed: done.
  if (state.lastSent && fee === state.lastSent.feeSat) return agreed(state, tx, m.signature, fee, ctx, []);

  const ours: ClosingProposal = state.lastSent ?? ourClosingProposal(c, state, ctx.feeratePerKw);
  const theirMin = m.feeRange ? m.feeRange.minFeeSatoshis : fee;
  const theirMax = m.feeRange ? m.feeRange.maxFeeSatoshis : fee;
  if (theirMin > theirMax || fee < theirMin || fee > theirMax) return fail(state, `fee_satoshis ${fee} is outside the peer's own fee_range [${theirMin}, ${theirMax}]`);
  const lo = ours.minFeeSat > theirMin ? ours.minFeeSat : theirMin;
  const hi = ours.maxFeeSat < theirMax ? ours.maxFeeSat : theirMax;
  if (lo > hi) {
    return fail(state, `no overlap between our fee range [${ours.minFeeSat}, ${ours.maxFeeSat}] and the peer's [${theirMin}, ${theirMax}] sat`);
  }
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const inOverlap = fee >= lo && fee <= hi;
  if (c.isFunder || state.lastSent) {
    // The funder (or a fundee that already proposed) may only take a fee in the overlap… and a fundee only its own.
    if (!c.isFunder) return fail(state, `fee_satoshis ${fee} differs from the ${state.lastSent!.feeSat} sat we proposed`);
    if (!inOverlap) return fail(state, `fee_satoshis ${fee} is outside the overlap [${lo}, ${hi}] of both fee ranges`);
  }
  if (inOverlap) {
    // Accept: reply with the same fee, signing the very transaction the peer signed.
    const reply = ourClosingSigned(c, state, { ...ours, feeSat: fee }, keys, tx);
    return agreed(state, tx, m.signature, fee, ctx, [send(reply)]);
  }
  // Fundee, first answer: propose a fee in the overlap (our estimate, clamped).
  const proposal: ClosingProposal = { ...ours, feeSat: ours.feeSat < lo ? lo : ours.feeSat > hi ? hi : ours.feeSat };
  const msg = ourClosingSigned(c, state, proposal, keys);
  return persistThen({ ...state, lastSent: proposal }, c.channelId, send(msg));
}

export function onNegotiatingClosing(state: NegotiatingClosingState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'close') return stay(state, emit({ type: 'command-rejected', command: 'close', reason: 'channel is already closing' }));
  if (event.type === 'message') {
    const m = event.message;
    if (m.type === 'closing_signed') return closingSigned(state, m, ctx);
    if (m.type === 'channel_ready') return stay(state); // retransmitted after a reconnection
    if (m.type === 'shutdown') {
      if (!equalBytes(m.channelId, state.commitments.channelId)) return wrongChannel(state, 'shutdown');
      if (equalBytes(m.scriptpubkey, state.remoteShutdownScript)) return stay(state);
      return warnAndDisconnect(state, 'shutdown repeated with a different scriptpubkey');
    }
  }
  return otherEventInFunded(state, event, ctx);
}
