/**
 * BOLT 2 "Message Retransmission" for the funded states that talk to the peer
 * (wait-for-funding-confirmed, wait-for-channel-ready, normal, shutting-down,
 * negotiating-closing). The reducer routes `peer-connected` and `channel_reestablish` here.
 * L = localCommit.index, R = remoteCommit.index, S = the last commitment_signed we sent
 * (R + 1 while it waits for its revoke_and_ack, else R).
 *
 *   peer-connected ──▶ updates no commitment_signed covered are dropped from the log (both
 *     sides forget them; our dropped adds are reported `htlc-failed` with a localReason; our
 *     unsigned fulfills and fails are kept, to re-send), normal / shutting-down marked `syncing` (commands
 *     refused; persisted if anything changed), then channel_reestablish {next_commitment_number =
 *     L + 1, next_revocation_number = R, your_last_per_commitment_secret = the peer's secret of
 *     R − 1 from the stored shachain (zeros when R = 0), my_current_per_commitment_point = ours of L}
 *   channel_reestablish:
 *     next_revocation_number > L and your_last_per_commitment_secret is our secret for
 *       next_revocation_number − 1 (option_data_loss_protect proves we lost state) ──▶
 *       wait-for-remote-publish (persisted): error sent asking the peer to force-close,
 *       `stale-state` emitted, our commitment NEVER broadcast
 *     next_revocation_number > L without that proof, next_commitment_number > S + 1 (a
 *       commitment we never signed), a wrong your_last_per_commitment_secret, or an impossible
 *       number (next_revocation_number below L − 1, next_commitment_number below S, or S when
 *       nothing is pending) ──▶ error, force-closing (our latest commitment, never revoked)
 *     in sync: `syncing` cleared (persisted, `channel-reestablished` emitted); both next_commitment_number 1 → channel_ready retransmitted (if we sent it);
 *       next_revocation_number = L − 1 → our last revoke_and_ack retransmitted;
 *       next_commitment_number = S while ours is pending → the updates of ours it covered
 *       (update_fee, fulfills, fails, adds with their onions) and the same commitment_signed
 *       retransmitted — in the order first sent relative to our revoke_and_ack; then our kept
 *       unsigned fulfills / fails again, and a commitment_signed for them when we may sign;
 *       shutting-down / negotiating-closing → shutdown retransmitted; negotiation restarts (the
 *       funder sends a fresh closing_signed, persisted first)
 */
import { equalBytes } from '../../lib/bytes.ts';
import { ShachainStore, perCommitmentPoint, perCommitmentSecret } from '../../keys/shachain.ts';
import type { ChannelReestablishMessage } from '../../wire/messages/channel.ts';
import { type ChannelAction, type Transition, emit, send, sendError } from '../actions.ts';
import { ourClosingProposal, ourClosingSigned } from '../closing.ts';
import { keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { Commitments, FundedState, NegotiatingClosingState, WaitForRemotePublishState } from '../types.ts';
import { forceClose, persistThen, stay } from './common.ts';
import { ourShutdown, wrongChannel } from './shutdown.ts';
import { dropUnsignedUpdates, unsignedLocalAdds, unsignedLocalResolutions } from '../htlc-log.ts';
import { updateMessages } from './htlc-messages.ts';
import { retransmitCommitment, revokeAndAckFor, signIfNeeded } from './normal-commit.ts';

export type ReestablishingState = Extract<FundedState, { type: 'wait-for-funding-confirmed' | 'wait-for-channel-ready' | 'normal' | 'shutting-down' | 'negotiating-closing' }>;

export function isReestablishing(state: { type: string }): state is ReestablishingState {
  return ['wait-for-funding-confirmed', 'wait-for-channel-ready', 'normal', 'shutting-down', 'negotiating-closing'].includes(state.type);
}

const ZERO32 = new Uint8Array(32);

/** The peer's last revealed secret (of commitment R − 1), zeros before its first revocation. */
function lastReceivedSecret(c: Commitments): Uint8Array {
  if (c.remoteCommit.index === 0) return ZERO32;
  const secret = ShachainStore.fromBytes(c.remoteSecrets).secretOfCommitment(c.remoteCommit.index - 1);
  if (!secret) throw new Error(`the peer's secret of commitment ${c.remoteCommit.index - 1} is not stored`);
  return secret;
}

/** Our `channel_reestablish`. */
export function ourReestablish(c: Commitments, ctx: ChannelContext): ChannelReestablishMessage {
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  return {
    type: 'channel_reestablish',
    channelId: c.channelId,
    nextCommitmentNumber: BigInt(c.localCommit.index + 1),
    nextRevocationNumber: BigInt(c.remoteCommit.index),
    yourLastPerCommitmentSecret: lastReceivedSecret(c),
    myCurrentPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, c.localCommit.index),
  };
}

/** The number of the last commitment_signed we sent (S). */
function lastSignedRemote(c: Commitments): number {
  return c.remoteNextCommit ? c.remoteNextCommit.commit.index : c.remoteCommit.index;
}

/** Our secret the peer should hold last when it expects revocation number `n` (zeros for 0). */
function expectedSecret(n: bigint, seed: Uint8Array): Uint8Array {
  return n === 0n ? ZERO32 : perCommitmentSecret(seed, Number(n - 1n));
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
  const L = c.localCommit.index;
  // Once per connection: a repeated channel_reestablish (normal no longer syncing) must not duplicate them.
  const once = (state.type !== 'normal' && state.type !== 'shutting-down') || state.syncing === true;
  const revoke = once && L >= 1 && m.nextRevocationNumber === BigInt(L - 1) ? [send(revokeAndAckFor(c, keys))] : [];
  const commit = once && c.remoteNextCommit && m.nextCommitmentNumber === BigInt(c.remoteNextCommit.commit.index) ? retransmitCommitment(c, keys) : [];
  // Same relative order as first sent: our revoke_and_ack came after the commitment_signed iff our local index moved on since.
  if (c.remoteNextCommit && L > c.remoteNextCommit.sentAfterLocalIndex) sends.push(...commit, ...revoke);
  else sends.push(...revoke, ...commit);
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
  if (state.type === 'shutting-down') sends.push(send(ourShutdown(c, state.localShutdownScript)));
  // Our fulfills and fails no commitment_signed covered were kept (htlc-log.ts dropUnsignedUpdates): the peer forgot them, so re-send them.
  if (once && (state.type === 'normal' || state.type === 'shutting-down')) sends.push(...updateMessages(c.channelId, { adds: [], ...unsignedLocalResolutions(c.log, lastSignedRemote(c)) }).map(send));
  // The UI learns that the channel is in sync (usable) again: nothing else says so.
  const synced = state.type === 'normal' || state.type === 'shutting-down' ? (state.syncing ? [emit({ type: 'channel-reestablished', channelId: c.channelId })] : []) : [];
  if (state.type === 'shutting-down') {
    const signed = signIfNeeded(c, keys);
    const { syncing: _done, ...rest } = state;
    if (signed.sends.length > 0 || state.syncing) return persistThen({ ...rest, commitments: signed.commitments }, c.channelId, ...sends, ...signed.sends, ...synced);
    return stay(state, ...sends);
  }
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
  if (state.type === 'normal') {
    // In sync again; and changes the peer's commitment still lacks (none in the usual flow: we sign as soon as we may).
    const signed = signIfNeeded(c, keys);
    const { syncing: _done, ...rest } = state;
    if (signed.sends.length > 0 || state.syncing) return persistThen({ ...rest, commitments: signed.commitments }, c.channelId, ...sends, ...signed.sends, ...synced);
  }
  return stay(state, ...sends);
}

/** peer-connected: forget the updates no sent commitment_signed covers, then our channel_reestablish. */
function connected(state: ReestablishingState, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const dropped = unsignedLocalAdds(c.log, lastSignedRemote(c));
  const log = dropUnsignedUpdates(c.log, lastSignedRemote(c));
  const marks = state.type === 'normal' || state.type === 'shutting-down';
  const syncing = marks && !state.syncing;
  if (log === c.log && !syncing) return stay(state, send(ourReestablish(c, ctx)));
  const next = { ...state, commitments: { ...c, log }, ...(marks ? { syncing: true } : {}) } as ReestablishingState;
  // Our adds the peer never got a signature for are forgotten: the node may retry them elsewhere.
  const failed = dropped.map((a) =>
    emit({ type: 'htlc-failed', channelId: c.channelId, htlcId: a.id, tag: a.tag ?? '', localReason: 'the HTLC was not signed before the connection dropped; it never reached the peer' }),
  );
  return persistThen(next, c.channelId, send(ourReestablish(next.commitments, ctx)), ...failed);
}

export function onReestablishing(state: ReestablishingState, event: { type: 'peer-connected' } | { type: 'message'; message: ChannelReestablishMessage }, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (event.type === 'peer-connected') return connected(state, ctx);
  const m = event.message;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'channel_reestablish');
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const L = BigInt(c.localCommit.index);
  const S = BigInt(lastSignedRemote(c));
  const pending = c.remoteNextCommit !== undefined;
  const numbers = `next_commitment_number ${m.nextCommitmentNumber}, next_revocation_number ${m.nextRevocationNumber}`;
  if (m.nextRevocationNumber > L) {
    const n = m.nextRevocationNumber;
    const proved = n - 1n <= 2n ** 48n - 1n && equalBytes(m.yourLastPerCommitmentSecret, perCommitmentSecret(keys.shachainSeed, Number(n - 1n)));
    if (proved) return staleState(state, m);
    return forceClose(state, `channel_reestablish claims a state ahead of ours (${numbers}) without proof`, true, ctx);
  }
  if (m.nextCommitmentNumber > S + 1n) {
    return forceClose(state, `channel_reestablish claims a state ahead of ours (${numbers}; we signed up to ${S})`, true, ctx);
  }
  if (!equalBytes(m.yourLastPerCommitmentSecret, expectedSecret(m.nextRevocationNumber, keys.shachainSeed))) {
    return forceClose(state, 'channel_reestablish your_last_per_commitment_secret is not the last secret we revealed', true, ctx);
  }
  const revocationOk = m.nextRevocationNumber === L || (L >= 1n && m.nextRevocationNumber === L - 1n);
  const commitmentOk = m.nextCommitmentNumber === S + 1n || (pending && m.nextCommitmentNumber === S);
  if (!revocationOk || !commitmentOk) {
    return forceClose(
      state,
      `impossible channel_reestablish: ${numbers} (expected next_commitment_number ${pending ? `${S} or ` : ''}${S + 1n}, next_revocation_number ${L >= 1n ? `${L - 1n} or ` : ''}${L})`,
      true,
      ctx,
    );
  }
  return retransmissions(state, m, ctx);
}
