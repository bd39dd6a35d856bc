/**
 * `normal` (and `shutting-down` while HTLCs remain): the commitment dance (BOLT 2 "Normal
 * Operation") on the update log of htlc-log.ts, for `update_fee` here and the HTLC updates of
 * normal-htlc.ts. Every commitment's spec (balances, feerate, HTLCs) derives from the log
 * (htlc-spec.ts). Trace:
 *
 *   update-fee command (funder; ≥ 253; affordable over the reserve, or lower than now)
 *     ──▶ log += our fee update; update_fee sent; and unless a revoke_and_ack is pending,
 *         commitment_signed for the peer's next commitment (persisted first, with the pending
 *         commitment, so it can be retransmitted exactly)
 *   update_fee (peer is the funder; within ChannelLimits.updateFee*; affordable on our current
 *     commitment) ──▶ log += the peer's fee update (persisted); nothing sent
 *   commitment_signed (valid, LOW-S signature on our next commitment; one valid LOW-S HTLC
 *     signature per untrimmed HTLC output in output order, kept in localCommit for BOLT 5)
 *     ──▶ our new commitment, our previous one revoked: persisted, then
 *     revoke_and_ack (our old secret, our next point), then commitment_signed if the peer's
 *     commitment has changes we have not signed. A commitment_signed without changes is
 *     accepted (a new commitment with the same content, as eclair does for other nodes).
 *   revoke_and_ack (a commitment_signed of ours pending; the secret derives the point of the
 *     peer's revoked commitment and fits the shachain) ──▶ the pending commitment becomes the
 *     peer's current one, its secret is stored (persisted); then commitment_signed if more changes
 *     wait (e.g. an update_fee we sent meanwhile)
 *   After either revocation: the peer's HTLCs now irrevocably committed are reported once
 *   (`htlc-received`); HTLCs whose removal is irrevocable leave the log (ours failed by the peer:
 *   `htlc-failed`; fulfilled ones were reported on receipt of the preimage).
 *   Our commitment_signed carries our signature of each of the peer's HTLC transactions.
 *   Anything wrong — fee update from the fundee, out-of-bounds or unaffordable feerate, a bad
 *   signature, a wrong number of HTLC signatures, a revoke_and_ack with nothing pending, a bad
 *   secret — fails the channel: `error` sent, our current (never a revoked) commitment
 *   broadcast, `force-closing` (states/common.ts `forceClose`).
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#updating-fees-update_fee
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#committing-updates-so-far-commitment_signed
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#completing-the-transition-to-the-updated-state-revoke_and_ack
 */
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ShachainStore, perCommitmentPoint, perCommitmentSecret } from '../../keys/shachain.ts';
import type { ChannelKeys } from '../../keys/keychain.ts';
import type { CommitmentSignedMessage, RevokeAndAckMessage, UpdateFeeMessage } from '../../wire/messages/channel-update.ts';
import { type ChannelAction, type EmitAction, emit, send } from '../actions.ts';
import { funderCommitmentCost, isHtlcTrimmed, trimHtlcs } from '../bolt3/fees.ts';
import { dustExposureMsat } from '../htlc-limits.ts';
import { hasAnchors } from '../bolt3/types.ts';
import { badRemoteHtlcSignature, buildLocalCommitment, buildRemoteCommitment, checkRemoteSignature, keysFor, signRemoteCommitment, signRemoteHtlcs } from '../commitments.ts';
import { commitmentSpecAt, newlyCommittedIncoming } from '../htlc-spec.ts';
import { type HtlcLog, pruneResolvedHtlcs, ourUpdatesSignedAt } from '../htlc-log.ts';
import { updateMessages } from './htlc-messages.ts';
import type { ChannelContext } from '../context.ts';
import type { UpdateFeeCommand } from '../events.ts';
import {
  feeSide,
  localHasChanges,
  ourFeeUpdateSignedAt,
  pruneFeeUpdates,
  recvCtx,
  recvRev,
  recvUpdateFee,
  remoteHasChanges,
  sendCtx,
  sendRev,
  sendUpdateFee,
} from '../htlc-log.ts';
import { type ChannelLimits, type Commitments, MIN_FEERATE_PER_KW, type NormalState, type CommitmentSpec, type ShuttingDownState } from '../types.ts';

/** The states that run the commitment dance: `normal`, and `shutting-down` until no HTLC remains (BOLT 2 "Closing Initiation"). */
export type DancingState = NormalState | ShuttingDownState;
import { type Transition, forceClose, persistThen, stay } from './common.ts';
import { wrongChannel } from './shutdown.ts';
import { revokedRecordAction } from '../revoked-commitments.ts';

/** A commitment_signed is pending or some update is not yet in both commitments. */
export function dancePending(c: Commitments): boolean {
  return c.remoteNextCommit !== undefined || remoteHasChanges(c.log) || localHasChanges(c.log);
}

/** The newest feerate the funder asked for (pending or in force). */
export function latestFeerate(c: Commitments): number {
  const updates = c.log[feeSide(c.log)].feeUpdates;
  return (updates[updates.length - 1] as { feeratePerKw: number }).feeratePerKw;
}

/** The update_fee bounds we accept from a funding peer (see `ChannelLimits.updateFeeMinRatio`). */
export function updateFeeBounds(limits: ChannelLimits, estimatePerKw: number, anchors: boolean): { min: number; max: number } {
  const e = Math.max(estimatePerKw, MIN_FEERATE_PER_KW);
  const min = anchors ? MIN_FEERATE_PER_KW : Math.max(MIN_FEERATE_PER_KW, Math.floor(e * limits.updateFeeMinRatio));
  return { min, max: Math.ceil(e * limits.updateFeeMaxRatio) };
}

/** The funder's balance (from `spec`, a commitment spec of ours) and what a commitment at `feeratePerKw` costs it (its untrimmed HTLC outputs included), in sat. */
function funderCost(c: Commitments, spec: CommitmentSpec, feeratePerKw: number): { balanceSat: bigint; costSat: bigint } {
  const balanceMsat = c.isFunder ? spec.toLocalMsat : spec.toRemoteMsat;
  const untrimmed = trimHtlcs(spec.htlcs, c.localParams.dustLimitSat, feeratePerKw, c.channelType).untrimmed.length;
  return { balanceSat: balanceMsat / 1000n, costSat: funderCommitmentCost(feeratePerKw, c.channelType, untrimmed) };
}

export function peerKeys(c: Commitments, ctx: ChannelContext): ChannelKeys {
  return keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
}

/** Our commitment_signed for the peer's pending commitment (deterministic: the same bytes every time). */
export function commitmentSignedFor(c: Commitments, keys: ChannelKeys): CommitmentSignedMessage {
  const pending = c.remoteNextCommit;
  if (!pending) throw new Error('no remote commitment is pending');
  const commitment = buildRemoteCommitment(c, pending.commit.index, pending.commit.spec, pending.commit.remotePerCommitmentPoint);
  return { type: 'commitment_signed', channelId: c.channelId, signature: signRemoteCommitment(commitment, keys), htlcSignatures: signRemoteHtlcs(commitment, keys) };
}

/**
 * The messages that re-send our pending commitment_signed: the updates of ours it covered first
 * (update_fee, fulfills and fails, adds by id with their onions), then the same signature.
 */
export function retransmitCommitment(c: Commitments, keys: ChannelKeys): ChannelAction[] {
  const pending = c.remoteNextCommit;
  if (!pending) return [];
  const out: ChannelAction[] = [];
  const fee = c.isFunder ? ourFeeUpdateSignedAt(c.log, pending.commit.index) : undefined;
  if (fee) out.push(send({ type: 'update_fee', channelId: c.channelId, feeratePerKw: fee.feeratePerKw }));
  out.push(...updateMessages(c.channelId, ourUpdatesSignedAt(c.log, pending.commit.index)).map(send));
  out.push(send(commitmentSignedFor(c, keys)));
  return out;
}

/** An incoming HTLC of this amount is trimmed on our commitment or the peer's (at our current feerate). */
function isDust(c: Commitments, amountMsat: bigint): boolean {
  const rate = c.localCommit.spec.feeratePerKw;
  return isHtlcTrimmed({ direction: 'received', amountMsat }, c.localParams.dustLimitSat, rate, c.channelType) || isHtlcTrimmed({ direction: 'offered', amountMsat }, c.remoteParams.dustLimitSat, rate, c.channelType);
}

/**
 * After a revocation (either way) from `before`: the peer's HTLCs now irrevocably committed
 * (`htlc-received`, once), HTLCs whose removal is irrevocable pruned (ours failed:
 * `htlc-failed`), superseded fee updates pruned.
 */
function afterRevocation(before: HtlcLog, c: Commitments, limits: ChannelLimits): { commitments: Commitments; events: EmitAction[] } {
  const incoming = newlyCommittedIncoming(before, c.log);
  const overDust = incoming.length > 0 && dustExposureMsat(c, c.localCommit.spec, 'local') > limits.maxDustHtlcExposureMsat;
  const events: EmitAction[] = incoming.map((a) => {
    const dust = overDust && c.localCommit.spec.htlcs.some((h) => h.direction === 'received' && h.id === a.id) && isDust(c, a.amountMsat);
    return emit({
      type: 'htlc-received',
      channelId: c.channelId,
      htlcId: a.id,
      amountMsat: a.amountMsat,
      paymentHash: a.paymentHash,
      cltvExpiry: a.cltvExpiry,
      onionRoutingPacket: a.onionRoutingPacket,
      ...(dust ? { dustExposureExceeded: true as const } : {}),
    });
  });
  const { log, resolved } = pruneResolvedHtlcs(c.log);
  for (const r of resolved) {
    if (r.offerer !== 'local' || r.kind !== 'fail') continue;
    events.push(
      emit({
        type: 'htlc-failed',
        channelId: c.channelId,
        htlcId: r.add.id,
        tag: r.add.tag ?? '',
        ...(r.removal.reason !== undefined ? { reason: r.removal.reason } : {}),
        ...(r.removal.malformed !== undefined ? { malformed: r.removal.malformed } : {}),
      }),
    );
  }
  if (resolved.length > 0) {
    const fulfilled = resolved.filter((r) => r.kind === 'settle').length;
    events.push(emit({ type: 'htlcs-settled', channelId: c.channelId, fulfilled, failed: resolved.length - fulfilled }));
  }
  return { commitments: { ...c, log: pruneFeeUpdates(log) }, events };
}

/** Our revoke_and_ack for our previous commitment (`localCommit.index − 1`). */
export function revokeAndAckFor(c: Commitments, keys: ChannelKeys): RevokeAndAckMessage {
  const index = c.localCommit.index;
  if (index < 1) throw new Error('no local commitment has been revoked');
  return {
    type: 'revoke_and_ack',
    channelId: c.channelId,
    perCommitmentSecret: perCommitmentSecret(keys.shachainSeed, index - 1),
    nextPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, index + 1),
  };
}

/** Sign the peer's next commitment when it has changes and no revoke_and_ack is pending. */
export function signIfNeeded(c: Commitments, keys: ChannelKeys): { commitments: Commitments; sends: ChannelAction[] } {
  if (c.log.remote.revackPending || !remoteHasChanges(c.log)) return { commitments: c, sends: [] };
  const point = c.remoteNextPerCommitmentPoint;
  if (!point) throw new Error("the peer's next per-commitment point is unknown");
  const index = c.remoteCommit.index + 1;
  const log = sendCtx(c.log);
  const spec = commitmentSpecAt({ ...c, log }, 'remote', index);
  const commitment = buildRemoteCommitment(c, index, spec, point);
  const next: Commitments = {
    ...c,
    log,
    remoteNextCommit: { commit: { index, spec, txid: commitment.txid, remotePerCommitmentPoint: point }, sentAfterLocalIndex: c.localCommit.index },
  };
  const msg: CommitmentSignedMessage = { type: 'commitment_signed', channelId: c.channelId, signature: signRemoteCommitment(commitment, keys), htlcSignatures: signRemoteHtlcs(commitment, keys) };
  return { commitments: next, sends: [send(msg)] };
}

export function fail(state: DancingState, reason: string, ctx: ChannelContext): Transition {
  return forceClose(state, reason, true, ctx);
}

/** Why we may not send `update_fee` at `rate` now, or undefined (the `update-fee` command's checks). */
export function updateFeeProblem(c: Commitments, rate: number): string | undefined {
  if (!c.isFunder) return 'only the funder of a channel sends update_fee';
  if (!Number.isInteger(rate) || rate < MIN_FEERATE_PER_KW || rate > 0xffffffff) return `feeratePerKw must be an integer from ${MIN_FEERATE_PER_KW} to 2^32-1, got ${String(rate)}`;
  const current = latestFeerate(c);
  if (rate === current) return `the commitment feerate is already ${rate} sat/kw`;
  if (rate > current) {
    // BOLT 2: the funder must afford the new fee on the peer's commitment, over the reserve the peer requires.
    const { balanceSat, costSat } = funderCost(c, c.localCommit.spec, rate);
    const reserve = c.remoteParams.channelReserveSat;
    if (balanceSat < costSat + reserve) return `cannot afford ${rate} sat/kw: the commitment would cost ${costSat} sat of our ${balanceSat} sat, keeping the ${reserve} sat reserve`;
  }
  return undefined;
}

/**
 * When the node, as funder, updates the fee by itself on a new tip: our estimate rose more than
 * 25% above the commitment feerate, or fell below half of it (smaller moves are not worth a
 * round trip; BOLT 2 leaves the policy to the funder). Never while a dance is pending or before
 * channel_reestablish; a raise we cannot afford over the reserve is not sent at all.
 */
export const AUTO_FEE_RAISE_RATIO = 1.25;
export const AUTO_FEE_LOWER_RATIO = 0.5;

/** The feerate to send in an automatic update_fee for `state` at our estimate, or undefined. */
export function autoFeeUpdate(state: { type: string; commitments?: Commitments; syncing?: true }, estimatePerKw: number): number | undefined {
  const c = state.commitments;
  if (state.type !== 'normal' || state.syncing || !c || !c.isFunder || dancePending(c)) return undefined;
  const rate = Math.max(MIN_FEERATE_PER_KW, Math.floor(estimatePerKw));
  const current = latestFeerate(c);
  if (rate <= current * AUTO_FEE_RAISE_RATIO && rate >= current * AUTO_FEE_LOWER_RATIO) return undefined;
  return updateFeeProblem(c, rate) === undefined ? rate : undefined;
}

/** The `update-fee` command. */
export function updateFeeCommand(state: NormalState, cmd: UpdateFeeCommand, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const rate = cmd.feeratePerKw;
  const problem = updateFeeProblem(c, rate);
  if (problem) return stay(state, emit({ type: 'command-rejected', command: 'update-fee', reason: problem }));
  const keys = peerKeys(c, ctx);
  const withUpdate: Commitments = { ...c, log: sendUpdateFee(c.log, rate) };
  const signed = signIfNeeded(withUpdate, keys);
  return persistThen({ ...state, commitments: signed.commitments }, c.channelId, send({ type: 'update_fee', channelId: c.channelId, feeratePerKw: rate }), ...signed.sends);
}

/** The peer's `update_fee`. */
export function receiveUpdateFee(state: DancingState, m: UpdateFeeMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'update_fee');
  if (c.isFunder) return fail(state, 'update_fee from the peer, which is not the funder of this channel', ctx);
  const rate = m.feeratePerKw;
  const { min, max } = updateFeeBounds(ctx.config.limits, ctx.feeratePerKw, hasAnchors(c.channelType));
  if (rate < min || rate > max) return fail(state, `update_fee feerate_per_kw ${rate} is outside ${min}..${max} sat/kw (our estimate ${ctx.feeratePerKw})`, ctx);
  const { balanceSat, costSat } = funderCost(c, c.localCommit.spec, rate);
  if (balanceSat < costSat) return fail(state, `update_fee feerate_per_kw ${rate}: the funder cannot afford the ${costSat} sat commitment fee with ${balanceSat} sat`, ctx);
  const log = recvUpdateFee(c.log, rate);
  if (log === c.log) return stay(state); // the same update_fee again
  return persistThen({ ...state, commitments: { ...c, log } }, c.channelId);
}

/** The peer's `commitment_signed` for our next commitment. */
export function receiveCommitmentSigned(state: DancingState, m: CommitmentSignedMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'commitment_signed');
  if (c.log.local.revackPending) return fail(state, 'commitment_signed before our revoke_and_ack of the previous one', ctx);
  const keys = peerKeys(c, ctx);
  const index = c.localCommit.index + 1;
  const log = recvCtx(c.log);
  const spec = commitmentSpecAt({ ...c, log }, 'local', index);
  const ours = buildLocalCommitment(c, keys, index, spec);
  const htlcOutputs = ours.htlcOutputs.length;
  if (m.htlcSignatures.length !== htlcOutputs) {
    return fail(state, `commitment_signed carries ${m.htlcSignatures.length} htlc_signatures for ${htlcOutputs} HTLC outputs`, ctx);
  }
  if (!checkRemoteSignature(ours, m.signature)) return fail(state, `commitment_signed signature is not a valid LOW-S signature of our commitment ${index}`, ctx);
  const bad = badRemoteHtlcSignature(ours, m.htlcSignatures);
  if (bad >= 0) return fail(state, `commitment_signed htlc_signature ${bad} is not a valid LOW-S signature of our HTLC transaction for output ${ours.htlcOutputs[bad]?.index}`, ctx);
  const localCommit = { index, spec, txid: ours.txid, remoteSig: m.signature.slice(), htlcSignatures: m.htlcSignatures.map((x) => x.slice()) };
  const settled = afterRevocation(c.log, { ...c, localCommit, log: sendRev(log) }, ctx.config.limits);
  const revoke = revokeAndAckFor(settled.commitments, keys);
  const signed = signIfNeeded(settled.commitments, keys);
  return persistThen({ ...state, commitments: signed.commitments }, c.channelId, send(revoke), ...signed.sends, ...settled.events);
}

/** The peer's `revoke_and_ack` of its previous commitment. */
export function receiveRevokeAndAck(state: DancingState, m: RevokeAndAckMessage, ctx: ChannelContext): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'revoke_and_ack');
  const pending = c.remoteNextCommit;
  if (!pending) return fail(state, 'revoke_and_ack without a commitment_signed of ours waiting for it', ctx);
  let point: Uint8Array;
  try {
    point = publicKeyOf(m.perCommitmentSecret);
  } catch {
    return fail(state, 'revoke_and_ack per_commitment_secret is not a valid secret key', ctx);
  }
  if (!equalBytes(point, c.remoteCommit.remotePerCommitmentPoint)) {
    return fail(state, `revoke_and_ack per_commitment_secret does not derive the per-commitment point of commitment ${c.remoteCommit.index}`, ctx);
  }
  const secrets = ShachainStore.fromBytes(c.remoteSecrets);
  try {
    secrets.insertCommitment(m.perCommitmentSecret, c.remoteCommit.index);
  } catch (err) {
    return fail(state, `revoke_and_ack per_commitment_secret does not fit the earlier secrets: ${(err as Error).message}`, ctx);
  }
  const { remoteNextCommit: _done, ...rest } = c;
  const revoked: Commitments = {
    ...rest,
    remoteCommit: pending.commit,
    remoteNextPerCommitmentPoint: m.nextPerCommitmentPoint.slice(),
    log: recvRev(c.log),
    remoteSecrets: secrets.toBytes(),
  };
  const settled = afterRevocation(c.log, revoked, ctx.config.limits);
  const signed = signIfNeeded(settled.commitments, peerKeys(c, ctx));
  const record = revokedRecordAction(c);
  return persistThen({ ...state, commitments: signed.commitments }, c.channelId, ...(record ? [record] : []), ...signed.sends, ...settled.events);
}
