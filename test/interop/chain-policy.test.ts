/**
 * Mempool policy of the regtest chain where it must match Bitcoin Core (bcoin alone does not):
 * min relay fee, dust and other standardness, conflicts and spent inputs refused, a fee-market
 * miner (`minFeeRate`, CPFP-aware), script
 * failures worded as Core; and consensus rules that must hold in blocks too (CLTV, CSV) — the
 * reason the chain runs with patched activation parameters.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Transaction, payments, script as btcScript } from 'bitcoinjs-lib';
import { publicKeyOf, signDigest } from '../../engine/crypto/secp256k1.ts';
import { RegtestChain, RegtestWallet, TxRejected, startEsplora } from '../../playground/chain/index.ts';
import type { EsploraServer, WalletUtxo } from '../../playground/chain/index.ts';

let chain: RegtestChain;
let server: EsploraServer;
const wallet = RegtestWallet.fromSeed('chain-policy wallet');
const dest = RegtestWallet.fromSeed('chain-policy destination');

/** Fresh confirmed coins for the wallet (one faucet tx per value, one block). */
async function coins(...values: number[]): Promise<WalletUtxo[]> {
  const out: WalletUtxo[] = [];
  for (const value of values) {
    const { txid, vout } = await chain.faucet(wallet.script, value, { mine: false });
    out.push({ txid, vout, value });
  }
  await chain.mine(1);
  return out;
}

async function rejection(raw: Uint8Array | string): Promise<{ code: number; message: string }> {
  const result = await chain.submit(raw);
  if (result.ok) throw new Error(`expected a rejection, got txid ${result.txid}`);
  return { code: result.code, message: result.message };
}

const secretOf = (label: string): Uint8Array => Uint8Array.from(createHash('sha256').update(label).digest());

/** Spend one P2WSH output with a custom witness (items before the witness script). */
function spendP2wsh(options: {
  utxo: WalletUtxo;
  witnessScript: Uint8Array;
  outputs: { script: Uint8Array; value: number }[];
  signers: Uint8Array[];
  extra?: Uint8Array[];
  version?: number;
  locktime?: number;
  sequence?: number;
  corrupt?: boolean;
}): { hex: string; txid: string } {
  const tx = new Transaction();
  tx.version = options.version ?? 2;
  tx.locktime = options.locktime ?? 0;
  tx.addInput(Uint8Array.from(Buffer.from(options.utxo.txid, 'hex').reverse()), options.utxo.vout, options.sequence ?? 0xfffffffd);
  for (const o of options.outputs) tx.addOutput(o.script, BigInt(o.value));
  const digest = tx.hashForWitnessV0(0, options.witnessScript, BigInt(options.utxo.value), Transaction.SIGHASH_ALL);
  const sigs = options.signers.map((secret) => {
    const sig = signDigest(digest, secret);
    if (options.corrupt) sig[10] ^= 1;
    return btcScript.signature.encode(sig, Transaction.SIGHASH_ALL);
  });
  tx.setWitness(0, [...(options.extra ?? []), ...sigs, options.witnessScript]);
  return { hex: tx.toHex(), txid: tx.getId() };
}

beforeAll(async () => {
  chain = await RegtestChain.create();
  server = await startEsplora(chain);
});

afterAll(async () => {
  await server?.close();
  await chain?.close();
});

describe('min relay fee (Core: 1 sat/vB, checked as fee ≥ vsize)', () => {
  test('below 1 sat/vB is refused with Core\'s message; exactly 1 sat/vB is accepted', async () => {
    const [a, b, c] = await coins(100_000, 100_000, 100_000);
    const first = wallet.sign({ inputs: [a!], outputs: [{ script: dest.script, value: 99_900 }] });
    const lowFee = Math.floor(first.vsize / 2);
    const low = wallet.sign({ inputs: [a!], outputs: [{ script: dest.script, value: 100_000 - lowFee }] });
    expect(low.fee).toBeLessThan(low.vsize);
    expect(await rejection(low.raw)).toEqual({ code: -26, message: `min relay fee not met, ${low.fee} < ${low.vsize}` });
    // Through the Esplora server: electrs' 400 with bitcoind's error.
    const res = await fetch(`${server.url}/tx`, { method: 'POST', body: low.hex });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, ${low.fee} < ${low.vsize}"}`);
    const zero = wallet.sign({ inputs: [b!], outputs: [{ script: dest.script, value: 100_000 }] });
    expect(await rejection(zero.hex)).toEqual({ code: -26, message: `min relay fee not met, 0 < ${zero.vsize}` });
    const exact = wallet.pay({ inputs: [c!], outputs: [{ script: dest.script, value: 50_000 }], feeRate: 1 });
    expect(exact.fee).toBe(exact.vsize);
    expect(await chain.submit(exact.raw)).toEqual({ ok: true, txid: exact.txid });
    await expect(chain.broadcast(low.raw)).rejects.toThrow(TxRejected);
  });
});

describe('inputs: conflicts, spent and missing outputs', () => {
  test('a second spend of a mempool-spent output is refused (txn-mempool-conflict, no RBF)', async () => {
    const [utxo] = await coins(80_000);
    const first = wallet.pay({ inputs: [utxo!], outputs: [{ script: dest.script, value: 30_000 }], feeRate: 2 });
    const second = wallet.pay({ inputs: [utxo!], outputs: [{ script: dest.script, value: 20_000 }], feeRate: 20 });
    expect(await chain.submit(first.raw)).toEqual({ ok: true, txid: first.txid });
    expect(await rejection(second.raw)).toEqual({ code: -26, message: 'txn-mempool-conflict' });
    // Resubmitting the accepted tx is a success, as sendrawtransaction answers.
    expect(await chain.submit(first.raw)).toEqual({ ok: true, txid: first.txid });
  });

  test('a spend of an output already spent on chain is refused (bcoin would keep it as an orphan)', async () => {
    const [utxo] = await coins(70_000);
    const first = wallet.pay({ inputs: [utxo!], outputs: [{ script: dest.script, value: 30_000 }] });
    await chain.broadcast(first.raw);
    await chain.mine(1);
    const again = wallet.pay({ inputs: [utxo!], outputs: [{ script: dest.script, value: 31_000 }] });
    expect(await rejection(again.raw)).toEqual({ code: -25, message: 'bad-txns-inputs-missingorspent' });
    expect(chain.mempoolTxids()).not.toContain(again.txid);
    const phantom = wallet.pay({ inputs: [{ txid: 'ef'.repeat(32), vout: 0, value: 50_000 }], outputs: [{ script: dest.script, value: 1_000 }] });
    expect(await rejection(phantom.raw)).toEqual({ code: -25, message: 'bad-txns-inputs-missingorspent' });
    expect(await rejection(first.raw)).toEqual({ code: -27, message: 'Transaction outputs already in utxo set' });
  });
});

describe('mine({ minFeeRate }): a fee market that takes packages by ancestor feerate', () => {
  test('a tx below the rate stays in the mempool until a child pays for both (CPFP); one above it is mined', async () => {
    const [a, b] = await coins(100_000, 100_000);
    const low = wallet.pay({ inputs: [a!], outputs: [{ script: wallet.script, value: 99_000 }], feeRate: 1 });
    const high = wallet.pay({ inputs: [b!], outputs: [{ script: dest.script, value: 50_000 }], feeRate: 5 });
    for (const t of [low, high]) await chain.broadcast(t.raw);
    await chain.mine(1, { minFeeRate: 3 });
    expect(chain.index.tx(high.txid)?.block).toBeDefined();
    expect(chain.index.tx(low.txid)?.block).toBeUndefined();
    expect(chain.mempoolTxids()).toEqual([low.txid]);
    // The child: (low fee + child fee) / (both vsizes) ≥ 3, though low alone pays 1.
    const child = wallet.pay({ inputs: [{ txid: low.txid, vout: 0, value: 99_000 }], outputs: [{ script: dest.script, value: 90_000 }], feeRate: 6 });
    await chain.broadcast(child.raw);
    expect((low.fee + child.fee) / (low.vsize + child.vsize)).toBeGreaterThanOrEqual(3);
    await chain.mine(1, { minFeeRate: 3 });
    expect(chain.index.tx(low.txid)?.block).toBeDefined();
    expect(chain.index.tx(child.txid)?.block?.height).toBe(chain.index.tx(low.txid)?.block?.height);
    expect(chain.mempoolTxids()).toEqual([]);
    // Through the Esplora control: a bad rate is refused.
    const res = await fetch(`${server.url}/regtest/mine`, { method: 'POST', body: JSON.stringify({ blocks: 1, minFeeRate: -1 }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/minFeeRate/);
  });
});

describe('standardness (requireStandard) and script failures', () => {
  test('dust outputs are refused: 293 sats to P2WPKH is dust, 294 is not', async () => {
    const [a, b] = await coins(60_000, 60_000);
    const dusty = wallet.pay({ inputs: [a!], outputs: [{ script: dest.script, value: 293 }] });
    expect(await rejection(dusty.raw)).toEqual({ code: -26, message: 'dust' });
    const fine = wallet.pay({ inputs: [b!], outputs: [{ script: dest.script, value: 294 }] });
    expect((await chain.submit(fine.raw)).ok).toBe(true);
  });

  test('tx-size-small, a bad signature, an RBF-signalling v1 tx', async () => {
    const [a, b, c] = await coins(40_000, 40_000, 40_000);
    const tiny = wallet.sign({ inputs: [a!], outputs: [{ script: Uint8Array.of(0x6a), value: 0 }] });
    expect(await rejection(tiny.raw)).toEqual({ code: -26, message: 'tx-size-small' });
    // Corrupt the signature's r (still valid DER): Core answers with the consensus failure.
    const good = wallet.pay({ inputs: [b!], outputs: [{ script: dest.script, value: 10_000 }] });
    const tx = Transaction.fromHex(good.hex);
    const witness = tx.ins[0]!.witness;
    const sig = Uint8Array.from(witness[0]!);
    sig[10] ^= 1;
    tx.setWitness(0, [sig, witness[1]!]);
    expect(await rejection(tx.toHex())).toEqual({
      code: -26,
      message: 'mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)',
    });
    const v1 = wallet.pay({ inputs: [c!], outputs: [{ script: dest.script, value: 10_000 }], version: 1, sequence: 0xfffffffd });
    expect(await chain.submit(v1.raw)).toEqual({ ok: true, txid: v1.txid });
  });

  test('a P2WPKH spend funding a P2WSH 2-of-2 is accepted and mined; its 2-of-2 spend too', async () => {
    const [utxo] = await coins(500_000);
    const k1 = secretOf('2of2 key 1');
    const k2 = secretOf('2of2 key 2');
    const pubs = [publicKeyOf(k1), publicKeyOf(k2)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const witnessScript = payments.p2ms({ m: 2, pubkeys: pubs }).output!;
    const p2wsh = payments.p2wsh({ redeem: { output: witnessScript } }).output!;
    const funding = wallet.pay({ inputs: [utxo!], outputs: [{ script: p2wsh, value: 400_000 }] });
    expect(await chain.submit(funding.raw)).toEqual({ ok: true, txid: funding.txid });
    const [block] = await chain.mine(1);
    expect(chain.index.tx(funding.txid)?.block?.hash).toBe(block);
    const signers = pubs.map((p) => (Buffer.from(publicKeyOf(k1)).equals(Buffer.from(p)) ? k1 : k2));
    const input = { txid: funding.txid, vout: 0, value: 400_000 };
    const bad = spendP2wsh({ utxo: input, witnessScript, outputs: [{ script: dest.script, value: 399_000 }], signers, extra: [new Uint8Array(0)], corrupt: true });
    expect((await rejection(bad.hex)).message).toMatch(/^(mandatory-script-verify-flag-failed|non-mandatory-script-verify-flag) \(/);
    const spend = spendP2wsh({ utxo: input, witnessScript, outputs: [{ script: dest.script, value: 399_000 }], signers, extra: [new Uint8Array(0)] });
    expect(await chain.submit(spend.hex)).toEqual({ ok: true, txid: spend.txid });
    await chain.mine(1);
    expect(chain.index.tx(spend.txid)?.block?.height).toBe(chain.height);
  });
});

describe('consensus in blocks (patched activation: CLTV from block 1, CSV and segwit from block 3)', () => {
  test('CLTV: an unsatisfied OP_CHECKLOCKTIMEVERIFY is refused by the mempool AND in a block', async () => {
    expect(chain.activation).toBe('patched');
    const [utxo] = await coins(200_000);
    const k = secretOf('cltv key');
    const expiry = chain.height + 5;
    const witnessScript = btcScript.compile([btcScript.number.encode(expiry), btcScript.OPS.OP_CHECKLOCKTIMEVERIFY, btcScript.OPS.OP_DROP, publicKeyOf(k), btcScript.OPS.OP_CHECKSIG]);
    const p2wsh = payments.p2wsh({ redeem: { output: witnessScript } }).output!;
    const funding = wallet.pay({ inputs: [utxo!], outputs: [{ script: p2wsh, value: 150_000 }] });
    await chain.broadcast(funding.raw);
    await chain.mine(1);
    const input = { txid: funding.txid, vout: 0, value: 150_000 };
    // nLockTime below the CLTV argument but already final: only the script check can refuse it.
    const early = spendP2wsh({ utxo: input, witnessScript, outputs: [{ script: dest.script, value: 149_000 }], signers: [k], locktime: chain.height - 1, sequence: 0xfffffffe });
    expect(await rejection(early.hex)).toEqual({ code: -26, message: 'mandatory-script-verify-flag-failed (Locktime requirement not satisfied)' });
    const height = chain.height;
    await expect(chain.mine(1, { txs: [early.hex] })).rejects.toThrow(/mandatory-script-verify-flag-failed/);
    expect(chain.height).toBe(height);
    await chain.mineEmpty(expiry - chain.height);
    const onTime = spendP2wsh({ utxo: input, witnessScript, outputs: [{ script: dest.script, value: 149_000 }], signers: [k], locktime: expiry, sequence: 0xfffffffe });
    expect(await chain.submit(onTime.hex)).toEqual({ ok: true, txid: onTime.txid });
    await chain.mine(1);
    expect(chain.index.tx(onTime.txid)?.block).toBeDefined();
  });

  test('CSV: a relative lock of 2 blocks is non-BIP68-final after 1 confirmation, accepted after 2', async () => {
    const [utxo] = await coins(200_000);
    const k = secretOf('csv key');
    const witnessScript = btcScript.compile([btcScript.number.encode(2), btcScript.OPS.OP_CHECKSEQUENCEVERIFY, btcScript.OPS.OP_DROP, publicKeyOf(k), btcScript.OPS.OP_CHECKSIG]);
    const p2wsh = payments.p2wsh({ redeem: { output: witnessScript } }).output!;
    const funding = wallet.pay({ inputs: [utxo!], outputs: [{ script: p2wsh, value: 150_000 }] });
    await chain.broadcast(funding.raw);
    await chain.mine(1);
    const sweep = spendP2wsh({ utxo: { txid: funding.txid, vout: 0, value: 150_000 }, witnessScript, outputs: [{ script: dest.script, value: 149_000 }], signers: [k], sequence: 2 });
    expect(await rejection(sweep.hex)).toEqual({ code: -26, message: 'non-BIP68-final' });
    await chain.mineEmpty(1);
    expect(await chain.submit(sweep.hex)).toEqual({ ok: true, txid: sweep.txid });
  });

  test('block timestamps stay at or behind the wall clock', async () => {
    await chain.mineEmpty(20);
    const now = Math.floor(Date.now() / 1000);
    expect(chain.tip().time).toBeLessThanOrEqual(now);
    expect(chain.tip().time).toBeGreaterThan(now - 120);
  });
});
