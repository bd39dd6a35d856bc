/** engine/onion: BOLT 4 Sphinx payment onions — build, peel, hop payloads, failure messages. */
export { ONION_PACKET_SIZE, HOP_PAYLOADS_SIZE, buildOnion, peelOnion } from './sphinx.ts';
export { onionSharedSecret, multiplyPoint } from './scalar-multiply.ts';
export type { BuiltOnion, OnionHop, PeeledOnion } from './sphinx.ts';
export { encodeHopPayload, decodeHopPayload, OnionPayloadError, PayloadType } from './payload.ts';
export type { HopPayload, TlvRecord } from './payload.ts';
export { FailureCode, ALL_FAILURE_CODES, failureName, failureWords, hasFailureFlag } from './failure-codes.ts';
export type { FailureMessage } from './failure-codes.ts';
export {
  amountBelowMinimum,
  badOnion,
  channelDisabled,
  decodeFailureMessage,
  describeFailure,
  encodeFailureMessage,
  expiryTooFar,
  expiryTooSoon,
  failureChannelUpdate,
  failureDetails,
  feeInsufficient,
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectCltvExpiry,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  mppTimeout,
  permanentChannelFailure,
  permanentNodeFailure,
  requiredChannelFeatureMissing,
  requiredNodeFeatureMissing,
  temporaryChannelFailure,
  temporaryNodeFailure,
  unknownNextPeer,
} from './failure-messages.ts';
export type { FailureDetails } from './failure-messages.ts';
export { createFailurePacket, wrapFailurePacket, decodeFailurePacket, attributeUndecodableFailure, FAILURE_PADDED_LENGTH } from './failure-packet.ts';
export { addAttribution, verifyAttribution, ATTRIBUTION_DATA_LENGTH, ATTRIBUTION_MAX_HOPS } from './attribution.ts';
export type { Attribution } from './attribution.ts';
export type { DecodedFailure, FailurePacketOptions } from './failure-packet.ts';
