/**
 * The update log of a funded channel, indexed by commitment number, in the style of Electrum's
 * `lnhtlc.py` HTLCManager: every update (`update_fee`, `update_add_htlc`, `update_fulfill_htlc`, `update_fail_*`) records,
 * for each side, the commitment number (ctn) from which it is part of that side's commitment
 * transaction. The feerate of any commitment, past or future, is then a lookup, and the
 * commitment_signed / revoke_and_ack dance is four small transitions of this log:
 *
 *   send-ctx  (we send commitment_signed)  remote.revackPending = true
 *   recv-ctx  (we get commitment_signed)   local.revackPending = true
 *   send-rev  (we send revoke_and_ack)     local.ctn += 1; the peer's updates now in our latest
 *                                          commitment enter the peer's next one
 *   recv-rev  (we get revoke_and_ack)      remote.ctn += 1; our updates now in the peer's latest
 *                                          commitment enter our next one
 *
 * `ctn` is a side's oldest unrevoked commitment number, `ctnLatest` its newest (one more while a
 * revoke_and_ack is pending). Updates are stored under the side that proposed them: fee updates
 * only ever under the funder (BOLT 2: only the funder sends `update_fee`). The first fee update
 * is the open's feerate, active at commitment 0 on both sides.
 *
 * BOLT 2 "Normal Operation": https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 * Electrum: https://github.com/spesmilo/electrum/blob/master/electrum/lnhtlc.py
 */

/** Us (`local`) or the peer (`remote`). */
export type Side = 'local' | 'remote';

/** The commitment numbers from which an update is in each side's commitment (absent: not yet). */
export interface SideCtns {
  readonly local?: number;
  readonly remote?: number;
}

/** A fee update (`update_fee`, or the open's feerate as the first). */
export interface FeeUpdate {
  readonly feeratePerKw: number;
  readonly ctn: SideCtns;
}

/** BOLT 4: the onion packet an `update_add_htlc` carries is always 1366 bytes. */
export const ONION_ROUTING_PACKET_SIZE = 1366;

/** An `update_add_htlc` in the log (BOLT 2 "Adding an HTLC"), stored under the side that offered it. */
export interface LoggedHtlc {
  readonly id: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** The 1366-byte onion, kept to retransmit our add (ours) or to process the peer's (theirs). */
  readonly onionRoutingPacket: Uint8Array;
  /** Ours only: the node's id for this payment part (`add-htlc` command), ≤ 64 printable ASCII characters. */
  readonly tag?: string;
  readonly ctn: SideCtns;
}

/** How an `update_fail_malformed_htlc` failed an HTLC. */
export interface MalformedFailure {
  readonly failureCode: number;
  readonly sha256OfOnion: Uint8Array;
}

/**
 * An `update_fulfill_htlc` (in `settles`, with its `preimage`) or an `update_fail_htlc` /
 * `update_fail_malformed_htlc` (in `fails`, with `reason` or `malformed`) of HTLC `htlcId`,
 * which the other side offered. Stored under the side that sent it.
 */
export interface LoggedResolution {
  readonly htlcId: bigint;
  readonly ctn: SideCtns;
  readonly preimage?: Uint8Array;
  readonly reason?: Uint8Array;
  readonly malformed?: MalformedFailure;
}

/** What one side proposed, and that side's commitment numbers. */
export interface SideLog {
  /** The side's oldest unrevoked commitment number. */
  readonly ctn: number;
  /** The side received a commitment_signed it has not yet revoked the previous commitment for. */
  readonly revackPending: boolean;
  /** The id the side's next `update_add_htlc` gets. */
  readonly nextHtlcId: bigint;
  readonly adds: readonly LoggedHtlc[];
  readonly settles: readonly LoggedResolution[];
  readonly fails: readonly LoggedResolution[];
  /** Fee updates this side proposed, oldest first (empty for the fundee). */
  readonly feeUpdates: readonly FeeUpdate[];
}

export interface HtlcLog {
  readonly local: SideLog;
  readonly remote: SideLog;
}

const other = (s: Side): Side => (s === 'local' ? 'remote' : 'local');

function emptySide(ctn: number, feeUpdates: readonly FeeUpdate[]): SideLog {
  return { ctn, revackPending: false, nextHtlcId: 0n, adds: [], settles: [], fails: [], feeUpdates };
}

/**
 * A fresh log at the given commitment numbers: no HTLCs, and one fee update (the current
 * feerate) active on both sides, stored under the funder. Also what a version-1 snapshot (which
 * had no log) decodes to.
 */
export function newHtlcLog(isFunder: boolean, localCtn: number, remoteCtn: number, feeratePerKw: number): HtlcLog {
  const initial: FeeUpdate[] = [{ feeratePerKw, ctn: { local: localCtn, remote: remoteCtn } }];
  return isFunder ? { local: emptySide(localCtn, initial), remote: emptySide(remoteCtn, []) } : { local: emptySide(localCtn, []), remote: emptySide(remoteCtn, initial) };
}

/** The side's newest commitment number (one more than `ctn` while its revoke_and_ack is pending). */
export function ctnLatest(log: HtlcLog, side: Side): number {
  return log[side].ctn + (log[side].revackPending ? 1 : 0);
}

/** The side whose log holds the fee updates (the funder). */
export function feeSide(log: HtlcLog): Side {
  return log.local.feeUpdates.length > 0 ? 'local' : 'remote';
}

/** The feerate of `subject`'s commitment number `ctn`: the newest fee update active there. */
export function feerateAt(log: HtlcLog, subject: Side, ctn: number): number {
  const updates = log[feeSide(log)].feeUpdates;
  let rate: number | undefined;
  for (const u of updates) {
    const at = u.ctn[subject];
    if (at !== undefined && at <= ctn) rate = u.feeratePerKw;
  }
  if (rate === undefined) throw new Error(`no fee update is active in the ${subject} commitment ${ctn}`);
  return rate;
}

function withSide(log: HtlcLog, side: Side, patch: Partial<SideLog>): HtlcLog {
  return side === 'local' ? { ...log, local: { ...log.local, ...patch } } : { ...log, remote: { ...log.remote, ...patch } };
}

/**
 * Record a new fee update proposed by `proposer`. Electrum's rule: the last update is replaced
 * when neither side has committed to it yet (BOLT 2: the last `update_fee` received wins),
 * otherwise the new one is appended. The same update again returns `log` itself.
 */
function newFeeUpdate(log: HtlcLog, proposer: Side, update: FeeUpdate): HtlcLog {
  const d = log[proposer].feeUpdates;
  const last = d[d.length - 1];
  if (last === undefined) throw new Error(`fee updates from the ${proposer} side: that side is not the funder`);
  const uncommitted = (s: Side): boolean => last.ctn[s] === undefined || (last.ctn[s] as number) > ctnLatest(log, s);
  const replace = uncommitted('local') && uncommitted('remote');
  if (replace && last.feeratePerKw === update.feeratePerKw && last.ctn.local === update.ctn.local && last.ctn.remote === update.ctn.remote) return log;
  const feeUpdates = replace ? [...d.slice(0, -1), update] : [...d, update];
  return withSide(log, proposer, { feeUpdates });
}

/** We send `update_fee`: it will be in the peer's next commitment. */
export function sendUpdateFee(log: HtlcLog, feeratePerKw: number): HtlcLog {
  return newFeeUpdate(log, 'local', { feeratePerKw, ctn: { remote: ctnLatest(log, 'remote') + 1 } });
}

/** We receive `update_fee`: it will be in our next commitment. */
export function recvUpdateFee(log: HtlcLog, feeratePerKw: number): HtlcLog {
  return newFeeUpdate(log, 'remote', { feeratePerKw, ctn: { local: ctnLatest(log, 'local') + 1 } });
}

/** The side an update proposed by `proposer` reaches next, and at which commitment number. */
function nextCtn(log: HtlcLog, proposer: Side): SideCtns {
  // Ours go into the peer's next commitment first, the peer's into ours (like fee updates).
  return proposer === 'local' ? { remote: ctnLatest(log, 'remote') + 1 } : { local: ctnLatest(log, 'local') + 1 };
}

/** `proposer` adds an HTLC with the next id of its side (BOLT 2: ids increase by 1 from 0). */
export function addHtlc(log: HtlcLog, proposer: Side, htlc: Omit<LoggedHtlc, 'id' | 'ctn'>): HtlcLog {
  const s = log[proposer];
  const add: LoggedHtlc = { ...htlc, id: s.nextHtlcId, ctn: nextCtn(log, proposer) };
  return withSide(log, proposer, { adds: [...s.adds, add], nextHtlcId: s.nextHtlcId + 1n });
}

/** `proposer` fulfills (with the preimage) an HTLC the other side offered. */
export function settleHtlc(log: HtlcLog, proposer: Side, htlcId: bigint, preimage: Uint8Array): HtlcLog {
  const s = log[proposer];
  return withSide(log, proposer, { settles: [...s.settles, { htlcId, preimage, ctn: nextCtn(log, proposer) }] });
}

/** `proposer` fails an HTLC the other side offered (`reason`, or `malformed`). */
export function failHtlc(log: HtlcLog, proposer: Side, htlcId: bigint, how: { reason: Uint8Array } | { malformed: MalformedFailure }): HtlcLog {
  const s = log[proposer];
  return withSide(log, proposer, { fails: [...s.fails, { htlcId, ...how, ctn: nextCtn(log, proposer) }] });
}

/** An update is in both sides' oldest unrevoked commitments: no commitment without it can be broadcast any more. */
export function isIrrevocable(log: HtlcLog, ctn: SideCtns): boolean {
  return ctn.local !== undefined && ctn.local <= log.local.ctn && ctn.remote !== undefined && ctn.remote <= log.remote.ctn;
}

/** The removal (settle or fail, by the other side) of HTLC `id` offered by `offerer`, if any. */
export function removalOf(log: HtlcLog, offerer: Side, id: bigint): { readonly kind: 'settle' | 'fail'; readonly entry: LoggedResolution } | undefined {
  const remover = log[other(offerer)];
  const settle = remover.settles.find((r) => r.htlcId === id);
  if (settle) return { kind: 'settle', entry: settle };
  const fail = remover.fails.find((r) => r.htlcId === id);
  return fail ? { kind: 'fail', entry: fail } : undefined;
}

/** An HTLC whose removal became irrevocable and which left the log. */
export interface ResolvedHtlc {
  readonly offerer: Side;
  readonly add: LoggedHtlc;
  readonly kind: 'settle' | 'fail';
  readonly removal: LoggedResolution;
}

/**
 * Forget HTLCs whose removal is irrevocable (in both sides' oldest unrevoked commitments, which
 * then hold neither the HTLC nor its removal: the balances of those commitments already carry
 * it). Returns the forgotten ones; `log` itself when there are none.
 */
export function pruneResolvedHtlcs(log: HtlcLog): { log: HtlcLog; resolved: ResolvedHtlc[] } {
  const resolved: ResolvedHtlc[] = [];
  for (const offerer of ['local', 'remote'] as const) {
    for (const add of log[offerer].adds) {
      const r = removalOf(log, offerer, add.id);
      if (r && isIrrevocable(log, r.entry.ctn)) resolved.push({ offerer, add, kind: r.kind, removal: r.entry });
    }
  }
  if (resolved.length === 0) return { log, resolved };
  const gone = (side: Side): Set<bigint> => new Set(resolved.filter((x) => x.offerer === side).map((x) => x.add.id));
  const prune = (offerer: Side, s: SideLog, removedByThisSide: Set<bigint>): SideLog => ({
    ...s,
    adds: s.adds.filter((a) => !gone(offerer).has(a.id)),
    settles: s.settles.filter((r) => !removedByThisSide.has(r.htlcId)),
    fails: s.fails.filter((r) => !removedByThisSide.has(r.htlcId)),
  });
  return { log: { local: prune('local', log.local, gone('remote')), remote: prune('remote', log.remote, gone('local')) }, resolved };
}

/** We send commitment_signed for the peer's next commitment (ctnLatest(remote) + 1). */
export function sendCtx(log: HtlcLog): HtlcLog {
  if (log.remote.revackPending) throw new Error('cannot sign a new remote commitment while its revoke_and_ack is pending');
  return withSide(log, 'remote', { revackPending: true });
}

/** We receive commitment_signed for our next commitment. */
export function recvCtx(log: HtlcLog): HtlcLog {
  if (log.local.revackPending) throw new Error('received commitment_signed before revoking the previous local commitment');
  return withSide(log, 'local', { revackPending: true });
}

/** Apply `f` to every update that `proposer` made (fee updates now; adds, settles, fails next). */
function mapUpdates(log: HtlcLog, proposer: Side, f: (ctn: SideCtns) => SideCtns): HtlcLog {
  const s = log[proposer];
  return withSide(log, proposer, {
    feeUpdates: s.feeUpdates.map((u) => ({ ...u, ctn: f(u.ctn) })),
    adds: s.adds.map((u) => ({ ...u, ctn: f(u.ctn) })),
    settles: s.settles.map((u) => ({ ...u, ctn: f(u.ctn) })),
    fails: s.fails.map((u) => ({ ...u, ctn: f(u.ctn) })),
  });
}

/**
 * `receiver` revokes its previous commitment: its ctn moves on, and the updates of the other
 * side that are in `receiver`'s latest commitment are now acknowledged, so they enter the other
 * side's next commitment.
 */
function revoke(log: HtlcLog, receiver: Side): HtlcLog {
  const s = log[receiver];
  if (!s.revackPending) throw new Error(`no ${receiver} commitment is waiting for a revocation`);
  const moved = withSide(log, receiver, { ctn: s.ctn + 1, revackPending: false });
  const proposer = other(receiver);
  const latest = ctnLatest(moved, receiver);
  const next = ctnLatest(moved, proposer) + 1;
  return mapUpdates(moved, proposer, (ctn) => {
    const inReceiver = ctn[receiver];
    if (ctn[proposer] === undefined && inReceiver !== undefined && inReceiver <= latest) return { ...ctn, [proposer]: next };
    return ctn;
  });
}

/** We send revoke_and_ack. */
export function sendRev(log: HtlcLog): HtlcLog {
  return revoke(log, 'local');
}

/** We receive revoke_and_ack. */
export function recvRev(log: HtlcLog): HtlcLog {
  return revoke(log, 'remote');
}

/** Something would change in the peer's next commitment: we owe it a commitment_signed. */
export function remoteHasChanges(log: HtlcLog): boolean {
  const next = ctnLatest(log, 'remote') + 1;
  const hits = (u: { ctn: SideCtns }): boolean => u.ctn.remote === next;
  for (const side of ['local', 'remote'] as const) {
    const s = log[side];
    if (s.feeUpdates.some(hits) || s.adds.some(hits) || s.settles.some(hits) || s.fails.some(hits)) return true;
  }
  return false;
}

/** Something would change in our next commitment (what the peer's next commitment_signed covers). */
export function localHasChanges(log: HtlcLog): boolean {
  const next = ctnLatest(log, 'local') + 1;
  const hits = (u: { ctn: SideCtns }): boolean => u.ctn.local === next;
  for (const side of ['local', 'remote'] as const) {
    const s = log[side];
    if (s.feeUpdates.some(hits) || s.adds.some(hits) || s.settles.some(hits) || s.fails.some(hits)) return true;
  }
  return false;
}

/** Our fee update first signed into the peer's commitment `ctn` (what a retransmitted commitment_signed must be preceded by). */
export function ourFeeUpdateSignedAt(log: HtlcLog, remoteCtn: number): FeeUpdate | undefined {
  return log.local.feeUpdates.find((u) => u.ctn.remote === remoteCtn && u.ctn.local === undefined);
}

/** Our update in no remote commitment we signed up to `lastSignedRemoteCtn` (the peer forgets it on reconnection). */
function unsignedOurs(ctn: SideCtns, lastSignedRemoteCtn: number): boolean {
  return ctn.local === undefined && !(ctn.remote !== undefined && ctn.remote <= lastSignedRemoteCtn);
}

/** Our adds that no commitment_signed we sent covers (dropped on reconnection). */
export function unsignedLocalAdds(log: HtlcLog, lastSignedRemoteCtn: number): LoggedHtlc[] {
  return log.local.adds.filter((a) => unsignedOurs(a.ctn, lastSignedRemoteCtn));
}

/** Our settles and fails that no commitment_signed we sent covers: re-sent after channel_reestablish (they were kept). */
export function unsignedLocalResolutions(log: HtlcLog, lastSignedRemoteCtn: number): { settles: LoggedResolution[]; fails: LoggedResolution[] } {
  return {
    settles: log.local.settles.filter((r) => unsignedOurs(r.ctn, lastSignedRemoteCtn)),
    fails: log.local.fails.filter((r) => unsignedOurs(r.ctn, lastSignedRemoteCtn)),
  };
}

/** Our updates signed first into the peer's pending commitment `remoteCtn` (what a retransmitted commitment_signed must be preceded by). */
export function ourUpdatesSignedAt(log: HtlcLog, remoteCtn: number): { adds: LoggedHtlc[]; settles: LoggedResolution[]; fails: LoggedResolution[] } {
  const at = (u: { ctn: SideCtns }): boolean => u.ctn.remote === remoteCtn && u.ctn.local === undefined;
  return { adds: log.local.adds.filter(at), settles: log.local.settles.filter(at), fails: log.local.fails.filter(at) };
}

/**
 * BOLT 2 "Message Retransmission": on reconnection, updates not covered by a commitment_signed
 * that was sent are forgotten by both sides. Ours: in no remote commitment we signed
 * (`lastSignedRemoteCtn`); the peer's: in no local commitment it signed for us. Our unsigned
 * fulfills and fails are kept (we re-send them after channel_reestablish: an HTLC we already
 * claimed must stay claimed); our unsigned adds and fee updates are dropped (the node is told,
 * see `unsignedLocalAdds`). Returns `log` itself when nothing is dropped.
 */
export function dropUnsignedUpdates(log: HtlcLog, lastSignedRemoteCtn: number): HtlcLog {
  const localLatest = ctnLatest(log, 'local');
  const keepOurs = (ctn: SideCtns): boolean => !unsignedOurs(ctn, lastSignedRemoteCtn);
  const keepTheirs = (ctn: SideCtns): boolean => ctn.remote !== undefined || (ctn.local !== undefined && ctn.local <= localLatest);
  const prune = (s: SideLog, keep: (ctn: SideCtns) => boolean, keepResolutions: boolean): SideLog => {
    const all = [...s.feeUpdates.slice(1), ...s.adds, ...(keepResolutions ? [] : [...s.settles, ...s.fails])];
    if (all.every((u) => keep(u.ctn))) return s;
    const adds = s.adds.filter((u) => keep(u.ctn));
    const dropped = s.adds.filter((u) => !keep(u.ctn));
    return {
      ...s,
      feeUpdates: s.feeUpdates.filter((u, i) => i === 0 || keep(u.ctn)),
      adds,
      settles: keepResolutions ? s.settles : s.settles.filter((u) => keep(u.ctn)),
      fails: keepResolutions ? s.fails : s.fails.filter((u) => keep(u.ctn)),
      // Forgotten adds give their ids back (they were the newest ones).
      nextHtlcId: dropped.reduce((min, u) => (u.id < min ? u.id : min), s.nextHtlcId),
    };
  };
  const local = prune(log.local, keepOurs, true);
  const remote = prune(log.remote, keepTheirs, false);
  return local === log.local && remote === log.remote ? log : { local, remote };
}

/**
 * Forget fee updates superseded on both sides' oldest unrevoked commitments (only the newest fee
 * update active on both is still needed), so the log stays small over a channel's life.
 */
export function pruneFeeUpdates(log: HtlcLog): HtlcLog {
  const side = feeSide(log);
  const updates = log[side].feeUpdates;
  let lastSettled = -1;
  updates.forEach((u, i) => {
    if (u.ctn.local !== undefined && u.ctn.local <= log.local.ctn && u.ctn.remote !== undefined && u.ctn.remote <= log.remote.ctn) lastSettled = i;
  });
  if (lastSettled <= 0) return log;
  return withSide(log, side, { feeUpdates: updates.slice(lastSettled) });
}

/** The log is consistent with the commitment numbers it will be stored beside; a reason or undefined. */
export function checkLog(log: HtlcLog, localIndex: number, remoteIndex: number, remoteRevackPending: boolean): string | undefined {
  if (log.local.ctn !== localIndex) return `log.local.ctn ${log.local.ctn} differs from localCommit.index ${localIndex}`;
  if (log.remote.ctn !== remoteIndex) return `log.remote.ctn ${log.remote.ctn} differs from remoteCommit.index ${remoteIndex}`;
  if (log.local.revackPending) return 'log.local.revackPending: a stored state never holds an unrevoked previous local commitment';
  if (log.remote.revackPending !== remoteRevackPending) return 'log.remote.revackPending does not match the pending remote commitment';
  const funders = (log.local.feeUpdates.length > 0 ? 1 : 0) + (log.remote.feeUpdates.length > 0 ? 1 : 0);
  if (funders !== 1) return 'log: exactly one side (the funder) must hold fee updates';
  const first = log[feeSide(log)].feeUpdates[0] as FeeUpdate;
  if (first.ctn.local === undefined || first.ctn.remote === undefined) return 'log: the first fee update must be active on both sides';
  return checkHtlcs(log);
}

/** Each side's add ids are distinct and below its next id; each removal names one add of the other side, at most once. */
function checkHtlcs(log: HtlcLog): string | undefined {
  for (const side of ['local', 'remote'] as const) {
    const s = log[side];
    const ids = new Set<bigint>();
    for (const a of s.adds) {
      if (ids.has(a.id) || a.id >= s.nextHtlcId) return `log.${side}.adds: id ${a.id} repeated or not below nextHtlcId ${s.nextHtlcId}`;
      ids.add(a.id);
    }
    const offered = new Set(log[other(side)].adds.map((a) => a.id));
    const removed = new Set<bigint>();
    for (const r of [...s.settles, ...s.fails]) {
      if (!offered.has(r.htlcId) || removed.has(r.htlcId)) return `log.${side}: the removal of HTLC ${r.htlcId} names no pending HTLC of the other side, or repeats`;
      removed.add(r.htlcId);
    }
    if (s.settles.some((r) => r.preimage?.length !== 32)) return `log.${side}.settles: a fulfill without its 32-byte preimage`;
    if (s.fails.some((r) => (r.reason === undefined) === (r.malformed === undefined))) return `log.${side}.fails: a fail needs exactly one of reason and malformed`;
  }
  return undefined;
}
