/**
 * HTLC updates in `normal` and `shutting-down` (BOLT 2 "Normal Operation"), on the update log;
 * the commitment dance that commits them is normal-commit.ts. Trace:
 *
 *   add-htlc command (normal, reestablished, no shutdown either way; form and limits of
 *     htlc-limits.ts; tag ≤ 64 printable ASCII) ──▶ log += our add (next id); persisted, then
 *     update_add_htlc, commitment_signed (unless a revoke_and_ack is pending), `htlc-added`.
 *     A refused command: `command-rejected` with the reason, nothing else.
 *   update_add_htlc (id = the next expected, form, the receiver's limits) ──▶ log += their add
 *     (persisted); nothing sent until their commitment_signed. Reported by `htlc-received` once
 *     irrevocably committed. After the peer's shutdown, or breaking a limit: fail the channel.
 *   fulfill-htlc / fail-htlc / fail-malformed-htlc command (an incoming HTLC irrevocably
 *     committed, not yet resolved; the preimage must hash to its payment_hash; malformed needs
 *     the BADONION bit) ──▶ log += our removal; persisted, then the update message and
 *     commitment_signed (unless a revoke_and_ack is pending).
 *   update_fulfill_htlc (an HTLC we offered, irrevocably committed, not yet removed; the
 *     preimage hashes to its payment_hash) ──▶ log += their settle, persisted, then
 *     `htlc-fulfilled` at once (the preimage is ours: the payment succeeded).
 *   update_fail_htlc / update_fail_malformed_htlc (same HTLC rule; malformed needs the BADONION
 *     bit) ──▶ log += their fail, persisted; `htlc-failed` once the fail is irrevocably committed.
 *   A wrong id, a wrong preimage, a second removal of the same HTLC: fail the channel.
 *   tick: an HTLC we offered still unresolved at cltv_expiry + outgoingCltvGraceBlocks, or one
 *     we fulfilled that the peer has not removed by cltv_expiry − incomingCltvSafetyBlocks: fail
 *     the channel (BOLT 2 "deadline for offered HTLCs" / "fulfilled HTLC deadline").
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#adding-an-htlc-update_add_htlc
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#removing-an-htlc-update_fulfill_htlc-update_fail_htlc-and-update_fail_malformed_htlc
 */
import { sha256 } from '../../crypto/hash.ts';
import { equalBytes } from '../../lib/bytes.ts';
import type { UpdateAddHtlcMessage, UpdateFailHtlcMessage, UpdateFailMalformedHtlcMessage, UpdateFulfillHtlcMessage } from '../../wire/messages/channel-update.ts';
import { type ChannelAction, emit, send } from '../actions.ts';
import type { ChannelContext } from '../context.ts';
import type { AddHtlcCommand, FailHtlcCommand, FailMalformedHtlcCommand, FulfillHtlcCommand } from '../events.ts';
import { type LoggedHtlc, type Side, addHtlc, ctnLatest, failHtlc, isIrrevocable, removalOf, settleHtlc } from '../htlc-log.ts';
import { addHtlcProblem } from '../htlc-limits.ts';
import type { Commitments, NormalState } from '../types.ts';
import { type Transition, copy, persistThen, stay } from './common.ts';
import { addMessage, failMessage, settleMessage } from './htlc-messages.ts';
import { type DancingState, fail, peerKeys, signIfNeeded } from './normal-commit.ts';
import { wrongChannel } from './shutdown.ts';

/** BOLT 4 failure code bit: the onion could not be parsed (required in update_fail_malformed_htlc). */
export const BADONION = 0x8000;
const MAX_TAG = 64;

function reject(state: DancingState, command: string, reason: string): Transition {
  return stay(state, emit({ type: 'command-rejected', command, reason }));
}

/** Our update `log`, persisted, then `message` and a commitment_signed if we may sign now. */
function proposeOurs(state: DancingState, c: Commitments, message: Parameters<typeof send>[0], ctx: ChannelContext, ...after: ChannelAction[]): Transition {
  const signed = signIfNeeded(c, peerKeys(c, ctx));
  return persistThen({ ...state, commitments: signed.commitments }, c.channelId, send(message), ...signed.sends, ...after);
}

function tagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string' || tag.length > MAX_TAG) return `tag must be a string of at most ${MAX_TAG} characters`;
  for (let i = 0; i < tag.length; i++) {
    const ch = tag.charCodeAt(i);
    if (ch < 0x20 || ch >= 0x7f) return 'tag must be printable ASCII';
  }
  return undefined;
}

/** The `add-htlc` command (normal only: shutting-down refuses it before this). */
export function addHtlcCommand(state: NormalState, cmd: AddHtlcCommand, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const bad = tagProblem(cmd.tag) ?? addHtlcProblem(c, 'local', cmd, ctx.config.limits, true);
  if (bad) return reject(state, 'add-htlc', bad);
  const log = addHtlc(c.log, 'local', {
    amountMsat: cmd.amountMsat,
    paymentHash: copy(cmd.paymentHash),
    cltvExpiry: cmd.cltvExpiry,
    onionRoutingPacket: copy(cmd.onionRoutingPacket),
    tag: cmd.tag,
  });
  const add = log.local.adds[log.local.adds.length - 1] as LoggedHtlc;
  return proposeOurs(state, { ...c, log }, addMessage(c.channelId, add), ctx, emit({ type: 'htlc-added', channelId: c.channelId, htlcId: add.id, tag: cmd.tag }));
}

/** The peer's `update_add_htlc`. `peerShutdown`: the peer has sent `shutdown` (no adds may follow). */
export function receiveUpdateAddHtlc(state: DancingState, m: UpdateAddHtlcMessage, ctx: ChannelContext, peerShutdown: boolean): Transition {
  const c = state.commitments;
  if (!equalBytes(m.channelId, c.channelId)) return wrongChannel(state, 'update_add_htlc');
  if (peerShutdown) return fail(state, 'update_add_htlc after the peer sent shutdown', ctx);
  if (m.htlcId !== c.log.remote.nextHtlcId) return fail(state, `update_add_htlc id ${m.htlcId} is not the next id ${c.log.remote.nextHtlcId}`, ctx);
  const bad = addHtlcProblem(c, 'remote', m, ctx.config.limits, false);
  if (bad) return fail(state, `update_add_htlc ${m.htlcId}: ${bad}`, ctx);
  const log = addHtlc(c.log, 'remote', { amountMsat: m.amountMsat, paymentHash: m.paymentHash.slice(), cltvExpiry: m.cltvExpiry, onionRoutingPacket: m.onionRoutingPacket.slice() });
  return persistThen({ ...state, commitments: { ...c, log } }, c.channelId);
}

/** Why `remover` may not remove HTLC `id` offered by the other side now, or the HTLC. */
function removable(c: Commitments, offerer: Side, id: bigint): LoggedHtlc | string {
  const add = c.log[offerer].adds.find((a) => a.id === id);
  const whose = offerer === 'local' ? 'we offered' : 'the peer offered';
  if (!add) return `no HTLC ${id} that ${whose} is pending`;
  if (!isIrrevocable(c.log, add.ctn)) return `HTLC ${id} is not irrevocably committed yet`;
  if (removalOf(c.log, offerer, id)) return `HTLC ${id} is already being fulfilled or failed`;
  return add;
}

function incomingCommand(state: DancingState, command: string, htlcId: unknown): LoggedHtlc | Transition {
  if (typeof htlcId !== 'bigint') return reject(state, command, 'htlcId must be a bigint');
  const add = removable(state.commitments, 'remote', htlcId);
  return typeof add === 'string' ? reject(state, command, add) : add;
}

export function fulfillHtlcCommand(state: DancingState, cmd: FulfillHtlcCommand, ctx: ChannelContext): Transition {
  const add = incomingCommand(state, 'fulfill-htlc', cmd.htlcId);
  if (!('id' in add)) return add;
  if (!(cmd.paymentPreimage instanceof Uint8Array) || cmd.paymentPreimage.length !== 32) return reject(state, 'fulfill-htlc', 'paymentPreimage must be 32 bytes');
  if (!equalBytes(sha256(cmd.paymentPreimage), add.paymentHash)) return reject(state, 'fulfill-htlc', `the preimage does not hash to the payment_hash of HTLC ${add.id}`);
  const c = state.commitments;
  const log = settleHtlc(c.log, 'local', add.id, copy(cmd.paymentPreimage));
  return proposeOurs(state, { ...c, log }, settleMessage(c.channelId, log.local.settles[log.local.settles.length - 1]!), ctx);
}

export function failHtlcCommand(state: DancingState, cmd: FailHtlcCommand, ctx: ChannelContext): Transition {
  const add = incomingCommand(state, 'fail-htlc', cmd.htlcId);
  if (!('id' in add)) return add;
  if (!(cmd.reason instanceof Uint8Array) || cmd.reason.length === 0 || cmd.reason.length > 0xffff) return reject(state, 'fail-htlc', 'reason must be a failure packet of 1 to 65535 bytes');
  const c = state.commitments;
  const log = failHtlc(c.log, 'local', add.id, { reason: copy(cmd.reason) });
  return proposeOurs(state, { ...c, log }, failMessage(c.channelId, log.local.fails[log.local.fails.length - 1]!), ctx);
}

export function failMalformedHtlcCommand(state: DancingState, cmd: FailMalformedHtlcCommand, ctx: ChannelContext): Transition {
  const add = incomingCommand(state, 'fail-malformed-htlc', cmd.htlcId);
  if (!('id' in add)) return add;
  if (!(cmd.sha256OfOnion instanceof Uint8Array) || cmd.sha256OfOnion.length !== 32) return reject(state, 'fail-malformed-htlc', 'sha256OfOnion must be 32 bytes');
  if (!Number.isInteger(cmd.failureCode) || cmd.failureCode < 0 || cmd.failureCode > 0xffff || (cmd.failureCode & BADONION) === 0) {
    return reject(state, 'fail-malformed-htlc', 'failureCode must be a 16-bit BOLT 4 code with the BADONION bit set');
  }
  const c = state.commitments;
  const log = failHtlc(c.log, 'local', add.id, { malformed: { failureCode: cmd.failureCode, sha256OfOnion: copy(cmd.sha256OfOnion) } });
  return proposeOurs(state, { ...c, log }, failMessage(c.channelId, log.local.fails[log.local.fails.length - 1]!), ctx);
}

/** The peer removes one of our HTLCs: the checks every removal shares. */
function outgoingRemoval(state: DancingState, what: string, channelId: Uint8Array, htlcId: bigint, ctx: ChannelContext): LoggedHtlc | Transition {
  const c = state.commitments;
  if (!equalBytes(channelId, c.channelId)) return wrongChannel(state, what);
  const add = removable(c, 'local', htlcId);
  return typeof add === 'string' ? fail(state, `${what}: ${add}`, ctx) : add;
}

export function receiveUpdateFulfillHtlc(state: DancingState, m: UpdateFulfillHtlcMessage, ctx: ChannelContext): Transition {
  const add = outgoingRemoval(state, 'update_fulfill_htlc', m.channelId, m.htlcId, ctx);
  if (!('id' in add)) return add;
  if (!equalBytes(sha256(m.paymentPreimage), add.paymentHash)) return fail(state, `update_fulfill_htlc ${add.id}: the preimage does not hash to the payment_hash`, ctx);
  const c = state.commitments;
  const log = settleHtlc(c.log, 'remote', add.id, m.paymentPreimage.slice());
  return persistThen(
    { ...state, commitments: { ...c, log } },
    c.channelId,
    emit({ type: 'htlc-fulfilled', channelId: c.channelId, htlcId: add.id, tag: add.tag ?? '', paymentPreimage: m.paymentPreimage.slice() }),
  );
}

export function receiveUpdateFailHtlc(state: DancingState, m: UpdateFailHtlcMessage, ctx: ChannelContext): Transition {
  const add = outgoingRemoval(state, 'update_fail_htlc', m.channelId, m.htlcId, ctx);
  if (!('id' in add)) return add;
  const c = state.commitments;
  return persistThen({ ...state, commitments: { ...c, log: failHtlc(c.log, 'remote', add.id, { reason: m.reason.slice() }) } }, c.channelId);
}

export function receiveUpdateFailMalformedHtlc(state: DancingState, m: UpdateFailMalformedHtlcMessage, ctx: ChannelContext): Transition {
  const add = outgoingRemoval(state, 'update_fail_malformed_htlc', m.channelId, m.htlcId, ctx);
  if (!('id' in add)) return add;
  if ((m.failureCode & BADONION) === 0) return fail(state, `update_fail_malformed_htlc ${add.id}: failure_code ${m.failureCode} lacks the BADONION bit`, ctx);
  const c = state.commitments;
  const log = failHtlc(c.log, 'remote', add.id, { malformed: { failureCode: m.failureCode, sha256OfOnion: m.sha256OfOnion.slice() } });
  return persistThen({ ...state, commitments: { ...c, log } }, c.channelId);
}

/** BOLT 2 HTLC deadlines at the tip: a reason to fail the channel, or undefined. */
export function htlcDeadlineProblem(c: Commitments, ctx: ChannelContext): string | undefined {
  const h = ctx.blockHeight;
  const { outgoingCltvGraceBlocks, incomingCltvSafetyBlocks } = ctx.config.limits;
  for (const a of c.log.local.adds) {
    const inPeers = a.ctn.remote !== undefined && a.ctn.remote <= ctnLatest(c.log, 'remote');
    const removal = removalOf(c.log, 'local', a.id);
    if (inPeers && removal?.kind !== 'settle' && h >= a.cltvExpiry + outgoingCltvGraceBlocks) {
      return `our HTLC ${a.id} expired at block ${a.cltvExpiry} and the peer has not removed it (tip ${h}): it must be timed out on chain`;
    }
  }
  for (const a of c.log.remote.adds) {
    const removal = removalOf(c.log, 'remote', a.id);
    if (removal?.kind === 'settle' && !isIrrevocable(c.log, removal.entry.ctn) && h >= a.cltvExpiry - incomingCltvSafetyBlocks) {
      return `we fulfilled HTLC ${a.id} but the peer has not removed it and it expires at block ${a.cltvExpiry} (tip ${h}): it must be claimed on chain`;
    }
  }
  return undefined;
}
