/**
 * The update log (engine/channel/htlc-log.ts) on its own: which commitment each fee update is in,
 * for each side, through send/recv of update_fee, commitment_signed and revoke_and_ack (BOLT 2
 * "Normal Operation"), the replace-if-uncommitted rule, dropping unsigned updates on
 * reconnection, pruning, and the consistency check the codec relies on.
 */
import { describe, expect, it } from 'vitest';
import {
  type HtlcLog,
  addHtlc,
  checkLog,
  failHtlc,
  settleHtlc,
  ctnLatest,
  dropUnsignedUpdates,
  feerateAt,
  localHasChanges,
  newHtlcLog,
  pruneFeeUpdates,
  recvCtx,
  recvRev,
  recvUpdateFee,
  remoteHasChanges,
  sendCtx,
  sendRev,
  sendUpdateFee,
} from '../../../engine/channel/htlc-log.ts';

describe('fee updates through the dance, funder side (we send update_fee)', () => {
  it('enters the remote commitment at once, ours after the revocation, both after the peer signs', () => {
    let log: HtlcLog = newHtlcLog(true, 0, 0, 1000);
    log = sendUpdateFee(log, 2000);
    expect(remoteHasChanges(log)).toBe(true);
    expect(feerateAt(log, 'remote', 1)).toBe(2000);
    expect(feerateAt(log, 'local', 1)).toBe(1000);
    log = sendCtx(log);
    expect(ctnLatest(log, 'remote')).toBe(1);
    expect(remoteHasChanges(log)).toBe(false);
    log = recvRev(log);
    expect(log.remote).toMatchObject({ ctn: 1, revackPending: false });
    expect(log.local.feeUpdates.at(-1)).toEqual({ feeratePerKw: 2000, ctn: { remote: 1, local: 1 } });
    expect(localHasChanges(log)).toBe(true);
    log = sendRev(recvCtx(log));
    expect(log.local.ctn).toBe(1);
    expect(feerateAt(log, 'local', 1)).toBe(2000);
    expect(feerateAt(log, 'local', 0)).toBe(1000);
    expect(localHasChanges(log) || remoteHasChanges(log)).toBe(false);
    expect(pruneFeeUpdates(log).local.feeUpdates).toEqual([{ feeratePerKw: 2000, ctn: { remote: 1, local: 1 } }]);
    expect(checkLog(log, 1, 1, false)).toBeUndefined();
  });
});

describe('fee updates through the dance, fundee side (we receive update_fee)', () => {
  it('enters our next commitment, the peer\'s once we revoke', () => {
    let log: HtlcLog = newHtlcLog(false, 0, 0, 1000);
    log = recvUpdateFee(log, 3000);
    expect(localHasChanges(log)).toBe(true);
    log = sendRev(recvCtx(log));
    expect(log.remote.feeUpdates.at(-1)).toEqual({ feeratePerKw: 3000, ctn: { local: 1, remote: 1 } });
    expect(remoteHasChanges(log)).toBe(true); // we owe the peer a commitment_signed
    log = recvRev(sendCtx(log));
    expect(feerateAt(log, 'remote', 1)).toBe(3000);
    expect(remoteHasChanges(log)).toBe(false);
  });
});

describe('replace if uncommitted (BOLT 2: the last update_fee wins)', () => {
  it('replaces an update nobody signed, appends after one was signed, and is a no-op for the same update', () => {
    let log = sendUpdateFee(newHtlcLog(true, 0, 0, 1000), 2000);
    log = sendUpdateFee(log, 2500);
    expect(log.local.feeUpdates.map((u) => u.feeratePerKw)).toEqual([1000, 2500]);
    expect(sendUpdateFee(log, 2500)).toBe(log);
    log = sendUpdateFee(sendCtx(log), 3000);
    expect(log.local.feeUpdates.map((u) => u.feeratePerKw)).toEqual([1000, 2500, 3000]);
    expect(log.local.feeUpdates.at(-1)!.ctn).toEqual({ remote: 2 });
  });
});

describe('dropUnsignedUpdates (reconnection)', () => {
  it('drops ours no commitment_signed covered and the peer\'s it never signed; keeps signed ones; same log when nothing drops', () => {
    const ours = sendUpdateFee(sendCtx(sendUpdateFee(newHtlcLog(true, 0, 0, 1000), 2000)), 3000);
    const dropped = dropUnsignedUpdates(ours, 1);
    expect(dropped.local.feeUpdates.map((u) => u.feeratePerKw)).toEqual([1000, 2000]);
    expect(dropUnsignedUpdates(dropped, 1)).toBe(dropped);
    const theirs = recvUpdateFee(newHtlcLog(false, 0, 0, 1000), 4000);
    expect(dropUnsignedUpdates(theirs, 0).remote.feeUpdates.map((u) => u.feeratePerKw)).toEqual([1000]);
  });
});

describe('checkLog', () => {
  it('names what is inconsistent with the commitments', () => {
    const log = newHtlcLog(true, 3, 4, 1000);
    expect(checkLog(log, 3, 4, false)).toBeUndefined();
    expect(checkLog(log, 2, 4, false)).toMatch(/log.local.ctn/);
    expect(checkLog(log, 3, 5, false)).toMatch(/log.remote.ctn/);
    expect(checkLog(log, 3, 4, true)).toMatch(/revackPending/);
    expect(checkLog({ ...log, remote: { ...log.remote, feeUpdates: log.local.feeUpdates } }, 3, 4, false)).toMatch(/exactly one side/);
    expect(checkLog(recvCtx(log), 3, 4, false)).toMatch(/log.local.revackPending/);
    expect(() => feerateAt(newHtlcLog(true, 3, 3, 1000), 'local', 2)).toThrow(/no fee update/);
  });

  it('names inconsistent HTLCs: repeated or too high ids, removals of unknown HTLCs or twice, a fulfill without preimage', () => {
    const h = { amountMsat: 1000n, paymentHash: new Uint8Array(32), cltvExpiry: 9, onionRoutingPacket: new Uint8Array(1366) };
    const log = addHtlc(addHtlc(newHtlcLog(true, 0, 0, 1000), 'local', h), 'local', h);
    expect(checkLog(log, 0, 0, false)).toBeUndefined();
    expect(checkLog({ ...log, local: { ...log.local, nextHtlcId: 1n } }, 0, 0, false)).toMatch(/not below nextHtlcId/);
    expect(checkLog(settleHtlc(log, 'remote', 5n, new Uint8Array(32)), 0, 0, false)).toMatch(/names no pending HTLC/);
    expect(checkLog(failHtlc(settleHtlc(log, 'remote', 1n, new Uint8Array(32)), 'remote', 1n, { reason: Uint8Array.of(1) }), 0, 0, false)).toMatch(/or repeats/);
    expect(checkLog(settleHtlc(log, 'remote', 1n, new Uint8Array(31)), 0, 0, false)).toMatch(/preimage/);
  });
});
