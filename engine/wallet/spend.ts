/**
 * Build, sign and check a transaction spending P2WPKH coins: inputs are P2WPKH coins of known
 * value, outputs are any payable scriptPubKey (so a BOLT 3 P2WSH funding output works),
 * signatures are BIP 143 SIGHASH_ALL digests signed with low-S ECDSA from engine/crypto, and the
 * witness is `<DER sig || 0x01> <pubkey>` (BIP 141). Inputs and outputs are ordered by BIP 69 so
 * the layout leaks nothing and is reproducible. (No PSBT: the wallet signs only its own coins,
 * and bitcoinjs-lib's Psbt would cost the worker ~20 KB gzip; test/unit/wallet-spend.test.ts
 * checks the result byte for byte against a Psbt-built transaction.)
 *
 * Before the transaction is returned every signature is verified again against the final
 * serialized transaction, the outputs are compared with the request, and the fee is recomputed:
 * a bug here must fail loudly, not broadcast.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0143.mediawiki
 * https://github.com/bitcoin/bips/blob/master/bip-0069.mediawiki
 * https://github.com/bitcoin/bips/blob/master/bip-0141.mediawiki
 */
import { script as bscript, Transaction } from 'bitcoinjs-lib';
import { publicKeyOf, signDigest, verifyDigest } from '../crypto/secp256k1.ts';
import { compareBytes, concatBytes, equalBytes, hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';
import type { Recipient } from './coinselect.ts';
import { MAX_FEE_RATE_SAT_VB } from './fee.ts';
import { addressParams } from './network.ts';
import { checkPayableScript, classifyScript, dustThreshold, hash160 } from './script.ts';

/** nSequence that signals BIP 125 replaceability and enables nLockTime. */
export const SEQUENCE_RBF = 0xfffffffd;

/** Signs 32-byte digests with the key behind `publicKey` (33-byte compressed). */
export interface Signer {
  readonly publicKey: Uint8Array;
  /** 64-byte compact (r || s) low-S ECDSA signature of `hash`. */
  sign(hash: Uint8Array): Uint8Array;
}

/** A coin to spend together with the key that controls it. */
export interface SpendInput {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  /** The P2WPKH scriptPubKey being spent. */
  readonly scriptPubKey: Uint8Array;
  readonly signer: Signer;
}

export interface SpendRequest {
  readonly network: NetworkName;
  readonly inputs: readonly SpendInput[];
  readonly outputs: readonly Recipient[];
  /** nLockTime; the wallet passes the tip height (anti fee sniping). Default 0. */
  readonly locktime?: number;
  /** nSequence of every input. Default SEQUENCE_RBF. */
  readonly sequence?: number;
}

export interface SignedTx {
  readonly txid: string;
  readonly rawTx: Uint8Array;
  readonly feeSat: bigint;
  readonly vsize: number;
  readonly weight: number;
  /** `outputIndex[i]` is where request output i ended up after BIP 69 ordering. */
  readonly outputIndex: readonly number[];
}

/**
 * A `Signer` over a 32-byte secret key: 64-byte compact low-S ECDSA signatures of the digest
 * (signDigest); buildSignedTx DER-encodes them and appends the sighash byte.
 */
export function keySigner(secret: Uint8Array): Signer {
  const publicKey = publicKeyOf(secret);
  return {
    publicKey,
    sign(hash: Uint8Array): Uint8Array {
      return signDigest(hash, secret);
    },
  };
}

/** BIP 143 scriptCode for a P2WPKH input: `OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG`. */
function p2wpkhScriptCode(pubkeyHash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), pubkeyHash, Uint8Array.of(0x88, 0xac));
}

function txidBytes(txid: string, field: string): Uint8Array {
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) throw new ValidationError(field, 'must be a 64-character lowercase hex txid');
  return hexToBytes(txid).reverse();
}

/** Build, sign, finalize and verify. Throws ValidationError on a bad request, Error on a signing failure. */
export function buildSignedTx(req: SpendRequest): SignedTx {
  addressParams(req.network); // throws on an unknown network
  if (req.inputs.length === 0) throw new ValidationError('inputs', 'at least one input is required');
  if (req.outputs.length === 0) throw new ValidationError('outputs', 'at least one output is required');
  const locktime = req.locktime ?? 0;
  const sequence = req.sequence ?? SEQUENCE_RBF;
  if (!Number.isSafeInteger(locktime) || locktime < 0 || locktime > 0xffffffff) throw new ValidationError('locktime', 'must be a u32');
  if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > 0xffffffff) throw new ValidationError('sequence', 'must be a u32');
  const seen = new Set<string>();
  req.inputs.forEach((input, i) => {
    const field = `inputs[${i}]`;
    txidBytes(input.txid, `${field}.txid`);
    if (!Number.isSafeInteger(input.vout) || input.vout < 0 || input.vout > 0xffffffff) throw new ValidationError(`${field}.vout`, 'must be a u32');
    if (typeof input.valueSat !== 'bigint' || input.valueSat <= 0n) throw new ValidationError(`${field}.valueSat`, 'must be a positive bigint');
    if (classifyScript(input.scriptPubKey) !== 'p2wpkh') throw new ValidationError(`${field}.scriptPubKey`, 'only P2WPKH inputs are supported');
    if (!equalBytes(hash160(input.signer.publicKey), input.scriptPubKey.subarray(2))) {
      throw new ValidationError(`${field}.signer`, 'public key does not match the scriptPubKey');
    }
    const op = `${input.txid}:${input.vout}`;
    if (seen.has(op)) throw new ValidationError(`${field}`, `spends ${op} twice`);
    seen.add(op);
  });
  req.outputs.forEach((o, i) => {
    checkPayableScript(o.scriptPubKey, `outputs[${i}].scriptPubKey`);
    if (typeof o.valueSat !== 'bigint' || o.valueSat < dustThreshold(o.scriptPubKey)) {
      throw new ValidationError(`outputs[${i}].valueSat`, `must be a bigint of at least the dust limit ${dustThreshold(o.scriptPubKey)} sat`);
    }
  });
  const inTotal = req.inputs.reduce((s, i) => s + i.valueSat, 0n);
  const outTotal = req.outputs.reduce((s, o) => s + o.valueSat, 0n);
  if (inTotal < outTotal) throw new ValidationError('outputs', `outputs (${outTotal} sat) exceed inputs (${inTotal} sat)`);

  // BIP 69: inputs by txid (as displayed) then vout; outputs by value then scriptPubKey bytes.
  const inputs = [...req.inputs].sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
  const order = req.outputs.map((o, i) => ({ o, i }));
  order.sort((a, b) => (a.o.valueSat !== b.o.valueSat ? (a.o.valueSat < b.o.valueSat ? -1 : 1) : compareBytes(a.o.scriptPubKey, b.o.scriptPubKey)));
  const outputIndex = new Array<number>(req.outputs.length);
  order.forEach(({ i }, pos) => (outputIndex[i] = pos));

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  for (const input of inputs) tx.addInput(txidBytes(input.txid, 'txid'), input.vout, sequence);
  for (const { o } of order) tx.addOutput(o.scriptPubKey, o.valueSat);
  inputs.forEach((input, i) => {
    const digest = tx.hashForWitnessV0(i, p2wpkhScriptCode(hash160(input.signer.publicKey)), input.valueSat, Transaction.SIGHASH_ALL);
    const signature = input.signer.sign(digest);
    if (signature.length !== 64) throw new Error(`spend: input ${i}'s signer returned ${signature.length} bytes, not a 64-byte compact signature`);
    tx.setWitness(i, [bscript.signature.encode(signature, Transaction.SIGHASH_ALL), input.signer.publicKey]);
  });
  const feeRate = Number(inTotal - outTotal) / tx.virtualSize();
  if (feeRate > MAX_FEE_RATE_SAT_VB * 2) throw new Error(`spend: fee rate ${feeRate.toFixed(1)} sat/vB is above the ${MAX_FEE_RATE_SAT_VB * 2} sat/vB sanity limit`);

  verifyFinal(tx, inputs, order.map(({ o }) => o), locktime, sequence);
  return {
    txid: tx.getId(),
    rawTx: tx.toBuffer(),
    feeSat: inTotal - outTotal,
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    outputIndex,
  };
}

const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function isLowS(compact: Uint8Array): boolean {
  let s = 0n;
  for (const b of compact.subarray(32, 64)) s = (s << 8n) | BigInt(b);
  return s > 0n && s <= HALF_ORDER;
}

/** Re-check the final transaction: layout, witness shape, low-S, and every signature against its BIP 143 digest. */
function verifyFinal(tx: Transaction, inputs: readonly SpendInput[], outputs: readonly Recipient[], locktime: number, sequence: number): void {
  const fail = (what: string): never => {
    throw new Error(`spend: final transaction check failed: ${what}`);
  };
  if (tx.version !== 2 || tx.locktime !== locktime) fail('version or locktime');
  if (tx.ins.length !== inputs.length || tx.outs.length !== outputs.length) fail('input or output count');
  outputs.forEach((o, i) => {
    const out = tx.outs[i];
    if (!out || out.value !== o.valueSat || !equalBytes(out.script, o.scriptPubKey)) fail(`output ${i}`);
  });
  inputs.forEach((input, i) => {
    const txin = tx.ins[i];
    if (!txin || !equalBytes(txin.hash, txidBytes(input.txid, 'txid')) || txin.index !== input.vout || txin.sequence !== sequence) fail(`input ${i} outpoint`);
    const witness = (txin as { witness: Uint8Array[] }).witness;
    if (witness.length !== 2 || txin.script.length !== 0) fail(`input ${i} witness shape`);
    const [sig, pubkey] = witness as [Uint8Array, Uint8Array];
    if (!equalBytes(pubkey, input.signer.publicKey) || !equalBytes(hash160(pubkey), input.scriptPubKey.subarray(2))) fail(`input ${i} public key`);
    const decoded = bscript.signature.decode(sig);
    if (decoded.hashType !== Transaction.SIGHASH_ALL) fail(`input ${i} sighash type`);
    if (!isLowS(decoded.signature)) fail(`input ${i} signature is not low-S (BIP 146)`);
    const digest = tx.hashForWitnessV0(i, p2wpkhScriptCode(hash160(pubkey)), input.valueSat, Transaction.SIGHASH_ALL);
    if (!verifyDigest(decoded.signature, digest, pubkey)) fail(`input ${i} signature`);
  });
}
