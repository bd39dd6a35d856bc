/**
 * Random interleavings (fast-check): message deliveries, wallet answers, confirmations at random
 * depths, unexpected and duplicated messages on either side, disconnections and ticks. After every
 * batch the pair harness checks the persistence barrier and the codec; after every run:
 *   - a funded state is always exactly what the store holds (the last persisted snapshot);
 *   - a funding broadcast is backed by a persisted signature (harness), and happens at most once;
 *   - if both sides reach NORMAL they agree on both commitment txids;
 *   - the reducer never throws and never emits an internal error.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, concatBytes } from '../../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../../engine/crypto/secp256k1.ts';
import { asciiBytes } from '../../../engine/wire/messages/setup.ts';
import type { Message } from '../../../engine/wire/message.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import { isFunded, type NormalState } from '../../../engine/channel/types.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

type Op =
  | { op: 'deliver' }
  | { op: 'fund' }
  | { op: 'confirm'; side: SideName; depth: number }
  | { op: 'inject'; side: SideName; which: number }
  | { op: 'replay'; side: SideName; which: number }
  | { op: 'disconnect'; side: SideName }
  | { op: 'tick'; blocks: number };

const side = fc.constantFrom<SideName>('A', 'B');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ op: 'deliver' } as Op) },
  { weight: 2, arbitrary: fc.constant({ op: 'fund' } as Op) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('confirm' as const), side, depth: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('inject' as const), side, which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replay' as const), side, which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const), side }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), blocks: fc.integer({ min: 0, max: 3000 }) }) },
);

function crafted(id: Uint8Array): Message[] {
  const point = publicKeyOf(fill(32, 3));
  return [
    { type: 'update_add_htlc', channelId: id, htlcId: 0n, amountMsat: 50_000n, paymentHash: fill(32, 0x66), cltvExpiry: 800_000, onionRoutingPacket: concatBytes(Uint8Array.of(0), point, fill(1300, 0x77), fill(32, 0x88)) },
    { type: 'commitment_signed', channelId: id, signature: fill(64, 0x33), htlcSignatures: [] },
    { type: 'channel_reestablish', channelId: id, nextCommitmentNumber: 1n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: fill(32, 0), myCurrentPerCommitmentPoint: point },
    { type: 'warning', channelId: id, data: asciiBytes('hm') },
    { type: 'ping', numPongBytes: 1, ignoredLength: 0 },
    { type: 'channel_ready', channelId: id, secondPerCommitmentPoint: point },
  ];
}

/** The plain opening up to both sides holding both signatures (wait-for-funding-confirmed). */
const FUNDED_PREFIX: Op[] = [{ op: 'deliver' }, { op: 'deliver' }, { op: 'fund' }, { op: 'deliver' }, { op: 'deliver' }];

function run(ops: Op[]): ChannelPair {
  const pair = new ChannelPair({ autoFund: false });
  pair.step('A', { type: 'open', peerNodeId: pair.b.keychain.nodeId(), fundingSat: 300_000n, pushMsat: 1_000_000n, channelType: 'anchors_zero_fee_htlc_tx', feeratePerKw: 1000 });
  for (const o of ops) {
    switch (o.op) {
      case 'deliver':
        if (pair.inFlight.length === 0) pair.fund();
        else pair.deliverOne();
        break;
      case 'fund':
        pair.fund();
        break;
      case 'confirm': {
        const b = pair.a.broadcasts.find((x) => x.kind === 'funding');
        if (b) pair.step(o.side, { type: 'funding-confirmed', rawTx: b.rawTx, depth: o.depth, blockHeight: pair.blockHeight, txIndex: 2 });
        break;
      }
      case 'inject': {
        const s = pair.side(o.side).state;
        const id = 'commitments' in s ? s.commitments.channelId : fill(32, 0);
        const list = crafted(id);
        pair.step(o.side, { type: 'message', message: list[o.which % list.length]! });
        break;
      }
      case 'replay': {
        // Something the other side really sent, delivered (again) out of order.
        const sent = pair.other(o.side).sent.filter((m) => m.type !== 'error');
        if (sent.length) pair.step(o.side, { type: 'message', message: sent[o.which % sent.length]! });
        break;
      }
      case 'disconnect':
        pair.step(o.side, { type: 'peer-disconnected' });
        pair.inFlight.length = 0;
        break;
      case 'tick':
        pair.blockHeight += o.blocks;
        pair.step('A', { type: 'tick' });
        pair.step('B', { type: 'tick' });
        break;
    }
  }
  return pair;
}

describe('channel pair under random interleavings', () => {
  function check(pair: ChannelPair): void {
    for (const s of [pair.a, pair.b]) {
      if (isFunded(s.state)) {
        expect(s.persisted).toBeDefined();
        expect(decodeChannelState(s.persisted!)).toEqual(s.state);
      }
      for (const b of s.batches) {
        for (const a of b.actions) if (a.type === 'emit') expect(a.event.type).not.toBe('internal-error');
      }
    }
    expect(pair.a.broadcasts.filter((b) => b.kind === 'funding').length).toBeLessThanOrEqual(1);
    expect(pair.b.broadcasts.filter((b) => b.kind === 'funding')).toHaveLength(0);
    if (pair.a.state.type === 'normal' && pair.b.state.type === 'normal') {
      const a = (pair.a.state as NormalState).commitments;
      const b = (pair.b.state as NormalState).commitments;
      expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(b.remoteCommit.txid));
      expect(bytesToHex(b.localCommit.txid)).toBe(bytesToHex(a.remoteCommit.txid));
    }
  }

  it('from the start: the store is in step with every funded state, the barrier holds', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 30 }), (ops) => check(run(ops))),
      { numRuns: 30 },
    );
  }, 120_000);

  it('once funded: confirmations, replays, unexpected messages, disconnections and ticks in any order', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 3, maxLength: 25 }), (ops) => {
        const pair = run([...FUNDED_PREFIX, ...ops]);
        check(pair);
      }),
      { numRuns: 30 },
    );
    // Each run signs and verifies commitments in pure JS (~15 s alone here); CI's two busy cores need room.
  }, 120_000);

  it('the plain order of operations always opens the channel', () => {
    const pair = run([
      ...Array<Op>(3).fill({ op: 'deliver' }),
      { op: 'fund' },
      ...Array<Op>(3).fill({ op: 'deliver' }),
      { op: 'confirm', side: 'A', depth: 3 },
      { op: 'confirm', side: 'B', depth: 3 },
      ...Array<Op>(3).fill({ op: 'deliver' }),
    ]);
    expect(pair.a.state.type).toBe('normal');
    expect(pair.b.state.type).toBe('normal');
  });
});
