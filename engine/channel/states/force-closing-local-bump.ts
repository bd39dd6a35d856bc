/**
 * `force-closing` on OUR commitment with `option_anchors`, BOLT 5 fees: a wallet-funded HTLC tx
 * (force-closing-local-htlcs.ts `onHtlcTxFunded`) still unconfirmed as its deadline nears is
 * bumped. It cannot be replaced — its wallet coins are reserved to this one version (a restart
 * re-publishes it, never a second one), and bcoin refuses replacements anyway — and its output 0
 * is CSV-delayed by `to_self_delay`, so no child can spend that. Its change output pays the
 * wallet: the node CPFPs from there (`request-htlc-tx-cpfp`, engine/node/claim-bump.ts).
 *
 * When: on each tick, once it waited (since it was kept, or last bumped: `fundedAt`, persisted)
 * as long as its deadline's confirmation target (bolt5/urgency.ts `rebumpDue`; the deadline is
 * the one the fee request used: `cltv_expiry` − the tip). The target: the estimate for that
 * deadline (claim-fees.ts); the node takes at least double what the package pays. All fees
 * stay under DEFAULT_MAX_FEE_FRACTION of the HTLC's value.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChannelAction } from '../actions.ts';
import type { HtlcOutput } from '../bolt3/commitment.ts';
import { hasAnchors } from '../bolt3/types.ts';
import { rebumpDue } from '../bolt5/urgency.ts';
import { buildLocalCommitment, keysFor } from '../commitments.ts';
import { claimFeerate } from '../claim-fees.ts';
import type { ChannelContext } from '../context.ts';
import type { ForceClosingState, HtlcClaimProgress, SpecHtlc } from '../types.ts';
import { claimFeeCap } from './force-closing-rebump.ts';

/**
 * The CPFP requests due at this tick for our unconfirmed anchors HTLC txs, with their `fundedAt`
 * moved to the tip (persisted before the requests run); a funded tx without `fundedAt` (kept by
 * an older version) starts its wait now. Undefined when nothing changes.
 */
export function bumpLocalHtlcTxs(state: ForceClosingState, ctx: ChannelContext): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const c = state.commitments;
  const spend = state.spend;
  const progress = state.htlcClaims;
  if (!spend || spend.commitment !== 'local' || !progress || !hasAnchors(c.channelType)) return undefined;
  const waiting = (p: HtlcClaimProgress): boolean => p.claimTx !== undefined && p.secondStageHeight === undefined && p.outcome === undefined;
  if (!progress.some(waiting)) return undefined;
  const commitment = buildLocalCommitment(c, keysFor(c.localParams, ctx.channelKeys(c.channelIndex)), c.localCommit.index, c.localCommit.spec);
  const outputs = commitment.outputs.filter((o): o is HtlcOutput<SpecHtlc> => o.kind === 'offered_htlc' || o.kind === 'received_htlc');
  const actions: ChannelAction[] = [];
  let changed = false;
  const next = progress.map((p): HtlcClaimProgress => {
    if (!waiting(p) || !p.claimTx) return p;
    if (p.fundedAt === undefined) {
      changed = true;
      return { ...p, fundedAt: ctx.blockHeight };
    }
    const o = outputs.find((x) => x.index === p.outputIndex);
    if (!o) return p;
    const deadline = o.htlc.cltvExpiry - ctx.blockHeight;
    if (!rebumpDue(deadline, Math.max(0, ctx.blockHeight - p.fundedAt))) return p;
    const tx = Transaction.fromBuffer(p.claimTx);
    // buildAnchorHtlcTx: the HTLC output at index 0, then the wallet's change.
    if (tx.outs.length < 2) return p;
    actions.push({
      type: 'request-htlc-tx-cpfp',
      outputIndex: p.outputIndex,
      htlcTx: p.claimTx,
      changeVout: tx.outs.length - 1,
      htlcValueSat: o.valueSat,
      targetFeeratePerKw: claimFeerate(ctx, deadline),
      maxFeeSat: claimFeeCap(o.valueSat),
    });
    changed = true;
    return { ...p, fundedAt: ctx.blockHeight };
  });
  return changed ? { state: { ...state, htlcClaims: next }, actions } : undefined;
}
