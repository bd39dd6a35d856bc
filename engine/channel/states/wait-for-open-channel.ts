/**
 * `wait-for-open-channel` (fundee): the node made this channel for a peer's `open_channel`.
 * Trace:
 *
 *   open_channel ──▶ checked (BOLT 2 open_channel receiver rules, our limits, our feerate estimate)
 *     ok  → send accept_channel (minimum_depth 0 for a trusted peer) ──▶ wait-for-funding-created
 *     bad → error (temporary_channel_id) ──▶ aborted
 */
import { perCommitmentPoint } from '../../keys/shachain.ts';
import type { AcceptChannelMessage, OpenChannelMessage } from '../../wire/messages/channel.ts';
import { CHANNEL_FLAG_ANNOUNCE } from '../../wire/messages/channel.ts';
import { send } from '../actions.ts';
import { encodeChannelType } from '../channel-type.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent } from '../events.ts';
import type { NegotiatedParams, WaitForOpenChannelState } from '../types.ts';
import { checkOpenChannel, localParams } from '../validate.ts';
import { type Transition, copy, otherEventInOpening, refuseOpen } from './common.ts';

function openChannel(state: WaitForOpenChannelState, m: OpenChannelMessage, ctx: ChannelContext): Transition {
  const checked = checkOpenChannel(m, ctx.chainHash, ctx.config, ctx.feeratePerKw);
  if (typeof checked === 'string') return refuseOpen(m.temporaryChannelId, checked);
  const keys = ctx.channelKeys(state.channelIndex);
  const params = localParams(ctx.config, keys, m.fundingSatoshis, checked.localDustLimitSat, checked.localReserveSat);
  const negotiated: NegotiatedParams = {
    channelIndex: state.channelIndex,
    peerNodeId: copy(state.peerNodeId),
    temporaryChannelId: m.temporaryChannelId,
    channelType: checked.channelType,
    fundingSat: m.fundingSatoshis,
    pushMsat: m.pushMsat,
    feeratePerKw: m.feeratePerKw,
    // BOLT 2: "ignore undefined bits in channel_flags".
    channelFlags: m.channelFlags & CHANNEL_FLAG_ANNOUNCE,
    localParams: params,
    remoteParams: checked.remoteParams,
    remoteFirstPerCommitmentPoint: m.firstPerCommitmentPoint,
    // BOLT 2: the fundee "MAY set minimum_depth to zero if it trusts the funder not to double-spend"
    // — only for a peer the user marked trusted (ZERO_CONF_TRUST in zero-conf.ts).
    minimumDepth: ctx.zeroConfPeer === true ? 0 : Math.max(1, ctx.config.minimumDepth),
  };
  const accept: AcceptChannelMessage = {
    type: 'accept_channel',
    temporaryChannelId: m.temporaryChannelId,
    dustLimitSatoshis: params.dustLimitSat,
    maxHtlcValueInFlightMsat: params.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: params.channelReserveSat,
    htlcMinimumMsat: params.htlcMinimumMsat,
    minimumDepth: negotiated.minimumDepth,
    toSelfDelay: params.toSelfDelay,
    maxAcceptedHtlcs: params.maxAcceptedHtlcs,
    fundingPubkey: params.fundingPubkey,
    revocationBasepoint: params.revocationBasepoint,
    paymentBasepoint: params.paymentBasepoint,
    delayedPaymentBasepoint: params.delayedPaymentBasepoint,
    htlcBasepoint: params.htlcBasepoint,
    firstPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, 0),
    upfrontShutdownScript: new Uint8Array(0),
    channelType: encodeChannelType(checked.channelType),
  };
  return { state: { type: 'wait-for-funding-created', negotiated }, actions: [send(accept)] };
}

export function onWaitForOpenChannel(state: WaitForOpenChannelState, event: ChannelEvent, ctx: ChannelContext): Transition {
  if (event.type === 'message' && event.message.type === 'open_channel') return openChannel(state, event.message, ctx);
  return otherEventInOpening(state, event);
}
