/**
 * BOLT 5 fees for the claims the force-closing states build: a claim's deadline (the first
 * block in which the peer could take the output itself) gives the feerate it pays, from the
 * node's fee estimates (bolt5/urgency.ts); and a claim keeps its identity across fee versions
 * (a replacement, BIP 125, spends the same outpoints into the same script), so whichever
 * version confirms is recognised as ours.
 *
 * Deadlines, per BOLT 5 "Requirements" (the local node must resolve an output before the remote
 * node can):
 * - justice (revoked to_local, revoked second-stage output): the peer's delayed path opens
 *   `to_self_delay` blocks after the transaction holding it confirmed; a revoked HTLC output:
 *   at its `cltv_expiry` (bolt5/justice.ts `peerClaimHeight`);
 * - our preimage claim of an incoming HTLC on the peer's commitment: the peer's timeout path
 *   opens at the HTLC's `cltv_expiry`;
 * - our timeout claim of an outgoing HTLC on the peer's commitment: the peer's preimage path is
 *   open as long as the output is unspent, so it races from the block it becomes valid in
 *   (`cltv_expiry` + 1): urgent, the shortest target;
 * - to_remote, our delayed to_local, second-stage sweeps: nobody else can take them: economy.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#requirements
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, equalBytes } from '../lib/bytes.ts';
import { NO_DEADLINE_BLOCKS, type SweepFeeEstimates, sweepFeerate } from './bolt5/urgency.ts';
import type { ChannelContext } from './context.ts';
import { MIN_FEERATE_PER_KW } from './types.ts';

type FeeContext = Pick<ChannelContext, 'feeEstimates' | 'feeratePerKw'>;

function hasEstimates(e: FeeContext['feeEstimates']): e is NonNullable<FeeContext['feeEstimates']> {
  if (e === undefined || e === null || typeof e !== 'object') return false;
  return e instanceof Map ? e.size > 0 : Object.keys(e).length > 0;
}

/** The node's estimates; without them, our one estimate `ctx.feeratePerKw` for every target. */
export function feeEstimatesOf(ctx: FeeContext): SweepFeeEstimates {
  if (hasEstimates(ctx.feeEstimates)) return ctx.feeEstimates;
  return { 1: Math.max(MIN_FEERATE_PER_KW, Math.floor(ctx.feeratePerKw)) / 250 };
}

/**
 * The feerate (sat/kw) for a claim with `deadlineBlocks` blocks left before the peer can take
 * its output: the estimate for that deadline's confirmation target (bolt5/urgency.ts
 * `sweepFeerate`), or, without estimates, our one estimate `ctx.feeratePerKw`. At least 253.
 */
export function claimFeerate(ctx: FeeContext, deadlineBlocks: number): number {
  return sweepFeerate({ deadlineBlocks, estimates: feeEstimatesOf(ctx) }).feeratePerKw;
}

/** The feerate for a sweep with no deadline (nobody else can take the output): economy. */
export function economyFeerate(ctx: FeeContext): number {
  return claimFeerate(ctx, NO_DEADLINE_BLOCKS);
}

/** Blocks left before block `height` (the first the peer can use), counting the next one: 0 = already racing. */
export function blocksBefore(height: number, tipHeight: number): number {
  return height - (tipHeight + 1);
}

const outpoints = (tx: Transaction): string[] => tx.ins.map((i) => `${bytesToHex(i.hash)}:${i.index}`).sort();

/**
 * Whether `other` is a fee version of our claim `ours`: it spends exactly the same outpoints
 * and pays the same script with its first output (a peer's spend of one of those outpoints
 * pays its own script, never our sweep destination).
 */
export function isVersionOf(ours: Transaction, other: Transaction): boolean {
  const a = outpoints(ours);
  const b = outpoints(other);
  if (a.length !== b.length || a.some((k, i) => k !== b[i])) return false;
  const o = ours.outs[0];
  const p = other.outs[0];
  return o !== undefined && p !== undefined && equalBytes(o.script, p.script);
}
