/**
 * `idle` (funder, before anything is sent). Trace:
 *
 *   idle ──open command──▶ send open_channel ──▶ wait-for-accept-channel
 *
 * The command is checked (amounts, feerate, type, the funder can pay the fee) and rejected to the
 * UI if wrong; nothing reaches the peer until it is right.
 */
import { perCommitmentPoint } from '../../keys/shachain.ts';
import type { OpenChannelMessage } from '../../wire/messages/channel.ts';
import { CHANNEL_FLAG_ANNOUNCE } from '../../wire/messages/channel.ts';
import { emit, send } from '../actions.ts';
import { encodeChannelType } from '../channel-type.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent, OpenCommand } from '../events.ts';
import type { IdleState, OpeningParams } from '../types.ts';
import { checkOpenCommand, localParams, reserveFor } from '../validate.ts';
import { type Transition, copy, fundingTxNotWanted, htlcTxNotWanted, stay, unreachable } from './common.ts';

function open(state: IdleState, cmd: OpenCommand, ctx: ChannelContext): Transition {
  const reason = checkOpenCommand(cmd, ctx.config);
  if (reason) return stay(state, emit({ type: 'command-rejected', command: 'open', reason }));
  const keys = ctx.channelKeys(state.channelIndex);
  const config = ctx.config;
  const temporaryChannelId = copy(ctx.randomBytes(32).subarray(0, 32));
  if (temporaryChannelId.length !== 32) throw new Error('randomBytes(32) returned fewer than 32 bytes');
  const params = localParams(config, keys, cmd.fundingSat, config.dustLimitSat, reserveFor(config, cmd.fundingSat, config.dustLimitSat), cmd.upfrontShutdownScript);
  const opening: OpeningParams = {
    channelIndex: state.channelIndex,
    peerNodeId: copy(cmd.peerNodeId),
    temporaryChannelId,
    channelType: cmd.channelType,
    fundingSat: cmd.fundingSat,
    pushMsat: cmd.pushMsat,
    feeratePerKw: cmd.feeratePerKw,
    channelFlags: cmd.announceChannel ? CHANNEL_FLAG_ANNOUNCE : 0,
    localParams: params,
  };
  const msg: OpenChannelMessage = {
    type: 'open_channel',
    chainHash: ctx.chainHash,
    temporaryChannelId,
    fundingSatoshis: opening.fundingSat,
    pushMsat: opening.pushMsat,
    dustLimitSatoshis: params.dustLimitSat,
    maxHtlcValueInFlightMsat: params.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: params.channelReserveSat,
    htlcMinimumMsat: params.htlcMinimumMsat,
    feeratePerKw: opening.feeratePerKw,
    toSelfDelay: params.toSelfDelay,
    maxAcceptedHtlcs: params.maxAcceptedHtlcs,
    fundingPubkey: params.fundingPubkey,
    revocationBasepoint: params.revocationBasepoint,
    paymentBasepoint: params.paymentBasepoint,
    delayedPaymentBasepoint: params.delayedPaymentBasepoint,
    htlcBasepoint: params.htlcBasepoint,
    firstPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, 0),
    channelFlags: opening.channelFlags,
    // BOLT 2: with open_channel_tlvs, upfront_shutdown_script is always present (empty: none).
    upfrontShutdownScript: params.upfrontShutdownScript ?? new Uint8Array(0),
    channelType: encodeChannelType(opening.channelType),
  };
  return { state: { type: 'wait-for-accept-channel', opening }, actions: [send(msg)] };
}

export function onIdle(state: IdleState, event: ChannelEvent, ctx: ChannelContext): Transition {
  switch (event.type) {
    case 'open':
      return open(state, event, ctx);
    case 'close':
    case 'force-close':
      return stay(state, emit({ type: 'command-rejected', command: 'close', reason: 'channel is in idle' }));
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel is in idle' }));
    case 'message':
      return stay(state, emit({ type: 'ignored', what: event.message.type, reason: 'no channel negotiation in progress' }));
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx);
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-connected':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}
