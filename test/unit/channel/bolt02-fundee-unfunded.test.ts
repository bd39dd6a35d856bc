/**
 * A fundee's channel that fails before its funding transaction was ever seen (BOLT 2: the fundee
 * never broadcasts the funding and forgets the channel after 2016 blocks without it; BOLT 5 "failing
 * a channel" publishes a commitment only to spend a funding output that exists). The crash suite's
 * case: the fundee saved funding_signed's state but crashed before sending it, so the funder never
 * broadcast and forgot the channel; at reconnection the peer errors (or, as LDK does, answers our
 * channel_reestablish with a bogus one). Nothing may be published; the funding stays watched.
 */
import { describe, expect, it } from 'vitest';
import { perCommitmentPoint } from '../../../engine/keys/shachain.ts';
import { FUNDING_TIMEOUT_BLOCKS, type WaitForFundingConfirmedState, type WaitForFundingSignedState } from '../../../engine/channel/types.ts';
import { channelInfo } from '../../../engine/node/channel-info.ts';
import type { Entry } from '../../../engine/node/channel-chain.ts';
import { ChannelPair } from '../../harness/channel-pair.ts';

/** A opens to B; B's funding_signed is lost (B saved its state, A never got it). */
function lostFundingSigned(): { pair: ChannelPair; fundingTx: Uint8Array; channelId: Uint8Array } {
  const pair = new ChannelPair();
  pair.intercept = (_from, m) => (m.type === 'funding_signed' ? null : m);
  pair.open({ pushMsat: 50_000_000n });
  pair.intercept = undefined;
  expect(pair.a.state.type).toBe('wait-for-funding-signed');
  expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
  const a = pair.a.state as WaitForFundingSignedState;
  return { pair, fundingTx: a.fundingTx, channelId: a.channelId };
}

function failedOf(pair: ChannelPair): string | undefined {
  return (pair.b.state as WaitForFundingConfirmedState).failed;
}

function infoOf(pair: ChannelPair) {
  return channelInfo({ index: 1, scope: 'channel:x', peer: 'p', state: pair.b.state } as unknown as Entry, true);
}

describe('BOLT 2/5: a fundee whose funding was never seen publishes nothing when the channel fails', () => {
  it("the peer's error: failed (persisted), no commitment broadcast, shown aborted with the reason, still watched", () => {
    const { pair, channelId } = lostFundingSigned();
    const t = pair.step('B', { type: 'message', message: { type: 'error', channelId, data: new TextEncoder().encode('unknown channel') } });
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    expect(failedOf(pair)).toMatch(/peer error: unknown channel/);
    expect(t.actions[0]!.type).toBe('persist');
    expect(t.actions.some((a) => a.type === 'broadcast')).toBe(false);
    expect(pair.b.broadcasts).toEqual([]);
    const info = infoOf(pair);
    expect(info.state).toBe('aborted');
    expect(info.localMsat).toBe(0n);
    expect(info.reason).toMatch(/never seen, nothing was published/);
    // A second error changes nothing.
    const again = pair.step('B', { type: 'message', message: { type: 'error', channelId, data: new Uint8Array(0) } });
    expect(again.actions.filter((a) => a.type !== 'emit')).toEqual([]);
  });

  it("LDK's bogus channel_reestablish for a channel it forgot: failed, nothing published; no reestablish afterwards", () => {
    const { pair, channelId } = lostFundingSigned();
    pair.step('B', { type: 'peer-disconnected' });
    pair.step('B', { type: 'peer-connected' });
    expect(pair.sentOf('B', 'channel_reestablish')).toHaveLength(1);
    // LDK answers a channel_reestablish for an unknown channel with numbers 0 and a dummy secret and point.
    const t = pair.step('B', {
      type: 'message',
      message: { type: 'channel_reestablish', channelId, nextCommitmentNumber: 0n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: new Uint8Array(32).fill(1), myCurrentPerCommitmentPoint: perCommitmentPoint(new Uint8Array(32).fill(2), 0) },
    });
    expect(failedOf(pair)).toBeDefined();
    expect(t.actions.some((a) => a.type === 'broadcast')).toBe(false);
    expect(t.actions.some((a) => a.type === 'send' && a.message.type === 'error')).toBe(true);
    pair.step('B', { type: 'peer-disconnected' });
    const back = pair.step('B', { type: 'peer-connected' });
    expect(back.actions).toEqual([]);
    expect(pair.sentOf('B', 'channel_reestablish')).toHaveLength(1);
  });

  it('the funding confirms after all: force-closed then (the 2-of-2 exists), our commitment published', () => {
    const { pair, channelId, fundingTx } = lostFundingSigned();
    pair.step('B', { type: 'message', message: { type: 'error', channelId, data: new Uint8Array(0) } });
    pair.step('B', { type: 'funding-confirmed', rawTx: fundingTx, depth: 1, blockHeight: pair.blockHeight, txIndex: 2 });
    expect(pair.b.state.type).toBe('force-closing');
    expect(pair.b.broadcasts.map((b) => b.kind)).toEqual(['commitment']);
  });

  it('forgotten (aborted, persisted) at the 2016-block timeout, not before', () => {
    const { pair, channelId } = lostFundingSigned();
    pair.step('B', { type: 'message', message: { type: 'error', channelId, data: new Uint8Array(0) } });
    const since = (pair.b.state as WaitForFundingConfirmedState).waitingSinceHeight;
    pair.blockHeight = since + FUNDING_TIMEOUT_BLOCKS - 1;
    pair.step('B', { type: 'tick' });
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    pair.blockHeight = since + FUNDING_TIMEOUT_BLOCKS;
    const t = pair.step('B', { type: 'tick' });
    expect(pair.b.state.type).toBe('aborted');
    expect(t.actions[0]!.type).toBe('persist');
    expect(pair.b.broadcasts).toEqual([]);
  });

  it("commands are refused once failed; the user's force close of an unseen funding publishes nothing", () => {
    const { pair } = lostFundingSigned();
    pair.step('B', { type: 'force-close' });
    expect(failedOf(pair)).toBe('force-closed by the user');
    expect(pair.b.broadcasts).toEqual([]);
    const t = pair.step('B', { type: 'force-close' });
    expect(t.actions).toEqual([expect.objectContaining({ type: 'emit', event: expect.objectContaining({ type: 'command-rejected' }) })]);
  });

  it('the funder, whose funding tx is out, still force-closes on an error (BOLT 5)', () => {
    const pair = new ChannelPair();
    pair.open();
    const id = (pair.a.state as WaitForFundingConfirmedState).commitments.channelId;
    pair.step('A', { type: 'message', message: { type: 'error', channelId: id, data: new Uint8Array(0) } });
    expect(pair.a.state.type).toBe('force-closing');
    expect(pair.a.broadcasts.map((b) => b.kind)).toEqual(['funding', 'commitment']);
  });
});
