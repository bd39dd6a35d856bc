/**
 * BOLT 5: telling how an HTLC output was spent and extracting the preimage from the witness
 * when the peer claims an HTLC we offered (engine/channel/bolt5/htlc-spend.ts). The spends are
 * real: built by the BOLT 5 builders (or by hand for the revocation path) and run through
 * bcoin's interpreter first, on the BOLT 3 Appendix C commitment.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { buildCommitment, type Commitment, type HtlcOutput } from '../../engine/channel/bolt3/commitment.ts';
import { buildHtlcTxs, signHtlcTx } from '../../engine/channel/bolt3/htlc-tx.ts';
import { deriveRevocationPrivkey } from '../../engine/channel/bolt3/keys.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import { buildRemoteHtlcClaims, finalizeLocalHtlcTx, htlcSpendOf, preimagesRevealedBy } from '../../engine/channel/bolt5/index.ts';
import { allHtlcs, commitmentParams, localHtlcPrivkey, remoteHtlcPrivkey, secrets, type VectorHtlc } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const walletScript = p2wpkh(publicKeyOf(Uint8Array.from({ length: 32 }, (_, i) => i + 7)));

function commitment(channelType: ChannelType): Commitment<VectorHtlc> {
  return buildCommitment(commitmentParams({ channelType, toLocalMsat: 6_988_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: allHtlcs.slice(0, 5) }));
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
  describe(`BOLT 5 HTLC spends (${channelType})`, () => {
    const c = commitment(channelType);
    const offered = c.htlcOutputs.filter((o) => o.kind === 'offered_htlc');
    const received = c.htlcOutputs.filter((o) => o.kind === 'received_htlc');

    it('the peer claims an HTLC the owner offered with its preimage, directly: the owner learns the preimage', () => {
      // The commitment's remote side spends the owner's offered HTLC by <remotehtlcsig> <preimage>.
      const claims = offered.map((o) => ({ commitmentTxid: c.txid, output: o, paymentPreimage: o.htlc.preimage }));
      const claim = buildRemoteHtlcClaims({ channelType, claims, htlcPrivkey: remoteHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
      offered.forEach((o, i) => expect(scriptError(claim.rawTx, i, o.scriptPubKey, o.valueSat)).toBeUndefined());
      const spend = htlcSpendOf(claim.tx, c.txid, offered[1]!);
      expect(spend).toMatchObject({ inputIndex: 1, path: 'preimage', secondStage: false });
      expect(spend?.paymentPreimage).toEqual(offered[1]!.htlc.preimage);
      const found = preimagesRevealedBy(claim.tx, c.txid, c.htlcOutputs);
      expect(found.map((f) => f.output.htlc.id)).toEqual(offered.map((o) => o.htlc.id));
      expect(found.map((f) => f.paymentPreimage)).toEqual(offered.map((o) => o.htlc.preimage));
    });

    it('HTLC-success of a received HTLC reveals the preimage (second stage); HTLC-timeout does not', () => {
      const txs = buildHtlcTxs(c);
      for (const h of txs) {
        const out = c.outputs[h.commitmentOutputIndex] as HtlcOutput<VectorHtlc>;
        const signed = finalizeLocalHtlcTx({ htlcTx: h, remoteSignature: signHtlcTx(h, remoteHtlcPrivkey, 'remote'), ...(h.kind === 'htlc-success' ? { paymentPreimage: h.htlc.preimage } : {}) }, localHtlcPrivkey);
        const spend = htlcSpendOf(signed, c.txid, out);
        if (h.kind === 'htlc-success') {
          expect(spend).toMatchObject({ inputIndex: 0, path: 'preimage', secondStage: true });
          expect(spend?.paymentPreimage).toEqual(h.htlc.preimage);
        } else {
          expect(spend).toEqual({ inputIndex: 0, path: 'timeout', secondStage: true });
        }
      }
    });

    it('the CLTV path of a received HTLC, spent directly, is a timeout', () => {
      const o = received[0]!;
      const claim = buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output: o }], htlcPrivkey: remoteHtlcPrivkey, destination: walletScript, feeratePerKw: 1000 });
      expect(htlcSpendOf(claim.tx, c.txid, o)).toEqual({ inputIndex: 0, path: 'timeout', secondStage: false });
      expect(preimagesRevealedBy(claim.tx, c.txid, c.htlcOutputs)).toEqual([]);
      // It does not spend the other outputs.
      expect(htlcSpendOf(claim.tx, c.txid, received[1]!)).toBeUndefined();
    });

    it('the revocation path (<revocation_sig> <revocationpubkey>) is recognised', () => {
      const o = offered[0]!;
      const revocationPrivkey = deriveRevocationPrivkey(secrets.remoteRevocationBasepoint, secrets.localPerCommitment);
      expect(publicKeyOf(revocationPrivkey)).toEqual(c.keys.revocationPubkey);
      const tx = new Transaction();
      tx.version = 2;
      tx.addInput(c.txid.slice(), o.index, 0xfffffffd);
      tx.addOutput(walletScript, o.valueSat - 500n);
      const sig = signInput(tx, 0, o.witnessScript, o.valueSat, revocationPrivkey, SIGHASH_ALL);
      tx.setWitness(0, [encodeSignature(sig, SIGHASH_ALL), c.keys.revocationPubkey, o.witnessScript]);
      expect(scriptError(tx.toBuffer(), 0, o.scriptPubKey, o.valueSat)).toBeUndefined();
      expect(htlcSpendOf(tx, c.txid, o)).toEqual({ inputIndex: 0, path: 'revocation', secondStage: false });
    });

    it('a witness that is no HTLC spending path is refused naming tx (and skipped by preimagesRevealedBy)', () => {
      const o = offered[0]!;
      const tx = new Transaction();
      tx.addInput(c.txid.slice(), o.index, 0);
      tx.addOutput(walletScript, 1000n);
      tx.setWitness(0, [new Uint8Array(71), new Uint8Array(32).fill(0xee), o.witnessScript]);
      expect(fieldOf(() => htlcSpendOf(tx, c.txid, o))).toBe('tx');
      tx.setWitness(0, [new Uint8Array(71), o.htlc.preimage, received[0]!.witnessScript]);
      expect(fieldOf(() => htlcSpendOf(tx, c.txid, o))).toBe('tx');
      tx.setWitness(0, [o.htlc.preimage, o.witnessScript]);
      expect(fieldOf(() => htlcSpendOf(tx, c.txid, o))).toBe('tx');
      expect(preimagesRevealedBy(tx, c.txid, [o])).toEqual([]);
      expect(fieldOf(() => htlcSpendOf(tx, new Uint8Array(3), o))).toBe('commitmentTxid');
    });
  });
}
