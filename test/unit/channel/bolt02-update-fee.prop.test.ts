/**
 * The commitment dance under random interleavings (fast-check): the funder's update-fee commands
 * at random feerates, deliveries, and disconnections that lose any suffix of the messages in
 * flight, with or without a restart from the persisted snapshots. The pair harness checks the
 * persistence barrier and the codec on every batch. After a final reconnection and delivery:
 *   - neither side failed the channel or hit an internal error (an honest peer never triggers one);
 *   - both are in `normal` with the same commitment numbers, each one's local commitment being the
 *     other's remote one (same txid), nothing pending, at one feerate that A commanded (or the
 *     open's), and the peer secrets stored for every revoked commitment.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { ShachainStore } from '../../../engine/keys/shachain.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import { ChannelPair } from '../../harness/channel-pair.ts';

type Op = { op: 'fee'; rate: number } | { op: 'deliver' } | { op: 'disconnect'; keep: number; restart: boolean };

/** Feerates B accepts at its estimate of 2500 (¼ × 2500 = 625 for static_remotekey; anchors 253; 10× = 25 000). */
const ops = (minRate: number): fc.Arbitrary<Op> => fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('fee' as const), rate: fc.integer({ min: minRate, max: 25_000 }) }) },
  { weight: 8, arbitrary: fc.constant({ op: 'deliver' } as Op) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const), keep: fc.nat({ max: 4 }), restart: fc.boolean() }) },
);

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function reconnect(pair: ChannelPair, keep: number, restart: boolean): void {
  for (let i = 0; i < keep && pair.inFlight.length > 0; i++) pair.deliverOne();
  pair.inFlight.length = 0;
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-disconnected' });
  if (restart) for (const s of [pair.a, pair.b]) s.state = decodeChannelState(s.persisted as Uint8Array);
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-connected' });
}

describe.each(['anchors_zero_fee_htlc_tx', 'static_remotekey'] as const)('update_fee dance, random interleavings (%s)', (channelType) => {
  it('always converges to one agreed commitment pair, never failing the channel', () => {
    fc.assert(
      fc.property(fc.array(ops(channelType === 'static_remotekey' ? 625 : 253), { maxLength: 40 }), (list) => {
        const pair = new ChannelPair();
        pair.openToNormal({ pushMsat: 100_000_000n, channelType });
        const commanded = new Set<number>([2500]);
        for (const o of list) {
          if (o.op === 'fee') {
            const t = pair.step('A', { type: 'update-fee', feeratePerKw: o.rate });
            if (!t.actions.some((a) => a.type === 'emit' && a.event.type === 'command-rejected')) commanded.add(o.rate);
          } else if (o.op === 'deliver') pair.deliverOne();
          else reconnect(pair, o.keep, o.restart);
        }
        reconnect(pair, 0, false);
        pair.run(200);
        for (const s of [pair.a, pair.b]) {
          expect(s.state.type).toBe('normal');
          for (const b of s.batches) for (const a of b.actions) expect(a.type === 'emit' && (a.event.type === 'internal-error' || a.event.type === 'channel-force-closed')).toBe(false);
        }
        const a = cm(pair.a.state);
        const b = cm(pair.b.state);
        expect(a.remoteNextCommit).toBeUndefined();
        expect(b.remoteNextCommit).toBeUndefined();
        expect(a.localCommit.index).toBe(b.remoteCommit.index);
        expect(b.localCommit.index).toBe(a.remoteCommit.index);
        expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(b.remoteCommit.txid));
        expect(bytesToHex(b.localCommit.txid)).toBe(bytesToHex(a.remoteCommit.txid));
        const rate = a.localCommit.spec.feeratePerKw;
        for (const r of [a.remoteCommit.spec.feeratePerKw, b.localCommit.spec.feeratePerKw, b.remoteCommit.spec.feeratePerKw]) expect(r).toBe(rate);
        expect(commanded.has(rate)).toBe(true);
        for (const [x, n] of [
          [a, a.remoteCommit.index],
          [b, b.remoteCommit.index],
        ] as const) {
          const store = ShachainStore.fromBytes(x.remoteSecrets);
          for (let i = 0; i < n; i++) expect(store.secretOfCommitment(i)).toBeDefined();
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
