/**
 * BOLT 5 "Unilateral Close Handling: Local Commitment Transaction — HTLC Output Handling": OUR
 * commitment's HTLC outputs resolved by the peer-presigned HTLC-success / HTLC-timeout
 * transactions (static_remotekey: as signed, fee included; anchors: zero-fee, presigned by both
 * SINGLE|ANYONECANPAY, then a wallet input and change attached without a new signature of ours),
 * then the delayed sweep of the second-stage output after `to_self_delay`. The BOLT 3
 * Appendix C commitment is ours; every input runs through bcoin's script interpreter.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { buildCommitment, type Commitment } from '../../engine/channel/bolt3/commitment.ts';
import { type HtlcTx, buildHtlcTxs, signHtlcTx } from '../../engine/channel/bolt3/htlc-tx.ts';
import { derivePrivkey } from '../../engine/channel/bolt3/keys.ts';
import { hash160, p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import {
  type LocalHtlcResolution,
  type WalletCoin,
  anchorHtlcTxWeight,
  buildAnchorHtlcTx,
  buildSecondStageSweep,
  feeForWeight,
  finalizeLocalHtlcTx,
  fundedHtlcTxProblem,
  localHtlcResolutions,
  presignAnchorHtlcTx,
} from '../../engine/channel/bolt5/index.ts';
import { allHtlcs, commitmentParams, localHtlcPrivkey, perCommitmentPoint, remoteHtlcPrivkey, secrets, type VectorHtlc } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const walletKey = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
const walletPub = publicKeyOf(walletKey);
const walletScript = p2wpkh(walletPub);
const delayedPrivkey = derivePrivkey(secrets.localDelayedPaymentBasepoint, perCommitmentPoint);

function ourCommitment(channelType: ChannelType): Commitment<VectorHtlc> {
  return buildCommitment(commitmentParams({ channelType, toLocalMsat: 6_988_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: allHtlcs.slice(0, 5) }));
}

/** What the peer sent in commitment_signed: its signature on each of our HTLC transactions. */
function resolution(h: HtlcTx<VectorHtlc>): LocalHtlcResolution {
  return { htlcTx: h, remoteSignature: signHtlcTx(h, remoteHtlcPrivkey, 'remote'), ...(h.kind === 'htlc-success' ? { paymentPreimage: h.htlc.preimage } : {}) };
}

function signWallet(tx: Transaction, index: number, coin: WalletCoin): void {
  const code = Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(walletPub), 0x88, 0xac]);
  tx.setWitness(index, [encodeSignature(signInput(tx, index, code, coin.valueSat, walletKey, SIGHASH_ALL), SIGHASH_ALL), walletPub]);
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.field : `not a ValidationError: ${(err as Error).message}`;
  }
  return undefined;
}

describe('BOLT 5 local commitment, static_remotekey: the presigned HTLC transactions go out as signed', () => {
  const c = ourCommitment('static_remotekey');
  const txs = buildHtlcTxs(c);

  it('HTLC-success (preimage) and HTLC-timeout (nLockTime = cltv_expiry) pass the interpreter with the pre-signed fee', () => {
    expect(txs.filter((h) => h.kind === 'htlc-success').length).toBe(3);
    expect(txs.filter((h) => h.kind === 'htlc-timeout').length).toBe(2);
    for (const h of txs) {
      const out = c.outputs[h.commitmentOutputIndex]!;
      const tx = finalizeLocalHtlcTx(resolution(h), localHtlcPrivkey);
      expect(tx.locktime).toBe(h.kind === 'htlc-timeout' ? h.htlc.cltvExpiry : 0);
      expect(tx.ins[0]?.sequence).toBe(0);
      expect(scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
      expect(out.valueSat - (tx.outs[0]?.value ?? 0n)).toBeGreaterThan(0n);
    }
  });

  it('an HTLC-timeout moved to an earlier locktime fails the interpreter (the peer signed nLockTime = cltv_expiry); a wrong preimage is refused', () => {
    const h = txs.find((x) => x.kind === 'htlc-timeout')!;
    const out = c.outputs[h.commitmentOutputIndex]!;
    const tx = finalizeLocalHtlcTx(resolution(h), localHtlcPrivkey);
    expect(scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
    tx.locktime = h.htlc.cltvExpiry - 1;
    expect(scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeDefined();
    const s = txs.find((x) => x.kind === 'htlc-success')!;
    expect(fieldOf(() => finalizeLocalHtlcTx({ ...resolution(s), paymentPreimage: new Uint8Array(32).fill(9) }, localHtlcPrivkey))).toBe('paymentPreimage');
    expect(fieldOf(() => finalizeLocalHtlcTx({ ...resolution(s), remoteSignature: signHtlcTx(s, localHtlcPrivkey, 'remote') }, localHtlcPrivkey))).toBe('remoteSignature');
  });

  it('static_remotekey HTLC transactions take no fee inputs', () => {
    const coin = { txid: new Uint8Array(32).fill(9), index: 0, valueSat: 50_000n, scriptPubKey: walletScript };
    expect(fieldOf(() => presignAnchorHtlcTx(resolution(txs[0]!), localHtlcPrivkey))).toBe('htlcTx.channelType');
    // Signed SIGHASH_ALL as it is: not a presigned anchors input.
    const finalized = finalizeLocalHtlcTx(resolution(txs[0]!), localHtlcPrivkey).toBuffer();
    expect(fieldOf(() => buildAnchorHtlcTx({ htlcTxs: [finalized], walletCoins: [coin], changeScriptPubKey: walletScript, feeratePerKw: 1000 }))).toBe('htlcTxs[0]');
  });
});

describe('BOLT 5 local commitment, anchors: zero-fee HTLC transactions with fee inputs attached', () => {
  const c = ourCommitment('anchors_zero_fee_htlc_tx');
  const txs = buildHtlcTxs(c);
  const successes = txs.filter((h) => h.kind === 'htlc-success');
  const timeouts = txs.filter((h) => h.kind === 'htlc-timeout');
  const coins: WalletCoin[] = [
    { txid: new Uint8Array(32).fill(1), index: 0, valueSat: 700n, scriptPubKey: walletScript },
    { txid: new Uint8Array(32).fill(2), index: 5, valueSat: 40_000n, scriptPubKey: walletScript },
  ];
  const presigned = (h: HtlcTx<VectorHtlc>): Transaction => presignAnchorHtlcTx(resolution(h), localHtlcPrivkey);
  const build = (htlcs: readonly HtlcTx<VectorHtlc>[], walletCoins: readonly WalletCoin[], feeratePerKw: number) =>
    buildAnchorHtlcTx({ htlcTxs: htlcs.map((h) => presigned(h).toBuffer()), walletCoins, changeScriptPubKey: walletScript, feeratePerKw });

  function check(built: ReturnType<typeof buildAnchorHtlcTx>, htlcs: readonly HtlcTx<VectorHtlc>[], feerate: number): void {
    const tx = built.tx.clone();
    built.walletInputIndexes.forEach((idx, i) => signWallet(tx, idx, built.walletCoins[i]!));
    const raw = tx.toBuffer();
    htlcs.forEach((h, i) => {
      const out = c.outputs[h.commitmentOutputIndex]!;
      expect(tx.ins[i]?.sequence).toBe(1);
      expect(tx.outs[i]?.value).toBe(h.outputValueSat);
      expect(scriptError(raw, i, out.scriptPubKey, out.valueSat)).toBeUndefined();
    });
    built.walletInputIndexes.forEach((idx, i) => expect(scriptError(raw, idx, walletScript, built.walletCoins[i]!.valueSat)).toBeUndefined());
    const real = tx.weight();
    expect(built.estimatedWeight).toBe(anchorHtlcTxWeight(htlcs.map(presigned), built.walletCoins.length, walletScript.length));
    expect(built.estimatedWeight).toBeGreaterThanOrEqual(real);
    // The HTLC witnesses are counted as they are; only the wallet signatures are estimated.
    expect(built.estimatedWeight - real).toBeLessThanOrEqual(2 * built.walletCoins.length);
    expect(built.feeSat).toBe(feeForWeight(built.estimatedWeight, feerate));
    const inSum = htlcs.reduce((s, h) => s + h.inputValueSat, 0n) + built.walletCoins.reduce((s, x) => s + x.valueSat, 0n);
    const outSum = tx.outs.reduce((s, o) => s + o.value, 0n);
    expect(inSum - outSum).toBe(built.feeSat);
    // The package pays the feerate asked (the HTLC inputs bring no fee of their own).
    expect((Number(inSum - outSum) * 1000) / real).toBeGreaterThanOrEqual(feerate);
    expect(tx.outs[built.changeOutputIndex]?.script).toEqual(walletScript);
  }

  it('the presigned HTLC tx: both signatures SINGLE|ANYONECANPAY, nSequence 1, zero fee; valid alone in the interpreter', () => {
    for (const h of [...successes, ...timeouts]) {
      const tx = presigned(h);
      const out = c.outputs[h.commitmentOutputIndex]!;
      expect(tx.ins[0]!.sequence).toBe(1);
      expect(tx.ins[0]!.witness[1]!.at(-1)).toBe(0x83);
      expect(tx.ins[0]!.witness[2]!.at(-1)).toBe(0x83);
      expect(tx.outs[0]!.value).toBe(out.valueSat);
      expect(scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
    }
  });

  it('one HTLC-success + wallet coins: every input passes; the weight is exact and the fee at the feerate', () => {
    const h = successes[0]!;
    const built = build([h], coins, 2000);
    // The 700-sat coin cannot pay ~1 600 sat of fee: the second one is added.
    expect(built.walletCoins.length).toBe(2);
    expect(built.tx.locktime).toBe(0);
    check(built, [h], 2000);
  });

  it('several HTLC-success transactions share one, each at its own index (SIGHASH_SINGLE)', () => {
    const built = build(successes, coins.slice(1), 1500);
    expect(built.htlcInputIndexes).toEqual([0, 1, 2]);
    check(built, successes, 1500);
  });

  it('HTLC-timeout keeps nLockTime = cltv_expiry; one of another expiry is refused in the batch', () => {
    const h = timeouts[0]!;
    const built = build([h], coins.slice(1), 3000);
    expect(built.locktime).toBe(h.htlc.cltvExpiry);
    check(built, [h], 3000);
    expect(fieldOf(() => build(timeouts, coins, 1000))).toBe('htlcTxs[1]');
    expect(fieldOf(() => build([successes[0]!, h], coins, 1000))).toBe('htlcTxs[1]');
  });

  it('SIGHASH_SINGLE binds each HTLC input to its output: a changed HTLC output, a moved input or a wrong preimage fail the interpreter (the test can fail)', () => {
    const h = successes[0]!;
    const out = c.outputs[h.commitmentOutputIndex]!;
    const built = build([h], coins.slice(1), 1000);
    const tx = built.tx.clone();
    signWallet(tx, 1, coins[1]!);
    expect(scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
    // The change may change (ANYONECANPAY + SINGLE do not cover it) ...
    const changed = tx.clone();
    (changed.outs[built.changeOutputIndex] as { value: bigint }).value -= 1n;
    expect(scriptError(changed.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
    // ... the HTLC's own output may not.
    const robbed = tx.clone();
    (robbed.outs[0] as { value: bigint }).value -= 1n;
    expect(scriptError(robbed.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeDefined();
    // The HTLC input at index 1 commits to output 1 (the change): invalid.
    const moved = new Transaction();
    moved.version = 2;
    moved.addInput(coins[1]!.txid, coins[1]!.index, 0xffffffff);
    moved.addInput(tx.ins[0]!.hash, tx.ins[0]!.index, 1);
    moved.addOutput(tx.outs[0]!.script, tx.outs[0]!.value);
    moved.addOutput(walletScript, 1000n);
    moved.setWitness(1, tx.ins[0]!.witness);
    expect(scriptError(moved.toBuffer(), 1, out.scriptPubKey, out.valueSat)).toBeDefined();
    // With its output moved along to index 1 it is valid again.
    const both = moved.clone();
    (both.outs as unknown[]).reverse();
    expect(scriptError(both.toBuffer(), 1, out.scriptPubKey, out.valueSat)).toBeUndefined();
    const bad = tx.clone();
    const w = bad.ins[0]!.witness;
    bad.setWitness(0, [w[0]!, w[1]!, w[2]!, new Uint8Array(32).fill(0xab), w[4]!]);
    expect(scriptError(bad.toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeDefined();
  });

  it('refuses coins too small for the fee and change, a bad peer signature, a wrong key, a missing preimage, duplicates, naming the field', () => {
    const r = resolution(successes[0]!);
    expect(fieldOf(() => build([successes[0]!], coins.slice(0, 1), 2000))).toBe('walletCoins');
    expect(fieldOf(() => build([successes[0]!], [], 2000))).toBe('walletCoins');
    expect(fieldOf(() => presignAnchorHtlcTx({ ...r, remoteSignature: new Uint8Array(64).fill(1) }, localHtlcPrivkey))).toBe('remoteSignature');
    expect(fieldOf(() => presignAnchorHtlcTx(r, remoteHtlcPrivkey))).toBe('localHtlcPrivkey');
    expect(fieldOf(() => presignAnchorHtlcTx({ ...r, paymentPreimage: undefined }, localHtlcPrivkey))).toBe('paymentPreimage');
    expect(fieldOf(() => presignAnchorHtlcTx({ ...resolution(timeouts[0]!), paymentPreimage: r.paymentPreimage }, localHtlcPrivkey))).toBe('paymentPreimage');
    expect(fieldOf(() => build([successes[0]!, successes[0]!], coins, 1000))).toBe('htlcTxs[1]');
    expect(fieldOf(() => build([successes[0]!], [{ ...coins[1]!, scriptPubKey: c.outputs[0]!.scriptPubKey }], 1000))).toBe('walletCoins[0].scriptPubKey');
    expect(fieldOf(() => buildAnchorHtlcTx({ htlcTxs: [Uint8Array.of(1, 2, 3)], walletCoins: coins, changeScriptPubKey: walletScript, feeratePerKw: 1000 }))).toBe('htlcTxs[0]');
    expect(fieldOf(() => buildAnchorHtlcTx({ htlcTxs: [], walletCoins: coins, changeScriptPubKey: walletScript, feeratePerKw: 1000 }))).toBe('htlcTxs');
  });

  it('fundedHtlcTxProblem: the funded tx must carry our presigned input and output at index 0', () => {
    const h = successes[0]!;
    const p = presigned(h);
    const built = build([h], coins.slice(1), 1000);
    expect(fundedHtlcTxProblem(built.tx, p)).toBeUndefined();
    expect(fundedHtlcTxProblem(p, p)).toMatch(/fee input/);
    const other = build([successes[1]!], coins.slice(1), 1000).tx;
    expect(fundedHtlcTxProblem(other, p)).toMatch(/HTLC input/);
    const robbed = built.tx.clone();
    (robbed.outs[0] as { value: bigint }).value -= 1n;
    expect(fundedHtlcTxProblem(robbed, p)).toMatch(/second-stage output/);
  });
});

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  describe(`BOLT 5 second-stage sweep (${channelType}): <local_delayedsig> <>, nSequence = to_self_delay`, () => {
    const c = ourCommitment(channelType);
    const htlcTxs = buildHtlcTxs(c).map((h) => finalizeLocalHtlcTx(resolution(h), localHtlcPrivkey));

    it('sweeps every second-stage output in one transaction; each input passes; too early fails CSV', () => {
      const outputs = htlcTxs.map((tx) => ({ txid: tx.getHash(), index: 0, valueSat: tx.outs[0]!.value }));
      const spk = htlcTxs[0]!.outs[0]!.script;
      const s = buildSecondStageSweep({ outputs, revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 1000 });
      expect(s.spentScriptPubKey).toEqual(spk);
      outputs.forEach((o, i) => {
        expect(s.tx.ins[i]?.sequence).toBe(c.toSelfDelay);
        expect(scriptError(s.rawTx, i, spk, o.valueSat)).toBeUndefined();
      });
      const real = s.tx.weight();
      expect(s.estimatedWeight).toBeGreaterThanOrEqual(real);
      expect(s.estimatedWeight - real).toBeLessThanOrEqual(3 * outputs.length);
      expect(s.feeSat).toBe(feeForWeight(s.estimatedWeight, 1000));
      expect(s.valueSat + s.feeSat).toBe(outputs.reduce((t, o) => t + o.valueSat, 0n));
      // The same sweep signed with one block less than the delay: CSV refuses it.
      const biggest = outputs.reduce((x, y) => (y.valueSat > x.valueSat ? y : x));
      const one = buildSecondStageSweep({ outputs: [biggest], revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 253 });
      expect(scriptError(one.rawTx, 0, spk, biggest.valueSat)).toBeUndefined();
      const early = one.tx.clone();
      (early.ins[0] as { sequence: number }).sequence = c.toSelfDelay - 1;
      const script = one.tx.ins[0]!.witness[2]!;
      early.setWitness(0, [encodeSignature(signInput(early, 0, script, biggest.valueSat, delayedPrivkey, SIGHASH_ALL), SIGHASH_ALL), new Uint8Array(0), script]);
      expect(scriptError(early.toBuffer(), 0, spk, biggest.valueSat)).toMatch(/SEQUENCE|LOCKTIME/i);
    });

    it('refuses dust and bad arguments, naming the field', () => {
      const o = { txid: htlcTxs[0]!.getHash(), index: 0, valueSat: 400n };
      const p = { outputs: [o], revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 1000 };
      expect(fieldOf(() => buildSecondStageSweep(p))).toBe('outputs');
      expect(fieldOf(() => buildSecondStageSweep({ ...p, outputs: [] }))).toBe('outputs');
      expect(fieldOf(() => buildSecondStageSweep({ ...p, outputs: [{ ...o, txid: new Uint8Array(2) }] }))).toBe('outputs[0].txid');
      expect(fieldOf(() => buildSecondStageSweep({ ...p, toSelfDelay: -1 }))).toBe('toSelfDelay');
    });
  });
}

describe('BOLT 5 local commitment, anchors: HTLC tx with fees, then its delayed sweep', () => {
  it('the second-stage output of a fee-attached HTLC tx is swept after to_self_delay', () => {
    const c = ourCommitment('anchors_zero_fee_htlc_tx');
    const h = buildHtlcTxs(c).find((x) => x.kind === 'htlc-success')!;
    const coin = { txid: new Uint8Array(32).fill(2), index: 5, valueSat: 40_000n, scriptPubKey: walletScript };
    const built = buildAnchorHtlcTx({ htlcTxs: [presignAnchorHtlcTx(resolution(h), localHtlcPrivkey).toBuffer()], walletCoins: [coin], changeScriptPubKey: walletScript, feeratePerKw: 1000 });
    const tx = built.tx.clone();
    signWallet(tx, 1, coin);
    const s = buildSecondStageSweep({ outputs: [{ txid: tx.getHash(), index: 0, valueSat: h.outputValueSat }], revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 1000 });
    expect(scriptError(s.rawTx, 0, tx.outs[0]!.script, h.outputValueSat)).toBeUndefined();
  });
});

describe('BOLT 5 local commitment: pairing the stored htlc_signatures with our HTLC transactions', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    it(`${channelType}: timeouts ready, successes ready only with their preimage; signatures checked`, () => {
      const c = ourCommitment(channelType);
      const sigs = buildHtlcTxs(c).map((h) => signHtlcTx(h, remoteHtlcPrivkey, 'remote'));
      const known = allHtlcs.find((h) => h.id === 1)!;
      const r = localHtlcResolutions(c, sigs, (hash) => (hash.every((b, i) => b === known.paymentHash[i]) ? known.preimage : undefined));
      expect(r.ready.map((x) => x.htlcTx.htlc.id).sort()).toEqual([1, 2, 3]);
      expect(r.awaitingPreimage.map((x) => x.htlc.id).sort()).toEqual([0, 4]);
      // A wrong preimage from the store is treated as unknown, never put in a witness.
      expect(localHtlcResolutions(c, sigs, () => new Uint8Array(32).fill(0xee)).awaitingPreimage.length).toBe(3);
      if (channelType === 'static_remotekey') {
        for (const x of r.ready) {
          const out = c.outputs[x.htlcTx.commitmentOutputIndex]!;
          expect(scriptError(finalizeLocalHtlcTx(x, localHtlcPrivkey).toBuffer(), 0, out.scriptPubKey, out.valueSat)).toBeUndefined();
        }
      }
      expect(fieldOf(() => localHtlcResolutions(c, sigs.slice(1), () => undefined))).toBe('htlcSignatures');
      expect(fieldOf(() => localHtlcResolutions(c, [sigs[1]!, ...sigs.slice(1)], () => undefined))).toBe('htlcSignatures[0]');
    });
  }
});

describe('BOLT 5 local commitment, static_remotekey: every sat accounted for', () => {
  it('to_local + HTLC outputs = what reaches the wallet + every fee, to the sat', () => {
    const c = ourCommitment('static_remotekey');
    const htlcTxs = buildHtlcTxs(c).map((h) => finalizeLocalHtlcTx(resolution(h), localHtlcPrivkey));
    const sweep = buildSecondStageSweep({
      outputs: htlcTxs.map((tx) => ({ txid: tx.getHash(), index: 0, valueSat: tx.outs[0]!.value })),
      revocationPubkey: c.keys.revocationPubkey,
      toSelfDelay: c.toSelfDelay,
      delayedPrivkey,
      destination: walletScript,
      feeratePerKw: 1000,
    });
    const htlcOutSat = c.htlcOutputs.reduce((s, o) => s + o.valueSat, 0n);
    const htlcTxFees = c.htlcOutputs.reduce((s, o, i) => s + (o.valueSat - htlcTxs[i]!.outs[0]!.value), 0n);
    expect(sweep.valueSat + sweep.feeSat + htlcTxFees).toBe(htlcOutSat);
    expect(sweep.tx.outs[0]!.value).toBe(sweep.valueSat);
  });
});
