/**
 * `wait-for-funding-created` (fundee): accept_channel sent. Trace:
 *
 *   funding_created ──▶ temporary_channel_id must match; channel_id := funding_txid XOR index;
 *   the signature must sign our commitment #0
 *     ok  → persist wait-for-funding-confirmed, THEN send funding_signed (our signature on the
 *           funder's commitment #0) and watch the funding tx ──▶ wait-for-funding-confirmed
 *     ok, minimum_depth 0 (we trust the funder: zero-conf.ts) → persist wait-for-channel-ready,
 *           THEN send funding_signed and channel_ready, watch the funding ──▶ wait-for-channel-ready
 *     bad → error ──▶ aborted
 *
 * From funding_signed on the fundee must remember the channel (BOLT 2 reconnection rules), so the
 * state is durable before the signature leaves.
 */
import { channelIdFromFunding, type FundingCreatedMessage } from '../../wire/messages/channel.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { type ChannelAction, emit, send } from '../actions.ts';
import { checkRemoteSignature, fundingScriptPubKey, initialCommitments, keysFor, signRemoteCommitment } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { WaitForChannelReadyState, WaitForFundingConfirmedState, WaitForFundingCreatedState } from '../types.ts';
import { type Transition, abort, otherEventInOpening, persistThen } from './common.ts';
import { ourChannelReady } from './ready.ts';
import { ZERO_CONF_WATCH_DEPTH } from './zero-conf.ts';

function fundingCreated(state: WaitForFundingCreatedState, m: FundingCreatedMessage, ctx: ChannelContext): Transition {
  const n = state.negotiated;
  if (!equalBytes(m.temporaryChannelId, n.temporaryChannelId)) return abort(state, 'funding_created.temporary_channel_id does not match', true);
  const fundingOutpoint = { txid: m.fundingTxid, index: m.fundingOutputIndex };
  const channelId = channelIdFromFunding(m.fundingTxid, m.fundingOutputIndex);
  const keys = keysFor(n.localParams, ctx.channelKeys(n.channelIndex));
  const initial = initialCommitments(n, false, channelId, fundingOutpoint, keys);
  if (!checkRemoteSignature(initial.local, m.signature)) {
    return abort(state, 'funding_created.signature is not a valid (low-S) signature of our commitment transaction #0', true);
  }
  const signature = signRemoteCommitment(initial.remote, keys);
  const watch: ChannelAction = {
    type: 'watch-confirmations',
    txid: m.fundingTxid,
    depth: Math.max(ZERO_CONF_WATCH_DEPTH, n.minimumDepth),
    outputIndex: m.fundingOutputIndex,
    scriptPubKey: fundingScriptPubKey(n.localParams, n.remoteParams),
  };
  const assigned = emit({ type: 'channel-id-assigned', temporaryChannelId: n.temporaryChannelId, channelId });
  if (n.minimumDepth === 0) {
    // Zero-conf (a trusted funder): ready before the funding confirms, known by our alias only.
    const commitments = initial.withRemoteSig(m.signature);
    const ours = ourChannelReady(commitments, ctx);
    const ready: WaitForChannelReadyState = { type: 'wait-for-channel-ready', commitments, localAlias: ours.alias };
    return persistThen(ready, channelId, send({ type: 'funding_signed', channelId, signature }), send(ours.message), watch, assigned);
  }
  const next: WaitForFundingConfirmedState = {
    type: 'wait-for-funding-confirmed',
    commitments: initial.withRemoteSig(m.signature),
    minimumDepth: n.minimumDepth,
    waitingSinceHeight: ctx.blockHeight,
  };
  return persistThen(
    next,
    channelId,
    send({ type: 'funding_signed', channelId, signature }),
    watch,
    assigned,
  );
}

export function onWaitForFundingCreated(state: WaitForFundingCreatedState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'funding_created') return fundingCreated(state, event.message, ctx);
  return otherEventInOpening(state, event);
}
