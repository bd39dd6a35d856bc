/**
 * BOLT 3 Appendix C: Commitment and HTLC Transaction Test Vectors (static_remotekey, no anchors).
 * Every commitment transaction is built from the vector inputs and compared byte for byte, with
 * our RFC 6979 signatures (both sides' keys are known) and every HTLC transaction likewise.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import {
  buildCommitment,
  finalizeCommitment,
  signCommitment,
  verifyCommitmentSignature,
} from '../../engine/channel/bolt3/commitment.ts';
import { buildHtlcTxs, finalizeHtlcTx, signHtlcTx, verifyHtlcSignature } from '../../engine/channel/bolt3/htlc-tx.ts';
import { SIGHASH_ALL, decodeSignature, encodeSignature } from '../../engine/channel/bolt3/sign.ts';
import {
  appendixC,
  commitmentKeys,
  commitmentParams,
  htlcsById,
  localHtlcPrivkey,
  perCommitmentPoint,
  privkey,
  remoteHtlcPrivkey,
  secrets,
} from './bolt03-fixtures.ts';

/** Vector signatures are bare DER; ours are compact. */
function der(sig: Uint8Array): string {
  const e = encodeSignature(sig, SIGHASH_ALL);
  return bytesToHex(e.subarray(0, e.length - 1));
}
function compact(derHex: string): Uint8Array {
  return decodeSignature(hexToBytes(`${derHex}01`)).signature;
}

describe('BOLT 3 Appendix C: keys', () => {
  const k = appendixC.keys;
  const iv = appendixC.internal_values;
  it('derives the listed keys from the INTERNAL secrets', () => {
    expect(bytesToHex(perCommitmentPoint)).toBe(iv.local_per_commitment_point);
    expect(bytesToHex(publicKeyOf(secrets.localFunding))).toBe(k.local_funding_pubkey);
    expect(bytesToHex(publicKeyOf(secrets.remoteFunding))).toBe(k.remote_funding_pubkey);
    expect(bytesToHex(publicKeyOf(secrets.localPaymentBasepoint))).toBe(k.local_payment_basepoint);
    expect(bytesToHex(publicKeyOf(secrets.remotePaymentBasepoint))).toBe(k.remote_payment_basepoint);
    expect(bytesToHex(publicKeyOf(secrets.remoteRevocationBasepoint))).toBe(iv.remote_revocation_basepoint);
    expect(bytesToHex(publicKeyOf(secrets.localDelayedPaymentBasepoint))).toBe(iv.local_delayed_payment_basepoint);
    expect(bytesToHex(commitmentKeys.revocationPubkey)).toBe(k.local_revocation_pubkey);
    expect(bytesToHex(commitmentKeys.localDelayedPubkey)).toBe(k.local_delayedpubkey);
    expect(bytesToHex(commitmentKeys.localHtlcPubkey)).toBe(k.local_htlcpubkey);
    expect(bytesToHex(commitmentKeys.remoteHtlcPubkey)).toBe(k.remote_htlcpubkey);
    expect(bytesToHex(commitmentKeys.remotePaymentPubkey)).toBe(k.remote_payment_basepoint);
    expect(bytesToHex(localHtlcPrivkey)).toBe(bytesToHex(privkey(k.local_privkey)));
    expect(bytesToHex(remoteHtlcPrivkey)).toBe(bytesToHex(privkey(iv.remote_privkey)));
  });
});

describe('BOLT 3 Appendix C: commitment and HTLC transactions', () => {
  let htlcTxCount = 0;
  for (const t of appendixC.tests) {
    it(t.name, () => {
      const htlcs = htlcsById(t.htlcs_used_derived);
      const c = buildCommitment(
        commitmentParams({
          channelType: 'static_remotekey',
          toLocalMsat: BigInt(t.to_local_msat),
          toRemoteMsat: BigInt(t.to_remote_msat),
          feeratePerKw: t.local_feerate_per_kw,
          dustLimitSatoshis: BigInt(appendixC.common.local_dust_limit_satoshi),
          htlcs,
        }),
      );
      expect(c.htlcOutputs.length).toBe(t.num_htlcs);
      if (t.base_commitment_fee_sat !== null) expect(c.baseFeeSat).toBe(BigInt(t.base_commitment_fee_sat));
      if (t.actual_commitment_fee_sat !== null) expect(c.feeSat).toBe(BigInt(t.actual_commitment_fee_sat));
      // The spec's per-output comments (listed by HTLC, not in output order) with their witness scripts.
      for (const o of t.htlc_outputs_comment) {
        const out = c.htlcOutputs.find((x) => x.htlc.id === o.htlc);
        expect(out?.kind).toBe(o.type === 'offered' ? 'offered_htlc' : 'received_htlc');
        expect(out?.valueSat).toBe(BigInt(o.amount_sat));
        expect(bytesToHex(out?.witnessScript ?? new Uint8Array())).toBe(o.witness_script);
      }
      if (t.to_local_output_comment) {
        const out = c.outputs.find((o) => o.kind === 'to_local');
        expect(out?.valueSat).toBe(BigInt(t.to_local_output_comment.amount_sat));
        expect(bytesToHex(out?.witnessScript ?? new Uint8Array())).toBe(t.to_local_output_comment.witness_script);
      }

      const localSig = signCommitment(c, secrets.localFunding);
      expect(der(localSig)).toBe(t.local_signature);
      const remoteSig = compact(t.remote_signature);
      expect(verifyCommitmentSignature(c, remoteSig, 'remote')).toBe(true);
      expect(verifyCommitmentSignature(c, localSig, 'remote')).toBe(false);
      expect(der(signCommitment(c, secrets.remoteFunding))).toBe(t.remote_signature);
      expect(finalizeCommitment(c, localSig, remoteSig).toHex()).toBe(t.commit_tx);

      const htlcTxs = buildHtlcTxs(c);
      expect(htlcTxs.length).toBe(t.htlc_txs.length);
      t.htlc_txs.forEach((v, i) => {
        const h = htlcTxs[i];
        if (!h) throw new Error('missing HTLC tx');
        expect(h.commitmentOutputIndex).toBe(v.output_index);
        expect(h.kind).toBe(v.type);
        expect(h.htlc.id).toBe(v.htlc);
        const remote = signHtlcTx(h, remoteHtlcPrivkey, 'remote');
        expect(der(remote)).toBe(v.remote_htlc_signature);
        expect(verifyHtlcSignature(h, compact(v.remote_htlc_signature), 'remote')).toBe(true);
        const local = signHtlcTx(h, localHtlcPrivkey, 'local');
        expect(der(local)).toBe(v.local_htlc_signature);
        const preimage = h.kind === 'htlc-success' ? h.htlc.preimage : undefined;
        expect(finalizeHtlcTx(h, { localSignature: local, remoteSignature: remote, paymentPreimage: preimage }).toHex()).toBe(v.tx);
        htlcTxCount++;
      });
    });
  }
  it('covered all 16 commitment vectors and all 33 HTLC transactions', () => {
    expect(appendixC.tests.length).toBe(16);
    expect(htlcTxCount).toBe(33);
  });
});

describe('BOLT 3 commitment: finalize refuses bad input', () => {
  const t = appendixC.tests[1];
  if (!t) throw new Error('vector missing');
  const c = buildCommitment(
    commitmentParams({
      channelType: 'static_remotekey',
      toLocalMsat: BigInt(t.to_local_msat),
      toRemoteMsat: BigInt(t.to_remote_msat),
      feeratePerKw: t.local_feerate_per_kw,
      dustLimitSatoshis: 546n,
      htlcs: htlcsById(t.htlcs_used_derived),
    }),
  );
  it('a signature that does not verify is named', () => {
    const localSig = signCommitment(c, secrets.localFunding);
    expect(() => finalizeCommitment(c, localSig, localSig)).toThrow(/remoteSignature/);
  });
  it('an HTLC-success needs the right preimage', () => {
    const h = buildHtlcTxs(c).find((x) => x.kind === 'htlc-success');
    if (!h) throw new Error('no success tx');
    const sigs = { localSignature: signHtlcTx(h, localHtlcPrivkey, 'local'), remoteSignature: signHtlcTx(h, remoteHtlcPrivkey, 'remote') };
    expect(() => finalizeHtlcTx(h, sigs)).toThrow(ValidationError);
    expect(() => finalizeHtlcTx(h, { ...sigs, paymentPreimage: new Uint8Array(32).fill(9) })).toThrow(/paymentPreimage/);
  });
  it('balances that do not add up to the funding amount are refused', () => {
    const p = commitmentParams({
      channelType: 'static_remotekey',
      toLocalMsat: 1n,
      toRemoteMsat: 0n,
      feeratePerKw: 253,
      dustLimitSatoshis: 546n,
      htlcs: [],
    });
    expect(() => buildCommitment(p)).toThrow(/toLocalMsat/);
  });
});
