/**
 * Pure queries over a channel state for the node's payments (engine/channel/index.ts contract):
 * the channel's HTLCs, the incoming ones to (re)process after a restart, and how much could be
 * sent or received in one more HTLC now.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 */
import { htlcViews, pendingIncomingOf, type HtlcView } from './htlc-spec.ts';
import { receivableMsatOf, sendableMsatOf } from './htlc-limits.ts';
import type { ChannelState, Commitments } from './types.ts';

export type { HtlcView } from './htlc-spec.ts';

function commitmentsOf(state: ChannelState): Commitments | undefined {
  return 'commitments' in state ? state.commitments : undefined;
}

/** Every HTLC not yet fully removed (outgoing first, each by id); none before the channel is funded. */
export function htlcsOf(state: ChannelState): readonly HtlcView[] {
  const c = commitmentsOf(state);
  return c ? htlcViews(c.log) : [];
}

/**
 * Incoming HTLCs irrevocably committed that we have neither fulfilled nor failed: the node
 * re-processes these after a restart (their `htlc-received` may have been lost with the process).
 */
export function pendingIncomingHtlcs(state: ChannelState): readonly HtlcView[] {
  const c = commitmentsOf(state);
  return c ? pendingIncomingOf(c.log) : [];
}

/** Usable for new HTLCs: `normal`, connected and reestablished, no shutdown from the peer. */
function usable(state: ChannelState): Commitments | undefined {
  return state.type === 'normal' && state.syncing !== true && state.remoteShutdownScript === undefined ? state.commitments : undefined;
}

/** The largest HTLC we could add now (htlc-limits.ts); 0n unless normal, connected and not closing. */
export function sendableMsat(state: ChannelState): bigint {
  const c = usable(state);
  return c ? sendableMsatOf(c) : 0n;
}

/** The largest HTLC the peer could add to us now; 0n unless normal and connected. */
export function receivableMsat(state: ChannelState): bigint {
  const c = usable(state);
  return c ? receivableMsatOf(c) : 0n;
}
