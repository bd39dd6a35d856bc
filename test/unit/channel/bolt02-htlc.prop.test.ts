/**
 * The property test (BOLT 2 "Normal Operation"): random sequences of HTLC adds (some
 * dust) both ways, fulfills, fails and malformed fails of committed incoming HTLCs, the funder's
 * fee updates, deliveries in random interleavings of the two directions, and disconnections
 * that lose any suffix of the messages in flight, with or without a restart from the persisted
 * snapshots. The pair harness checks the persistence barrier and the codec on every batch.
 *   - after every step, wherever both sides hold the same commitment number, A's local
 *     commitment is B's remote one (same txid) and vice versa;
 *   - neither side fails the channel or hits an internal error;
 *   - after a final reconnection, delivery and fulfilling of whatever is left, both are in sync
 *     with no HTLC left, and each balance moved by exactly the HTLCs fulfilled each way
 *     (to_local + to_remote + HTLCs = funding on every commitment is the codec's check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import { pendingIncomingHtlcs } from '../../../engine/channel/index.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

type Op =
  | { op: 'add'; side: SideName; amountMsat: bigint }
  | { op: 'resolve'; side: SideName; pick: number; how: 'fulfill' | 'fail' | 'malformed' }
  | { op: 'fee'; rate: number }
  | { op: 'deliver'; to: SideName }
  | { op: 'disconnect'; keep: number; restart: boolean };

const side = fc.constantFrom<SideName>('A', 'B');
const ops: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), side, amountMsat: fc.oneof(fc.bigInt({ min: 1_000n, max: 600_000n }), fc.bigInt({ min: 1_000_000n, max: 40_000_000n })) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('resolve' as const), side, pick: fc.nat({ max: 7 }), how: fc.constantFrom('fulfill' as const, 'fulfill' as const, 'fail' as const, 'malformed' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fee' as const), rate: fc.integer({ min: 1000, max: 6000 }) }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant('deliver' as const), to: side }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const), keep: fc.nat({ max: 4 }), restart: fc.boolean() }) },
);

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function deliverTo(pair: ChannelPair, to: SideName): void {
  const i = pair.inFlight.findIndex((m) => m.to === to);
  if (i < 0) return;
  const [next] = pair.inFlight.splice(i, 1);
  pair.step(to, { type: 'message', message: next!.message });
}

function reconnect(pair: ChannelPair, keep: number, restart: boolean): void {
  for (let i = 0; i < keep && pair.inFlight.length > 0; i++) pair.deliverOne();
  pair.inFlight.length = 0;
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-disconnected' });
  if (restart) for (const s of [pair.a, pair.b]) s.state = decodeChannelState(s.persisted as Uint8Array);
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-connected' });
}

/** Wherever both hold commitment n of the same side, it is the same transaction. */
function expectSameCommitments(pair: ChannelPair): void {
  const a = cm(pair.a.state);
  const b = cm(pair.b.state);
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const theirs = [y.remoteCommit, ...(y.remoteNextCommit ? [y.remoteNextCommit.commit] : [])];
    for (const r of theirs) if (r.index === x.localCommit.index) expect(bytesToHex(r.txid)).toBe(bytesToHex(x.localCommit.txid));
  }
}

function resolve(pair: ChannelPair, o: Extract<Op, { op: 'resolve' }>, preimages: Map<string, Uint8Array>): void {
  const pending = pendingIncomingHtlcs(pair.side(o.side).state);
  const h = pending[o.pick % Math.max(1, pending.length)];
  if (!h) return;
  if (o.how === 'fulfill') pair.step(o.side, { type: 'fulfill-htlc', htlcId: h.htlcId, paymentPreimage: preimages.get(bytesToHex(h.paymentHash))! });
  else if (o.how === 'fail') pair.step(o.side, { type: 'fail-htlc', htlcId: h.htlcId, reason: Uint8Array.of(0xfa, Number(h.htlcId & 0xffn)) });
  else pair.step(o.side, { type: 'fail-malformed-htlc', htlcId: h.htlcId, sha256OfOnion: new Uint8Array(32).fill(3), failureCode: 0xc005 });
}

/** Amounts of the HTLCs `offerer` saw fulfilled (each id once: a re-sent fulfill may repeat the event). */
function fulfilledMsat(pair: ChannelPair, offerer: SideName): bigint {
  const seen = new Map<bigint, bigint>();
  const byId = new Map<bigint, bigint>();
  for (const b of pair.side(offerer).batches) {
    for (const a of b.actions) {
      if (a.type === 'emit' && a.event.type === 'htlc-added') byId.set(a.event.htlcId, (b.event as { amountMsat: bigint }).amountMsat);
      if (a.type === 'emit' && a.event.type === 'htlc-fulfilled') seen.set(a.event.htlcId, byId.get(a.event.htlcId)!);
    }
  }
  return [...seen.values()].reduce((s, v) => s + v, 0n);
}

describe.each(['anchors_zero_fee_htlc_tx', 'static_remotekey'] as const)('HTLC dance, random interleavings (%s)', (channelType) => {
  it('commitments stay identical and balances are conserved', () => {
    fc.assert(
      fc.property(fc.array(ops, { minLength: 25, maxLength: 60 }), (list) => {
        const pair = new ChannelPair();
        pair.openToNormal({ pushMsat: 400_000_000n, channelType });
        const start = cm(pair.a.state).localCommit.spec;
        const preimages = new Map<string, Uint8Array>();
        let n = 0;
        for (const o of list) {
          if (o.op === 'add') {
            const { preimage, paymentHash } = pair.addHtlc(o.side, o.amountMsat, { n: n++ });
            preimages.set(bytesToHex(paymentHash), preimage);
          } else if (o.op === 'resolve') resolve(pair, o, preimages);
          else if (o.op === 'fee') pair.step('A', { type: 'update-fee', feeratePerKw: o.rate });
          else if (o.op === 'deliver') deliverTo(pair, o.to);
          else reconnect(pair, o.keep, o.restart);
          expectSameCommitments(pair);
        }
        reconnect(pair, 0, false);
        pair.run(1000);
        for (let round = 0; round < 3; round++) {
          for (const s of ['A', 'B'] as const) for (let i = 0; i < 8; i++) resolve(pair, { op: 'resolve', side: s, pick: 0, how: 'fulfill' }, preimages);
          pair.run(1000);
        }
        for (const s of [pair.a, pair.b]) {
          expect(s.state.type).toBe('normal');
          for (const b of s.batches) for (const a of b.actions) expect(a.type === 'emit' && (a.event.type === 'internal-error' || a.event.type === 'channel-force-closed')).toBe(false);
        }
        const a = cm(pair.a.state);
        const b = cm(pair.b.state);
        expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(b.remoteCommit.txid));
        expect(bytesToHex(b.localCommit.txid)).toBe(bytesToHex(a.remoteCommit.txid));
        expect(a.log.local.adds).toEqual([]);
        expect(a.log.remote.adds).toEqual([]);
        expect(a.localCommit.spec.htlcs).toEqual([]);
        const moved = fulfilledMsat(pair, 'B') - fulfilledMsat(pair, 'A');
        expect(a.localCommit.spec.toLocalMsat).toBe(start.toLocalMsat + moved);
        expect(a.localCommit.spec.toRemoteMsat).toBe(start.toRemoteMsat - moved);
        expect(b.localCommit.spec.toLocalMsat).toBe(a.localCommit.spec.toRemoteMsat);
      }),
      { numRuns: channelType === 'anchors_zero_fee_htlc_tx' ? 10 : 6 },
    );
  }, 300_000);
});
