/**
 * BOLT 5 "Revoked Transaction Close Handling" in the channel reducer, through the pair harness
 * (real wire codec; persist-first and codec round trip checked on every batch): B's commitment
 * with HTLCs both ways is kept, the channel moves on (B revokes it: A's `persist-revoked`), then
 * B's revoked commitment confirms. A's justice transactions take its to_local and both HTLC
 * outputs (bcoin's script interpreter checks every input), our to_remote is swept, and when B
 * gets its HTLC-success transaction in first, A takes that transaction's output by revocation too.
 * Setup: test/harness/breach-pair.ts.
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { decodeRevokedCommitment } from '../../engine/channel/bolt5/revoked.ts';
import { decodeChannelState, encodeChannelState } from '../../engine/channel/codec.ts';
import { closingOutputsOf, commitmentNumberOfSpend, outputWatchesOf } from '../../engine/channel/index.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../../engine/channel/onchain.ts';
import type { ChannelType, ForceClosingState } from '../../engine/channel/types.ts';
import { breachSetup, checkSpends, forceClosing } from '../harness/breach-pair.ts';

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  describe(`BOLT 5 revoked commitment (${channelType})`, () => {
    it("revoke_and_ack of a commitment with HTLC outputs → persist-revoked with that commitment's HTLCs (the peer's view); none without HTLCs", () => {
      const { pair, revokedNumber } = breachSetup(channelType);
      const record = pair.a.revokedRecords.get(revokedNumber);
      expect(record).toBeDefined();
      const decoded = decodeRevokedCommitment(record!);
      expect(decoded.commitmentNumber).toBe(revokedNumber);
      expect(decoded.htlcs.map((h) => `${h.direction}:${h.amountMsat}`).sort()).toEqual(['offered:40000000', 'received:50000000']);
      // Commitments revoked before any HTLC (number 0, at open) were not recorded.
      for (const r of pair.a.revokedRecords.values()) expect(decodeRevokedCommitment(r).htlcs.length).toBeGreaterThan(0);
      expect(pair.a.revokedRecords.has(0)).toBe(false);
    });

    it('the revoked commitment confirms → justice txs broadcast at once take to_local and every HTLC output; to_remote swept; closed when all are deep', () => {
      const { pair, revokedTx, revokedNumber } = breachSetup(channelType);
      expect(commitmentNumberOfSpend(pair.a.state, revokedTx)).toBe(revokedNumber);
      const record = pair.a.revokedRecords.get(revokedNumber)!;
      const before = pair.a.broadcasts.length;
      pair.step('A', { type: 'funding-spent', rawTx: revokedTx, blockHeight: pair.blockHeight, depth: 1, revokedRecord: record });
      const s = forceClosing(pair);
      expect(s.breach?.commitmentNumber).toBe(revokedNumber);
      // Persisted before the broadcasts: the snapshot holds the claims.
      const saved = decodeChannelState(pair.a.persisted!) as ForceClosingState;
      expect(saved.breach?.claims.map((c) => bytesToHex(c.rawTx))).toEqual(s.breach!.claims.map((c) => bytesToHex(c.rawTx)));
      const justice = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'justice');
      expect(justice.length).toBeGreaterThan(0);
      const taken = justice.flatMap((j) => checkSpends(j.rawTx, [revokedTx]));
      const commitment = Transaction.fromBuffer(revokedTx);
      const txid = bytesToHex(commitment.getHash());
      // Every output but our to_remote (swept) and the 330-sat anchors is taken.
      const sweep = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'sweep');
      expect(sweep).toHaveLength(1);
      const swept = checkSpends(sweep[0]!.rawTx, [revokedTx]);
      const expected = commitment.outs.map((o, i) => ({ o, i })).filter(({ o }) => !(anchors && o.value === 330n)).map(({ i }) => `${txid}:${i}`);
      expect([...taken, ...swept].sort()).toEqual(expected.sort());
      expect(taken).toHaveLength(3); // to_local + 2 HTLCs
      // The UI view and the watches.
      const view = closingOutputsOf(s);
      expect(view.filter((o) => o.kind === 'revoked-htlc')).toHaveLength(2);
      expect(view.filter((o) => o.kind === 'revoked-to_local')).toHaveLength(1);
      expect(view.filter((o) => o.kind === 'revoked-htlc' || o.kind === 'revoked-to_local').every((o) => o.status === 'claimable')).toBe(true);
      expect(outputWatchesOf(s).map((w) => `${bytesToHex(w.txid)}:${w.outputIndex}`).sort()).toEqual([...taken].sort());

      // Deep enough: each justice tx, then the sweep → closed.
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      for (const j of justice) pair.confirmTx('A', j.rawTx, SWEEP_CONFIRMATION_DEPTH);
      expect(pair.a.state.type).toBe('force-closing');
      expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'claimed')).toHaveLength(3);
      pair.confirmTx('A', sweep[0]!.rawTx, SWEEP_CONFIRMATION_DEPTH);
      expect(pair.a.state.type).toBe('closed');
      // Closed keeps (and persists) the final picture: everything taken, claimed.
      const final = closingOutputsOf(decodeChannelState(encodeChannelState(pair.a.state)));
      expect(final.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['revoked-htlc:claimed', 'revoked-htlc:claimed', 'revoked-to_local:claimed', 'to_remote:claimed']);
      expect(final.map((o) => `${bytesToHex(o.txid)}:${o.outputIndex}`).sort()).toEqual(expected.sort());
    });

    it('without a record only to_local (and to_remote) are taken', () => {
      const { pair, revokedTx } = breachSetup(channelType);
      const before = pair.a.broadcasts.length;
      pair.step('A', { type: 'funding-spent', rawTx: revokedTx, blockHeight: pair.blockHeight, depth: 1 });
      const justice = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'justice');
      expect(justice.flatMap((j) => checkSpends(j.rawTx, [revokedTx]))).toHaveLength(1);
      expect(closingOutputsOf(forceClosing(pair)).map((o) => o.kind).sort()).toEqual(['revoked-to_local', 'to_remote']);
    });

    it("B's HTLC-success tx gets in first → the justice tx that lost its input is replaced; A takes the HTLC-success output by revocation", () => {
      const { pair, revokedTx, revokedNumber, htlcSuccessTx } = breachSetup(channelType);
      pair.step('A', { type: 'funding-spent', rawTx: revokedTx, blockHeight: pair.blockHeight, depth: 1, revokedRecord: pair.a.revokedRecords.get(revokedNumber)! });
      const first = forceClosing(pair).breach!.claims.map((c) => bytesToHex(c.rawTx));
      const success = Transaction.fromBuffer(htlcSuccessTx);
      checkSpends(htlcSuccessTx, [revokedTx]); // a valid transaction of B's
      pair.blockHeight += 1;
      const before = pair.a.broadcasts.length;
      const input = success.ins[0]!;
      pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight, depth: 1 });
      const s = forceClosing(pair);
      expect(s.breach!.secondStageTxs).toHaveLength(1);
      const fresh = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'justice');
      expect(fresh.length).toBeGreaterThan(0);
      const taken = fresh.flatMap((j) => checkSpends(j.rawTx, [revokedTx, htlcSuccessTx]));
      expect(taken).toContain(`${bytesToHex(success.getHash())}:0`);
      // No claim left spends the input B took.
      const lost = `${bytesToHex(input.hash)}:${input.index}`;
      for (const c of s.breach!.claims) expect(Transaction.fromBuffer(c.rawTx).ins.map((i) => `${bytesToHex(i.hash)}:${i.index}`)).not.toContain(lost);
      expect(closingOutputsOf(s).some((o) => o.kind === 'second-stage' && o.status === 'claimable')).toBe(true);
      expect(first.length).toBeGreaterThan(0);
      // The same spend one block deeper changes nothing.
      const again = pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight, depth: 2 });
      expect(again.actions).toEqual([]);
    });
  });
}
