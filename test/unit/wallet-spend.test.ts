/** P2WPKH spend build/sign/verify (BIP 141/143), BIP 69 order, byte equality with a bitcoinjs-lib PSBT (BIP 174), and the fee/size properties of real signed transactions. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { networks, Psbt, Transaction } from 'bitcoinjs-lib';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { selectCoins, txWeight } from '../../engine/wallet/coinselect.ts';
import { buildSignedTx, keySigner, type SpendInput } from '../../engine/wallet/spend.ts';
import { p2wpkhScript, p2wshScript } from '../../engine/wallet/script.ts';
import { verifyDigest } from '../../engine/crypto/secp256k1.ts';
import { addressParams } from '../../engine/wallet/network.ts';
import { FakeChain } from '../harness/fake-chain.ts';
import { seededEntropy } from '../harness/loopback.ts';

const account = Keychain.fromSeed(seededEntropy('spend').randomBytes(32), 'regtest').onchain();
const key = (i: number): { spk: Uint8Array; secret: Uint8Array } => ({ spk: p2wpkhScript(account.publicKey(0, i)), secret: account.secretKey(0, i) });

/** Fund `n` of our addresses on a fake chain and return them as spend inputs. */
function fundedInputs(chain: FakeChain, values: bigint[]): SpendInput[] {
  const inputs = values.map((v, i) => {
    const k = key(i);
    const txid = chain.fund(k.spk, v);
    return { txid, vout: 0, valueSat: v, scriptPubKey: k.spk, signer: keySigner(k.secret) };
  });
  chain.mine();
  return inputs;
}

describe('buildSignedTx', () => {
  it('signs P2WPKH inputs, pays a P2WSH output, orders by BIP 69, and a strict node accepts it', async () => {
    const chain = new FakeChain();
    const inputs = fundedInputs(chain, [30_000n, 20_000n]);
    const funding = p2wshScript(Uint8Array.of(0x51));
    const change = key(9).spk;
    const signed = buildSignedTx({ network: 'regtest', inputs, outputs: [{ scriptPubKey: funding, valueSat: 40_000n }, { scriptPubKey: change, valueSat: 9_500n }], locktime: 1 });
    const tx = Transaction.fromBuffer(signed.rawTx);
    expect(tx.getId()).toBe(signed.txid);
    expect(signed.feeSat).toBe(500n);
    expect(signed.outputIndex).toEqual([1, 0]); // the smaller value sorts first
    expect(bytesToHex(tx.outs[1]?.script as Uint8Array)).toBe(bytesToHex(funding));
    const ids = tx.ins.map((i) => bytesToHex(i.hash.slice().reverse()));
    expect(ids).toEqual([...ids].sort());
    expect(signed.weight).toBeLessThanOrEqual(txWeight(2, [funding, change]));
    expect(signed.vsize).toBe(tx.virtualSize());
    expect(await chain.broadcast(signed.rawTx)).toBe(signed.txid);
  });

  it('the fake node rejects a tampered signature (so acceptance above means something)', async () => {
    const chain = new FakeChain();
    const inputs = fundedInputs(chain, [30_000n]);
    const signed = buildSignedTx({ network: 'regtest', inputs, outputs: [{ scriptPubKey: key(5).spk, valueSat: 29_000n }] });
    const tx = Transaction.fromBuffer(signed.rawTx);
    const sig = (tx.ins[0]?.witness[0] as Uint8Array).slice();
    sig[10] = (sig[10] as number) ^ 1;
    tx.setWitness(0, [sig, tx.ins[0]?.witness[1] as Uint8Array]);
    await expect(chain.broadcast(tx.toBuffer())).rejects.toThrow(/signature|DER|Expected/);
  });

  it('rejects bad requests before signing', () => {
    const chain = new FakeChain();
    const [input] = fundedInputs(chain, [30_000n]) as [SpendInput];
    const out = { scriptPubKey: key(5).spk, valueSat: 10_000n };
    const bad = (f: () => unknown, field: string): void => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).field).toBe(field);
        return;
      }
      throw new Error('no error');
    };
    bad(() => buildSignedTx({ network: 'regtest', inputs: [], outputs: [out] }), 'inputs');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [input], outputs: [] }), 'outputs');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [input, input], outputs: [out] }), 'inputs[1]');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [{ ...input, signer: keySigner(key(7).secret) }], outputs: [out] }), 'inputs[0].signer');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [input], outputs: [{ ...out, valueSat: 31_000n }] }), 'outputs');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [input], outputs: [{ ...out, valueSat: 100n }] }), 'outputs[0].valueSat');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [input], outputs: [{ scriptPubKey: Uint8Array.of(0x6a), valueSat: 1000n }] }), 'outputs[0].scriptPubKey');
    bad(() => buildSignedTx({ network: 'regtest', inputs: [{ ...input, txid: 'xyz' }], outputs: [out] }), 'inputs[0].txid');
  });
});

/** The same spend built the BIP 174 way: a bitcoinjs-lib Psbt over the already BIP 69-ordered inputs and outputs. */
function psbtSpend(inputs: readonly SpendInput[], outputs: readonly { scriptPubKey: Uint8Array; valueSat: bigint }[], locktime: number, sequence: number): Uint8Array {
  const psbt = new Psbt({ network: networks.regtest, maximumFeeRate: 1e9 });
  psbt.setVersion(2);
  psbt.setLocktime(locktime);
  for (const i of inputs) psbt.addInput({ hash: i.txid, index: i.vout, sequence, witnessUtxo: { script: i.scriptPubKey, value: i.valueSat } });
  for (const o of outputs) psbt.addOutput({ script: o.scriptPubKey, value: o.valueSat });
  inputs.forEach((i, n) => psbt.signInput(n, i.signer, [Transaction.SIGHASH_ALL]));
  expect(psbt.validateSignaturesOfAllInputs((pub, hash, sig) => verifyDigest(sig, hash, pub))).toBe(true);
  psbt.finalizeAllInputs();
  return psbt.extractTransaction().toBuffer();
}

describe('buildSignedTx against a bitcoinjs-lib PSBT (BIP 174)', () => {
  it('produces the byte-identical signed transaction (RFC 6979 signatures are deterministic)', () => {
    const chain = new FakeChain();
    const pool = fundedInputs(chain, [21_000n, 25_000n, 17_300n, 60_000n]); // each covers any three outputs below
    const scripts = [key(30).spk, p2wshScript(Uint8Array.of(0x51)), key(31).spk];
    fc.assert(
      fc.property(
        fc.subarray([0, 1, 2, 3], { minLength: 1 }),
        fc.array(fc.record({ script: fc.integer({ min: 0, max: 2 }), valueSat: fc.bigInt({ min: 330n, max: 5_000n }) }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 800_000 }),
        fc.constantFrom(0xfffffffd, 0xffffffff, 0),
        (picked, outs, locktime, sequence) => {
          const inputs = picked.map((i) => pool[i] as SpendInput);
          const outputs = outs.map((o) => ({ scriptPubKey: scripts[o.script] as Uint8Array, valueSat: o.valueSat }));
          const signed = buildSignedTx({ network: 'regtest', inputs, outputs, locktime, sequence });
          const tx = Transaction.fromBuffer(signed.rawTx);
          const sortedInputs = tx.ins.map((txin) => inputs.find((i) => i.txid === bytesToHex(txin.hash.slice().reverse()) && i.vout === txin.index) as SpendInput);
          const sortedOutputs = tx.outs.map((o) => ({ scriptPubKey: o.script, valueSat: o.value }));
          expect(bytesToHex(signed.rawTx)).toBe(bytesToHex(psbtSpend(sortedInputs, sortedOutputs, locktime, sequence)));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses a fee rate above the sanity limit (the check the Psbt used to make)', () => {
    const chain = new FakeChain();
    const [input] = fundedInputs(chain, [5_000_000n]) as [SpendInput];
    expect(() => buildSignedTx({ network: 'regtest', inputs: [input], outputs: [{ scriptPubKey: key(5).spk, valueSat: 1_000n }] })).toThrow(/sanity limit/);
  });

  it('address parameters equal bitcoinjs-lib\'s networks (BIP 173 hrp, base58 versions)', () => {
    for (const [name, n] of [['bitcoin', networks.bitcoin], ['testnet', networks.testnet], ['signet', networks.testnet], ['regtest', networks.regtest]] as const) {
      expect(addressParams(name)).toEqual({ bech32: n.bech32, pubKeyHash: n.pubKeyHash, scriptHash: n.scriptHash });
    }
    expect(() => addressParams('toString' as never)).toThrow(ValidationError);
  });
});

describe('selected and signed transactions (property)', () => {
  it('actual size ≤ estimate, fee ≥ rate × actual vsize, and within 1 sat/vB when change is made', () => {
    const chain = new FakeChain();
    const values = Array.from({ length: 12 }, (_, i) => BigInt(5_000 + i * 7_919));
    const inputs = fundedInputs(chain, values);
    const byId = new Map(inputs.map((i) => [`${i.txid}:${i.vout}`, i]));
    fc.assert(
      fc.property(fc.bigInt({ min: 294n, max: 400_000n }), fc.integer({ min: 1000, max: 50_000 }), (amount, rateKvb) => {
        const rate = BigInt(rateKvb);
        let s;
        try {
          s = selectCoins({ coins: inputs, recipients: [{ scriptPubKey: key(20).spk, valueSat: amount }], feeRate: rate, changeScript: key(21).spk });
        } catch {
          return;
        }
        const signed = buildSignedTx({
          network: 'regtest',
          inputs: s.inputs.map((c) => byId.get(`${c.txid}:${c.vout}`) as SpendInput),
          outputs: s.outputs,
        });
        expect(signed.feeSat).toBe(s.feeSat);
        expect(signed.weight).toBeLessThanOrEqual(s.weight);
        expect(signed.feeSat * 1000n).toBeGreaterThanOrEqual(BigInt(signed.vsize) * rate);
        if (s.changeIndex >= 0) {
          // The estimate can exceed the real size by ≤ 1 weight unit per input (71- vs 72-byte signatures).
          expect(signed.feeSat * 1000n).toBeLessThanOrEqual(BigInt(signed.vsize) * (rate + 1000n) + BigInt(s.inputs.length) * rate);
        }
      }),
      { numRuns: 30 },
    );
  });
});
