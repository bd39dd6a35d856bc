/**
 * BOLT 3 Appendix B: Funding Transaction Test Vectors. The funding witness script and
 * scriptPubKey come from engine/channel/bolt3; the whole funding transaction (P2PKH input signed
 * RFC 6979, funding output, change) is rebuilt to check its exact bytes and txid.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import v from '../vectors/bolt03-funding-tx.json' with { type: 'json' };
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf, signDigest } from '../../engine/crypto/secp256k1.ts';
import { fundingScript } from '../../engine/channel/bolt3/funding.ts';
import { hash160, p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature } from '../../engine/channel/bolt3/sign.ts';
import { privkey, txidInternal } from './bolt03-fixtures.ts';

const local = hexToBytes(v.local_funding_pubkey);
const remote = hexToBytes(v.remote_funding_pubkey);

function push(data: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(data.length), data);
}

describe('BOLT 3 Appendix B: funding transaction', () => {
  it('funding witness script = 2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG, keys sorted', () => {
    expect(bytesToHex(fundingScript(local, remote).witnessScript)).toBe(v.funding_witness_script);
    expect(bytesToHex(fundingScript(remote, local).witnessScript)).toBe(v.funding_witness_script);
  });

  it('the vector funding transaction pays that script, and its txid is the spec one', () => {
    const tx = Transaction.fromHex(v.funding_tx);
    const out = tx.outs[v.funding_output_index];
    expect(bytesToHex(out?.script ?? new Uint8Array())).toBe(bytesToHex(fundingScript(local, remote).scriptPubKey));
    expect(out?.value).toBe(BigInt(v.funding_satoshis));
    expect(tx.getId()).toBe(v.funding_txid);
  });

  it('rebuilds the funding transaction byte for byte (RFC 6979 signature included)', () => {
    const key = privkey(v.block1_coinbase_privkey);
    const pub = publicKeyOf(key);
    const coinbase = Transaction.fromHex(v.block1_coinbase_tx);
    expect(coinbase.getId()).toBe(v.input_txid);
    const prevScript = coinbase.outs[v.input_index]?.script ?? new Uint8Array();
    // The coinbase pays P2PKH(pub); the change goes to P2WPKH of the same key.
    expect(bytesToHex(prevScript)).toBe(`76a914${bytesToHex(hash160(pub))}88ac`);

    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(txidInternal(v.input_txid), v.input_index, 0xffffffff);
    tx.addOutput(fundingScript(local, remote).scriptPubKey, BigInt(v.funding_satoshis));
    tx.addOutput(p2wpkh(pub), BigInt(v.change_satoshis));
    const sig = signDigest(tx.hashForSignature(0, prevScript, SIGHASH_ALL), key);
    tx.setInputScript(0, concatBytes(push(encodeSignature(sig, SIGHASH_ALL)), push(pub)));
    expect(tx.toHex()).toBe(v.funding_tx);
    expect(tx.getId()).toBe(v.funding_txid);
    // Fee check from the vector amounts at feerate_per_kw 15000.
    expect(BigInt(v.input_satoshis) - BigInt(v.funding_satoshis) - BigInt(v.change_satoshis)).toBe(
      BigInt(Math.floor((v.feerate_per_kw * tx.weight()) / 1000)),
    );
  });

  it('bad pubkeys are named', () => {
    expect(() => fundingScript(new Uint8Array(33), remote)).toThrow(/pubkeyA/);
    expect(() => fundingScript(local, local.subarray(1))).toThrow(/pubkeyB/);
  });
});
