/**
 * Vocabulary shared by the BOLT 3 builders.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md
 */
import { ValidationError } from '../../lib/errors.ts';

/**
 * The commitment formats we build (BOLT 9 / BOLT 2 `channel_type`): `static_remotekey` (feature
 * 12/13: `to_remote` is P2WPKH to the peer's `payment_basepoint`) and `anchors_zero_fee_htlc_tx`
 * (feature 22/23: "option_anchors" in BOLT 3, with zero-fee second-stage HTLC transactions).
 */
export type ChannelType = 'static_remotekey' | 'anchors_zero_fee_htlc_tx';

/** The channel types, for validation and iteration. */
export const CHANNEL_TYPES: readonly ChannelType[] = Object.freeze(['static_remotekey', 'anchors_zero_fee_htlc_tx']);

/** Whether BOLT 3's "if `option_anchors` applies" rules hold for this channel type. */
export function hasAnchors(channelType: ChannelType): boolean {
  return channelType === 'anchors_zero_fee_htlc_tx';
}

/** Check a channel type argument, naming `field`. */
export function checkChannelType(value: unknown, field = 'channelType'): ChannelType {
  if (value !== 'static_remotekey' && value !== 'anchors_zero_fee_htlc_tx') {
    throw new ValidationError(field, `must be one of ${CHANNEL_TYPES.join(', ')}, got ${String(value)}`);
  }
  return value;
}

/**
 * An HTLC's direction from the commitment owner's ("local") point of view: `offered` HTLCs were
 * added by the owner (BOLT 3 "Offered HTLC Outputs", resolved by HTLC-timeout), `received` HTLCs
 * by the countersignatory ("Received HTLC Outputs", resolved by HTLC-success).
 */
export type HtlcDirection = 'offered' | 'received';

/** One committed HTLC, as BOLT 3 needs it. */
export interface CommitmentHtlc {
  readonly direction: HtlcDirection;
  readonly amountMsat: bigint;
  /** 32-byte SHA256 payment hash. */
  readonly paymentHash: Uint8Array;
  /** Absolute block height (u32). */
  readonly cltvExpiry: number;
}

/** A transaction output reference. `txid` is in internal byte order, as on the wire (BOLT 2 `funding_txid`). */
export interface Outpoint {
  readonly txid: Uint8Array;
  readonly index: number;
}
