/**
 * `RegtestWallet`: one P2WPKH key that builds and signs transactions with bitcoinjs-lib (the
 * library the engine's wallet uses), for tests and harness code that need coins of their own:
 * funding an LDK channel (pay exactly LDK's `output_script`), policy probes, reorg fixtures.
 * Signing is @noble/secp256k1 through engine/crypto (low-S, RFC 6979).
 */
import { createHash } from 'node:crypto';
import { Transaction, crypto as btcCrypto, payments, script as btcScript } from 'bitcoinjs-lib';
import { publicKeyOf, signDigest } from '../../engine/crypto/secp256k1.ts';
import { scriptAddress } from './script.ts';

export interface WalletUtxo {
  /** Display-order txid hex. */
  readonly txid: string;
  readonly vout: number;
  readonly value: number;
}

export interface TxOutput {
  readonly script: Uint8Array;
  readonly value: number;
}

export interface SignOptions {
  readonly inputs: readonly WalletUtxo[];
  readonly outputs: readonly TxOutput[];
  /** Default 2. */
  readonly version?: number;
  /** Default 0. */
  readonly locktime?: number;
  /** nSequence of every input; default 0xfffffffd. */
  readonly sequence?: number;
}

export interface PayOptions extends Omit<SignOptions, 'outputs'> {
  readonly outputs: readonly TxOutput[];
  /** sat/vB (default 2). */
  readonly feeRate?: number;
  /** Where the change goes (default this wallet); change below 294 sats is left as fee. */
  readonly changeScript?: Uint8Array;
}

export interface SignedTx {
  readonly raw: Uint8Array;
  readonly hex: string;
  readonly txid: string;
  readonly vsize: number;
  readonly weight: number;
  readonly fee: number;
  /** Index of the change output, or -1. */
  readonly changeIndex: number;
}

const P2WPKH_DUST = 294;

export class RegtestWallet {
  readonly publicKey: Uint8Array;
  /** P2WPKH scriptPubKey. */
  readonly script: Uint8Array;
  /** `bcrt1q…` address. */
  readonly address: string;
  readonly #secret: Uint8Array;

  /** A deterministic wallet: the key is sha256(seed). */
  static fromSeed(seed: string | Uint8Array): RegtestWallet {
    return new RegtestWallet(Uint8Array.from(createHash('sha256').update(seed).digest()));
  }

  constructor(secret: Uint8Array) {
    this.#secret = secret;
    this.publicKey = publicKeyOf(secret);
    this.script = Uint8Array.from(payments.p2wpkh({ pubkey: this.publicKey }).output!);
    this.address = scriptAddress(this.script)!;
  }

  /** Sign a transaction spending P2WPKH outputs of this key (amounts as given, nothing added). */
  sign(options: SignOptions): SignedTx {
    const tx = new Transaction();
    tx.version = options.version ?? 2;
    tx.locktime = options.locktime ?? 0;
    for (const input of options.inputs) tx.addInput(Uint8Array.from(Buffer.from(input.txid, 'hex').reverse()), input.vout, options.sequence ?? 0xfffffffd);
    for (const output of options.outputs) tx.addOutput(output.script, BigInt(output.value));
    const scriptCode = payments.p2pkh({ hash: btcCrypto.hash160(this.publicKey) }).output!;
    options.inputs.forEach((input, index) => {
      const digest = tx.hashForWitnessV0(index, scriptCode, BigInt(input.value), Transaction.SIGHASH_ALL);
      const signature = btcScript.signature.encode(signDigest(digest, this.#secret), Transaction.SIGHASH_ALL);
      tx.setWitness(index, [signature, this.publicKey]);
    });
    const raw = tx.toBuffer();
    const inSum = options.inputs.reduce((sum, i) => sum + i.value, 0);
    const outSum = options.outputs.reduce((sum, o) => sum + o.value, 0);
    return {
      raw: Uint8Array.from(raw),
      hex: Buffer.from(raw).toString('hex'),
      txid: tx.getId(),
      vsize: tx.virtualSize(),
      weight: tx.weight(),
      fee: inSum - outSum,
      changeIndex: -1,
    };
  }

  /**
   * Sign, in place, every input of `tx` that spends this key's P2WPKH output (BIP 143, SIGHASH_ALL);
   * `prevouts[i]` is input i's spent output (absent for inputs someone else signs). Returns how
   * many inputs were signed. For a PSBT's wallet part, e.g. LDK's `WalletSource.sign_psbt`.
   */
  signOwnInputs(tx: Transaction, prevouts: readonly ({ readonly script: Uint8Array; readonly value: bigint } | undefined)[]): number {
    const scriptCode = payments.p2pkh({ hash: btcCrypto.hash160(this.publicKey) }).output!;
    let signed = 0;
    tx.ins.forEach((_input, index) => {
      const prevout = prevouts[index];
      if (!prevout || !Buffer.from(prevout.script).equals(Buffer.from(this.script))) return;
      const digest = tx.hashForWitnessV0(index, scriptCode, prevout.value, Transaction.SIGHASH_ALL);
      tx.setWitness(index, [btcScript.signature.encode(signDigest(digest, this.#secret), Transaction.SIGHASH_ALL), this.publicKey]);
      signed++;
    });
    return signed;
  }

  /** Pay `outputs` from `inputs` at `feeRate` sat/vB, with change (appended last) back to the wallet. */
  pay(options: PayOptions): SignedTx {
    const feeRate = options.feeRate ?? 2;
    const inSum = options.inputs.reduce((sum, i) => sum + i.value, 0);
    const outSum = options.outputs.reduce((sum, o) => sum + o.value, 0);
    const changeScript = options.changeScript ?? this.script;
    let change = inSum - outSum;
    for (let attempt = 0; attempt < 4; attempt++) {
      const withChange = change >= P2WPKH_DUST;
      const outputs = withChange ? [...options.outputs, { script: changeScript, value: change }] : options.outputs;
      const signed = this.sign({ ...options, outputs });
      const needed = Math.ceil(signed.vsize * feeRate);
      if (signed.fee >= needed) return { ...signed, changeIndex: withChange ? outputs.length - 1 : -1 };
      change = inSum - outSum - needed;
      if (inSum - outSum < needed) throw new Error(`inputs (${inSum}) do not cover outputs (${outSum}) and a ${needed}-sat fee`);
    }
    throw new Error('could not settle the fee');
  }
}
