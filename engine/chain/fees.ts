/**
 * Fee estimates from `/fee-estimates` (`{"<target blocks>": <sat/vB>}`), made safe to spend with:
 * absurd rates are dropped, low ones raised to the floor, rates made non-increasing with the
 * target (a faster target never costs less), and an empty answer (regtest electrs returns `{}`)
 * replaced by a fallback table.
 */
import type { FeeEstimates } from './source.ts';
import { finiteNumber, record, SchemaError } from './validate.ts';

/** Rates below this are raised to it (everything relays at 1 sat/vB). */
export const MIN_FEE_RATE = 1;
/** Rates above this are treated as a lie or a bug, not a fee market. */
export const MAX_FEE_RATE = 5_000;
/** Largest confirmation target Esplora reports. */
export const MAX_FEE_TARGET = 1_008;

/** What we use when the server has no estimates: regtest's nearly empty blocks (1–2 sat/vB). */
export const REGTEST_FEE_FALLBACK: FeeEstimates = new Map([
  [1, 2],
  [2, 2],
  [3, 2],
  [6, 1],
  [12, 1],
  [25, 1],
  [144, 1],
  [504, 1],
  [1008, 1],
]);

export interface SanitizedFees {
  readonly estimates: FeeEstimates;
  /** Targets whose rate was absurd (≤ 0 or above MAX_FEE_RATE) and was dropped. */
  readonly dropped: readonly number[];
  /** True when nothing usable was left and `fallback` was returned. */
  readonly usedFallback: boolean;
}

/**
 * Validate the JSON of `/fee-estimates`. Keys must be integer targets 1…1008 and values finite
 * numbers (otherwise a SchemaError naming the key); then sanitise as described above.
 */
export function parseFeeEstimates(json: unknown, fallback: FeeEstimates = REGTEST_FEE_FALLBACK): SanitizedFees {
  const obj = record(json, '');
  const rates = new Map<number, number>();
  const dropped: number[] = [];
  for (const key of Object.keys(obj)) {
    if (!/^[1-9]\d{0,3}$/.test(key) || Number(key) > MAX_FEE_TARGET) throw new SchemaError(key, 'expected a confirmation target 1…1008');
    const target = Number(key);
    const rate = finiteNumber(obj[key], key);
    if (rate <= 0 || rate > MAX_FEE_RATE) dropped.push(target);
    else rates.set(target, Math.max(MIN_FEE_RATE, rate));
  }
  if (rates.size === 0) return { estimates: fallback, dropped, usedFallback: true };
  return { estimates: monotone(rates), dropped, usedFallback: false };
}

/** Sorted by target; each rate at least the rate of every slower target. */
function monotone(rates: ReadonlyMap<number, number>): FeeEstimates {
  const targets = [...rates.keys()].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let floor = 0;
  for (let i = targets.length - 1; i >= 0; i--) {
    const t = targets[i] as number;
    floor = Math.max(floor, rates.get(t) as number);
    out.set(t, floor);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * The rate for confirming within `target` blocks: the estimate at the nearest available target
 * lower than or equal to it (a faster target, so at least as high a rate); when every available
 * target is slower than asked, the fastest one. An empty map falls back to `fallback`.
 */
export function feeRateForTarget(estimates: FeeEstimates, target: number, fallback: FeeEstimates = REGTEST_FEE_FALLBACK): number {
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`fee target must be a positive integer, got ${target}`);
  const source = estimates.size > 0 ? estimates : fallback;
  let best: number | undefined;
  let fastest: number | undefined;
  for (const t of source.keys()) {
    if (t <= target && (best === undefined || t > best)) best = t;
    if (fastest === undefined || t < fastest) fastest = t;
  }
  const chosen = best ?? fastest;
  if (chosen === undefined) return MIN_FEE_RATE;
  return source.get(chosen) as number;
}
