/**
 * `force-closing` after OUR commitment with HTLC outputs confirmed (BOLT 5 "Unilateral Close
 * Handling: Local Commitment Transaction — HTLC Output Handling"). Trace:
 *
 *   funding-spent by our commitment ──▶ one progress entry per HTLC output (persisted), their
 *     spends watched
 *   funding-spent / tick: an outgoing HTLC once its `cltv_expiry` is below the next block, an
 *     incoming one whose preimage we hold ──▶ its HTLC-timeout / HTLC-success transaction,
 *     completed with the peer's stored signature (bolt5/second-stage.ts finalizeLocalHtlcTx),
 *     persisted, broadcast (`second-stage`), watched to depth 1 (for its height)
 *   funding-confirmed of that HTLC tx ──▶ its height kept; once `to_self_delay` blocks passed
 *     (tick): the sweep of its output (buildSecondStageSweep), persisted, broadcast, watched
 *   funding-confirmed of the sweep at SWEEP_CONFIRMATION_DEPTH ──▶ `output-resolved` (claimed);
 *     an outgoing HTLC's: `htlc-failed` (timed out on chain)
 *   output-spent by the peer: its preimage claim of our outgoing HTLC ──▶ `htlc-fulfilled`;
 *     its timeout of an incoming one ──▶ `theirs`
 *
 * `option_anchors`: the HTLC transactions pay no fee. Once one could go out, the channel signs
 *   it (SINGLE|ANYONECANPAY, bolt5/second-stage.ts presignAnchorHtlcTx) and asks the node for
 *   its fee (`request-htlc-tx-fee`, deadline = its `cltv_expiry` − the tip; again on every block
 *   until answered). `htlc-tx-funded` with the fee-attached transaction (checked: our presigned
 *   input and output at index 0) ──▶ kept as the HTLC tx (persisted), then broadcast and watched
 *   as above (its output 0 is swept after `to_self_delay` the same way); a transaction the
 *   channel cannot use: `cancel-funding` (the wallet releases its coins); no coin: the warning
 *   `htlc-tx-unfunded`. The peer taking the output first also releases the coins of ours.
 *
 * Fees (BOLT 5 "every sweep pays for its deadline"): an anchors HTLC tx gets the estimate for
 *   its deadline from the node (fallback: the last tip's estimate for it, claim-fees.ts). A
 *   static_remotekey HTLC tx cannot: BOLT 3 fixes its fee at the commitment's feerate and the
 *   peer signed it with SIGHASH_ALL, and its one output is CSV-delayed by `to_self_delay`, so
 *   no child can pay for it either — its urgency is whatever the commitment feerate was (kept
 *   current by update_fee). The sweeps of the delayed outputs are ours alone: economy.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, equalBytes } from '../../lib/bytes.ts';
import { ValidationError, errorMessage } from '../../lib/errors.ts';
import { type ChannelAction, type RequestHtlcTxFeeAction, emit, printable } from '../actions.ts';
import type { Commitment, HtlcOutput } from '../bolt3/commitment.ts';
import { derivePrivkey } from '../bolt3/keys.ts';
import { hasAnchors } from '../bolt3/types.ts';
import { htlcSpendOf } from '../bolt5/htlc-spend.ts';
import { type LocalHtlcResolution, type LocalHtlcResolutions, buildSecondStageSweep, finalizeLocalHtlcTx, fundedHtlcTxProblem, localHtlcResolutions, presignAnchorHtlcTx } from '../bolt5/second-stage.ts';
import { buildLocalCommitment, keysFor } from '../commitments.ts';
import { claimFeerate, economyFeerate } from '../claim-fees.ts';
import type { ChannelContext } from '../context.ts';
import type { HtlcTxFundedEvent } from '../events.ts';
import { removalOf } from '../htlc-log.ts';
import { SWEEP_CONFIRMATION_DEPTH, publishClaim, sweepDestination } from '../onchain.ts';
import { type Transition, htlcTxNotWanted, persistThen, stay } from './common.ts';
import type { ClosingOutput } from './force-closing-revoked.ts';
import type { Commitments, ForceClosingState, HtlcClaimProgress, SpecHtlc } from '../types.ts';

type Step = { state: ForceClosingState; actions: ChannelAction[] };

function ourCommitment(c: Commitments, ctx: ChannelContext): Commitment<SpecHtlc> {
  return buildLocalCommitment(c, keysFor(c.localParams, ctx.channelKeys(c.channelIndex)), c.localCommit.index, c.localCommit.spec);
}

function htlcOutputs(commitment: Commitment<SpecHtlc>): HtlcOutput<SpecHtlc>[] {
  return commitment.outputs.filter((o): o is HtlcOutput<SpecHtlc> => o.kind === 'offered_htlc' || o.kind === 'received_htlc');
}

/** Named from our side: on our commitment `offered_htlc` is ours (outgoing). */
function kindOf(o: HtlcOutput): 'htlc-offered' | 'htlc-received' {
  return o.kind === 'offered_htlc' ? 'htlc-offered' : 'htlc-received';
}

const txidOf = (raw: Uint8Array): Uint8Array => Transaction.fromBuffer(raw).getHash();

/** Progress entries and watches for our confirmed commitment; undefined when it has no HTLC output. */
export function startLocalHtlcs(c: Commitments, txid: Uint8Array, ctx: ChannelContext): { progress: HtlcClaimProgress[]; actions: ChannelAction[] } | undefined {
  if (c.localCommit.spec.htlcs.length === 0) return undefined;
  const outputs = htlcOutputs(ourCommitment(c, ctx));
  if (outputs.length === 0) return undefined;
  const actions: ChannelAction[] = outputs.map((o) => ({ type: 'watch-output-spend', txid, outputIndex: o.index }));
  return { progress: outputs.map((o) => ({ outputIndex: o.index })), actions };
}

/** The preimage of an incoming HTLC we settled (our settle in the log). */
function preimageOf(c: Commitments, paymentHash: Uint8Array): Uint8Array | undefined {
  for (const add of c.log.remote.adds) {
    if (!equalBytes(add.paymentHash, paymentHash)) continue;
    const r = removalOf(c.log, 'remote', add.id);
    if (r?.kind === 'settle' && r.entry.preimage) return r.entry.preimage;
  }
  return undefined;
}

/** Our HTLC transactions that can be completed now (timeouts, successes whose preimage we know); undefined when the stored signatures do not verify. */
function readyResolutions(c: Commitments, commitment: Commitment<SpecHtlc>): LocalHtlcResolutions<SpecHtlc>['ready'] | undefined {
  try {
    return localHtlcResolutions(commitment, c.localCommit.htlcSignatures, (h) => preimageOf(c, h)).ready;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return undefined;
  }
}

/**
 * Blocks left before the peer can take the HTLC output (BOLT 5): an incoming HTLC's timeout path
 * opens at its `cltv_expiry`; an outgoing one's preimage path never closes, so once our timeout is
 * valid (at `cltv_expiry`) it is already racing (≤ 0).
 */
function deadlineBlocks(r: LocalHtlcResolution, ctx: ChannelContext): number {
  return r.htlcTx.htlc.cltvExpiry - ctx.blockHeight;
}

/** The fee request for an anchors HTLC transaction (presigned by both, SINGLE|ANYONECANPAY). */
function feeRequest(r: LocalHtlcResolution, localHtlcPrivkey: Uint8Array, ctx: ChannelContext): RequestHtlcTxFeeAction {
  const deadline = deadlineBlocks(r, ctx);
  return {
    type: 'request-htlc-tx-fee',
    outputIndex: r.htlcTx.commitmentOutputIndex,
    kind: r.htlcTx.kind,
    htlcTx: presignAnchorHtlcTx(r, localHtlcPrivkey).toBuffer(),
    deadlineBlocks: deadline,
    // The node asks the chain for fresh estimates; without an answer, the ones of the last tip for this deadline (claim-fees.ts).
    fallbackFeeratePerKw: claimFeerate(ctx, deadline),
  };
}

/**
 * HTLC txs that can go out now (static_remotekey: as presigned; anchors: a fee request, again on
 * every call until funded), and sweeps of confirmed HTLC txs whose delay passed.
 */
export function advanceLocalHtlcs(state: ForceClosingState, ctx: ChannelContext): Step | undefined {
  const c = state.commitments;
  const spend = state.spend;
  const progress = state.htlcClaims;
  if (!spend || spend.commitment !== 'local' || !progress) return undefined;
  if (!progress.some((p) => p.outcome === undefined && !p.sweepTx)) return undefined;
  const anchors = hasAnchors(c.channelType);
  const commitment = ourCommitment(c, ctx);
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const point = commitment.keys.perCommitmentPoint;
  const ready = readyResolutions(c, commitment);
  if (!ready) return undefined;
  const actions: ChannelAction[] = [];
  let changed = false;
  const next = progress.map((p): HtlcClaimProgress => {
    if (p.outcome !== undefined) return p;
    if (!p.claimTx) {
      const r = ready.find((x) => x.htlcTx.commitmentOutputIndex === p.outputIndex);
      if (!r) return p;
      if (r.htlcTx.kind === 'htlc-timeout' && !(r.htlcTx.htlc.cltvExpiry < ctx.blockHeight + 1)) return p;
      if (anchors) {
        actions.push(feeRequest(r, derivePrivkey(keys.htlcBasepointSecret, point), ctx));
        return p;
      }
      const tx = finalizeLocalHtlcTx(r, derivePrivkey(keys.htlcBasepointSecret, point));
      changed = true;
      actions.push(...publishHtlcTx(tx));
      return { ...p, claimTx: tx.toBuffer() };
    }
    if (p.secondStageHeight === undefined || p.sweepTx) return p;
    if (ctx.blockHeight + 1 < p.secondStageHeight + c.remoteParams.toSelfDelay) return p;
    const htlcTx = Transaction.fromBuffer(p.claimTx);
    try {
      const sweep = buildSecondStageSweep({
        outputs: [{ txid: htlcTx.getHash(), index: 0, valueSat: htlcTx.outs[0]!.value }],
        revocationPubkey: commitment.keys.revocationPubkey,
        toSelfDelay: c.remoteParams.toSelfDelay,
        delayedPrivkey: derivePrivkey(keys.delayedPaymentBasepointSecret, point),
        destination: sweepDestination(c, ctx),
        feeratePerKw: economyFeerate(ctx), // our delayed output: nobody else can take it (claim-fees.ts)
      });
      changed = true;
      actions.push(...publishClaim('second-stage', sweep.rawTx, sweep.txid, c, ctx));
      return { ...p, sweepTx: sweep.rawTx };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      changed = true;
      actions.push(emit({ type: 'ignored', what: 'second-stage', reason: `not swept: ${errorMessage(err)}` }));
      return { ...p, outcome: 'dust' };
    }
  });
  if (changed) return { state: { ...state, htlcClaims: next }, actions };
  return actions.length > 0 ? { state, actions } : undefined;
}

/** Broadcast our HTLC tx (through the wallet when it spends wallet coins) and watch it to depth 1 (its height starts the CSV of its output 0). */
function publishHtlcTx(tx: Transaction, walletFunded = false): ChannelAction[] {
  return [
    { type: 'broadcast', kind: 'second-stage', rawTx: tx.toBuffer(), txid: tx.getHash(), ...(walletFunded ? { wallet: true as const } : {}) },
    { type: 'watch-confirmations', txid: tx.getHash(), depth: 1, outputIndex: 0, scriptPubKey: tx.outs[0]!.script },
  ];
}

/**
 * The node's answer to our `request-htlc-tx-fee`: the fee-attached HTLC tx becomes ours (kept,
 * then broadcast: a restart re-publishes this very tx, never one with other coins), or the
 * warning that no wallet coin could pay. A tx for an output already resolved or funded, or not
 * built on our presigned one, is refused and its coins released (`cancel-funding`).
 */
export function onHtlcTxFunded(state: ForceClosingState, event: HtlcTxFundedEvent, ctx: ChannelContext): Transition {
  const c = state.commitments;
  const spend = state.spend;
  const at = state.htlcClaims?.findIndex((p) => p.outputIndex === event.outputIndex) ?? -1;
  const p = state.htlcClaims?.[at];
  const open = spend?.commitment === 'local' && hasAnchors(c.channelType) && p !== undefined && p.outcome === undefined && !p.claimTx;
  if ('failure' in event) {
    return open ? stay(state, emit({ type: 'htlc-tx-unfunded', channelId: c.channelId, outputIndex: event.outputIndex, reason: printable(String(event.failure)) })) : stay(state);
  }
  if (!open || !p) return htlcTxNotWanted(state, event, `no unfunded HTLC transaction for output ${event.outputIndex} of our commitment`);
  let funded: Transaction;
  try {
    funded = Transaction.fromBuffer(event.rawTx);
  } catch {
    return htlcTxNotWanted(state, event);
  }
  const commitment = ourCommitment(c, ctx);
  const keys = keysFor(c.localParams, ctx.channelKeys(c.channelIndex));
  const r = readyResolutions(c, commitment)?.find((x) => x.htlcTx.commitmentOutputIndex === p.outputIndex);
  if (!r) return htlcTxNotWanted(state, event, `output ${p.outputIndex} cannot be claimed by us now`);
  const presigned = presignAnchorHtlcTx(r, derivePrivkey(keys.htlcBasepointSecret, commitment.keys.perCommitmentPoint));
  const problem = fundedHtlcTxProblem(funded, presigned);
  if (problem) return htlcTxNotWanted(state, event, `the funded HTLC transaction ${problem}`);
  const next = state.htlcClaims!.map((x, i) => (i === at ? { ...x, claimTx: event.rawTx.slice(), fundedAt: ctx.blockHeight } : x));
  return persistThen({ ...state, htlcClaims: next }, c.channelId, ...publishHtlcTx(funded, true));
}

/** Our HTLC tx confirmed (its height starts the CSV), or its sweep is deep (resolved). */
export function localHtlcTxConfirmed(state: ForceClosingState, event: { rawTx: Uint8Array; depth: number; blockHeight: number }, ctx: ChannelContext): Step | undefined {
  const progress = state.htlcClaims;
  const spend = state.spend;
  if (!progress || !spend || spend.commitment !== 'local') return undefined;
  let txid: Uint8Array;
  try {
    txid = txidOf(event.rawTx);
  } catch {
    return undefined;
  }
  const c = state.commitments;
  const at = progress.findIndex((p) => p.outcome === undefined && ((p.claimTx && equalBytes(txidOf(p.claimTx), txid)) || (p.sweepTx && equalBytes(txidOf(p.sweepTx), txid))));
  if (at < 0) return undefined;
  const p = progress[at] as HtlcClaimProgress;
  if (p.claimTx && equalBytes(txidOf(p.claimTx), txid)) {
    if (p.secondStageHeight !== undefined) return undefined;
    const next = progress.map((x, i) => (i === at ? { ...x, secondStageHeight: event.blockHeight } : x));
    return { state: { ...state, htlcClaims: next }, actions: [] };
  }
  if (event.depth < SWEEP_CONFIRMATION_DEPTH) return undefined;
  const o = htlcOutputs(ourCommitment(c, ctx)).find((x) => x.index === p.outputIndex);
  const actions: ChannelAction[] = [];
  if (o) {
    actions.push(emit({ type: 'output-resolved', channelId: c.channelId, txid: spend.txid, outputIndex: o.index, kind: kindOf(o), amountSat: o.valueSat, claimTxid: txid, outcome: 'claimed' }));
    if (o.kind === 'offered_htlc') {
      const tag = c.log.local.adds.find((a) => a.id === o.htlc.id)?.tag ?? '';
      actions.push(emit({ type: 'htlc-failed', channelId: c.channelId, htlcId: o.htlc.id, tag, localReason: `timed out on chain (cltv_expiry ${o.htlc.cltvExpiry}), claimed back in ${bytesToHex(Uint8Array.from(txid).reverse())}` }));
    }
  }
  const next = progress.map((x, i) => (i === at ? { ...x, outcome: 'claimed' as const } : x));
  return { state: { ...state, htlcClaims: next }, actions };
}

/**
 * The peer spent an HTLC output of our commitment: its preimage claim of our HTLC (learn it at
 * once), or its timeout of the peer's; `theirs` once that spend is SWEEP_CONFIRMATION_DEPTH deep
 * (as force-closing-remote-htlcs.ts remoteHtlcOutputSpent).
 */
export function localHtlcOutputSpent(state: ForceClosingState, txid: Uint8Array, outputIndex: number, spendingTx: Uint8Array, depth: number, ctx: ChannelContext): Step | undefined {
  const progress = state.htlcClaims;
  const spend = state.spend;
  if (!progress || !spend || spend.commitment !== 'local' || !equalBytes(txid, spend.txid)) return undefined;
  const at = progress.findIndex((p) => p.outputIndex === outputIndex && p.outcome === undefined);
  if (at < 0) return undefined;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(spendingTx);
  } catch {
    return undefined;
  }
  const mine = progress[at]?.claimTx;
  if (mine && equalBytes(txidOf(mine), tx.getHash())) return undefined;
  const c = state.commitments;
  const o = htlcOutputs(ourCommitment(c, ctx)).find((x) => x.index === outputIndex);
  if (!o) return undefined;
  let how;
  try {
    how = htlcSpendOf(tx, spend.txid, o);
  } catch {
    return undefined;
  }
  if (!how || how.secondStage) return undefined;
  const actions: ChannelAction[] = [];
  if (o.kind === 'offered_htlc' && how.path === 'preimage' && how.paymentPreimage) {
    const tag = c.log.local.adds.find((a) => a.id === o.htlc.id)?.tag ?? '';
    actions.push(emit({ type: 'htlc-fulfilled', channelId: c.channelId, htlcId: o.htlc.id, tag, paymentPreimage: how.paymentPreimage }));
  }
  if (depth < SWEEP_CONFIRMATION_DEPTH) return { state, actions };
  actions.push(emit({ type: 'output-resolved', channelId: c.channelId, txid: spend.txid, outputIndex, kind: kindOf(o), amountSat: o.valueSat, outcome: 'theirs' }));
  // Anchors: our HTLC tx spent wallet coins that stay ours; the wallet may use them again.
  if (mine && hasAnchors(c.channelType)) actions.push({ type: 'cancel-funding', txid: txidOf(mine) });
  const next = progress.map((p, i) => (i === at ? { ...p, outcome: 'theirs' as const } : p));
  return { state: { ...state, htlcClaims: next }, actions };
}

/** Our commitment's HTLC outputs for the UI (`closingOutputsOf`); needs the keys to rebuild the commitment, so it reads them from `ctx`. */
export function localHtlcOutputs(state: ForceClosingState, ctx: Pick<ChannelContext, 'channelKeys'>): ClosingOutput[] {
  const spend = state.spend;
  if (!state.htlcClaims || !spend || spend.commitment !== 'local') return [];
  const c = state.commitments;
  const outputs = htlcOutputs(buildLocalCommitment(c, keysFor(c.localParams, ctx.channelKeys(c.channelIndex)), c.localCommit.index, c.localCommit.spec));
  return state.htlcClaims.flatMap((p): ClosingOutput[] => {
    const o = outputs.find((x) => x.index === p.outputIndex);
    if (!o) return [];
    const base = { txid: spend.txid, outputIndex: o.index, kind: kindOf(o), amountSat: o.valueSat };
    const last = p.sweepTx ?? p.claimTx;
    const claimTxid = last ? { claimTxid: txidOf(last) } : {};
    if (p.outcome) return [{ ...base, status: p.outcome, ...claimTxid }];
    if (p.secondStageHeight !== undefined && !p.sweepTx) return [{ ...base, status: 'waiting', availableAtHeight: p.secondStageHeight + c.remoteParams.toSelfDelay, ...claimTxid }];
    if (last) return [{ ...base, status: 'claimable', ...claimTxid }];
    return [{ ...base, status: 'waiting', ...(o.kind === 'offered_htlc' ? { availableAtHeight: o.htlc.cltvExpiry + 1 } : {}) }];
  });
}
