/**
 * BOLT 2 "Normal Operation" with HTLCs, two reducers back to back (test/harness/channel-pair.ts):
 * update_add_htlc / update_fulfill_htlc / update_fail_htlc / update_fail_malformed_htlc through
 * the commitment dance, HTLC signatures, and the events the node reacts to.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { buildHtlcTxs, verifyHtlcSignature } from '../../../engine/channel/bolt3/htlc-tx.ts';
import { buildLocalCommitment } from '../../../engine/channel/commitments.ts';
import { htlcsOf, pendingIncomingHtlcs, receivableMsat, sendableMsat } from '../../../engine/channel/index.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function normalPair(channelType: 'anchors_zero_fee_htlc_tx' | 'static_remotekey' = 'anchors_zero_fee_htlc_tx', pushMsat = 300_000_000n): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType, pushMsat });
  expect(pair.a.state.type).toBe('normal');
  expect(pair.b.state.type).toBe('normal');
  return pair;
}

/** Both sides agree: A's local commitment is B's remote one and vice versa. */
function expectInSync(pair: ChannelPair): void {
  const a = cm(pair.a.state);
  const b = cm(pair.b.state);
  expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(b.remoteCommit.txid));
  expect(bytesToHex(b.localCommit.txid)).toBe(bytesToHex(a.remoteCommit.txid));
  expect(a.remoteNextCommit).toBeUndefined();
  expect(b.remoteNextCommit).toBeUndefined();
}

function fulfill(pair: ChannelPair, name: SideName, htlcId: bigint, preimage: Uint8Array) {
  return pair.step(name, { type: 'fulfill-htlc', htlcId, paymentPreimage: preimage });
}

const FUNDING_MSAT = 1_000_000_000n;

describe.each(['anchors_zero_fee_htlc_tx', 'static_remotekey'] as const)('HTLCs through the dance (%s)', (channelType) => {
  it('add then fulfill: the payee learns it once, the payer gets the preimage, balances move by the amount', () => {
    const pair = normalPair(channelType);
    const before = cm(pair.a.state).localCommit.spec;
    const { t, preimage, paymentHash } = pair.addHtlc('A', 50_000_000n, { tag: 'pay-1' });
    expect(t.actions[0]!.type).toBe('persist');
    expect(pair.emitted('A', 'htlc-added')).toEqual([expect.objectContaining({ htlcId: 0n, tag: 'pay-1' })]);
    pair.run();
    expectInSync(pair);
    const received = pair.emitted('B', 'htlc-received');
    expect(received).toHaveLength(1);
    expect(received[0]!.amountMsat).toBe(50_000_000n);
    expect(bytesToHex(received[0]!.paymentHash)).toBe(bytesToHex(paymentHash));
    expect(received[0]!.onionRoutingPacket).toHaveLength(1366);
    expect(pendingIncomingHtlcs(pair.b.state).map((h) => h.htlcId)).toEqual([0n]);
    expect(htlcsOf(pair.a.state)).toEqual([expect.objectContaining({ direction: 'outgoing', htlcId: 0n, state: 'committed', tag: 'pay-1' })]);
    // Both commitments hold the HTLC; the peer's HTLC signatures on ours are valid and stored.
    const a = cm(pair.a.state);
    expect(a.localCommit.spec.htlcs).toEqual([expect.objectContaining({ id: 0n, direction: 'offered', amountMsat: 50_000_000n })]);
    expect(a.localCommit.spec.toLocalMsat).toBe(before.toLocalMsat - 50_000_000n);
    const ours = buildLocalCommitment(a, pair.a.keychain.channelKeys(7), a.localCommit.index, a.localCommit.spec);
    const txs = buildHtlcTxs(ours);
    expect(a.localCommit.htlcSignatures).toHaveLength(txs.length);
    expect(txs.length).toBe(1);
    expect(verifyHtlcSignature(txs[0]!, a.localCommit.htlcSignatures[0]!, 'remote')).toBe(true);

    fulfill(pair, 'B', 0n, preimage);
    pair.deliverOne(); // update_fulfill_htlc
    const fulfilled = pair.emitted('A', 'htlc-fulfilled');
    expect(fulfilled).toHaveLength(1);
    expect(bytesToHex(fulfilled[0]!.paymentPreimage)).toBe(bytesToHex(preimage));
    expect(fulfilled[0]!.tag).toBe('pay-1');
    pair.run();
    expectInSync(pair);
    const after = cm(pair.a.state);
    expect(after.log.local.adds).toEqual([]);
    expect(after.log.remote.settles).toEqual([]);
    expect(after.localCommit.spec.htlcs).toEqual([]);
    expect(after.localCommit.spec.toLocalMsat).toBe(before.toLocalMsat - 50_000_000n);
    expect(after.localCommit.spec.toRemoteMsat).toBe(before.toRemoteMsat + 50_000_000n);
    expect(pair.emitted('B', 'htlc-received')).toHaveLength(1);
    expect(pair.emitted('A', 'htlc-failed')).toHaveLength(0);
    expect(htlcsOf(pair.a.state)).toEqual([]);
  });

  it('add then fail: htlc-failed with the reason once the fail is irrevocably committed, balances unchanged', () => {
    const pair = normalPair(channelType);
    const before = cm(pair.a.state).localCommit.spec;
    pair.addHtlc('A', 20_000_000n);
    pair.run();
    const reason = new Uint8Array(292).fill(0x5a);
    pair.step('B', { type: 'fail-htlc', htlcId: 0n, reason });
    pair.deliverOne();
    expect(pair.emitted('A', 'htlc-failed')).toHaveLength(0);
    pair.run();
    expectInSync(pair);
    const failed = pair.emitted('A', 'htlc-failed');
    expect(failed).toHaveLength(1);
    expect(bytesToHex(failed[0]!.reason!)).toBe(bytesToHex(reason));
    const after = cm(pair.a.state).localCommit.spec;
    expect(after.toLocalMsat).toBe(before.toLocalMsat);
    expect(after.toRemoteMsat).toBe(before.toRemoteMsat);
    expect(after.htlcs).toEqual([]);
  });

  it('fail malformed: the BADONION code and sha256 of the onion come back', () => {
    const pair = normalPair(channelType);
    pair.addHtlc('A', 20_000_000n);
    pair.run();
    const sha = sha256(Uint8Array.of(1, 2, 3));
    pair.step('B', { type: 'fail-malformed-htlc', htlcId: 0n, sha256OfOnion: sha, failureCode: 0x8000 | 0x4000 | 5 });
    pair.run();
    expectInSync(pair);
    const failed = pair.emitted('A', 'htlc-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.malformed).toEqual({ failureCode: 0xc005, sha256OfOnion: sha });
  });

  it('both directions at once, several HTLCs, some dust: commitments stay identical and funds are conserved', () => {
    const pair = normalPair(channelType);
    const adds: { name: SideName; preimage: Uint8Array }[] = [];
    for (let i = 0; i < 4; i++) {
      adds.push({ name: 'A', preimage: pair.addHtlc('A', i === 0 ? 400_000n : 10_000_000n + BigInt(i), { n: i }).preimage });
      adds.push({ name: 'B', preimage: pair.addHtlc('B', i === 1 ? 300_000n : 7_000_000n + BigInt(i), { n: i }).preimage });
    }
    pair.run(500);
    expectInSync(pair);
    expect(pair.emitted('A', 'htlc-received')).toHaveLength(4);
    expect(pair.emitted('B', 'htlc-received')).toHaveLength(4);
    const a = cm(pair.a.state);
    const sum = a.localCommit.spec.htlcs.reduce((s, h) => s + h.amountMsat, 0n);
    expect(a.localCommit.spec.toLocalMsat + a.localCommit.spec.toRemoteMsat + sum).toBe(FUNDING_MSAT);
    // Dust HTLCs are in the spec but have no output (and no signature).
    expect(a.localCommit.spec.htlcs).toHaveLength(8);
    expect(a.localCommit.htlcSignatures.length).toBeLessThan(8);
    // B fulfills A's, A fails B's.
    for (let i = 0; i < 4; i++) {
      fulfill(pair, 'B', BigInt(i), adds[2 * i]!.preimage);
      pair.step('A', { type: 'fail-htlc', htlcId: BigInt(i), reason: Uint8Array.of(1, 2, 3) });
    }
    pair.run(500);
    expectInSync(pair);
    expect(pair.emitted('A', 'htlc-fulfilled')).toHaveLength(4);
    expect(pair.emitted('B', 'htlc-failed')).toHaveLength(4);
    const end = cm(pair.a.state);
    expect(end.log.local.adds).toEqual([]);
    expect(end.log.remote.adds).toEqual([]);
    expect(end.localCommit.spec.toLocalMsat + end.localCommit.spec.toRemoteMsat).toBe(FUNDING_MSAT);
  });
});

describe('commands and their refusals', () => {
  it.each([
    ['A', 'anchors_zero_fee_htlc_tx'],
    ['A', 'static_remotekey'],
    ['B', 'anchors_zero_fee_htlc_tx'],
    ['B', 'static_remotekey'],
  ] as const)('sendableMsat of %s (%s) is exactly what can be added: one msat more is refused; the peer agrees (receivableMsat)', (name, channelType) => {
    const pair = normalPair(channelType);
    const other = name === 'A' ? pair.b : pair.a;
    const max = sendableMsat(pair.side(name).state);
    expect(max).toBeGreaterThan(0n);
    expect(receivableMsat(other.state)).toBeGreaterThanOrEqual(max);
    const over = pair.addHtlc(name, max + 1n).t;
    expect(over.actions).toEqual([expect.objectContaining({ type: 'emit', event: expect.objectContaining({ type: 'command-rejected', command: 'add-htlc' }) })]);
    pair.addHtlc(name, max);
    pair.run();
    expectInSync(pair);
    expect(pair.side(name).state.type).toBe('normal');
    expect(other.state.type).toBe('normal');
    expect(sendableMsat(pair.side(name).state)).toBe(0n);
  });

  it('fulfill with a wrong preimage, or of an HTLC not committed, is refused', () => {
    const pair = normalPair();
    pair.addHtlc('A', 5_000_000n);
    const early = fulfill(pair, 'B', 0n, new Uint8Array(32));
    expect(early.actions.map((x) => x.type)).toEqual(['emit']);
    pair.run();
    const wrong = fulfill(pair, 'B', 0n, new Uint8Array(32).fill(9));
    expect(JSON.stringify(wrong.actions, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toMatch(/does not hash/);
  });
});
