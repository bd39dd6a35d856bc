/**
 * BOLT 5 "Unilateral Close Handling: Local Commitment Transaction — HTLC Output Handling" in the
 * channel reducer, through the pair harness: A force-closes with an HTLC each way on its
 * commitment. static_remotekey: the HTLC-success tx (A had fulfilled the incoming HTLC) goes out
 * at once, the HTLC-timeout tx after cltv_expiry, each completed with B's stored signature; their
 * outputs are swept after to_self_delay; bcoin's interpreter accepts every input; closed when all
 * are deep. Anchors: the channel presigns each zero-fee HTLC tx (SINGLE|ANYONECANPAY) and asks for
 * its fee (`request-htlc-tx-fee`, again each block until answered); a test wallet attaches a coin
 * (buildAnchorHtlcTx) and answers `htlc-tx-funded`; the channel persists that tx before it is
 * broadcast, refuses (and releases) a second version, warns when unfunded, keeps the funded tx
 * across a restart; the second-stage output is swept after to_self_delay.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { type RequestHtlcTxCpfpAction, type RequestHtlcTxFeeAction, closingOutputsOf, decodeChannelState, encodeChannelState, outputWatchesOf } from '../../engine/channel/index.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { hash160, p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import { type WalletCoin, buildAnchorHtlcTx } from '../../engine/channel/bolt5/index.ts';
import { closingTxs } from '../../engine/node/channel-onchain.ts';
import { confirmationTarget } from '../../engine/channel/bolt5/urgency.ts';
import { claimFeerate } from '../../engine/channel/claim-fees.ts';
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
    // Closed keeps the final picture (persisted): each output claimed in its last tx (the HTLCs' in their sweeps).
    const final = closingOutputsOf(decodeChannelState(encodeChannelState(pair.a.state)));
    expect(final).toEqual(closingOutputsOf(pair.a.state));
    expect(final.map((o) => `${o.kind}:${o.status}`).sort()).toEqual(['htlc-offered:claimed', 'htlc-received:claimed', 'to_local:claimed']);
    const claimTxids = final.map((o) => bytesToHex(o.claimTxid!)).sort();
    expect(claimTxids).toEqual([...sweeps, toLocal[0]!].map((b) => bytesToHex(Transaction.fromBuffer(b.rawTx).getHash())).sort());
  });

  it('anchors: fee requested → funded tx persisted, then broadcast; a second version refused and released; unfunded warns and asks again; restart keeps the same tx; swept after to_self_delay; closed', () => {
    const { pair, commitment, expiry } = setup('anchors_zero_fee_htlc_tx');
    const s0 = forceClosing(pair);
    const delay = s0.commitments.remoteParams.toSelfDelay;
    expect(s0.htlcClaims).toHaveLength(2);
    expect(pair.a.broadcasts.filter((b) => b.kind === 'second-stage')).toHaveLength(0);
    // The HTLC-success (preimage known) is asked for at once; the timeout not before its expiry.
    const asked = requests(pair);
    expect(asked.map((r) => r.kind)).toEqual(['htlc-success']);
    const success = asked[0]!;
    expect(success.deadlineBlocks).toBe(incomingExpiry(s0) - pair.blockHeight);
    const presigned = Transaction.fromBuffer(success.htlcTx);
    expect(presigned.ins[0]!.sequence).toBe(1); // CSV 1 on anchors HTLC outputs
    expect(presigned.outs[0]!.value).toBe(Transaction.fromBuffer(commitment).outs[success.outputIndex]!.value); // zero fee

    // Until answered, every block asks again (the node runs one at a time).
    pair.step('A', { type: 'tick' });
    expect(requests(pair).filter((r) => r.outputIndex === success.outputIndex)).toHaveLength(2);

    const funded = fund(success, COINS[0]!, 2000);
    const t = pair.step('A', { type: 'htlc-tx-funded', outputIndex: success.outputIndex, rawTx: funded });
    expect(t.actions[0]!.type).toBe('persist');
    const b = pair.a.broadcasts.filter((x) => x.kind === 'second-stage');
    expect(b).toHaveLength(1);
    expect(bytesToHex(b[0]!.rawTx)).toBe(bytesToHex(funded));
    const commitmentTx = Transaction.fromBuffer(commitment);
    const out = commitmentTx.outs[success.outputIndex]!;
    expect(scriptError(funded, 0, out.script, out.value)).toBeUndefined();
    expect(scriptError(funded, 1, WALLET_SCRIPT, COINS[0]!.valueSat)).toBeUndefined();
    // Funded: asked no more; a second version (other coin) is refused and its coins released.
    const before = requests(pair).length;
    pair.step('A', { type: 'tick' });
    expect(requests(pair).length).toBe(before);
    const again = pair.step('A', { type: 'htlc-tx-funded', outputIndex: success.outputIndex, rawTx: fund(success, COINS[1]!, 2000) });
    expect(again.state).toBe(pair.a.state);
    expect(again.actions.map((a) => a.type)).toEqual(['cancel-funding', 'emit']);
    const keys = { channelKeys: (i: number) => pair.a.keychain.channelKeys(i) };

    // Restart from the persisted snapshot: the same funded tx is published again, nothing new is asked.
    const restored = decodeChannelState(pair.a.persisted!);
    expect(restored.type).toBe('force-closing');
    const published = [...closingTxs(restored).publish.values()].map((raw) => bytesToHex(raw));
    expect(published).toContain(bytesToHex(funded));
    pair.a.state = restored;
    pair.step('A', { type: 'tick' });
    expect(requests(pair).length).toBe(before);

    // At expiry the HTLC-timeout is asked for; no coin: the warning, and asked again next block.
    pair.blockHeight = expiry;
    pair.step('A', { type: 'tick' });
    const timeoutReq = requests(pair).find((r) => r.kind === 'htlc-timeout')!;
    expect(timeoutReq).toBeDefined();
    expect(timeoutReq.deadlineBlocks).toBe(0);
    expect(Transaction.fromBuffer(timeoutReq.htlcTx).locktime).toBe(expiry);
    expect(pair.step('A', { type: 'htlc-tx-funded', outputIndex: success.outputIndex + 99, rawTx: fund(timeoutReq, COINS[1]!, 253) }).actions[0]!.type).toBe('cancel-funding');
    expect(pair.step('A', { type: 'htlc-tx-funded', outputIndex: timeoutReq.outputIndex, rawTx: funded }).actions[0]!.type).toBe('cancel-funding');
    pair.step('A', { type: 'htlc-tx-funded', outputIndex: timeoutReq.outputIndex, failure: 'no confirmed spendable coin' });
    expect(pair.emitted('A', 'htlc-tx-unfunded')).toMatchObject([{ outputIndex: timeoutReq.outputIndex, reason: 'no confirmed spendable coin' }]);
    pair.blockHeight += 1;
    pair.step('A', { type: 'tick' });
    expect(requests(pair).filter((r) => r.kind === 'htlc-timeout').length).toBe(2);
    const fundedTimeout = fund(timeoutReq, COINS[1]!, 253);
    pair.step('A', { type: 'htlc-tx-funded', outputIndex: timeoutReq.outputIndex, rawTx: fundedTimeout });
    const tOut = commitmentTx.outs[timeoutReq.outputIndex]!;
    expect(scriptError(fundedTimeout, 0, tOut.script, tOut.value)).toBeUndefined();
    expect(closingOutputsOf(forceClosing(pair), keys).filter((o) => o.kind.startsWith('htlc')).map((o) => o.status)).toEqual(['claimable', 'claimable']);

    // Both confirm; after to_self_delay their output 0 is swept (nSequence = to_self_delay).
    pair.confirmTx('A', funded, 1);
    pair.confirmTx('A', fundedTimeout, 1);
    // Confirmed at h: valid in block h + to_self_delay, i.e. broadcast at tip h + to_self_delay − 1.
    pair.blockHeight += delay - 2;
    pair.step('A', { type: 'tick' });
    expect(pair.a.broadcasts.filter((x) => x.kind === 'second-stage')).toHaveLength(2);
    pair.blockHeight += 1;
    pair.step('A', { type: 'tick' });
    const sweeps = pair.a.broadcasts.filter((x) => x.kind === 'second-stage').slice(2);
    expect(sweeps).toHaveLength(2);
    for (const [x, parent] of [[sweeps[0]!, funded], [sweeps[1]!, fundedTimeout]] as const) {
      const sweep = Transaction.fromBuffer(x.rawTx);
      expect(bytesToHex(sweep.ins[0]!.hash)).toBe(bytesToHex(Transaction.fromBuffer(parent).getHash()));
      expect(sweep.ins[0]!.index).toBe(0);
      expect(sweep.ins[0]!.sequence).toBe(delay);
      checkSpend(x.rawTx, parent);
    }
    pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
    for (const x of sweeps) pair.confirmTx('A', x.rawTx, SWEEP_CONFIRMATION_DEPTH);
    expect(pair.emitted('A', 'htlc-failed').filter((e) => e.localReason?.startsWith('timed out on chain')).map((e) => e.tag)).toEqual(['out-1']);
    const toLocal = pair.a.broadcasts.filter((x) => x.kind === 'sweep');
    expect(toLocal).toHaveLength(1);
    pair.confirmTx('A', toLocal[0]!.rawTx, SWEEP_CONFIRMATION_DEPTH);
    expect(pair.a.state.type).toBe('closed');
  });

  it('anchors: the funded HTLC-success tx still unconfirmed is CPFP’d from its change once it waited its deadline’s target (fundedAt persisted), at the estimate for its deadline; not once it confirmed', () => {
    const { pair, commitment } = setup('anchors_zero_fee_htlc_tx');
    pair.a.feeEstimates = { 1: 20, 6: 10, 24: 4, 72: 1 };
    const s0 = forceClosing(pair);
    const expiry = incomingExpiry(s0);
    const success = requests(pair)[0]!;
    const funded = fund(success, COINS[0]!, 253);
    const fundedAt = pair.blockHeight;
    pair.step('A', { type: 'htlc-tx-funded', outputIndex: success.outputIndex, rawTx: funded });
    expect((decodeChannelState(pair.a.persisted!) as ForceClosingState).htlcClaims!.find((p) => p.outputIndex === success.outputIndex)?.fundedAt).toBe(fundedAt);
    const cpfps = (t: { actions: readonly { type: string }[] }): RequestHtlcTxCpfpAction[] => t.actions.filter((a): a is RequestHtlcTxCpfpAction => a.type === 'request-htlc-tx-cpfp');
    let bump: RequestHtlcTxCpfpAction | undefined;
    let bumpedAt = 0;
    for (let h = fundedAt + 1; h < expiry && !bump; h++) {
      pair.blockHeight = h;
      const t = pair.step('A', { type: 'tick' });
      bump = cpfps(t)[0];
      expect(bump !== undefined).toBe(h - fundedAt >= confirmationTarget(expiry - h));
      if (bump) {
        bumpedAt = h;
        expect(t.actions[0]!.type).toBe('persist'); // fundedAt moved before the node runs it
      }
    }
    expect(bump).toBeDefined();
    const out = Transaction.fromBuffer(commitment).outs[success.outputIndex]!;
    expect(bump).toMatchObject({ outputIndex: success.outputIndex, changeVout: 1, htlcValueSat: out.value, maxFeeSat: out.value / 2n });
    expect(bytesToHex(bump!.htlcTx)).toBe(bytesToHex(funded));
    expect(Transaction.fromBuffer(funded).outs[1]!.script).toEqual(WALLET_SCRIPT); // the change pays the wallet
    expect(bump!.targetFeeratePerKw).toBe(claimFeerate({ feeratePerKw: 2500, feeEstimates: pair.a.feeEstimates }, expiry - bumpedAt));
    expect((decodeChannelState(pair.a.persisted!) as ForceClosingState).htlcClaims!.find((p) => p.outputIndex === success.outputIndex)?.fundedAt).toBe(bumpedAt);
    // The next block: it just waits again.
    pair.blockHeight = bumpedAt + 1;
    expect(cpfps(pair.step('A', { type: 'tick' }))).toHaveLength(0);
    // Confirmed: never bumped again.
    pair.confirmTx('A', funded, 1);
    pair.blockHeight = expiry - 1;
    expect(cpfps(pair.step('A', { type: 'tick' }))).toHaveLength(0);
  });
});

const WALLET_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 11);
const WALLET_PUB = publicKeyOf(WALLET_KEY);
const WALLET_SCRIPT = p2wpkh(WALLET_PUB);
const COINS: WalletCoin[] = [
  { txid: new Uint8Array(32).fill(0x31), index: 0, valueSat: 60_000n, scriptPubKey: WALLET_SCRIPT },
  { txid: new Uint8Array(32).fill(0x32), index: 2, valueSat: 45_000n, scriptPubKey: WALLET_SCRIPT },
];

/** Every `request-htlc-tx-fee` A's reducer emitted, oldest first. */
function requests(pair: ChannelPair): RequestHtlcTxFeeAction[] {
  return pair.a.batches.flatMap((b) => b.actions.filter((a): a is RequestHtlcTxFeeAction => a.type === 'request-htlc-tx-fee'));
}

/** What the node's wallet does with a request: attach `coin` and change, sign the coin (SIGHASH_ALL). */
function fund(r: RequestHtlcTxFeeAction, coin: WalletCoin, feeratePerKw: number): Uint8Array {
  const built = buildAnchorHtlcTx({ htlcTxs: [r.htlcTx], walletCoins: [coin], changeScriptPubKey: WALLET_SCRIPT, feeratePerKw });
  const tx = built.tx.clone();
  const code = Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(WALLET_PUB), 0x88, 0xac]);
  tx.setWitness(1, [encodeSignature(signInput(tx, 1, code, coin.valueSat, WALLET_KEY, SIGHASH_ALL), SIGHASH_ALL), WALLET_PUB]);
  return tx.toBuffer();
}

/** The cltv_expiry of B's HTLC to A (the incoming one). */
function incomingExpiry(s: ForceClosingState): number {
  return s.commitments.log.remote.adds[0]!.cltvExpiry;
}
