/**
 * BOLT 2 "Message Retransmission" with HTLCs: a lost commitment_signed is re-sent after the very
 * updates it covered (adds with their onions, fulfills, fails), byte for byte; our unsigned adds
 * are forgotten (`htlc-failed` with a localReason) and their ids reused; our unsigned fulfills are
 * kept and re-sent; a restart from the persisted snapshot re-derives the pending incoming HTLCs.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#message-retransmission
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { encodeMessage } from '../../../engine/wire/message.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import { pendingIncomingHtlcs } from '../../../engine/channel/index.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import { ChannelPair } from '../../harness/channel-pair.ts';

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function normalPair(): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ pushMsat: 300_000_000n });
  return pair;
}

function expectInSync(pair: ChannelPair): void {
  const a = cm(pair.a.state);
  const b = cm(pair.b.state);
  expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(b.remoteCommit.txid));
  expect(bytesToHex(b.localCommit.txid)).toBe(bytesToHex(a.remoteCommit.txid));
  expect(a.remoteNextCommit).toBeUndefined();
  expect(b.remoteNextCommit).toBeUndefined();
}

const hex = (m: Parameters<typeof encodeMessage>[0]): string => bytesToHex(encodeMessage(m));

describe('reconnection with HTLCs pending', () => {
  it('a lost update_add_htlc + commitment_signed is re-sent identically, in the original order', () => {
    const pair = normalPair();
    pair.addHtlc('A', 10_000_000n, { n: 0 });
    pair.addHtlc('A', 12_000_000n, { n: 1 }); // unsigned: waits for the revoke_and_ack
    const first = pair.inFlight.map((x) => x.message).filter((m) => m.type !== 'update_add_htlc' || m.htlcId === 0n);
    expect(first.map((m) => m.type)).toEqual(['update_add_htlc', 'commitment_signed']);
    const sentBefore = pair.a.sent.length;
    pair.inFlight.length = 0;
    for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-disconnected' });
    pair.step('A', { type: 'peer-connected' });
    // The unsigned add (id 1) is forgotten and reported so the node can retry it.
    expect(pair.emitted('A', 'htlc-failed')).toEqual([expect.objectContaining({ htlcId: 1n, tag: 'A-1', localReason: expect.stringMatching(/not signed/) })]);
    pair.step('B', { type: 'peer-connected' });
    pair.run();
    const resent = pair.a.sent.slice(sentBefore).filter((m) => m.type === 'update_add_htlc' || m.type === 'commitment_signed');
    expect(resent.slice(0, 2).map(hex)).toEqual(first.map(hex));
    expectInSync(pair);
    expect(cm(pair.b.state).localCommit.spec.htlcs.map((h) => h.id)).toEqual([0n]);
    expect(pair.emitted('B', 'htlc-received').map((e) => e.htlcId)).toEqual([0n]);
    // The forgotten id is reused by the next add.
    expect(pair.addHtlc('A', 1_000_000n, { n: 2 }).t.actions.find((a) => a.type === 'emit')).toMatchObject({ event: { type: 'htlc-added', htlcId: 1n } });
    pair.run();
    expectInSync(pair);
  });

  it('an unsigned fulfill is kept and re-sent after channel_reestablish', () => {
    const pair = normalPair();
    const { preimage } = pair.addHtlc('A', 10_000_000n);
    pair.run();
    const before = cm(pair.a.state).localCommit.spec;
    pair.addHtlc('B', 1_000_000n, { n: 5 }); // B signs this one and now waits for A's revoke_and_ack
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimage }); // unsigned
    pair.inFlight.length = 0;
    pair.reconnect();
    expect(pair.emitted('A', 'htlc-fulfilled').map((e) => e.htlcId)).toEqual([0n]);
    expectInSync(pair);
    const after = cm(pair.a.state).localCommit.spec;
    expect(after.toLocalMsat).toBe(before.toLocalMsat); // the HTLC was already taken from A at the add
    expect(after.toRemoteMsat).toBe(before.toRemoteMsat + 10_000_000n - 1_000_000n);
    expect(after.htlcs.map((h) => [h.direction, h.id])).toEqual([['received', 0n]]);
  });

  it('a restart re-derives the incoming HTLCs still to process, and the dance resumes', () => {
    const pair = normalPair();
    const { preimage } = pair.addHtlc('A', 10_000_000n);
    pair.run();
    pair.b.state = decodeChannelState(pair.b.persisted as Uint8Array);
    expect(pendingIncomingHtlcs(pair.b.state).map((h) => h.htlcId)).toEqual([0n]);
    pair.reconnect();
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimage });
    pair.run();
    expectInSync(pair);
    expect(pendingIncomingHtlcs(pair.b.state)).toEqual([]);
    expect(pair.emitted('A', 'htlc-fulfilled')).toHaveLength(1);
  });

  it('reconnecting at every point of an add + fulfill round trip converges', () => {
    for (let cut = 0; cut < 12; cut++) {
      const pair = normalPair();
      const { preimage } = pair.addHtlc('A', 10_000_000n);
      let delivered = 0;
      let fulfilled = false;
      for (let i = 0; i < 40; i++) {
        if (!fulfilled && pendingIncomingHtlcs(pair.b.state).length > 0 && (pair.b.state as { syncing?: true }).syncing !== true) {
          pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimage });
          fulfilled = true;
        }
        if (delivered === cut) pair.reconnect();
        if (!pair.deliverOne() && fulfilled) break;
        delivered++;
      }
      pair.reconnect();
      if (!fulfilled) {
        pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimage });
        pair.run();
      }
      expectInSync(pair);
      expect(cm(pair.a.state).log.local.adds).toEqual([]);
      expect(cm(pair.a.state).localCommit.spec.toRemoteMsat).toBe(310_000_000n);
      expect(pair.emitted('B', 'htlc-received')).toHaveLength(1);
    }
  });
});
