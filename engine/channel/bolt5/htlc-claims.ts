/**
 * BOLT 5 "Unilateral Close Handling: Remote Commitment Transaction": the HTLC outputs of the
 * peer's confirmed commitment (current or next) that we spend directly, with no second stage:
 *
 * - "Remote Commitment Transaction — HTLC Output Handling: Remote Offers" (incoming to us): the
 *   peer's `offered_htlc` output, spent with the preimage by the witness
 *   `<remotehtlcsig> <payment_preimage> <script>` (BOLT 3 "Offered HTLC Outputs": the remote node
 *   redeems with the preimage). We are "remote" in that commitment, so our key is its
 *   `remote_htlcpubkey`, i.e. our `htlc_basepoint` tweaked by the peer's per-commitment point.
 * - "HTLC Output Handling: Local Offers" (outgoing from us): the peer's `received_htlc` output,
 *   spent after its `cltv_expiry` by `<remotehtlcsig> <> <script>` with nLockTime = `cltv_expiry`
 *   (BOLT 3 "Received HTLC Outputs": OP_CHECKLOCKTIMEVERIFY path).
 *
 * With `option_anchors` both paths end in `1 OP_CHECKSEQUENCEVERIFY`, so the input's nSequence is
 * 1 (the commitment must have one confirmation). Without anchors nSequence is 0xfffffffd: not
 * final, so that nLockTime is enforced (CLTV needs a non-final input), and replaceable.
 *
 * Several claims share one transaction, paying one output to a given script: its nLockTime is the
 * largest `cltv_expiry` of the timeout claims in it (0 if none), so batch only claims whose
 * expiries have all passed ({@link claimsMatureAt}). The fee comes from a feerate and the
 * worst-case weight; an output below the dust threshold is refused naming `claims`.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-remote-commitment-transaction
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#offered-htlc-outputs
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#received-htlc-outputs
 */
import { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '../../crypto/hash.ts';
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkScript, checkSecret } from '../bolt3/check.ts';
import type { HtlcOutput } from '../bolt3/commitment.ts';
import { p2wsh } from '../bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../bolt3/sign.ts';
import { type ChannelType, type CommitmentHtlc, checkChannelType, hasAnchors } from '../bolt3/types.ts';
import { SEQUENCE_NO_LOCK } from './sweep.ts';
import { MAX_SIGNATURE_BYTES, checkFeerate, dustThresholdSat, feeForWeight, segwitTxWeight, witnessWeight } from './weights.ts';

/** How we claim an HTLC output of the peer's commitment: with the preimage (it offered), or after expiry (we offered). */
export type RemoteHtlcClaimKind = 'preimage' | 'timeout';

/** One HTLC output of the peer's commitment to claim. */
export interface RemoteHtlcClaim<H extends CommitmentHtlc = CommitmentHtlc> {
  /** The peer's commitment txid, internal byte order. */
  readonly commitmentTxid: Uint8Array;
  /**
   * The HTLC output as built for the peer's commitment (bolt3 `buildCommitment` with the peer as
   * local): `offered_htlc` is an HTLC the peer offered us, `received_htlc` one we offered it.
   */
  readonly output: HtlcOutput<H>;
  /** Required for an `offered_htlc` output: SHA256(preimage) must be the HTLC's payment hash. */
  readonly paymentPreimage?: Uint8Array | undefined;
}

export interface RemoteHtlcClaimParams<H extends CommitmentHtlc = CommitmentHtlc> {
  readonly channelType: ChannelType;
  readonly claims: readonly RemoteHtlcClaim<H>[];
  /**
   * Our HTLC private key for that commitment: `derivePrivkey(our htlc_basepoint secret, the
   * peer's per-commitment point)`; its pubkey must be the commitment's `remote_htlcpubkey`.
   */
  readonly htlcPrivkey: Uint8Array;
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
  /**
   * The lowest nLockTime to use (the tip height: anti fee sniping, and it dates the version for
   * re-bumping); a timeout claim's is at least its `cltv_expiry` anyway. Default 0.
   */
  readonly locktime?: number;
}

/** A signed claim transaction: input i spends `claims[i]`. */
export interface RemoteHtlcClaimTx {
  readonly tx: Transaction;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly feeSat: bigint;
  readonly valueSat: bigint;
  /** The weight the fee was computed for (≥ the real weight). */
  readonly estimatedWeight: number;
  /** The transaction's nLockTime: the largest of `locktime` and the `cltv_expiry` of its timeout claims. */
  readonly locktime: number;
  /** Per input: the kind of claim and the scriptPubKey it spends (for an interpreter or a watcher). */
  readonly inputs: readonly { readonly kind: RemoteHtlcClaimKind; readonly spentScriptPubKey: Uint8Array; readonly valueSat: bigint }[];
}

/** The kind of claim an HTLC output of the peer's commitment takes. */
export function remoteHtlcClaimKind(output: Pick<HtlcOutput, 'kind'>): RemoteHtlcClaimKind {
  return output.kind === 'offered_htlc' ? 'preimage' : 'timeout';
}

/** The witness item lengths of a claim (signature, preimage or empty, script). */
function claimWitness(kind: RemoteHtlcClaimKind, scriptLength: number): number[] {
  return [MAX_SIGNATURE_BYTES, kind === 'preimage' ? 32 : 0, scriptLength];
}

/** Estimated weight of a claim transaction spending these outputs into one output of `destinationLength` bytes. */
export function remoteHtlcClaimWeight(outputs: readonly Pick<HtlcOutput, 'kind' | 'witnessScript'>[], destinationLength: number): number {
  return segwitTxWeight(
    outputs.map((o) => witnessWeight(claimWitness(remoteHtlcClaimKind(o), o.witnessScript.length))),
    [destinationLength],
  );
}

/**
 * The claims that a transaction mined in block `height` may include: every preimage claim we
 * have a preimage for, and every timeout claim whose `cltv_expiry` is below `height` (a
 * transaction with nLockTime L is final from block L + 1).
 */
export function claimsMatureAt<C extends Pick<RemoteHtlcClaim, 'output' | 'paymentPreimage'>>(claims: readonly C[], height: number): C[] {
  return claims.filter((c) => (remoteHtlcClaimKind(c.output) === 'preimage' ? c.paymentPreimage !== undefined : c.output.htlc.cltvExpiry < height));
}

/** BOLT 5: claim HTLC outputs of the peer's commitment (preimage and/or timeout) into one output. */
export function buildRemoteHtlcClaims<H extends CommitmentHtlc>(p: RemoteHtlcClaimParams<H>): RemoteHtlcClaimTx {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkChannelType(p.channelType);
  if (!Array.isArray(p.claims) || p.claims.length === 0) throw new ValidationError('claims', 'must be a non-empty array');
  checkSecret(p.htlcPrivkey, 'htlcPrivkey');
  checkScript(p.destination, 'destination');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  const ourHtlcPubkey = publicKeyOf(p.htlcPrivkey);
  const anchors = hasAnchors(p.channelType);
  const seen = new Set<string>();
  let locktime = p.locktime === undefined ? 0 : checkInt(p.locktime, 0, 499_999_999, 'locktime');
  let totalSat = 0n;
  const inputs = p.claims.map((c, i) => {
    const field = `claims[${i}]`;
    if (c === null || typeof c !== 'object') throw new ValidationError(field, 'must be an object');
    checkBytes(c.commitmentTxid, 32, `${field}.commitmentTxid`);
    const o = c.output;
    if (o?.kind !== 'offered_htlc' && o?.kind !== 'received_htlc') throw new ValidationError(`${field}.output`, 'must be an HTLC output');
    checkInt(o.index, 0, 0xffffffff, `${field}.output.index`);
    checkAmount(o.valueSat, `${field}.output.valueSat`, 21_000_000n * 100_000_000n);
    if (!(o.witnessScript instanceof Uint8Array) || !equalBytes(p2wsh(o.witnessScript), o.scriptPubKey)) {
      throw new ValidationError(`${field}.output.witnessScript`, 'does not hash to the output script');
    }
    // Our key sits in the script as remote_htlcpubkey: a wrong key would build an unspendable tx.
    let remoteKey: Uint8Array;
    try {
      remoteKey = remoteHtlcPubkeyOf(o.witnessScript);
    } catch {
      throw new ValidationError(`${field}.output.witnessScript`, 'is not a BOLT 3 HTLC script');
    }
    if (!equalBytes(remoteKey, ourHtlcPubkey)) throw new ValidationError('htlcPrivkey', `is not the remote_htlcpubkey of ${field}`);
    const key = `${Array.from(c.commitmentTxid).join(',')}:${o.index}`;
    if (seen.has(key)) throw new ValidationError(`${field}.output.index`, 'is claimed twice');
    seen.add(key);
    const kind = remoteHtlcClaimKind(o);
    if (kind === 'preimage') {
      const preimage = checkBytes(c.paymentPreimage, 32, `${field}.paymentPreimage`);
      if (!equalBytes(sha256(preimage), o.htlc.paymentHash)) throw new ValidationError(`${field}.paymentPreimage`, 'does not hash to the payment hash');
    } else {
      if (c.paymentPreimage !== undefined) throw new ValidationError(`${field}.paymentPreimage`, 'a timeout claim takes no preimage');
      locktime = Math.max(locktime, checkInt(o.htlc.cltvExpiry, 0, 499_999_999, `${field}.output.htlc.cltvExpiry`));
    }
    totalSat += o.valueSat;
    return { kind, claim: c };
  });

  const weight = remoteHtlcClaimWeight(p.claims.map((c) => c.output), p.destination.length);
  const feeSat = feeForWeight(weight, p.feeratePerKw);
  const valueSat = totalSat - feeSat;
  const dust = dustThresholdSat(p.destination);
  if (valueSat < dust) {
    throw new ValidationError('claims', `${totalSat} sat less the ${feeSat} sat fee at ${p.feeratePerKw} sat/kw is below the dust threshold ${dust} sat`);
  }

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  for (const { claim } of inputs) tx.addInput(claim.commitmentTxid.slice(), claim.output.index, anchors ? 1 : SEQUENCE_NO_LOCK);
  tx.addOutput(p.destination, valueSat);
  inputs.forEach(({ kind, claim }, i) => {
    const o = claim.output;
    const sig = signInput(tx, i, o.witnessScript, o.valueSat, p.htlcPrivkey, SIGHASH_ALL);
    const middle = kind === 'preimage' ? (claim.paymentPreimage as Uint8Array) : new Uint8Array(0);
    tx.setWitness(i, [encodeSignature(sig, SIGHASH_ALL), middle, o.witnessScript]);
  });
  return Object.freeze({
    tx,
    rawTx: tx.toBuffer(),
    txid: tx.getHash(),
    feeSat,
    valueSat,
    estimatedWeight: weight,
    locktime,
    inputs: Object.freeze(inputs.map(({ kind, claim }) => Object.freeze({ kind, spentScriptPubKey: claim.output.scriptPubKey, valueSat: claim.output.valueSat }))),
  });
}

/**
 * The `remote_htlcpubkey` of an offered or received HTLC script: both begin `OP_DUP OP_HASH160
 * <20 bytes> OP_EQUAL OP_IF OP_CHECKSIG OP_ELSE <33-byte remote_htlcpubkey>` (BOLT 3).
 */
export function remoteHtlcPubkeyOf(witnessScript: Uint8Array): Uint8Array {
  if (witnessScript.length < 61 || witnessScript[0] !== 0x76 || witnessScript[1] !== 0xa9 || witnessScript[2] !== 0x14 || witnessScript[27] !== 0x21) {
    throw new ValidationError('witnessScript', 'is not a BOLT 3 HTLC script');
  }
  return witnessScript.slice(28, 61);
}
