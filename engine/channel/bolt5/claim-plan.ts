/**
 * BOLT 5 "Unilateral Close Handling": given a confirmed commitment transaction (ours or the
 * peer's current/next one) and the commitment rebuilt from the channel data (bolt3
 * `buildCommitment` with that commitment's keys, spec and HTLCs), list every output we can claim
 * and what it waits for. Pure: the reducer turns each plan into a transaction when it matures.
 *
 * Directions are OURS: `htlc-offered` is an HTLC we offered (outgoing, claimed after expiry),
 * `htlc-received` one we received (incoming, claimed with the preimage).
 *
 * - Our commitment ("Local Commitment Transaction"): `to_local` after `to_self_delay`; our
 *   `to_local_anchor` (CPFP); offered HTLCs by HTLC-timeout (nLockTime `cltv_expiry`), received
 *   ones by HTLC-success (preimage), both then swept after `to_self_delay` (`secondStageCsv`).
 *   With anchors the HTLC transactions have nSequence 1.
 * - Their commitment ("Remote Commitment Transaction"): `to_remote` (after 1 block with anchors),
 *   our anchor there (their `to_remote_anchor`, locked to our funding key), HTLCs claimed directly
 *   (htlc-claims.ts): theirs-offered with the preimage, ours-offered after `cltv_expiry`.
 * - Trimmed HTLCs have no output (BOLT 3 "Trimmed Outputs": their value went to the fee): they are
 *   listed apart, since BOLT 5 has the node fail the matching incoming HTLC once the commitment is
 *   deep enough rather than wait for an on-chain resolution that cannot come.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-remote-commitment-transaction
 */
import type { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { Commitment, CommitmentOutput } from '../bolt3/commitment.ts';
import { type CommitmentHtlc, hasAnchors } from '../bolt3/types.ts';

/** Which side's commitment confirmed. */
export type CommitmentSide = 'local' | 'remote';

export type ClaimKind = 'to_remote' | 'to_local' | 'htlc-offered' | 'htlc-received' | 'anchor';

/** What a claim waits for besides its timelocks: a preimage, the HTLC's expiry, a CSV delay, or nothing. */
export type ClaimNeed = 'preimage' | 'expiry' | 'delay' | 'nothing';

/** When a claim's transaction can first be mined. */
export interface ClaimableAt {
  /** Absolute: the first block height that may include it (nLockTime + 1 = `cltv_expiry` + 1). */
  readonly height?: number;
  /** Relative: blocks after the commitment's confirmation (BIP 68: mined in block ≥ confirmation height + csv). */
  readonly csv?: number;
}

export interface ClaimPlan<H extends CommitmentHtlc = CommitmentHtlc> {
  readonly outputIndex: number;
  readonly kind: ClaimKind;
  readonly claimableAt: ClaimableAt;
  readonly needs: ClaimNeed;
  readonly amountSat: bigint;
  readonly scriptPubKey: Uint8Array;
  /** The output's witness script (undefined for a P2WPKH `to_remote`). */
  readonly witnessScript: Uint8Array | undefined;
  /** HTLC outputs: the HTLC (as given to `buildCommitment`, so callers' ids ride along). */
  readonly htlc?: H;
  /** Our commitment's HTLC outputs: the HTLC transaction's output is swept after this many more blocks (`to_self_delay`). */
  readonly secondStageCsv?: number;
}

export interface CommitmentClaims<H extends CommitmentHtlc = CommitmentHtlc> {
  readonly side: CommitmentSide;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** In output order. */
  readonly claims: readonly ClaimPlan<H>[];
  /** HTLCs trimmed off this commitment: nothing on chain to claim (their value went to fees). */
  readonly trimmedHtlcs: readonly H[];
}

/**
 * The claim plans for `confirmed`, which must be exactly `commitment` (the same txid and
 * outputs; throws a ValidationError naming `confirmed` otherwise). `side: 'local'` when
 * `commitment` is ours (we are BOLT 3's local), `'remote'` when it is the peer's (built with the
 * peer as local, so its `offered_htlc` outputs are HTLCs it offered us).
 */
export function planCommitmentClaims<H extends CommitmentHtlc>(confirmed: Transaction, commitment: Commitment<H>, side: CommitmentSide): CommitmentClaims<H> {
  if (side !== 'local' && side !== 'remote') throw new ValidationError('side', "must be 'local' or 'remote'");
  if (commitment === null || typeof commitment !== 'object' || !Array.isArray(commitment.outputs)) throw new ValidationError('commitment', 'must be a built commitment');
  if (confirmed === null || typeof confirmed !== 'object' || typeof confirmed.getHash !== 'function') throw new ValidationError('confirmed', 'must be a transaction');
  const txid = confirmed.getHash();
  if (!equalBytes(txid, commitment.txid)) throw new ValidationError('confirmed', 'is not the commitment rebuilt from the channel data (txid differs)');
  if (confirmed.outs.length !== commitment.outputs.length) throw new ValidationError('confirmed', 'has a different number of outputs than the rebuilt commitment');
  commitment.outputs.forEach((o, i) => {
    const out = confirmed.outs[i];
    if (!out || !equalBytes(out.script, o.scriptPubKey) || out.value !== o.valueSat) throw new ValidationError('confirmed', `output ${i} differs from the rebuilt commitment`);
  });
  const anchors = hasAnchors(commitment.channelType);
  const htlcCsv = anchors ? 1 : undefined;
  const claims: ClaimPlan<H>[] = [];
  for (const o of commitment.outputs) {
    const plan = planOutput<H>(o, side, anchors, htlcCsv, commitment.toSelfDelay);
    if (plan) claims.push(Object.freeze(plan));
  }
  return Object.freeze({ side, txid, claims: Object.freeze(claims), trimmedHtlcs: Object.freeze([...commitment.trimmedHtlcs]) });
}

function base<H extends CommitmentHtlc>(o: CommitmentOutput<H>): Pick<ClaimPlan<H>, 'outputIndex' | 'amountSat' | 'scriptPubKey' | 'witnessScript'> {
  return { outputIndex: o.index, amountSat: o.valueSat, scriptPubKey: o.scriptPubKey, witnessScript: o.witnessScript };
}

function csvOnly(csv: number | undefined): ClaimableAt {
  return csv === undefined ? {} : { csv };
}

function planOutput<H extends CommitmentHtlc>(o: CommitmentOutput<H>, side: CommitmentSide, anchors: boolean, htlcCsv: number | undefined, toSelfDelay: number): ClaimPlan<H> | undefined {
  if (side === 'local') {
    switch (o.kind) {
      case 'to_local':
        return { ...base(o), kind: 'to_local', claimableAt: { csv: toSelfDelay }, needs: 'delay' };
      case 'to_local_anchor':
        return { ...base(o), kind: 'anchor', claimableAt: {}, needs: 'nothing' };
      case 'offered_htlc':
        return { ...base(o), kind: 'htlc-offered', claimableAt: { height: (o.htlc as H).cltvExpiry + 1, ...csvOnly(htlcCsv) }, needs: 'expiry', htlc: o.htlc as H, secondStageCsv: toSelfDelay };
      case 'received_htlc':
        return { ...base(o), kind: 'htlc-received', claimableAt: csvOnly(htlcCsv), needs: 'preimage', htlc: o.htlc as H, secondStageCsv: toSelfDelay };
      default:
        // The peer's to_remote and its anchor are not ours.
        return undefined;
    }
  }
  switch (o.kind) {
    case 'to_remote':
      return { ...base(o), kind: 'to_remote', claimableAt: anchors ? { csv: 1 } : {}, needs: anchors ? 'delay' : 'nothing' };
    case 'to_remote_anchor':
      return { ...base(o), kind: 'anchor', claimableAt: {}, needs: 'nothing' };
    case 'offered_htlc':
      // The peer offered it: incoming to us, ours with the preimage.
      return { ...base(o), kind: 'htlc-received', claimableAt: csvOnly(htlcCsv), needs: 'preimage', htlc: o.htlc as H };
    case 'received_htlc':
      // We offered it: ours after its expiry.
      return { ...base(o), kind: 'htlc-offered', claimableAt: { height: (o.htlc as H).cltvExpiry + 1, ...csvOnly(htlcCsv) }, needs: 'expiry', htlc: o.htlc as H };
    default:
      // Their to_local is theirs (revocable only if this commitment is revoked: not planned here).
      return undefined;
  }
}

/**
 * Whether a plan's transaction may be mined in block `height` given the commitment confirmed at
 * `confirmedHeight` (its preimage, if needed, is the caller's to know).
 */
export function claimMatureAt(plan: Pick<ClaimPlan, 'claimableAt'>, confirmedHeight: number, height: number): boolean {
  const { height: absolute, csv } = plan.claimableAt;
  if (absolute !== undefined && height < absolute) return false;
  if (csv !== undefined && height < confirmedHeight + csv) return false;
  return true;
}
