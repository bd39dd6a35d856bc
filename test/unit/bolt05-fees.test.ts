/**
 * BOLT 5 fees in the channel reducer: every claim pays the estimate for its deadline
 * (engine/channel/claim-fees.ts), and an unconfirmed justice tx near its deadline is re-bumped
 * (states/force-closing-rebump.ts): a higher-fee version, same inputs, persisted before the
 * `request-claim-bump` that publishes it; whichever version confirms ends the claim. The
 * justice txs come from the pair harness's breach (test/harness/breach-pair.ts) and pass
 * bcoin's script interpreter.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import type { RequestClaimBumpAction } from '../../engine/channel/actions.ts';
import { INCREMENTAL_RELAY_FEERATE_PER_KW, NO_DEADLINE_BLOCKS, confirmationTarget, rebumpDue } from '../../engine/channel/bolt5/urgency.ts';
import { feeForWeight } from '../../engine/channel/bolt5/weights.ts';
import { blocksBefore, claimFeerate, economyFeerate, isVersionOf } from '../../engine/channel/claim-fees.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { SWEEP_CONFIRMATION_DEPTH } from '../../engine/channel/onchain.ts';
import { htlcClaimDeadline } from '../../engine/channel/states/force-closing-remote-htlcs.ts';
import type { ForceClosingState } from '../../engine/channel/types.ts';
import { breachSetup, checkSpends, commitmentsOf, forceClosing } from '../harness/breach-pair.ts';
import { ChannelPair } from '../harness/channel-pair.ts';
import { keysFor, signedLocalCommitment } from '../../engine/channel/commitments.ts';

const ESTIMATES = { 1: 20, 6: 10, 24: 4, 72: 1 };
const script = (n: number): Uint8Array => payments.p2wpkh({ hash: sha256(Uint8Array.of(n)).subarray(0, 20) }).output as Uint8Array;

function tx(inputs: readonly [number, number][], out: Uint8Array, locktime = 0): Transaction {
  const t = new Transaction();
  t.locktime = locktime;
  for (const [fill, index] of inputs) t.addInput(new Uint8Array(32).fill(fill), index, 0xfffffffd);
  t.addOutput(out, 10_000n);
  return t;
}

describe('claim fees by deadline', () => {
  it('the estimate for half the blocks left; economy without a deadline; our one estimate without estimates', () => {
    const ctx = { feeratePerKw: 2500, feeEstimates: ESTIMATES };
    expect(claimFeerate(ctx, 0)).toBe(5000); // racing: the next block
    expect(claimFeerate(ctx, 13)).toBe(2500); // target 6
    expect(claimFeerate(ctx, 143)).toBe(1000); // target 71: the 24-block estimate
    expect(claimFeerate(ctx, 200)).toBe(253); // target 100: 1 sat/vB, the floor
    expect(economyFeerate(ctx)).toBe(253);
    expect(claimFeerate({ feeratePerKw: 2500 }, 0)).toBe(2500);
    expect(economyFeerate({ feeratePerKw: 2500, feeEstimates: new Map() })).toBe(2500);
    expect(claimFeerate({ feeratePerKw: 100 }, 5)).toBe(253);
    expect(NO_DEADLINE_BLOCKS).toBeGreaterThan(2 * 1008 - 1);
  });

  it('deadlines: blocks before the peer’s first block; an HTLC preimage claim races its cltv_expiry, a timeout claim the very next block', () => {
    expect(blocksBefore(650, 500)).toBe(149);
    expect(blocksBefore(501, 500)).toBe(0);
    const htlc = { id: 0n, amountMsat: 1n, paymentHash: new Uint8Array(32), cltvExpiry: 700 };
    expect(htlcClaimDeadline({ kind: 'offered_htlc', htlc } as never)).toBe(700);
    expect(htlcClaimDeadline({ kind: 'received_htlc', htlc } as never)).toBe(701);
  });

  it('a bump is due once a version waited its deadline’s confirmation target', () => {
    expect(rebumpDue(143, 70)).toBe(false);
    expect(rebumpDue(143, 71)).toBe(true);
    expect(rebumpDue(0, 0)).toBe(false);
    expect(rebumpDue(0, 1)).toBe(true);
    expect(rebumpDue(-5, 1)).toBe(true);
    expect(() => rebumpDue(10, -1)).toThrow(/blocksUnconfirmed/);
  });

  it('a fee version spends the same outpoints (any order) into the same script', () => {
    const a = tx([[1, 0], [2, 1]], script(1), 100);
    expect(isVersionOf(a, tx([[2, 1], [1, 0]], script(1), 130))).toBe(true);
    expect(isVersionOf(a, tx([[1, 0], [2, 1]], script(2)))).toBe(false); // the peer's script
    expect(isVersionOf(a, tx([[1, 0]], script(1)))).toBe(false);
    expect(isVersionOf(a, tx([[1, 0], [2, 2]], script(1)))).toBe(false);
  });
});

const feeOf = (raw: Uint8Array, revokedTx: Uint8Array): { feeSat: bigint; perKw: number; tx: Transaction } => {
  const t = Transaction.fromBuffer(raw);
  const parent = Transaction.fromBuffer(revokedTx);
  const feeSat = t.ins.reduce((s, i) => s + parent.outs[i.index]!.value, 0n) - t.outs.reduce((s, o) => s + o.value, 0n);
  return { feeSat, perKw: Number((feeSat * 1000n) / BigInt(t.weight())), tx: t };
};

describe('justice re-bumped near its deadline (static_remotekey)', () => {
  function breached() {
    const setup = breachSetup('static_remotekey');
    const { pair, revokedTx, revokedNumber } = setup;
    pair.a.feeEstimates = ESTIMATES;
    const spentAt = pair.blockHeight;
    pair.step('A', { type: 'funding-spent', rawTx: revokedTx, blockHeight: spentAt, depth: 1, revokedRecord: pair.a.revokedRecords.get(revokedNumber)! });
    const c = commitmentsOf(pair, 'A');
    // The peer can first take: its to_local after our to_self_delay, an HTLC output at its cltv_expiry.
    const deadlineHeight = Math.min(spentAt + c.localParams.toSelfDelay, ...c.log.local.adds.map((h) => h.cltvExpiry), ...c.log.remote.adds.map((h) => h.cltvExpiry));
    return { ...setup, spentAt, deadlineHeight };
  }

  it('goes out at the estimate for its deadline, nLockTime the tip; bumped only once it waited the target, persisted before the request; the version that confirms ends it', () => {
    const { pair, revokedTx, spentAt, deadlineHeight } = breached();
    const claims = forceClosing(pair).breach!.claims;
    expect(claims).toHaveLength(1); // to_local and both HTLCs, none near its expiry
    const first = claims[0]!.rawTx;
    const f = feeOf(first, revokedTx);
    expect(f.tx.locktime).toBe(spentAt);
    const rate = claimFeerate({ feeratePerKw: 2500, feeEstimates: ESTIMATES }, blocksBefore(deadlineHeight, spentAt));
    // The fee is for the estimated weight (largest signatures): a little above the rate, never below.
    expect(f.perKw).toBeGreaterThanOrEqual(rate);
    expect(f.perKw).toBeLessThan(rate * 1.05);
    expect(rate).toBe(1000); // a deadline of ~143 blocks: target 71, the 24-block estimate (4 sat/vB)

    // Blocks pass without it confirming: nothing until the wait reaches the target for what is left.
    let bump: RequestClaimBumpAction | undefined;
    let bumpedAt = 0;
    for (let h = spentAt + 1; h < deadlineHeight && !bump; h++) {
      pair.blockHeight = h;
      const t = pair.step('A', { type: 'tick' });
      bump = t.actions.find((a): a is RequestClaimBumpAction => a.type === 'request-claim-bump');
      const due = h - spentAt >= confirmationTarget(blocksBefore(deadlineHeight, h));
      expect(bump !== undefined).toBe(due);
      if (bump) {
        bumpedAt = h;
        expect(t.actions.map((a) => a.type)).toEqual(['persist', 'request-claim-bump', 'watch-confirmations']);
      }
    }
    expect(bump).toBeDefined();
    expect(bumpedAt).toBeLessThan(deadlineHeight);
    const saved = decodeChannelState(pair.a.persisted!) as ForceClosingState;
    expect(bytesToHex(saved.breach!.claims[0]!.rawTx)).toBe(bytesToHex(bump!.replacement));
    const r = feeOf(bump!.replacement, revokedTx);
    expect(r.tx.locktime).toBe(bumpedAt);
    expect(isVersionOf(f.tx, r.tx)).toBe(true);
    checkSpends(bump!.replacement, [revokedTx]);
    // BIP 125: more than the old fee plus the incremental relay fee; at least double the feerate.
    expect(r.feeSat).toBeGreaterThanOrEqual(f.feeSat + feeForWeight(r.tx.weight(), INCREMENTAL_RELAY_FEERATE_PER_KW));
    expect(r.perKw).toBeGreaterThanOrEqual(2 * f.perKw);
    const inputValueSat = f.tx.ins.reduce((s, i) => s + Transaction.fromBuffer(revokedTx).outs[i.index]!.value, 0n);
    expect(bump!).toMatchObject({ kind: 'justice', inputValueSat, maxFeeSat: inputValueSat / 2n });
    expect(bump!.targetFeeratePerKw).toBeGreaterThanOrEqual(2 * f.perKw);
    expect(bytesToHex(bump!.spentOutpoint.txid)).toBe(bytesToHex(f.tx.ins[0]!.hash));

    // The next block: just bumped, not due again.
    pair.blockHeight = bumpedAt + 1;
    expect(pair.step('A', { type: 'tick' }).actions.some((a) => a.type === 'request-claim-bump')).toBe(false);

    // bcoin kept the first version (the replacement was refused) and it confirms: the claim is done.
    pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
    pair.confirmTx('A', first, SWEEP_CONFIRMATION_DEPTH);
    const s = forceClosing(pair);
    expect(s.breach!.claims[0]).toMatchObject({ confirmed: true });
    expect(bytesToHex(s.breach!.claims[0]!.rawTx)).toBe(bytesToHex(first));
    expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'claimed')).toHaveLength(3);
    // No bump of a confirmed claim.
    pair.blockHeight += 50;
    expect(pair.step('A', { type: 'tick' }).actions.some((a) => a.type === 'request-claim-bump')).toBe(false);
  });

  it('seen spending its inputs (after a restart the watches are on inputs), an older version is ours: adopted and watched, not taken for the peer’s', () => {
    const { pair, revokedTx, spentAt, deadlineHeight } = breached();
    const first = forceClosing(pair).breach!.claims[0]!.rawTx;
    let h = spentAt;
    let bumped = false;
    while (!bumped && h < deadlineHeight) {
      pair.blockHeight = ++h;
      bumped = pair.step('A', { type: 'tick' }).actions.some((a) => a.type === 'request-claim-bump');
    }
    expect(bumped).toBe(true);
    const before = pair.a.broadcasts.length;
    const old = Transaction.fromBuffer(first);
    const input = old.ins[0]!;
    const t = pair.step('A', { type: 'output-spent', txid: input.hash, outputIndex: input.index, spendingTx: first, blockHeight: h, depth: 1 });
    expect(t.actions.map((a) => a.type)).toEqual(['persist', 'watch-confirmations']);
    const s = forceClosing(pair);
    expect(s.breach!.secondStageTxs).toHaveLength(0);
    expect(s.breach!.claims.map((c) => bytesToHex(c.rawTx))).toEqual([bytesToHex(first)]);
    expect(pair.a.broadcasts.length).toBe(before);
    checkSpends(first, [revokedTx]);
  });
});

describe('an HTLC preimage claim on the peer’s commitment re-bumped near its deadline (both channel types)', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as const) {
    it(`${channelType}: out at the estimate for cltv_expiry, bumped once it waited the target (same input, passes the interpreter, persisted first); the older version confirming ends it`, () => {
      const pair = new ChannelPair();
      pair.openToNormal({ channelType, pushMsat: 300_000_000n });
      pair.a.sweepScriptPubKey = script(0xa5);
      pair.a.feeEstimates = ESTIMATES;
      const expiry = pair.blockHeight + 40;
      const incoming = pair.addHtlc('B', 40_000_000n, { n: 2, cltvExpiry: expiry });
      pair.run();
      pair.step('A', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: incoming.preimage });
      const b = commitmentsOf(pair, 'B');
      const theirs = signedLocalCommitment(b, keysFor(b.localParams, pair.b.keychain.channelKeys(pair.b.channelIndex))).toBuffer();
      const spentAt = pair.blockHeight;
      const before = pair.a.broadcasts.length;
      pair.step('A', { type: 'funding-spent', rawTx: theirs, blockHeight: spentAt, depth: 1 });
      const claims = pair.a.broadcasts.slice(before).filter((x) => x.kind === 'htlc-claim');
      expect(claims).toHaveLength(1);
      const first = claims[0]!.rawTx;
      const f = feeOf(first, theirs);
      checkSpends(first, [theirs]);
      expect(f.tx.locktime).toBe(spentAt);
      // Its deadline: the peer's HTLC-timeout is valid from cltv_expiry.
      const rate = claimFeerate({ feeratePerKw: 2500, feeEstimates: ESTIMATES }, blocksBefore(expiry, spentAt));
      expect(f.perKw).toBeGreaterThanOrEqual(rate);
      expect(f.perKw).toBeLessThan(rate * 1.05);

      let bump: RequestClaimBumpAction | undefined;
      let bumpedAt = 0;
      for (let h = spentAt + 1; h < expiry && !bump; h++) {
        pair.blockHeight = h;
        const t = pair.step('A', { type: 'tick' });
        bump = t.actions.find((a): a is RequestClaimBumpAction => a.type === 'request-claim-bump');
        expect(bump !== undefined).toBe(h - spentAt >= confirmationTarget(blocksBefore(expiry, h)));
        if (bump) {
          bumpedAt = h;
          expect(t.actions.map((a) => a.type)).toEqual(['persist', 'request-claim-bump', 'watch-confirmations']);
        }
      }
      expect(bump).toMatchObject({ kind: 'htlc-claim' });
      expect(bumpedAt).toBeLessThan(expiry);
      const saved = decodeChannelState(pair.a.persisted!) as ForceClosingState;
      expect(saved.htlcClaims!.some((p) => p.claimTx && bytesToHex(p.claimTx) === bytesToHex(bump!.replacement))).toBe(true);
      const r = feeOf(bump!.replacement, theirs);
      checkSpends(bump!.replacement, [theirs]);
      expect(isVersionOf(f.tx, r.tx)).toBe(true);
      expect(r.tx.locktime).toBe(bumpedAt);
      expect(r.feeSat).toBeGreaterThanOrEqual(f.feeSat + feeForWeight(r.tx.weight(), INCREMENTAL_RELAY_FEERATE_PER_KW));
      expect(r.perKw).toBeGreaterThanOrEqual(2 * f.perKw);

      // bcoin kept the first version; it confirms deep enough: the HTLC is claimed, no more bumps.
      pair.blockHeight += SWEEP_CONFIRMATION_DEPTH;
      pair.confirmTx('A', first, SWEEP_CONFIRMATION_DEPTH);
      expect(pair.emitted('A', 'output-resolved').filter((e) => e.outcome === 'claimed' && e.kind === 'htlc-received')).toHaveLength(1);
      expect(pair.step('A', { type: 'tick' }).actions.some((a) => a.type === 'request-claim-bump')).toBe(false);
    });
  }
});
