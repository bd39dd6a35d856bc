/**
 * `force-closing`, BOLT 5 fees: on each tick, every claim of ours still unconfirmed whose
 * deadline is near (bolt5/urgency.ts `rebumpDue`: it waited as long as its deadline's
 * confirmation target) gets a higher-fee version (`bumpPlan`: the estimate for what is left of
 * its deadline, at least double what it pays; BIP 125: at least the old fee plus the incremental
 * relay fee). The new version replaces the stored one (persisted before the node publishes it),
 * and `request-claim-bump` tells the node to publish it, or, where the chain refuses
 * replacements (bcoin), to CPFP the version in the mempool from its own output
 * (engine/node/claim-bump.ts). Fees never pass DEFAULT_MAX_FEE_FRACTION of what the claim takes.
 *
 * A claim's nLockTime is the tip it was built at (claims are built with it: anti fee sniping),
 * so how long a version has waited is read from the version itself. Whichever version confirms
 * is ours (claim-fees.ts `isVersionOf`, used by the confirmation and spend handlers).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#requirements
 */
import { Transaction } from 'bitcoinjs-lib';
import { ValidationError, errorMessage } from '../../lib/errors.ts';
import { type ChannelAction, type RequestClaimBumpAction, emit } from '../actions.ts';
import { DEFAULT_MAX_FEE_FRACTION, MIN_SWEEP_FEERATE_PER_KW, bumpPlan, rebumpDue } from '../bolt5/urgency.ts';
import { blocksBefore, feeEstimatesOf } from '../claim-fees.ts';
import type { ChannelContext } from '../context.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../onchain.ts';
import type { ForceClosingState } from '../types.ts';

/** One unconfirmed claim that may be bumped, as a force-closing state describes it. */
export interface BumpCandidate {
  readonly kind: RequestClaimBumpAction['kind'];
  /** The stored version. */
  readonly tx: Transaction;
  /** What its inputs are worth. */
  readonly inputValueSat: bigint;
  /** The first block in which the peer can take one of its inputs. */
  readonly deadlineHeight: number;
  /** The same claim (same inputs, same destination) at `feeratePerKw` with nLockTime `locktime`; throws a ValidationError when it would be dust. */
  rebuild(feeratePerKw: number, locktime: number): Uint8Array;
  /** `state` with `rawTx` stored as this claim's version. */
  store(state: ForceClosingState, rawTx: Uint8Array): ForceClosingState;
}

/** The fee cap of a claim taking `inputValueSat`. */
export function claimFeeCap(inputValueSat: bigint): bigint {
  return (inputValueSat * BigInt(Math.floor(DEFAULT_MAX_FEE_FRACTION * 1_000_000))) / 1_000_000n;
}

/** The bumps due at this tick; undefined when none is. */
export function rebumpClaims(state: ForceClosingState, candidates: readonly BumpCandidate[], ctx: ChannelContext): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  let next = state;
  const actions: ChannelAction[] = [];
  const estimates = feeEstimatesOf(ctx);
  for (const cand of candidates) {
    const tx = cand.tx;
    const deadlineBlocks = blocksBefore(cand.deadlineHeight, ctx.blockHeight);
    const waited = Math.max(0, ctx.blockHeight - tx.locktime);
    if (!rebumpDue(deadlineBlocks, waited)) continue;
    const feeSat = cand.inputValueSat - tx.outs.reduce((s, o) => s + o.value, 0n);
    const weight = tx.weight();
    if (feeSat < 0n || weight <= 0) continue;
    const paid = Math.max(MIN_SWEEP_FEERATE_PER_KW, Number((feeSat * 1000n) / BigInt(weight)));
    const sweep = { feeratePerKw: paid, feeSat, weight, inputValueSat: cand.inputValueSat, blocksUnconfirmed: waited };
    const plan = bumpPlan({ sweep, deadlineBlocks, estimates, chainSupportsRbf: true });
    if (plan.action !== 'replace') {
      actions.push(emit({ type: 'ignored', what: 'fee-bump', reason: `${cand.kind} ${tx.getId()} not bumped: ${plan.action === 'wait' ? plan.reason : 'no replacement'}` }));
      continue;
    }
    let raw: Uint8Array;
    try {
      // One sat/kw above the plan: the builder's fee is for its estimated weight, never below the plan's.
      raw = cand.rebuild(plan.feeratePerKw + 1, ctx.blockHeight);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      actions.push(emit({ type: 'ignored', what: 'fee-bump', reason: `${cand.kind} ${tx.getId()} not bumped: ${errorMessage(err)}` }));
      continue;
    }
    next = cand.store(next, raw);
    const bumped = Transaction.fromBuffer(raw);
    const replacementTxid = bumped.getHash();
    const first = bumped.ins[0] as { hash: Uint8Array; index: number };
    actions.push(
      {
        type: 'request-claim-bump',
        kind: cand.kind,
        replacement: raw,
        replacementTxid,
        spentOutpoint: { txid: first.hash.slice(), index: first.index },
        inputValueSat: cand.inputValueSat,
        targetFeeratePerKw: plan.feeratePerKw,
        maxFeeSat: claimFeeCap(cand.inputValueSat),
      },
      { type: 'watch-confirmations', txid: replacementTxid, depth: SWEEP_CONFIRMATION_DEPTH, outputIndex: 0, scriptPubKey: (bumped.outs[0] as { script: Uint8Array }).script },
    );
  }
  return actions.length > 0 || next !== state ? { state: next, actions } : undefined;
}
