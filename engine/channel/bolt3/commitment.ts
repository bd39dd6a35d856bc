/**
 * BOLT 3 "Commitment Transaction Construction": one side's commitment transaction from the
 * balances, the committed HTLCs and the per-commitment keys, with the metadata the channel needs
 * to sign and resolve each output.
 *
 * Everything is from the commitment owner's point of view ("local" in BOLT 3): to build the
 * peer's commitment, pass the peer as local (its balance as `toLocalMsat`, its funding pubkey as
 * `localFundingPubkey`, its dust limit, HTLCs it offered as `offered`, keys derived from its
 * per-commitment point).
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction-construction
 */
import { Transaction } from 'bitcoinjs-lib';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkPubkey, checkU32 } from './check.ts';
import { commitmentLocks } from './commitment-number.ts';
import { ANCHOR_OUTPUT_SAT, commitmentFee, funderCommitmentCost, trimHtlcs } from './fees.ts';
import { fundingScript } from './funding.ts';
import { type CommitmentKeys, checkCommitmentKeys } from './keys.ts';
import { sortOutputs } from './ordering.ts';
import {
  anchorScript,
  offeredHtlcScript,
  p2wpkh,
  p2wsh,
  receivedHtlcScript,
  toLocalScript,
  toRemoteAnchorsScript,
} from './scripts.ts';
import { type FundingSpend, finalizeFundingSpend, signFundingSpend, verifyFundingSpend } from './sign.ts';
import { type ChannelType, type CommitmentHtlc, type Outpoint, checkChannelType, hasAnchors } from './types.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;

/** Everything that determines a commitment transaction, from its owner's ("local") point of view. */
export interface CommitmentParams<H extends CommitmentHtlc = CommitmentHtlc> {
  readonly channelType: ChannelType;
  /** The funding output the commitment spends. */
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: bigint;
  /** The owner's funding pubkey (its anchor locks to it). */
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  /** From {@link obscuringFactor}(opener's payment_basepoint, accepter's payment_basepoint). */
  readonly obscuringFactor: bigint;
  /** The 48-bit commitment number. */
  readonly commitmentNumber: number;
  /** True when the owner opened (funded) the channel and so pays the fee and the anchors. */
  readonly localIsFunder: boolean;
  /** The CSV delay on the owner's outputs: the `to_self_delay` the *other* side asked for. */
  readonly toSelfDelay: number;
  /** The owner's `dust_limit_satoshis`. */
  readonly dustLimitSatoshis: bigint;
  readonly feeratePerKw: number;
  /** The owner's balance, before the fee and anchors are taken from the funder. */
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  /** Committed HTLCs; the same objects come back on the outputs, so callers can carry ids on them. */
  readonly htlcs: readonly H[];
  /** From {@link deriveCommitmentKeys} for the owner's per-commitment point. */
  readonly keys: CommitmentKeys;
}

/** What a commitment output is. */
export type CommitmentOutputKind =
  | 'to_local'
  | 'to_remote'
  | 'to_local_anchor'
  | 'to_remote_anchor'
  | 'offered_htlc'
  | 'received_htlc';

/** One output of a built commitment transaction. */
export interface CommitmentOutput<H extends CommitmentHtlc = CommitmentHtlc> {
  /** Position in the transaction (BIP 69 + CLTV order). */
  readonly index: number;
  readonly kind: CommitmentOutputKind;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  /** The P2WSH witness script; undefined for the P2WPKH `to_remote` of `static_remotekey`. */
  readonly witnessScript: Uint8Array | undefined;
  /** The HTLC an `offered_htlc` / `received_htlc` output pays; undefined otherwise. */
  readonly htlc: H | undefined;
  readonly cltvExpiry: number | undefined;
}

/** An HTLC output (its `htlc` and `witnessScript` are always set). */
export interface HtlcOutput<H extends CommitmentHtlc = CommitmentHtlc> extends CommitmentOutput<H> {
  readonly kind: 'offered_htlc' | 'received_htlc';
  readonly htlc: H;
  readonly witnessScript: Uint8Array;
}

/** A built, unsigned commitment transaction. Do not mutate `tx`; the finalize functions copy it. */
export interface Commitment<H extends CommitmentHtlc = CommitmentHtlc> extends FundingSpend {
  readonly tx: Transaction;
  /** Internal byte order (as HTLC transactions spend it). */
  readonly txid: Uint8Array;
  readonly channelType: ChannelType;
  readonly feeratePerKw: number;
  readonly toSelfDelay: number;
  readonly keys: CommitmentKeys;
  /** All outputs in transaction order. */
  readonly outputs: readonly CommitmentOutput<H>[];
  /** The HTLC outputs in transaction order: the order of `commitment_signed.htlc_signatures`. */
  readonly htlcOutputs: readonly HtlcOutput<H>[];
  /** HTLCs whose outputs were trimmed to fees. */
  readonly trimmedHtlcs: readonly H[];
  /** The BOLT 3 base fee (weight-based). */
  readonly baseFeeSat: bigint;
  /** What the transaction really pays: funding amount minus all outputs (base fee + trimmed + dust balances). */
  readonly feeSat: bigint;
}

function checkParams<H extends CommitmentHtlc>(p: CommitmentParams<H>): void {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkChannelType(p.channelType);
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') throw new ValidationError('fundingOutpoint', 'must be an object');
  checkBytes(p.fundingOutpoint.txid, 32, 'fundingOutpoint.txid');
  checkU32(p.fundingOutpoint.index, 'fundingOutpoint.index');
  checkAmount(p.fundingSatoshis, 'fundingSatoshis', MAX_SAT);
  checkPubkey(p.localFundingPubkey, 'localFundingPubkey');
  checkPubkey(p.remoteFundingPubkey, 'remoteFundingPubkey');
  if (typeof p.localIsFunder !== 'boolean') throw new ValidationError('localIsFunder', 'must be a boolean');
  checkInt(p.toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkAmount(p.dustLimitSatoshis, 'dustLimitSatoshis', MAX_SAT);
  checkU32(p.feeratePerKw, 'feeratePerKw');
  checkAmount(p.toLocalMsat, 'toLocalMsat');
  checkAmount(p.toRemoteMsat, 'toRemoteMsat');
  checkCommitmentKeys(p.keys);
  if (!Array.isArray(p.htlcs)) throw new ValidationError('htlcs', 'must be an array');
  let total = p.toLocalMsat + p.toRemoteMsat;
  p.htlcs.forEach((h, i) => {
    if (h === null || typeof h !== 'object') throw new ValidationError(`htlcs[${i}]`, 'must be an object');
    if (h.direction !== 'offered' && h.direction !== 'received') throw new ValidationError(`htlcs[${i}].direction`, "must be 'offered' or 'received'");
    total += checkAmount(h.amountMsat, `htlcs[${i}].amountMsat`);
    checkBytes(h.paymentHash, 32, `htlcs[${i}].paymentHash`);
    checkU32(h.cltvExpiry, `htlcs[${i}].cltvExpiry`);
  });
  if (total !== p.fundingSatoshis * 1000n) {
    throw new ValidationError('toLocalMsat', `balances and HTLCs add up to ${total} msat, not the funding amount ${p.fundingSatoshis * 1000n} msat`);
  }
}

interface DraftOutput<H extends CommitmentHtlc> {
  readonly kind: CommitmentOutputKind;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  readonly witnessScript: Uint8Array | undefined;
  readonly htlc: H | undefined;
  readonly cltvExpiry: number | undefined;
}

function wsh<H extends CommitmentHtlc>(kind: CommitmentOutputKind, valueSat: bigint, witnessScript: Uint8Array, htlc?: H): DraftOutput<H> {
  return { kind, valueSat, scriptPubKey: p2wsh(witnessScript), witnessScript, htlc, cltvExpiry: htlc?.cltvExpiry };
}

/**
 * Build the unsigned commitment transaction (BOLT 3 "Commitment Transaction Construction"):
 * trim HTLCs, take the base fee (and 2 × 330 sat of anchors) from the funder, add the untrimmed
 * HTLC outputs, `to_local` / `to_remote` if at or above the dust limit, the anchors the rules
 * call for, and sort in BIP 69 + CLTV order. Throws a ValidationError naming a bad field.
 */
export function buildCommitment<H extends CommitmentHtlc>(params: CommitmentParams<H>): Commitment<H> {
  checkParams(params);
  const { channelType, keys, feeratePerKw, dustLimitSatoshis } = params;
  const anchors = hasAnchors(channelType);
  const { untrimmed, trimmed } = trimHtlcs(params.htlcs, dustLimitSatoshis, feeratePerKw, channelType);

  // "Subtract this base fee from the funder" (and the anchors); a funder who cannot cover it ends at 0.
  const cost = funderCommitmentCost(feeratePerKw, channelType, untrimmed.length);
  let toLocalSat = params.toLocalMsat / 1000n;
  let toRemoteSat = params.toRemoteMsat / 1000n;
  if (params.localIsFunder) toLocalSat = toLocalSat > cost ? toLocalSat - cost : 0n;
  else toRemoteSat = toRemoteSat > cost ? toRemoteSat - cost : 0n;

  const drafts: DraftOutput<H>[] = [];
  for (const h of untrimmed) {
    const amountSat = h.amountMsat / 1000n;
    if (h.direction === 'offered') drafts.push(wsh('offered_htlc', amountSat, offeredHtlcScript(keys, h.paymentHash, anchors), h));
    else drafts.push(wsh('received_htlc', amountSat, receivedHtlcScript(keys, h.paymentHash, h.cltvExpiry, anchors), h));
  }
  const hasToLocal = toLocalSat >= dustLimitSatoshis;
  const hasToRemote = toRemoteSat >= dustLimitSatoshis;
  if (hasToLocal) drafts.push(wsh('to_local', toLocalSat, toLocalScript(keys.revocationPubkey, params.toSelfDelay, keys.localDelayedPubkey)));
  if (hasToRemote) {
    if (anchors) drafts.push(wsh('to_remote', toRemoteSat, toRemoteAnchorsScript(keys.remotePaymentPubkey)));
    else drafts.push({ kind: 'to_remote', valueSat: toRemoteSat, scriptPubKey: p2wpkh(keys.remotePaymentPubkey), witnessScript: undefined, htlc: undefined, cltvExpiry: undefined });
  }
  if (anchors) {
    if (hasToLocal || untrimmed.length > 0) drafts.push(wsh('to_local_anchor', ANCHOR_OUTPUT_SAT, anchorScript(params.localFundingPubkey)));
    if (hasToRemote || untrimmed.length > 0) drafts.push(wsh('to_remote_anchor', ANCHOR_OUTPUT_SAT, anchorScript(params.remoteFundingPubkey)));
  }

  const locks = commitmentLocks(params.commitmentNumber, params.obscuringFactor);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locks.locktime;
  tx.addInput(params.fundingOutpoint.txid.slice(), params.fundingOutpoint.index, locks.sequence);
  const outputs: CommitmentOutput<H>[] = sortOutputs(drafts).map((d, index) => {
    tx.addOutput(d.scriptPubKey, d.valueSat);
    return Object.freeze({ index, ...d });
  });
  const outSum = outputs.reduce((s, o) => s + o.valueSat, 0n);
  const funding = fundingScript(params.localFundingPubkey, params.remoteFundingPubkey);
  return Object.freeze({
    tx,
    txid: tx.getHash(),
    fundingWitnessScript: funding.witnessScript,
    fundingSatoshis: params.fundingSatoshis,
    localFundingPubkey: params.localFundingPubkey,
    remoteFundingPubkey: params.remoteFundingPubkey,
    channelType,
    feeratePerKw,
    toSelfDelay: params.toSelfDelay,
    keys,
    outputs,
    htlcOutputs: outputs.filter((o): o is HtlcOutput<H> => o.kind === 'offered_htlc' || o.kind === 'received_htlc'),
    trimmedHtlcs: trimmed,
    baseFeeSat: commitmentFee(feeratePerKw, channelType, untrimmed.length),
    feeSat: params.fundingSatoshis - outSum,
  });
}

/** Sign a commitment (SIGHASH_ALL over the funding witness script): the 64-byte `commitment_signed.signature`. */
export function signCommitment(commitment: Commitment, fundingPrivkey: Uint8Array): Uint8Array {
  return signFundingSpend(commitment, fundingPrivkey);
}

/**
 * Check a commitment signature by `signer`: `'remote'` for the peer's `commitment_signed.signature`
 * on our own commitment.
 */
export function verifyCommitmentSignature(commitment: Commitment, signature: Uint8Array, signer: 'local' | 'remote'): boolean {
  return verifyFundingSpend(commitment, signature, signer);
}

/**
 * The broadcastable commitment: witness `0 <sig1> <sig2> <funding witness script>`, signatures in
 * funding-pubkey order. Both signatures are verified first.
 */
export function finalizeCommitment(commitment: Commitment, localSignature: Uint8Array, remoteSignature: Uint8Array): Transaction {
  return finalizeFundingSpend(commitment, localSignature, remoteSignature);
}
