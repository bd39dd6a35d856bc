/**
 * BOLT 5 "Revoked Transaction Close Handling": once the peer broadcasts a commitment it has
 * revoked, we know its `per_commitment_secret` and so the `revocationprivkey` of that commitment
 * (BOLT 3 "`revocationprivkey` Derivation"). Every output the peer could take is ours at once:
 *
 * - its `to_local`: witness `<revocation_sig> 1` (BOLT 3 "`to_local` Output"),
 * - every offered / received HTLC output: witness `<revocation_sig> <revocationpubkey>`
 *   (BOLT 3 "Offered HTLC Outputs", "Received HTLC Outputs"; the revocation branch has no CSV,
 *   with or without `option_anchors`),
 * - the output of its HTLC-timeout / HTLC-success transaction if it gets one confirmed
 *   ("the local node MUST ... spend the output of the HTLC-timeout or HTLC-success transaction
 *   using the revocation private key"): the same `to_local`-shaped script, `<revocation_sig> 1`.
 *
 * Our own `to_remote` on that commitment is not urgent (nobody else can take it): it is swept
 * like any remote commitment's (sweep.ts `buildToRemoteSweep`; CSV 1 with anchors).
 *
 * "A node MAY use a single transaction to resolve all the outputs, but MUST handle its
 * transactions being invalidated by HTLC transactions": {@link planJusticeTxs} puts everything
 * in one transaction, but gives each output the peer can soon spend itself a transaction of its
 * own (BOLT 5 `security_delay`), splits transactions above the standard weight ("Penalty
 * Transactions Weight Calculation": 483 × 2 HTLCs do not fit one standard transaction), and
 * claims separately what a combined transaction could not pay for.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#penalty-transactions-weight-calculation
 */
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkPubkey, checkScript, checkSecret, checkU32 } from '../bolt3/check.ts';
import { type CommitmentKeys, deriveCommitmentKeys, deriveRevocationPrivkey } from '../bolt3/keys.ts';
import { offeredHtlcScript, p2wsh, receivedHtlcScript, toLocalScript } from '../bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../bolt3/sign.ts';
import { type ChannelType, type CommitmentHtlc, checkChannelType, hasAnchors } from '../bolt3/types.ts';
import { SEQUENCE_NO_LOCK } from './sweep.ts';
import { MAX_SIGNATURE_BYTES, checkFeerate, dustThresholdSat, feeForWeight, segwitTxWeight, witnessWeight } from './weights.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;
/** The largest justice transaction: Bitcoin Core's MAX_STANDARD_TX_WEIGHT (a heavier one is not relayed). */
export const MAX_JUSTICE_TX_WEIGHT = 400_000;

/** The peer's basepoints (it owns the revoked commitment: "local" in BOLT 3 terms). */
export interface PeerBasepoints {
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/** Our basepoints as countersignatory of the peer's commitment. */
export interface OurBasepoints {
  readonly revocationBasepointSecret: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
}

/** The keys of one revoked commitment of the peer, with the revocation private key. */
export interface RevokedCommitmentKeys {
  readonly perCommitmentSecret: Uint8Array;
  /** BOLT 3 keys of that commitment ("local" = the peer). */
  readonly keys: CommitmentKeys;
  /** `revocationprivkey`: signs every justice input. */
  readonly revocationPrivkey: Uint8Array;
}

/**
 * BOLT 3 "Key Derivation" for the peer's revoked commitment: its `per_commitment_point` is
 * `per_commitment_secret·G`; `revocationprivkey` from our `revocation_basepoint_secret` and the
 * secret. Throws a ValidationError naming a bad field.
 */
export function deriveRevokedCommitmentKeys(perCommitmentSecret: Uint8Array, peer: PeerBasepoints, ours: OurBasepoints): RevokedCommitmentKeys {
  checkSecret(perCommitmentSecret, 'perCommitmentSecret');
  if (peer === null || typeof peer !== 'object') throw new ValidationError('peer', 'must be an object');
  if (ours === null || typeof ours !== 'object') throw new ValidationError('ours', 'must be an object');
  checkSecret(ours.revocationBasepointSecret, 'ours.revocationBasepointSecret');
  const perCommitmentPoint = publicKeyOf(perCommitmentSecret);
  const keys = deriveCommitmentKeys(
    perCommitmentPoint,
    { delayedPaymentBasepoint: checkPubkey(peer.delayedPaymentBasepoint, 'peer.delayedPaymentBasepoint'), htlcBasepoint: checkPubkey(peer.htlcBasepoint, 'peer.htlcBasepoint') },
    {
      revocationBasepoint: publicKeyOf(ours.revocationBasepointSecret),
      htlcBasepoint: checkPubkey(ours.htlcBasepoint, 'ours.htlcBasepoint'),
      paymentBasepoint: checkPubkey(ours.paymentBasepoint, 'ours.paymentBasepoint'),
    },
  );
  const revocationPrivkey = deriveRevocationPrivkey(ours.revocationBasepointSecret, perCommitmentSecret);
  return Object.freeze({ perCommitmentSecret, keys, revocationPrivkey });
}

/** What a justice input spends. */
export type JusticeInputKind = 'to_local' | 'offered_htlc' | 'received_htlc' | 'htlc_tx_output';

/** One output we can take with the revocation key. `txid` in internal byte order. */
export interface JusticeInput {
  readonly kind: JusticeInputKind;
  readonly txid: Uint8Array;
  readonly index: number;
  readonly valueSat: bigint;
  readonly witnessScript: Uint8Array;
  /** The HTLC an HTLC output pays (undefined for `to_local` / `htlc_tx_output`). */
  readonly htlc?: CommitmentHtlc;
}

/** The on-chain transaction's outputs as we read them (bitcoinjs `Transaction` fits). */
export interface OnChainTx {
  getHash(): Uint8Array;
  readonly outs: readonly { readonly script: Uint8Array; readonly value: bigint }[];
}

export interface RevokedOutputsParams {
  readonly channelType: ChannelType;
  /** The CSV delay on the peer's outputs: the `to_self_delay` we asked of it. */
  readonly toSelfDelay: number;
  /** The HTLCs of that commitment, from the peer's point of view (revoked.ts records). */
  readonly htlcs: readonly CommitmentHtlc[];
}

function checkHtlcs(htlcs: readonly CommitmentHtlc[]): void {
  if (!Array.isArray(htlcs)) throw new ValidationError('htlcs', 'must be an array');
  htlcs.forEach((h, i) => {
    if (h === null || typeof h !== 'object') throw new ValidationError(`htlcs[${i}]`, 'must be an object');
    if (h.direction !== 'offered' && h.direction !== 'received') throw new ValidationError(`htlcs[${i}].direction`, "must be 'offered' or 'received'");
    checkAmount(h.amountMsat, `htlcs[${i}].amountMsat`);
    checkBytes(h.paymentHash, 32, `htlcs[${i}].paymentHash`);
    checkU32(h.cltvExpiry, `htlcs[${i}].cltvExpiry`);
  });
}

/**
 * The outputs of the peer's revoked commitment `tx` we can take: its `to_local` and every HTLC
 * output whose script the given HTLCs and keys reproduce (trimmed HTLCs have no output; HTLCs
 * with identical scripts match every such output). Values are read from the transaction.
 * An empty result means the keys (the secret) do not belong to this transaction.
 */
export function findRevokedOutputs(tx: OnChainTx, revoked: RevokedCommitmentKeys, p: RevokedOutputsParams): JusticeInput[] {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkChannelType(p.channelType);
  checkInt(p.toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkHtlcs(p.htlcs);
  const anchors = hasAnchors(p.channelType);
  const k = revoked.keys;
  const candidates: { kind: JusticeInputKind; witnessScript: Uint8Array; spk: Uint8Array; htlc?: CommitmentHtlc }[] = [];
  const toLocal = toLocalScript(k.revocationPubkey, p.toSelfDelay, k.localDelayedPubkey);
  candidates.push({ kind: 'to_local', witnessScript: toLocal, spk: p2wsh(toLocal) });
  for (const htlc of p.htlcs) {
    const ws = htlc.direction === 'offered' ? offeredHtlcScript(k, htlc.paymentHash, anchors) : receivedHtlcScript(k, htlc.paymentHash, htlc.cltvExpiry, anchors);
    candidates.push({ kind: htlc.direction === 'offered' ? 'offered_htlc' : 'received_htlc', witnessScript: ws, spk: p2wsh(ws), htlc });
  }
  const txid = tx.getHash();
  const found: JusticeInput[] = [];
  tx.outs.forEach((o, index) => {
    const c = candidates.find((x) => equalBytes(x.spk, o.script));
    if (!c) return;
    found.push(Object.freeze({ kind: c.kind, txid, index, valueSat: o.value, witnessScript: c.witnessScript, ...(c.htlc ? { htlc: c.htlc } : {}) }));
  });
  return found;
}

/**
 * The outputs of the peer's HTLC-success / HTLC-timeout transaction(s) `tx`, spending its revoked
 * commitment, that we can take (BOLT 3 "HTLC-Timeout and HTLC-Success Transactions" output: the
 * `to_local` script with that commitment's keys). With anchors one transaction may carry several.
 */
export function findSecondStageOutputs(tx: OnChainTx, revoked: RevokedCommitmentKeys, toSelfDelay: number): JusticeInput[] {
  checkInt(toSelfDelay, 0, 0xffff, 'toSelfDelay');
  const ws = toLocalScript(revoked.keys.revocationPubkey, toSelfDelay, revoked.keys.localDelayedPubkey);
  const spk = p2wsh(ws);
  const txid = tx.getHash();
  const found: JusticeInput[] = [];
  tx.outs.forEach((o, index) => {
    if (equalBytes(o.script, spk)) found.push(Object.freeze({ kind: 'htlc_tx_output', txid, index, valueSat: o.value, witnessScript: ws }));
  });
  return found;
}

/** The witness item lengths of a justice input (without the script): `<sig> 1` or `<sig> <revocationpubkey>`. */
function witnessItemsOf(input: JusticeInput): number[] {
  return input.kind === 'offered_htlc' || input.kind === 'received_htlc' ? [MAX_SIGNATURE_BYTES, 33, input.witnessScript.length] : [MAX_SIGNATURE_BYTES, 1, input.witnessScript.length];
}

/** Estimated weight of a justice transaction spending `inputs` into one output of `destinationLength` bytes. */
export function justiceTxWeight(inputs: readonly JusticeInput[], destinationLength: number): number {
  return segwitTxWeight(inputs.map((i) => witnessWeight(witnessItemsOf(i))), [destinationLength]);
}

/** What adding `input` to a justice transaction costs at `feeratePerKw`: its outpoint, sequence and witness. */
export function justiceInputFeeSat(input: JusticeInput, feeratePerKw: number): bigint {
  return feeForWeight(4 * 41 + witnessWeight(witnessItemsOf(input)), feeratePerKw);
}

/** A signed justice transaction. */
export interface JusticeTx {
  readonly tx: Transaction;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly inputs: readonly JusticeInput[];
  readonly feeSat: bigint;
  readonly valueSat: bigint;
  /** The weight the fee was computed for (≥ the real weight). */
  readonly estimatedWeight: number;
}

function checkInput(input: JusticeInput, field: string): void {
  if (input === null || typeof input !== 'object') throw new ValidationError(field, 'must be an object');
  if (!['to_local', 'offered_htlc', 'received_htlc', 'htlc_tx_output'].includes(input.kind)) throw new ValidationError(`${field}.kind`, 'is not a justice input kind');
  checkBytes(input.txid, 32, `${field}.txid`);
  checkInt(input.index, 0, 0xffffffff, `${field}.index`);
  checkAmount(input.valueSat, `${field}.valueSat`, MAX_SAT);
  checkScript(input.witnessScript, `${field}.witnessScript`);
}

/**
 * One justice transaction: version 2, nLockTime `locktime` (default 0; the tip it is built at
 * discourages fee sniping and dates the version for re-bumping), every input at nSequence
 * 0xfffffffd (no relative lock on the revocation paths; replaceable, BIP 125), one output to
 * `destination` paying the fee for the estimated weight at `feeratePerKw`. Each input is signed
 * SIGHASH_ALL with `revocationPrivkey`. Throws a ValidationError naming `inputs` when the output
 * would be dust.
 */
export function buildJusticeTx(inputs: readonly JusticeInput[], revocationPrivkey: Uint8Array, destination: Uint8Array, feeratePerKw: number, locktime = 0): JusticeTx {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new ValidationError('inputs', 'must be a non-empty array');
  inputs.forEach((x, i) => checkInput(x, `inputs[${i}]`));
  checkSecret(revocationPrivkey, 'revocationPrivkey');
  checkScript(destination, 'destination');
  checkFeerate(feeratePerKw, 'feeratePerKw');
  checkInt(locktime, 0, 499_999_999, 'locktime');
  const revocationPubkey = publicKeyOf(revocationPrivkey);
  const weight = justiceTxWeight(inputs, destination.length);
  if (weight > MAX_JUSTICE_TX_WEIGHT) throw new ValidationError('inputs', `${inputs.length} inputs weigh ${weight}, above the standard ${MAX_JUSTICE_TX_WEIGHT}`);
  const total = inputs.reduce((s, i) => s + i.valueSat, 0n);
  const feeSat = feeForWeight(weight, feeratePerKw);
  const valueSat = total - feeSat;
  const dust = dustThresholdSat(destination);
  if (valueSat < dust) throw new ValidationError('inputs', `${total} sat less the ${feeSat} sat fee at ${feeratePerKw} sat/kw is below the dust threshold ${dust} sat`);

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  for (const i of inputs) tx.addInput(i.txid.slice(), i.index, SEQUENCE_NO_LOCK);
  tx.addOutput(destination, valueSat);
  inputs.forEach((input, n) => {
    const sig = encodeSignature(signInput(tx, n, input.witnessScript, input.valueSat, revocationPrivkey, SIGHASH_ALL), SIGHASH_ALL);
    const selector = input.kind === 'offered_htlc' || input.kind === 'received_htlc' ? revocationPubkey : Uint8Array.of(1);
    tx.setWitness(n, [sig, selector, input.witnessScript]);
  });
  return Object.freeze({ tx, rawTx: tx.toBuffer(), txid: tx.getHash(), inputs: Object.freeze([...inputs]), feeSat, valueSat, estimatedWeight: weight });
}

export interface JusticePlanOptions {
  readonly revocationPrivkey: Uint8Array;
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
  /**
   * The feerate of each group by the height from which the peer can take its soonest input
   * (undefined: not known): BOLT 5 fees by deadline. Default: `feeratePerKw` for every group.
   */
  readonly feerateFor?: (peerClaimHeight: number | undefined) => number;
  /** nLockTime of every transaction (the tip height: anti fee sniping). Default 0. */
  readonly locktime?: number;
  /** The chain tip: an input the peer can take within `separateWithinBlocks` of it gets its own transaction. */
  readonly tipHeight?: number;
  /**
   * BOLT 5 `security_delay`: how close to the height from which the peer can spend an output
   * that output is claimed on its own (and then fee-bumped alone). Default 18, as BOLT 5
   * recommends.
   */
  readonly separateWithinBlocks?: number;
  /**
   * The height from which the peer can take an input ({@link peerClaimHeight}). Default: an
   * HTLC output's `cltv_expiry`, nothing for the others (their confirmation height is not known here).
   */
  readonly peerClaimHeightOf?: (input: JusticeInput) => number | undefined;
}

/**
 * The first height at which the peer can spend `input` itself (so our claim races it): its
 * `to_local` and its second-stage outputs after `to_self_delay` blocks on top of the transaction
 * holding them (confirmed at `confirmedAtHeight`, BIP 68: spendable in block height + delay), an
 * HTLC output at its `cltv_expiry` (the peer's HTLC-timeout; its HTLC-success needs a preimage
 * and leaves an output we still take).
 */
export function peerClaimHeight(input: JusticeInput, confirmedAtHeight: number, toSelfDelay: number): number {
  checkU32(confirmedAtHeight, 'confirmedAtHeight');
  checkInt(toSelfDelay, 0, 0xffff, 'toSelfDelay');
  if ((input.kind === 'offered_htlc' || input.kind === 'received_htlc') && input.htlc !== undefined) return input.htlc.cltvExpiry;
  return confirmedAtHeight + toSelfDelay;
}

/** Justice transactions to broadcast, and the outputs not worth claiming at this feerate. */
export interface JusticePlan {
  readonly txs: readonly JusticeTx[];
  readonly unclaimed: readonly { readonly input: JusticeInput; readonly reason: string }[];
}

/** BOLT 5's recommended `security_delay`: the margin before the peer can take an output at which it is claimed alone. */
export const SECURITY_DELAY_BLOCKS = 18;

/**
 * BOLT 5 "Revoked Transaction Close Handling": the justice transactions for these inputs. One
 * transaction for everything when it fits and pays; an output the peer can soon take itself
 * on its own ("a single-spend transaction for the revoked output", BOLT 5 `security_delay`: a
 * pinned or invalidated combined transaction must not let it escape);
 * inputs split into standard-weight chunks; when a group would be dust, each of its inputs alone,
 * and an input that cannot pay for itself is reported in `unclaimed`.
 */
export function planJusticeTxs(inputs: readonly JusticeInput[], opts: JusticePlanOptions): JusticePlan {
  if (!Array.isArray(inputs)) throw new ValidationError('inputs', 'must be an array');
  if (opts === null || typeof opts !== 'object') throw new ValidationError('opts', 'must be an object');
  const margin = opts.separateWithinBlocks ?? SECURITY_DELAY_BLOCKS;
  checkInt(margin, 0, 0xffff, 'separateWithinBlocks');
  if (opts.tipHeight !== undefined) checkU32(opts.tipHeight, 'tipHeight');
  const claimHeightOf = opts.peerClaimHeightOf ?? ((i: JusticeInput) => (i.kind === 'offered_htlc' || i.kind === 'received_htlc' ? i.htlc?.cltvExpiry : undefined));
  const nearExpiry = (i: JusticeInput): boolean => {
    if (opts.tipHeight === undefined) return false;
    const h = claimHeightOf(i);
    return h !== undefined && h <= opts.tipHeight + margin;
  };

  const txs: JusticeTx[] = [];
  const unclaimed: { input: JusticeInput; reason: string }[] = [];
  checkFeerate(opts.feeratePerKw, 'feeratePerKw');
  checkSecret(opts.revocationPrivkey, 'revocationPrivkey');
  checkScript(opts.destination, 'destination');
  const worth: JusticeInput[] = [];
  inputs.forEach((i, n) => {
    checkInput(i, `inputs[${n}]`);
    const cost = justiceInputFeeSat(i, opts.feeratePerKw);
    if (i.valueSat <= cost) unclaimed.push({ input: i, reason: `${i.valueSat} sat costs ${cost} sat to claim at ${opts.feeratePerKw} sat/kw` });
    else worth.push(i);
  });
  const alone = worth.filter(nearExpiry);
  const rest = worth.filter((i) => !nearExpiry(i));
  const groups: JusticeInput[][] = alone.map((i) => [i]);
  let chunk: JusticeInput[] = [];
  for (const i of rest) {
    if (chunk.length > 0 && justiceTxWeight([...chunk, i], opts.destination.length) > MAX_JUSTICE_TX_WEIGHT) {
      groups.push(chunk);
      chunk = [];
    }
    chunk.push(i);
  }
  if (chunk.length > 0) groups.push(chunk);

  const soonest = (group: readonly JusticeInput[]): number | undefined =>
    group.reduce<number | undefined>((m, i) => {
      const h = claimHeightOf(i);
      return h === undefined ? m : m === undefined ? h : Math.min(m, h);
    }, undefined);
  const attempt = (group: JusticeInput[]): void => {
    try {
      const feerate = opts.feerateFor ? checkFeerate(opts.feerateFor(soonest(group)), 'feerateFor') : opts.feeratePerKw;
      txs.push(buildJusticeTx(group, opts.revocationPrivkey, opts.destination, feerate, opts.locktime ?? 0));
    } catch (err) {
      if (!(err instanceof ValidationError) || err.field !== 'inputs') throw err;
      if (group.length > 1) {
        // The largest outputs may pay for themselves even where the group as a whole did not.
        for (const i of group) attempt([i]);
        return;
      }
      unclaimed.push({ input: group[0] as JusticeInput, reason: err.message });
    }
  };
  for (const g of groups) attempt(g);
  return Object.freeze({ txs: Object.freeze(txs), unclaimed: Object.freeze(unclaimed) });
}
