/**
 * BOLT 5 "Revoked Transaction Close Handling", the channel's side of it: what to keep of each
 * commitment the peer revokes (its untrimmed HTLCs, bolt5/revoked.ts record), and the
 * commitment number a funding spend carries, so the node can hand the matching record back
 * with `funding-spent` (`revokedRecord`).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import type { PersistRevokedAction } from './actions.ts';
import { trimHtlcs } from './bolt3/fees.ts';
import { commitmentNumberFromLocks, obscuringFactor } from './bolt3/commitment-number.ts';
import { encodeRevokedCommitment } from './bolt5/revoked.ts';
import type { ChannelState, Commitments } from './types.ts';

/** BOLT 3 obscuring factor: from the opener's then the accepter's `payment_basepoint`. */
export function obscuringFactorOf(c: Pick<Commitments, 'isFunder' | 'localParams' | 'remoteParams'>): bigint {
  const local = c.localParams.paymentBasepoint;
  const remote = c.remoteParams.paymentBasepoint;
  return c.isFunder ? obscuringFactor(local, remote) : obscuringFactor(remote, local);
}

/**
 * `persist-revoked` for the peer's commitment `c.remoteCommit` that its `revoke_and_ack` is
 * revoking, when that commitment has at least one untrimmed HTLC output (BOLT 3 "Trimmed
 * Outputs", with the peer's dust limit: the peer is its owner). Without HTLC outputs a breach is
 * fully punished from the keys alone (to_local and to_remote), so nothing is kept.
 */
export function revokedRecordAction(c: Commitments): PersistRevokedAction | undefined {
  const spec = c.remoteCommit.spec;
  if (spec.htlcs.length === 0) return undefined;
  const { untrimmed } = trimHtlcs(spec.htlcs, c.remoteParams.dustLimitSat, spec.feeratePerKw, c.channelType);
  if (untrimmed.length === 0) return undefined;
  const record = encodeRevokedCommitment({
    commitmentNumber: c.remoteCommit.index,
    htlcs: untrimmed.map((h) => ({ direction: h.direction, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry })),
  });
  return { type: 'persist-revoked', channelId: c.channelId, commitmentNumber: c.remoteCommit.index, record };
}

/**
 * The commitment number encoded in a funding spend's locktime and sequence (BOLT 3, obscured by
 * the channel's factor); undefined when the state has no commitments, the transaction does not
 * decode, is no single-input transaction, or its locks encode no commitment number.
 */
export function commitmentNumberOfSpend(state: ChannelState, rawTx: Uint8Array): number | undefined {
  if (!('commitments' in state)) return undefined;
  const c = state.commitments;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(rawTx);
  } catch {
    return undefined;
  }
  const input = tx.ins[0];
  if (tx.ins.length !== 1 || input === undefined) return undefined;
  return commitmentNumberFromLocks(tx.locktime >>> 0, input.sequence >>> 0, obscuringFactorOf(c));
}
