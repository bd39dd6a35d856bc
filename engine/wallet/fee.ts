/**
 * Fee rates. Users and Esplora speak sat/vB (possibly fractional); inside the wallet a rate is a
 * bigint in sat per 1000 vB (sat/kvB, Bitcoin Core's unit), so fee arithmetic is exact:
 * fee = ceil(vsize × rate / 1000), where vsize = ceil(weight / 4) (BIP 141).
 *
 * Estimates from the chain server are untrusted: absent, non-finite or absurd values are
 * ignored and a per-network fallback is used; every rate is clamped to [MIN, MAX].
 */
import type { FeeEstimates } from '../chain/source.ts';
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';

/** sat/kvB. */
export type FeeRate = bigint;

/** 1 sat/vB: the default minimum relay fee of Bitcoin Core before v29 (and still widely used). */
export const MIN_FEE_RATE_SAT_VB = 1;
/** Above this a rate is a typo or a lie. Also bitcoinjs-lib's default `maximumFeeRate`. */
export const MAX_FEE_RATE_SAT_VB = 5000;
/** Confirmation target (blocks) used when the caller gives neither a rate nor a target. */
export const DEFAULT_TARGET_BLOCKS = 6;
/** sat/vB used when the server has no usable estimate. */
export const FALLBACK_FEE_RATE_SAT_VB: Readonly<Record<NetworkName, number>> = Object.freeze({
  bitcoin: 10,
  testnet: 1,
  signet: 1,
  regtest: 1,
});

/** sat/vB (number) → sat/kvB, rounding up so we never pay less than asked. */
export function feeRateFromSatPerVb(satPerVb: number): FeeRate {
  return BigInt(Math.ceil(Math.round(satPerVb * 1e6) / 1e3));
}

/** sat/kvB → sat/vB for display. */
export function feeRateToSatPerVb(rate: FeeRate): number {
  return Number(rate) / 1000;
}

/** Validate a caller's sat/vB rate. */
export function parseFeeRate(satPerVb: unknown, field = 'feeRate'): FeeRate {
  if (typeof satPerVb !== 'number' || !Number.isFinite(satPerVb)) throw new ValidationError(field, 'must be a number (sat/vB)');
  if (satPerVb < MIN_FEE_RATE_SAT_VB) throw new ValidationError(field, `must be at least ${MIN_FEE_RATE_SAT_VB} sat/vB, got ${satPerVb}`);
  if (satPerVb > MAX_FEE_RATE_SAT_VB) throw new ValidationError(field, `must be at most ${MAX_FEE_RATE_SAT_VB} sat/vB, got ${satPerVb}`);
  return feeRateFromSatPerVb(satPerVb);
}

/** Validate a confirmation target in blocks. */
export function parseTarget(target: unknown, field = 'target'): number {
  if (typeof target !== 'number' || !Number.isSafeInteger(target) || target < 1 || target > 1008) {
    throw new ValidationError(field, 'must be a whole number of blocks from 1 to 1008');
  }
  return target;
}

function usable(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_FEE_RATE_SAT_VB;
}

/**
 * The rate for `target` blocks from server estimates: the estimate for the largest listed target
 * not above `target` (a faster target's rate is the conservative choice), else the smallest
 * listed target above it, else the network fallback; clamped to [MIN, MAX] sat/vB.
 */
export function rateForTarget(estimates: FeeEstimates | undefined, target: number, network: NetworkName): FeeRate {
  let chosen: number | undefined;
  if (estimates) {
    const entries = [...estimates.entries()].filter(([t, v]) => Number.isSafeInteger(t) && t > 0 && usable(v));
    const below = entries.filter(([t]) => t <= target).sort((a, b) => b[0] - a[0]);
    const above = entries.filter(([t]) => t > target).sort((a, b) => a[0] - b[0]);
    chosen = (below[0] ?? above[0])?.[1];
  }
  const satPerVb = chosen ?? FALLBACK_FEE_RATE_SAT_VB[network];
  return feeRateFromSatPerVb(Math.min(MAX_FEE_RATE_SAT_VB, Math.max(MIN_FEE_RATE_SAT_VB, satPerVb)));
}

/** Fee for `weight` weight units at `rate`: ceil(ceil(weight/4) × rate / 1000). */
export function feeForWeight(weight: number, rate: FeeRate): bigint {
  const vsize = BigInt(Math.ceil(weight / 4));
  return (vsize * rate + 999n) / 1000n;
}
