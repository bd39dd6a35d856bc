/**
 * Commitment specs from the update log (htlc-log.ts): the HTLC set, balances and feerate of any
 * side's commitment number, and the HTLC views the node reads.
 *
 * An add is in commitment (side, n) iff add.ctn[side] ≤ n and its removal's ctn[side] is not
 * ≤ n. Balances start from the side's oldest unrevoked commitment (`localCommit.spec` /
 * `remoteCommit.spec`, at `log[side].ctn`) and move by what entered between it and `n`: an add
 * takes its amount from the offerer, a fulfill gives it to the receiver, a fail returns it to
 * the offerer (BOLT 2 "Normal Operation", Electrum lnhtlc.py `get_balance_msat`).
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 */
import { type HtlcLog, type LoggedHtlc, type Side, feerateAt, isIrrevocable, removalOf } from './htlc-log.ts';
import type { CommitmentSpec, Commitments, SpecHtlc } from './types.ts';

const SIDES = ['local', 'remote'] as const;
const other = (s: Side): Side => (s === 'local' ? 'remote' : 'local');
const within = (at: number | undefined, from: number, to: number): boolean => at !== undefined && at > from && at <= to;

/** The HTLCs of `subject`'s commitment `n`, from its owner's point of view (owner-offered first, each by id). */
export function htlcsAt(log: HtlcLog, subject: Side, n: number): SpecHtlc[] {
  const out: SpecHtlc[] = [];
  for (const offerer of [subject, other(subject)]) {
    for (const a of log[offerer].adds) {
      const added = a.ctn[subject];
      if (added === undefined || added > n) continue;
      const removed = removalOf(log, offerer, a.id)?.entry.ctn[subject];
      if (removed !== undefined && removed <= n) continue;
      out.push({ id: a.id, direction: offerer === subject ? 'offered' : 'received', amountMsat: a.amountMsat, paymentHash: a.paymentHash, cltvExpiry: a.cltvExpiry });
    }
  }
  return out.sort((x, y) => (x.direction === y.direction ? (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) : x.direction === 'offered' ? -1 : 1));
}

/**
 * The spec of `subject`'s commitment `n` (at or after its oldest unrevoked one), given that
 * side's spec at `log[subject].ctn`.
 */
export function specAt(log: HtlcLog, subject: Side, n: number, base: CommitmentSpec): CommitmentSpec {
  const from = log[subject].ctn;
  if (n < from) throw new Error(`the ${subject} commitment ${n} is revoked (oldest unrevoked: ${from})`);
  // Balances by party (us = 'local'), moved by the updates that entered after `from`.
  const bal: Record<Side, bigint> = subject === 'local' ? { local: base.toLocalMsat, remote: base.toRemoteMsat } : { local: base.toRemoteMsat, remote: base.toLocalMsat };
  for (const offerer of SIDES) {
    for (const a of log[offerer].adds) if (within(a.ctn[subject], from, n)) bal[offerer] -= a.amountMsat;
    const amountOf = (id: bigint): bigint => {
      const add = log[offerer].adds.find((x) => x.id === id);
      if (!add) throw new Error(`a removal of HTLC ${id} offered by the ${offerer} side, which the log does not hold`);
      return add.amountMsat;
    };
    const remover = other(offerer);
    for (const r of log[remover].settles) if (within(r.ctn[subject], from, n)) bal[remover] += amountOf(r.htlcId);
    for (const r of log[remover].fails) if (within(r.ctn[subject], from, n)) bal[offerer] += amountOf(r.htlcId);
  }
  const owner = subject;
  return { toLocalMsat: bal[owner], toRemoteMsat: bal[other(owner)], feeratePerKw: feerateAt(log, subject, n), htlcs: htlcsAt(log, subject, n) };
}

/** The spec of `subject`'s commitment `n`, from the channel's stored base specs. */
export function commitmentSpecAt(c: Pick<Commitments, 'log' | 'localCommit' | 'remoteCommit'>, subject: Side, n: number): CommitmentSpec {
  return specAt(c.log, subject, n, subject === 'local' ? c.localCommit.spec : c.remoteCommit.spec);
}

/** An HTLC of the channel as the node sees it (engine/channel/index.ts contract). */
export interface HtlcView {
  readonly direction: 'incoming' | 'outgoing';
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly tag?: string;
  /** Incoming only. */
  readonly onionRoutingPacket?: Uint8Array;
  /**
   * `adding`: not yet irrevocably committed; `committed`: in both sides' commitments, previous
   * ones revoked, not being removed; `fulfilling` / `failing`: a removal was sent or received.
   */
  readonly state: 'adding' | 'committed' | 'fulfilling' | 'failing';
  /** Known once fulfilled (by us for incoming, by the peer for outgoing). */
  readonly preimage?: Uint8Array;
}

function viewOf(log: HtlcLog, offerer: Side, a: LoggedHtlc): HtlcView {
  const removal = removalOf(log, offerer, a.id);
  const state = removal ? (removal.kind === 'settle' ? 'fulfilling' : 'failing') : isIrrevocable(log, a.ctn) ? 'committed' : 'adding';
  return {
    direction: offerer === 'local' ? 'outgoing' : 'incoming',
    htlcId: a.id,
    amountMsat: a.amountMsat,
    paymentHash: a.paymentHash,
    cltvExpiry: a.cltvExpiry,
    ...(a.tag !== undefined ? { tag: a.tag } : {}),
    ...(offerer === 'remote' ? { onionRoutingPacket: a.onionRoutingPacket } : {}),
    state,
    ...(removal?.entry.preimage !== undefined ? { preimage: removal.entry.preimage } : {}),
  };
}

/** Every HTLC of the log (not yet fully removed): outgoing first, each by id. */
export function htlcViews(log: HtlcLog): HtlcView[] {
  return [...log.local.adds.map((a) => viewOf(log, 'local', a)), ...log.remote.adds.map((a) => viewOf(log, 'remote', a))];
}

/** The peer's HTLCs that are irrevocably committed and that we have neither fulfilled nor failed. */
export function pendingIncomingOf(log: HtlcLog): HtlcView[] {
  return log.remote.adds.filter((a) => isIrrevocable(log, a.ctn) && removalOf(log, 'remote', a.id) === undefined).map((a) => viewOf(log, 'remote', a));
}

/** The peer's adds irrevocably committed in `after` but not in `before` (each is reported once: `htlc-received`). */
export function newlyCommittedIncoming(before: HtlcLog, after: HtlcLog): LoggedHtlc[] {
  const was = new Set(before.remote.adds.filter((a) => isIrrevocable(before, a.ctn)).map((a) => a.id));
  return after.remote.adds.filter((a) => isIrrevocable(after, a.ctn) && !was.has(a.id));
}
