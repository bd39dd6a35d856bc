/**
 * BOLT 3 "Fee Calculation" and "Trimmed Outputs": expected weights, second-stage HTLC fees, which
 * HTLCs make outputs, and the base commitment fee the funder pays.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#fee-calculation
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#trimmed-outputs
 */
import { checkAmount, checkU32 } from './check.ts';
import { type ChannelType, type CommitmentHtlc, checkChannelType, hasAnchors } from './types.ts';

/** Expected weight of a commitment transaction with no HTLC outputs (BOLT 3 Appendix A). */
export const COMMITMENT_BASE_WEIGHT = 724;
/** The same with `option_anchors` (two anchor outputs and a P2WSH `to_remote`). */
export const COMMITMENT_BASE_WEIGHT_ANCHORS = 1124;
/** Weight each untrimmed HTLC output adds. */
export const HTLC_OUTPUT_WEIGHT = 172;
/** HTLC-timeout expected weight without `option_anchors`. */
export const HTLC_TIMEOUT_WEIGHT = 663;
/** HTLC-success expected weight without `option_anchors`. */
export const HTLC_SUCCESS_WEIGHT = 703;
/** HTLC-timeout expected weight with `option_anchors` (its fee is 0 under zero-fee HTLC anchors). */
export const HTLC_TIMEOUT_WEIGHT_ANCHORS = 666;
/** HTLC-success expected weight with `option_anchors` (its fee is 0 under zero-fee HTLC anchors). */
export const HTLC_SUCCESS_WEIGHT_ANCHORS = 706;
/** BOLT 3: "The amount of the output is fixed at 330 sats" for each anchor. */
export const ANCHOR_OUTPUT_SAT = 330n;

/** `feerate_per_kw × weight / 1000`, rounded down (every BOLT 3 fee is computed this way). */
export function feeForWeight(feeratePerKw: number, weight: number): bigint {
  checkU32(feeratePerKw, 'feeratePerKw');
  return (BigInt(feeratePerKw) * BigInt(weight)) / 1000n;
}

/**
 * BOLT 3 HTLC-timeout fee: 0 with `anchors_zero_fee_htlc_tx`, otherwise `feerate_per_kw × 663 / 1000`.
 */
export function htlcTimeoutFee(feeratePerKw: number, channelType: ChannelType): bigint {
  checkChannelType(channelType);
  const fee = feeForWeight(feeratePerKw, HTLC_TIMEOUT_WEIGHT);
  return hasAnchors(channelType) ? 0n : fee;
}

/**
 * BOLT 3 HTLC-success fee: 0 with `anchors_zero_fee_htlc_tx`, otherwise `feerate_per_kw × 703 / 1000`.
 */
export function htlcSuccessFee(feeratePerKw: number, channelType: ChannelType): bigint {
  checkChannelType(channelType);
  const fee = feeForWeight(feeratePerKw, HTLC_SUCCESS_WEIGHT);
  return hasAnchors(channelType) ? 0n : fee;
}

/** The second-stage fee of an HTLC on the owner's commitment: HTLC-timeout if offered, HTLC-success if received. */
export function htlcTxFee(htlc: Pick<CommitmentHtlc, 'direction'>, feeratePerKw: number, channelType: ChannelType): bigint {
  return htlc.direction === 'offered' ? htlcTimeoutFee(feeratePerKw, channelType) : htlcSuccessFee(feeratePerKw, channelType);
}

/**
 * BOLT 3 "Trimmed Outputs": an HTLC makes no output when its amount (rounded down to satoshis)
 * minus its second-stage fee is below the owner's `dust_limit_satoshis`. With zero-fee HTLC
 * anchors the fee is 0, so the threshold is the dust limit alone.
 */
export function isHtlcTrimmed(
  htlc: Pick<CommitmentHtlc, 'direction' | 'amountMsat'>,
  dustLimitSatoshis: bigint,
  feeratePerKw: number,
  channelType: ChannelType,
): boolean {
  const amountSat = checkAmount(htlc.amountMsat, 'htlc.amountMsat') / 1000n;
  checkAmount(dustLimitSatoshis, 'dustLimitSatoshis');
  return amountSat - htlcTxFee(htlc, feeratePerKw, channelType) < dustLimitSatoshis;
}

/** BOLT 3 commitment expected weight: 724 (1124 with anchors) + 172 per untrimmed HTLC output. */
export function commitmentWeight(channelType: ChannelType, untrimmedHtlcs: number): number {
  checkChannelType(channelType);
  const base = hasAnchors(channelType) ? COMMITMENT_BASE_WEIGHT_ANCHORS : COMMITMENT_BASE_WEIGHT;
  return base + HTLC_OUTPUT_WEIGHT * untrimmedHtlcs;
}

/** BOLT 3 base commitment fee: `feerate_per_kw × commitment weight / 1000`. Anchors are not part of it. */
export function commitmentFee(feeratePerKw: number, channelType: ChannelType, untrimmedHtlcs: number): bigint {
  return feeForWeight(feeratePerKw, commitmentWeight(channelType, untrimmedHtlcs));
}

/** The HTLCs of a commitment split by BOLT 3 trimming, each list keeping the input order. */
export interface TrimmedHtlcs<H> {
  readonly untrimmed: readonly H[];
  readonly trimmed: readonly H[];
}

/** Split `htlcs` into those that get an output and those trimmed to fees (BOLT 3 "Trimmed Outputs"). */
export function trimHtlcs<H extends Pick<CommitmentHtlc, 'direction' | 'amountMsat'>>(
  htlcs: readonly H[],
  dustLimitSatoshis: bigint,
  feeratePerKw: number,
  channelType: ChannelType,
): TrimmedHtlcs<H> {
  const untrimmed: H[] = [];
  const trimmed: H[] = [];
  for (const h of htlcs) (isHtlcTrimmed(h, dustLimitSatoshis, feeratePerKw, channelType) ? trimmed : untrimmed).push(h);
  return { untrimmed, trimmed };
}

/**
 * What the funder pays for a commitment before any output is built (BOLT 3 "Fee Payment"): the
 * base fee, plus 2 × 330 sat for the anchors with `option_anchors`.
 */
export function funderCommitmentCost(feeratePerKw: number, channelType: ChannelType, untrimmedHtlcs: number): bigint {
  const fee = commitmentFee(feeratePerKw, channelType, untrimmedHtlcs);
  return hasAnchors(channelType) ? fee + 2n * ANCHOR_OUTPUT_SAT : fee;
}
