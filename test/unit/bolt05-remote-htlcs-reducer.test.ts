/**
 * BOLT 5 "Unilateral Close Handling: Remote Commitment Transaction — HTLC Output Handling" in the
 * channel reducer, through the pair harness: B's current commitment with an HTLC each way
 * confirms. A claims the HTLC B offered with the preimage it already revealed (its settle in the
 * log), at once; the HTLC A offered after its cltv_expiry (on tick); both pass bcoin's script
 * interpreter. When B instead claims A's HTLC with the preimage (its HTLC-success tx), A learns
 * the preimage from the chain: htlc-fulfilled with the HTLC's tag; the output is B's once that
 * spend is SWEEP_CONFIRMATION_DEPTH deep.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { derivePrivkey } from '../../engine/channel/bolt3/keys.ts';
import { finalizeLocalHtlcTx, localHtlcResolutions } from '../../engine/channel/bolt5/second-stage.ts';
import { decodeChannelState, encodeChannelState } from '../../engine/channel/codec.ts';
import { buildLocalCommitment, keysFor, signedLocalCommitment } from '../../engine/channel/commitments.ts';
import { claimTxsOf, closingOutputsOf, outputWatchesOf } from '../../engine/channel/index.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../../engine/channel/onchain.ts';
import type { ChannelType, Commitments, ForceClosingState } from '../../engine/channel/types.ts';
import { ChannelPair } from '../harness/channel-pair.ts';
import { scriptError } from './bolt03-interpreter.ts';

const SWEEP_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa5)).subarray(0, 20) }).output as Uint8Array;
const SWEEP_B = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xb5)).subarray(0, 20) }).output as Uint8Array;

function commitmentsOf(pair: ChannelPair, name: 'A' | 'B'): Commitments {
  const s = pair.side(name).state;
  if (!('commitments' in s)) throw new Error(`${name} in ${s.type}`);
  return s.commitments;
}

function forceClosing(pair: ChannelPair): ForceClosingState {
  const s = pair.a.state;
  if (s.type !== 'force-closing') throw new Error(`A is in ${s.type}`);
  return s;
}

function checkSpend(rawTx: Uint8Array, parent: Uint8Array): string {
  const tx = Transaction.fromBuffer(rawTx);
  const p = Transaction.fromBuffer(parent);
  expect(tx.ins).toHaveLength(1);
  const input = tx.ins[0]!;
  expect(bytesToHex(input.hash)).toBe(bytesToHex(p.getHash()));
  const prev = p.outs[input.index]!;
  expect(scriptError(rawTx, 0, prev.script, prev.value)).toBeUndefined();
  return `${bytesToHex(input.hash)}:${input.index}`;
}

/** A → B 50k sat (tag "out-1", expiring at `expiry`), B → A 40k sat; A fulfills B's (not yet delivered); B's current commitment holds both. */
function setup(channelType: ChannelType) {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType, pushMsat: 300_000_000n });
  pair.a.sweepScriptPubKey = SWEEP_A;
  pair.b.sweepScriptPubKey = SWEEP_B;
  const expiry = pair.blockHeight + 144;
  const out = pair.addHtlc('A', 50_000_000n, { n: 1, tag: 'out-1', cltvExpiry: expiry });
  pair.run();
  const incoming = pair.addHtlc('B', 40_000_000n, { n: 2 });
  pair.run();
  pair.step('A', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: incoming.preimage });
  const b = commitmentsOf(pair, 'B');
  const bKeys = keysFor(b.localParams, pair.b.keychain.channelKeys(pair.b.channelIndex));
  const commitmentTx = signedLocalCommitment(b, bKeys).toBuffer();
  expect(bytesToHex(Transaction.fromBuffer(commitmentTx).getHash())).toBe(bytesToHex(commitmentsOf(pair, 'A').remoteCommit.txid));
  const ours = buildLocalCommitment(b, bKeys, b.localCommit.index, b.localCommit.spec);
  const resolutions = localHtlcResolutions(ours, b.localCommit.htlcSignatures, (h) => (bytesToHex(h) === bytesToHex(out.paymentHash) ? out.preimage : undefined));
  const success = resolutions.ready.find((r) => r.htlcTx.kind === 'htlc-success')!;
  const htlcSuccessTx = finalizeLocalHtlcTx(success, derivePrivkey(bKeys.htlcBasepointSecret, ours.keys.perCommitmentPoint)).toBuffer();
  return { pair, commitmentTx, expiry, out, incoming, htlcSuccessTx };
}

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  describe(`BOLT 5 the peer's commitment with HTLCs (${channelType})`, () => {
    it('incoming HTLC with a known preimage claimed at once; outgoing one claimed by timeout after cltv_expiry; htlc-failed once deep; closed when all are resolved', () => {
      const { pair, commitmentTx, expiry } = setup(channelType);
      const before = pair.a.broadcasts.length;
      pair.step('A', { type: 'funding-spent', rawTx: commitmentTx, blockHeight: pair.blockHeight, depth: 1 });
      const s = forceClosing(pair);
      expect(s.htlcClaims).toHaveLength(2);
      expect(outputWatchesOf(s)).toHaveLength(2);
      const first = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'htlc-claim');
      expect(first).toHaveLength(1);
      const claimedIncoming = checkSpend(first[0]!.rawTx, commitmentTx);
      const saved = decodeChannelState(pair.a.persisted!) as ForceClosingState;
      expect(saved.htlcClaims?.some((p) => p.claimTx && bytesToHex(p.claimTx) === bytesToHex(first[0]!.rawTx))).toBe(true);
      const waiting = closingOutputsOf(s).find((o) => o.kind === 'htlc-offered')!;
      expect(waiting.status).toBe('waiting');
      expect(waiting.availableAtHeight).toBe(expiry + 1);

      // Not before the expiry: one block short, nothing.
      pair.blockHeight = expiry - 1;
      expect(pair.step('A', { type: 'tick' }).actions.filter((a) => a.type === 'broadcast')).toHaveLength(0);
      pair.blockHeight = expiry;
      pair.step('A', { type: 'tick' });
      const timeout = pair.a.broadcasts.slice(before).filter((b) => b.kind === 'htlc-claim');
      expect(timeout).toHaveLength(2);
      const claimedOutgoing = checkSpend(timeout[1]!.rawTx, commitmentTx);
      expect(claimedOutgoing).not.toBe(claimedIncoming);
      expect(Transaction.fromBuffer(timeout[1]!.rawTx).locktime).toBe(expiry);

      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      for (const c of timeout) pair.confirmTx('A', c.rawTx, SWEEP_CONFIRMATION_DEPTH);
      const failed = pair.emitted('A', 'htlc-failed').filter((e) => e.localReason?.startsWith('timed out on chain'));
      expect(failed).toHaveLength(1);
      expect(failed[0]!.tag).toBe('out-1');
      expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'claimed')).toHaveLength(2);
      const sweep = pair.a.broadcasts.filter((b) => b.kind === 'sweep');
      expect(sweep).toHaveLength(1);
      expect(pair.a.state.type).toBe('force-closing');
      pair.confirmTx('A', sweep[0]!.rawTx, SWEEP_CONFIRMATION_DEPTH);
      expect(pair.a.state.type).toBe('closed');
      // Closed keeps (and persists) the final picture: both HTLCs and to_remote claimed.
      const final = closingOutputsOf(decodeChannelState(encodeChannelState(pair.a.state)));
      expect(final.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['htlc-offered:claimed', 'htlc-received:claimed', 'to_remote:claimed']);
      expect(final.find((o) => o.kind === 'to_remote')!.claimTxid).toEqual(Transaction.fromBuffer(sweep[0]!.rawTx).getHash());
    });

    it("B claims A's HTLC with the preimage (its HTLC-success tx) → A learns it: htlc-fulfilled with the tag; the output is B's", () => {
      const { pair, commitmentTx, out, htlcSuccessTx } = setup(channelType);
      pair.step('A', { type: 'funding-spent', rawTx: commitmentTx, blockHeight: pair.blockHeight, depth: 1 });
      checkSpend(htlcSuccessTx, commitmentTx);
      const input = Transaction.fromBuffer(htlcSuccessTx).ins[0]!;
      pair.blockHeight += 1;
      pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight, depth: 1 });
      const fulfilled = pair.emitted('A', 'htlc-fulfilled').filter((e) => e.tag === 'out-1');
      expect(fulfilled).toHaveLength(1);
      expect(bytesToHex(fulfilled[0]!.paymentPreimage)).toBe(bytesToHex(out.preimage));
      // B's only once its spend is final (a reorg may still take it): watched on meanwhile.
      expect(closingOutputsOf(forceClosing(pair)).find((o) => o.kind === 'htlc-offered')?.status).not.toBe('theirs');
      expect(outputWatchesOf(forceClosing(pair)).some((x) => x.outputIndex === input.index)).toBe(true);
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH - 1;
      pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight - SWEEP_CONFIRMATION_DEPTH + 1, depth: SWEEP_CONFIRMATION_DEPTH });
      expect(closingOutputsOf(forceClosing(pair)).find((o) => o.kind === 'htlc-offered')?.status).toBe('theirs');
      expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'theirs')).toHaveLength(1);
      // Final: the next block changes nothing.
      const again = pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight - SWEEP_CONFIRMATION_DEPTH + 1, depth: SWEEP_CONFIRMATION_DEPTH + 1 });
      expect(again.actions).toEqual([]);
    });

    it("B's HTLC-success tx is reorged out before it is final → the output is still A's: claimed by timeout after cltv_expiry", () => {
      const { pair, commitmentTx, expiry, htlcSuccessTx } = setup(channelType);
      pair.step('A', { type: 'funding-spent', rawTx: commitmentTx, blockHeight: pair.blockHeight, depth: 1 });
      const input = Transaction.fromBuffer(htlcSuccessTx).ins[0]!;
      pair.blockHeight += 1;
      pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: htlcSuccessTx, blockHeight: pair.blockHeight, depth: 2 });
      expect(pair.emitted('A', 'htlc-fulfilled').filter((e) => e.tag === 'out-1')).toHaveLength(1);
      // A reorg takes B's spend (the node stops reporting it); the HTLC expires.
      pair.blockHeight = expiry;
      pair.step('A', { type: 'tick' });
      const claims = claimTxsOf(forceClosing(pair)).filter((c) => c.kind === 'htlc-claim' && Transaction.fromBuffer(c.rawTx).ins[0]!.index === input.index);
      expect(claims).toHaveLength(1);
      checkSpend(claims[0]!.rawTx, commitmentTx);
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      pair.confirmTx('A', claims[0]!.rawTx, SWEEP_CONFIRMATION_DEPTH);
      expect(closingOutputsOf(forceClosing(pair)).find((o) => o.kind === 'htlc-offered')?.status).toBe('claimed');
      expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'theirs')).toHaveLength(0);
    });
  });
}
