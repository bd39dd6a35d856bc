/**
 * BOLT 5 "Revoked Transaction Close Handling": detecting the peer's revoked commitment from its
 * commitment number, and the justice transactions that take its `to_local` (`<revocation_sig> 1`),
 * every HTLC output (`<revocation_sig> <revocationpubkey>`) and the outputs of its second-stage
 * HTLC transactions, each input run through bcoin's script interpreter.
 *
 * The BOLT 3 Appendix C commitment plays the peer's revoked commitment: its "local" (owner) is
 * the peer, its "remote" is us (we hold `remote_revocation_basepoint_secret`), and its
 * per-commitment secret is the one the peer revealed.
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { DecodeError, ValidationError } from '../../engine/lib/errors.ts';
import { ShachainStore, perCommitmentSecret } from '../../engine/keys/shachain.ts';
import { buildCommitment, type Commitment } from '../../engine/channel/bolt3/commitment.ts';
import { commitmentLocks } from '../../engine/channel/bolt3/commitment-number.ts';
import { buildHtlcTxs, finalizeHtlcTx, signHtlcTx } from '../../engine/channel/bolt3/htlc-tx.ts';
import { p2wpkh, p2wsh } from '../../engine/channel/bolt3/scripts.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import { dustThresholdSat, feeForWeight } from '../../engine/channel/bolt5/weights.ts';
import {
  MAX_JUSTICE_TX_WEIGHT,
  type JusticeInput,
  buildJusticeTx,
  deriveRevokedCommitmentKeys,
  findRevokedOutputs,
  findSecondStageOutputs,
  justiceInputFeeSat,
  justiceTxWeight,
  peerClaimHeight,
  planJusticeTxs,
} from '../../engine/channel/bolt5/justice.ts';
import {
  type CommitmentKnowledge,
  classifyFundingSpend,
  decodeRevokedCommitment,
  encodeRevokedCommitment,
} from '../../engine/channel/bolt5/revoked.ts';
import { appendixC, commitmentKeys, commitmentParams, htlcsById, localHtlcPrivkey, remoteHtlcPrivkey, secrets, type VectorHtlc } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const walletKey = Uint8Array.from({ length: 32 }, (_, i) => i + 11);
const destination = p2wpkh(publicKeyOf(walletKey));

const peer = {
  delayedPaymentBasepoint: publicKeyOf(secrets.localDelayedPaymentBasepoint),
  htlcBasepoint: hexToBytes(appendixC.keys.local_htlc_basepoint),
};
const ours = {
  revocationBasepointSecret: secrets.remoteRevocationBasepoint,
  htlcBasepoint: hexToBytes(appendixC.keys.remote_htlc_basepoint),
  paymentBasepoint: hexToBytes(appendixC.keys.remote_payment_basepoint),
};
const revoked = deriveRevokedCommitmentKeys(secrets.localPerCommitment, peer, ours);

/** HTLC sets: none, one, several in both directions; balances keep the funding total. */
const HTLC_SETS: readonly { name: string; ids: number[] }[] = [
  { name: 'no HTLC', ids: [] },
  { name: 'one HTLC', ids: [4] },
  { name: 'several HTLCs both ways', ids: [0, 1, 2, 3, 4] },
];

function revokedCommitment(channelType: ChannelType, htlcs: readonly VectorHtlc[]): Commitment<VectorHtlc> {
  const inHtlcs = htlcs.reduce((s, h) => s + h.amountMsat, 0n);
  return buildCommitment(commitmentParams({ channelType, toLocalMsat: 7_000_000_000n - inHtlcs, toRemoteMsat: 3_000_000_000n, feeratePerKw: 253, dustLimitSatoshis: 546n, htlcs }));
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError || err instanceof DecodeError ? err.field : `unexpected: ${(err as Error).message}`;
  }
  return undefined;
}

/** Every input of `tx` against what it spends. */
function allInputsPass(raw: Uint8Array, inputs: readonly JusticeInput[], spk: (i: JusticeInput) => Uint8Array): (string | undefined)[] {
  return inputs.map((input, n) => scriptError(raw, n, spk(input), input.valueSat));
}

describe('BOLT 3 key derivation for a revoked commitment', () => {
  it('the revealed secret gives the commitment keys the peer used, and revocationprivkey signs for revocationpubkey', () => {
    expect(revoked.keys.perCommitmentPoint).toEqual(commitmentKeys.perCommitmentPoint);
    expect(revoked.keys.revocationPubkey).toEqual(commitmentKeys.revocationPubkey);
    expect(revoked.keys.localDelayedPubkey).toEqual(commitmentKeys.localDelayedPubkey);
    expect(revoked.keys.localHtlcPubkey).toEqual(commitmentKeys.localHtlcPubkey);
    expect(revoked.keys.remoteHtlcPubkey).toEqual(commitmentKeys.remoteHtlcPubkey);
    expect(publicKeyOf(revoked.revocationPrivkey)).toEqual(commitmentKeys.revocationPubkey);
    // The spec's own value (Appendix C `local_revocation_pubkey`), from the secrets alone.
    expect(publicKeyOf(revoked.revocationPrivkey)).toEqual(hexToBytes(appendixC.keys.local_revocation_pubkey));
    expect(revoked.keys.localDelayedPubkey).toEqual(hexToBytes(appendixC.keys.local_delayedpubkey));
    expect(revoked.keys.localHtlcPubkey).toEqual(hexToBytes(appendixC.keys.local_htlcpubkey));
  });
  it('bad arguments name the field', () => {
    expect(fieldOf(() => deriveRevokedCommitmentKeys(new Uint8Array(32), peer, ours))).toBe('perCommitmentSecret');
    expect(fieldOf(() => deriveRevokedCommitmentKeys(secrets.localPerCommitment, { ...peer, htlcBasepoint: new Uint8Array(33) }, ours))).toBe('peer.htlcBasepoint');
    expect(fieldOf(() => deriveRevokedCommitmentKeys(secrets.localPerCommitment, peer, { ...ours, revocationBasepointSecret: new Uint8Array(3) }))).toBe('ours.revocationBasepointSecret');
  });
});

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  describe(`BOLT 5 justice transaction (${channelType})`, () => {
    for (const set of HTLC_SETS) {
      it(`${set.name}: claims to_local and every HTLC output; every input passes the interpreter; weight never under-estimated`, () => {
        const c = revokedCommitment(channelType, htlcsById(set.ids));
        const inputs = findRevokedOutputs(c.tx, revoked, { channelType, toSelfDelay: c.toSelfDelay, htlcs: htlcsById(set.ids) });
        expect(inputs.filter((i) => i.kind === 'to_local')).toHaveLength(1);
        expect(inputs.filter((i) => i.kind !== 'to_local')).toHaveLength(c.htlcOutputs.length);
        expect(c.htlcOutputs).toHaveLength(set.ids.length);
        // Every claimed output is exactly the commitment's output at that index.
        for (const i of inputs) {
          const o = c.outputs[i.index];
          expect(o?.kind).toBe(i.kind);
          expect(o?.valueSat).toBe(i.valueSat);
          expect(p2wsh(i.witnessScript)).toEqual(o?.scriptPubKey);
        }
        const plan = planJusticeTxs(inputs, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 1000 });
        expect(plan.unclaimed).toHaveLength(0);
        expect(plan.txs).toHaveLength(1);
        const j = plan.txs[0];
        if (!j) throw new Error('no justice tx');
        const spk = (i: JusticeInput) => (c.outputs[i.index] as { scriptPubKey: Uint8Array }).scriptPubKey;
        expect(allInputsPass(j.rawTx, j.inputs, spk)).toEqual(j.inputs.map(() => undefined));
        // Witness shapes: <sig> 1 <script> for to_local, <sig> <revocationpubkey> <script> for HTLCs.
        j.inputs.forEach((input, n) => {
          const w = j.tx.ins[n]?.witness ?? [];
          expect(w).toHaveLength(3);
          expect(w[1]).toEqual(input.kind === 'to_local' ? Uint8Array.of(1) : commitmentKeys.revocationPubkey);
          expect(j.tx.ins[n]?.sequence).toBe(0xfffffffd);
        });
        expect(j.tx.version).toBe(2);
        expect(j.tx.locktime).toBe(0);
        const real = j.tx.weight();
        expect(j.estimatedWeight).toBe(justiceTxWeight(inputs, destination.length));
        expect(j.estimatedWeight).toBeGreaterThanOrEqual(real);
        expect(j.estimatedWeight - real).toBeLessThanOrEqual(3 * inputs.length);
        expect(j.feeSat).toBe(feeForWeight(j.estimatedWeight, 1000));
        expect(j.valueSat + j.feeSat).toBe(inputs.reduce((s, i) => s + i.valueSat, 0n));
        expect(j.tx.outs).toHaveLength(1);
        expect(j.tx.outs[0]?.script).toEqual(destination);
      });
    }

    it('a wrong per-commitment secret finds no output, and its revocation key spends nothing', () => {
      const htlcs = htlcsById([0, 2]);
      const c = revokedCommitment(channelType, htlcs);
      const wrong = deriveRevokedCommitmentKeys(Uint8Array.from({ length: 32 }, (_, i) => i + 1), peer, ours);
      expect(findRevokedOutputs(c.tx, wrong, { channelType, toSelfDelay: c.toSelfDelay, htlcs })).toHaveLength(0);
      const inputs = findRevokedOutputs(c.tx, revoked, { channelType, toSelfDelay: c.toSelfDelay, htlcs });
      const j = buildJusticeTx(inputs, wrong.revocationPrivkey, destination, 1000);
      const spk = (i: JusticeInput) => (c.outputs[i.index] as { scriptPubKey: Uint8Array }).scriptPubKey;
      for (const e of allInputsPass(j.rawTx, inputs, spk)) expect(e).toBeDefined();
    });

    it('HTLC outputs near their expiry are claimed in their own transactions, so an HTLC-timeout invalidates only that one', () => {
      const htlcs = htlcsById([0, 1, 2, 3, 4]);
      const c = revokedCommitment(channelType, htlcs);
      const inputs = findRevokedOutputs(c.tx, revoked, { channelType, toSelfDelay: c.toSelfDelay, htlcs });
      // Expiries are 500..504: at tip 484 with an 18-block margin, 500, 501 and 502 are near.
      const plan = planJusticeTxs(inputs, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 1000, tipHeight: 484, separateWithinBlocks: 18 });
      expect(plan.txs).toHaveLength(4);
      const singles = plan.txs.filter((t) => t.inputs.length === 1).map((t) => t.inputs[0]?.htlc?.cltvExpiry);
      expect(singles.sort()).toEqual([500, 501, 502]);
      const spk = (i: JusticeInput) => (c.outputs[i.index] as { scriptPubKey: Uint8Array }).scriptPubKey;
      for (const t of plan.txs) expect(allInputsPass(t.rawTx, t.inputs, spk)).toEqual(t.inputs.map(() => undefined));
      // Every input claimed exactly once.
      expect(plan.txs.flatMap((t) => t.inputs.map((i) => i.index)).sort()).toEqual(inputs.map((i) => i.index).sort());
    });

    it('their confirmed HTLC-success / HTLC-timeout output is taken via the revocation path (<revocation_sig> 1)', () => {
      const htlcs = htlcsById([1, 2]);
      const c = revokedCommitment(channelType, htlcs);
      for (const h of buildHtlcTxs(c)) {
        const tx = finalizeHtlcTx(h, {
          localSignature: signHtlcTx(h, localHtlcPrivkey, 'local'),
          remoteSignature: signHtlcTx(h, remoteHtlcPrivkey, 'remote'),
          ...(h.kind === 'htlc-success' ? { paymentPreimage: h.htlc.preimage } : {}),
        });
        const found = findSecondStageOutputs(tx, revoked, c.toSelfDelay);
        expect(found).toHaveLength(1);
        expect(found[0]?.kind).toBe('htlc_tx_output');
        expect(found[0]?.valueSat).toBe(h.outputValueSat);
        const j = buildJusticeTx(found, revoked.revocationPrivkey, destination, 1000);
        expect(scriptError(j.rawTx, 0, p2wsh(h.outputWitnessScript), h.outputValueSat)).toBeUndefined();
        expect(j.tx.ins[0]?.witness[1]).toEqual(Uint8Array.of(1));
        expect(j.estimatedWeight).toBeGreaterThanOrEqual(j.tx.weight());
        // The peer's delayed path is not open to us: a different (wrong) secret's key fails.
        const wrong = deriveRevokedCommitmentKeys(Uint8Array.from({ length: 32 }, (_, i) => 200 - i), peer, ours);
        expect(findSecondStageOutputs(tx, wrong, c.toSelfDelay)).toHaveLength(0);
        const bad = buildJusticeTx(found, wrong.revocationPrivkey, destination, 1000);
        expect(scriptError(bad.rawTx, 0, p2wsh(h.outputWitnessScript), h.outputValueSat)).toBeDefined();
      }
    });
  });
}

describe('BOLT 5 justice: dust, size and bad inputs', () => {
  const htlcs = htlcsById([0, 4]);
  const c = revokedCommitment('anchors_zero_fee_htlc_tx', htlcs);
  const inputs = findRevokedOutputs(c.tx, revoked, { channelType: 'anchors_zero_fee_htlc_tx', toSelfDelay: c.toSelfDelay, htlcs });
  const small = inputs.find((i) => i.htlc?.amountMsat === 1_000_000n) as JusticeInput;

  it('an output that would end below dust is refused, naming inputs', () => {
    expect(fieldOf(() => buildJusticeTx([small], revoked.revocationPrivkey, destination, 5000))).toBe('inputs');
    const ok = buildJusticeTx([small], revoked.revocationPrivkey, destination, 253);
    expect(ok.valueSat).toBeGreaterThanOrEqual(dustThresholdSat(destination));
  });

  it('an output that costs more than it holds is left unclaimed with the reason; the rest still claimed', () => {
    const plan = planJusticeTxs(inputs, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 2500 });
    expect(plan.unclaimed.map((u) => u.input.index)).toEqual([small.index]);
    expect(plan.unclaimed[0]?.reason).toMatch(/costs/);
    expect(plan.txs.flatMap((t) => t.inputs.map((i) => i.index)).sort()).toEqual(inputs.filter((i) => i !== small).map((i) => i.index).sort());
  });

  it('483 × 2 HTLC outputs do not fit one standard transaction (BOLT 5 "Penalty Transactions Weight Calculation"); the builder refuses, the planner splits', () => {
    const h = inputs.find((i) => i.kind === 'received_htlc') as JusticeInput;
    const many = Array.from({ length: 966 }, (_, n) => ({ ...h, index: n }));
    expect(justiceTxWeight(many, 22)).toBeGreaterThan(MAX_JUSTICE_TX_WEIGHT);
    expect(fieldOf(() => buildJusticeTx(many, revoked.revocationPrivkey, destination, 253))).toBe('inputs');
    const plan = planJusticeTxs(many, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 253 });
    expect(plan.txs).toHaveLength(2);
    expect(plan.unclaimed).toHaveLength(0);
    for (const t of plan.txs) expect(t.tx.weight()).toBeLessThanOrEqual(MAX_JUSTICE_TX_WEIGHT);
    expect(plan.txs.reduce((s, t) => s + t.inputs.length, 0)).toBe(966);
    // A sample of inputs of the second transaction still satisfies its script.
    const second = plan.txs[1] as { rawTx: Uint8Array; inputs: readonly JusticeInput[] };
    const spk = p2wsh(h.witnessScript);
    expect(scriptError(second.rawTx, 0, spk, h.valueSat)).toBeUndefined();
    expect(scriptError(second.rawTx, second.inputs.length - 1, spk, h.valueSat)).toBeUndefined();
  });

  it('an offered HTLC penalty input weighs 407 (BOLT 5 "Penalty Transactions Weight Calculation": 164 + 243)', () => {
    const offered = htlcsById([2]);
    const c2 = revokedCommitment('static_remotekey', offered);
    const [input] = findRevokedOutputs(c2.tx, revoked, { channelType: 'static_remotekey', toSelfDelay: c2.toSelfDelay, htlcs: offered }).filter((i) => i.kind === 'offered_htlc');
    if (!input) throw new Error('no offered HTLC output');
    expect(input.witnessScript.length).toBe(133);
    expect(justiceInputFeeSat(input, 1000)).toBe(407n);
  });

  it('BOLT 5 security_delay: to_local near the end of to_self_delay is claimed alone', () => {
    const confirmedAt = 1000;
    const byClaim = (i: JusticeInput) => peerClaimHeight(i, confirmedAt, c.toSelfDelay);
    const toLocal = inputs.find((i) => i.kind === 'to_local') as JusticeInput;
    expect(byClaim(toLocal)).toBe(confirmedAt + c.toSelfDelay);
    const early = planJusticeTxs(inputs, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 253, tipHeight: confirmedAt + 1, peerClaimHeightOf: (i) => (i.kind === 'to_local' ? byClaim(i) : undefined) });
    expect(early.txs).toHaveLength(1);
    const late = planJusticeTxs(inputs, { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 253, tipHeight: confirmedAt + c.toSelfDelay - 18, peerClaimHeightOf: (i) => (i.kind === 'to_local' ? byClaim(i) : undefined) });
    expect(late.txs).toHaveLength(2);
    expect(late.txs.find((t) => t.inputs.length === 1)?.inputs[0]?.kind).toBe('to_local');
  });

  it('bad arguments name the field', () => {
    expect(fieldOf(() => buildJusticeTx([], revoked.revocationPrivkey, destination, 253))).toBe('inputs');
    expect(fieldOf(() => buildJusticeTx([{ ...small, txid: new Uint8Array(3) }], revoked.revocationPrivkey, destination, 253))).toBe('inputs[0].txid');
    expect(fieldOf(() => buildJusticeTx([small], new Uint8Array(32), destination, 253))).toBe('revocationPrivkey');
    expect(fieldOf(() => buildJusticeTx([small], revoked.revocationPrivkey, destination, 100))).toBe('feeratePerKw');
    expect(fieldOf(() => planJusticeTxs([small], { revocationPrivkey: revoked.revocationPrivkey, destination: undefined as never, feeratePerKw: 253 }))).toBe('destination');
    expect(fieldOf(() => planJusticeTxs([small], { revocationPrivkey: revoked.revocationPrivkey, destination, feeratePerKw: 253, tipHeight: -1 }))).toBe('tipHeight');
    expect(fieldOf(() => findRevokedOutputs(c.tx, revoked, { channelType: 'legacy' as ChannelType, toSelfDelay: 144, htlcs }))).toBe('channelType');
    expect(fieldOf(() => findRevokedOutputs(c.tx, revoked, { channelType: 'static_remotekey', toSelfDelay: 144, htlcs: [{ ...htlcs[0], paymentHash: new Uint8Array(5) } as VectorHtlc] }))).toBe('htlcs[0].paymentHash');
  });
});

describe('BOLT 5 detection: which commitment spent the funding output', () => {
  const factor = 0x2bb038521914n;
  const seed = new Uint8Array(32).fill(0x42);
  const store = new ShachainStore();
  for (let n = 0; n < 5; n++) store.insertCommitment(perCommitmentSecret(seed, n), n);

  function commitmentTx(n: number, salt = 0): Transaction {
    const locks = commitmentLocks(n, factor);
    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = locks.locktime;
    tx.addInput(new Uint8Array(32).fill(7), 0, locks.sequence);
    tx.addOutput(destination, 10_000n + BigInt(salt));
    return tx;
  }
  const local = commitmentTx(3, 1);
  const current = commitmentTx(5);
  const next = commitmentTx(6);
  const k: CommitmentKnowledge = {
    obscuringFactor: factor,
    localCommitTxid: local.getHash(),
    remoteCommitTxid: current.getHash(),
    remoteCommitmentNumber: 5,
    nextRemoteCommitTxid: next.getHash(),
    revealedSecrets: store,
  };

  it('ours, the peer\'s current and the peer\'s next are recognised by txid', () => {
    expect(classifyFundingSpend(local, k)).toEqual({ kind: 'local', commitmentNumber: 3 });
    expect(classifyFundingSpend(current, k)).toEqual({ kind: 'remote-current', commitmentNumber: 5 });
    expect(classifyFundingSpend(next, k)).toEqual({ kind: 'remote-next', commitmentNumber: 6 });
  });

  it('a number below the peer\'s current with its secret revealed is revoked, with that secret', () => {
    for (let n = 0; n < 5; n++) {
      const r = classifyFundingSpend(commitmentTx(n), k);
      expect(r.kind).toBe('remote-revoked');
      if (r.kind === 'remote-revoked') {
        expect(r.commitmentNumber).toBe(n);
        expect(r.perCommitmentSecret).toEqual(perCommitmentSecret(seed, n));
      }
    }
  });

  it('everything else is unknown, with the reason', () => {
    const partial = new ShachainStore();
    partial.insertCommitment(perCommitmentSecret(seed, 0), 0);
    const r1 = classifyFundingSpend(commitmentTx(2), { ...k, revealedSecrets: partial });
    expect(r1.kind).toBe('unknown');
    expect(r1.kind === 'unknown' && r1.reason).toMatch(/never revealed/);
    const r2 = classifyFundingSpend(commitmentTx(9), k);
    expect(r2).toMatchObject({ kind: 'unknown', commitmentNumber: 9 });
    expect(r2.kind === 'unknown' && r2.reason).toMatch(/never signed/);
    // The next number without a next commitment signed: never signed.
    const { nextRemoteCommitTxid: _drop, ...noNext } = k;
    expect(classifyFundingSpend(next, noNext)).toMatchObject({ kind: 'unknown', commitmentNumber: 6 });
    // The current number, another transaction.
    expect(classifyFundingSpend(commitmentTx(5, 2), k)).toMatchObject({ kind: 'unknown', commitmentNumber: 5 });
    // A mutual close: locktime 0, final sequence.
    const close = new Transaction();
    close.addInput(new Uint8Array(32).fill(7), 0, 0xffffffff);
    close.addOutput(destination, 1n);
    expect(classifyFundingSpend(close, k)).toMatchObject({ kind: 'unknown', commitmentNumber: undefined });
    // Two inputs: not a commitment.
    const two = commitmentTx(2);
    two.addInput(new Uint8Array(32).fill(8), 1, 0);
    expect(classifyFundingSpend(two, k).kind).toBe('unknown');
  });

  it('a wrong obscuring factor reads another number: not revoked by accident', () => {
    const r = classifyFundingSpend(commitmentTx(2), { ...k, obscuringFactor: 0x1n });
    expect(r.kind).toBe('unknown');
  });
});

describe('BOLT 5 breach end to end: detect, derive, claim', () => {
  it('the Appendix C commitment (number 42) seen on chain after the peer revealed its secret: detected, every output claimed', () => {
    for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
      const htlcs = htlcsById([0, 1, 2, 3, 4]);
      const c = revokedCommitment(channelType, htlcs);
      const stored = encodeRevokedCommitment({ commitmentNumber: 42, htlcs });
      const revealed = { secretOfCommitment: (n: number) => (n === 42 ? secrets.localPerCommitment : undefined) };
      const verdict = classifyFundingSpend(c.tx, {
        obscuringFactor: commitmentParams({ channelType, toLocalMsat: 0n, toRemoteMsat: 0n, feeratePerKw: 253, dustLimitSatoshis: 546n, htlcs: [] }).obscuringFactor,
        localCommitTxid: new Uint8Array(32).fill(1),
        remoteCommitTxid: new Uint8Array(32).fill(2),
        remoteCommitmentNumber: 50,
        revealedSecrets: revealed,
      });
      expect(verdict.kind).toBe('remote-revoked');
      if (verdict.kind !== 'remote-revoked') continue;
      expect(verdict.commitmentNumber).toBe(42);
      const keys = deriveRevokedCommitmentKeys(verdict.perCommitmentSecret, peer, ours);
      const record = decodeRevokedCommitment(stored);
      const inputs = findRevokedOutputs(c.tx, keys, { channelType, toSelfDelay: c.toSelfDelay, htlcs: record.htlcs });
      const plan = planJusticeTxs(inputs, { revocationPrivkey: keys.revocationPrivkey, destination, feeratePerKw: 1000 });
      const claimed = plan.txs.flatMap((t) => t.inputs);
      // Everything but our own to_remote and the anchors.
      const theirs = c.outputs.filter((o) => o.kind === 'to_local' || o.kind === 'offered_htlc' || o.kind === 'received_htlc');
      expect(claimed.map((i) => i.index).sort()).toEqual(theirs.map((o) => o.index).sort());
      const spk = (i: JusticeInput) => (c.outputs[i.index] as { scriptPubKey: Uint8Array }).scriptPubKey;
      for (const t of plan.txs) expect(allInputsPass(t.rawTx, t.inputs, spk)).toEqual(t.inputs.map(() => undefined));
    }
  });
});

describe('revoked commitment HTLC-info record codec', () => {
  const record = { commitmentNumber: 281_474_976_710_655, htlcs: htlcsById([0, 2, 4]).map(({ direction, amountMsat, paymentHash, cltvExpiry }) => ({ direction, amountMsat, paymentHash, cltvExpiry })) };

  it('round-trips, compactly', () => {
    const bytes = encodeRevokedCommitment(record);
    expect(decodeRevokedCommitment(bytes)).toEqual(record);
    expect(bytes.length).toBeLessThanOrEqual(1 + 9 + 1 + 3 * 42);
    const empty = { commitmentNumber: 0, htlcs: [] };
    expect(decodeRevokedCommitment(encodeRevokedCommitment(empty))).toEqual(empty);
    expect(encodeRevokedCommitment(empty)).toEqual(Uint8Array.of(1, 0, 0));
    const big = { commitmentNumber: 7, htlcs: [{ direction: 'received' as const, amountMsat: 21_000_000n * 100_000_000n * 1000n, paymentHash: new Uint8Array(32).fill(3), cltvExpiry: 0xffffffff }] };
    expect(decodeRevokedCommitment(encodeRevokedCommitment(big))).toEqual(big);
  });

  it('the decoded record rebuilds the HTLC scripts the justice transaction needs', () => {
    const htlcs = htlcsById([0, 2, 4]);
    const c = revokedCommitment('static_remotekey', htlcs);
    const stored = decodeRevokedCommitment(encodeRevokedCommitment({ commitmentNumber: 42, htlcs }));
    expect(findRevokedOutputs(c.tx, revoked, { channelType: 'static_remotekey', toSelfDelay: c.toSelfDelay, htlcs: stored.htlcs })).toHaveLength(4);
  });

  it('refuses bad bytes naming the field: unknown version, truncation, bad direction, trailing bytes, too many', () => {
    const bytes = encodeRevokedCommitment(record);
    expect(fieldOf(() => decodeRevokedCommitment(Uint8Array.of(2, 0, 0)))).toBe('revoked.version');
    expect(fieldOf(() => decodeRevokedCommitment(bytes.slice(0, bytes.length - 1)))).toBe('revoked.htlcs[2].cltvExpiry');
    const badDir = bytes.slice();
    badDir[1 + 9 + 1] = 2;
    expect(fieldOf(() => decodeRevokedCommitment(badDir))).toBe('revoked.htlcs[0].direction');
    expect(fieldOf(() => decodeRevokedCommitment(Uint8Array.of(...bytes, 0)))).toBe('revoked');
    expect(fieldOf(() => decodeRevokedCommitment(Uint8Array.of(1, 0, 0xfd, 0x03, 0xc7)))).toBe('revoked.count');
    expect(fieldOf(() => decodeRevokedCommitment(Uint8Array.of(1, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0)))).toBe('revoked.commitmentNumber');
    expect(fieldOf(() => encodeRevokedCommitment({ commitmentNumber: -1, htlcs: [] }))).toBe('commitmentNumber');
    expect(fieldOf(() => encodeRevokedCommitment({ commitmentNumber: 1, htlcs: [{ ...record.htlcs[0], direction: 'sideways' } as never] }))).toBe('htlcs[0].direction');
  });
});
