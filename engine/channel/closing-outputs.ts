/**
 * The user's view of a force-closing channel (BOLT 5): each output of the confirmed commitment
 * that is ours or that we take, and where it stands — waiting for its delay, claimable (our
 * claim broadcast), claimed (our claim deep enough). Pure: derived from the state.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import { Transaction } from 'bitcoinjs-lib';
import { sweepDelay } from './onchain.ts';
import { breachOutputs } from './states/force-closing-revoked.ts';
import { remoteHtlcOutputs } from './states/force-closing-remote-htlcs.ts';
import { localHtlcOutputs } from './states/force-closing-local-htlcs.ts';
import type { ChannelContext } from './context.ts';
import type { ChannelState, ClosingOutput, ForceClosingState } from './types.ts';

export type { ClosingOutput } from './types.ts';

/**
 * The outputs of a `force-closing` channel's confirmed commitment (empty in every other state,
 * and before one confirmed); a `closed` one's final picture, kept from when it closed. Our own
 * commitment's HTLC outputs are rebuilt with the channel's keys: listed only when `keys` is given.
 */
export function closingOutputsOf(state: ChannelState, keys?: Pick<ChannelContext, 'channelKeys'>): ClosingOutput[] {
  if (state.type === 'closed') return state.outputs ? [...state.outputs] : [];
  if (state.type !== 'force-closing' || !state.spend) return [];
  const spend = state.spend;
  const out: ClosingOutput[] = [];
  if (spend.output) {
    const kind = spend.commitment === 'local' ? 'to_local' : 'to_remote';
    const base = { txid: spend.txid, outputIndex: spend.output.index, kind, amountSat: spend.output.valueSat } as const;
    if (!spend.sweepTx) out.push({ ...base, status: 'waiting', availableAtHeight: spend.blockHeight + sweepDelay(state.commitments, spend) });
    else out.push({ ...base, status: state.breach?.sweepConfirmed || state.sweepConfirmed ? 'claimed' : 'claimable', claimTxid: Transaction.fromBuffer(spend.sweepTx).getHash() });
  }
  return [...out, ...remoteHtlcOutputs(state), ...(keys ? localHtlcOutputs(state, keys) : []), ...breachOutputs(state)];
}

/**
 * The final picture a force-closing channel keeps when it becomes `closed`. It closes only once
 * nothing is left to resolve — every claim of ours `SWEEP_CONFIRMATION_DEPTH` deep, every other
 * output the peer's or dust — so an output still shown as claimable with its claim (a sweep's
 * confirmation is not always flagged in the state) is claimed in that claim.
 */
export function finalClosingOutputs(state: ForceClosingState, keys: Pick<ChannelContext, 'channelKeys'>): ClosingOutput[] {
  return closingOutputsOf(state, keys).map((o): ClosingOutput => (o.status === 'claimable' && o.claimTxid ? { ...o, status: 'claimed' } : o));
}
