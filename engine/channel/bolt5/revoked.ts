/**
 * BOLT 5 "Revoked Transaction Close Handling", detection: which commitment spent the funding
 * output. The commitment number is read back from the locktime and sequence (BOLT 3
 * "Commitment Transaction": obscured by the channel's obscuring factor); a number below the
 * peer's current commitment whose `per_commitment_secret` we hold is a revoked commitment (a
 * breach), and the secret is what the justice transaction needs (justice.ts).
 *
 * Also the compact versioned record of a revoked commitment's HTLCs, which the justice
 * transaction needs to rebuild the HTLC output scripts (payment hash, `cltv_expiry`, direction).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 */
import { equalBytes } from '../../lib/bytes.ts';
import { DecodeError, ValidationError } from '../../lib/errors.ts';
import { ByteReader } from '../../wire/reader.ts';
import { ByteWriter } from '../../wire/writer.ts';
import { checkAmount, checkBytes, checkInt, checkU32 } from '../bolt3/check.ts';
import { MAX_COMMITMENT_NUMBER, commitmentNumberFromLocks } from '../bolt3/commitment-number.ts';
import type { CommitmentHtlc } from '../bolt3/types.ts';

/** The revealed per-commitment secrets of the peer (engine/keys/shachain.ts `ShachainStore` fits). */
export interface RevealedSecrets {
  secretOfCommitment(commitmentNumber: number): Uint8Array | undefined;
}

/** What the channel knows about its commitments when a funding spend is seen. */
export interface CommitmentKnowledge {
  /** From bolt3 `obscuringFactor`(opener's payment_basepoint, accepter's payment_basepoint). */
  readonly obscuringFactor: bigint;
  /** Our current commitment (internal byte order). */
  readonly localCommitTxid: Uint8Array;
  /** The peer's current (latest not revoked) commitment and its number. */
  readonly remoteCommitTxid: Uint8Array;
  readonly remoteCommitmentNumber: number;
  /** The peer's next commitment when we have signed one it has not yet revoked the current for. */
  readonly nextRemoteCommitTxid?: Uint8Array;
  readonly revealedSecrets: RevealedSecrets;
}

/** The funding-spending transaction as we read it (bitcoinjs `Transaction` fits). */
export interface FundingSpendTx {
  getHash(): Uint8Array;
  readonly locktime: number;
  readonly ins: readonly { readonly sequence: number }[];
}

export type CommitmentClassification =
  | { readonly kind: 'local'; readonly commitmentNumber: number | undefined }
  | { readonly kind: 'remote-current'; readonly commitmentNumber: number }
  | { readonly kind: 'remote-next'; readonly commitmentNumber: number }
  | { readonly kind: 'remote-revoked'; readonly commitmentNumber: number; readonly perCommitmentSecret: Uint8Array }
  | { readonly kind: 'unknown'; readonly commitmentNumber: number | undefined; readonly reason: string };

/**
 * Classify the transaction that spent the funding output (BOLT 5 "General Nomenclature": local
 * commitment, remote commitment, revoked commitment):
 *
 * - our current commitment (by txid) → `local`;
 * - the peer's current or next commitment (by txid) → `remote-current` / `remote-next`;
 * - a commitment number below the peer's current with its secret revealed → `remote-revoked`;
 * - anything else → `unknown` with the reason (not a commitment: e.g. a mutual close; a number
 *   we never signed; a revoked number whose secret we lack; a txid that does not match the
 *   commitment of that number).
 *
 * A `remote-revoked` verdict rests on the number alone: justice.ts `findRevokedOutputs` checks
 * the secret's scripts against the outputs (no match → not that commitment).
 */
export function classifyFundingSpend(tx: FundingSpendTx, k: CommitmentKnowledge): CommitmentClassification {
  if (k === null || typeof k !== 'object') throw new ValidationError('knowledge', 'must be an object');
  checkBytes(k.localCommitTxid, 32, 'localCommitTxid');
  checkBytes(k.remoteCommitTxid, 32, 'remoteCommitTxid');
  if (k.nextRemoteCommitTxid !== undefined) checkBytes(k.nextRemoteCommitTxid, 32, 'nextRemoteCommitTxid');
  checkInt(k.remoteCommitmentNumber, 0, MAX_COMMITMENT_NUMBER, 'remoteCommitmentNumber');
  const input = tx.ins[0];
  if (tx.ins.length !== 1 || input === undefined) {
    return { kind: 'unknown', commitmentNumber: undefined, reason: `a commitment has exactly one input, this transaction has ${tx.ins.length}` };
  }
  const n = commitmentNumberFromLocks(tx.locktime >>> 0, input.sequence >>> 0, k.obscuringFactor);
  const txid = tx.getHash();
  if (equalBytes(txid, k.localCommitTxid)) return { kind: 'local', commitmentNumber: n };
  if (n === undefined) return { kind: 'unknown', commitmentNumber: undefined, reason: 'its locktime and sequence do not encode a commitment number (a mutual close?)' };
  if (equalBytes(txid, k.remoteCommitTxid)) return { kind: 'remote-current', commitmentNumber: n };
  if (k.nextRemoteCommitTxid !== undefined && equalBytes(txid, k.nextRemoteCommitTxid)) return { kind: 'remote-next', commitmentNumber: n };
  if (n < k.remoteCommitmentNumber) {
    const secret = k.revealedSecrets.secretOfCommitment(n);
    if (secret !== undefined) return { kind: 'remote-revoked', commitmentNumber: n, perCommitmentSecret: secret };
    return { kind: 'unknown', commitmentNumber: n, reason: `commitment ${n} is below the peer's current ${k.remoteCommitmentNumber} but its secret was never revealed` };
  }
  if (n === k.remoteCommitmentNumber || (n === k.remoteCommitmentNumber + 1 && k.nextRemoteCommitTxid !== undefined)) {
    return { kind: 'unknown', commitmentNumber: n, reason: `commitment ${n} is not the transaction we signed for that number` };
  }
  return { kind: 'unknown', commitmentNumber: n, reason: `commitment ${n} was never signed (the peer's current is ${k.remoteCommitmentNumber})` };
}

/** One HTLC of a revoked commitment, from the peer's (its owner's) point of view. */
export type RevokedHtlc = CommitmentHtlc;

/** The HTLCs of one of the peer's commitments, kept once it is revoked so that a breach can be punished. */
export interface RevokedCommitmentRecord {
  readonly commitmentNumber: number;
  readonly htlcs: readonly RevokedHtlc[];
}

/** Record format version. */
export const REVOKED_RECORD_VERSION = 1;
/** BOLT 2: at most 483 HTLCs each way. */
export const MAX_RECORD_HTLCS = 966;

/**
 * Encode a record: u8 version (1), BigSize commitment number, BigSize HTLC count, then per HTLC
 * u8 direction (0 offered, 1 received), BigSize amount_msat, 32-byte payment hash, u32
 * cltv_expiry. About 42 bytes per HTLC.
 */
export function encodeRevokedCommitment(r: RevokedCommitmentRecord): Uint8Array {
  if (r === null || typeof r !== 'object') throw new ValidationError('record', 'must be an object');
  checkInt(r.commitmentNumber, 0, MAX_COMMITMENT_NUMBER, 'commitmentNumber');
  if (!Array.isArray(r.htlcs) || r.htlcs.length > MAX_RECORD_HTLCS) throw new ValidationError('htlcs', `must be an array of at most ${MAX_RECORD_HTLCS}`);
  const w = new ByteWriter(8 + r.htlcs.length * 42);
  w.u8(REVOKED_RECORD_VERSION).bigsize(r.commitmentNumber).bigsize(r.htlcs.length);
  r.htlcs.forEach((h, i) => {
    if (h === null || typeof h !== 'object') throw new ValidationError(`htlcs[${i}]`, 'must be an object');
    if (h.direction !== 'offered' && h.direction !== 'received') throw new ValidationError(`htlcs[${i}].direction`, "must be 'offered' or 'received'");
    w.u8(h.direction === 'offered' ? 0 : 1);
    w.bigsize(checkAmount(h.amountMsat, `htlcs[${i}].amountMsat`));
    w.bytes(checkBytes(h.paymentHash, 32, `htlcs[${i}].paymentHash`));
    w.u32(checkU32(h.cltvExpiry, `htlcs[${i}].cltvExpiry`));
  });
  return w.finish();
}

/** Decode {@link encodeRevokedCommitment}; throws DecodeError naming the field (unknown version, truncation, trailing bytes). */
export function decodeRevokedCommitment(bytes: Uint8Array): RevokedCommitmentRecord {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('revoked', 'must be bytes');
  const r = new ByteReader(bytes);
  const version = r.u8('revoked.version');
  if (version !== REVOKED_RECORD_VERSION) throw new DecodeError('revoked.version', `unknown version ${version}`);
  const n = r.bigsize('revoked.commitmentNumber');
  if (n > BigInt(MAX_COMMITMENT_NUMBER)) throw new DecodeError('revoked.commitmentNumber', `above 2^48 - 1: ${n}`);
  const count = r.bigsize('revoked.count');
  if (count > BigInt(MAX_RECORD_HTLCS)) throw new DecodeError('revoked.count', `at most ${MAX_RECORD_HTLCS}, got ${count}`);
  const htlcs: RevokedHtlc[] = [];
  for (let i = 0; i < Number(count); i++) {
    const d = r.u8(`revoked.htlcs[${i}].direction`);
    if (d > 1) throw new DecodeError(`revoked.htlcs[${i}].direction`, `must be 0 or 1, got ${d}`);
    const amountMsat = r.bigsize(`revoked.htlcs[${i}].amountMsat`);
    const paymentHash = r.take(32, `revoked.htlcs[${i}].paymentHash`).slice();
    const cltvExpiry = r.u32(`revoked.htlcs[${i}].cltvExpiry`);
    htlcs.push(Object.freeze({ direction: d === 0 ? 'offered' : 'received', amountMsat, paymentHash, cltvExpiry }));
  }
  if (!r.done) throw new DecodeError('revoked', 'trailing bytes');
  return Object.freeze({ commitmentNumber: Number(n), htlcs: Object.freeze(htlcs) });
}
