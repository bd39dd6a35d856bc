/**
 * BOLT 5 for the channel reducer: recognise the commitment that spent our funding output, find
 * our output on it, decide when its delay has passed, build its sweep with the channel's keys,
 * and decide whether our own broadcast commitment needs an anchor CPFP.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import type { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { ChannelKeys } from '../keys/keychain.ts';
import type { BroadcastKind, ChannelAction, RequestCpfpAction } from './actions.ts';
import { derivePrivkey } from './bolt3/keys.ts';
import { hasAnchors } from './bolt3/types.ts';
import { type Sweep, buildToLocalSweep, buildToRemoteSweep, toRemoteScriptPubKey } from './bolt5/sweep.ts';
import { anchorScriptPubKey } from './bolt5/anchor-cpfp.ts';
import { CLOSING_CONFIRMATION_DEPTH, fallbackShutdownScript } from './closing.ts';
import { buildLocalCommitment } from './commitments.ts';
import { blocksBefore, claimFeerate, economyFeerate } from './claim-fees.ts';
import type { ChannelContext } from './context.ts';
import { type CommitmentSpend, type Commitments, MIN_FEERATE_PER_KW } from './types.ts';

/** Depth at which a sweep (or a commitment with nothing of ours on it) ends the channel: as a mutual close. */
export { CLOSING_CONFIRMATION_DEPTH as SWEEP_CONFIRMATION_DEPTH } from './closing.ts';

/**
 * With anchors, our broadcast commitment is CPFP'd when its feerate is below this fraction of
 * our current estimate (`ctx.feeratePerKw`). Ordinary estimate noise (a few percent) does not
 * cost a wallet coin; a commitment signed at a stale, clearly lower feerate gets bumped.
 */
export const CPFP_FEERATE_MARGIN = 0.9;

/** Whether `tx` spends the channel's funding outpoint. */
export function spendsFunding(c: Commitments, tx: Transaction): boolean {
  return tx.ins.some((i) => equalBytes(i.hash, c.fundingOutpoint.txid) && i.index === c.fundingOutpoint.index);
}

/** Which commitment `tx` is and our output on it; undefined for a transaction that is neither side's commitment. */
export function identifySpend(c: Commitments, tx: Transaction, keys: ChannelKeys): Omit<CommitmentSpend, 'blockHeight' | 'sweepTx'> | undefined {
  const txid = tx.getHash();
  if (equalBytes(txid, c.localCommit.txid)) {
    const ours = buildLocalCommitment(c, keys, c.localCommit.index, c.localCommit.spec);
    const o = ours.outputs.find((x) => x.kind === 'to_local');
    const onChain = o ? tx.outs[o.index] : undefined;
    const output = o && onChain && equalBytes(onChain.script, o.scriptPubKey) && onChain.value === o.valueSat ? { index: o.index, valueSat: o.valueSat } : undefined;
    return { commitment: 'local', txid, ...(output ? { output } : {}) };
  }
  const spk = toRemoteScriptPubKey(c.channelType, c.localParams.paymentBasepoint);
  const index = tx.outs.findIndex((o) => equalBytes(o.script, spk));
  const output = index >= 0 ? { index, valueSat: (tx.outs[index] as { value: bigint }).value } : undefined;
  if (equalBytes(txid, c.remoteCommit.txid)) return { commitment: 'remote-current', txid, ...(output ? { output } : {}) };
  if (output) return { commitment: 'remote-other', txid, output };
  return undefined;
}

/** Blocks after its confirmation before our output can be spent: the peer's `to_self_delay` on ours, 1 on an anchors `to_remote`, else 0. */
export function sweepDelay(c: Commitments, spend: Pick<CommitmentSpend, 'commitment'>): number {
  if (spend.commitment === 'local') return c.remoteParams.toSelfDelay;
  return hasAnchors(c.channelType) ? 1 : 0;
}

/** Whether a sweep would be valid in the next block (BIP 68: confirmed at h with delay d → spendable in block h + d). */
export function sweepMatured(c: Commitments, spend: CommitmentSpend, tipHeight: number): boolean {
  return tipHeight + 1 >= spend.blockHeight + sweepDelay(c, spend);
}

/** Where sweeps pay: the node's wallet script, else our upfront_shutdown_script, else P2WPKH of our payment basepoint. */
export function sweepDestination(c: Commitments, ctx: ChannelContext): Uint8Array {
  const given = ctx.sweepScriptPubKey;
  if (given instanceof Uint8Array && given.length > 0 && given.length <= 42) return given;
  const upfront = c.localParams.upfrontShutdownScript;
  if (upfront !== undefined && upfront.length > 0) return upfront;
  return fallbackShutdownScript(c);
}

/**
 * Publish one of our on-chain claims (a sweep, an HTLC claim, a second-stage sweep, a justice tx)
 * and watch it to SWEEP_CONFIRMATION_DEPTH; its output 0 pays `sweepDestination`.
 */
export function publishClaim(kind: BroadcastKind, rawTx: Uint8Array, txid: Uint8Array, c: Commitments, ctx: ChannelContext): ChannelAction[] {
  return [
    { type: 'broadcast', kind, rawTx, txid },
    { type: 'watch-confirmations', txid, depth: CLOSING_CONFIRMATION_DEPTH, outputIndex: 0, scriptPubKey: sweepDestination(c, ctx) },
  ];
}

/** The signed sweep of `spend.output` (throws a ValidationError when it would be dust, or pay the output's own script). */
export function buildSweep(c: Commitments, spend: CommitmentSpend, keys: ChannelKeys, ctx: ChannelContext): Sweep {
  const o = spend.output;
  if (!o) throw new Error('nothing to sweep');
  // Nobody else can take our to_local (our commitment is current) nor our to_remote: no deadline, economy (claim-fees.ts).
  const feeratePerKw = economyFeerate(ctx);
  const destination = sweepDestination(c, ctx);
  const output = { txid: spend.txid, index: o.index, valueSat: o.valueSat };
  if (spend.commitment === 'local') {
    const ours = buildLocalCommitment(c, keys, c.localCommit.index, c.localCommit.spec);
    return buildToLocalSweep({
      output,
      revocationPubkey: ours.keys.revocationPubkey,
      toSelfDelay: ours.toSelfDelay,
      delayedPrivkey: derivePrivkey(keys.delayedPaymentBasepointSecret, ours.keys.perCommitmentPoint),
      destination,
      feeratePerKw,
    });
  }
  // Without a wallet script, static_remotekey's fallback is P2WPKH of our payment basepoint: the
  // very script of this to_remote. Paying a fee to move it onto itself gains nothing.
  if (equalBytes(destination, toRemoteScriptPubKey(c.channelType, c.localParams.paymentBasepoint))) {
    throw new ValidationError('destination', 'is the script of the output itself (no wallet script given): left where it is, spendable from the seed');
  }
  return buildToRemoteSweep({ channelType: c.channelType, output, paymentPrivkey: keys.paymentBasepointSecret, destination, feeratePerKw });
}

/**
 * `request-cpfp` for our signed commitment `tx` when the channel has anchors, the commitment has
 * our anchor, and its feerate is below {@link CPFP_FEERATE_MARGIN} × the target: our estimate,
 * or, when the commitment carries HTLCs, the estimate for the soonest `cltv_expiry` if higher
 * (BOLT 5: the HTLC txs can only follow the commitment, and must beat the peer's path at that
 * height; claim-fees.ts `claimFeerate`).
 */
export function cpfpRequest(c: Commitments, tx: Transaction, ctx: ChannelContext): RequestCpfpAction | undefined {
  if (!hasAnchors(c.channelType)) return undefined;
  const anchorIndex = tx.outs.findIndex((o) => equalBytes(o.script, anchorScriptPubKey(c.localParams.fundingPubkey)));
  if (anchorIndex < 0) return undefined;
  const weight = tx.weight();
  const feeSat = c.fundingSat - tx.outs.reduce((s, o) => s + o.value, 0n);
  const feeratePerKw = Number((feeSat * 1000n) / BigInt(weight));
  const htlcs = c.localCommit.spec.htlcs;
  const soonest = htlcs.length > 0 ? Math.min(...htlcs.map((h) => h.cltvExpiry)) : undefined;
  const forDeadline = soonest === undefined ? 0 : claimFeerate(ctx, blocksBefore(soonest, ctx.blockHeight));
  const target = Math.max(MIN_FEERATE_PER_KW, Math.floor(ctx.feeratePerKw), forDeadline);
  if (feeratePerKw >= target * CPFP_FEERATE_MARGIN) return undefined;
  return { type: 'request-cpfp', channelIndex: c.channelIndex, parentTxid: tx.getHash(), parentWeight: weight, parentFeeSat: feeSat, anchorIndex, targetFeeratePerKw: target };
}
