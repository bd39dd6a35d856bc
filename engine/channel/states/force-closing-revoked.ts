/**
 * `force-closing` after the peer's REVOKED commitment confirmed (BOLT 5 "Revoked Transaction
 * Close Handling"): a breach. Trace:
 *
 *   funding-spent by a commitment whose number is below the peer's current and whose secret we
 *     hold (bolt5/revoked.ts classifyFundingSpend) ──▶ breach recorded with the justice
 *     transactions (bolt5/justice.ts planJusticeTxs: its to_local and, from the `persist-revoked`
 *     record handed back as `revokedRecord`, every HTLC output) — persisted, then broadcast
 *     (`justice`) at once, their confirmations and the spends of their inputs watched; our
 *     to_remote is swept as on any commitment of the peer's (force-closing.ts)
 *   output-spent of a revoked HTLC output by another transaction (the peer's HTLC-success /
 *     HTLC-timeout) ──▶ its output is ours by revocation too (findSecondStageOutputs): the
 *     justice transaction that lost the input is replaced by new ones for what is left
 *   funding-confirmed of a justice tx at SWEEP_CONFIRMATION_DEPTH ──▶ its outputs `output-resolved`
 *     (claimed); closed once every justice tx and our to_remote sweep (if any) are that deep
 *
 * Without a record (the node had none: no HTLC outputs on that commitment, or lost) only
 * to_local and to_remote are taken. Fees (claim-fees.ts): each justice tx pays the estimate for
 * the deadline of its soonest input (the peer's delayed path after `to_self_delay`, an HTLC's
 * `cltv_expiry`); unconfirmed near that deadline it is re-bumped (force-closing-rebump.ts,
 * {@link justiceBumpCandidates}), and whichever version confirms is recognised by its inputs.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, equalBytes } from '../../lib/bytes.ts';
import { ShachainStore } from '../../keys/shachain.ts';
import type { ChannelKeys } from '../../keys/keychain.ts';
import { type ChannelAction, emit } from '../actions.ts';
import type { CommitmentHtlc } from '../bolt3/types.ts';
import { type CommitmentKnowledge, classifyFundingSpend, decodeRevokedCommitment } from '../bolt5/revoked.ts';
import {
  type JusticeInput,
  type RevokedCommitmentKeys,
  buildJusticeTx,
  deriveRevokedCommitmentKeys,
  findRevokedOutputs,
  findSecondStageOutputs,
  peerClaimHeight,
  planJusticeTxs,
} from '../bolt5/justice.ts';
import { NO_DEADLINE_BLOCKS } from '../bolt5/urgency.ts';
import { blocksBefore, claimFeerate, isVersionOf } from '../claim-fees.ts';
import type { ChannelContext } from '../context.ts';
import { SWEEP_CONFIRMATION_DEPTH, publishClaim, sweepDestination } from '../onchain.ts';
import type { BumpCandidate } from './force-closing-rebump.ts';
import { obscuringFactorOf } from '../revoked-commitments.ts';
import type { BreachResolution, ChannelState, ClosingOutput, ClosingOutputKind, Commitments, ForceClosingState, JusticeClaim } from '../types.ts';

/** A revoked commitment of the peer's: its number and the secret it revealed for it. */
export interface RevokedSpend {
  readonly commitmentNumber: number;
  readonly perCommitmentSecret: Uint8Array;
}

function knowledgeOf(c: Commitments): CommitmentKnowledge {
  const secrets = ShachainStore.fromBytes(c.remoteSecrets);
  return {
    obscuringFactor: obscuringFactorOf(c),
    localCommitTxid: c.localCommit.txid,
    remoteCommitTxid: c.remoteCommit.txid,
    remoteCommitmentNumber: c.remoteCommit.index,
    ...(c.remoteNextCommit ? { nextRemoteCommitTxid: c.remoteNextCommit.commit.txid } : {}),
    revealedSecrets: { secretOfCommitment: (n) => secrets.secretOfCommitment(n) },
  };
}

/** The spend as a revoked commitment of the peer's, or undefined (ours, its current or next, or no commitment). */
export function revokedSpendOf(c: Commitments, tx: Transaction): RevokedSpend | undefined {
  const k = classifyFundingSpend(tx, knowledgeOf(c));
  return k.kind === 'remote-revoked' ? { commitmentNumber: k.commitmentNumber, perCommitmentSecret: k.perCommitmentSecret } : undefined;
}

function revokedKeysOf(c: Commitments, keys: ChannelKeys, commitmentNumber: number): RevokedCommitmentKeys | undefined {
  const secret = ShachainStore.fromBytes(c.remoteSecrets).secretOfCommitment(commitmentNumber);
  if (!secret) return undefined;
  return deriveRevokedCommitmentKeys(
    secret,
    { delayedPaymentBasepoint: c.remoteParams.delayedPaymentBasepoint, htlcBasepoint: c.remoteParams.htlcBasepoint },
    { revocationBasepointSecret: keys.revocationBasepointSecret, htlcBasepoint: c.localParams.htlcBasepoint, paymentBasepoint: c.localParams.paymentBasepoint },
  );
}

/** The HTLCs of the record, when it is that commitment's and decodes (a bad record: none, to_local is still taken). */
function recordHtlcs(b: Pick<BreachResolution, 'commitmentNumber' | 'revokedRecord'>): readonly CommitmentHtlc[] {
  if (!b.revokedRecord) return [];
  try {
    const r = decodeRevokedCommitment(b.revokedRecord);
    return r.commitmentNumber === b.commitmentNumber ? r.htlcs : [];
  } catch {
    return [];
  }
}

const outpointKey = (txid: Uint8Array, index: number): string => `${bytesToHex(txid)}:${index}`;

function inputsOf(rawTx: Uint8Array): string[] {
  return Transaction.fromBuffer(rawTx).ins.map((i) => outpointKey(i.hash, i.index));
}

/** Everything the revocation key takes: the commitment's outputs, then those of the peer's second-stage txs. */
function allJusticeInputs(c: Commitments, rk: RevokedCommitmentKeys, b: BreachResolution): JusticeInput[] {
  const commitment = Transaction.fromBuffer(b.commitmentTx);
  const first = findRevokedOutputs(commitment, rk, { channelType: c.channelType, toSelfDelay: c.localParams.toSelfDelay, htlcs: recordHtlcs(b) });
  const second = b.secondStageTxs.flatMap((t) => findSecondStageOutputs(Transaction.fromBuffer(t), rk, c.localParams.toSelfDelay));
  return [...first, ...second];
}

/**
 * New justice transactions for every input not yet in a claim nor spent by the peer's
 * second-stage txs; `unclaimed` reports what is not worth its fee (left to the miners, BOLT 5).
 */
function planMore(c: Commitments, b: BreachResolution, ctx: ChannelContext, confirmedAt: number): { claims: JusticeClaim[]; unclaimed: string[] } {
  const rk = revokedKeysOf(c, ctx.channelKeys(c.channelIndex), b.commitmentNumber);
  if (!rk) return { claims: [], unclaimed: [] };
  const taken = new Set([...b.claims.flatMap((x) => inputsOf(x.rawTx)), ...b.secondStageTxs.flatMap(inputsOf)]);
  const open = allJusticeInputs(c, rk, b).filter((i) => !taken.has(outpointKey(i.txid, i.index)));
  if (open.length === 0) return { claims: [], unclaimed: [] };
  const claimHeightOf = (i: JusticeInput): number => peerClaimHeight(i, confirmedAt, c.localParams.toSelfDelay);
  const feerateFor = (h: number | undefined): number => claimFeerate(ctx, h === undefined ? NO_DEADLINE_BLOCKS : blocksBefore(h, ctx.blockHeight));
  const plan = planJusticeTxs(open, {
    revocationPrivkey: rk.revocationPrivkey,
    destination: sweepDestination(c, ctx),
    // Whether an output is worth claiming at all: judged at the most urgent input's feerate.
    feeratePerKw: feerateFor(Math.min(...open.map(claimHeightOf))),
    feerateFor,
    locktime: ctx.blockHeight,
    tipHeight: ctx.blockHeight,
    peerClaimHeightOf: claimHeightOf,
  });
  return { claims: plan.txs.map((t) => ({ rawTx: t.rawTx, confirmed: false })), unclaimed: plan.unclaimed.map((u) => `${outpointKey(u.input.txid, u.input.index)}: ${u.reason}`) };
}

/** Broadcast, confirmation watch and input-spend watches of new claims (after the persist that holds them). */
function claimActions(c: Commitments, claims: readonly JusticeClaim[], ctx: ChannelContext): ChannelAction[] {
  const out: ChannelAction[] = [];
  for (const claim of claims) {
    const tx = Transaction.fromBuffer(claim.rawTx);
    const txid = tx.getHash();
    out.push(...publishClaim('justice', claim.rawTx, txid, c, ctx));
    for (const i of tx.ins) out.push({ type: 'watch-output-spend', txid: i.hash.slice(), outputIndex: i.index });
  }
  return out;
}

/** The breach of a revoked commitment `tx` confirmed at `blockHeight`, with its first justice transactions and their actions. */
export function startBreach(c: Commitments, tx: Transaction, revoked: RevokedSpend, blockHeight: number, revokedRecord: Uint8Array | undefined, ctx: ChannelContext): { breach: BreachResolution; actions: ChannelAction[] } {
  const empty: BreachResolution = {
    commitmentNumber: revoked.commitmentNumber,
    commitmentTx: tx.toBuffer(),
    ...(revokedRecord ? { revokedRecord: revokedRecord.slice() } : {}),
    claims: [],
    secondStageTxs: [],
    sweepConfirmed: false,
  };
  const { claims, unclaimed } = planMore(c, empty, ctx, blockHeight);
  const breach: BreachResolution = { ...empty, claims };
  const actions: ChannelAction[] = [
    ...claimActions(c, claims, ctx),
    ...unclaimed.map((reason) => emit({ type: 'ignored', what: 'justice', reason })),
  ];
  return { breach, actions };
}

/** Whether the breach still waits for something: an unconfirmed justice tx, or our to_remote sweep. */
export function breachPending(state: ForceClosingState): boolean {
  const b = state.breach;
  if (!b) return false;
  return b.claims.some((x) => !x.confirmed) || (state.spend?.output !== undefined && !b.sweepConfirmed);
}

/** The peer spent a watched output: one of our justice txs (nothing to do), or its second-stage tx (claim its output, re-plan the rest). */
export function breachOutputSpent(state: ForceClosingState, spendingTx: Uint8Array, blockHeight: number, ctx: ChannelContext): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const b = state.breach;
  if (!b) return undefined;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(spendingTx);
  } catch {
    return undefined;
  }
  const txid = tx.getHash();
  if (b.claims.some((x) => equalBytes(Transaction.fromBuffer(x.rawTx).getHash(), txid))) return undefined;
  // Another fee version of one of our justice txs (an earlier one, CPFP'd where the chain refused the replacement): it is the claim now.
  const version = b.claims.findIndex((x) => !x.confirmed && isVersionOf(Transaction.fromBuffer(x.rawTx), tx));
  if (version >= 0) {
    const claims = b.claims.map((x, i) => (i === version ? { rawTx: tx.toBuffer(), confirmed: false } : x));
    return { state: { ...state, breach: { ...b, claims } }, actions: [versionWatch(tx)] };
  }
  if (b.secondStageTxs.some((t) => equalBytes(Transaction.fromBuffer(t).getHash(), txid))) return undefined;
  const commitmentTxid = Transaction.fromBuffer(b.commitmentTx).getHash();
  const spent = new Set(tx.ins.filter((i) => equalBytes(i.hash, commitmentTxid)).map((i) => outpointKey(i.hash, i.index)));
  if (spent.size === 0) return undefined;
  // A claim that lost an input to the peer is invalid as a whole: dropped, its other inputs planned again.
  const claims = b.claims.filter((x) => x.confirmed || !inputsOf(x.rawTx).some((k) => spent.has(k)));
  const withSecond: BreachResolution = { ...b, claims, secondStageTxs: [...b.secondStageTxs, tx.toBuffer()] };
  const more = planMore(state.commitments, withSecond, ctx, blockHeight);
  const next: ForceClosingState = { ...state, breach: { ...withSecond, claims: [...claims, ...more.claims] } };
  return {
    state: next,
    actions: [...claimActions(state.commitments, more.claims, ctx), ...more.unclaimed.map((reason) => emit({ type: 'ignored', what: 'justice', reason }))],
  };
}

/** A justice tx reached SWEEP_CONFIRMATION_DEPTH: marked, its outputs resolved. Undefined when `rawTx` is none of ours (or not new). */
export function breachClaimConfirmed(state: ForceClosingState, rawTx: Uint8Array, depth: number): { state: ForceClosingState; actions: ChannelAction[] } | undefined {
  const b = state.breach;
  if (!b || depth < SWEEP_CONFIRMATION_DEPTH) return undefined;
  let txid: Uint8Array;
  try {
    txid = Transaction.fromBuffer(rawTx).getHash();
  } catch {
    return undefined;
  }
  // By txid, or another fee version of it (same inputs, same destination): whichever confirmed is the claim.
  const confirmedTx = Transaction.fromBuffer(rawTx);
  const at = b.claims.findIndex((x) => !x.confirmed && (equalBytes(Transaction.fromBuffer(x.rawTx).getHash(), txid) || isVersionOf(Transaction.fromBuffer(x.rawTx), confirmedTx)));
  if (at < 0) return undefined;
  const claims = b.claims.map((x, i) => (i === at ? { rawTx: rawTx.slice(), confirmed: true } : x));
  const next: ForceClosingState = { ...state, breach: { ...b, claims } };
  const actions = breachOutputs(next)
    .filter((o) => o.claimTxid !== undefined && equalBytes(o.claimTxid, txid))
    .map((o) => emit({ type: 'output-resolved', channelId: state.commitments.channelId, txid: o.txid, outputIndex: o.outputIndex, kind: o.kind, amountSat: o.amountSat, claimTxid: txid, outcome: 'claimed' }));
  return { state: next, actions };
}

/** The watch of a fee version of a justice tx found on chain (its confirmation ends the claim). */
function versionWatch(tx: Transaction): ChannelAction {
  return { type: 'watch-confirmations', txid: tx.getHash(), depth: SWEEP_CONFIRMATION_DEPTH, outputIndex: 0, scriptPubKey: (tx.outs[0] as { script: Uint8Array }).script };
}

/**
 * The unconfirmed justice txs, for re-bumping (force-closing-rebump.ts): each with the deadline
 * of its soonest input. A second-stage output's deadline is counted from the commitment's
 * height (the second-stage tx's own height is not kept): earlier than the real one, the safe side.
 */
export function justiceBumpCandidates(state: ForceClosingState, ctx: ChannelContext): BumpCandidate[] {
  const b = state.breach;
  const c = state.commitments;
  if (!b || !state.spend || !b.claims.some((x) => !x.confirmed)) return [];
  const rk = revokedKeysOf(c, ctx.channelKeys(c.channelIndex), b.commitmentNumber);
  if (!rk) return [];
  const byOutpoint = new Map(allJusticeInputs(c, rk, b).map((i) => [outpointKey(i.txid, i.index), i]));
  const confirmedAt = state.spend.blockHeight;
  const out: BumpCandidate[] = [];
  b.claims.forEach((claim, at) => {
    if (claim.confirmed) return;
    const tx = Transaction.fromBuffer(claim.rawTx);
    const inputs = tx.ins.map((i) => byOutpoint.get(outpointKey(i.hash, i.index)));
    if (inputs.some((i) => i === undefined) || tx.outs.length !== 1) return;
    const known = inputs as JusticeInput[];
    const destination = (tx.outs[0] as { script: Uint8Array }).script;
    out.push({
      kind: 'justice',
      tx,
      inputValueSat: known.reduce((s, i) => s + i.valueSat, 0n),
      deadlineHeight: Math.min(...known.map((i) => peerClaimHeight(i, confirmedAt, c.localParams.toSelfDelay))),
      rebuild: (feeratePerKw, locktime) => buildJusticeTx(known, rk.revocationPrivkey, destination, feeratePerKw, locktime).rawTx,
      store: (s, rawTx) => (s.breach ? { ...s, breach: { ...s.breach, claims: s.breach.claims.map((x, i) => (i === at ? { rawTx, confirmed: false } : x)) } } : s),
    });
  });
  return out;
}

export type { ClosingOutput } from '../types.ts';

/** The outputs the breach's justice txs take, each with its claim (read from the claims' inputs and witnesses). */
export function breachOutputs(state: ForceClosingState): ClosingOutput[] {
  const b = state.breach;
  if (!b) return [];
  const parents = [b.commitmentTx, ...b.secondStageTxs].map((raw) => Transaction.fromBuffer(raw));
  const commitmentTxid = (parents[0] as Transaction).getHash();
  const out: ClosingOutput[] = [];
  for (const claim of b.claims) {
    const tx = Transaction.fromBuffer(claim.rawTx);
    const claimTxid = tx.getHash();
    tx.ins.forEach((i, n) => {
      const parent = parents.find((p) => equalBytes(p.getHash(), i.hash));
      const prev = parent?.outs[i.index];
      if (!prev) return;
      const selector = tx.ins[n]?.witness[1];
      const kind: ClosingOutputKind = !equalBytes(i.hash, commitmentTxid) ? 'second-stage' : selector && selector.length === 33 ? 'revoked-htlc' : 'revoked-to_local';
      out.push({ txid: i.hash.slice(), outputIndex: i.index, kind, amountSat: prev.value, status: claim.confirmed ? 'claimed' : 'claimable', claimTxid });
    });
  }
  return out;
}

/**
 * The outputs the node must watch for spends (`watch-output-spend`), derived from the state so
 * that a restart re-arms them: the unresolved HTLC outputs of the peer's confirmed commitment,
 * and the inputs of every unconfirmed justice tx (the peer's second-stage tx racing ours shows
 * up there).
 */
export function outputWatchesOf(state: ChannelState): { txid: Uint8Array; outputIndex: number }[] {
  if (state.type !== 'force-closing') return [];
  const out: { txid: Uint8Array; outputIndex: number }[] = [];
  // The peer's commitment's HTLC outputs not yet resolved (force-closing-remote-htlcs.ts).
  const spend = state.spend;
  if (spend && state.htlcClaims) for (const p of state.htlcClaims) if (p.outcome === undefined) out.push({ txid: spend.txid.slice(), outputIndex: p.outputIndex });
  if (!state.breach) return out;
  const seen = new Set<string>();
  for (const claim of state.breach.claims) {
    if (claim.confirmed) continue;
    for (const i of Transaction.fromBuffer(claim.rawTx).ins) {
      const k = outpointKey(i.hash, i.index);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ txid: i.hash.slice(), outputIndex: i.index });
    }
  }
  return out;
}
