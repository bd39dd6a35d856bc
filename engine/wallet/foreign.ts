/**
 * Transactions that spend one of our coins together with inputs the wallet does not own (an
 * anchor CPFP child: BOLT 3 `option_anchors`). The caller builds the transaction around the
 * coin the wallet picked and fills its own inputs' witnesses; the wallet signs only the input
 * spending its coin (P2WPKH, BIP 143 SIGHASH_ALL, low-S) and checks the result before any
 * broadcast.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0143.mediawiki
 */
import { script as bscript, Transaction } from 'bitcoinjs-lib';
import { publicKeyOf, signDigest, verifyDigest } from '../crypto/secp256k1.ts';
import { concatBytes, equalBytes, hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { hash160 } from './script.ts';

/** The coin the wallet offers to a foreign-input transaction. */
export interface ForeignSpendCoin {
  /** Display order. */
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  /** P2WPKH. */
  readonly scriptPubKey: Uint8Array;
}

export interface ForeignSpendRequest {
  /** The smallest coin that can pay for the transaction. */
  readonly minCoinSat: bigint;
  /**
   * Build the transaction spending `coin` (its input without a witness) plus the caller's
   * inputs (with their witnesses), paying change to `changeScriptPubKey`; return it serialized.
   */
  build(coin: ForeignSpendCoin, changeScriptPubKey: Uint8Array): Uint8Array;
}

/**
 * A transaction around wallet coins the caller chooses among (an anchors HTLC transaction's fee
 * inputs, BOLT 5): signed by the wallet, its coins reserved, NOT broadcast (the caller persists
 * it first and publishes it itself).
 */
export interface ForeignFundRequest {
  /**
   * Build the transaction with the caller's inputs (witnesses set) and some of `coins` (offered
   * largest first, confirmed only; their inputs without a witness), paying change to
   * `changeScriptPubKey`; return it serialized. Throw to refuse (e.g. the coins are too small).
   */
  build(coins: readonly ForeignSpendCoin[], changeScriptPubKey: Uint8Array): Uint8Array;
}

/**
 * Sign the input of `rawTx` spending `coin` with `secret`. Throws a ValidationError if the
 * transaction does not spend the coin exactly once, or already carries a witness for it.
 */
export function signCoinInput(rawTx: Uint8Array, coin: ForeignSpendCoin, secret: Uint8Array): Uint8Array {
  return signCoinInputs(rawTx, [{ coin, secret }]);
}

/**
 * Sign every input of `rawTx` spending one of `signers`' coins (P2WPKH, BIP 143 SIGHASH_ALL,
 * low-S, each checked). Throws a ValidationError if a coin is not spent exactly once or is
 * already signed, or if an input of the caller is left without a witness.
 */
export function signCoinInputs(rawTx: Uint8Array, signers: readonly { readonly coin: ForeignSpendCoin; readonly secret: Uint8Array }[]): Uint8Array {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(rawTx);
  } catch (err) {
    throw new ValidationError('rawTx', `does not decode (${(err as Error).message})`);
  }
  if (signers.length === 0) throw new ValidationError('rawTx', 'spends no wallet coin');
  for (const { coin, secret } of signers) {
    const hash = hexToBytes(coin.txid).reverse();
    const at = tx.ins.map((input, i) => (equalBytes(input.hash, hash) && input.index === coin.vout ? i : -1)).filter((i) => i >= 0);
    if (at.length !== 1) throw new ValidationError('rawTx', `must spend the wallet coin ${coin.txid}:${coin.vout} exactly once`);
    const index = at[0] as number;
    const input = tx.ins[index] as { witness: Uint8Array[]; script: Uint8Array };
    if (input.witness.length !== 0 || input.script.length !== 0) throw new ValidationError('rawTx', 'the wallet input is already signed');
    const pubkey = publicKeyOf(secret);
    const keyHash = hash160(pubkey);
    if (!equalBytes(coin.scriptPubKey, concatBytes(Uint8Array.of(0x00, 0x14), keyHash))) throw new ValidationError('coin.scriptPubKey', 'is not P2WPKH of the signing key');
    const scriptCode = concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), keyHash, Uint8Array.of(0x88, 0xac));
    const digest = tx.hashForWitnessV0(index, scriptCode, coin.valueSat, Transaction.SIGHASH_ALL);
    const sig = signDigest(digest, secret);
    if (!verifyDigest(sig, digest, pubkey)) throw new Error('foreign spend: our signature does not verify');
    tx.setWitness(index, [bscript.signature.encode(sig, Transaction.SIGHASH_ALL), pubkey]);
  }
  if (tx.ins.some((i) => i.witness.length === 0 && i.script.length === 0)) throw new ValidationError('rawTx', 'an input of the caller has no witness');
  return tx.toBuffer();
}
