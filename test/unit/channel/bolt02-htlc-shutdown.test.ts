/**
 * BOLT 2 "Closing Initiation: shutdown" with HTLCs pending: after a shutdown no new adds, the
 * pending HTLCs are still fulfilled or failed through the dance in `shutting-down`, and the fee
 * negotiation starts once none is left.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#closing-initiation-shutdown
 */
import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import type { ChannelState, Commitments } from '../../../engine/channel/types.ts';
import { ChannelPair } from '../../harness/channel-pair.ts';

const SCRIPT_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa1)).subarray(0, 20) }).output as Uint8Array;
const SCRIPT_B = payments.p2wsh({ hash: sha256(Uint8Array.of(0xb1)) }).output as Uint8Array;

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function pairWithHtlcs(): { pair: ChannelPair; preimages: Uint8Array[] } {
  const pair = new ChannelPair();
  pair.openToNormal({ pushMsat: 300_000_000n });
  pair.b.shutdownScriptPubKey = SCRIPT_B;
  const preimages = [pair.addHtlc('A', 20_000_000n, { n: 0 }).preimage, pair.addHtlc('B', 5_000_000n, { n: 0 }).preimage];
  pair.run();
  return { pair, preimages };
}

describe('shutdown with HTLCs pending', () => {
  it('our close: both shut down, HTLCs are settled in shutting-down, then negotiation and the mutual close', () => {
    const { pair, preimages } = pairWithHtlcs();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    expect(pair.a.state.type).toBe('shutting-down');
    pair.run();
    // The peer answered with its shutdown but HTLCs remain: both wait in shutting-down.
    expect(pair.a.state.type).toBe('shutting-down');
    expect(pair.b.state.type).toBe('shutting-down');
    expect(pair.sentOf('B', 'warning')).toEqual([]);
    // No new HTLC either way.
    expect(pair.addHtlc('B', 1_000_000n, { n: 9 }).t.actions).toEqual([expect.objectContaining({ type: 'emit', event: expect.objectContaining({ type: 'command-rejected' }) })]);
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[0]! });
    pair.run();
    expect(pair.a.state.type).toBe('shutting-down');
    pair.step('A', { type: 'fail-htlc', htlcId: 0n, reason: Uint8Array.of(7) });
    pair.run();
    expect(pair.emitted('A', 'htlc-fulfilled')).toHaveLength(1);
    expect(pair.emitted('B', 'htlc-failed')).toHaveLength(1);
    expect(pair.a.state.type).toBe('closing');
    expect(pair.b.state.type).toBe('closing');
    // The close pays B its 300 000 sat plus the 20 000 sat HTLC A's preimage settled (minus nothing: A funds the fee).
    const closing = pair.b.state as Extract<ChannelState, { type: 'closing' }>;
    expect(cm(closing).localCommit.spec.toLocalMsat).toBe(320_000_000n);
    expect(cm(closing).localCommit.spec.htlcs).toEqual([]);
  });

  it('HTLC commands wait for channel_reestablish in shutting-down too', () => {
    const { pair, preimages } = pairWithHtlcs();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    pair.step('B', { type: 'peer-disconnected' });
    const t = pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[0]! });
    expect(t.actions).toEqual([expect.objectContaining({ type: 'emit', event: expect.objectContaining({ type: 'command-rejected', reason: expect.stringMatching(/channel_reestablish/) }) })]);
    pair.reconnect();
    expect((pair.b.state as { syncing?: true }).syncing).toBeUndefined();
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[0]! });
    pair.run();
    expect(pair.emitted('A', 'htlc-fulfilled')).toHaveLength(1);
  });

  it('the peer adding an HTLC after its own shutdown fails the channel', () => {
    const { pair } = pairWithHtlcs();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    const t = pair.step('A', {
      type: 'message',
      message: { type: 'update_add_htlc', channelId: cm(pair.a.state).channelId, htlcId: 1n, amountMsat: 1_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 900, onionRoutingPacket: new Uint8Array(1366) },
    });
    expect(t.state.type).toBe('force-closing');
  });

  it('a reconnection in shutting-down re-sends shutdown and the dance goes on', () => {
    const { pair, preimages } = pairWithHtlcs();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[0]! });
    pair.inFlight.length = 0; // the fulfill and its commitment_signed are lost
    pair.reconnect();
    expect(pair.emitted('A', 'htlc-fulfilled')).toHaveLength(1);
    pair.step('A', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[1]! });
    pair.run();
    expect(pair.a.state.type).toBe('closing');
    expect(pair.b.state.type).toBe('closing');
  });

  it('the peer\'s shutdown while updates of ours are unsigned: kept, answered once they are signed', () => {
    const { pair, preimages } = pairWithHtlcs();
    pair.addHtlc('B', 1_000_000n, { n: 7 }); // B signs it and waits for A's revoke_and_ack
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimages[0]! }); // unsigned
    const shutdown = { type: 'shutdown' as const, channelId: cm(pair.a.state).channelId, scriptpubkey: SCRIPT_A };
    const t = pair.step('B', { type: 'message', message: shutdown });
    expect(t.state.type).toBe('normal');
    expect(t.actions.filter((a) => a.type === 'send')).toEqual([]);
    expect((t.state as { remoteShutdownScript?: Uint8Array }).remoteShutdownScript).toEqual(SCRIPT_A);
    // A's real shutdown does not exist here (we fed B one): let A follow by closing too once B answers.
    pair.a.shutdownScriptPubKey = SCRIPT_A;
    pair.run();
    expect(pair.b.state.type).toBe('shutting-down');
    expect(pair.sentOf('B', 'shutdown')).toHaveLength(1);
    expect(pair.sentOf('B', 'warning')).toEqual([]);
    // A gets B's shutdown while HTLCs remain: it answers and waits too.
    expect(pair.a.state.type).toBe('shutting-down');
    pair.step('A', { type: 'fail-htlc', htlcId: 0n, reason: Uint8Array.of(1) });
    pair.step('A', { type: 'fail-htlc', htlcId: 1n, reason: Uint8Array.of(1) });
    pair.run();
    expect(pair.a.state.type).toBe('closing');
    expect(pair.b.state.type).toBe('closing');
  });
});
