/**
 * `wait-for-funding-internal` (funder): the node asked the wallet for the funding transaction.
 * Trace:
 *
 *   funding-tx-built {rawTx, outputIndex} ──▶ checked: the output pays exactly funding_satoshis
 *     to the 2-of-2, every input is segwit (a malleable txid would void the signatures)
 *     ok  → sign the peer's commitment #0, send funding_created ──▶ wait-for-funding-signed
 *     bad → error, cancel-funding ──▶ aborted
 *   funding-tx-failed ──▶ error ──▶ aborted
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { channelIdFromFunding } from '../../wire/messages/channel.ts';
import { type ChannelAction, emit, send } from '../actions.ts';
import {
  buildRemoteCommitment,
  fundingScriptPubKey,
  initialSpec,
  keysFor,
  mirrorSpec,
  signRemoteCommitment,
} from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent, FundingTxBuiltEvent } from '../events.ts';
import type { FundingOutpoint, WaitForFundingInternalState, WaitForFundingSignedState } from '../types.ts';
import { type Transition, abort, copy, otherEventInOpening } from './common.ts';

function fundingBuilt(state: WaitForFundingInternalState, event: FundingTxBuiltEvent, ctx: ChannelContext): Transition {
  const n = state.negotiated;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(event.rawTx);
  } catch (err) {
    return abort(state, `internal error: the wallet's funding transaction does not decode (${(err as Error).message})`, true);
  }
  const txid = tx.getHash();
  const cancel: ChannelAction = { type: 'cancel-funding', txid };
  const index = event.outputIndex;
  const out = Number.isInteger(index) && index >= 0 && index <= 0xffff ? tx.outs[index] : undefined;
  const problem = !out
    ? `has no output ${index}`
    : !equalBytes(out.script, fundingScriptPubKey(n.localParams, n.remoteParams))
      ? `output ${index} does not pay the funding script`
      : out.value !== n.fundingSat
        ? `output ${index} pays ${out.value} sat, not ${n.fundingSat}`
        : !tx.ins.every((i) => i.witness.length > 0 && i.script.length === 0)
          ? 'spends a non-segwit input (its txid could be malleated)'
          : undefined;
  if (problem) return abort(state, `internal error: the wallet's funding transaction ${problem}`, true, cancel);

  const fundingOutpoint: FundingOutpoint = { txid, index };
  const channelId = channelIdFromFunding(txid, index);
  const keys = keysFor(n.localParams, ctx.channelKeys(n.channelIndex));
  const inputs = { channelType: n.channelType, isFunder: true, localParams: n.localParams, remoteParams: n.remoteParams, fundingOutpoint, fundingSat: n.fundingSat };
  const remote = buildRemoteCommitment(inputs, 0, mirrorSpec(initialSpec(n, true)), n.remoteFirstPerCommitmentPoint);
  const signature = signRemoteCommitment(remote, keys);
  const next: WaitForFundingSignedState = {
    type: 'wait-for-funding-signed',
    negotiated: n,
    channelId,
    fundingOutpoint,
    fundingTx: copy(event.rawTx),
    remoteCommitSig: signature,
  };
  return {
    state: next,
    actions: [
      send({ type: 'funding_created', temporaryChannelId: n.temporaryChannelId, fundingTxid: txid, fundingOutputIndex: index, signature }),
      emit({ type: 'channel-id-assigned', temporaryChannelId: n.temporaryChannelId, channelId }),
    ],
  };
}

export function onWaitForFundingInternal(state: WaitForFundingInternalState, event: ChannelEvent, ctx: ChannelContext): Transition {
  switch (event.type) {
    case 'funding-tx-built':
      return fundingBuilt(state, event, ctx);
    case 'funding-tx-failed':
      return abort(state, `could not fund the channel: ${event.reason}`, true);
    default:
      return otherEventInOpening(state, event);
  }
}
