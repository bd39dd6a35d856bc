/**
 * BOLT 2 "Message Retransmission": channel_reestablish on reconnection, channel_ready
 * retransmission, option_data_loss_protect (a peer proving we lost state: never broadcast our
 * commitment), impossible numbers (error, fail the channel), and shutdown / closing negotiation
 * restarting after a reconnection. Driven through the pair harness.
 */
import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { perCommitmentPoint, perCommitmentSecret } from '../../../engine/keys/shachain.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import type { ChannelReestablishMessage } from '../../../engine/wire/messages/channel.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

const SCRIPT_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa1)).subarray(0, 20) }).output as Uint8Array;

function kinds(actions: readonly ChannelAction[]): string[] {
  return actions.map((a) => (a.type === 'send' ? `send:${a.message.type}` : a.type === 'emit' ? `emit:${a.event.type}` : a.type));
}

function commitmentsOf(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function reconnect(pair: ChannelPair): void {
  pair.inFlight.length = 0;
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-disconnected' });
  for (const n of ['A', 'B'] as const) pair.step(n, { type: 'peer-connected' });
}

function reestablishTo(pair: ChannelPair, to: SideName, patch: Partial<ChannelReestablishMessage>) {
  const c = commitmentsOf(pair.side(to).state);
  const m: ChannelReestablishMessage = {
    type: 'channel_reestablish',
    channelId: c.channelId,
    nextCommitmentNumber: 1n,
    nextRevocationNumber: 0n,
    yourLastPerCommitmentSecret: new Uint8Array(32),
    myCurrentPerCommitmentPoint: perCommitmentPoint(sha256(Uint8Array.of(0x99)), 0),
    ...patch,
  };
  return pair.step(to, { type: 'message', message: m });
}

function normalPair(): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ pushMsat: 100_000_000n });
  return pair;
}

describe('channel_reestablish', () => {
  it('on peer-connected both send channel_reestablish with the right numbers, secret and point', () => {
    const pair = normalPair();
    reconnect(pair);
    for (const n of ['A', 'B'] as const) {
      const m = pair.sentOf(n, 'channel_reestablish')[0]!;
      const c = commitmentsOf(pair.side(n).state);
      expect(m.nextCommitmentNumber).toBe(1n);
      expect(m.nextRevocationNumber).toBe(0n);
      expect(bytesToHex(m.yourLastPerCommitmentSecret)).toBe('00'.repeat(32));
      expect(bytesToHex(m.myCurrentPerCommitmentPoint)).toBe(bytesToHex(perCommitmentPoint(pair.side(n).keychain.channelKeys(c.channelIndex).shachainSeed, 0)));
      expect(bytesToHex(m.channelId)).toBe(bytesToHex(c.channelId));
    }
  });

  it('in normal, both at next_commitment_number 1: channel_ready is retransmitted (same point and alias) and ignored by the peer', () => {
    const pair = normalPair();
    const readyBefore = pair.sentOf('A', 'channel_ready')[0]!;
    reconnect(pair);
    pair.run();
    const again = pair.sentOf('A', 'channel_ready');
    expect(again).toHaveLength(2);
    expect(bytesToHex(again[1]!.secondPerCommitmentPoint)).toBe(bytesToHex(readyBefore.secondPerCommitmentPoint));
    expect(again[1]!.shortChannelIdAlias).toBe(readyBefore.shortChannelIdAlias);
    expect(pair.sentOf('B', 'channel_ready')).toHaveLength(2);
    expect(pair.a.state.type).toBe('normal');
    expect(pair.b.state.type).toBe('normal');
    expect(pair.sentOf('A', 'warning')).toHaveLength(0);
    expect(pair.sentOf('B', 'warning')).toHaveLength(0);
  });

  it('in wait-for-funding-confirmed, channel_ready has not been sent and is not retransmitted', () => {
    const pair = new ChannelPair();
    pair.open();
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    reconnect(pair);
    pair.run();
    expect(pair.sentOf('A', 'channel_ready')).toHaveLength(0);
    expect(pair.sentOf('B', 'channel_ready')).toHaveLength(0);
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
  });

  it('a peer proving it is ahead (option_data_loss_protect): wait-for-remote-publish, error sent, stale-state emitted, our commitment never broadcast', () => {
    const pair = normalPair();
    const c = commitmentsOf(pair.a.state);
    const seed = pair.a.keychain.channelKeys(c.channelIndex).shachainSeed;
    const theirPoint = perCommitmentPoint(sha256(Uint8Array.of(0x42)), 5);
    const t = reestablishTo(pair, 'A', { nextCommitmentNumber: 6n, nextRevocationNumber: 5n, yourLastPerCommitmentSecret: perCommitmentSecret(seed, 4), myCurrentPerCommitmentPoint: theirPoint });
    expect(t.state.type).toBe('wait-for-remote-publish');
    expect(kinds(t.actions)).toEqual(['persist', 'send:error', 'emit:stale-state', 'emit:state-changed']);
    expect(pair.a.broadcasts.filter((b) => b.kind === 'commitment')).toHaveLength(0);
    const s = t.state as Extract<ChannelState, { type: 'wait-for-remote-publish' }>;
    expect(bytesToHex(s.remoteCurrentPerCommitmentPoint)).toBe(bytesToHex(theirPoint));
    // The peer's error (it force-closes) must not make us broadcast a possibly revoked commitment.
    const e = pair.step('A', { type: 'message', message: { type: 'error', channelId: c.channelId, data: Uint8Array.of(0x78) } });
    expect(e.state.type).toBe('wait-for-remote-publish');
    expect(e.actions.some((a) => a.type === 'broadcast' || a.type === 'persist')).toBe(false);
    // On a new connection: the lost-state channel_reestablish (0, 0: the peer fails the channel), nothing else.
    expect(kinds(pair.step('A', { type: 'peer-connected' }).actions)).toEqual(['send:channel_reestablish']);
    expect(pair.sentOf('A', 'channel_reestablish').at(-1)).toMatchObject({ nextCommitmentNumber: 0n, nextRevocationNumber: 0n });
    expect(kinds(pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A }).actions)).toEqual(['emit:command-rejected']);
  });

  it('a peer claiming to be ahead without the right secret: error and force-close', () => {
    const pair = normalPair();
    const t = reestablishTo(pair, 'A', { nextCommitmentNumber: 6n, nextRevocationNumber: 5n, yourLastPerCommitmentSecret: new Uint8Array(32).fill(7) });
    expect(t.state.type).toBe('force-closing');
    expect(kinds(t.actions)).toEqual(['persist', 'send:error', 'broadcast', 'watch-spend', 'emit:channel-force-closed', 'emit:state-changed']);
  });

  it.each([
    ['next_commitment_number 0', { nextCommitmentNumber: 0n }],
    ['a your_last_per_commitment_secret we never revealed', { yourLastPerCommitmentSecret: new Uint8Array(32).fill(1) }],
  ])('an impossible channel_reestablish (%s): error and force-close', (_, patch) => {
    const pair = normalPair();
    const t = reestablishTo(pair, 'B', patch);
    expect(t.state.type).toBe('force-closing');
    expect(kinds(t.actions)[1]).toBe('send:error');
    expect(pair.b.broadcasts.filter((b) => b.kind === 'commitment')).toHaveLength(1);
  });

  it('a channel_reestablish for another channel gets a warning', () => {
    const pair = normalPair();
    const t = reestablishTo(pair, 'A', { channelId: new Uint8Array(32).fill(0xee) });
    expect(t.state.type).toBe('normal');
    expect(kinds(t.actions)).toEqual(['send:warning', 'emit:ignored']);
  });

  it('after a disconnection during the shutdown exchange, shutdown is retransmitted and the close completes', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.deliverOne(); // B gets A's shutdown, answers (lost)
    expect(pair.b.state.type).toBe('negotiating-closing');
    reconnect(pair);
    pair.run();
    expect(pair.a.state.type).toBe('closing');
    expect(pair.b.state.type).toBe('closing');
    expect(pair.sentOf('A', 'shutdown')).toHaveLength(2);
  });

  it('after a disconnection during negotiation, the funder restarts it with a fresh closing_signed', () => {
    const pair = normalPair();
    pair.a.feeratePerKw = 1000;
    pair.b.feeratePerKw = 20_000; // no overlap: negotiation stalls
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.a.state.type).toBe('negotiating-closing');
    pair.b.feeratePerKw = 2000; // B's estimate drops; after reconnecting, they agree
    reconnect(pair);
    pair.run();
    expect(pair.a.state.type).toBe('closing');
    expect(pair.b.state.type).toBe('closing');
    expect(pair.sentOf('A', 'closing_signed').length).toBeGreaterThanOrEqual(2);
  });

  it('a fundee already in closing whose last closing_signed was lost answers the restarted negotiation with the agreed signature', () => {
    const pair = normalPair();
    pair.intercept = (from, m) => (from === 'B' && m.type === 'closing_signed' ? null : m);
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.a.state.type).toBe('negotiating-closing');
    expect(pair.b.state.type).toBe('closing');
    pair.intercept = undefined;
    reconnect(pair);
    pair.run();
    expect(pair.a.state.type).toBe('closing');
    const a = pair.a.state as Extract<ChannelState, { type: 'closing' }>;
    const b = pair.b.state as Extract<ChannelState, { type: 'closing' }>;
    expect(bytesToHex(a.closingTx)).toBe(bytesToHex(b.closingTx));
    expect(pair.a.broadcasts.filter((x) => x.kind === 'mutual-close')).toHaveLength(1);
  });
});
