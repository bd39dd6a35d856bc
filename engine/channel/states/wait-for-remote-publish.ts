/**
 * `wait-for-remote-publish` (terminal; persisted): we lost state — channel_reestablish proved the
 * peer holds a newer one (states/reestablish.ts), or the channel was restored from a backup file
 * (`lostStateChannel`, engine/node/backup-restore.ts). Our commitment may be revoked, so nothing
 * here ever broadcasts it — not even on the peer's error. BOLT 2 "a node that has fallen behind
 * … MUST NOT broadcast its commitment transaction … SHOULD send an error to request the peer to
 * fail the channel":
 *
 *   peer-connected ──▶ channel_reestablish with the values of a node that kept nothing
 *     (next_commitment_number 0, next_revocation_number 0, your_last_per_commitment_secret all
 *     zeros, my_current_per_commitment_point our point of commitment 0): a peer that still has the
 *     channel fails it and publishes its latest commitment (LDK: "Peer sent an invalid
 *     channel_reestablish to force close in a non-standard way"; the same message LDK and lnd send
 *     for a channel they lost)
 *   the peer's channel_reestablish ──▶ `error` asking it to force-close; its
 *     my_current_per_commitment_point kept (persisted when it changed)
 *   other messages ──▶ ignored (emitted); commands ──▶ rejected
 *
 * The funding output's spend goes to states/force-closing.ts (the reducer routes funding-spent
 * there for every state): the peer's commitment is recognised by our to_remote output (BOLT 3:
 * P2WPKH of our payment_basepoint with static_remotekey, P2WSH with CSV 1 with anchors) and swept.
 */
import { equalBytes } from '../../lib/bytes.ts';
import { perCommitmentPoint } from '../../keys/shachain.ts';
import type { ChannelType } from '../bolt3/types.ts';
import { emit, send, sendError } from '../actions.ts';
import { EMPTY_REMOTE_SECRETS, keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import { newHtlcLog } from '../htlc-log.ts';
import { type ChannelParams, type CommitmentSpec, type Commitments, type FundingOutpoint, MIN_FEERATE_PER_KW, type WaitForRemotePublishState } from '../types.ts';
import { type Transition, htlcTxNotWanted, persistThen, stay, unreachable } from './common.ts';

const ZERO32 = new Uint8Array(32);
const LOST = 'we lost state; waiting for the peer to force-close';

export function onWaitForRemotePublish(state: WaitForRemotePublishState, event: ChannelEvent, ctx: ChannelContext): Transition {
  const c = state.commitments;
  switch (event.type) {
    case 'message': {
      const m = event.message;
      if (m.type !== 'channel_reestablish') return stay(state, emit({ type: 'ignored', what: m.type, reason: LOST }));
      const ask = sendError(c.channelId, 'we lost channel state; please force-close');
      if (equalBytes(m.myCurrentPerCommitmentPoint, state.remoteCurrentPerCommitmentPoint)) return stay(state, ask);
      return persistThen({ ...state, remoteCurrentPerCommitmentPoint: m.myCurrentPerCommitmentPoint.slice() }, c.channelId, ask);
    }
    case 'peer-connected': {
      const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
      return stay(
        state,
        send({
          type: 'channel_reestablish',
          channelId: c.channelId,
          nextCommitmentNumber: 0n,
          nextRevocationNumber: 0n,
          yourLastPerCommitmentSecret: ZERO32,
          myCurrentPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, 0),
        }),
      );
    }
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: LOST }));
    case 'funding-tx-built':
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}

/** The static data a channel is restored from (engine/node/backup-codec.ts BackupChannel). */
export interface LostChannelData {
  readonly channelId: Uint8Array;
  readonly channelType: ChannelType;
  readonly isFunder: boolean;
  readonly channelFlags: number;
  readonly channelIndex: number;
  readonly peerNodeId: Uint8Array;
  readonly fundingOutpoint: FundingOutpoint;
  readonly fundingSat: bigint;
  readonly localParams: ChannelParams;
  readonly remoteParams: ChannelParams;
}

/**
 * A channel restored from its static data alone, in `wait-for-remote-publish`. Nothing of its
 * commitments is known: both are recorded as number 0 with an all-zero txid (no transaction has
 * it, so no spend is ever taken for "ours" or "the peer's current": the peer's commitment is found
 * by our to_remote output, `remote-other`), no HTLCs, no revealed secrets, the whole capacity on
 * the peer's side (our balance is unknown until the chain shows it). The peer's current point is
 * unknown until its channel_reestablish names it: its payment basepoint stands in (neither
 * to_remote script depends on it). Throws when `localParams` are not this seed's keys of
 * `channelIndex` (`channelKeys`).
 */
export function lostStateChannel(d: LostChannelData, ctx: Pick<ChannelContext, 'channelKeys'>): WaitForRemotePublishState {
  keysFor(d.localParams, ctx.channelKeys(d.channelIndex));
  const spec: CommitmentSpec = { toLocalMsat: 0n, toRemoteMsat: d.fundingSat * 1000n, feeratePerKw: MIN_FEERATE_PER_KW, htlcs: [] };
  const theirs: CommitmentSpec = { ...spec, toLocalMsat: spec.toRemoteMsat, toRemoteMsat: 0n };
  const commitments: Commitments = {
    channelId: d.channelId.slice(),
    channelType: d.channelType,
    isFunder: d.isFunder,
    channelFlags: d.channelFlags,
    channelIndex: d.channelIndex,
    peerNodeId: d.peerNodeId.slice(),
    localParams: d.localParams,
    remoteParams: d.remoteParams,
    fundingOutpoint: { txid: d.fundingOutpoint.txid.slice(), index: d.fundingOutpoint.index },
    fundingSat: d.fundingSat,
    localCommit: { index: 0, spec, txid: new Uint8Array(32), remoteSig: new Uint8Array(64), htlcSignatures: [] },
    remoteCommit: { index: 0, spec: theirs, txid: new Uint8Array(32), remotePerCommitmentPoint: d.remoteParams.paymentBasepoint.slice() },
    log: newHtlcLog(d.isFunder, 0, 0, MIN_FEERATE_PER_KW),
    remoteSecrets: EMPTY_REMOTE_SECRETS,
  };
  return { type: 'wait-for-remote-publish', commitments, remoteCurrentPerCommitmentPoint: d.remoteParams.paymentBasepoint.slice() };
}
