/**
 * The user's view of a force-closing channel (BOLT 5): each output of the confirmed commitment
 * that is ours or that we take, and where it stands — waiting for its delay, claimable (our
 * claim broadcast), claimed (our claim deep enough). Pure: derived from the state.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import { Transaction } from 'bitcoinjs-lib';
import { sweepDelay } from './onchain.ts';
import { type ClosingOutput, breachOutputs } from './states/force-closing-revoked.ts';
import { remoteHtlcOutputs } from './states/force-closing-remote-htlcs.ts';
import { localHtlcOutputs } from './states/force-closing-local-htlcs.ts';
import type { ChannelContext } from './context.ts';
import type { ChannelState } from './types.ts';

export type { ClosingOutput } from './states/force-closing-revoked.ts';

/**
 * The outputs of a `force-closing` channel's confirmed commitment (empty in every other state,
 * and before one confirmed). Our own commitment's HTLC outputs are rebuilt with the channel's
 * keys: listed only when `keys` is given.
 */
export function closingOutputsOf(state: ChannelState, keys?: Pick<ChannelContext, 'channelKeys'>): ClosingOutput[] {
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
