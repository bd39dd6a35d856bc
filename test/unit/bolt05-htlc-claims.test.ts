/**
 * BOLT 5 "Unilateral Close Handling: Remote Commitment Transaction — HTLC Output Handling": the
 * HTLC outputs of the PEER's commitment claimed directly by us (engine/channel/bolt5/htlc-claims.ts).
 * The BOLT 3 Appendix C commitment plays the peer's commitment (the spec's "local" is the peer,
 * its "remote" is us, so our HTLC key is the spec's remote HTLC key). Every input runs through
 * bcoin's script interpreter; a wrong preimage, a too-early locktime or a missing CSV fail it.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { buildCommitment, type Commitment, type HtlcOutput } from '../../engine/channel/bolt3/commitment.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import {
  buildRemoteHtlcClaims,
  claimsMatureAt,
  feeForWeight,
  remoteHtlcClaimKind,
  remoteHtlcClaimWeight,
  type RemoteHtlcClaim,
} from '../../engine/channel/bolt5/index.ts';
import { allHtlcs, commitmentParams, localHtlcPrivkey, remoteHtlcPrivkey, type VectorHtlc } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const walletScript = p2wpkh(publicKeyOf(Uint8Array.from({ length: 32 }, (_, i) => i + 7)));
/** We are BOLT 3's "remote" in the peer's commitment: our HTLC key is remote_htlcpubkey's secret. */
const ourHtlcPrivkey = remoteHtlcPrivkey;

function peerCommitment(channelType: ChannelType): Commitment<VectorHtlc> {
  return buildCommitment(commitmentParams({ channelType, toLocalMsat: 6_988_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: allHtlcs.slice(0, 5) }));
}

function claimOf(c: Commitment<VectorHtlc>, o: HtlcOutput<VectorHtlc>): RemoteHtlcClaim<VectorHtlc> {
  return { commitmentTxid: c.txid, output: o, ...(o.kind === 'offered_htlc' ? { paymentPreimage: o.htlc.preimage } : {}) };
}

/** A one-input claim with another nSequence, re-signed (nSequence is signed), keeping the rest of the witness. */
function resignedWithSequence(raw: Uint8Array, o: HtlcOutput, sequence: number): Uint8Array {
  const tx = Transaction.fromBuffer(raw);
  (tx.ins[0] as { sequence: number }).sequence = sequence;
  const w = tx.ins[0]?.witness ?? [];
  const sig = signInput(tx, 0, o.witnessScript, o.valueSat, ourHtlcPrivkey, SIGHASH_ALL);
  tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), ...w.slice(1)]);
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
  describe(`BOLT 5 remote commitment HTLC claims (${channelType})`, () => {
    const c = peerCommitment(channelType);
    const offered = c.htlcOutputs.filter((o) => o.kind === 'offered_htlc');
    const received = c.htlcOutputs.filter((o) => o.kind === 'received_htlc');

    it('the fixture has HTLCs both ways, all untrimmed', () => {
      expect(offered.length).toBe(2);
      expect(received.length).toBe(3);
      expect(remoteHtlcClaimKind(offered[0] as HtlcOutput)).toBe('preimage');
      expect(remoteHtlcClaimKind(received[0] as HtlcOutput)).toBe('timeout');
    });

    it(`remote offers: <remotehtlcsig> <payment_preimage>, nSequence ${anchors ? 1 : '0xfffffffd'}, no locktime, passes the interpreter`, () => {
      for (const o of offered) {
        const s = buildRemoteHtlcClaims({ channelType, claims: [claimOf(c, o)], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
        expect(s.locktime).toBe(0);
        expect(s.tx.locktime).toBe(0);
        expect(s.tx.ins[0]?.sequence).toBe(anchors ? 1 : 0xfffffffd);
        expect(s.tx.ins[0]?.witness[1]).toEqual(o.htlc.preimage);
        expect(s.inputs[0]?.spentScriptPubKey).toEqual(o.scriptPubKey);
        expect(scriptError(s.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeUndefined();
        if (anchors) expect(scriptError(resignedWithSequence(s.rawTx, o, 0), 0, o.scriptPubKey, o.valueSat)).toMatch(/SEQUENCE|CSV|LOCKTIME/i);
      }
    });

    it('a wrong preimage fails the interpreter (the test can fail)', () => {
      const o = offered[0] as HtlcOutput<VectorHtlc>;
      const wrong = new Uint8Array(32).fill(0xee);
      // Same script, but the builder is told the hash of the wrong preimage: it signs, the chain refuses.
      const lying = { ...o, htlc: { ...o.htlc, paymentHash: sha256(wrong) } };
      const s = buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output: lying, paymentPreimage: wrong }], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
      expect(scriptError(s.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeDefined();
      // Told the truth, the builder itself refuses a wrong preimage.
      expect(fieldOf(() => buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output: o, paymentPreimage: wrong }], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 }))).toBe('claims[0].paymentPreimage');
      expect(fieldOf(() => buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output: o }], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 }))).toBe('claims[0].paymentPreimage');
    });

    it('local offers: <remotehtlcsig> <>, nLockTime = cltv_expiry, passes the interpreter; one block early fails', () => {
      for (const o of received) {
        const s = buildRemoteHtlcClaims({ channelType, claims: [claimOf(c, o)], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
        expect(s.tx.locktime).toBe(o.htlc.cltvExpiry);
        expect(s.tx.ins[0]?.sequence).toBe(anchors ? 1 : 0xfffffffd);
        expect(s.tx.ins[0]?.witness[1]?.length).toBe(0);
        expect(scriptError(s.rawTx, 0, o.scriptPubKey, o.valueSat)).toBeUndefined();
        // Signed for one block before the expiry: CLTV refuses it.
        const early = buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output: { ...o, htlc: { ...o.htlc, cltvExpiry: o.htlc.cltvExpiry - 1 } } }], htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
        expect(early.tx.locktime).toBe(o.htlc.cltvExpiry - 1);
        expect(scriptError(early.rawTx, 0, o.scriptPubKey, o.valueSat)).toMatch(/LOCKTIME/i);
        // A final nSequence disables nLockTime: CLTV refuses that too.
        expect(scriptError(resignedWithSequence(s.rawTx, o, 0xffffffff), 0, o.scriptPubKey, o.valueSat)).toMatch(/LOCKTIME/i);
      }
    });

    it('batches every claim into one transaction (locktime = the latest expiry); every input passes; weight and fee exact', () => {
      const claims = c.htlcOutputs.map((o) => claimOf(c, o));
      const s = buildRemoteHtlcClaims({ channelType, claims, htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 2500 });
      expect(s.tx.ins.length).toBe(5);
      expect(s.tx.outs.length).toBe(1);
      expect(s.locktime).toBe(Math.max(...received.map((o) => o.htlc.cltvExpiry)));
      c.htlcOutputs.forEach((o, i) => expect(scriptError(s.rawTx, i, o.scriptPubKey, o.valueSat)).toBeUndefined());
      const real = s.tx.weight();
      expect(s.estimatedWeight).toBe(remoteHtlcClaimWeight(c.htlcOutputs, walletScript.length));
      expect(s.estimatedWeight).toBeGreaterThanOrEqual(real);
      expect(s.estimatedWeight - real).toBeLessThanOrEqual(3 * 5);
      expect(s.feeSat).toBe(feeForWeight(s.estimatedWeight, 2500));
      expect(Number(s.feeSat) * 1000 / real).toBeGreaterThanOrEqual(2500);
      const inSum = c.htlcOutputs.reduce((t, o) => t + o.valueSat, 0n);
      expect(s.valueSat + s.feeSat).toBe(inSum);
      expect(s.tx.outs[0]?.value).toBe(s.valueSat);
    });

    it('claimsMatureAt: preimage claims at once, timeout claims from cltv_expiry + 1', () => {
      const claims = c.htlcOutputs.map((o) => claimOf(c, o));
      const first = Math.min(...received.map((o) => o.htlc.cltvExpiry));
      expect(claimsMatureAt(claims, first).length).toBe(2);
      expect(claimsMatureAt(claims, first + 1).length).toBe(3);
      expect(claimsMatureAt(claims, 1_000).length).toBe(5);
      expect(claimsMatureAt(claims.map((x) => ({ output: x.output })), 1_000).length).toBe(3);
    });

    it('refuses dust, our local key instead of our remote one, duplicates and bad arguments, naming the field', () => {
      const o = offered[0] as HtlcOutput<VectorHtlc>;
      const one = [claimOf(c, o)];
      const p = { channelType, claims: one, htlcPrivkey: ourHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 };
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, feeratePerKw: 1_000_000 }))).toBe('claims');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, htlcPrivkey: localHtlcPrivkey }))).toBe('htlcPrivkey');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, claims: [...one, ...one] }))).toBe('claims[1].output.index');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, claims: [] }))).toBe('claims');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, feeratePerKw: 100 }))).toBe('feeratePerKw');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, claims: [{ ...one[0]!, commitmentTxid: new Uint8Array(3) }] }))).toBe('claims[0].commitmentTxid');
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, claims: [{ ...one[0]!, output: { ...o, witnessScript: new Uint8Array(5) } }] }))).toBe('claims[0].output.witnessScript');
      const r = received[0] as HtlcOutput<VectorHtlc>;
      expect(fieldOf(() => buildRemoteHtlcClaims({ ...p, claims: [{ commitmentTxid: c.txid, output: r, paymentPreimage: r.htlc.preimage }] }))).toBe('claims[0].paymentPreimage');
    });
  });
}
