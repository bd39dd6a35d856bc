/**
 * BOLT 3 / BOLT 5 anchor CPFP: a child transaction spending our 330-sat `to_local_anchor`
 * (`<local_funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CHECKSEQUENCEVERIFY OP_ENDIF`,
 * witness `<local_sig> <script>`, no delay on that path) plus one wallet coin, paying the
 * change back to the wallet, so that commitment + child together reach a target feerate
 * ("option_anchors … the commitment transaction … can be fee-bumped with CPFP").
 *
 * The anchor input is signed here (SIGHASH_ALL, so the child's inputs and outputs are final
 * first); the wallet input is left unsigned for the wallet to sign (it holds that key).
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#to_local_anchor-and-to_remote_anchor-output-option_anchors
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../crypto/secp256k1.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkInt, checkScript, checkSecret } from '../bolt3/check.ts';
import { ANCHOR_OUTPUT_SAT } from '../bolt3/fees.ts';
import { anchorScript, p2wsh } from '../bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../bolt3/sign.ts';
import { SEQUENCE_NO_LOCK, type SweptOutput } from './sweep.ts';
import { MAX_SIGNATURE_BYTES, checkFeerate, dustThresholdSat, feeForWeight, segwitTxWeight, witnessWeight } from './weights.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;
/** The anchor script is 40 bytes: witness `<sig> <script>`. */
const ANCHOR_WITNESS = witnessWeight([MAX_SIGNATURE_BYTES, 40]);
/** A P2WPKH wallet input: witness `<sig> <pubkey>`. */
const P2WPKH_WITNESS = witnessWeight([MAX_SIGNATURE_BYTES, 33]);

/** A wallet coin (P2WPKH) the child spends; `txid` in internal byte order. */
export interface WalletCoin {
  readonly txid: Uint8Array;
  readonly index: number;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
}

/** The confirmed-or-not parent: our broadcast commitment. */
export interface CpfpParent {
  readonly weight: number;
  readonly feeSat: bigint;
}

/** Estimated weight of the child: anchor + one P2WPKH input, one output of `changeScriptLength` bytes. */
export function anchorCpfpWeight(changeScriptLength: number): number {
  return segwitTxWeight([ANCHOR_WITNESS, P2WPKH_WITNESS], [changeScriptLength]);
}

/**
 * The child's fee so that (parent fee + child fee) / (parent weight + child weight) reaches
 * `targetFeeratePerKw`; never less than the child alone pays at 253 sat/kw (the relay floor),
 * for a parent that already meets the target.
 */
export function anchorCpfpFee(parent: CpfpParent, childWeight: number, targetFeeratePerKw: number): bigint {
  checkInt(parent.weight, 1, 4_000_000, 'parent.weight');
  checkAmount(parent.feeSat, 'parent.feeSat', MAX_SAT);
  checkFeerate(targetFeeratePerKw, 'targetFeeratePerKw');
  const pkg = feeForWeight(parent.weight + childWeight, targetFeeratePerKw) - parent.feeSat;
  const own = feeForWeight(childWeight, 253);
  return pkg > own ? pkg : own;
}

/** The smallest wallet coin that can pay for the child (fee + a change output at the dust threshold, less the anchor's 330 sat). */
export function minCpfpCoinSat(parent: CpfpParent, changeScriptPubKey: Uint8Array, targetFeeratePerKw: number): bigint {
  const fee = anchorCpfpFee(parent, anchorCpfpWeight(changeScriptPubKey.length), targetFeeratePerKw);
  const need = fee + dustThresholdSat(changeScriptPubKey) - ANCHOR_OUTPUT_SAT;
  return need > 1n ? need : 1n;
}

export interface AnchorCpfpParams {
  /** Our `to_local_anchor` output on our commitment. */
  readonly anchor: SweptOutput;
  /** Our `funding_pubkey`'s secret: the anchor locks to it. */
  readonly fundingPrivkey: Uint8Array;
  readonly walletCoin: WalletCoin;
  readonly changeScriptPubKey: Uint8Array;
  readonly parent: CpfpParent;
  readonly targetFeeratePerKw: number;
}

export interface AnchorCpfp {
  /** Input 0 (the anchor) is signed; input 1 (the wallet coin) has no witness yet. */
  readonly tx: Transaction;
  readonly anchorInputIndex: 0;
  readonly walletInputIndex: 1;
  readonly feeSat: bigint;
  readonly changeSat: bigint;
  readonly estimatedWeight: number;
}

/** Build the child and sign its anchor input. Throws a ValidationError naming a bad field, or a change below dust. */
export function buildAnchorCpfp(p: AnchorCpfpParams): AnchorCpfp {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  checkBytes(p.anchor?.txid, 32, 'anchor.txid');
  checkInt(p.anchor.index, 0, 0xffffffff, 'anchor.index');
  if (p.anchor.valueSat !== ANCHOR_OUTPUT_SAT) throw new ValidationError('anchor.valueSat', `an anchor is ${ANCHOR_OUTPUT_SAT} sat, got ${String(p.anchor.valueSat)}`);
  checkSecret(p.fundingPrivkey, 'fundingPrivkey');
  checkBytes(p.walletCoin?.txid, 32, 'walletCoin.txid');
  checkInt(p.walletCoin.index, 0, 0xffffffff, 'walletCoin.index');
  checkAmount(p.walletCoin.valueSat, 'walletCoin.valueSat', MAX_SAT);
  const spk = checkScript(p.walletCoin.scriptPubKey, 'walletCoin.scriptPubKey');
  if (spk.length !== 22 || spk[0] !== 0x00 || spk[1] !== 0x14) throw new ValidationError('walletCoin.scriptPubKey', 'must be P2WPKH');
  checkScript(p.changeScriptPubKey, 'changeScriptPubKey');
  if (p.parent === null || typeof p.parent !== 'object') throw new ValidationError('parent', 'must be an object');
  const weight = anchorCpfpWeight(p.changeScriptPubKey.length);
  const feeSat = anchorCpfpFee(p.parent, weight, p.targetFeeratePerKw);
  const changeSat = ANCHOR_OUTPUT_SAT + p.walletCoin.valueSat - feeSat;
  const dust = dustThresholdSat(p.changeScriptPubKey);
  if (changeSat < dust) throw new ValidationError('walletCoin.valueSat', `${p.walletCoin.valueSat} sat cannot pay the ${feeSat} sat CPFP fee and leave ${dust} sat of change`);

  const script = anchorScript(publicKeyOf(p.fundingPrivkey));
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  tx.addInput(p.anchor.txid.slice(), p.anchor.index, SEQUENCE_NO_LOCK);
  tx.addInput(p.walletCoin.txid.slice(), p.walletCoin.index, SEQUENCE_NO_LOCK);
  tx.addOutput(p.changeScriptPubKey, changeSat);
  const sig = signInput(tx, 0, script, ANCHOR_OUTPUT_SAT, p.fundingPrivkey, SIGHASH_ALL);
  tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), script]);
  return Object.freeze({ tx, anchorInputIndex: 0, walletInputIndex: 1, feeSat, changeSat, estimatedWeight: weight });
}

/** The anchor output's scriptPubKey for a funding pubkey (to find it on a commitment). */
export function anchorScriptPubKey(fundingPubkey: Uint8Array): Uint8Array {
  return p2wsh(anchorScript(fundingPubkey));
}
