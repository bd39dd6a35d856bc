/**
 * BOLT 3 Appendix C and F through the channel layer: the vectors' commitment transactions (with
 * their HTLCs) rebuilt from a `Commitments` and an update log — the spec derived by htlc-spec.ts,
 * the commitment by commitments.ts — and our `commitment_signed` signatures for them (the
 * commitment signature and one HTLC signature per HTLC output, in output order, SIGHASH_SINGLE|
 * ANYONECANPAY with anchors) equal to the vectors' `remote_signature` / `remote_htlc_signature`.
 *
 * The vectors' "local" node owns the commitment, so here it is the peer, and we are its
 * "remote" (we hold the vectors' remote secrets, and the peer funded the channel).
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#appendix-c-commitment-and-htlc-transaction-test-vectors
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import anchorVectors from '../../vectors/bolt03-commitment-tx-anchors.json' with { type: 'json' };
import { publicKeyOf } from '../../../engine/crypto/secp256k1.ts';
import { bytesToHex, hexToBytes } from '../../../engine/lib/bytes.ts';
import type { ChannelKeys } from '../../../engine/keys/keychain.ts';
import { SIGHASH_ALL, encodeSignature } from '../../../engine/channel/bolt3/sign.ts';
import { type CommitmentInputs, buildRemoteCommitment, signRemoteCommitment, signRemoteHtlcs } from '../../../engine/channel/commitments.ts';
import { type HtlcLog, type LoggedHtlc, newHtlcLog } from '../../../engine/channel/htlc-log.ts';
import { commitmentSpecAt } from '../../../engine/channel/htlc-spec.ts';
import type { ChannelParams, ChannelType, CommitmentSpec } from '../../../engine/channel/types.ts';
import { type VectorHtlc, appendixC, htlcsById, perCommitmentPoint, privkey, secrets, txidInternal } from '../bolt03-fixtures.ts';

const k = appendixC.keys;
const iv = appendixC.internal_values;
const common = appendixC.common;
const INDEX = common.commitment_number;

function der(sig: Uint8Array): string {
  const e = encodeSignature(sig, SIGHASH_ALL);
  return bytesToHex(e.subarray(0, e.length - 1));
}

const dummyPoint = publicKeyOf(new Uint8Array(32).fill(9));

function params(p: Partial<ChannelParams>): ChannelParams {
  return {
    fundingPubkey: dummyPoint,
    revocationBasepoint: dummyPoint,
    paymentBasepoint: dummyPoint,
    delayedPaymentBasepoint: dummyPoint,
    htlcBasepoint: dummyPoint,
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: 10n ** 12n,
    channelReserveSat: 0n,
    htlcMinimumMsat: 1n,
    toSelfDelay: 144,
    maxAcceptedHtlcs: 483,
    ...p,
  };
}

/** Us: the vectors' remote side (its funding and HTLC secrets; HTLC basepoints = payment basepoints in App. C). */
const ourKeys = {
  fundingSecret: secrets.remoteFunding,
  fundingPubkey: hexToBytes(k.remote_funding_pubkey),
  htlcBasepointSecret: privkey(iv.remote_payment_basepoint_secret),
  htlcBasepoint: hexToBytes(k.remote_htlc_basepoint),
} as ChannelKeys;

function inputs(channelType: ChannelType, dustLimitSat: bigint): CommitmentInputs {
  return {
    channelType,
    isFunder: false,
    // Ours: the vectors' remote basepoints; toSelfDelay is what we require of the peer (local_delay).
    localParams: params({
      fundingPubkey: hexToBytes(k.remote_funding_pubkey),
      revocationBasepoint: hexToBytes(iv.remote_revocation_basepoint),
      paymentBasepoint: hexToBytes(k.remote_payment_basepoint),
      htlcBasepoint: hexToBytes(k.remote_htlc_basepoint),
      toSelfDelay: common.local_delay,
    }),
    // The peer: the vectors' local side, with the owner's dust limit.
    remoteParams: params({
      fundingPubkey: hexToBytes(k.local_funding_pubkey),
      paymentBasepoint: hexToBytes(k.local_payment_basepoint),
      delayedPaymentBasepoint: hexToBytes(iv.local_delayed_payment_basepoint),
      htlcBasepoint: hexToBytes(k.local_htlc_basepoint),
      dustLimitSat,
    }),
    fundingOutpoint: { txid: txidInternal(common.funding_tx_id), index: common.funding_output_index },
    fundingSat: BigInt(common.funding_amount_satoshi),
  };
}

/** A log at commitment INDEX holding the vector's HTLCs: the owner's offered ones are the peer's adds, its received ones ours. */
function logWith(htlcs: readonly VectorHtlc[], feeratePerKw: number): HtlcLog {
  const base = newHtlcLog(false, INDEX, INDEX, feeratePerKw);
  const add = (h: VectorHtlc): LoggedHtlc => ({
    id: BigInt(h.id),
    amountMsat: h.amountMsat,
    paymentHash: h.paymentHash,
    cltvExpiry: h.cltvExpiry,
    onionRoutingPacket: new Uint8Array(1366),
    ctn: { local: INDEX, remote: INDEX },
  });
  return {
    local: { ...base.local, adds: htlcs.filter((h) => h.direction === 'received').map(add) },
    remote: { ...base.remote, adds: htlcs.filter((h) => h.direction === 'offered').map(add) },
  };
}

function check(channelType: ChannelType, t: { toLocalMsat: bigint; toRemoteMsat: bigint; feeratePerKw: number; dustLimitSat: bigint; htlcs: readonly VectorHtlc[]; commitTx: string; remoteSig: string; htlcSigs: readonly string[] }): void {
  const c = inputs(channelType, t.dustLimitSat);
  const log = logWith(t.htlcs, t.feeratePerKw);
  const base: CommitmentSpec = { toLocalMsat: t.toLocalMsat, toRemoteMsat: t.toRemoteMsat, feeratePerKw: t.feeratePerKw, htlcs: [] };
  // The stored spec's HTLCs are the log's at that number (what htlc-spec.ts derives).
  const spec = commitmentSpecAt({ log, localCommit: { spec: base } as never, remoteCommit: { spec: base } as never }, 'remote', INDEX);
  expect(spec.htlcs).toHaveLength(t.htlcs.length);
  const commitment = buildRemoteCommitment(c, INDEX, spec, perCommitmentPoint);
  expect(bytesToHex(commitment.txid)).toBe(bytesToHex(Transaction.fromHex(t.commitTx).getHash()));
  expect(der(signRemoteCommitment(commitment, ourKeys))).toBe(t.remoteSig);
  expect(signRemoteHtlcs(commitment, ourKeys).map(der)).toEqual(t.htlcSigs);
}

describe('BOLT 3 Appendix C through the channel layer (static_remotekey)', () => {
  for (const t of appendixC.tests) {
    it(t.name, () => {
      check('static_remotekey', {
        toLocalMsat: BigInt(t.to_local_msat),
        toRemoteMsat: BigInt(t.to_remote_msat),
        feeratePerKw: t.local_feerate_per_kw,
        dustLimitSat: BigInt(common.local_dust_limit_satoshi),
        htlcs: htlcsById(t.htlcs_used_derived ?? []),
        commitTx: t.commit_tx,
        remoteSig: t.remote_signature,
        htlcSigs: (t.htlc_txs ?? []).map((h) => h.remote_htlc_signature),
      });
    });
  }
});

describe('BOLT 3 Appendix F through the channel layer (anchors_zero_fee_htlc_tx)', () => {
  for (const t of anchorVectors.tests) {
    it(t.Name, () => {
      const funding = BigInt(common.funding_amount_satoshi) * 1000n;
      const inFlight = funding - BigInt(t.LocalBalance) - BigInt(t.RemoteBalance);
      const htlcs = !t.UseTestHtlcs ? [] : [[0, 1, 2, 3, 4], [1, 5, 6]].map((ids) => htlcsById(ids)).find((s) => s.reduce((x, h) => x + h.amountMsat, 0n) === inFlight)!;
      check('anchors_zero_fee_htlc_tx', {
        toLocalMsat: BigInt(t.LocalBalance),
        toRemoteMsat: BigInt(t.RemoteBalance),
        feeratePerKw: t.FeePerKw,
        dustLimitSat: BigInt(t.DustLimitSatoshis),
        htlcs,
        commitTx: t.ExpectedCommitmentTxHex,
        remoteSig: t.RemoteSigHex,
        htlcSigs: t.HtlcDescs.map((h) => h.RemoteSigHex),
      });
    });
  }
});
