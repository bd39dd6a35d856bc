/**
 * BOLT 2 "Message Retransmission" for the funded states that talk to the peer
 * (wait-for-funding-confirmed, wait-for-channel-ready, normal, shutting-down,
 * negotiating-closing). The reducer routes `peer-connected` and `channel_reestablish` here.
 *
 *   peer-connected ──▶ channel_reestablish {next_commitment_number = local index + 1,
 *     next_revocation_number = remote index, your_last_per_commitment_secret (zeros: none yet),
 *     my_current_per_commitment_point}
 *   channel_reestablish:
 *     peer ahead (next_revocation_number > our local index, or next_commitment_number > remote
 *       index + 1) and your_last_per_commitment_secret is our secret for next_revocation_number − 1
 *       (option_data_loss_protect proves we lost state) ──▶ wait-for-remote-publish (persisted):
 *       error sent asking the peer to force-close, `stale-state` emitted, our commitment NEVER broadcast
 *     peer ahead without that proof, a wrong your_last_per_commitment_secret, or an impossible
 *       number (0, or behind what it acknowledged) ──▶ error, force-closing (our latest commitment)
 *     in sync: both next_commitment_number 1 → channel_ready retransmitted (if we sent it);
 *       shutting-down / negotiating-closing → shutdown retransmitted; negotiation restarts (the
 *       funder sends a fresh closing_signed, persisted first)
 */
import { equalBytes } from '../../lib/bytes.ts';
import { perCommitmentPoint, perCommitmentSecret } from '../../keys/shachain.ts';
import type { ChannelReestablishMessage } from '../../wire/messages/channel.ts';
import { type ChannelAction, type Transition, emit, send, sendError } from '../actions.ts';
import { ourClosingProposal, ourClosingSigned } from '../closing.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { Commitments, FundedState, NegotiatingClosingState, WaitForRemotePublishState } from '../types.ts';
import { forceClose, persistThen, stay } from './common.ts';
import { ourShutdown, wrongChannel } from './shutdown.ts';

export type ReestablishingState = Extract<FundedState, { type: 'wait-for-funding-confirmed' | 'wait-for-channel-ready' | 'normal' | 'shutting-down' | 'negotiating-closing' }>;

export function isReestablishing(state: { type: string }): state is ReestablishingState {
  return ['wait-for-funding-confirmed', 'wait-for-channel-ready', 'normal', 'shutting-down', 'negotiating-closing'].includes(state.type);
}

const ZERO32 = new Uint8Array(32);

/** Our `channel_reestablish`. */
export function ourReestablish(c: Commitments, ctx: ChannelContext): ChannelReestablishMessage {
  if (c.remoteCommit.index > 0) throw new Error('channel_reestablish after revocations needs the stored peer secrets (not implemented)');
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  return {
    type: 'channel_reestablish',
    channelId: c.channelId,
    nextCommitmentNumber: BigInt(c.localCommit.index + 1),
    nextRevocationNumber: BigInt(c.remoteCommit.index),
    yourLastPerCommitmentSecret: ZERO32,
    myCurrentPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, c.localCommit.index),
  };
}

/** The last secret we revealed to the peer (zeros before the first revocation). */
function lastRevealedSecret(c: Commitments, seed: Uint8Array): Uint8Array {
  return c.localCommit.index === 0 ? ZERO32 : perCommitmentSecret(seed, c.localCommit.index - 1);
}

function staleState(state: ReestablishingState, m: ChannelReestablishMessage): Transition {
  const c = state.commitments;
  const reason = `peer proved a newer channel state (next_revocation_number ${m.nextRevocationNumber}, ours ${c.localCommit.index}): we lost data; waiting for the peer to close`;
  const next: WaitForRemotePublishState = { type: 'wait-for-remote-publish', commitments: c, remoteCurrentPerCommitmentPoint: m.myCurrentPerCommitmentPoint.slice() };
  return persistThen(next, c.channelId, sendError(c.channelId, 'we lost channel state; please force-close'), emit({ type: 'stale-state', reason }));
}

function retransmissions(state: ReestablishingState, m: ChannelReestablishMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const sends: ChannelAction[] = [];
  if (m.nextCommitmentNumber === 1n && c.localCommit.index === 0 && state.type !== 'wait-for-funding-confirmed') {
    sends.push(
      send({
        type: 'channel_ready',
        channelId: c.channelId,
        secondPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, 1),
        ...(state.type === 'wait-for-channel-ready' || state.type === 'normal' ? { shortChannelIdAlias: state.localAlias } : {}),
      }),
    );
  }
  if (state.type === 'shutting-down') return stay(state, ...sends, send(ourShutdown(c, state.localShutdownScript)));
  if (state.type === 'negotiating-closing') {
    sends.push(send(ourShutdown(c, state.localShutdownScript)));
    // BOLT 2: negotiation restarts on reconnection.
    if (!c.isFunder) {
      if (state.lastSent === undefined) return stay(state, ...sends);
      const { lastSent: _dropped, ...rest } = state;
      return persistThen(rest as NegotiatingClosingState, c.channelId, ...sends);
    }
    const lastSent = ourClosingProposal(c, state, ctx.feeratePerKw);
    const msg = ourClosingSigned(c, state, lastSent, keys);
    const next: NegotiatingClosingState = { ...state, lastSent };
    const same = state.lastSent && state.lastSent.feeSat === lastSent.feeSat && state.lastSent.minFeeSat === lastSent.minFeeSat && state.lastSent.maxFeeSat === lastSent.maxFeeSat;
    return same ? stay(state, ...sends, send(msg)) : persistThen(next, c.channelId, ...sends, send(msg));
  }
  return stay(state, ...sends);
}

export function onReestablishing(state: ReestablishingState, event: { type: 'peer-connected' } | { type: 'message'; message: ChannelReestablishMessage }, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (event.type === 'peer-connected') return stay(state, send(ourReestablish(c, ctx)));
  const m = event.message;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'channel_reestablish');
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const localIndex = BigInt(c.localCommit.index);
  const remoteIndex = BigInt(c.remoteCommit.index);
  const ahead = m.nextRevocationNumber > localIndex || m.nextCommitmentNumber > remoteIndex + 1n;
  if (ahead) {
    const n = m.nextRevocationNumber;
    const proved = n >= 1n && n - 1n <= 2n ** 48n - 1n && equalBytes(m.yourLastPerCommitmentSecret, perCommitmentSecret(keys.shachainSeed, Number(n - 1n)));
    if (proved) return staleState(state, m);
    return forceClose(state, `channel_reestablish claims a state ahead of ours (next_commitment_number ${m.nextCommitmentNumber}, next_revocation_number ${m.nextRevocationNumber}) without proof`, true, ctx);
  }
  if (!equalBytes(m.yourLastPerCommitmentSecret, lastRevealedSecret(c, keys.shachainSeed))) {
    return forceClose(state, 'channel_reestablish your_last_per_commitment_secret is not the last secret we revealed', true, ctx);
  }
  if (m.nextCommitmentNumber !== remoteIndex + 1n || m.nextRevocationNumber !== localIndex) {
    return forceClose(
      state,
      `impossible channel_reestablish: next_commitment_number ${m.nextCommitmentNumber} (expected ${remoteIndex + 1n}), next_revocation_number ${m.nextRevocationNumber} (expected ${localIndex})`,
      true,
      ctx,
    );
  }
  return retransmissions(state, m, ctx);
}
