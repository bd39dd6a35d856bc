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
 *   to pay the fee when we broadcast it (BOLT 3, HTLC transactions with anchors). The channel
 *   signs it too, also SINGLE|ANYONECANPAY ({@link presignAnchorHtlcTx}: its HTLC key stays in
 *   the channel), the node then puts one or more such presigned inputs at indexes 0..n-1, each
 *   with its own output at the same index (what SIGHASH_SINGLE commits to), then wallet coins and
 *   one change output ({@link buildAnchorHtlcTx}); the wallet signs its coins SIGHASH_ALL. HTLC
 *   transactions commit to nLockTime, so only those with the same locktime (all HTLC-success, or
 *   HTLC-timeouts of one expiry) share a transaction. Their inputs have nSequence 1 (CSV 1 on the
 *   anchors HTLC outputs).
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

/**
 * `option_anchors`: our zero-fee HTLC transaction with both signatures on its one input, ours
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY like the peer's, so that wallet inputs and a change output
 * can be added later ({@link buildAnchorHtlcTx}) without a new signature of ours: the input
 * keeps its output at the same index, which is all SIGHASH_SINGLE commits to (BOLT 3 lets the
 * owner sign with any sighash; its HTLC key then never leaves the channel). Checks the peer's
 * signature and the preimage; throws a ValidationError naming the field.
 */
export function presignAnchorHtlcTx(r: LocalHtlcResolution, localHtlcPrivkey: Uint8Array): Transaction {
  if (r === null || typeof r !== 'object' || r.htlcTx === null || typeof r.htlcTx !== 'object') throw new ValidationError('resolution', 'must be an object');
  checkSecret(localHtlcPrivkey, 'localHtlcPrivkey');
  const h = r.htlcTx;
  if (!hasAnchors(h.channelType)) throw new ValidationError('htlcTx.channelType', 'only anchors HTLC transactions take fee inputs (static_remotekey ones are signed SIGHASH_ALL by the peer)');
  if (h.outputValueSat !== h.inputValueSat) throw new ValidationError('htlcTx', 'is not a zero-fee HTLC transaction');
  if (!equalBytes(publicKeyOf(localHtlcPrivkey), h.localHtlcPubkey)) throw new ValidationError('localHtlcPrivkey', 'is not the local_htlcpubkey of the HTLC transaction');
  checkBytes(r.remoteSignature, 64, 'remoteSignature');
  if (!verifyHtlcSignature(h, r.remoteSignature, 'remote')) throw new ValidationError('remoteSignature', 'does not verify');
  let last: Uint8Array = new Uint8Array(0);
  if (h.kind === 'htlc-success') {
    last = checkBytes(r.paymentPreimage, 32, 'paymentPreimage');
    if (!equalBytes(sha256(last), h.htlc.paymentHash)) throw new ValidationError('paymentPreimage', 'does not hash to the payment hash');
  } else if (r.paymentPreimage !== undefined) {
    throw new ValidationError('paymentPreimage', 'an HTLC-timeout transaction takes no preimage');
  }
  const tx = h.tx.clone();
  const localSig = signInput(tx, 0, h.witnessScript, h.inputValueSat, localHtlcPrivkey, SIGHASH_SINGLE_ANYONECANPAY);
  tx.setWitness(0, [new Uint8Array(0), encodeSignature(r.remoteSignature, SIGHASH_SINGLE_ANYONECANPAY), encodeSignature(localSig, SIGHASH_SINGLE_ANYONECANPAY), last, h.witnessScript]);
  return tx;
}

/**
 * A presigned anchors HTLC transaction ({@link presignAnchorHtlcTx}), decoded and checked for
 * its shape: one input with the 5-item HTLC witness, both signatures SINGLE|ANYONECANPAY, and
 * one output. Throws a ValidationError naming `field`.
 */
export function checkPresignedHtlcTx(raw: unknown, field: string): Transaction {
  if (!(raw instanceof Uint8Array)) throw new ValidationError(field, 'must be a serialized transaction');
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(raw);
  } catch (err) {
    throw new ValidationError(field, `does not decode (${(err as Error).message})`);
  }
  if (tx.ins.length !== 1 || tx.outs.length !== 1) throw new ValidationError(field, 'must have one input and one output (an unfunded HTLC transaction)');
  const w = tx.ins[0]!.witness;
  const sighashOf = (item: Uint8Array | undefined): number | undefined => (item && item.length > 0 ? item[item.length - 1] : undefined);
  if (w.length !== 5 || w[0]!.length !== 0 || sighashOf(w[1]) !== SIGHASH_SINGLE_ANYONECANPAY || sighashOf(w[2]) !== SIGHASH_SINGLE_ANYONECANPAY) {
    throw new ValidationError(field, 'must carry both HTLC signatures, SIGHASH_SINGLE|SIGHASH_ANYONECANPAY');
  }
  return tx;
}

/** Weight of an anchors HTLC transaction: these presigned HTLC inputs (their real witnesses), `walletCoins` P2WPKH inputs (estimated at the largest signature) and a change output. */
export function anchorHtlcTxWeight(htlcTxs: readonly Transaction[], walletCoins: number, changeScriptLength: number): number {
  return segwitTxWeight(
    [...htlcTxs.map((h) => witnessWeight((h.ins[0]?.witness ?? []).map((item) => item.length))), ...Array.from({ length: walletCoins }, () => P2WPKH_WITNESS)],
    [...htlcTxs.map((h) => h.outs[0]?.script.length ?? 34), changeScriptLength],
  );
}

export interface AnchorHtlcTxParams {
  /** One or more presigned zero-fee HTLC transactions ({@link presignAnchorHtlcTx}), all with the same nLockTime. */
  readonly htlcTxs: readonly Uint8Array[];
  /** Wallet P2WPKH coins, used in this order until the fee and a change above dust are covered. */
  readonly walletCoins: readonly WalletCoin[];
  readonly changeScriptPubKey: Uint8Array;
  /** The feerate the whole transaction (HTLC inputs and fee inputs) pays. */
  readonly feeratePerKw: number;
}

export interface AnchorHtlcTx {
  /** HTLC inputs 0..n-1 signed; wallet inputs n.. have no witness yet (the wallet signs them, SIGHASH_ALL). */
  readonly tx: Transaction;
  /** Input (and output) index of each HTLC transaction. */
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
 * BOLT 5 with `option_anchors`: attach fee inputs to zero-fee HTLC transactions. Each presigned
 * HTLC input keeps its output at the same index, so both its SINGLE|ANYONECANPAY signatures stay
 * valid; the wallet coins follow, then one change output. Throws a ValidationError naming
 * `walletCoins` when the coins cannot pay the fee and a change above dust.
 */
export function buildAnchorHtlcTx(p: AnchorHtlcTxParams): AnchorHtlcTx {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  if (!Array.isArray(p.htlcTxs) || p.htlcTxs.length === 0) throw new ValidationError('htlcTxs', 'must be a non-empty array');
  checkScript(p.changeScriptPubKey, 'changeScriptPubKey');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  if (!Array.isArray(p.walletCoins)) throw new ValidationError('walletCoins', 'must be an array');
  const htlcTxs = p.htlcTxs.map((raw, i) => checkPresignedHtlcTx(raw, `htlcTxs[${i}]`));
  const locktime = htlcTxs[0]!.locktime;
  htlcTxs.forEach((h, i) => {
    if (h.locktime !== locktime) throw new ValidationError(`htlcTxs[${i}]`, `has nLockTime ${h.locktime}, not ${locktime}: HTLC transactions sign their locktime, batch only equal ones`);
    const input = h.ins[0]!;
    if (htlcTxs.slice(0, i).some((q) => equalBytes(q.ins[0]!.hash, input.hash) && q.ins[0]!.index === input.index)) {
      throw new ValidationError(`htlcTxs[${i}]`, 'spends the same output as an earlier HTLC transaction');
    }
  });
  p.walletCoins.forEach((c, i) => {
    checkBytes(c?.txid, 32, `walletCoins[${i}].txid`);
    checkInt(c.index, 0, 0xffffffff, `walletCoins[${i}].index`);
    checkAmount(c.valueSat, `walletCoins[${i}].valueSat`, MAX_SAT);
    const spk = checkScript(c.scriptPubKey, `walletCoins[${i}].scriptPubKey`);
    if (spk.length !== 22 || spk[0] !== 0x00 || spk[1] !== 0x14) throw new ValidationError(`walletCoins[${i}].scriptPubKey`, 'must be P2WPKH');
  });

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
  htlcTxs.forEach((h, i) => {
    const input = h.ins[0]!;
    const output = h.outs[0]!;
    tx.addInput(input.hash.slice(), input.index, input.sequence);
    tx.addOutput(output.script.slice(), output.value);
    tx.setWitness(i, input.witness.map((item) => item.slice()));
  });
  for (const c of coins) tx.addInput(c.txid.slice(), c.index, SEQUENCE_NO_LOCK);
  tx.addOutput(p.changeScriptPubKey, changeSat);
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

/**
 * Whether `funded` is `presigned` with fee inputs attached ({@link buildAnchorHtlcTx}, one HTLC):
 * its input 0 and output 0 are the presigned ones, witness included. Undefined when it is, else
 * what differs.
 */
export function fundedHtlcTxProblem(funded: Transaction, presigned: Transaction): string | undefined {
  const a = funded.ins[0];
  const b = presigned.ins[0];
  const out = funded.outs[0];
  const want = presigned.outs[0];
  if (!a || !b || !out || !want) return 'has no HTLC input or output';
  if (funded.ins.length < 2 || funded.outs.length < 2) return 'has no fee input and change output';
  if (!equalBytes(a.hash, b.hash) || a.index !== b.index || a.sequence !== b.sequence) return 'input 0 is not the HTLC input';
  if (a.witness.length !== b.witness.length || a.witness.some((item, i) => !equalBytes(item, b.witness[i]!))) return 'input 0 does not carry our HTLC signatures';
  if (!equalBytes(out.script, want.script) || out.value !== want.value) return 'output 0 is not the second-stage output';
  if (funded.locktime !== presigned.locktime || funded.version !== presigned.version) return 'nLockTime or version differ from the HTLC transaction';
  return undefined;
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
