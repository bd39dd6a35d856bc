/**
 * BOLT 3 Appendix F: Commitment and HTLC Transaction Test Vectors (anchors), i.e.
 * `anchors_zero_fee_htlc_tx`: anchor outputs, a CSV-locked P2WSH `to_remote`, zero-fee HTLC
 * transactions with nSequence 1, and counterparty HTLC signatures with SIGHASH_SINGLE|ANYONECANPAY.
 * Keys and HTLCs are Appendix C's.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt03-commitment-tx-anchors.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import {
  buildCommitment,
  finalizeCommitment,
  signCommitment,
  verifyCommitmentSignature,
} from '../../engine/channel/bolt3/commitment.ts';
import { buildHtlcTxs, finalizeHtlcTx, signHtlcTx, verifyHtlcSignature } from '../../engine/channel/bolt3/htlc-tx.ts';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, decodeSignature, encodeSignature } from '../../engine/channel/bolt3/sign.ts';
import { ANCHOR_OUTPUT_SAT } from '../../engine/channel/bolt3/fees.ts';
import { allHtlcs, appendixC, commitmentParams, htlcsById, localHtlcPrivkey, remoteHtlcPrivkey, secrets } from './bolt03-fixtures.ts';

function der(sig: Uint8Array): string {
  const e = encodeSignature(sig, SIGHASH_ALL);
  return bytesToHex(e.subarray(0, e.length - 1));
}
function compact(derHex: string): Uint8Array {
  return decodeSignature(hexToBytes(`${derHex}01`)).signature;
}

/** "UseTestHtlcs": HTLCs 0–4, or 1/5/6 for the "same amount and preimage" case (the balances tell which). */
function htlcsFor(t: (typeof vectors.tests)[number]): ReturnType<typeof htlcsById> {
  if (!t.UseTestHtlcs) return [];
  const inFlight = BigInt(appendixC.common.funding_amount_satoshi) * 1000n - BigInt(t.LocalBalance) - BigInt(t.RemoteBalance);
  for (const ids of [[0, 1, 2, 3, 4], [1, 5, 6]]) {
    const set = htlcsById(ids);
    if (set.reduce((s, h) => s + h.amountMsat, 0n) === inFlight) return set;
  }
  throw new Error(`no Appendix C HTLC set sums to ${inFlight} msat`);
}

describe('BOLT 3 Appendix F: anchor commitment and HTLC transactions', () => {
  let htlcTxCount = 0;
  for (const t of vectors.tests) {
    it(t.Name, () => {
      const c = buildCommitment(
        commitmentParams({
          channelType: 'anchors_zero_fee_htlc_tx',
          toLocalMsat: BigInt(t.LocalBalance),
          toRemoteMsat: BigInt(t.RemoteBalance),
          feeratePerKw: t.FeePerKw,
          dustLimitSatoshis: BigInt(t.DustLimitSatoshis),
          htlcs: htlcsFor(t),
        }),
      );
      const localSig = signCommitment(c, secrets.localFunding);
      const remoteSig = compact(t.RemoteSigHex);
      expect(verifyCommitmentSignature(c, remoteSig, 'remote')).toBe(true);
      expect(der(signCommitment(c, secrets.remoteFunding))).toBe(t.RemoteSigHex);
      expect(finalizeCommitment(c, localSig, remoteSig).toHex()).toBe(t.ExpectedCommitmentTxHex);
      // Anchors are present exactly when the rules call for them.
      const anchors = c.outputs.filter((o) => o.kind === 'to_local_anchor' || o.kind === 'to_remote_anchor');
      for (const a of anchors) expect(a.valueSat).toBe(ANCHOR_OUTPUT_SAT);

      const htlcTxs = buildHtlcTxs(c);
      expect(htlcTxs.length).toBe(t.HtlcDescs.length);
      t.HtlcDescs.forEach((d, i) => {
        const h = htlcTxs[i];
        if (!h) throw new Error('missing HTLC tx');
        expect(h.tx.ins[0]?.sequence).toBe(1);
        expect(h.outputValueSat).toBe(h.inputValueSat);
        const remote = signHtlcTx(h, remoteHtlcPrivkey, 'remote');
        expect(der(remote)).toBe(d.RemoteSigHex);
        expect(verifyHtlcSignature(h, compact(d.RemoteSigHex), 'remote')).toBe(true);
        const local = signHtlcTx(h, localHtlcPrivkey, 'local');
        const preimage = h.kind === 'htlc-success' ? h.htlc.preimage : undefined;
        const hex = finalizeHtlcTx(h, { localSignature: local, remoteSignature: remote, paymentPreimage: preimage }).toHex();
        expect(hex).toBe(d.ResolutionTxHex);
        // The remote signature in the witness carries SIGHASH_SINGLE|SIGHASH_ANYONECANPAY.
        expect(hex).toContain(`${d.RemoteSigHex}${SIGHASH_SINGLE_ANYONECANPAY.toString(16)}`);
        htlcTxCount++;
      });
    });
  }
  it('covered all 9 commitment vectors and all 15 HTLC transactions', () => {
    expect(vectors.tests.length).toBe(9);
    expect(htlcTxCount).toBe(15);
    expect(allHtlcs.length).toBe(7);
  });
});

describe('BOLT 3 anchors: output rules', () => {
  it('"single anchor": no to_remote and no HTLCs leaves only the local anchor', () => {
    const t = vectors.tests.find((x) => x.Name.includes('single anchor'));
    if (!t) throw new Error('vector missing');
    const c = buildCommitment(
      commitmentParams({
        channelType: 'anchors_zero_fee_htlc_tx',
        toLocalMsat: BigInt(t.LocalBalance),
        toRemoteMsat: BigInt(t.RemoteBalance),
        feeratePerKw: t.FeePerKw,
        dustLimitSatoshis: BigInt(t.DustLimitSatoshis),
        htlcs: [],
      }),
    );
    expect(c.outputs.map((o) => o.kind).sort()).toEqual(['to_local', 'to_local_anchor']);
    // The funder pays the base fee (1124 weight) and both anchors, even though one is omitted.
    const toLocal = c.outputs.find((o) => o.kind === 'to_local');
    expect(toLocal?.valueSat).toBe(10_000_000n - (15000n * 1124n) / 1000n - 2n * ANCHOR_OUTPUT_SAT);
  });
  it('HTLC dust threshold is the dust limit alone (zero-fee HTLC transactions)', () => {
    // 1000 sat HTLC at dust limit 1000 stays; at 1001 it is trimmed, whatever the feerate.
    const h = htlcsById([0]);
    const base = { channelType: 'anchors_zero_fee_htlc_tx' as const, toLocalMsat: 6_999_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 100_000, htlcs: h };
    expect(buildCommitment(commitmentParams({ ...base, dustLimitSatoshis: 1000n })).htlcOutputs.length).toBe(1);
    expect(buildCommitment(commitmentParams({ ...base, dustLimitSatoshis: 1001n })).htlcOutputs.length).toBe(0);
  });
});
