/**
 * `wait-for-funding-signed` (funder): funding_created sent, the signed funding tx unbroadcast.
 * Trace:
 *
 *   funding_signed ──▶ channel_id must be the one our funding tx gives; the signature must sign
 *   our commitment #0 (BOLT 2: "MUST NOT broadcast the funding transaction before receipt of a
 *   valid funding_signed")
 *     ok  → persist wait-for-funding-confirmed (holding the signature), THEN broadcast the
 *           funding tx and watch it ──▶ wait-for-funding-confirmed
 *     ok, minimum_depth 0 (zero-conf.ts) → persist wait-for-channel-ready, THEN broadcast, watch,
 *           send channel_ready ──▶ wait-for-channel-ready
 *     bad → error, cancel-funding ──▶ aborted
 */
import { bytesToHex, equalBytes } from '../../lib/bytes.ts';
import type { FundingSignedMessage } from '../../wire/messages/channel.ts';
import { checkRemoteSignature, fundingScriptPubKey, initialCommitments, keysFor } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import { type ChannelAction, send } from '../actions.ts';
import type { WaitForChannelReadyState, WaitForFundingConfirmedState, WaitForFundingSignedState } from '../types.ts';
import { type Transition, abort, fundingTxNotWanted, otherEventInOpening, persistThen } from './common.ts';
import { ourChannelReady } from './ready.ts';
import { ZERO_CONF_WATCH_DEPTH } from './zero-conf.ts';

function fundingSigned(state: WaitForFundingSignedState, m: FundingSignedMessage, ctx: ChannelContext): Transition {
  const n = state.negotiated;
  if (!equalBytes(m.channelId, state.channelId)) {
    return abort(state, `funding_signed.channel_id ${bytesToHex(m.channelId)} is not ${bytesToHex(state.channelId)}, the id of our funding transaction`, true);
  }
  const keys = keysFor(n.localParams, ctx.channelKeys(n.channelIndex));
  const initial = initialCommitments(n, true, state.channelId, state.fundingOutpoint, keys);
  if (!checkRemoteSignature(initial.local, m.signature)) {
    return abort(state, 'funding_signed.signature is not a valid (low-S) signature of our commitment transaction #0', true);
  }
  const commitments = initial.withRemoteSig(m.signature);
  const { txid, index } = state.fundingOutpoint;
  const watch: ChannelAction = {
    type: 'watch-confirmations',
    txid,
    depth: Math.max(ZERO_CONF_WATCH_DEPTH, n.minimumDepth),
    outputIndex: index,
    scriptPubKey: fundingScriptPubKey(n.localParams, n.remoteParams),
  };
  const broadcast: ChannelAction = { type: 'broadcast', kind: 'funding', rawTx: state.fundingTx, txid };
  if (n.minimumDepth === 0) {
    // Zero-conf: the fundee trusts us, and we trust our own funding tx: ready once it is broadcast.
    const ours = ourChannelReady(commitments, ctx);
    const ready: WaitForChannelReadyState = { type: 'wait-for-channel-ready', commitments, localAlias: ours.alias, fundingTx: state.fundingTx };
    return persistThen(ready, state.channelId, broadcast, watch, send(ours.message));
  }
  const next: WaitForFundingConfirmedState = {
    type: 'wait-for-funding-confirmed',
    commitments,
    minimumDepth: n.minimumDepth,
    fundingTx: state.fundingTx,
    waitingSinceHeight: ctx.blockHeight,
  };
  return persistThen(next, state.channelId, broadcast, watch);
}

export function onWaitForFundingSigned(state: WaitForFundingSignedState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'funding_signed') return fundingSigned(state, event.message, ctx);
  // The transaction we hold is kept; any other one is released.
  if (event.type === 'funding-tx-built') return fundingTxNotWanted(state, event.rawTx, state.fundingOutpoint.txid);
  return otherEventInOpening(state, event);
}

