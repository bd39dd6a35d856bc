/**
 * BOLT 5 sweeps of the outputs that are ours once a commitment transaction has confirmed,
 * each into one output paying a wallet script:
 *
 * - "Unilateral Close Handling: Local Commitment Transaction": our `to_local`, after
 *   `to_self_delay` blocks, with nSequence = `to_self_delay` and the witness
 *   `<local_delayedsig> <> <to_local witness script>` (BOLT 3 "`to_local` Output"), signed with
 *   `local_delayedprivkey` for that commitment's per-commitment point.
 * - "Unilateral Close Handling: Remote Commitment Transaction": our `to_remote`. With
 *   `static_remotekey` it is P2WPKH of our `payment_basepoint` (witness `<sig> <pubkey>`), with
 *   `option_anchors` P2WSH of `<payment_basepoint> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY`
 *   (witness `<sig> <script>`, nSequence 1). Our wallet's BIP 84 keys do not cover it, so it is
 *   swept.
 *
 * The fee comes from a feerate and the estimated weight (weights.ts); an output that would end
 * below the dust threshold is refused (the caller leaves it to the miners).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-remote-commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkPubkey, checkScript, checkSecret } from '../bolt3/check.ts';
import { hash160, p2wpkh, p2wsh, toLocalScript, toRemoteAnchorsScript } from '../bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../bolt3/sign.ts';
import { type ChannelType, checkChannelType, hasAnchors } from '../bolt3/types.ts';
import { MAX_SIGNATURE_BYTES, checkFeerate, dustThresholdSat, feeForWeight, segwitTxWeight, witnessWeight } from './weights.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;
/** nSequence of inputs with no relative lock: final, but signalling BIP 125 replaceability. */
export const SEQUENCE_NO_LOCK = 0xfffffffd;

/** The output being swept: `txid` in internal byte order. */
export interface SweptOutput {
  readonly txid: Uint8Array;
  readonly index: number;
  readonly valueSat: bigint;
}

/** A signed one-input, one-output sweep. */
export interface Sweep {
  readonly tx: Transaction;
  readonly rawTx: Uint8Array;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly feeSat: bigint;
  /** What the wallet script receives. */
  readonly valueSat: bigint;
  /** The weight the fee was computed for (≥ the real weight). */
  readonly estimatedWeight: number;
  /** The output swept: its scriptPubKey, for a script interpreter or a watcher. */
  readonly spentScriptPubKey: Uint8Array;
}

interface SweepPlan {
  readonly output: SweptOutput;
  readonly sequence: number;
  readonly witnessItems: readonly number[];
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
}

function checkOutput(o: SweptOutput, field: string): void {
  if (o === null || typeof o !== 'object') throw new ValidationError(field, 'must be an object');
  checkBytes(o.txid, 32, `${field}.txid`);
  checkInt(o.index, 0, 0xffffffff, `${field}.index`);
  checkAmount(o.valueSat, `${field}.valueSat`, MAX_SAT);
}

/** The unsigned sweep and its fee; throws a ValidationError if the output would be dust. */
function draft(plan: SweepPlan): { tx: Transaction; feeSat: bigint; valueSat: bigint; weight: number } {
  const weight = segwitTxWeight([witnessWeight(plan.witnessItems)], [plan.destination.length]);
  const feeSat = feeForWeight(weight, plan.feeratePerKw);
  const valueSat = plan.output.valueSat - feeSat;
  const dust = dustThresholdSat(plan.destination);
  if (valueSat < dust) {
    throw new ValidationError('output.valueSat', `${plan.output.valueSat} sat less the ${feeSat} sat fee at ${plan.feeratePerKw} sat/kw is below the dust threshold ${dust} sat`);
  }
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  tx.addInput(plan.output.txid.slice(), plan.output.index, plan.sequence);
  tx.addOutput(plan.destination, valueSat);
  return { tx, feeSat, valueSat, weight };
}

function finish(tx: Transaction, feeSat: bigint, valueSat: bigint, estimatedWeight: number, spentScriptPubKey: Uint8Array): Sweep {
  return Object.freeze({ tx, rawTx: tx.toBuffer(), txid: tx.getHash(), feeSat, valueSat, estimatedWeight, spentScriptPubKey });
}

export interface ToLocalSweepParams {
  /** Our `to_local` output on our confirmed commitment. */
  readonly output: SweptOutput;
  /** `revocationpubkey` of that commitment. */
  readonly revocationPubkey: Uint8Array;
  /** The CSV delay on our outputs: the `to_self_delay` the peer asked of us. */
  readonly toSelfDelay: number;
  /** `local_delayedprivkey` for that commitment's per-commitment point (bolt3 `derivePrivkey`). */
  readonly delayedPrivkey: Uint8Array;
  /** Where the funds go (a wallet script). */
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
}

/** BOLT 5: spend our `to_local` output by its delayed path once `to_self_delay` blocks have passed. */
export function buildToLocalSweep(p: ToLocalSweepParams): Sweep {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkOutput(p.output, 'output');
  checkPubkey(p.revocationPubkey, 'revocationPubkey');
  checkInt(p.toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkSecret(p.delayedPrivkey, 'delayedPrivkey');
  checkScript(p.destination, 'destination');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  const script = toLocalScript(p.revocationPubkey, p.toSelfDelay, publicKeyOf(p.delayedPrivkey));
  const { tx, feeSat, valueSat, weight } = draft({
    output: p.output,
    sequence: p.toSelfDelay,
    witnessItems: [MAX_SIGNATURE_BYTES, 0, script.length],
    destination: p.destination,
    feeratePerKw: p.feeratePerKw,
  });
  const sig = signInput(tx, 0, script, p.output.valueSat, p.delayedPrivkey, SIGHASH_ALL);
  tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), new Uint8Array(0), script]);
  return finish(tx, feeSat, valueSat, weight, p2wsh(script));
}

export interface ToRemoteSweepParams {
  readonly channelType: ChannelType;
  /** Our `to_remote` output on the peer's confirmed commitment. */
  readonly output: SweptOutput;
  /** Our `payment_basepoint` secret (static_remotekey: `remotepubkey` is the basepoint itself). */
  readonly paymentPrivkey: Uint8Array;
  readonly destination: Uint8Array;
  readonly feeratePerKw: number;
}

/** The scriptPubKey of our `to_remote` output in any of the peer's commitments (it does not depend on the per-commitment point). */
export function toRemoteScriptPubKey(channelType: ChannelType, paymentBasepoint: Uint8Array): Uint8Array {
  return hasAnchors(checkChannelType(channelType)) ? p2wsh(toRemoteAnchorsScript(paymentBasepoint)) : p2wpkh(paymentBasepoint);
}

/** BOLT 5: spend our `to_remote` output of the peer's commitment (after 1 block with anchors). */
export function buildToRemoteSweep(p: ToRemoteSweepParams): Sweep {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkChannelType(p.channelType);
  checkOutput(p.output, 'output');
  checkSecret(p.paymentPrivkey, 'paymentPrivkey');
  checkScript(p.destination, 'destination');
  checkFeerate(p.feeratePerKw, 'feeratePerKw');
  const pubkey = publicKeyOf(p.paymentPrivkey);
  if (hasAnchors(p.channelType)) {
    const script = toRemoteAnchorsScript(pubkey);
    const { tx, feeSat, valueSat, weight } = draft({
      output: p.output,
      sequence: 1,
      witnessItems: [MAX_SIGNATURE_BYTES, script.length],
      destination: p.destination,
      feeratePerKw: p.feeratePerKw,
    });
    const sig = signInput(tx, 0, script, p.output.valueSat, p.paymentPrivkey, SIGHASH_ALL);
    tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), script]);
    return finish(tx, feeSat, valueSat, weight, p2wsh(script));
  }
  const { tx, feeSat, valueSat, weight } = draft({
    output: p.output,
    sequence: SEQUENCE_NO_LOCK,
    witnessItems: [MAX_SIGNATURE_BYTES, 33],
    destination: p.destination,
    feeratePerKw: p.feeratePerKw,
  });
  // BIP 143: a P2WPKH input's scriptCode is the P2PKH script of the key hash.
  const scriptCode = Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(pubkey), 0x88, 0xac]);
  const sig = signInput(tx, 0, scriptCode, p.output.valueSat, p.paymentPrivkey, SIGHASH_ALL);
  tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), pubkey]);
  return finish(tx, feeSat, valueSat, weight, p2wpkh(pubkey));
}
