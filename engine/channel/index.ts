/**
 * The channel state machine's public surface for engine/node: the reducer and its constructors,
 * the event / action / state vocabulary, the context it reads, and the snapshot codec.
 * BOLT 3 builders stay in ./bolt3/ (import them directly where needed).
 */
export { newInboundChannel, newOutboundChannel, reduce } from './reducer.ts';
export type { Transition } from './reducer.ts';
export type { ChannelContext } from './context.ts';
export type * from './events.ts';
export type * from './actions.ts';
export { printable, sendError, sendWarning } from './actions.ts';
export type * from './types.ts';
export {
  CHANNEL_STATE_NAMES,
  DEFAULT_CHANNEL_CONFIG,
  FUNDING_TIMEOUT_BLOCKS,
  MAX_ACCEPTED_HTLCS_LIMIT,
  MAX_FUNDING_SAT,
  MIN_DUST_LIMIT_SAT,
  MIN_FEERATE_PER_KW,
  isFunded,
} from './types.ts';
export { CHANNEL_SNAPSHOT_VERSION, decodeChannelState, decodeChannelStateBody, encodeChannelState, encodeChannelStateBody } from './codec.ts';
export { decodeChannelType, encodeChannelType } from './channel-type.ts';
export { shortChannelId } from './commitments.ts';
export { ZERO_CONF_WATCH_DEPTH, awaitingZeroConfFunding } from './states/zero-conf.ts';
export { AUTO_FEE_LOWER_RATIO, AUTO_FEE_RAISE_RATIO, autoFeeUpdate, dancePending, latestFeerate } from './states/normal-commit.ts';
export { htlcsOf, pendingIncomingHtlcs, receivableMsat, sendableMsat } from './htlc-queries.ts';
export type { HtlcView } from './htlc-queries.ts';
export { MAX_CLTV_EXPIRY } from './htlc-limits.ts';
export { ONION_ROUTING_PACKET_SIZE } from './htlc-log.ts';
export { commitmentNumberOfSpend, revokedRecordAction } from './revoked-commitments.ts';
export { closingOutputsOf } from './closing-outputs.ts';
export type { ClosingOutput } from './closing-outputs.ts';
export { outputWatchesOf } from './states/force-closing-revoked.ts';
export { type ClaimTx, claimTxsOf } from './claim-txs.ts';
export { SWEEP_CONFIRMATION_DEPTH } from './onchain.ts';
export { lostStateChannel } from './states/wait-for-remote-publish.ts';
export type { LostChannelData } from './states/wait-for-remote-publish.ts';
