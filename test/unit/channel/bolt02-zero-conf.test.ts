/**
 * BOLT 2 zero-conf channels: the fundee "MAY set minimum_depth to zero if it trusts the funder
 * not to double-spend"; channel_ready then goes out before the funding confirms, with
 * `short_channel_id_alias`, and the real short_channel_id is learnt at the first confirmation.
 * Glint offers minimum_depth 0 only to a peer the user trusts (ctx.zeroConfPeer); as funder it
 * accepts minimum_depth 0 and sends channel_ready once its funding tx is broadcast. The harness
 * checks persist-before-send/broadcast and the codec round trip on every batch.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import { decodeChannelState } from '../../../engine/channel/codec.ts';
import { shortChannelId } from '../../../engine/channel/commitments.ts';
import { DEFAULT_CHANNEL_CONFIG, type NormalState } from '../../../engine/channel/types.ts';
import { bytesToHex } from '../../../engine/lib/bytes.ts';
import { ChannelPair, type Side } from '../../harness/channel-pair.ts';

function normal(s: Side): NormalState {
  expect(s.state.type).toBe('normal');
  return s.state as NormalState;
}

function batchWith(s: Side, pred: (a: ChannelAction) => boolean) {
  const b = s.batches.find((x) => x.actions.some(pred));
  if (!b) throw new Error(`${s.name}: no batch with that action`);
  return b;
}

/** Action kinds in order (messages by type; the reducer's state-changed emit left out). */
function shape(actions: readonly ChannelAction[]): string[] {
  return actions.filter((x) => !(x.type === 'emit' && x.event.type === 'state-changed')).map((x) => (x.type === 'send' ? x.message.type : x.type));
}

const isReady = (a: ChannelAction): boolean => a.type === 'send' && a.message.type === 'channel_ready';

describe.each(['static_remotekey', 'anchors_zero_fee_htlc_tx'] as const)('BOLT 2 zero-conf, %s', (channelType) => {
  it('a trusted funder gets minimum_depth 0 and both sides reach NORMAL with no confirmation', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType, pushMsat: 5_000_000n });

    expect(pair.sentOf('B', 'accept_channel')[0]!.minimumDepth).toBe(0);
    expect(pair.b.sent.map((m) => m.type)).toEqual(['accept_channel', 'funding_signed', 'channel_ready']);
    expect(pair.a.sent.map((m) => m.type)).toEqual(['open_channel', 'funding_created', 'channel_ready']);
    expect(pair.a.states.map((s) => s.type)).toEqual(['idle', 'wait-for-accept-channel', 'wait-for-funding-internal', 'wait-for-funding-signed', 'wait-for-channel-ready', 'normal']);
    expect(pair.b.states.map((s) => s.type)).toEqual(['wait-for-open-channel', 'wait-for-funding-created', 'wait-for-channel-ready', 'normal']);

    // Usable with the aliases only: no short_channel_id yet, and each side knows the other's alias.
    const a = normal(pair.a);
    const b = normal(pair.b);
    expect(a.shortChannelId).toBeUndefined();
    expect(b.shortChannelId).toBeUndefined();
    expect(a.remoteAlias).toBe(b.localAlias);
    expect(b.remoteAlias).toBe(a.localAlias);
    expect(pair.sentOf('B', 'channel_ready')[0]!.shortChannelIdAlias).toBe(b.localAlias);

    // The snapshots read back without a short_channel_id (the codec's 0 = "unconfirmed").
    expect(decodeChannelState(pair.a.persisted!)).toEqual(a);
    expect(decodeChannelState(pair.b.persisted!)).toEqual(b);
  });

  it('the fundee persists before funding_signed and channel_ready, and still watches the funding', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    const batch = batchWith(pair.b, isReady);
    expect(batch.before.type).toBe('wait-for-funding-created');
    expect(shape(batch.actions)).toEqual(['persist', 'funding_signed', 'channel_ready', 'watch-confirmations', 'emit']);
    const saved = decodeChannelState((batch.actions[0] as Extract<ChannelAction, { type: 'persist' }>).snapshot);
    expect(saved.type).toBe('wait-for-channel-ready');
    const watch = batch.actions.find((x) => x.type === 'watch-confirmations');
    expect(watch && watch.type === 'watch-confirmations' ? watch.depth : -1).toBe(1);
  });

  it('the funder broadcasts (after persisting) and then sends channel_ready', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    const batch = batchWith(pair.a, isReady);
    expect(batch.before.type).toBe('wait-for-funding-signed');
    expect(shape(batch.actions)).toEqual(['persist', 'broadcast', 'watch-confirmations', 'channel_ready']);
    expect(pair.a.broadcasts).toHaveLength(1);
  });

  it('the funder keeps its funding tx (for re-publishing) until the first confirmation; the fundee never holds one', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    expect(bytesToHex(normal(pair.a).fundingTx!)).toBe(bytesToHex(pair.fundingTx()));
    expect(normal(pair.b).fundingTx).toBeUndefined();
    pair.confirm(1);
    expect(normal(pair.a).fundingTx).toBeUndefined();
    expect(normal(pair.a).shortChannelId).toBeDefined();
  });

  it('the first confirmation records the real short_channel_id on both sides', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    const aliasA = normal(pair.a).localAlias;
    pair.confirm(1, { txIndex: 9 });
    const scid = shortChannelId(pair.blockHeight, 9, normal(pair.a).commitments.fundingOutpoint.index);
    expect(normal(pair.a).shortChannelId).toBe(scid);
    expect(normal(pair.b).shortChannelId).toBe(scid);
    expect(normal(pair.a).localAlias).toBe(aliasA);
    expect(decodeChannelState(pair.b.persisted!)).toEqual(pair.b.state);
    const last = pair.a.batches[pair.a.batches.length - 1]!;
    expect(last.actions.some((x) => x.type === 'emit' && x.event.type === 'funding-locked-in')).toBe(true);
    // A later, deeper report changes nothing.
    const before = pair.b.batches.length;
    pair.blockHeight += 3;
    pair.confirm(4, { txIndex: 9 });
    expect(pair.b.batches.slice(before).every((x) => x.actions.length === 0)).toBe(true);
  });

  it('a confirmed transaction that is not the funding tx is ignored', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    // Another transaction, not ours: ignored.
    const other = pair.fundingTx().slice();
    other[other.length - 5] ^= 1; // change the locktime: another txid
    pair.confirm(1, { rawTx: other, to: 'B' });
    expect(pair.b.state.type).toBe('normal');
  });

  it('an update_fee dance works before the funding confirms', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open({ channelType });
    pair.step('A', { type: 'update-fee', feeratePerKw: 3000 });
    pair.run();
    expect(normal(pair.a).commitments.localCommit.index).toBe(1);
    expect(normal(pair.b).commitments.localCommit.index).toBe(1);
    expect(normal(pair.b).shortChannelId).toBeUndefined();
  });
});

describe('BOLT 2 zero-conf: untrusted peers', () => {
  it('an untrusted funder gets the configured minimum_depth and waits for it', () => {
    const pair = new ChannelPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: 4 } });
    pair.open();
    expect(pair.sentOf('B', 'accept_channel')[0]!.minimumDepth).toBe(4);
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    expect(pair.sentOf('A', 'channel_ready')).toHaveLength(0);
    pair.confirm(3);
    expect(pair.sentOf('B', 'channel_ready')).toHaveLength(0);
    pair.blockHeight += 1;
    pair.confirm(4);
    expect(normal(pair.a).shortChannelId).toBeDefined();
  });

  it('zeroConfPeer false, and a configured minimum_depth 0, still give at least 1', () => {
    const pair = new ChannelPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: 0 } });
    pair.b.zeroConfPeer = false;
    pair.open();
    expect(pair.sentOf('B', 'accept_channel')[0]!.minimumDepth).toBe(1);
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
  });

  it('a trusting funder (A) does not make the fundee zero-conf: only the fundee decides', () => {
    const pair = new ChannelPair();
    pair.a.zeroConfPeer = true;
    pair.open();
    expect(pair.sentOf('B', 'accept_channel')[0]!.minimumDepth).toBe(DEFAULT_CHANNEL_CONFIG.minimumDepth);
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
  });
});

describe('BOLT 2 zero-conf: reestablish', () => {
  it('channel_ready is retransmitted after a disconnection before any commitment update', () => {
    const pair = new ChannelPair();
    pair.b.zeroConfPeer = true;
    pair.open();
    const readyBefore = pair.sentOf('B', 'channel_ready').length;
    pair.step('A', { type: 'peer-disconnected' });
    pair.step('B', { type: 'peer-disconnected' });
    pair.step('A', { type: 'peer-connected' });
    pair.step('B', { type: 'peer-connected' });
    pair.run();
    expect(pair.sentOf('B', 'channel_ready').length).toBe(readyBefore + 1);
    expect(normal(pair.a).shortChannelId).toBeUndefined();
    expect(normal(pair.b).syncing).toBeUndefined();
    expect(bytesToHex(normal(pair.a).commitments.channelId)).toBe(bytesToHex(normal(pair.b).commitments.channelId));
  });
});
