/**
 * BOLT 5 "Unilateral Close Handling: Local Commitment Transaction — HTLC Output Handling" in the
 * channel reducer, through the pair harness: A force-closes with an HTLC each way on its
 * commitment. static_remotekey: the HTLC-success tx (A had fulfilled the incoming HTLC) goes out
 * at once, the HTLC-timeout tx after cltv_expiry, each completed with B's stored signature; their
 * outputs are swept after to_self_delay; bcoin's interpreter accepts every input; closed when all
 * are deep. Anchors: the zero-fee HTLC txs need a wallet input (not wired): the outputs wait.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { closingOutputsOf, outputWatchesOf } from '../../engine/channel/index.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../../engine/channel/onchain.ts';
import type { ForceClosingState } from '../../engine/channel/types.ts';
import { ChannelPair } from '../harness/channel-pair.ts';
import { scriptError } from './bolt03-interpreter.ts';

const SWEEP_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa5)).subarray(0, 20) }).output as Uint8Array;

function forceClosing(pair: ChannelPair): ForceClosingState {
  const s = pair.a.state;
  if (s.type !== 'force-closing') throw new Error(`A is in ${s.type}`);
  return s;
}

function checkSpend(rawTx: Uint8Array, parent: Uint8Array): void {
  const tx = Transaction.fromBuffer(rawTx);
  const p = Transaction.fromBuffer(parent);
  expect(tx.ins).toHaveLength(1);
  expect(bytesToHex(tx.ins[0]!.hash)).toBe(bytesToHex(p.getHash()));
  const prev = p.outs[tx.ins[0]!.index]!;
  expect(scriptError(rawTx, 0, prev.script, prev.value)).toBeUndefined();
}

function setup(channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx') {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType, pushMsat: 300_000_000n });
  pair.a.sweepScriptPubKey = SWEEP_A;
  const expiry = pair.blockHeight + 144;
  pair.addHtlc('A', 50_000_000n, { n: 1, tag: 'out-1', cltvExpiry: expiry });
  pair.run();
  const incoming = pair.addHtlc('B', 40_000_000n, { n: 2 });
  pair.run();
  pair.step('A', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: incoming.preimage });
  pair.step('A', { type: 'force-close' });
  const commitment = pair.a.broadcasts.find((b) => b.kind === 'commitment')!.rawTx;
  pair.blockHeight += 1;
  const h = pair.blockHeight;
  pair.step('A', { type: 'funding-spent', rawTx: commitment, blockHeight: h, depth: 1 });
  return { pair, commitment, expiry, h };
}

describe('BOLT 5 our commitment with HTLCs', () => {
  it('static_remotekey: HTLC-success at once, HTLC-timeout after expiry, both swept after to_self_delay; htlc-failed for the timed-out one; closed when all are deep', () => {
    const { pair, commitment, expiry } = setup('static_remotekey');
    const s = forceClosing(pair);
    const delay = s.commitments.remoteParams.toSelfDelay;
    expect(s.htlcClaims).toHaveLength(2);
    expect(outputWatchesOf(s)).toHaveLength(2);
    const success = pair.a.broadcasts.filter((b) => b.kind === 'second-stage');
    expect(success).toHaveLength(1);
    checkSpend(success[0]!.rawTx, commitment);
    const keys = { channelKeys: (i: number) => pair.a.keychain.channelKeys(i) };
    expect(closingOutputsOf(s, keys).map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['htlc-offered:waiting', 'htlc-received:claimable', 'to_local:waiting']);

    // The HTLC-success tx confirms; its output is swept once to_self_delay has passed.
    pair.confirmTx('A', success[0]!.rawTx, 1);
    const confirmedAt = pair.blockHeight;
    pair.blockHeight = expiry;
    pair.step('A', { type: 'tick' });
    const commitmentTxid = bytesToHex(Transaction.fromBuffer(commitment).getHash());
    const spendsCommitment = (raw: Uint8Array): boolean => bytesToHex(Transaction.fromBuffer(raw).ins[0]!.hash) === commitmentTxid;
    const timeout = pair.a.broadcasts.filter((b) => b.kind === 'second-stage' && spendsCommitment(b.rawTx));
    expect(timeout).toHaveLength(2);
    checkSpend(timeout[1]!.rawTx, commitment);
    expect(Transaction.fromBuffer(timeout[1]!.rawTx).locktime).toBe(expiry);
    pair.confirmTx('A', timeout[1]!.rawTx, 1);
    const timeoutAt = pair.blockHeight;
    pair.blockHeight = Math.max(confirmedAt, timeoutAt) + delay;
    pair.step('A', { type: 'tick' });
    const all = pair.a.broadcasts.filter((b) => b.kind === 'second-stage');
    expect(all).toHaveLength(4);
    const sweeps = all.filter((b) => !spendsCommitment(b.rawTx));
    expect(sweeps).toHaveLength(2);
    checkSpend(sweeps.find((x) => bytesToHex(Transaction.fromBuffer(x.rawTx).ins[0]!.hash) === bytesToHex(Transaction.fromBuffer(success[0]!.rawTx).getHash()))!.rawTx, success[0]!.rawTx);
    checkSpend(sweeps.find((x) => bytesToHex(Transaction.fromBuffer(x.rawTx).ins[0]!.hash) === bytesToHex(Transaction.fromBuffer(timeout[1]!.rawTx).getHash()))!.rawTx, timeout[1]!.rawTx);
    for (const x of sweeps) expect(Transaction.fromBuffer(x.rawTx).ins[0]!.sequence).toBe(delay);

    pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
    for (const x of sweeps) pair.confirmTx('A', x.rawTx, SWEEP_CONFIRMATION_DEPTH);
    const failed = pair.emitted('A', 'htlc-failed').filter((e) => e.localReason?.startsWith('timed out on chain'));
    expect(failed.map((e) => e.tag)).toEqual(['out-1']);
    expect(pair.a.state.type).toBe('force-closing');
    const toLocal = pair.a.broadcasts.filter((b) => b.kind === 'sweep');
    expect(toLocal).toHaveLength(1);
    pair.confirmTx('A', toLocal[0]!.rawTx, SWEEP_CONFIRMATION_DEPTH);
    expect(pair.a.state.type).toBe('closed');
  });

  it('anchors: the HTLC outputs wait (zero-fee HTLC txs need a wallet input) and say so; the channel does not close over them', () => {
    const { pair } = setup('anchors_zero_fee_htlc_tx');
    expect(pair.a.broadcasts.filter((b) => b.kind === 'second-stage')).toHaveLength(0);
    expect(pair.emitted('A', 'ignored').some((e) => e.what === 'second-stage' && /wallet input/.test(e.reason))).toBe(true);
    const keys = { channelKeys: (i: number) => pair.a.keychain.channelKeys(i) };
    expect(closingOutputsOf(forceClosing(pair), keys).filter((o) => o.kind.startsWith('htlc')).every((o) => o.status === 'waiting')).toBe(true);
  });
});
