/** BOLT 3 "Fee Calculation" worked example, through the fee helpers and through a built commitment. */
import { describe, expect, it } from 'vitest';
import v from '../vectors/bolt03-fee-calculation-example.json' with { type: 'json' };
import {
  commitmentFee,
  commitmentWeight,
  funderCommitmentCost,
  htlcSuccessFee,
  htlcTimeoutFee,
  trimHtlcs,
  HTLC_SUCCESS_WEIGHT,
  HTLC_TIMEOUT_WEIGHT,
} from '../../engine/channel/bolt3/fees.ts';
import { buildCommitment } from '../../engine/channel/bolt3/commitment.ts';
import type { CommitmentHtlc } from '../../engine/channel/bolt3/types.ts';
import { commitmentParams, type VectorHtlc } from './bolt03-fixtures.ts';

const { inputs, expected } = v;
const feerate = inputs.feerate_per_kw;
const dust = BigInt(inputs.dust_limit_satoshis);

function htlc(direction: CommitmentHtlc['direction'], msat: number, i: number): VectorHtlc {
  return { id: i, direction, amountMsat: BigInt(msat), paymentHash: new Uint8Array(32).fill(i), cltvExpiry: 500 + i, preimage: new Uint8Array(32) };
}
const htlcs: VectorHtlc[] = [
  ...inputs.offered_htlcs_msat.map((m, i) => htlc('offered', m, i)),
  ...inputs.received_htlcs_msat.map((m, i) => htlc('received', m, 10 + i)),
];
const sat = (hs: readonly VectorHtlc[]): bigint[] => hs.map((h) => h.amountMsat / 1000n);

describe('BOLT 3 Fee Calculation: example', () => {
  it('HTLC-timeout weight 663 → fee 3315; HTLC-success weight 703 → fee 3515', () => {
    expect(HTLC_TIMEOUT_WEIGHT).toBe(expected.htlc_timeout_weight);
    expect(HTLC_SUCCESS_WEIGHT).toBe(expected.htlc_success_weight);
    expect(htlcTimeoutFee(feerate, 'static_remotekey')).toBe(BigInt(expected.htlc_timeout_fee_sat));
    expect(htlcSuccessFee(feerate, 'static_remotekey')).toBe(BigInt(expected.htlc_success_fee_sat));
    expect(htlcTimeoutFee(feerate, 'anchors_zero_fee_htlc_tx')).toBe(0n);
    expect(htlcSuccessFee(feerate, 'anchors_zero_fee_htlc_tx')).toBe(0n);
  });
  it('trims the 1000 sat offered and 800 sat received HTLCs', () => {
    const { untrimmed, trimmed } = trimHtlcs(htlcs, dust, feerate, 'static_remotekey');
    expect(sat(untrimmed.filter((h) => h.direction === 'offered'))).toEqual(expected.untrimmed_offered_htlcs_sat.map(BigInt));
    expect(sat(trimmed.filter((h) => h.direction === 'offered'))).toEqual(expected.trimmed_offered_htlcs_sat.map(BigInt));
    expect(sat(untrimmed.filter((h) => h.direction === 'received'))).toEqual(expected.untrimmed_received_htlcs_sat.map(BigInt));
    expect(sat(trimmed.filter((h) => h.direction === 'received'))).toEqual(expected.trimmed_received_htlcs_sat.map(BigInt));
  });
  it('commitment weight 1068, base fee 5340', () => {
    expect(commitmentWeight('static_remotekey', 2)).toBe(expected.commitment_weight);
    expect(commitmentFee(feerate, 'static_remotekey', 2)).toBe(BigInt(expected.base_commitment_fee_sat));
    expect(funderCommitmentCost(feerate, 'static_remotekey', 2)).toBe(BigInt(expected.base_commitment_fee_sat));
    expect(funderCommitmentCost(feerate, 'anchors_zero_fee_htlc_tx', 2)).toBe((5000n * (1124n + 344n)) / 1000n + 660n);
  });
  it('a built commitment pays the actual fee 7140 (base fee + trimmed HTLCs)', () => {
    const toRemoteMsat = 3_000_000_000n;
    const inFlight = htlcs.reduce((s, h) => s + h.amountMsat, 0n);
    const c = buildCommitment(
      commitmentParams({
        channelType: 'static_remotekey',
        toLocalMsat: 10_000_000_000n - toRemoteMsat - inFlight,
        toRemoteMsat,
        feeratePerKw: feerate,
        dustLimitSatoshis: dust,
        htlcs,
      }),
    );
    expect(c.baseFeeSat).toBe(BigInt(expected.base_commitment_fee_sat));
    expect(c.feeSat).toBe(BigInt(expected.actual_fee_including_trimmed_sat));
    expect(c.htlcOutputs.map((o) => o.valueSat)).toEqual([5000n, 7000n]);
    expect(c.trimmedHtlcs.map((h) => h.amountMsat)).toEqual([1_000_000n, 800_000n]);
  });
  it('bad arguments name the field', () => {
    expect(() => htlcTimeoutFee(-1, 'static_remotekey')).toThrow(/feeratePerKw/);
    expect(() => commitmentFee(1, 'legacy' as never, 0)).toThrow(/channelType/);
    expect(() => trimHtlcs([htlc('offered', -1, 0)], dust, feerate, 'static_remotekey')).toThrow(/amountMsat/);
  });
});
