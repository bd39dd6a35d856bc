/**
 * The reducer-level breach setup shared by the BOLT 5 unit tests (bolt05-breach-reducer,
 * bolt05-fees): a ChannelPair where B's commitment with an HTLC each way is kept and then
 * revoked, and a check that a claim's inputs pass bcoin's script interpreter.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { expect } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { derivePrivkey } from '../../engine/channel/bolt3/keys.ts';
import { finalizeLocalHtlcTx, localHtlcResolutions } from '../../engine/channel/bolt5/second-stage.ts';
import { buildLocalCommitment, keysFor, signedLocalCommitment } from '../../engine/channel/commitments.ts';
import type { ChannelType, Commitments, ForceClosingState } from '../../engine/channel/types.ts';
import { scriptError } from '../unit/bolt03-interpreter.ts';
import { ChannelPair } from './channel-pair.ts';

export const SWEEP_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa5)).subarray(0, 20) }).output as Uint8Array;
export const SWEEP_B = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xb5)).subarray(0, 20) }).output as Uint8Array;

export function commitmentsOf(pair: ChannelPair, name: 'A' | 'B'): Commitments {
  const s = pair.side(name).state;
  if (!('commitments' in s)) throw new Error(`${name} in ${s.type}`);
  return s.commitments;
}

export function forceClosing(pair: ChannelPair): ForceClosingState {
  const s = pair.a.state;
  if (s.type !== 'force-closing') throw new Error(`A is in ${s.type}`);
  return s;
}

/** B's commitment with an HTLC each way, kept; then B fulfills A's HTLC, which revokes it. */
export function breachSetup(channelType: ChannelType) {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType, pushMsat: 300_000_000n });
  pair.a.sweepScriptPubKey = SWEEP_A;
  pair.b.sweepScriptPubKey = SWEEP_B;
  const toB = pair.addHtlc('A', 50_000_000n, { n: 1 });
  pair.run();
  pair.addHtlc('B', 40_000_000n, { n: 2 });
  pair.run();
  const b = commitmentsOf(pair, 'B');
  const bKeys = keysFor(b.localParams, pair.b.keychain.channelKeys(pair.b.channelIndex));
  const revokedTx = signedLocalCommitment(b, bKeys).toBuffer();
  const revokedNumber = b.localCommit.index;
  // B's HTLC-success of A's HTLC on that commitment, signed as B would (the peer's signatures it holds).
  const ours = buildLocalCommitment(b, bKeys, b.localCommit.index, b.localCommit.spec);
  const resolutions = localHtlcResolutions(ours, b.localCommit.htlcSignatures, (h) => (bytesToHex(h) === bytesToHex(toB.paymentHash) ? toB.preimage : undefined));
  const success = resolutions.ready.find((r) => r.htlcTx.kind === 'htlc-success')!;
  const htlcSuccessTx = finalizeLocalHtlcTx(success, derivePrivkey(bKeys.htlcBasepointSecret, ours.keys.perCommitmentPoint)).toBuffer();

  pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: toB.preimage });
  pair.run();
  expect(commitmentsOf(pair, 'A').remoteCommit.index).toBeGreaterThan(revokedNumber);
  return { pair, revokedTx, revokedNumber, htlcSuccessTx };
}

/** Every input of `rawTx` that spends one of `parents` passes bcoin's interpreter; returns those outpoints. */
export function checkSpends(rawTx: Uint8Array, parents: readonly Uint8Array[]): string[] {
  const tx = Transaction.fromBuffer(rawTx);
  const ps = parents.map((p) => Transaction.fromBuffer(p));
  return tx.ins.map((input, n) => {
    const parent = ps.find((p) => bytesToHex(p.getHash()) === bytesToHex(input.hash));
    if (!parent) throw new Error(`input ${n} spends no known parent`);
    const prev = parent.outs[input.index]!;
    expect(scriptError(rawTx, n, prev.script, prev.value)).toBeUndefined();
    return `${bytesToHex(input.hash)}:${input.index}`;
  });
}
