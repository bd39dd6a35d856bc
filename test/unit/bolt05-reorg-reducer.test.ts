/**
 * BOLT 5 reorgs in the channel reducer, through the pair harness (real wire codec; persist-first
 * and codec round trip checked on every batch, so `spend.reorged` survives a restart):
 *
 *   - the peer's commitment confirms, our to_remote sweep is built, then a reorg takes the
 *     commitment's block (`funding-spend-reorged`): marked and persisted, nothing built or ended
 *     meanwhile (not even on a stale report of the sweep at depth), the sweep kept in
 *     `claimTxsOf` (the node keeps publishing it); the same commitment confirms again at another
 *     height → counted from there, the very same sweep ends the channel at depth 6;
 *   - a DIFFERENT commitment confirms after the reorg: ours (we had broadcast it: it is
 *     broadcast again on the reorg) → to_local with our CSV, the old sweep dropped; the peer's
 *     revoked one → justice;
 *   - `claimTxsOf` lists every claim built and not final, of every kind.
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import type { ChannelAction } from '../../engine/channel/actions.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { keysFor, signedLocalCommitment } from '../../engine/channel/commitments.ts';
import { claimTxsOf } from '../../engine/channel/index.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../../engine/channel/onchain.ts';
import type { ChannelType, ForceClosingState } from '../../engine/channel/types.ts';
import { type ChannelPair, type SideName, actionKinds, commitmentsOf, forceClosingOf, fundingSpent, sweepingPair } from '../harness/channel-pair.ts';

/** `name`'s latest commitment, signed (what it would broadcast). */
function signedCommitment(pair: ChannelPair, name: SideName): Uint8Array {
  const c = commitmentsOf(pair, name);
  const side = pair.side(name);
  return signedLocalCommitment(c, keysFor(c.localParams, side.keychain.channelKeys(side.channelIndex))).toBuffer();
}

const txidOf = (raw: Uint8Array): string => bytesToHex(Transaction.fromBuffer(raw).getHash());
const claimIds = (s: ForceClosingState): string[] => claimTxsOf(s).map((c) => `${c.kind}:${bytesToHex(c.txid)}`);

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  describe(`BOLT 5 reorg of a close (${channelType})`, () => {
    it("the peer's commitment is reorged out and confirms again higher: nothing ends meanwhile, the same sweep ends the channel", () => {
      const pair = sweepingPair(channelType);
      const theirs = signedCommitment(pair, 'A');
      pair.blockHeight += 1;
      const h = pair.blockHeight;
      fundingSpent(pair, 'B', theirs, h);
      const sweep = pair.b.broadcasts.find((b) => b.kind === 'sweep')!.rawTx;
      expect(forceClosingOf(pair, 'B').spend).toMatchObject({ commitment: 'remote-current', blockHeight: h });
      pair.blockHeight += 2;

      const r = pair.step('B', { type: 'funding-spend-reorged', txid: Transaction.fromBuffer(theirs).getHash() });
      expect(actionKinds(r.actions)).toEqual(['persist', 'emit:commitment-reorged']); // B never signed a commitment of its own to broadcast
      const s = forceClosingOf(pair, 'B');
      expect(s.spend?.reorged).toBe(true);
      expect((decodeChannelState(pair.b.persisted!) as ForceClosingState).spend?.reorged).toBe(true);
      // Its sweep stays listed: the node keeps publishing it (it is valid again once the commitment is back).
      expect(claimIds(s)).toEqual([`sweep:${txidOf(sweep)}`]);
      // Reported again (the node asks once per loss): nothing new.
      expect(actionKinds(pair.step('B', { type: 'funding-spend-reorged', txid: Transaction.fromBuffer(theirs).getHash() }).actions)).toEqual([]);
      // Meanwhile nothing is built or ended, even on a stale report of the sweep at depth.
      pair.blockHeight += 10;
      expect(actionKinds(pair.step('B', { type: 'tick' }).actions)).toEqual([]);
      expect(actionKinds(pair.confirmTx('B', sweep, SWEEP_CONFIRMATION_DEPTH).actions)).toEqual([]);
      expect(pair.b.state.type).toBe('force-closing');

      // The fork confirms the same commitment 12 blocks higher.
      const h2 = pair.blockHeight;
      const again = fundingSpent(pair, 'B', theirs, h2);
      expect(actionKinds(again.actions)).toEqual(['persist', 'emit:commitment-confirmed']);
      expect(forceClosingOf(pair, 'B').spend).toMatchObject({ commitment: 'remote-current', blockHeight: h2 });
      expect(forceClosingOf(pair, 'B').spend?.reorged).toBeUndefined();
      expect(forceClosingOf(pair, 'B').spend?.sweepTx).toEqual(sweep); // not rebuilt: the same tx the mempools know
      expect(pair.b.broadcasts.filter((b) => b.kind === 'sweep')).toHaveLength(1);
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      expect(actionKinds(pair.confirmTx('B', sweep, SWEEP_CONFIRMATION_DEPTH - 1).actions)).toEqual([]);
      expect(actionKinds(pair.confirmTx('B', sweep, SWEEP_CONFIRMATION_DEPTH).actions)).toEqual(['persist', 'emit:channel-closed', 'emit:state-changed']);
    });

    it('a different commitment confirms after the reorg: ours (broadcast again on the reorg) → to_local with its CSV; the old sweep dropped', () => {
      const pair = sweepingPair(channelType);
      const theirs = signedCommitment(pair, 'B');
      pair.step('A', { type: 'force-close' });
      const ours = pair.a.broadcasts.find((b) => b.kind === 'commitment')!.rawTx;
      // B's commitment wins the race first.
      pair.blockHeight += 1;
      fundingSpent(pair, 'A', theirs, pair.blockHeight);
      expect(forceClosingOf(pair, 'A').spend?.commitment).toBe('remote-current');
      const oldSweep = forceClosingOf(pair, 'A').spend!.sweepTx!;
      expect(claimIds(forceClosingOf(pair, 'A'))).toEqual([`sweep:${txidOf(oldSweep)}`]); // our commitment: never again while theirs stands

      const r = pair.step('A', { type: 'funding-spend-reorged', txid: Transaction.fromBuffer(theirs).getHash() });
      expect(actionKinds(r.actions)).toEqual(['persist', 'emit:commitment-reorged', 'broadcast:commitment']);
      expect((r.actions.find((a) => a.type === 'broadcast') as Extract<ChannelAction, { type: 'broadcast' }>).rawTx).toEqual(ours);
      expect(claimIds(forceClosingOf(pair, 'A'))).toEqual([`commitment:${txidOf(ours)}`, `sweep:${txidOf(oldSweep)}`]);

      // The fork confirms OUR commitment instead.
      pair.blockHeight += 2;
      const h = pair.blockHeight;
      const t = fundingSpent(pair, 'A', ours, h);
      expect(actionKinds(t.actions)).toEqual(['persist', 'emit:commitment-confirmed']);
      const s = forceClosingOf(pair, 'A');
      expect(s.spend).toMatchObject({ commitment: 'local', blockHeight: h });
      expect(s.spend?.sweepTx).toBeUndefined();
      expect(s.spend?.reorged).toBeUndefined();
      expect(claimTxsOf(s)).toEqual([]); // the old sweep spends a commitment that is no more
      const delay = s.commitments.remoteParams.toSelfDelay;
      pair.blockHeight = h + delay - 1;
      const m = pair.step('A', { type: 'tick' });
      expect(actionKinds(m.actions)).toEqual(['persist', 'broadcast:sweep', 'watch-confirmations', 'emit:sweep-broadcast']);
      const sweep = Transaction.fromBuffer(forceClosingOf(pair, 'A').spend!.sweepTx!);
      expect(bytesToHex(sweep.ins[0]!.hash)).toBe(txidOf(ours));
      expect(sweep.ins[0]!.sequence).toBe(delay);
    });

    it("a different commitment confirms after the reorg: the peer's revoked one → justice", () => {
      const pair = sweepingPair(channelType);
      const revoked = signedCommitment(pair, 'B');
      const revokedNumber = commitmentsOf(pair, 'B').localCommit.index;
      // The channel moves on: B's commitment above is revoked.
      const h1 = pair.addHtlc('A', 20_000_000n, { n: 1 });
      pair.run();
      pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: h1.preimage });
      pair.run();
      expect(commitmentsOf(pair, 'A').remoteCommit.index).toBeGreaterThan(revokedNumber);
      const current = signedCommitment(pair, 'B');

      pair.blockHeight += 1;
      fundingSpent(pair, 'A', current, pair.blockHeight);
      expect(forceClosingOf(pair, 'A').spend?.commitment).toBe('remote-current');
      pair.step('A', { type: 'funding-spend-reorged', txid: Transaction.fromBuffer(current).getHash() });
      expect(forceClosingOf(pair, 'A').spend?.reorged).toBe(true);

      pair.blockHeight += 1;
      const t = fundingSpent(pair, 'A', revoked, pair.blockHeight);
      expect(actionKinds(t.actions)).toContain('broadcast:justice');
      const s = forceClosingOf(pair, 'A');
      expect(s.breach?.commitmentNumber).toBe(revokedNumber);
      expect(s.spend?.reorged).toBeUndefined();
      expect(bytesToHex(s.spend!.txid)).toBe(txidOf(revoked));
      const justice = s.breach!.claims.map((c) => `justice:${txidOf(c.rawTx)}`);
      expect(justice.length).toBeGreaterThan(0);
      // Every claim is listed for the node: the justice txs, and the to_remote sweep on the revoked commitment.
      expect(claimIds(s).filter((k) => k.startsWith('justice:'))).toEqual(justice);
      for (const c of claimTxsOf(s)) expect(bytesToHex(Transaction.fromBuffer(c.rawTx).ins[0]!.hash)).toBe(txidOf(revoked));
    });
  });
}

describe('claimTxsOf', () => {
  it('is empty outside force-closing, and a claim leaves it once final', () => {
    const pair = sweepingPair('static_remotekey');
    expect(claimTxsOf(pair.a.state)).toEqual([]);
    const theirs = signedCommitment(pair, 'A');
    pair.blockHeight += 1;
    fundingSpent(pair, 'B', theirs, pair.blockHeight);
    expect(claimTxsOf(pair.b.state).map((c) => c.kind)).toEqual(['sweep']);
    pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
    pair.confirmTx('B', forceClosingOf(pair, 'B').spend!.sweepTx!, SWEEP_CONFIRMATION_DEPTH);
    expect(pair.b.state.type).toBe('closed');
    expect(claimTxsOf(pair.b.state)).toEqual([]);
  });
});
