/**
 * BOLT 5 "Unilateral Close Handling: Local Commitment Transaction — HTLC Output Handling": after
 * OUR commitment confirms, each HTLC output is resolved by its second-stage transaction (BOLT 3
 * "HTLC-Timeout and HTLC-Success Transactions"), pre-signed by the peer in `commitment_signed`,
 * and the second-stage output is swept to the wallet after `to_self_delay`.
 *
 * - `static_remotekey`: the HTLC transaction carries its own fee and the peer signed it
 *   SIGHASH_ALL, so it goes out as is: {@link finalizeLocalHtlcTx}.
 * - `option_anchors` (`anchors_zero_fee_htlc_tx`): the HTLC transaction pays no fee and the peer
 *   signed it SIGHASH_SINGLE|SIGHASH_ANYONECANPAY, so we may add wallet inputs and a change output
 *   to pay the fee when we broadcast it (BOLT 3, HTLC transactions with anchors): {@link buildAnchorHtlcTx}
 *   puts one or more HTLC inputs at indexes 0..n-1, each with its own output at the same index
 *   (what SIGHASH_SINGLE commits to), then wallet coins and one change output; our own HTLC
 *   signature is SIGHASH_ALL over that whole transaction. HTLC transactions commit to nLockTime,
 *   so only those with the same locktime (all HTLC-success, or HTLC-timeouts of one expiry) share
 *   a transaction.
 * - The second-stage output is the `to_local`-like script: {@link buildSecondStageSweep} spends it
 *   with `<local_delayedsig> <>` and nSequence = `to_self_delay`.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#htlc-timeout-and-htlc-success-transactions
 */
import { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '../../crypto/hash.ts';
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkPubkey, checkScript, checkSecret } from '../bolt3/check.ts';
import type { Commitment } from '../bolt3/commitment.ts';
import { type HtlcTx, buildHtlcTxs, finalizeHtlcTx, signHtlcTx, verifyHtlcSignature } from '../bolt3/htlc-tx.ts';
import { htlcTxOutputScript, p2wsh } from '../bolt3/scripts.ts';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, encodeSignature, signInput } from '../bolt3/sign.ts';
import { type CommitmentHtlc, hasAnchors } from '../bolt3/types.ts';
import type { WalletCoin } from './anchor-cpfp.ts';
import { SEQUENCE_NO_LOCK, type SweptOutput } from './sweep.ts';
import { MAX_SIGNATURE_BYTES, checkFeerate, dustThresholdSat, feeForWeight, segwitTxWeight, witnessWeight } from './weights.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;
/** A P2WPKH wallet input: witness `<sig> <pubkey>`. */
const P2WPKH_WITNESS = witnessWeight([MAX_SIGNATURE_BYTES, 33]);

/** What completes one of our HTLC transactions: the peer's stored signature and, for HTLC-success, the preimage. */
export interface LocalHtlcResolution {
  readonly htlcTx: HtlcTx;
  /** The peer's signature for this HTLC transaction (`LocalCommit.htlcSignatures`, 64-byte compact). */
  readonly remoteSignature: Uint8Array;
  /** HTLC-success only: SHA256(preimage) = the payment hash. */
  readonly paymentPreimage?: Uint8Array | undefined;
}

/** The witness item lengths of an HTLC transaction input: `0 <remotesig> <localsig> <preimage|> <script>`. */
function htlcInputWitness(htlcTx: HtlcTx): number {
  return witnessWeight([0, MAX_SIGNATURE_BYTES, MAX_SIGNATURE_BYTES, htlcTx.kind === 'htlc-success' ? 32 : 0, htlcTx.witnessScript.length]);
}

/** Our commitment's HTLC transactions paired with the peer's signatures: the ones we can resolve now, and those waiting for a preimage. */
export interface LocalHtlcResolutions<H extends CommitmentHtlc = CommitmentHtlc> {
  /** HTLC-timeout transactions (valid from `cltv_expiry` + 1) and HTLC-success ones whose preimage we know. */
  readonly ready: readonly (LocalHtlcResolution & { readonly htlcTx: HtlcTx<H> })[];
  /** HTLC-success transactions for HTLCs whose preimage we do not (yet) know. */
  readonly awaitingPreimage: readonly HtlcTx<H>[];
}

/**
 * Pair every HTLC transaction of our (rebuilt) commitment with the peer's signature from its
 * `commitment_signed` (`htlc_signatures` are in HTLC output order, as {@link buildHtlcTxs}
 * returns them) and the preimage `preimageFor` knows. Throws a ValidationError naming
 * `htlcSignatures` when the count differs or a signature does not verify.
 */
export function localHtlcResolutions<H extends CommitmentHtlc>(
  commitment: Commitment<H>,
  htlcSignatures: readonly Uint8Array[],
  preimageFor: (paymentHash: Uint8Array) => Uint8Array | undefined,
): LocalHtlcResolutions<H> {
  const txs = buildHtlcTxs(commitment);
  if (!Array.isArray(htlcSignatures) || htlcSignatures.length !== txs.length) {
    throw new ValidationError('htlcSignatures', `must hold one signature per HTLC output (${txs.length}), got ${Array.isArray(htlcSignatures) ? htlcSignatures.length : 'none'}`);
  }
  const ready: (LocalHtlcResolution & { readonly htlcTx: HtlcTx<H> })[] = [];
  const awaitingPreimage: HtlcTx<H>[] = [];
  txs.forEach((htlcTx, i) => {
    const remoteSignature = checkBytes(htlcSignatures[i], 64, `htlcSignatures[${i}]`);
    if (!verifyHtlcSignature(htlcTx, remoteSignature, 'remote')) throw new ValidationError(`htlcSignatures[${i}]`, 'does not verify');
    if (htlcTx.kind === 'htlc-timeout') {
      ready.push(Object.freeze({ htlcTx, remoteSignature }));
      return;
    }
    const preimage = preimageFor(htlcTx.htlc.paymentHash);
    if (preimage instanceof Uint8Array && preimage.length === 32 && equalBytes(sha256(preimage), htlcTx.htlc.paymentHash)) {
      ready.push(Object.freeze({ htlcTx, remoteSignature, paymentPreimage: preimage }));
    } else {
      awaitingPreimage.push(htlcTx);
    }
  });
  return Object.freeze({ ready: Object.freeze(ready), awaitingPreimage: Object.freeze(awaitingPreimage) });
}

/**
 * `static_remotekey` (or any HTLC transaction to broadcast as built): sign with our HTLC key
 * (`derivePrivkey(htlc_basepoint secret, our per-commitment point)`) and add the peer's
 * signature. Checks both signatures and the preimage (bolt3 `finalizeHtlcTx`).
 */
export function finalizeLocalHtlcTx(r: LocalHtlcResolution, localHtlcPrivkey: Uint8Array): Transaction {
  if (r === null || typeof r !== 'object') throw new ValidationError('resolution', 'must be an object');
  checkSecret(localHtlcPrivkey, 'localHtlcPrivkey');
  checkBytes(r.remoteSignature, 64, 'remoteSignature');
  const localSignature = signHtlcTx(r.htlcTx, localHtlcPrivkey, 'local');
  return finalizeHtlcTx(r.htlcTx, { localSignature, remoteSignature: r.remoteSignature, paymentPreimage: r.paymentPreimage });
}

/** Estimated weight of an anchors HTLC transaction with these HTLC inputs, `walletCoins` P2WPKH inputs and a change output. */
export function anchorHtlcTxWeight(htlcTxs: readonly HtlcTx[], walletCoins: number, changeScriptLength: number): number {
  return segwitTxWeight(
    [...htlcTxs.map(htlcInputWitness), ...Array.from({ length: walletCoins }, () => P2WPKH_WITNESS)],
    [...htlcTxs.map((h) => h.tx.outs[0]?.script.length ?? 34), changeScriptLength],
  );
}

export interface AnchorHtlcTxParams {
  /** One or more zero-fee HTLC transactions of our commitment, all with the same nLockTime. */
  readonly resolutions: readonly LocalHtlcResolution[];
  readonly localHtlcPrivkey: Uint8Array;
  /** Wallet P2WPKH coins, used in this order until the fee and a change above dust are covered. */
  readonly walletCoins: readonly WalletCoin[];
  readonly changeScriptPubKey: Uint8Array;
  /** The feerate the whole transaction (HTLC inputs and fee inputs) pays. */
  readonly feeratePerKw: number;
}

export interface AnchorHtlcTx {
  /** HTLC inputs 0..n-1 signed; wallet inputs n.. have no witness yet (the wallet signs them, SIGHASH_ALL). */
  readonly tx: Transaction;
  /** Input (and output) index of each resolution. */
  readonly htlcInputIndexes: readonly number[];
  readonly walletInputIndexes: readonly number[];
  /** The coins used, in input order. */
  readonly walletCoins: readonly WalletCoin[];
  readonly feeSat: bigint;
  readonly changeSat: bigint;
  readonly changeOutputIndex: number;
  readonly estimatedWeight: number;
  readonly locktime: number;
}

/**
 * BOLT 5 with `option_anchors`: attach fee inputs to zero-fee HTLC transactions. Our signatures
 * are made last, SIGHASH_ALL over the final transaction; the peer's SINGLE|ANYONECANPAY
 * signatures stay valid because each HTLC input keeps its output at the same index. Throws a
 * ValidationError naming `walletCoins` when the coins cannot pay the fee and a change above dust.
 */
export function buildAnchorHtlcTx(p: AnchorHtlcTxParams): AnchorHtlcTx {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  if (!Array.isArray(p.resolutions) || p.resolutions.length === 0) throw new ValidationError('resolutions', 'must be a non-empty array');
  checkSecret(p.localHtlcPrivkey, 'localHtlcPrivkey');
  checkScript(p.changeScriptPubKey, 'changeScriptPubKey');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  if (!Array.isArray(p.walletCoins)) throw new ValidationError('walletCoins', 'must be an array');
  const locktime = p.resolutions[0]?.htlcTx.tx.locktime ?? 0;
  p.resolutions.forEach((r, i) => {
    const field = `resolutions[${i}]`;
    if (r === null || typeof r !== 'object' || r.htlcTx === null || typeof r.htlcTx !== 'object') throw new ValidationError(field, 'must be an object');
    const h = r.htlcTx;
    if (!hasAnchors(h.channelType)) throw new ValidationError(`${field}.htlcTx.channelType`, 'only anchors HTLC transactions take fee inputs (static_remotekey ones are signed SIGHASH_ALL by the peer)');
    if (h.outputValueSat !== h.inputValueSat) throw new ValidationError(`${field}.htlcTx`, 'is not a zero-fee HTLC transaction');
    if (h.tx.locktime !== locktime) throw new ValidationError(`${field}.htlcTx`, `has nLockTime ${h.tx.locktime}, not ${locktime}: HTLC transactions sign their locktime, batch only equal ones`);
    if (!equalBytes(publicKeyOf(p.localHtlcPrivkey), h.localHtlcPubkey)) throw new ValidationError('localHtlcPrivkey', `is not the local_htlcpubkey of ${field}`);
    checkBytes(r.remoteSignature, 64, `${field}.remoteSignature`);
    if (!verifyHtlcSignature(h, r.remoteSignature, 'remote')) throw new ValidationError(`${field}.remoteSignature`, 'does not verify');
    if (h.kind === 'htlc-success') {
      const preimage = checkBytes(r.paymentPreimage, 32, `${field}.paymentPreimage`);
      if (!equalBytes(sha256(preimage), h.htlc.paymentHash)) throw new ValidationError(`${field}.paymentPreimage`, 'does not hash to the payment hash');
    } else if (r.paymentPreimage !== undefined) {
      throw new ValidationError(`${field}.paymentPreimage`, 'an HTLC-timeout transaction takes no preimage');
    }
    const input = h.tx.ins[0];
    if (p.resolutions.slice(0, i).some((q) => q.htlcTx.tx.ins[0] && input && equalBytes(q.htlcTx.tx.ins[0].hash, input.hash) && q.htlcTx.tx.ins[0].index === input.index)) {
      throw new ValidationError(`${field}.htlcTx`, 'spends the same output as an earlier resolution');
    }
  });
  p.walletCoins.forEach((c, i) => {
    checkBytes(c?.txid, 32, `walletCoins[${i}].txid`);
    checkInt(c.index, 0, 0xffffffff, `walletCoins[${i}].index`);
    checkAmount(c.valueSat, `walletCoins[${i}].valueSat`, MAX_SAT);
    const spk = checkScript(c.scriptPubKey, `walletCoins[${i}].scriptPubKey`);
    if (spk.length !== 22 || spk[0] !== 0x00 || spk[1] !== 0x14) throw new ValidationError(`walletCoins[${i}].scriptPubKey`, 'must be P2WPKH');
  });

  const htlcTxs = p.resolutions.map((r) => r.htlcTx);
  const dust = dustThresholdSat(p.changeScriptPubKey);
  let used = 0;
  let coinSat = 0n;
  let weight = 0;
  let feeSat = 0n;
  for (;;) {
    weight = anchorHtlcTxWeight(htlcTxs, used, p.changeScriptPubKey.length);
    feeSat = feeForWeight(weight, p.feeratePerKw);
    if (used > 0 && coinSat - feeSat >= dust) break;
    const next = p.walletCoins[used];
    if (next === undefined) {
      throw new ValidationError('walletCoins', `${coinSat} sat in ${used} coin(s) cannot pay the ${feeSat} sat fee at ${p.feeratePerKw} sat/kw and leave ${dust} sat of change`);
    }
    coinSat += next.valueSat;
    used += 1;
  }
  const coins = p.walletCoins.slice(0, used);
  const changeSat = coinSat - feeSat;

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  for (const h of htlcTxs) {
    const input = h.tx.ins[0] as { hash: Uint8Array; index: number; sequence: number };
    const output = h.tx.outs[0] as { script: Uint8Array; value: bigint };
    tx.addInput(input.hash.slice(), input.index, input.sequence);
    tx.addOutput(output.script, output.value);
  }
  for (const c of coins) tx.addInput(c.txid.slice(), c.index, SEQUENCE_NO_LOCK);
  tx.addOutput(p.changeScriptPubKey, changeSat);
  p.resolutions.forEach((r, i) => {
    const h = r.htlcTx;
    const localSig = signInput(tx, i, h.witnessScript, h.inputValueSat, p.localHtlcPrivkey, SIGHASH_ALL);
    tx.setWitness(i, [
      new Uint8Array(0),
      encodeSignature(r.remoteSignature, SIGHASH_SINGLE_ANYONECANPAY),
      encodeSignature(localSig, SIGHASH_ALL),
      h.kind === 'htlc-success' ? (r.paymentPreimage as Uint8Array) : new Uint8Array(0),
      h.witnessScript,
    ]);
  });
  const n = htlcTxs.length;
  return Object.freeze({
    tx,
    htlcInputIndexes: Object.freeze(htlcTxs.map((_, i) => i)),
    walletInputIndexes: Object.freeze(coins.map((_, i) => n + i)),
    walletCoins: Object.freeze(coins),
    feeSat,
    changeSat,
    changeOutputIndex: n,
    estimatedWeight: weight,
    locktime,
  });
}

export interface SecondStageSweepParams {
  /** Outputs of our confirmed HTLC-success/HTLC-timeout transactions (all of one commitment: one script). */
  readonly outputs: readonly SweptOutput[];
  /** That commitment's `revocationpubkey`. */
  readonly revocationPubkey: Uint8Array;
  /** The CSV delay on our outputs: the `to_self_delay` the peer asked of us. */
  readonly toSelfDelay: number;
  /** `local_delayedprivkey` at that commitment's per-commitment point. */
  readonly delayedPrivkey: Uint8Array;
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
}

export interface SecondStageSweep {
  readonly tx: Transaction;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly feeSat: bigint;
  readonly valueSat: bigint;
  readonly estimatedWeight: number;
  /** The scriptPubKey every input spends. */
  readonly spentScriptPubKey: Uint8Array;
}

/**
 * BOLT 5: "the local node MUST spend the output of the HTLC-timeout/HTLC-success transaction
 * ... once its `OP_CHECKSEQUENCEVERIFY` delay has passed": witness `<local_delayedsig> <>
 * <script>` per input, nSequence = `to_self_delay`, one output to `destination`.
 */
export function buildSecondStageSweep(p: SecondStageSweepParams): SecondStageSweep {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  if (!Array.isArray(p.outputs) || p.outputs.length === 0) throw new ValidationError('outputs', 'must be a non-empty array');
  p.outputs.forEach((o, i) => {
    if (o === null || typeof o !== 'object') throw new ValidationError(`outputs[${i}]`, 'must be an object');
    checkBytes(o.txid, 32, `outputs[${i}].txid`);
    checkInt(o.index, 0, 0xffffffff, `outputs[${i}].index`);
    checkAmount(o.valueSat, `outputs[${i}].valueSat`, MAX_SAT);
  });
  checkPubkey(p.revocationPubkey, 'revocationPubkey');
  checkInt(p.toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkSecret(p.delayedPrivkey, 'delayedPrivkey');
  checkScript(p.destination, 'destination');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  const script = htlcTxOutputScript(p.revocationPubkey, p.toSelfDelay, publicKeyOf(p.delayedPrivkey));
  const witness = witnessWeight([MAX_SIGNATURE_BYTES, 0, script.length]);
  const weight = segwitTxWeight(p.outputs.map(() => witness), [p.destination.length]);
  const feeSat = feeForWeight(weight, p.feeratePerKw);
  const totalSat = p.outputs.reduce((s, o) => s + o.valueSat, 0n);
  const valueSat = totalSat - feeSat;
  const dust = dustThresholdSat(p.destination);
  if (valueSat < dust) throw new ValidationError('outputs', `${totalSat} sat less the ${feeSat} sat fee at ${p.feeratePerKw} sat/kw is below the dust threshold ${dust} sat`);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  for (const o of p.outputs) tx.addInput(o.txid.slice(), o.index, p.toSelfDelay);
  tx.addOutput(p.destination, valueSat);
  p.outputs.forEach((o, i) => {
    const sig = signInput(tx, i, script, o.valueSat, p.delayedPrivkey, SIGHASH_ALL);
    tx.setWitness(i, [encodeSignature(sig, SIGHASH_ALL), new Uint8Array(0), script]);
  });
  return Object.freeze({ tx, rawTx: tx.toBuffer(), txid: tx.getHash(), feeSat, valueSat, estimatedWeight: weight, spentScriptPubKey: p2wsh(script) });
}
