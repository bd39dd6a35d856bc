/**
 * BOLT 5 builders (engine/channel/bolt5): the `to_local` sweep of our commitment, the
 * `to_remote` sweep of the peer's (both channel types) and the anchor CPFP child, each run
 * through bcoin's script interpreter against the BOLT 3 Appendix C commitment outputs; weights
 * never under-estimated, fees from the feerate, dust refused, bad arguments named.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { buildCommitment, finalizeCommitment, signCommitment, type Commitment, type CommitmentOutput } from '../../engine/channel/bolt3/commitment.ts';
import { derivePrivkey } from '../../engine/channel/bolt3/keys.ts';
import { hash160, p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import {
  anchorCpfpFee,
  anchorCpfpWeight,
  anchorScriptPubKey,
  buildAnchorCpfp,
  buildToLocalSweep,
  buildToRemoteSweep,
  dustThresholdSat,
  feeForWeight,
  minCpfpCoinSat,
  segwitTxWeight,
  toRemoteScriptPubKey,
  witnessWeight,
} from '../../engine/channel/bolt5/index.ts';
import { commitmentParams, perCommitmentPoint, secrets } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const delayedPrivkey = derivePrivkey(secrets.localDelayedPaymentBasepoint, perCommitmentPoint);
const walletKey = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
const walletScript = p2wpkh(publicKeyOf(walletKey));

function commitment(channelType: ChannelType): { c: Commitment; signed: Transaction } {
  const c = buildCommitment(commitmentParams({ channelType, toLocalMsat: 7_000_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: [] }));
  return { c, signed: finalizeCommitment(c, signCommitment(c, secrets.localFunding), signCommitment(c, secrets.remoteFunding)) };
}

function output(c: Commitment, kind: CommitmentOutput['kind']): CommitmentOutput {
  const o = c.outputs.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  return o;
}

function withSequence(raw: Uint8Array, sequence: number): Uint8Array {
  const tx = Transaction.fromBuffer(raw);
  (tx.ins[0] as { sequence: number }).sequence = sequence;
  return tx.toBuffer();
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.field : `not a ValidationError: ${(err as Error).message}`;
  }
  return undefined;
}

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  describe(`BOLT 5 sweeps (${channelType})`, () => {
    const { c } = commitment(channelType);

    it('to_local: <local_delayedsig> <> <script>, nSequence = to_self_delay, passes the interpreter', () => {
      const o = output(c, 'to_local');
      const s = buildToLocalSweep({
        output: { txid: c.txid, index: o.index, valueSat: o.valueSat },
        revocationPubkey: c.keys.revocationPubkey,
        toSelfDelay: c.toSelfDelay,
        delayedPrivkey,
        destination: walletScript,
        feeratePerKw: 1000,
      });
      expect(s.spentScriptPubKey).toEqual(o.scriptPubKey);
      expect(s.tx.ins[0]?.sequence).toBe(c.toSelfDelay);
      expect(s.tx.version).toBe(2);
      expect(s.tx.ins[0]?.witness.length).toBe(3);
      expect(s.tx.ins[0]?.witness[1]?.length).toBe(0);
      expect(scriptError(s.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeUndefined();
      // One block short of the delay fails CSV.
      expect(scriptError(withSequence(s.rawTx, c.toSelfDelay - 1), 0, o.scriptPubKey, o.valueSat)).toBeDefined();
      // Weight estimate: never below the real weight, at most the signature's slack above it.
      const real = s.tx.weight();
      expect(s.estimatedWeight).toBeGreaterThanOrEqual(real);
      expect(s.estimatedWeight - real).toBeLessThanOrEqual(3);
      expect(s.feeSat).toBe(feeForWeight(s.estimatedWeight, 1000));
      expect(s.valueSat + s.feeSat).toBe(o.valueSat);
      expect(s.tx.outs[0]?.script).toEqual(walletScript);
    });

    it(`to_remote: ${anchors ? '<sig> <script>, nSequence 1' : 'P2WPKH <sig> <pubkey>'}, passes the interpreter`, () => {
      const o = output(c, 'to_remote');
      const pub = publicKeyOf(secrets.remotePaymentBasepoint);
      expect(toRemoteScriptPubKey(channelType, pub)).toEqual(o.scriptPubKey);
      const s = buildToRemoteSweep({ channelType, output: { txid: c.txid, index: o.index, valueSat: o.valueSat }, paymentPrivkey: secrets.remotePaymentBasepoint, destination: walletScript, feeratePerKw: 253 });
      expect(s.spentScriptPubKey).toEqual(o.scriptPubKey);
      expect(scriptError(s.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeUndefined();
      if (anchors) {
        expect(s.tx.ins[0]?.sequence).toBe(1);
        expect(scriptError(withSequence(s.rawTx, 0), 0, o.scriptPubKey, o.valueSat)).toBeDefined();
      }
      const real = s.tx.weight();
      expect(s.estimatedWeight).toBeGreaterThanOrEqual(real);
      expect(s.estimatedWeight - real).toBeLessThanOrEqual(3);
      expect(s.valueSat + s.feeSat).toBe(o.valueSat);
      // The wrong key does not spend it.
      const wrong = buildToRemoteSweep({ channelType, output: { txid: c.txid, index: o.index, valueSat: o.valueSat }, paymentPrivkey: walletKey, destination: walletScript, feeratePerKw: 253 });
      expect(scriptError(wrong.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeDefined();
    });

    it('refuses an output that would end below dust, naming it', () => {
      const o = output(c, 'to_local');
      const p = { output: { txid: c.txid, index: o.index, valueSat: 600n }, revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 2000 };
      expect(fieldOf(() => buildToLocalSweep(p))).toBe('output.valueSat');
    });
  });
}

describe('BOLT 5 builders: bad arguments name the field', () => {
  const { c } = commitment('static_remotekey');
  const o = output(c, 'to_local');
  const good = { output: { txid: c.txid, index: o.index, valueSat: o.valueSat }, revocationPubkey: c.keys.revocationPubkey, toSelfDelay: c.toSelfDelay, delayedPrivkey, destination: walletScript, feeratePerKw: 1000 };
  it.each([
    ['output.txid', { output: { ...good.output, txid: new Uint8Array(31) } }],
    ['output.valueSat', { output: { ...good.output, valueSat: -1n } }],
    ['revocationPubkey', { revocationPubkey: new Uint8Array(33) }],
    ['toSelfDelay', { toSelfDelay: 70_000 }],
    ['delayedPrivkey', { delayedPrivkey: new Uint8Array(32) }],
    ['feeratePerKw', { feeratePerKw: 100 }],
    ['destination', { destination: 'bc1q' }],
  ])('%s', (field, patch) => {
    expect(fieldOf(() => buildToLocalSweep({ ...good, ...(patch as object) } as never))).toBe(field);
  });
  it('channelType and paymentPrivkey', () => {
    const r = { channelType: 'static_remotekey' as ChannelType, output: good.output, paymentPrivkey: secrets.remotePaymentBasepoint, destination: walletScript, feeratePerKw: 253 };
    expect(fieldOf(() => buildToRemoteSweep({ ...r, channelType: 'legacy' as ChannelType }))).toBe('channelType');
    expect(fieldOf(() => buildToRemoteSweep({ ...r, paymentPrivkey: new Uint8Array(5) }))).toBe('paymentPrivkey');
  });
});

describe('BOLT 5 anchor CPFP child', () => {
  const { c, signed } = commitment('anchors_zero_fee_htlc_tx');
  const anchor = output(c, 'to_local_anchor');
  const coin = { txid: new Uint8Array(32).fill(9), index: 3, valueSat: 50_000n, scriptPubKey: walletScript };
  const parent = { weight: signed.weight(), feeSat: c.feeSat };

  function signWallet(tx: Transaction): Uint8Array {
    const t = tx.clone();
    const pub = publicKeyOf(walletKey);
    const code = Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(pub), 0x88, 0xac]);
    t.setWitness(1, [encodeSignature(signInput(t, 1, code, coin.valueSat, walletKey, SIGHASH_ALL), SIGHASH_ALL), pub]);
    return t.toBuffer();
  }

  it('spends our anchor (<local_sig> <script>) and a wallet coin; both inputs pass the interpreter', () => {
    expect(anchorScriptPubKey(publicKeyOf(secrets.localFunding))).toEqual(anchor.scriptPubKey);
    const child = buildAnchorCpfp({ anchor: { txid: c.txid, index: anchor.index, valueSat: anchor.valueSat }, fundingPrivkey: secrets.localFunding, walletCoin: coin, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 });
    const raw = signWallet(child.tx);
    expect(scriptError(raw, 0, anchor.scriptPubKey, anchor.valueSat)).toBeUndefined();
    expect(scriptError(raw, 1, walletScript, coin.valueSat)).toBeUndefined();
    // The peer's funding key cannot spend our anchor at once.
    const theirs = buildAnchorCpfp({ anchor: { txid: c.txid, index: anchor.index, valueSat: 330n }, fundingPrivkey: secrets.remoteFunding, walletCoin: coin, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 });
    expect(scriptError(signWallet(theirs.tx), 0, anchor.scriptPubKey, anchor.valueSat)).toBeDefined();
  });

  it('the package (commitment + child) reaches the target feerate; the weight is not under-estimated', () => {
    const child = buildAnchorCpfp({ anchor: { txid: c.txid, index: anchor.index, valueSat: 330n }, fundingPrivkey: secrets.localFunding, walletCoin: coin, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 });
    const real = Transaction.fromBuffer(signWallet(child.tx)).weight();
    expect(child.estimatedWeight).toBe(anchorCpfpWeight(walletScript.length));
    expect(child.estimatedWeight).toBeGreaterThanOrEqual(real);
    expect(child.estimatedWeight - real).toBeLessThanOrEqual(6);
    expect(child.changeSat + child.feeSat).toBe(coin.valueSat + 330n);
    const pkgRate = (Number(parent.feeSat + child.feeSat) * 1000) / (parent.weight + real);
    expect(pkgRate).toBeGreaterThanOrEqual(5000);
    expect(child.feeSat).toBe(anchorCpfpFee(parent, child.estimatedWeight, 5000));
  });

  it('a parent already above the target still pays the child its own relay fee', () => {
    const w = anchorCpfpWeight(22);
    expect(anchorCpfpFee({ weight: 1000, feeSat: 100_000n }, w, 253)).toBe(feeForWeight(w, 253));
  });

  it('refuses a coin too small for the fee and the change (naming it); minCpfpCoinSat is just enough', () => {
    const min = minCpfpCoinSat(parent, walletScript, 5000);
    const at = (valueSat: bigint) => () => buildAnchorCpfp({ anchor: { txid: c.txid, index: anchor.index, valueSat: 330n }, fundingPrivkey: secrets.localFunding, walletCoin: { ...coin, valueSat }, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 });
    expect(fieldOf(at(min))).toBeUndefined();
    expect(fieldOf(at(min - 1n))).toBe('walletCoin.valueSat');
    expect(fieldOf(() => buildAnchorCpfp({ anchor: { txid: c.txid, index: 0, valueSat: 331n }, fundingPrivkey: secrets.localFunding, walletCoin: coin, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 }))).toBe('anchor.valueSat');
    expect(fieldOf(() => buildAnchorCpfp({ anchor: { txid: c.txid, index: 0, valueSat: 330n }, fundingPrivkey: secrets.localFunding, walletCoin: { ...coin, scriptPubKey: anchor.scriptPubKey }, changeScriptPubKey: walletScript, parent, targetFeeratePerKw: 5000 }))).toBe('walletCoin.scriptPubKey');
  });
});

describe('BOLT 5 weights and dust', () => {
  it('dust thresholds match Bitcoin Core at 3 sat/vB', () => {
    expect(dustThresholdSat(new Uint8Array([0x00, 0x14, ...new Uint8Array(20)]))).toBe(294n);
    expect(dustThresholdSat(new Uint8Array([0x00, 0x20, ...new Uint8Array(32)]))).toBe(330n);
    expect(dustThresholdSat(new Uint8Array([0x51, 0x20, ...new Uint8Array(32)]))).toBe(330n);
    expect(dustThresholdSat(new Uint8Array([0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac]))).toBe(546n);
  });
  it('a one-in one-out P2WPKH spend weighs what bitcoin says (BOLT 3 Appendix A style count)', () => {
    // 4 × (4 + 1 + 41 + 1 + 31 + 4) + 2 + (1 + 74 + 34) = 328 + 111 = 439
    expect(segwitTxWeight([witnessWeight([73, 33])], [22])).toBe(439);
  });
});
