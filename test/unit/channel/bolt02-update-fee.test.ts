/**
 * BOLT 2 "Updating Fees: update_fee", "Committing Updates So Far: commitment_signed",
 * "Completing the Transition to the Updated State: revoke_and_ack" and "Message Retransmission"
 * after revocations: the commitment dance on the update log, driven through the pair harness
 * (which checks persist-before-send and the snapshot round trip on every batch). A funds, B accepts.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { ShachainStore, perCommitmentPoint, perCommitmentSecret } from '../../../engine/keys/shachain.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import { buildRemoteCommitment, signRemoteCommitment } from '../../../engine/channel/commitments.ts';
import { feerateAt } from '../../../engine/channel/htlc-log.ts';
import { autoFeeUpdate } from '../../../engine/channel/states/normal-commit.ts';
import type { ChannelState, ChannelType, Commitments } from '../../../engine/channel/types.ts';
import type { Message } from '../../../engine/wire/message.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function kinds(actions: readonly ChannelAction[]): string[] {
  return actions.map((a) => (a.type === 'send' ? `send:${a.message.type}` : a.type === 'emit' ? `emit:${a.event.type}` : a.type));
}

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function normalPair(channelType: ChannelType = 'anchors_zero_fee_htlc_tx', pushMsat = 100_000_000n): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ pushMsat, channelType });
  return pair;
}

/** Drop everything in flight, disconnect, optionally restart both from their stores, reconnect. */
function reconnect(pair: ChannelPair, opts: { restart?: boolean } = {}): void {
  pair.inFlight.length = 0;
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-disconnected' });
  if (opts.restart) for (const s of [pair.a, pair.b]) s.state = decodeChannelState(s.persisted as Uint8Array);
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-connected' });
}

/** Both sides agree: each one's local commitment is the other's remote one, at feerate `rate`. */
function expectInSync(pair: ChannelPair, index: number, rate: number): void {
  const a = cm(pair.a.state);
  const b = cm(pair.b.state);
  expect(pair.a.state.type).toBe('normal');
  expect(pair.b.state.type).toBe('normal');
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    expect(x.localCommit.index).toBe(index);
    expect(x.remoteCommit.index).toBe(index);
    expect(x.localCommit.spec.feeratePerKw).toBe(rate);
    expect(bytesToHex(x.localCommit.txid)).toBe(bytesToHex(y.remoteCommit.txid));
    expect(x.remoteNextCommit).toBeUndefined();
    expect(x.log.local.revackPending || x.log.remote.revackPending).toBe(false);
    expect(feerateAt(x.log, 'local', index)).toBe(rate);
    expect(feerateAt(x.log, 'remote', index)).toBe(rate);
    // The peer's revealed secrets are all stored, and the next point is the peer's for index + 1.
    const store = ShachainStore.fromBytes(x.remoteSecrets);
    for (let i = 0; i < index; i++) expect(store.secretOfCommitment(i)).toBeDefined();
    expect(bytesToHex(x.remoteNextPerCommitmentPoint as Uint8Array)).toBe(bytesToHex(perCommitmentPoint(seedOf(pair, x === a ? 'B' : 'A'), index + 1)));
  }
}

function seedOf(pair: ChannelPair, name: SideName): Uint8Array {
  const s = pair.side(name);
  return s.keychain.channelKeys(cm(s.state).channelIndex).shachainSeed;
}

function updateFee(pair: ChannelPair, name: SideName, feeratePerKw: number) {
  return pair.step(name, { type: 'update-fee', feeratePerKw });
}

function rejected(actions: readonly ChannelAction[]): string {
  const e = actions.find((a) => a.type === 'emit' && a.event.type === 'command-rejected');
  if (!e || e.type !== 'emit' || e.event.type !== 'command-rejected') throw new Error(`not rejected: ${kinds(actions).join(', ')}`);
  return e.event.reason;
}

function expectForceClosed(pair: ChannelPair, name: SideName, before: ChannelState, reason: RegExp): void {
  const s = pair.side(name);
  const t = s.batches[s.batches.length - 1]!;
  expect(s.state.type).toBe('force-closing');
  // BOLT 5: the commitment is broadcast and the funding output's spend watched (a CPFP may be asked too).
  expect(kinds(t.actions).filter((k) => k !== 'request-cpfp')).toEqual(['persist', 'send:error', 'broadcast', 'watch-spend', 'emit:channel-force-closed', 'emit:state-changed']);
  const b = t.actions[2] as Extract<ChannelAction, { type: 'broadcast' }>;
  // Our current commitment (never a revoked one) goes on chain.
  expect(bytesToHex(b.txid)).toBe(bytesToHex(cm(before).localCommit.txid));
  expect((s.state as { reason: string }).reason).toMatch(reason);
}

describe.each(['anchors_zero_fee_htlc_tx', 'static_remotekey'] as const)('update_fee dance (%s)', (channelType) => {
  it('the funder updates the fee: update_fee + commitment_signed, revoke_and_ack + commitment_signed, revoke_and_ack', () => {
    const pair = normalPair(channelType);
    const t = updateFee(pair, 'A', 5000);
    expect(kinds(t.actions)).toEqual(['persist', 'send:update_fee', 'send:commitment_signed']);
    expect(cm(pair.a.state).remoteNextCommit?.commit.index).toBe(1);
    pair.deliverOne(); // update_fee → B: persisted, nothing sent
    expect(kinds(pair.b.batches[pair.b.batches.length - 1]!.actions)).toEqual(['persist']);
    pair.deliverOne(); // commitment_signed → B
    expect(kinds(pair.b.batches[pair.b.batches.length - 1]!.actions)).toEqual(['persist', 'send:revoke_and_ack', 'send:commitment_signed']);
    const revoke = pair.sentOf('B', 'revoke_and_ack')[0]!;
    expect(bytesToHex(revoke.perCommitmentSecret)).toBe(bytesToHex(perCommitmentSecret(seedOf(pair, 'B'), 0)));
    expect(bytesToHex(revoke.nextPerCommitmentPoint)).toBe(bytesToHex(perCommitmentPoint(seedOf(pair, 'B'), 2)));
    pair.run();
    expect(kinds(pair.a.batches[pair.a.batches.length - 1]!.actions)).toEqual(['persist', 'send:revoke_and_ack']);
    expectInSync(pair, 1, 5000);
    // The fee is the funder's: balances are unchanged.
    expect(cm(pair.a.state).localCommit.spec.toLocalMsat).toBe(900_000_000n);
    expect(cm(pair.b.state).localCommit.spec.toLocalMsat).toBe(100_000_000n);
    // Superseded fee updates are pruned: one remains.
    expect(cm(pair.a.state).log.local.feeUpdates).toHaveLength(1);
    expect(cm(pair.b.state).log.remote.feeUpdates).toHaveLength(1);
  });

  it('repeated updates (up and down) advance both commitment numbers and the stored peer secrets', () => {
    const pair = normalPair(channelType);
    const rates = [3000, 7000, 1200, 2600];
    rates.forEach((r, i) => {
      updateFee(pair, 'A', r);
      pair.run();
      expectInSync(pair, i + 1, r);
    });
    const store = ShachainStore.fromBytes(cm(pair.a.state).remoteSecrets);
    for (let i = 0; i < rates.length; i++) expect(bytesToHex(store.secretOfCommitment(i)!)).toBe(bytesToHex(perCommitmentSecret(seedOf(pair, 'B'), i)));
  });

  it('a second update-fee while the revoke_and_ack is pending is sent, signed once the revocation arrives', () => {
    const pair = normalPair(channelType);
    updateFee(pair, 'A', 4000);
    const t = updateFee(pair, 'A', 6000);
    expect(kinds(t.actions)).toEqual(['persist', 'send:update_fee']);
    pair.run();
    expectInSync(pair, 2, 6000);
  });

  it('reconnecting after the dance: channel_reestablish at numbers > 0, nothing retransmitted, still usable', () => {
    const pair = normalPair(channelType);
    updateFee(pair, 'A', 5000);
    pair.run();
    updateFee(pair, 'A', 3500);
    pair.run();
    reconnect(pair, { restart: true });
    const ra = pair.sentOf('A', 'channel_reestablish').at(-1)!;
    expect(ra.nextCommitmentNumber).toBe(3n);
    expect(ra.nextRevocationNumber).toBe(2n);
    expect(bytesToHex(ra.yourLastPerCommitmentSecret)).toBe(bytesToHex(perCommitmentSecret(seedOf(pair, 'B'), 1)));
    expect(bytesToHex(ra.myCurrentPerCommitmentPoint)).toBe(bytesToHex(perCommitmentPoint(seedOf(pair, 'A'), 2)));
    const sentBefore = pair.a.sent.length + pair.b.sent.length;
    pair.run();
    expect(pair.a.sent.length + pair.b.sent.length).toBe(sentBefore);
    expectInSync(pair, 2, 3500);
    updateFee(pair, 'A', 9000);
    pair.run();
    expectInSync(pair, 3, 9000);
  });
});

describe('update-fee command checks', () => {
  it('the fundee cannot update the fee', () => {
    const pair = normalPair();
    expect(rejected(updateFee(pair, 'B', 5000).actions)).toMatch(/only the funder/);
  });

  it.each([252, 0, -1, 2.5, Number.NaN, 2 ** 32])('feerate %s is refused', (rate) => {
    const pair = normalPair();
    expect(rejected(updateFee(pair, 'A', rate).actions)).toMatch(/feeratePerKw must be an integer from 253/);
  });

  it('the same feerate is refused', () => {
    const pair = normalPair();
    expect(rejected(updateFee(pair, 'A', 2500).actions)).toMatch(/already 2500/);
  });

  it('a raise the funder cannot pay over the reserve is refused; a lower feerate is still allowed', () => {
    // A keeps 10 000 sat of 1 000 000; the peer's reserve is 10 000 sat: A is already at it.
    const pair = normalPair('anchors_zero_fee_htlc_tx', 990_000_000n);
    expect(rejected(updateFee(pair, 'A', 5000).actions)).toMatch(/cannot afford 5000 sat\/kw/);
    expect(kinds(updateFee(pair, 'A', 1000).actions)).toEqual(['persist', 'send:update_fee', 'send:commitment_signed']);
    pair.run();
    expectInSync(pair, 1, 1000);
  });

  it('refused while disconnected and until the peer\'s channel_reestablish arrives (no update before it, BOLT 2)', () => {
    const pair = normalPair();
    pair.step('A', { type: 'peer-disconnected' });
    expect(rejected(updateFee(pair, 'A', 5000).actions)).toMatch(/channel_reestablish is not done yet/);
    pair.step('B', { type: 'peer-disconnected' });
    for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-connected' });
    expect(rejected(updateFee(pair, 'A', 5000).actions)).toMatch(/channel_reestablish is not done yet/);
    pair.run();
    expect((pair.a.state as { syncing?: true }).syncing).toBeUndefined();
    updateFee(pair, 'A', 5000);
    pair.run();
    expectInSync(pair, 1, 5000);
  });

  it('close is refused while updates of ours are unsigned (a revoke_and_ack is pending), allowed once they are signed', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    updateFee(pair, 'A', 6000); // waits for the peer's revoke_and_ack before it is signed
    const script = Uint8Array.of(0, 0x14, ...new Uint8Array(20).fill(1));
    expect(rejected(pair.step('A', { type: 'close', scriptPubKey: script }).actions)).toMatch(/not signed yet/);
    pair.run();
    expectInSync(pair, 2, 6000);
    pair.step('A', { type: 'close', scriptPubKey: script });
    expect(pair.a.state.type).toBe('shutting-down');
  });
});

describe('update_fee from the peer', () => {
  function updateFeeTo(pair: ChannelPair, to: SideName, feeratePerKw: number) {
    const before = pair.side(to).state;
    pair.step(to, { type: 'message', message: { type: 'update_fee', channelId: cm(before).channelId, feeratePerKw } });
    return before;
  }

  it('from the fundee fails the channel', () => {
    const pair = normalPair();
    const before = updateFeeTo(pair, 'A', 5000);
    expectForceClosed(pair, 'A', before, /not the funder/);
  });

  it.each([
    ['anchors_zero_fee_htlc_tx', 253, true],
    ['anchors_zero_fee_htlc_tx', 25_000, true],
    ['anchors_zero_fee_htlc_tx', 25_001, false],
    ['static_remotekey', 625, true],
    ['static_remotekey', 624, false],
    ['static_remotekey', 25_000, true],
    ['static_remotekey', 25_001, false],
  ] as const)('%s, estimate 2500: %s sat/kw accepted = %s (¼ … 10×; anchors down to 253)', (channelType, rate, ok) => {
    const pair = normalPair(channelType);
    const before = updateFeeTo(pair, 'B', rate);
    if (ok) {
      expect(pair.b.state.type).toBe('normal');
      expect(cm(pair.b.state).log.remote.feeUpdates.at(-1)).toEqual({ feeratePerKw: rate, ctn: { local: 1 } });
    } else expectForceClosed(pair, 'B', before, /outside/);
  });

  it('an update_fee the funder cannot afford fails the channel', () => {
    // A keeps 10 000 sat; 20 000 sat/kw on an anchors commitment costs 22 480 + 660 sat.
    const pair = normalPair('anchors_zero_fee_htlc_tx', 990_000_000n);
    const before = updateFeeTo(pair, 'B', 20_000);
    expectForceClosed(pair, 'B', before, /cannot afford/);
  });

  it('a repeated update_fee replaces the uncommitted one (the last received wins)', () => {
    const pair = normalPair();
    updateFeeTo(pair, 'B', 3000);
    updateFeeTo(pair, 'B', 3000);
    updateFeeTo(pair, 'B', 4000);
    expect(cm(pair.b.state).log.remote.feeUpdates.map((u) => u.feeratePerKw)).toEqual([2500, 4000]);
  });

  it('a duplicated update_fee in flight converges on the same feerate', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 4200);
    const dup = pair.inFlight[0]!;
    pair.inFlight.splice(1, 0, dup);
    pair.run();
    expectInSync(pair, 1, 4200);
  });
});

describe('commitment_signed', () => {
  it('a bad signature fails the channel; our current commitment is broadcast', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.intercept = (from, m) => (m.type === 'commitment_signed' && from === 'A' ? { ...m, signature: new Uint8Array(64).fill(0x33) } : m);
    pair.deliverOne();
    const before = pair.b.state;
    pair.deliverOne();
    expectForceClosed(pair, 'B', before, /not a valid LOW-S signature/);
  });

  it('a high-S form of the valid signature fails the channel', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.intercept = (from, m) => {
      if (m.type !== 'commitment_signed' || from !== 'A') return m;
      let s = 0n;
      for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(m.signature[i]!);
      const high = CURVE_N - s;
      const sig = m.signature.slice();
      for (let i = 63, v = high; i >= 32; i--, v >>= 8n) sig[i] = Number(v & 0xffn);
      return { ...m, signature: sig };
    };
    pair.deliverOne();
    const before = pair.b.state;
    pair.deliverOne();
    expectForceClosed(pair, 'B', before, /LOW-S/);
  });

  it('HTLC signatures for HTLC outputs that do not exist fail the channel', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.intercept = (from, m) => (m.type === 'commitment_signed' && from === 'A' ? { ...m, htlcSignatures: [new Uint8Array(64).fill(1)] } : m);
    pair.deliverOne();
    const before = pair.b.state;
    pair.deliverOne();
    expectForceClosed(pair, 'B', before, /1 htlc_signatures for 0 HTLC outputs/);
  });

  it('a duplicated commitment_signed (a second one before the revocation) fails the channel, broadcasting the newest commitment', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.deliverOne();
    const sig = pair.inFlight[0]!;
    pair.deliverOne();
    const before = pair.b.state;
    expect(cm(before).localCommit.index).toBe(1);
    pair.step('B', { type: 'message', message: sig.message });
    expectForceClosed(pair, 'B', before, /signature/);
  });

  it('a commitment_signed without changes (validly signed) is accepted and revoked', () => {
    const pair = normalPair();
    const b = cm(pair.b.state);
    const a = cm(pair.a.state);
    // A signs B's commitment #1 with the same content as #0.
    const commitment = buildRemoteCommitment(a, 1, a.remoteCommit.spec, a.remoteNextPerCommitmentPoint!);
    const signature = signRemoteCommitment(commitment, pair.a.keychain.channelKeys(a.channelIndex));
    const t = pair.step('B', { type: 'message', message: { type: 'commitment_signed', channelId: b.channelId, signature, htlcSignatures: [] } });
    expect(kinds(t.actions)).toEqual(['persist', 'send:revoke_and_ack']);
    expect(cm(pair.b.state).localCommit.index).toBe(1);
    expect(cm(pair.b.state).localCommit.spec).toEqual(b.localCommit.spec);
  });

  it('for another channel: warning, state unchanged', () => {
    const pair = normalPair();
    const before = pair.b.state;
    const t = pair.step('B', { type: 'message', message: { type: 'commitment_signed', channelId: new Uint8Array(32).fill(9), signature: new Uint8Array(64), htlcSignatures: [] } });
    expect(kinds(t.actions)).toEqual(['send:warning', 'emit:ignored']);
    expect(pair.b.state).toBe(before);
  });
});

describe('revoke_and_ack', () => {
  it('with nothing pending fails the channel', () => {
    const pair = normalPair();
    const before = pair.a.state;
    const c = cm(before);
    pair.step('A', { type: 'message', message: { type: 'revoke_and_ack', channelId: c.channelId, perCommitmentSecret: perCommitmentSecret(seedOf(pair, 'B'), 0), nextPerCommitmentPoint: perCommitmentPoint(seedOf(pair, 'B'), 2) } });
    expectForceClosed(pair, 'A', before, /without a commitment_signed/);
  });

  it('a secret that does not derive the revoked commitment point fails the channel', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.intercept = (from, m) => (m.type === 'revoke_and_ack' && from === 'B' ? { ...m, perCommitmentSecret: sha256(Uint8Array.of(1, 2, 3)) } : m);
    pair.deliverOne();
    pair.deliverOne();
    const before = pair.a.state;
    pair.deliverOne();
    expectForceClosed(pair, 'A', before, /does not derive the per-commitment point of commitment 0/);
  });

  it('a secret that is not a valid key fails the channel', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.intercept = (from, m) => (m.type === 'revoke_and_ack' && from === 'B' ? { ...m, perCommitmentSecret: new Uint8Array(32) } : m);
    pair.deliverOne();
    pair.deliverOne();
    const before = pair.a.state;
    pair.deliverOne();
    expectForceClosed(pair, 'A', before, /not a valid secret key/);
  });

  it('a secret that derives its point but not the earlier stored secrets (shachain insert fails) fails the channel', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.run();
    // Pretend the peer's secret for commitment 0 was something else: the real secret for 1 cannot derive it.
    const bogus = new ShachainStore();
    bogus.insertCommitment(sha256(Uint8Array.of(0x42)), 0);
    const c = cm(pair.a.state);
    pair.a.state = { ...(pair.a.state as Extract<ChannelState, { type: 'normal' }>), commitments: { ...c, remoteSecrets: bogus.toBytes() } };
    updateFee(pair, 'A', 6000);
    pair.deliverOne();
    pair.deliverOne();
    const before = pair.a.state;
    pair.deliverOne();
    expectForceClosed(pair, 'A', before, /does not fit the earlier secrets/);
  });
});

describe('channel_reestablish after revocations (BOLT 2 "Message Retransmission")', () => {
  it('our update_fee and commitment_signed were lost: both retransmitted (same signature), then the dance completes', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    const firstSig = pair.sentOf('A', 'commitment_signed')[0]!;
    reconnect(pair, { restart: true });
    pair.run();
    const again = pair.sentOf('A', 'commitment_signed');
    expect(again).toHaveLength(2);
    expect(bytesToHex(again[1]!.signature)).toBe(bytesToHex(firstSig.signature));
    expect(pair.sentOf('A', 'update_fee')).toHaveLength(2);
    expectInSync(pair, 1, 5000);
  });

  it("the peer's revoke_and_ack and commitment_signed were lost: retransmitted in the original order", () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.deliverOne();
    pair.deliverOne(); // B: revoke_and_ack + commitment_signed now in flight, about to be lost
    const sentByB = pair.b.sent.length;
    reconnect(pair, { restart: true });
    pair.run();
    const after = pair.b.sent.slice(sentByB).map((m) => m.type);
    expect(after).toEqual(['channel_reestablish', 'revoke_and_ack', 'commitment_signed']);
    expectInSync(pair, 1, 5000);
  });

  it('commitment_signed sent before a revoke_and_ack: retransmitted commitment_signed first', () => {
    const pair = normalPair();
    // A: update_fee + commitment_signed (#1 for B); B revokes and signs (#1 for A);
    // meanwhile A sends a second update_fee that waits for B's revocation.
    updateFee(pair, 'A', 4000);
    pair.deliverOne();
    pair.deliverOne();
    updateFee(pair, 'A', 6000); // pending: not signed yet
    pair.deliverOne(); // A gets B's revoke_and_ack → signs #2 for B
    pair.deliverOne(); // A gets B's commitment_signed → revokes its #0 (after having sent commitment_signed #2)
    const sentByA = pair.a.sent.length;
    pair.inFlight.length = 0; // A's commitment_signed #2 and revoke_and_ack lost
    reconnect(pair, { restart: true });
    pair.run();
    // The last revoke_and_ack is the new one, for B's commitment_signed #2 that follows.
    expect(pair.a.sent.slice(sentByA).map((m) => m.type)).toEqual(['channel_reestablish', 'update_fee', 'commitment_signed', 'revoke_and_ack', 'revoke_and_ack']);
    expectInSync(pair, 2, 6000);
  });

  it('a repeated channel_reestablish on the same connection does not retransmit twice', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000); // lost with the connection
    reconnect(pair);
    const i = pair.inFlight.findIndex((f) => f.to === 'A');
    const fromB = pair.inFlight.splice(i, 1)[0]!.message;
    const sent = pair.a.sent.length;
    pair.step('A', { type: 'message', message: fromB });
    pair.step('A', { type: 'message', message: fromB });
    // (channel_ready is repeated at commitment 0 each time, harmlessly: same point, same alias.)
    expect(pair.a.sent.slice(sent).map((m) => m.type).filter((t) => t !== 'channel_ready')).toEqual(['update_fee', 'commitment_signed']);
    pair.run();
    expectInSync(pair, 1, 5000);
  });

  it('only our final revoke_and_ack was lost: retransmitted', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 5000);
    pair.deliverOne();
    pair.deliverOne();
    pair.deliverOne();
    pair.deliverOne(); // A's revoke_and_ack in flight
    expect(pair.inFlight.map((f) => f.message.type)).toEqual(['revoke_and_ack']);
    reconnect(pair);
    pair.run();
    expect(pair.sentOf('A', 'revoke_and_ack')).toHaveLength(2);
    expectInSync(pair, 1, 5000);
  });

  it('an update_fee no commitment_signed covered is forgotten by both sides on reconnection', () => {
    const pair = normalPair();
    updateFee(pair, 'A', 4000);
    pair.deliverOne();
    pair.deliverOne(); // B's revoke_and_ack + commitment_signed in flight
    updateFee(pair, 'A', 4500); // waits for B's revocation: update_fee only
    pair.inFlight.splice(0, 2); // B's messages lost; A's update_fee reaches B
    pair.deliverOne();
    expect(cm(pair.b.state).log.remote.feeUpdates.map((u) => u.feeratePerKw)).toEqual([2500, 4000, 4500]);
    reconnect(pair, { restart: true });
    pair.run();
    expectInSync(pair, 1, 4000);
    expect(cm(pair.a.state).log.local.feeUpdates.map((u) => u.feeratePerKw)).toEqual([4000]);
    expect(cm(pair.b.state).log.remote.feeUpdates.map((u) => u.feeratePerKw)).toEqual([4000]);
  });

  it('a peer proving we lost state (its next_revocation_number ahead, with our secret): wait-for-remote-publish, nothing broadcast', () => {
    const pair = normalPair();
    const old = pair.a.persisted as Uint8Array;
    updateFee(pair, 'A', 5000);
    pair.run();
    pair.a.state = decodeChannelState(old);
    reconnect(pair);
    pair.run();
    expect(pair.a.state.type).toBe('wait-for-remote-publish');
    expect(pair.a.broadcasts.filter((b) => b.kind === 'commitment')).toHaveLength(0);
  });

  it.each([
    ['a wrong your_last_per_commitment_secret', (m: Message) => (m.type === 'channel_reestablish' ? { ...m, yourLastPerCommitmentSecret: sha256(Uint8Array.of(7)) } : m), /your_last_per_commitment_secret/],
    ['a next_revocation_number two behind', (m: Message) => (m.type === 'channel_reestablish' ? { ...m, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: new Uint8Array(32) } : m), /impossible channel_reestablish/],
    ['a next_commitment_number we never signed', (m: Message) => (m.type === 'channel_reestablish' ? { ...m, nextCommitmentNumber: 9n } : m), /ahead of ours/],
    ['a next_commitment_number behind what it revoked', (m: Message) => (m.type === 'channel_reestablish' ? { ...m, nextCommitmentNumber: 2n } : m), /impossible channel_reestablish/],
  ])('%s fails the channel with our current commitment', (_name, patch, reason) => {
    const pair = normalPair();
    for (const r of [4000, 5000]) {
      updateFee(pair, 'A', r);
      pair.run();
    }
    pair.intercept = (from, m) => (from === 'B' ? patch(m) : m);
    const before = pair.a.state;
    reconnect(pair);
    pair.deliverOne(); // A's reestablish → B
    pair.deliverOne(); // B's (patched) → A
    expectForceClosed(pair, 'A', before, reason);
  });
});

describe('autoFeeUpdate (the node\'s policy as funder)', () => {
  it('only beyond +25% / -50% of the commitment feerate, only as funder, never mid-dance or while syncing', () => {
    const pair = normalPair();
    const a = pair.a.state as Extract<ChannelState, { type: 'normal' }>;
    expect(autoFeeUpdate(a, 3125)).toBeUndefined(); // +25%: not beyond
    expect(autoFeeUpdate(a, 3126)).toBe(3126);
    expect(autoFeeUpdate(a, 1250)).toBeUndefined(); // -50%: not beyond
    expect(autoFeeUpdate(a, 1249)).toBe(1249);
    expect(autoFeeUpdate(a, 100)).toBe(253); // never below the relay floor
    expect(autoFeeUpdate(pair.b.state as Extract<ChannelState, { type: 'normal' }>, 9000)).toBeUndefined();
    expect(autoFeeUpdate({ ...a, syncing: true }, 9000)).toBeUndefined();
    updateFee(pair, 'A', 2600);
    expect(autoFeeUpdate(pair.a.state as Extract<ChannelState, { type: 'normal' }>, 9000)).toBeUndefined();
    pair.run();
    expect(autoFeeUpdate(pair.a.state as Extract<ChannelState, { type: 'normal' }>, 9000)).toBe(9000);
  });

  it('a raise the funder cannot afford over the reserve is not proposed', () => {
    const pair = normalPair('anchors_zero_fee_htlc_tx', 990_000_000n);
    expect(autoFeeUpdate(pair.a.state as Extract<ChannelState, { type: 'normal' }>, 9000)).toBeUndefined();
  });
});
