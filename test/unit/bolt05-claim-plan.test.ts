/**
 * BOLT 5 "Unilateral Close Handling" planner (engine/channel/bolt5/claim-plan.ts): for a confirmed
 * commitment (ours or the peer's), every output we can claim, when, and what it needs — for
 * commitments with no HTLC, one each way, several, trimmed ones, both channel types. The plans
 * are checked against the builders: what a plan says is claimable at a height really builds and
 * passes bcoin's interpreter.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { buildCommitment, finalizeCommitment, signCommitment, type Commitment, type HtlcOutput } from '../../engine/channel/bolt3/commitment.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import { buildRemoteHtlcClaims, claimMatureAt, planCommitmentClaims, type ClaimPlan, type CommitmentSide } from '../../engine/channel/bolt5/index.ts';
import { allHtlcs, commitmentParams, htlcsById, remoteHtlcPrivkey, secrets, type VectorHtlc } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const FUNDING_MSAT = 10_000_000_000n;
const walletScript = p2wpkh(publicKeyOf(Uint8Array.from({ length: 32 }, (_, i) => i + 7)));

function build(channelType: ChannelType, htlcs: readonly VectorHtlc[], opts: { feeratePerKw?: number; dustLimitSatoshis?: bigint } = {}): { c: Commitment<VectorHtlc>; tx: Transaction } {
  const htlcMsat = htlcs.reduce((s, h) => s + h.amountMsat, 0n);
  const c = buildCommitment(
    commitmentParams({ channelType, toLocalMsat: FUNDING_MSAT - 3_000_000_000n - htlcMsat, toRemoteMsat: 3_000_000_000n, feeratePerKw: opts.feeratePerKw ?? 644, dustLimitSatoshis: opts.dustLimitSatoshis ?? 546n, htlcs }),
  );
  return { c, tx: finalizeCommitment(c, signCommitment(c, secrets.localFunding), signCommitment(c, secrets.remoteFunding)) };
}

function kinds(plans: readonly ClaimPlan[]): string[] {
  return plans.map((p) => p.kind).sort();
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.field : `not a ValidationError: ${(err as Error).message}`;
  }
  return undefined;
}

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  describe(`BOLT 5 claim plans (${channelType})`, () => {
    it('no HTLC, our commitment: to_local after to_self_delay (and our anchor)', () => {
      const { c, tx } = build(channelType, []);
      const plan = planCommitmentClaims(tx, c, 'local');
      expect(plan.side).toBe('local');
      expect(plan.txid).toEqual(tx.getHash());
      expect(kinds(plan.claims)).toEqual(anchors ? ['anchor', 'to_local'] : ['to_local']);
      const toLocal = plan.claims.find((p) => p.kind === 'to_local')!;
      expect(toLocal).toMatchObject({ needs: 'delay', claimableAt: { csv: c.toSelfDelay } });
      expect(toLocal.amountSat).toBe(tx.outs[toLocal.outputIndex]!.value);
      expect(toLocal.scriptPubKey).toEqual(tx.outs[toLocal.outputIndex]!.script);
      expect(plan.trimmedHtlcs).toEqual([]);
      if (anchors) expect(plan.claims.find((p) => p.kind === 'anchor')!.amountSat).toBe(330n);
    });

    it(`no HTLC, their commitment: to_remote ${anchors ? 'after 1 block (and our anchor there)' : 'at once'}`, () => {
      const { c, tx } = build(channelType, []);
      const plan = planCommitmentClaims(tx, c, 'remote');
      expect(kinds(plan.claims)).toEqual(anchors ? ['anchor', 'to_remote'] : ['to_remote']);
      const toRemote = plan.claims.find((p) => p.kind === 'to_remote')!;
      expect(toRemote).toMatchObject(anchors ? { needs: 'delay', claimableAt: { csv: 1 } } : { needs: 'nothing', claimableAt: {} });
      expect(toRemote.amountSat).toBe(3_000_000n);
    });

    it('one HTLC each way: directions are ours on both sides', () => {
      const htlcs = htlcsById([1, 2]); // 1: received by the commitment owner, 2: offered by it
      const { c, tx } = build(channelType, htlcs);
      const csv = anchors ? { csv: 1 } : {};
      const local = planCommitmentClaims(tx, c, 'local').claims;
      const lOffered = local.find((p) => p.kind === 'htlc-offered')!;
      const lReceived = local.find((p) => p.kind === 'htlc-received')!;
      expect(lOffered).toMatchObject({ needs: 'expiry', claimableAt: { height: 503, ...csv }, secondStageCsv: c.toSelfDelay });
      expect(lOffered.htlc?.id).toBe(2);
      expect(lReceived).toMatchObject({ needs: 'preimage', claimableAt: csv, secondStageCsv: c.toSelfDelay });
      expect(lReceived.htlc?.id).toBe(1);
      // Seen as the peer's commitment, the owner's offered HTLC is one we received, and vice versa.
      const remote = planCommitmentClaims(tx, c, 'remote').claims;
      expect(remote.find((p) => p.kind === 'htlc-received')!.htlc?.id).toBe(2);
      expect(remote.find((p) => p.kind === 'htlc-offered')).toMatchObject({ needs: 'expiry', claimableAt: { height: 502, ...csv } });
      expect(remote.find((p) => p.kind === 'htlc-offered')!.htlc?.id).toBe(1);
      expect(remote.every((p) => p.secondStageCsv === undefined)).toBe(true);
    });

    it('several HTLCs both ways: one plan per untrimmed HTLC output, in output order', () => {
      const { c, tx } = build(channelType, allHtlcs.slice(0, 5));
      for (const side of ['local', 'remote'] as CommitmentSide[]) {
        const plan = planCommitmentClaims(tx, c, side);
        const htlcPlans = plan.claims.filter((p) => p.kind === 'htlc-offered' || p.kind === 'htlc-received');
        expect(htlcPlans.map((p) => p.outputIndex)).toEqual(c.htlcOutputs.map((o) => o.index));
        expect(plan.claims.map((p) => p.outputIndex)).toEqual([...plan.claims.map((p) => p.outputIndex)].sort((a, b) => a - b));
        expect(plan.claims.length).toBe(5 + 1 + (anchors ? 1 : 0));
        expect(htlcPlans.filter((p) => p.kind === 'htlc-offered').length).toBe(side === 'local' ? 2 : 3);
      }
    });

    it('trimmed HTLCs have no output to claim: listed apart', () => {
      // static_remotekey at 2000 sat/kw trims HTLC 0 (1 000 sat < 546 + its HTLC-success fee); anchors trims it under a 1 500 sat dust limit.
      const opts = anchors ? { dustLimitSatoshis: 1500n } : { feeratePerKw: 2000 };
      const { c, tx } = build(channelType, allHtlcs.slice(0, 5), opts);
      for (const side of ['local', 'remote'] as CommitmentSide[]) {
        const plan = planCommitmentClaims(tx, c, side);
        expect(plan.trimmedHtlcs.map((h) => h.id)).toContain(0);
        const planned = plan.claims.flatMap((p) => (p.htlc ? [p.htlc.id] : []));
        expect(planned).not.toContain(0);
        expect([...planned, ...plan.trimmedHtlcs.map((h) => h.id)].sort()).toEqual([0, 1, 2, 3, 4]);
      }
    });

    it('a plan claimable at a height builds then, and passes the interpreter; a block before it does not mature', () => {
      const { c, tx } = build(channelType, allHtlcs.slice(0, 5));
      const confirmedAt = 400;
      const plans = planCommitmentClaims(tx, c, 'remote').claims.filter((p) => p.kind === 'htlc-offered');
      for (const p of plans) {
        const at = p.claimableAt.height!;
        expect(claimMatureAt(p, confirmedAt, at)).toBe(true);
        expect(claimMatureAt(p, confirmedAt, at - 1)).toBe(false);
        const output = c.outputs[p.outputIndex] as HtlcOutput<VectorHtlc>;
        const claim = buildRemoteHtlcClaims({ channelType, claims: [{ commitmentTxid: c.txid, output }], htlcPrivkey: remoteHtlcPrivkey, destination: walletScript, feeratePerKw: 253 });
        // nLockTime L is final from block L + 1: the plan's height.
        expect(claim.locktime + 1).toBe(at);
        expect(scriptError(claim.rawTx, 0, p.scriptPubKey, p.amountSat)).toBeUndefined();
      }
      const toRemote = planCommitmentClaims(tx, c, 'remote').claims.find((p) => p.kind === 'to_remote')!;
      expect(claimMatureAt(toRemote, confirmedAt, confirmedAt)).toBe(!anchors);
      expect(claimMatureAt(toRemote, confirmedAt, confirmedAt + 1)).toBe(true);
    });

    it('refuses a transaction that is not the rebuilt commitment, naming it', () => {
      const { c, tx } = build(channelType, htlcsById([1, 2]));
      const other = build(channelType, htlcsById([1]));
      expect(fieldOf(() => planCommitmentClaims(other.tx, c, 'local'))).toBe('confirmed');
      expect(fieldOf(() => planCommitmentClaims(tx, c, 'ours' as CommitmentSide))).toBe('side');
      expect(fieldOf(() => planCommitmentClaims(tx, null as never, 'local'))).toBe('commitment');
    });
  });
}
