/**
 * `force-closing` after the peer's current (or next) commitment with HTLC outputs confirmed
 * (BOLT 5 "Unilateral Close Handling: Remote Commitment Transaction — HTLC Output Handling").
 * Trace:
 *
 *   funding-spent by that commitment ──▶ one progress entry per HTLC output (persisted), the
 *     spends of those outputs watched (`watch-output-spend`); then as below
 *   funding-spent / tick: an incoming HTLC (the peer's `offered_htlc`) whose preimage we hold
 *     (our settle in the log) is claimed at once with it; an outgoing one (the peer's
 *     `received_htlc`) once its `cltv_expiry` is below the next block ──▶ claim built
 *     (bolt5/htlc-claims.ts), persisted, broadcast (`htlc-claim`), its confirmation watched
 *   output-spent by another transaction: the peer took it — by the preimage path of our outgoing
 *     HTLC (bolt5/htlc-spend.ts): `htlc-fulfilled` with the learnt preimage (the upstream
 *     payment succeeds); else its timeout of an incoming one; the output is `theirs` once that
 *     spend is SWEEP_CONFIRMATION_DEPTH deep (before, a reorg may still take it)
 *   funding-confirmed of our claim at SWEEP_CONFIRMATION_DEPTH ──▶ `output-resolved` (claimed);
 *     an outgoing HTLC's: `htlc-failed` (timed out on chain)
 *   closed once every HTLC output is resolved and the to_remote sweep (if any) is deep.
 *
 * A claim worth less than its fee is left to the miners (`dust`). Fees (claim-fees.ts): a
 * preimage claim pays the estimate for the blocks left before the HTLC's `cltv_expiry` (the
 * peer's timeout path); a timeout claim races the peer's preimage path, open already: the
 * shortest target. Unconfirmed near that deadline a claim is re-bumped
 * (force-closing-rebump.ts, {@link htlcClaimBumpCandidates}); whichever version confirms is
 * recognised by its inputs.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-remote-commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError, errorMessage } from '../../lib/errors.ts';
import { type ChannelAction, emit } from '../actions.ts';
import type { Commitment, HtlcOutput } from '../bolt3/commitment.ts';
import { derivePrivkey } from '../bolt3/keys.ts';
import { buildRemoteHtlcClaims } from '../bolt5/htlc-claims.ts';
import { htlcSpendOf } from '../bolt5/htlc-spend.ts';
import { buildRemoteCommitment } from '../commitments.ts';
import { blocksBefore, claimFeerate, isVersionOf } from '../claim-fees.ts';
import type { ChannelContext } from '../context.ts';
import type { ClosingOutput } from './force-closing-revoked.ts';
import type { BumpCandidate } from './force-closing-rebump.ts';
import { removalOf } from '../htlc-log.ts';
import { SWEEP_CONFIRMATION_DEPTH, publishClaim, sweepDestination } from '../onchain.ts';
import type { Commitments, ForceClosingState, HtlcClaimProgress, RemoteCommit, SpecHtlc } from '../types.ts';

/** The peer's commitment that confirmed (`spend.txid`), when it is its current or next one. */
function confirmedRemoteCommit(c: Commitments, txid: Uint8Array): RemoteCommit | undefined {
  if (equalBytes(c.remoteCommit.txid, txid)) return c.remoteCommit;
  if (c.remoteNextCommit && equalBytes(c.remoteNextCommit.commit.txid, txid)) return c.remoteNextCommit.commit;
  return undefined;
}

function rebuilt(c: Commitments, rc: RemoteCommit): Commitment<SpecHtlc> {
  return buildRemoteCommitment(c, rc.index, rc.spec, rc.remotePerCommitmentPoint);
}

function htlcOutputs(commitment: Commitment<SpecHtlc>): HtlcOutput<SpecHtlc>[] {
  return commitment.outputs.filter((o): o is HtlcOutput<SpecHtlc> => o.kind === 'offered_htlc' || o.kind === 'received_htlc');
}

/** The progress entries and output watches for the peer's confirmed commitment; undefined when it has no HTLC output (or is not its current / next). */
export function startRemoteHtlcs(c: Commitments, txid: Uint8Array): { progress: HtlcClaimProgress[]; actions: ChannelAction[] } | undefined {
  const rc = confirmedRemoteCommit(c, txid);
  if (!rc || rc.spec.htlcs.length === 0) return undefined;
  const outputs = htlcOutputs(rebuilt(c, rc));
  if (outputs.length === 0) return undefined;
  return {
    progress: outputs.map((o) => ({ outputIndex: o.index })),
    actions: outputs.map((o) => ({ type: 'watch-output-spend', txid, outputIndex: o.index })),
  };
}

/** Whether an HTLC output of the peer's commitment still waits for its resolution. */
export function remoteHtlcsPending(state: ForceClosingState): boolean {
  return state.htlcClaims?.some((p) => p.outcome === undefined) ?? false;
}

/** The tag our outgoing HTLC `id` carries (the node's id for the payment part). */
function tagOf(c: Commitments, id: bigint): string {
  return c.log.local.adds.find((a) => a.id === id)?.tag ?? '';
}

/** Build every claim that is possible now (preimage known, or expiry passed); the new state and its broadcasts. */
export function claimRemoteHtlcs(state: ForceClosingState, ctx: ChannelContext): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const c = state.commitments;
  const spend = state.spend;
  const progress = state.htlcClaims;
  if (!spend || spend.commitment === 'local' || !progress || !progress.some((p) => p.outcome === undefined && !p.claimTx)) return undefined;
  const rc = confirmedRemoteCommit(c, spend.txid);
  if (!rc) return undefined;
  const outputs = htlcOutputs(rebuilt(c, rc));
  const keys = ctx.channelKeys(c.channelIndex);
  const htlcPrivkey = derivePrivkey(keys.htlcBasepointSecret, rc.remotePerCommitmentPoint);
  const actions: ChannelAction[] = [];
  let changed = false;
  const next = progress.map((p): HtlcClaimProgress => {
    if (p.outcome !== undefined || p.claimTx) return p;
    const o = outputs.find((x) => x.index === p.outputIndex);
    if (!o) return p;
    let paymentPreimage: Uint8Array | undefined;
    if (o.kind === 'offered_htlc') {
      const removal = removalOf(c.log, 'remote', o.htlc.id);
      if (removal?.kind !== 'settle' || !removal.entry.preimage) return p;
      paymentPreimage = removal.entry.preimage;
    } else if (!(o.htlc.cltvExpiry < ctx.blockHeight + 1)) return p;
    try {
      const claim = buildRemoteHtlcClaims({
        channelType: c.channelType,
        claims: [{ commitmentTxid: spend.txid, output: o, paymentPreimage }],
        htlcPrivkey,
        destination: sweepDestination(c, ctx),
        feeratePerKw: claimFeerate(ctx, blocksBefore(htlcClaimDeadline(o), ctx.blockHeight)),
        locktime: ctx.blockHeight,
      });
      changed = true;
      actions.push(...publishClaim('htlc-claim', claim.rawTx, claim.txid, c, ctx));
      return { ...p, claimTx: claim.rawTx };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      changed = true;
      actions.push(emit({ type: 'output-resolved', channelId: c.channelId, txid: spend.txid, outputIndex: o.index, kind: kindOf(o), amountSat: o.valueSat, outcome: 'dust' }));
      actions.push(emit({ type: 'ignored', what: 'htlc-claim', reason: `not claimed: ${errorMessage(err)}` }));
      return { ...p, outcome: 'dust' };
    }
  });
  if (!changed) return undefined;
  return { state: { ...state, htlcClaims: next }, actions };
}

/**
 * The first block in which the peer can take the HTLC output of its commitment while our claim
 * is unconfirmed: with its HTLC-timeout from `cltv_expiry` (it "offered" it: our preimage
 * claim), or with the preimage at once (our timeout claim, valid from `cltv_expiry` + 1).
 */
export function htlcClaimDeadline(o: HtlcOutput): number {
  return o.kind === 'offered_htlc' ? o.htlc.cltvExpiry : o.htlc.cltvExpiry + 1;
}

/** Our unconfirmed HTLC claims on the peer's commitment, for re-bumping (force-closing-rebump.ts). */
export function htlcClaimBumpCandidates(state: ForceClosingState, ctx: ChannelContext): BumpCandidate[] {
  const c = state.commitments;
  const spend = state.spend;
  const progress = state.htlcClaims;
  if (!spend || spend.commitment === 'local' || !progress || !progress.some((p) => p.outcome === undefined && p.claimTx)) return [];
  const rc = confirmedRemoteCommit(c, spend.txid);
  if (!rc) return [];
  const outputs = htlcOutputs(rebuilt(c, rc));
  const htlcPrivkey = derivePrivkey(ctx.channelKeys(c.channelIndex).htlcBasepointSecret, rc.remotePerCommitmentPoint);
  const out: BumpCandidate[] = [];
  progress.forEach((p, at) => {
    const o = outputs.find((x) => x.index === p.outputIndex);
    if (p.outcome !== undefined || !p.claimTx || !o) return;
    const tx = Transaction.fromBuffer(p.claimTx);
    if (tx.ins.length !== 1 || tx.outs.length !== 1) return;
    const paymentPreimage = o.kind === 'offered_htlc' ? tx.ins[0]?.witness[1] : undefined;
    const destination = (tx.outs[0] as { script: Uint8Array }).script;
    out.push({
      kind: 'htlc-claim',
      tx,
      inputValueSat: o.valueSat,
      deadlineHeight: htlcClaimDeadline(o),
      rebuild: (feeratePerKw, locktime) =>
        buildRemoteHtlcClaims({ channelType: c.channelType, claims: [{ commitmentTxid: spend.txid, output: o, paymentPreimage }], htlcPrivkey, destination, feeratePerKw, locktime }).rawTx,
      store: (s, rawTx) => ({ ...s, htlcClaims: (s.htlcClaims ?? []).map((x, i) => (i === at ? { ...x, claimTx: rawTx } : x)) }),
    });
  });
  return out;
}

function kindOf(o: HtlcOutput): 'htlc-offered' | 'htlc-received' {
  // Named from our side: the peer's offered_htlc is an HTLC offered to us (received by us).
  return o.kind === 'offered_htlc' ? 'htlc-received' : 'htlc-offered';
}

/** Our claim of an HTLC output reached SWEEP_CONFIRMATION_DEPTH: resolved (an outgoing HTLC: failed upstream). */
export function remoteHtlcClaimConfirmed(state: ForceClosingState, rawTx: Uint8Array, depth: number): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const progress = state.htlcClaims;
  const spend = state.spend;
  if (!progress || !spend || spend.commitment === 'local' || depth < SWEEP_CONFIRMATION_DEPTH) return undefined;
  let txid: Uint8Array;
  try {
    txid = Transaction.fromBuffer(rawTx).getHash();
  } catch {
    return undefined;
  }
  // By txid, or another fee version of it (same input, same destination): whichever confirmed is the claim.
  const confirmedTx = Transaction.fromBuffer(rawTx);
  const ours = (p: HtlcClaimProgress): boolean => p.claimTx !== undefined && (equalBytes(Transaction.fromBuffer(p.claimTx).getHash(), txid) || isVersionOf(Transaction.fromBuffer(p.claimTx), confirmedTx));
  const at = progress.findIndex((p) => p.outcome === undefined && ours(p));
  if (at < 0) return undefined;
  const c = state.commitments;
  const rc = confirmedRemoteCommit(c, spend.txid);
  const o = rc ? htlcOutputs(rebuilt(c, rc)).find((x) => x.index === progress[at]?.outputIndex) : undefined;
  const actions: ChannelAction[] = [];
  if (o) {
    actions.push(emit({ type: 'output-resolved', channelId: c.channelId, txid: spend.txid, outputIndex: o.index, kind: kindOf(o), amountSat: o.valueSat, claimTxid: txid, outcome: 'claimed' }));
    if (o.kind === 'received_htlc') {
      actions.push(emit({ type: 'htlc-failed', channelId: c.channelId, htlcId: o.htlc.id, tag: tagOf(c, o.htlc.id), localReason: `timed out on chain (cltv_expiry ${o.htlc.cltvExpiry}), claimed back in ${Transaction.fromBuffer(rawTx).getId()}` }));
    }
  }
  const next = progress.map((p, i) => (i === at ? { ...p, claimTx: rawTx.slice(), outcome: 'claimed' as const } : p));
  return { state: { ...state, htlcClaims: next }, actions };
}

/**
 * A watched HTLC output was spent by someone else's transaction: the peer's. The preimage of our
 * outgoing HTLC is learnt from it at once (`htlc-fulfilled`, on every report until final: the
 * payment records take it idempotently); the output is counted `theirs` only once that spend is
 * SWEEP_CONFIRMATION_DEPTH deep — until then a reorg may take it, and the output is still ours
 * to claim if we can.
 */
export function remoteHtlcOutputSpent(state: ForceClosingState, txid: Uint8Array, outputIndex: number, spendingTx: Uint8Array, depth: number): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const progress = state.htlcClaims;
  const spend = state.spend;
  if (!progress || !spend || spend.commitment === 'local' || !equalBytes(txid, spend.txid)) return undefined;
  const at = progress.findIndex((p) => p.outputIndex === outputIndex && p.outcome === undefined);
  if (at < 0) return undefined;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(spendingTx);
  } catch {
    return undefined;
  }
  const mine = progress[at]?.claimTx;
  if (mine && equalBytes(Transaction.fromBuffer(mine).getHash(), tx.getHash())) return undefined;
  if (mine && isVersionOf(Transaction.fromBuffer(mine), tx)) {
    // Another fee version of our claim confirmed (one the chain kept, CPFP'd): it is the claim now; watched to its depth.
    const next = progress.map((p, i) => (i === at ? { ...p, claimTx: tx.toBuffer() } : p));
    const watch: ChannelAction = { type: 'watch-confirmations', txid: tx.getHash(), depth: SWEEP_CONFIRMATION_DEPTH, outputIndex: 0, scriptPubKey: (tx.outs[0] as { script: Uint8Array }).script };
    return { state: { ...state, htlcClaims: next }, actions: [watch] };
  }
  const c = state.commitments;
  const rc = confirmedRemoteCommit(c, spend.txid);
  const o = rc ? htlcOutputs(rebuilt(c, rc)).find((x) => x.index === outputIndex) : undefined;
  if (!o) return undefined;
  let how;
  try {
    how = htlcSpendOf(tx, spend.txid, o);
  } catch {
    return undefined;
  }
  if (!how) return undefined;
  const actions: ChannelAction[] = [];
  if (o.kind === 'received_htlc' && how.path === 'preimage' && how.paymentPreimage) {
    actions.push(emit({ type: 'htlc-fulfilled', channelId: c.channelId, htlcId: o.htlc.id, tag: tagOf(c, o.htlc.id), paymentPreimage: how.paymentPreimage }));
  }
  if (depth < SWEEP_CONFIRMATION_DEPTH) return { state, actions };
  actions.push(emit({ type: 'output-resolved', channelId: c.channelId, txid: spend.txid, outputIndex, kind: kindOf(o), amountSat: o.valueSat, outcome: 'theirs' }));
  const next = progress.map((p, i) => (i === at ? { ...p, outcome: 'theirs' as const } : p));
  return { state: { ...state, htlcClaims: next }, actions };
}

/** The HTLC outputs for the UI (`closingOutputsOf`). */
export function remoteHtlcOutputs(state: ForceClosingState): ClosingOutput[] {
  const spend = state.spend;
  if (!state.htlcClaims || !spend || spend.commitment === 'local') return [];
  const rc = confirmedRemoteCommit(state.commitments, spend.txid);
  if (!rc) return [];
  const outputs = htlcOutputs(rebuilt(state.commitments, rc));
  return state.htlcClaims.flatMap((p): ClosingOutput[] => {
    const o = outputs.find((x) => x.index === p.outputIndex);
    if (!o) return [];
    const base = { txid: spend.txid, outputIndex: o.index, kind: kindOf(o), amountSat: o.valueSat };
    const claimTxid = p.claimTx ? { claimTxid: Transaction.fromBuffer(p.claimTx).getHash() } : {};
    if (p.outcome) return [{ ...base, status: p.outcome, ...claimTxid }];
    if (p.claimTx) return [{ ...base, status: 'claimable' as const, ...claimTxid }];
    return [{ ...base, status: 'waiting' as const, ...(o.kind === 'received_htlc' ? { availableAtHeight: o.htlc.cltvExpiry + 1 } : {}) }];
  });
}
