/**
 * Fee urgency for BOLT 5 sweeps. "the local node ... MUST spend ... before the remote node can"
 * (e.g. a revoked `to_local` once `to_self_delay` has passed, an HTLC output once its
 * `cltv_expiry` lets the peer take it): each sweep has a deadline in blocks, and its feerate must
 * get it confirmed before then.
 *
 * - {@link sweepFeerate}: deadline → confirmation target (half the blocks left, so a bump still
 *   has time to work) → the estimate for that target, in sat/kw (never below 253 nor below what
 *   an earlier broadcast already paid).
 * - {@link bumpPlan}: for a sweep still unconfirmed, whether to wait, replace it (BIP 125 RBF:
 *   higher feerate and an absolute fee at least the old one plus the incremental relay fee) or,
 *   where the chain does not relay replacements (bcoin has no RBF), pay for it with a child
 *   spending its output (CPFP). Each bump at least doubles the feerate of the last; the total
 *   fee is capped at a fraction of the value swept.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#requirements
 */
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkInt } from '../bolt3/check.ts';
import { checkFeerate, feeForWeight } from './weights.ts';

/** The relay floor: 253 sat/kw (BOLT 3). */
export const MIN_SWEEP_FEERATE_PER_KW = 253;
/** The longest confirmation target estimators give (Bitcoin Core / Esplora). */
export const MAX_CONFIRMATION_TARGET = 1008;
/** BIP 125 rule 4: a replacement pays the incremental relay fee, 1 sat/vB, for its own size. */
export const INCREMENTAL_RELAY_FEERATE_PER_KW = 250;
/** Default cap: a sweep never spends more than this fraction of the value it recovers on fees. */
export const DEFAULT_MAX_FEE_FRACTION = 0.5;

/**
 * Fee estimates: confirmation target in blocks → sat/vB, as a Map (engine/chain `FeeEstimates`)
 * or a plain object (the shape of Esplora's /fee-estimates).
 */
export type SweepFeeEstimates = ReadonlyMap<number, number> | Readonly<Record<number, number>>;

export interface SweepFeerateParams {
  /** Blocks until the peer can take the output (or the HTLC expires); ≤ 0: already racing. */
  readonly deadlineBlocks: number;
  readonly estimates: SweepFeeEstimates;
  /** The feerate an earlier broadcast of this sweep paid: the answer is never below it. */
  readonly alreadyPaidPerKw?: number;
}

export interface SweepFeerate {
  /** The confirmation target the estimate was taken for. */
  readonly targetBlocks: number;
  readonly feeratePerKw: number;
}

/** The deadline of a sweep nobody else can take (our to_remote, our delayed outputs): economy, the longest target. */
export const NO_DEADLINE_BLOCKS = 2 * MAX_CONFIRMATION_TARGET;

/** The confirmation target for a deadline: half the blocks left (at least 1, at most 1008). */
export function confirmationTarget(deadlineBlocks: number): number {
  if (typeof deadlineBlocks !== 'number' || !Number.isSafeInteger(deadlineBlocks)) throw new ValidationError('deadlineBlocks', `must be an integer, got ${String(deadlineBlocks)}`);
  return Math.min(MAX_CONFIRMATION_TARGET, Math.max(1, Math.floor(deadlineBlocks / 2)));
}

/** sat/vB → sat/kw (1 vbyte = 4 weight units), rounded up. */
export function satPerVbyteToPerKw(satPerVbyte: number): number {
  return Math.ceil(satPerVbyte * 250);
}

function checkEstimates(estimates: SweepFeeEstimates): [number, number][] {
  if (estimates === null || typeof estimates !== 'object') throw new ValidationError('estimates', 'must be an object of target → sat/vB');
  const pairs: [number, number][] = [];
  const entries: [string | number, unknown][] = estimates instanceof Map ? [...estimates.entries()] : Object.entries(estimates);
  for (const [key, value] of entries) {
    const target = Number(key);
    if (!Number.isSafeInteger(target) || target < 1) throw new ValidationError('estimates', `target ${key} is not a block count`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ValidationError(`estimates.${key}`, `must be a sat/vB number, got ${String(value)}`);
    pairs.push([target, value]);
  }
  if (pairs.length === 0) throw new ValidationError('estimates', 'are empty');
  return pairs.sort((a, b) => a[0] - b[0]);
}

/**
 * The feerate for a sweep due in `deadlineBlocks`: the estimate of the longest known target
 * not above {@link confirmationTarget} (a shorter target's estimate is never lower), else the
 * shortest known target's. At least 253 sat/kw and at least `alreadyPaidPerKw`.
 */
export function sweepFeerate(p: SweepFeerateParams): SweepFeerate {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  const target = confirmationTarget(p.deadlineBlocks);
  const pairs = checkEstimates(p.estimates);
  const chosen = [...pairs].reverse().find(([t]) => t <= target) ?? (pairs[0] as [number, number]);
  let feeratePerKw = Math.max(MIN_SWEEP_FEERATE_PER_KW, satPerVbyteToPerKw(chosen[1]));
  if (p.alreadyPaidPerKw !== undefined) feeratePerKw = Math.max(feeratePerKw, checkFeerate(p.alreadyPaidPerKw, 'alreadyPaidPerKw'));
  return Object.freeze({ targetBlocks: chosen[0], feeratePerKw });
}

/**
 * Whether an unconfirmed sweep is due for a bump: it has waited at least the confirmation
 * target its deadline now calls for (half the blocks left). Far from the deadline it is given
 * time; as the deadline nears, the target shrinks, and so does the wait between bumps (with 2
 * blocks or fewer left: every block).
 */
export function rebumpDue(deadlineBlocks: number, blocksUnconfirmed: number): boolean {
  checkInt(blocksUnconfirmed, 0, 0xffffffff, 'blocksUnconfirmed');
  return blocksUnconfirmed >= confirmationTarget(deadlineBlocks);
}

/** An unconfirmed sweep we broadcast. */
export interface UnconfirmedSweep {
  readonly feeratePerKw: number;
  readonly feeSat: bigint;
  readonly weight: number;
  /** The value the sweep recovers (its inputs' sum): the cap is a fraction of it. */
  readonly inputValueSat: bigint;
  /** Blocks found since it was (last) broadcast without confirming it. */
  readonly blocksUnconfirmed: number;
}

export interface BumpPlanParams {
  readonly sweep: UnconfirmedSweep;
  readonly deadlineBlocks: number;
  readonly estimates: SweepFeeEstimates;
  /** Whether the chain's mempool accepts BIP 125 replacements (bcoin's does not). */
  readonly chainSupportsRbf: boolean;
  /** CPFP: the weight of the child spending the sweep's output (e.g. one P2WPKH in, one out: 439). */
  readonly childWeight?: number;
  /** Cap on all fees (sweep + child) as a fraction of `inputValueSat`, in (0, 1]. Default 0.5. */
  readonly maxFeeFraction?: number;
}

export type BumpPlan =
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'replace'; readonly feeratePerKw: number; readonly feeSat: bigint; readonly capped: boolean }
  | {
      readonly action: 'cpfp';
      /** The package (sweep + child) feerate aimed at. */
      readonly packageFeeratePerKw: number;
      /** The child's fee so that sweep + child reach that feerate. */
      readonly childFeeSat: bigint;
      readonly capped: boolean;
    };

/**
 * What to do with an unconfirmed sweep at a new block. Bump when a block passed without it
 * confirming or the estimate for its deadline rose above what it pays: to the larger of that
 * estimate and twice its feerate (doubling), never above the cap. With RBF: the replacement
 * pays at least the old fee plus the incremental relay fee for its weight. Without RBF: a CPFP
 * child brings the package to that feerate. `wait` when nothing needs doing or the cap is reached.
 */
export function bumpPlan(p: BumpPlanParams): BumpPlan {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  const s = p.sweep;
  if (s === null || typeof s !== 'object') throw new ValidationError('sweep', 'must be an object');
  checkFeerate(s.feeratePerKw, 'sweep.feeratePerKw');
  checkAmount(s.feeSat, 'sweep.feeSat');
  checkInt(s.weight, 1, 4_000_000, 'sweep.weight');
  checkAmount(s.inputValueSat, 'sweep.inputValueSat');
  checkInt(s.blocksUnconfirmed, 0, 0xffffffff, 'sweep.blocksUnconfirmed');
  if (typeof p.chainSupportsRbf !== 'boolean') throw new ValidationError('chainSupportsRbf', 'must be a boolean');
  const fraction = p.maxFeeFraction ?? DEFAULT_MAX_FEE_FRACTION;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) throw new ValidationError('maxFeeFraction', `must be in (0, 1], got ${String(fraction)}`);
  const childWeight = p.chainSupportsRbf ? 0 : checkInt(p.childWeight, 1, 400_000, 'childWeight');

  const wanted = sweepFeerate({ deadlineBlocks: p.deadlineBlocks, estimates: p.estimates }).feeratePerKw;
  const stale = s.blocksUnconfirmed > 0;
  if (!stale && wanted <= s.feeratePerKw) return { action: 'wait', reason: `pays ${s.feeratePerKw} sat/kw, the estimate for its deadline is ${wanted}` };
  const target = Math.max(wanted, stale ? s.feeratePerKw * 2 : 0);
  // Cap: (in per-mille of the value) so that bigint arithmetic stays exact.
  const capSat = (s.inputValueSat * BigInt(Math.floor(fraction * 1_000_000))) / 1_000_000n;

  if (p.chainSupportsRbf) {
    const minFee = s.feeSat + feeForWeight(s.weight, INCREMENTAL_RELAY_FEERATE_PER_KW);
    let feeSat = feeForWeight(s.weight, target);
    if (feeSat < minFee) feeSat = minFee;
    let capped = false;
    if (feeSat > capSat) {
      feeSat = capSat;
      capped = true;
    }
    if (feeSat < minFee) return { action: 'wait', reason: `the fee cap of ${capSat} sat (${fraction} of ${s.inputValueSat} sat) is reached` };
    return { action: 'replace', feeratePerKw: Number((feeSat * 1000n) / BigInt(s.weight)), feeSat, capped };
  }

  const packageWeight = s.weight + childWeight;
  let childFeeSat = feeForWeight(packageWeight, target) - s.feeSat;
  const ownFloor = feeForWeight(childWeight, MIN_SWEEP_FEERATE_PER_KW);
  if (childFeeSat < ownFloor) childFeeSat = ownFloor;
  let capped = false;
  if (s.feeSat + childFeeSat > capSat) {
    childFeeSat = capSat - s.feeSat;
    capped = true;
  }
  if (childFeeSat < ownFloor) return { action: 'wait', reason: `the fee cap of ${capSat} sat (${fraction} of ${s.inputValueSat} sat) is reached` };
  return { action: 'cpfp', packageFeeratePerKw: Number(((s.feeSat + childFeeSat) * 1000n) / BigInt(packageWeight)), childFeeSat, capped };
}
