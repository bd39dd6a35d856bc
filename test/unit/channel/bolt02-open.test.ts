/**
 * BOLT 2 channel establishment v1, happy path, both roles and both channel types: A funds, B
 * accepts, both reach NORMAL; each side's view of both commitment transactions agrees with the
 * other's (same txids), each holds a valid peer signature on its own commitment #0 (so either can
 * broadcast it), and the persistence barrier holds on every batch (checked by the harness).
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, equalBytes } from '../../../engine/lib/bytes.ts';
import { perCommitmentPoint } from '../../../engine/keys/shachain.ts';
import { channelIdFromFunding } from '../../../engine/wire/messages/channel.ts';
import { encodeChannelType } from '../../../engine/channel/channel-type.ts';
import { buildLocalCommitment, buildRemoteCommitment, signedLocalCommitment } from '../../../engine/channel/commitments.ts';
import { funderCommitmentCost } from '../../../engine/channel/bolt3/fees.ts';
import { fundingScript } from '../../../engine/channel/bolt3/funding.ts';
import type { ChannelState, Commitments, NormalState } from '../../../engine/channel/types.ts';
import { ChannelPair, type Side } from '../../harness/channel-pair.ts';

function normal(s: Side): NormalState {
  expect(s.state.type).toBe('normal');
  return s.state as NormalState;
}

function commitmentsOf(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

describe.each(['static_remotekey', 'anchors_zero_fee_htlc_tx'] as const)('BOLT 2 open, %s', (channelType) => {
  it('walks both sides through every state to NORMAL', () => {
    const pair = new ChannelPair();
    pair.openToNormal({ channelType, fundingSat: 1_000_000n, pushMsat: 10_000_000n });
    expect(pair.a.states.map((s) => s.type)).toEqual([
      'idle',
      'wait-for-accept-channel',
      'wait-for-funding-internal',
      'wait-for-funding-signed',
      'wait-for-funding-confirmed',
      'wait-for-channel-ready',
      'normal',
    ]);
    expect(pair.b.states.map((s) => s.type)).toEqual([
      'wait-for-open-channel',
      'wait-for-funding-created',
      'wait-for-funding-confirmed',
      'wait-for-channel-ready',
      'normal',
    ]);
    expect(pair.a.sent.map((m) => m.type)).toEqual(['open_channel', 'funding_created', 'channel_ready']);
    expect(pair.b.sent.map((m) => m.type)).toEqual(['accept_channel', 'funding_signed', 'channel_ready']);
  });

  it('both sides agree on both commitment transactions and hold valid signatures', () => {
    const pair = new ChannelPair();
    pair.openToNormal({ channelType, fundingSat: 1_000_000n, pushMsat: 10_000_000n });
    const a = normal(pair.a).commitments;
    const b = normal(pair.b).commitments;
    const keysA = pair.a.keychain.channelKeys(a.channelIndex);
    const keysB = pair.b.keychain.channelKeys(b.channelIndex);

    // Each side builds both commitments from its own state.
    const aLocal = buildLocalCommitment(a, keysA, 0, a.localCommit.spec);
    const aRemote = buildRemoteCommitment(a, 0, a.remoteCommit.spec, a.remoteCommit.remotePerCommitmentPoint);
    const bLocal = buildLocalCommitment(b, keysB, 0, b.localCommit.spec);
    const bRemote = buildRemoteCommitment(b, 0, b.remoteCommit.spec, b.remoteCommit.remotePerCommitmentPoint);
    expect(bytesToHex(aLocal.txid)).toBe(bytesToHex(bRemote.txid));
    expect(bytesToHex(bLocal.txid)).toBe(bytesToHex(aRemote.txid));
    expect(bytesToHex(aLocal.tx.toBuffer())).toBe(bytesToHex(bRemote.tx.toBuffer()));
    expect(bytesToHex(bLocal.tx.toBuffer())).toBe(bytesToHex(aRemote.tx.toBuffer()));
    // …and what the states recorded is what they build.
    expect(bytesToHex(a.localCommit.txid)).toBe(bytesToHex(aLocal.txid));
    expect(bytesToHex(a.remoteCommit.txid)).toBe(bytesToHex(b.localCommit.txid));
    expect(bytesToHex(b.remoteCommit.txid)).toBe(bytesToHex(a.localCommit.txid));
    expect(aLocal.channelType).toBe(channelType);

    // Both can broadcast their commitment #0: the peer's signature verifies in a full witness.
    for (const [c, k] of [[a, keysA], [b, keysB]] as const) {
      const tx = signedLocalCommitment(c, k);
      expect(tx.ins[0]!.witness).toHaveLength(4);
      expect(bytesToHex(tx.getHash())).toBe(bytesToHex(c.localCommit.txid));
    }

    // The remote per-commitment points are the peer's own shachain points #0 and #1.
    expect(equalBytes(a.remoteCommit.remotePerCommitmentPoint, perCommitmentPoint(keysB.shachainSeed, 0))).toBe(true);
    expect(equalBytes(a.remoteNextPerCommitmentPoint!, perCommitmentPoint(keysB.shachainSeed, 1))).toBe(true);
    expect(equalBytes(b.remoteNextPerCommitmentPoint!, perCommitmentPoint(keysA.shachainSeed, 1))).toBe(true);
  });

  it('assigns channel_id from the funding outpoint and the short_channel_id from the confirmation', () => {
    const pair = new ChannelPair();
    pair.openToNormal({ channelType });
    const a = normal(pair.a);
    const b = normal(pair.b);
    const tx = Transaction.fromBuffer(pair.fundingTx());
    const expectedId = channelIdFromFunding(tx.getHash(), 1);
    expect(bytesToHex(a.commitments.channelId)).toBe(bytesToHex(expectedId));
    expect(bytesToHex(b.commitments.channelId)).toBe(bytesToHex(expectedId));
    expect(a.commitments.fundingOutpoint.index).toBe(1);
    // Confirmed 6 deep at tip 505: block 500, tx index 3, output 1.
    const scid = (500n << 40n) | (3n << 16n) | 1n;
    expect(a.shortChannelId).toBe(scid);
    expect(b.shortChannelId).toBe(scid);
    // Aliases: each side keeps the one the other sent.
    expect(a.remoteAlias).toBe(b.localAlias);
    expect(b.remoteAlias).toBe(a.localAlias);
    expect(a.localAlias).not.toBe(b.localAlias);
    const funding = fundingScript(a.commitments.localParams.fundingPubkey, a.commitments.remoteParams.fundingPubkey);
    expect(bytesToHex(tx.outs[1]!.script)).toBe(bytesToHex(funding.scriptPubKey));
  });

  it('balances: the funder pays the fee (and anchors), push_msat goes to the fundee', () => {
    const pair = new ChannelPair();
    pair.openToNormal({ channelType, fundingSat: 500_000n, pushMsat: 123_456_789n, feeratePerKw: 3000 });
    const a = normal(pair.a).commitments;
    const b = normal(pair.b).commitments;
    expect(a.localCommit.spec).toEqual({ toLocalMsat: 500_000_000n - 123_456_789n, toRemoteMsat: 123_456_789n, feeratePerKw: 3000, htlcs: [] });
    expect(b.localCommit.spec).toEqual({ toLocalMsat: 123_456_789n, toRemoteMsat: 500_000_000n - 123_456_789n, feeratePerKw: 3000, htlcs: [] });
    const keysA = pair.a.keychain.channelKeys(7);
    const local = buildLocalCommitment(a, keysA, 0, a.localCommit.spec);
    const toLocal = local.outputs.find((o) => o.kind === 'to_local')!;
    const toRemote = local.outputs.find((o) => o.kind === 'to_remote')!;
    expect(toLocal.valueSat).toBe((500_000_000n - 123_456_789n) / 1000n - funderCommitmentCost(3000, channelType, 0));
    expect(toRemote.valueSat).toBe(123_456n);
    expect(local.outputs.filter((o) => o.kind.endsWith('anchor'))).toHaveLength(channelType === 'anchors_zero_fee_htlc_tx' ? 2 : 0);
  });

  it('negotiates the channel type and the parameters both ways', () => {
    const pair = new ChannelPair();
    pair.open({ channelType });
    const open = pair.sentOf('A', 'open_channel')[0]!;
    const accept = pair.sentOf('B', 'accept_channel')[0]!;
    expect(bytesToHex(open.channelType!)).toBe(bytesToHex(encodeChannelType(channelType)));
    expect(bytesToHex(accept.channelType!)).toBe(bytesToHex(encodeChannelType(channelType)));
    expect(open.upfrontShutdownScript).toEqual(new Uint8Array(0));
    const a = commitmentsOf(pair.a.state);
    const b = commitmentsOf(pair.b.state);
    expect(a.remoteParams).toEqual(b.localParams);
    expect(b.remoteParams).toEqual(a.localParams);
    // BOLT 2 cross rules: each reserve covers both dust limits.
    for (const c of [a, b]) {
      expect(c.localParams.channelReserveSat >= c.remoteParams.dustLimitSat).toBe(true);
      expect(c.localParams.channelReserveSat >= c.localParams.dustLimitSat).toBe(true);
    }
    expect(accept.minimumDepth).toBe(3);
  });
});

describe('BOLT 2 open: persistence before anything that depends on it', () => {
  it('the fundee persists before funding_signed leaves; the funder persists before broadcasting', () => {
    const pair = new ChannelPair();
    pair.open();
    const bBatch = pair.b.batches.find((x) => x.actions.some((a) => a.type === 'send' && a.message.type === 'funding_signed'))!;
    expect(bBatch.actions[0]!.type).toBe('persist');
    const aBatch = pair.a.batches.find((x) => x.actions.some((a) => a.type === 'broadcast'))!;
    expect(aBatch.actions.map((a) => a.type)).toEqual(['persist', 'broadcast', 'watch-confirmations', 'emit']);
    expect(aBatch.after.type).toBe('wait-for-funding-confirmed');
    // Nothing is broadcast before funding_signed arrives.
    const fundingSignedAt = pair.a.batches.indexOf(aBatch);
    for (const earlier of pair.a.batches.slice(0, fundingSignedAt)) expect(earlier.actions.some((a) => a.type === 'broadcast')).toBe(false);
    // No persist at all before funds are at stake.
    for (const earlier of pair.a.batches.slice(0, fundingSignedAt)) expect(earlier.actions.some((a) => a.type === 'persist')).toBe(false);
  });

  it('watches the funding output with the depth each side waits for', () => {
    const pair = new ChannelPair();
    pair.open();
    const watchA = pair.a.batches.flatMap((x) => x.actions).find((a) => a.type === 'watch-confirmations');
    const watchB = pair.b.batches.flatMap((x) => x.actions).find((a) => a.type === 'watch-confirmations');
    expect(watchA).toMatchObject({ depth: 3, outputIndex: 1 });
    expect(watchB).toMatchObject({ depth: 3, outputIndex: 1 });
    expect(bytesToHex((watchA as { txid: Uint8Array }).txid)).toBe(bytesToHex((watchB as { txid: Uint8Array }).txid));
  });

  it('waits for minimum_depth, and a peer channel_ready that arrives first is kept', () => {
    const pair = new ChannelPair();
    pair.open();
    pair.confirm(2);
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    pair.blockHeight += 1;
    pair.confirm(3, { to: 'B' });
    expect(pair.b.state.type).toBe('wait-for-channel-ready');
    // A got B's channel_ready before its own confirmation count was reached.
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    expect((pair.a.state as { remoteChannelReady?: unknown }).remoteChannelReady).toBeDefined();
    pair.confirm(3, { to: 'A' });
    expect(pair.a.state.type).toBe('normal');
    expect(pair.b.state.type).toBe('normal');
  });

  it('a zero minimum_depth from the fundee still waits for one confirmation', () => {
    const pair = new ChannelPair();
    pair.b.config = { ...pair.b.config, minimumDepth: 0 };
    pair.open();
    expect(pair.sentOf('B', 'accept_channel')[0]!.minimumDepth).toBe(1);
    pair.confirm(1);
    expect(pair.a.state.type).toBe('normal');
  });
});

describe('the pair harness catches barrier violations', () => {
  it('a broadcast before its persist, a persist after a send, an unpersisted funded change', async () => {
    const { checkBatch } = await import('../../harness/channel-pair.ts');
    const pair = new ChannelPair();
    pair.open();
    const batch = pair.a.batches.find((x) => x.actions.some((a) => a.type === 'broadcast'))!;
    const [persist, broadcast, ...rest] = batch.actions;
    const side = { ...pair.a, persisted: undefined };
    expect(() => checkBatch(side, batch.before, { state: batch.after, actions: [broadcast!, persist!, ...rest] })).toThrow(/persist action comes after broadcast/);
    expect(() => checkBatch(side, batch.before, { state: batch.after, actions: [broadcast!, ...rest] })).toThrow(/changed without being persisted/);
    // A funding broadcast whose persisted snapshot is from before funding_signed.
    const stale = pair.b.batches.find((x) => x.after.type === 'wait-for-funding-confirmed')!;
    const bSnapshot = (stale.actions[0] as { snapshot: Uint8Array }).snapshot;
    expect(() =>
      checkBatch({ ...side, persisted: bSnapshot }, batch.after, { state: batch.after, actions: [broadcast!] }),
    ).toThrow(/not backed by a persisted signature/);
    // The real batch passes.
    expect(() => checkBatch(side, batch.before, { state: batch.after, actions: batch.actions })).not.toThrow();
  });
});
