/**
 * BIP 143 signatures over the P2WSH inputs BOLT 3 transactions spend, and the witness encodings
 * around them. Signatures cross this module as 64-byte compact (r‖s), the BOLT 2 wire form;
 * witnesses carry them DER-encoded with the sighash byte appended.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#use-of-segwit
 * https://github.com/bitcoin/bips/blob/master/bip-0143.mediawiki
 */
import { script as bscript, type Transaction } from 'bitcoinjs-lib';
import { signDigest, verifyDigest } from '../../crypto/secp256k1.ts';
import { compareBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkPubkey, checkSecret } from './check.ts';

/** SIGHASH_ALL: commitment, closing and the owner's HTLC-transaction signatures. */
export const SIGHASH_ALL = 0x01;
/** SIGHASH_SINGLE|SIGHASH_ANYONECANPAY: the counterparty's HTLC signatures with `option_anchors` (BOLT 3 / BOLT 5). */
export const SIGHASH_SINGLE_ANYONECANPAY = 0x83;

const MAX_SAT = 21_000_000n * 100_000_000n;

/** The BIP 143 digest of input `inputIndex` spending a P2WSH output worth `valueSat` with `witnessScript`. */
export function segwitDigest(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, valueSat: bigint, sighash: number): Uint8Array {
  checkAmount(valueSat, 'valueSat', MAX_SAT);
  if (!tx.ins[inputIndex]) throw new ValidationError('inputIndex', `transaction has no input ${inputIndex}`);
  return tx.hashForWitnessV0(inputIndex, witnessScript, valueSat, sighash);
}

/** Sign input `inputIndex` (RFC 6979, low-S): the 64-byte compact signature. */
export function signInput(
  tx: Transaction,
  inputIndex: number,
  witnessScript: Uint8Array,
  valueSat: bigint,
  privkey: Uint8Array,
  sighash: number,
): Uint8Array {
  checkSecret(privkey, 'privkey');
  return signDigest(segwitDigest(tx, inputIndex, witnessScript, valueSat, sighash), privkey);
}

/** Verify a 64-byte compact signature on input `inputIndex`. False on any bad input; never throws on a bad signature. */
export function verifyInput(
  tx: Transaction,
  inputIndex: number,
  witnessScript: Uint8Array,
  valueSat: bigint,
  signature: Uint8Array,
  pubkey: Uint8Array,
  sighash: number,
): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  checkPubkey(pubkey, 'pubkey');
  return verifyDigest(signature, segwitDigest(tx, inputIndex, witnessScript, valueSat, sighash), pubkey);
}

/** A witness signature element: DER(r, s) followed by the sighash byte. */
export function encodeSignature(signature: Uint8Array, sighash: number): Uint8Array {
  checkBytes(signature, 64, 'signature');
  return bscript.signature.encode(signature, sighash);
}

/** Parse a witness signature element (strict DER + sighash byte) into compact form and sighash. */
export function decodeSignature(element: Uint8Array): { signature: Uint8Array; sighash: number } {
  try {
    const { signature, hashType } = bscript.signature.decode(element);
    return { signature, sighash: hashType };
  } catch (err) {
    throw new ValidationError('signature', `not a DER signature with a sighash byte (${(err as Error).message})`);
  }
}

/**
 * The witness spending a funding 2-of-2 (BOLT 3 "Commitment Transaction" / "Closing Transaction"):
 * `0 <signature_for_pubkey1> <signature_for_pubkey2> <witnessScript>`, SIGHASH_ALL, signatures
 * in the lexicographic order of their funding pubkeys.
 */
export function fundingWitness(
  witnessScript: Uint8Array,
  pubkeyA: Uint8Array,
  signatureA: Uint8Array,
  pubkeyB: Uint8Array,
  signatureB: Uint8Array,
): Uint8Array[] {
  checkPubkey(pubkeyA, 'pubkeyA');
  checkPubkey(pubkeyB, 'pubkeyB');
  const a = encodeSignature(checkBytes(signatureA, 64, 'signatureA'), SIGHASH_ALL);
  const b = encodeSignature(checkBytes(signatureB, 64, 'signatureB'), SIGHASH_ALL);
  const [s1, s2] = compareBytes(pubkeyA, pubkeyB) <= 0 ? [a, b] : [b, a];
  return [new Uint8Array(0), s1, s2, witnessScript];
}

/** A transaction whose single input spends the funding output (a commitment or a closing transaction). */
export interface FundingSpend {
  readonly tx: Transaction;
  readonly fundingWitnessScript: Uint8Array;
  readonly fundingSatoshis: bigint;
  /** The funding pubkey of the BOLT 3 "local" side (the commitment owner; us for a closing tx). */
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
}

/** Which side of a {@link FundingSpend} signs: BOLT 3 "local" or "remote". */
export type Signer = 'local' | 'remote';

function signerPubkey(spend: FundingSpend, signer: Signer): Uint8Array {
  if (signer === 'local') return spend.localFundingPubkey;
  if (signer === 'remote') return spend.remoteFundingPubkey;
  throw new ValidationError('signer', `must be 'local' or 'remote', got ${String(signer)}`);
}

/** SIGHASH_ALL signature of the funding input with `fundingPrivkey`. */
export function signFundingSpend(spend: FundingSpend, fundingPrivkey: Uint8Array): Uint8Array {
  checkSecret(fundingPrivkey, 'fundingPrivkey');
  return signInput(spend.tx, 0, spend.fundingWitnessScript, spend.fundingSatoshis, fundingPrivkey, SIGHASH_ALL);
}

/** Check `signer`'s SIGHASH_ALL signature on the funding input. */
export function verifyFundingSpend(spend: FundingSpend, signature: Uint8Array, signer: Signer): boolean {
  const pubkey = signerPubkey(spend, signer);
  return verifyInput(spend.tx, 0, spend.fundingWitnessScript, spend.fundingSatoshis, signature, pubkey, SIGHASH_ALL);
}

/**
 * A copy of the transaction with the funding witness in place, ready to broadcast. Both
 * signatures are checked first: a ValidationError names the one that does not verify.
 */
export function finalizeFundingSpend(spend: FundingSpend, localSignature: Uint8Array, remoteSignature: Uint8Array): Transaction {
  if (!verifyFundingSpend(spend, localSignature, 'local')) throw new ValidationError('localSignature', 'does not verify');
  if (!verifyFundingSpend(spend, remoteSignature, 'remote')) throw new ValidationError('remoteSignature', 'does not verify');
  const tx = spend.tx.clone();
  tx.setWitness(0, fundingWitness(spend.fundingWitnessScript, spend.localFundingPubkey, localSignature, spend.remoteFundingPubkey, remoteSignature));
  return tx;
}
