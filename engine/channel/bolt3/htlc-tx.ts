/**
 * BOLT 3 "HTLC-Timeout and HTLC-Success Transactions": the second-stage transactions that spend
 * an HTLC output of the owner's commitment into a `to_local`-like output (revocable, CSV-delayed).
 *
 * The countersignatory ("remote") signs them for `commitment_signed.htlc_signatures`; with
 * `option_anchors` it signs SIGHASH_SINGLE|SIGHASH_ANYONECANPAY (so the owner can add fee inputs,
 * BOLT 5), the input's nSequence is 1 and the fee is 0. The owner always signs SIGHASH_ALL.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#htlc-timeout-and-htlc-success-transactions
 */
import { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '../../crypto/hash.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkBytes, checkInt, checkPubkey, checkU32 } from './check.ts';
import type { Commitment, HtlcOutput } from './commitment.ts';
import { htlcTxFee } from './fees.ts';
import { htlcTxOutputScript, p2wsh } from './scripts.ts';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, encodeSignature, signInput, type Signer, verifyInput } from './sign.ts';
import { type ChannelType, type CommitmentHtlc, checkChannelType, hasAnchors } from './types.ts';

/** HTLC-timeout resolves an offered HTLC; HTLC-success a received one. */
export type HtlcTxKind = 'htlc-timeout' | 'htlc-success';

/** A built, unsigned second-stage HTLC transaction. Do not mutate `tx`; {@link finalizeHtlcTx} copies it. */
export interface HtlcTx<H extends CommitmentHtlc = CommitmentHtlc> {
  readonly kind: HtlcTxKind;
  readonly tx: Transaction;
  readonly channelType: ChannelType;
  readonly htlc: H;
  /** The commitment output this spends. */
  readonly commitmentOutputIndex: number;
  /** The HTLC output's witness script (what the signatures commit to). */
  readonly witnessScript: Uint8Array;
  /** The HTLC output's value (whole satoshis). */
  readonly inputValueSat: bigint;
  readonly outputValueSat: bigint;
  /** The `to_local`-like script of the output, for the owner's later sweep or a penalty. */
  readonly outputWitnessScript: Uint8Array;
  /** The local (owner's) and remote HTLC pubkeys, which sign this transaction. */
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
}

/** The inputs of {@link buildHtlcTx} that do not come from the HTLC output itself. */
export interface HtlcTxParams {
  readonly channelType: ChannelType;
  /** Internal byte order. */
  readonly commitmentTxid: Uint8Array;
  readonly feeratePerKw: number;
  /** The CSV delay on the output: the same `to_self_delay` as the commitment's `to_local`. */
  readonly toSelfDelay: number;
  readonly revocationPubkey: Uint8Array;
  readonly localDelayedPubkey: Uint8Array;
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
}

/**
 * Build the HTLC-timeout (offered) or HTLC-success (received) transaction for one HTLC output:
 * version 2; locktime `cltv_expiry` (timeout) or 0 (success); nSequence 0, or 1 with anchors; one
 * output of the HTLC amount minus the second-stage fee (0 with anchors) to the `to_local` script.
 */
export function buildHtlcTx<H extends CommitmentHtlc>(output: HtlcOutput<H>, params: HtlcTxParams): HtlcTx<H> {
  checkChannelType(params.channelType);
  checkBytes(params.commitmentTxid, 32, 'commitmentTxid');
  checkU32(params.feeratePerKw, 'feeratePerKw');
  checkInt(params.toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkPubkey(params.localHtlcPubkey, 'localHtlcPubkey');
  checkPubkey(params.remoteHtlcPubkey, 'remoteHtlcPubkey');
  if (output?.kind !== 'offered_htlc' && output?.kind !== 'received_htlc') throw new ValidationError('output', 'must be an HTLC output');
  checkInt(output.index, 0, 0xffffffff, 'output.index');
  const htlc = output.htlc;
  const fee = htlcTxFee(htlc, params.feeratePerKw, params.channelType);
  const outputValueSat = output.valueSat - fee;
  if (outputValueSat < 0n) throw new ValidationError('output.valueSat', `is below the HTLC transaction fee of ${fee} sat (a trimmed HTLC)`);
  const outputWitnessScript = htlcTxOutputScript(params.revocationPubkey, params.toSelfDelay, params.localDelayedPubkey);
  const kind: HtlcTxKind = output.kind === 'offered_htlc' ? 'htlc-timeout' : 'htlc-success';

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = kind === 'htlc-timeout' ? htlc.cltvExpiry : 0;
  tx.addInput(params.commitmentTxid.slice(), output.index, hasAnchors(params.channelType) ? 1 : 0);
  tx.addOutput(p2wsh(outputWitnessScript), outputValueSat);
  return Object.freeze({
    kind,
    tx,
    channelType: params.channelType,
    htlc,
    commitmentOutputIndex: output.index,
    witnessScript: output.witnessScript,
    inputValueSat: output.valueSat,
    outputValueSat,
    outputWitnessScript,
    localHtlcPubkey: params.localHtlcPubkey,
    remoteHtlcPubkey: params.remoteHtlcPubkey,
  });
}

/** Every HTLC transaction of a commitment, in output order (the order of `htlc_signatures`). */
export function buildHtlcTxs<H extends CommitmentHtlc>(commitment: Commitment<H>): HtlcTx<H>[] {
  const params: HtlcTxParams = {
    channelType: commitment.channelType,
    commitmentTxid: commitment.txid,
    feeratePerKw: commitment.feeratePerKw,
    toSelfDelay: commitment.toSelfDelay,
    revocationPubkey: commitment.keys.revocationPubkey,
    localDelayedPubkey: commitment.keys.localDelayedPubkey,
    localHtlcPubkey: commitment.keys.localHtlcPubkey,
    remoteHtlcPubkey: commitment.keys.remoteHtlcPubkey,
  };
  return commitment.htlcOutputs.map((o) => buildHtlcTx(o, params));
}

/**
 * The sighash `signer` uses on an HTLC transaction: the remote (countersignatory) uses
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY with `option_anchors`, everything else is SIGHASH_ALL.
 */
export function htlcSighash(channelType: ChannelType, signer: Signer): number {
  checkChannelType(channelType);
  if (signer !== 'local' && signer !== 'remote') throw new ValidationError('signer', "must be 'local' or 'remote'");
  return signer === 'remote' && hasAnchors(channelType) ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
}

/** Sign an HTLC transaction with `signer`'s derived HTLC private key (64-byte compact). */
export function signHtlcTx(htlcTx: HtlcTx, htlcPrivkey: Uint8Array, signer: Signer): Uint8Array {
  const sighash = htlcSighash(htlcTx.channelType, signer);
  return signInput(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputValueSat, htlcPrivkey, sighash);
}

/** Check `signer`'s signature on an HTLC transaction (e.g. one of the peer's `htlc_signatures`). */
export function verifyHtlcSignature(htlcTx: HtlcTx, signature: Uint8Array, signer: Signer): boolean {
  const sighash = htlcSighash(htlcTx.channelType, signer);
  const pubkey = signer === 'local' ? htlcTx.localHtlcPubkey : htlcTx.remoteHtlcPubkey;
  return verifyInput(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputValueSat, signature, pubkey, sighash);
}

/** The signatures (and, for HTLC-success, the preimage) that complete an HTLC transaction. */
export interface HtlcTxSignatures {
  readonly localSignature: Uint8Array;
  readonly remoteSignature: Uint8Array;
  /** Required for HTLC-success: SHA256(paymentPreimage) must equal the HTLC's payment hash. */
  readonly paymentPreimage?: Uint8Array | undefined;
}

/**
 * The broadcastable HTLC transaction, witness `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>`
 * (HTLC-success) or `0 <remotehtlcsig> <localhtlcsig> <>` (HTLC-timeout), then the HTLC script.
 * Both signatures and the preimage are checked first.
 */
export function finalizeHtlcTx(htlcTx: HtlcTx, sigs: HtlcTxSignatures): Transaction {
  if (!verifyHtlcSignature(htlcTx, sigs.localSignature, 'local')) throw new ValidationError('localSignature', 'does not verify');
  if (!verifyHtlcSignature(htlcTx, sigs.remoteSignature, 'remote')) throw new ValidationError('remoteSignature', 'does not verify');
  let last: Uint8Array = new Uint8Array(0);
  if (htlcTx.kind === 'htlc-success') {
    const preimage = checkBytes(sigs.paymentPreimage, 32, 'paymentPreimage');
    if (!equalBytes(sha256(preimage), htlcTx.htlc.paymentHash)) throw new ValidationError('paymentPreimage', 'does not hash to the payment hash');
    last = preimage;
  } else if (sigs.paymentPreimage !== undefined) {
    throw new ValidationError('paymentPreimage', 'an HTLC-timeout transaction takes no preimage');
  }
  const tx = htlcTx.tx.clone();
  tx.setWitness(0, [
    new Uint8Array(0),
    encodeSignature(sigs.remoteSignature, htlcSighash(htlcTx.channelType, 'remote')),
    encodeSignature(sigs.localSignature, SIGHASH_ALL),
    last,
    htlcTx.witnessScript,
  ]);
  return tx;
}
