/**
 * BOLT 5 in the channel reducer, through the pair harness (real wire codec, persist-first and
 * codec round trip checked on every batch): the `force-close` command in every state, our
 * commitment broadcast and (anchors, low feerate) the CPFP request, `funding-spent` by our
 * commitment → to_local swept after to_self_delay → closed; by the peer's (current, or another
 * recognised by our to_remote output) → to_remote swept → closed; never our commitment from
 * `wait-for-remote-publish`; spends we cannot use are ignored. Every sweep passes bcoin's
 * script interpreter against the output it spends.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import { CHANNEL_SNAPSHOT_VERSION, decodeChannelState, encodeChannelState } from '../../../engine/channel/codec.ts';
import { closingOutputsOf } from '../../../engine/channel/closing-outputs.ts';
import { fundingScriptPubKey } from '../../../engine/channel/commitments.ts';
import { CPFP_FEERATE_MARGIN, SWEEP_CONFIRMATION_DEPTH } from '../../../engine/channel/onchain.ts';
import type { ChannelState, ChannelType, ForceClosingState, WaitForRemotePublishState } from '../../../engine/channel/types.ts';
import { ChannelPair, type SideName, SWEEP_A, SWEEP_B, actionKinds, forceClosingOf, fundingSpent, sweepingPair } from '../../harness/channel-pair.ts';
import { scriptError } from '../bolt03-interpreter.ts';

const PUSH_MSAT = 300_000_000n;

/** The commitment `name` broadcast. */
function commitmentOf(pair: ChannelPair, name: SideName): Uint8Array {
  const b = pair.side(name).broadcasts.find((x) => x.kind === 'commitment');
  if (!b) throw new Error(`${name} broadcast no commitment`);
  return b.rawTx;
}

/** The sweep `name` broadcast rests on a persisted snapshot holding it, and spends `commitment`'s output under bcoin's interpreter. */
function expectSweep(pair: ChannelPair, name: SideName, commitment: Uint8Array, to: Uint8Array): Transaction {
  const s = pair.side(name);
  const b = s.broadcasts.filter((x) => x.kind === 'sweep');
  expect(b).toHaveLength(1);
  const saved = decodeChannelState(s.persisted!) as ForceClosingState;
  expect(bytesToHex(saved.spend!.sweepTx!)).toBe(bytesToHex(b[0]!.rawTx));
  const sweep = Transaction.fromBuffer(b[0]!.rawTx);
  const parent = Transaction.fromBuffer(commitment);
  expect(bytesToHex(sweep.ins[0]!.hash)).toBe(bytesToHex(parent.getHash()));
  const prev = parent.outs[sweep.ins[0]!.index]!;
  expect(scriptError(b[0]!.rawTx, 0, prev.script, prev.value)).toBeUndefined();
  expect(sweep.outs).toHaveLength(1);
  expect(bytesToHex(sweep.outs[0]!.script)).toBe(bytesToHex(to));
  expect(sweep.outs[0]!.value).toBeLessThan(prev.value);
  return sweep;
}

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  describe(`BOLT 5 local force close (${channelType})`, () => {
    it('force-close → persisted, error sent, our commitment broadcast (it spends the funding output), funding spend watched', () => {
      const pair = sweepingPair(channelType, PUSH_MSAT);
      const before = pair.a.state as Extract<ChannelState, { type: 'normal' }>;
      const t = pair.step('A', { type: 'force-close' });
      expect(actionKinds(t.actions)).toEqual(['persist', 'send:error', 'broadcast:commitment', 'watch-spend', 'emit:channel-force-closed', 'emit:state-changed']);
      const s = forceClosingOf(pair, 'A');
      expect(s.spend).toBeUndefined();
      const tx = Transaction.fromBuffer(commitmentOf(pair, 'A'));
      expect(bytesToHex(tx.getHash())).toBe(bytesToHex(before.commitments.localCommit.txid));
      expect(scriptError(tx.toBuffer(), 0, fundingScriptPubKey(before.commitments.localParams, before.commitments.remoteParams), before.commitments.fundingSat)).toBeUndefined();
      const w = t.actions.find((a) => a.type === 'watch-spend') as Extract<ChannelAction, { type: 'watch-spend' }>;
      expect(bytesToHex(w.txid)).toBe(bytesToHex(before.commitments.fundingOutpoint.txid));
      expect(w.outputIndex).toBe(before.commitments.fundingOutpoint.index);
      // Again: rejected, nothing broadcast twice.
      const again = pair.step('A', { type: 'force-close' });
      expect(actionKinds(again.actions)).toEqual(['emit:command-rejected']);
      expect(pair.a.broadcasts.filter((b) => b.kind === 'commitment')).toHaveLength(1);
    });

    it('our commitment confirms → to_local swept only once to_self_delay has passed → closed after the sweep is deep enough', () => {
      const pair = sweepingPair(channelType, PUSH_MSAT);
      pair.step('A', { type: 'force-close' });
      const commitment = commitmentOf(pair, 'A');
      const delay = forceClosingOf(pair, 'A').commitments.remoteParams.toSelfDelay;
      pair.blockHeight += 1;
      const h = pair.blockHeight;
      const t = fundingSpent(pair, 'A', commitment, h);
      expect(actionKinds(t.actions)).toEqual(['persist', 'emit:commitment-confirmed']);
      expect(forceClosingOf(pair, 'A').spend).toMatchObject({ commitment: 'local', blockHeight: h });
      expect(forceClosingOf(pair, 'A').spend!.output).toBeDefined();
      // One block before the delay ends (a sweep would not be valid in the next block): nothing.
      pair.blockHeight = h + delay - 2;
      expect(actionKinds(pair.step('A', { type: 'tick' }).actions)).toEqual([]);
      expect(actionKinds(fundingSpent(pair, 'A', commitment, h).actions)).toEqual([]);
      pair.blockHeight = h + delay - 1;
      const m = pair.step('A', { type: 'tick' });
      expect(actionKinds(m.actions)).toEqual(['persist', 'broadcast:sweep', 'watch-confirmations', 'emit:sweep-broadcast']);
      const sweep = expectSweep(pair, 'A', commitment, SWEEP_A);
      expect(sweep.ins[0]!.sequence).toBe(delay);
      expect(sweep.version).toBe(2);
      // Built once; the node re-publishes it.
      expect(actionKinds(pair.step('A', { type: 'tick' }).actions)).toEqual([]);
      expect(actionKinds(pair.confirmTx('A', sweep.toBuffer(), SWEEP_CONFIRMATION_DEPTH - 1).actions)).toEqual([]);
      const done = pair.confirmTx('A', sweep.toBuffer(), SWEEP_CONFIRMATION_DEPTH);
      expect(actionKinds(done.actions)).toEqual(['persist', 'emit:channel-closed', 'emit:state-changed']);
      // The closed channel keeps the final picture of its outputs: our to_local, claimed in the sweep.
      const toLocal = Transaction.fromBuffer(commitment).outs[sweep.ins[0]!.index]!;
      const outputs = [{ txid: Transaction.fromBuffer(commitment).getHash(), outputIndex: sweep.ins[0]!.index, kind: 'to_local', amountSat: toLocal.value, status: 'claimed', claimTxid: sweep.getHash() }];
      const c = (m.state as ForceClosingState).commitments;
      // It still names its peer and funding (snapshot version 8), for Channels and Activity.
      const opened = { peerNodeId: c.peerNodeId, fundingOutpoint: c.fundingOutpoint };
      expect(pair.a.state).toEqual({ type: 'closed', channelId: c.channelId, closingTxid: Transaction.fromBuffer(commitment).getHash(), outputs, opened });
      expect(closingOutputsOf(pair.a.state)).toEqual(outputs);
      // Persisted: the snapshot (version 6) round-trips them, so a restart still shows them.
      const bytes = encodeChannelState(pair.a.state);
      expect(bytes[0]).toBe(CHANNEL_SNAPSHOT_VERSION);
      expect(decodeChannelState(bytes)).toEqual(pair.a.state);
    });

    it("the peer's current commitment confirms while we are normal → to_remote swept → closed", () => {
      const pair = sweepingPair(channelType, PUSH_MSAT);
      pair.step('A', { type: 'force-close' }); // its error stays in flight: B is still normal
      const theirs = commitmentOf(pair, 'A');
      pair.blockHeight += 1;
      const t = fundingSpent(pair, 'B', theirs, pair.blockHeight);
      // Anchors: spendable in the next block (CSV 1); static_remotekey: at once.
      expect(actionKinds(t.actions)).toEqual(['persist', 'emit:commitment-confirmed', 'emit:channel-force-closed', 'broadcast:sweep', 'watch-confirmations', 'emit:sweep-broadcast', 'emit:state-changed']);
      const s = forceClosingOf(pair, 'B');
      expect(s.commitmentTx).toBeUndefined();
      expect(s.spend).toMatchObject({ commitment: 'remote-current' });
      expect(pair.b.broadcasts.filter((b) => b.kind === 'commitment')).toHaveLength(0);
      const sweep = expectSweep(pair, 'B', theirs, SWEEP_B);
      expect(sweep.ins[0]!.sequence).toBe(anchors ? 1 : 0xfffffffd);
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      pair.confirmTx('B', sweep.toBuffer(), SWEEP_CONFIRMATION_DEPTH);
      expect(pair.b.state.type).toBe('closed');
    });

    it("after both failed the channel, the peer's commitment confirming instead of ours is swept from", () => {
      const pair = sweepingPair(channelType, PUSH_MSAT);
      pair.step('A', { type: 'force-close' });
      pair.run(); // B gets the error and broadcasts its own commitment
      expect(forceClosingOf(pair, 'B').commitmentTx).toBeDefined();
      const theirs = commitmentOf(pair, 'A');
      fundingSpent(pair, 'B', theirs, pair.blockHeight);
      expect(forceClosingOf(pair, 'B').spend).toMatchObject({ commitment: 'remote-current' });
      expect(forceClosingOf(pair, 'B').commitmentTx).toBeDefined();
      expectSweep(pair, 'B', theirs, SWEEP_B);
    });

    it('wait-for-remote-publish: force-close rejected (never our maybe-revoked commitment); the peer\'s unknown newer commitment is found by our to_remote and swept', () => {
      const pair = sweepingPair(channelType, PUSH_MSAT);
      pair.step('B', { type: 'force-close' });
      const theirs = commitmentOf(pair, 'B');
      const n = pair.a.state as Extract<ChannelState, { type: 'normal' }>;
      // As if the peer were ahead: its current commitment is not the one we know.
      const lost: WaitForRemotePublishState = {
        type: 'wait-for-remote-publish',
        commitments: {
          ...n.commitments,
          remoteCommit: { ...n.commitments.remoteCommit, index: 7, txid: new Uint8Array(32).fill(3) },
          log: { ...n.commitments.log, remote: { ...n.commitments.log.remote, ctn: 7 } },
        },
        remoteCurrentPerCommitmentPoint: n.commitments.remoteCommit.remotePerCommitmentPoint,
      };
      pair.a.state = lost;
      expect(actionKinds(pair.step('A', { type: 'force-close' }).actions)).toEqual(['emit:command-rejected']);
      expect(pair.a.broadcasts.map((b) => b.kind)).toEqual(['funding']);
      fundingSpent(pair, 'A', theirs, pair.blockHeight);
      const s = forceClosingOf(pair, 'A');
      expect(s.commitmentTx).toBeUndefined();
      expect(s.spend?.commitment).toBe('remote-other');
      expect(pair.a.broadcasts.map((b) => b.kind)).toEqual(['funding', 'sweep']);
      expectSweep(pair, 'A', theirs, SWEEP_A);
    });

    it('nothing of ours on the confirmed commitment (no balance): no sweep, closed at depth', () => {
      const pair = sweepingPair(channelType, 0n);
      pair.step('A', { type: 'force-close' });
      const theirs = commitmentOf(pair, 'A');
      const channelId = forceClosingOf(pair, 'A').commitments.channelId;
      const h = pair.blockHeight;
      const t = fundingSpent(pair, 'B', theirs, h);
      expect(actionKinds(t.actions)).toEqual(['persist', 'emit:commitment-confirmed', 'emit:channel-force-closed', 'emit:state-changed']);
      expect(forceClosingOf(pair, 'B').spend?.output).toBeUndefined();
      const c = forceClosingOf(pair, 'B').commitments;
      pair.blockHeight = h + SWEEP_CONFIRMATION_DEPTH - 2;
      fundingSpent(pair, 'B', theirs, h);
      expect(pair.b.state.type).toBe('force-closing');
      pair.blockHeight = h + SWEEP_CONFIRMATION_DEPTH - 1;
      fundingSpent(pair, 'B', theirs, h);
      // Nothing of ours was on it: no outputs to show (but its peer and funding, snapshot version 8).
      expect(pair.b.state).toEqual({ type: 'closed', channelId, closingTxid: Transaction.fromBuffer(theirs).getHash(), opened: { peerNodeId: c.peerNodeId, fundingOutpoint: c.fundingOutpoint } });
    });
  });
}

describe('BOLT 5 sweep destination', () => {
  it('without a wallet script, static_remotekey to_remote is not "swept" onto its own script (P2WPKH of our payment basepoint)', () => {
    const pair = sweepingPair('static_remotekey');
    pair.b.sweepScriptPubKey = undefined;
    pair.step('A', { type: 'force-close' });
    const t = fundingSpent(pair, 'B', commitmentOf(pair, 'A'), pair.blockHeight);
    expect(actionKinds(t.actions)).not.toContain('broadcast:sweep');
    expect(t.actions.some((a) => a.type === 'emit' && a.event.type === 'ignored' && a.event.what === 'sweep')).toBe(true);
    expect(forceClosingOf(pair, 'B').spend?.output).toBeUndefined();
  });
  it('without a wallet script, our to_local is swept to the fallback P2WPKH of our payment basepoint', () => {
    const pair = sweepingPair('anchors_zero_fee_htlc_tx');
    pair.a.sweepScriptPubKey = undefined;
    pair.step('A', { type: 'force-close' });
    const commitment = commitmentOf(pair, 'A');
    const s = forceClosingOf(pair, 'A');
    fundingSpent(pair, 'A', commitment, pair.blockHeight);
    pair.blockHeight += s.commitments.remoteParams.toSelfDelay;
    pair.step('A', { type: 'tick' });
    const fallback = payments.p2wpkh({ pubkey: s.commitments.localParams.paymentBasepoint }).output as Uint8Array;
    expectSweep(pair, 'A', commitment, fallback);
  });
});

describe('BOLT 5 anchor CPFP request', () => {
  it(`anchors, commitment feerate below ${CPFP_FEERATE_MARGIN} × our estimate: request-cpfp for our anchor with the commitment's weight and fee`, () => {
    const pair = sweepingPair('anchors_zero_fee_htlc_tx');
    pair.a.feeratePerKw = 10_000;
    const t = pair.step('A', { type: 'force-close' });
    expect(actionKinds(t.actions)).toEqual(['persist', 'send:error', 'broadcast:commitment', 'request-cpfp', 'watch-spend', 'emit:channel-force-closed', 'emit:state-changed']);
    const r = t.actions.find((a) => a.type === 'request-cpfp') as Extract<ChannelAction, { type: 'request-cpfp' }>;
    const tx = Transaction.fromBuffer(commitmentOf(pair, 'A'));
    const s = forceClosingOf(pair, 'A');
    expect(bytesToHex(r.parentTxid)).toBe(bytesToHex(tx.getHash()));
    expect(r.parentWeight).toBe(tx.weight());
    expect(r.parentFeeSat).toBe(s.commitments.fundingSat - tx.outs.reduce((x, o) => x + o.value, 0n));
    expect(tx.outs[r.anchorIndex]!.value).toBe(330n);
    expect(r.targetFeeratePerKw).toBe(10_000);
    expect(r.channelIndex).toBe(s.commitments.channelIndex);
  });
  it('with an HTLC on the commitment: the target is the estimate for its cltv_expiry when that is higher (BOLT 5 deadline)', () => {
    const pair = sweepingPair('anchors_zero_fee_htlc_tx');
    pair.addHtlc('A', 50_000_000n, { n: 1, cltvExpiry: pair.blockHeight + 12 });
    pair.run();
    pair.a.feeratePerKw = 2600; // within the margin of the commitment's 2500 sat/kw: no CPFP for our estimate alone
    // 11 blocks before the expiry → target 5 → the 1-block estimate 40 sat/vB (the 6-block one is 3).
    pair.a.feeEstimates = { 1: 40, 6: 3, 144: 1 };
    const t = pair.step('A', { type: 'force-close' });
    const r = t.actions.find((a) => a.type === 'request-cpfp') as Extract<ChannelAction, { type: 'request-cpfp' }>;
    expect(r.targetFeeratePerKw).toBe(10_000);
    // Far from the expiry the deadline asks for less than our estimate: no CPFP.
    const far = sweepingPair('anchors_zero_fee_htlc_tx');
    far.addHtlc('A', 50_000_000n, { n: 1, cltvExpiry: far.blockHeight + 500 });
    far.run();
    far.a.feeratePerKw = 2600;
    far.a.feeEstimates = { 1: 40, 6: 3, 144: 1 };
    expect(actionKinds(far.step('A', { type: 'force-close' }).actions)).not.toContain('request-cpfp');
  });
  it('within the margin, or without anchors: no CPFP', () => {
    for (const [type, est] of [['anchors_zero_fee_htlc_tx', 2600], ['static_remotekey', 10_000]] as const) {
      const pair = sweepingPair(type);
      pair.a.feeratePerKw = est;
      expect(actionKinds(pair.step('A', { type: 'force-close' }).actions)).not.toContain('request-cpfp');
    }
  });
});

describe('BOLT 5 force-close command and funding-spent in other states', () => {
  it('wait-for-funding-confirmed accepts force-close (the fundee publishes nothing: funding unseen); idle and aborted reject it', () => {
    const pair = new ChannelPair();
    expect(actionKinds(pair.step('A', { type: 'force-close' }).actions)).toEqual(['emit:command-rejected']);
    pair.open({ channelType: 'static_remotekey' });
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    const t = pair.step('A', { type: 'force-close' });
    expect(t.state.type).toBe('force-closing');
    expect(actionKinds(t.actions)).toContain('broadcast:commitment');
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    const b = pair.step('B', { type: 'force-close' });
    expect(b.state.type).toBe('wait-for-funding-confirmed');
    expect(actionKinds(b.actions)).not.toContain('broadcast:commitment');
  });

  it('a spend that is no commitment of ours or theirs, a tx not spending the funding, garbage: ignored, state unchanged', () => {
    const pair = sweepingPair('static_remotekey');
    const before = pair.a.state;
    const n = before as Extract<ChannelState, { type: 'normal' }>;
    const other = new Transaction();
    other.version = 2;
    other.addInput(n.commitments.fundingOutpoint.txid.slice(), n.commitments.fundingOutpoint.index, 0xffffffff);
    other.addOutput(SWEEP_B, 900_000n);
    const unrelated = new Transaction();
    unrelated.addInput(new Uint8Array(32).fill(1), 0, 0xffffffff);
    unrelated.addOutput(SWEEP_A, 1000n);
    for (const rawTx of [other.toBuffer(), unrelated.toBuffer(), Uint8Array.of(1, 2, 3)]) {
      const t = pair.step('A', { type: 'funding-spent', rawTx, blockHeight: pair.blockHeight, depth: 1 });
      expect(actionKinds(t.actions)).toEqual(['emit:ignored']);
      expect(t.state).toBe(before);
    }
  });
});
