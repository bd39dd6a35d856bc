/**
 * What a `force-closing` channel keeps on the chain (BOLT 5): every transaction of ours that is
 * built (its state holds it signed) and not yet final — our commitment until a commitment
 * confirmed (or again after a reorg took it), then the sweep of our output, the HTLC claims of
 * the peer's commitment, our second-stage HTLC transactions and their sweeps, and the justice
 * transactions of a breach.
 *
 * The node derives from this list, after loading and after every step, what it re-publishes on
 * each new tip and which confirmations it watches: one rule for every kind of claim, so a restart
 * at any point of a resolution and a reorg that takes a claim's block both resume exactly.
 * A claim leaves the list once final: counted at SWEEP_CONFIRMATION_DEPTH (its outcome set, its
 * `confirmed` / `sweepConfirmed` flag), or once its output is resolved otherwise (the peer's
 * spend, dust).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import { Transaction } from 'bitcoinjs-lib';
import type { BroadcastKind } from './actions.ts';
import type { ChannelState } from './types.ts';

/** One of our transactions to keep published and watched until it is final. */
export interface ClaimTx {
  readonly kind: BroadcastKind;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** A second-stage HTLC transaction: its confirmation height matters (its output's CSV starts there), not a depth. */
  readonly heightOnly?: true;
}

function claim(kind: BroadcastKind, rawTx: Uint8Array, heightOnly = false): ClaimTx {
  return { kind, rawTx, txid: Transaction.fromBuffer(rawTx).getHash(), ...(heightOnly ? { heightOnly: true as const } : {}) };
}

/** The unfinished transactions of a `force-closing` state (none in any other state). */
export function claimTxsOf(state: ChannelState): ClaimTx[] {
  if (state.type !== 'force-closing') return [];
  const out: ClaimTx[] = [];
  const spend = state.spend;
  // Our commitment: until one confirmed, and again while a reorg took the confirmed one.
  if (state.commitmentTx && (!spend || spend.reorged)) out.push(claim('commitment', state.commitmentTx));
  if (spend?.sweepTx && !(state.sweepConfirmed || state.breach?.sweepConfirmed)) out.push(claim('sweep', spend.sweepTx));
  const local = spend?.commitment === 'local';
  for (const p of state.htlcClaims ?? []) {
    if (p.outcome !== undefined) continue;
    if (p.claimTx) out.push(claim(local ? 'second-stage' : 'htlc-claim', p.claimTx, local));
    if (p.sweepTx) out.push(claim('second-stage', p.sweepTx));
  }
  for (const j of state.breach?.claims ?? []) if (!j.confirmed) out.push(claim('justice', j.rawTx));
  return out;
}
