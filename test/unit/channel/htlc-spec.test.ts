/**
 * HTLCs in the update log on their own (engine/channel/htlc-log.ts, htlc-spec.ts): at which
 * commitment number of each side an add and its removal are, the spec (balances, HTLC set) of
 * any commitment number, irrevocability, pruning, and what a reconnection keeps (BOLT 2 "Normal
 * Operation", "Message Retransmission").
 */
import { describe, expect, it } from 'vitest';
import {
  type HtlcLog,
  addHtlc,
  dropUnsignedUpdates,
  failHtlc,
  isIrrevocable,
  newHtlcLog,
  pruneResolvedHtlcs,
  recvCtx,
  recvRev,
  sendCtx,
  sendRev,
  settleHtlc,
  unsignedLocalAdds,
  unsignedLocalResolutions,
} from '../../../engine/channel/htlc-log.ts';
import { htlcViews, newlyCommittedIncoming, pendingIncomingOf, specAt } from '../../../engine/channel/htlc-spec.ts';
import type { CommitmentSpec } from '../../../engine/channel/types.ts';

const H = { paymentHash: new Uint8Array(32).fill(1), cltvExpiry: 900, onionRoutingPacket: new Uint8Array(1366) };
const BASE: CommitmentSpec = { toLocalMsat: 700_000n, toRemoteMsat: 300_000n, feeratePerKw: 1000, htlcs: [] };
const MIRROR: CommitmentSpec = { toLocalMsat: 300_000n, toRemoteMsat: 700_000n, feeratePerKw: 1000, htlcs: [] };

/** Our commitment 1 once our 50 000 msat add is in it (the base spec while log.local.ctn is 1). */
const AFTER_ADD: CommitmentSpec = { toLocalMsat: 650_000n, toRemoteMsat: 300_000n, feeratePerKw: 1000, htlcs: [] };

/** A full round: we sign, they revoke, they sign, we revoke. */
function ourRound(log: HtlcLog): HtlcLog {
  return sendRev(recvCtx(recvRev(sendCtx(log))));
}

describe('an add of ours through the dance', () => {
  it('is in the peer\'s next commitment at once, in ours after its revocation; balances move at each', () => {
    let log = addHtlc(newHtlcLog(true, 0, 0, 1000), 'local', { amountMsat: 50_000n, ...H, tag: 't' });
    expect(log.local.adds[0]).toMatchObject({ id: 0n, ctn: { remote: 1 } });
    expect(log.local.nextHtlcId).toBe(1n);
    // In the peer's commitment 1 (its view: the HTLC is received, our balance is its toRemote).
    expect(specAt(log, 'remote', 1, MIRROR)).toEqual({ toLocalMsat: 300_000n, toRemoteMsat: 650_000n, feeratePerKw: 1000, htlcs: [{ id: 0n, direction: 'received', amountMsat: 50_000n, paymentHash: H.paymentHash, cltvExpiry: 900 }] });
    expect(specAt(log, 'local', 1, BASE).htlcs).toEqual([]);
    log = recvRev(sendCtx(log));
    expect(log.local.adds[0]!.ctn).toEqual({ remote: 1, local: 1 });
    expect(isIrrevocable(log, log.local.adds[0]!.ctn)).toBe(false);
    expect(htlcViews(log)[0]).toMatchObject({ direction: 'outgoing', state: 'adding', tag: 't' });
    // Our commitment 1, from our commitment 0 (the base while log.local.ctn is 0).
    expect(specAt(log, 'local', 1, BASE)).toMatchObject({ toLocalMsat: 650_000n, toRemoteMsat: 300_000n, htlcs: [{ id: 0n, direction: 'offered' }] });
    log = sendRev(recvCtx(log));
    expect(isIrrevocable(log, log.local.adds[0]!.ctn)).toBe(true);
    expect(() => specAt(log, 'local', 0, BASE)).toThrow(/revoked/);
    expect(htlcViews(log)[0]).toMatchObject({ state: 'committed' });
  });

  it('fulfilled by the peer: the amount goes to the peer at the commitment the settle enters; pruned once irrevocable', () => {
    let log = ourRound(addHtlc(newHtlcLog(true, 0, 0, 1000), 'local', { amountMsat: 50_000n, ...H }));
    // The peer settles: it is in our next commitment (2) first.
    log = settleHtlc(log, 'remote', 0n, new Uint8Array(32).fill(7));
    expect(log.remote.settles[0]!.ctn).toEqual({ local: 2 });
    expect(htlcViews(log)[0]).toMatchObject({ state: 'fulfilling', preimage: new Uint8Array(32).fill(7) });
    expect(specAt(log, 'local', 1, AFTER_ADD)).toMatchObject({ toLocalMsat: 650_000n, toRemoteMsat: 300_000n, htlcs: [{ id: 0n }] });
    expect(specAt(log, 'local', 2, AFTER_ADD)).toMatchObject({ toLocalMsat: 650_000n, toRemoteMsat: 350_000n, htlcs: [] });
    log = sendRev(recvCtx(log)); // the peer signs our 2, we revoke 1
    expect(pruneResolvedHtlcs(log).resolved).toEqual([]); // not yet in the peer's commitment
    log = recvRev(sendCtx(log));
    const { log: pruned, resolved } = pruneResolvedHtlcs(log);
    expect(resolved).toEqual([expect.objectContaining({ offerer: 'local', kind: 'settle' })]);
    expect(pruned.local.adds).toEqual([]);
    expect(pruned.remote.settles).toEqual([]);
  });

  it('failed by the peer: the amount comes back', () => {
    let log = ourRound(addHtlc(newHtlcLog(true, 0, 0, 1000), 'local', { amountMsat: 50_000n, ...H }));
    log = failHtlc(log, 'remote', 0n, { reason: Uint8Array.of(1) });
    expect(specAt(log, 'local', 2, AFTER_ADD)).toMatchObject({ toLocalMsat: 700_000n, toRemoteMsat: 300_000n, htlcs: [] });
  });
});

describe('the peer\'s add', () => {
  it('is reported once when irrevocably committed, then pending until we resolve it', () => {
    let log = addHtlc(newHtlcLog(false, 0, 0, 1000), 'remote', { amountMsat: 20_000n, ...H });
    expect(log.remote.adds[0]!.ctn).toEqual({ local: 1 });
    const steps: HtlcLog[] = [log];
    log = sendRev(recvCtx(log));
    steps.push(log);
    log = recvRev(sendCtx(log));
    steps.push(log);
    const reported = steps.slice(1).map((s, i) => newlyCommittedIncoming(steps[i]!, s).length);
    expect(reported).toEqual([0, 1]);
    expect(pendingIncomingOf(log).map((h) => h.htlcId)).toEqual([0n]);
    log = settleHtlc(log, 'local', 0n, new Uint8Array(32));
    expect(pendingIncomingOf(log)).toEqual([]);
  });
});

describe('reconnection', () => {
  it('drops our unsigned add (its id comes back), keeps our unsigned fulfill', () => {
    let log = ourRound(addHtlc(newHtlcLog(false, 0, 0, 1000), 'remote', { amountMsat: 20_000n, ...H }));
    log = recvRev(sendCtx(sendRev(recvCtx(log)))); // now irrevocable on both
    log = sendCtx(addHtlc(log, 'local', { amountMsat: 1_000n, ...H })); // signed: remote 2, waiting for the revocation
    log = settleHtlc(addHtlc(log, 'local', { amountMsat: 2_000n, ...H }), 'local', 0n, new Uint8Array(32)); // unsigned
    const lastSigned = log.remote.ctn + 1;
    expect(unsignedLocalAdds(log, lastSigned).map((a) => a.id)).toEqual([1n]);
    expect(unsignedLocalResolutions(log, lastSigned).settles.map((r) => r.htlcId)).toEqual([0n]);
    const dropped = dropUnsignedUpdates(log, lastSigned);
    expect(dropped.local.adds.map((a) => a.id)).toEqual([0n]);
    expect(dropped.local.nextHtlcId).toBe(1n);
    expect(dropped.local.settles).toHaveLength(1);
  });
});
