/**
 * BOLT 2 HTLC rules that fail the channel (a peer's invalid update_add_htlc, update_fulfill_htlc,
 * update_fail_malformed_htlc, HTLC signatures) and the add-htlc command's refusals, plus the
 * HTLC deadlines checked on each tick.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#adding-an-htlc-update_add_htlc
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#removing-an-htlc-update_fulfill_htlc-update_fail_htlc-and-update_fail_malformed_htlc
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import type { Message } from '../../../engine/wire/message.ts';
import { type ChannelConfig, type ChannelState, type Commitments, DEFAULT_CHANNEL_CONFIG } from '../../../engine/channel/types.ts';
import { ChannelPair, type SideName } from '../../harness/channel-pair.ts';

function cm(s: ChannelState): Commitments {
  if (!('commitments' in s)) throw new Error(`${s.type} has no commitments`);
  return s.commitments;
}

function normalPair(opts: { configA?: ChannelConfig; configB?: ChannelConfig } = {}): ChannelPair {
  const pair = new ChannelPair(opts);
  pair.openToNormal({ pushMsat: 300_000_000n });
  expect(pair.a.state.type).toBe('normal');
  return pair;
}

function rejected(actions: readonly ChannelAction[]): string {
  const e = actions.find((a) => a.type === 'emit' && a.event.type === 'command-rejected');
  if (!e || e.type !== 'emit' || e.event.type !== 'command-rejected') throw new Error(`not rejected: ${actions.map((a) => a.type).join(', ')}`);
  expect(actions.filter((a) => a.type !== 'emit')).toEqual([]);
  return e.event.reason;
}

/** `name` received `message` and failed the channel: error sent, commitment broadcast, force-closing. */
function expectFailed(pair: ChannelPair, name: SideName, message: Message, why: RegExp): void {
  const t = pair.step(name, { type: 'message', message });
  expect(t.state.type).toBe('force-closing');
  const err = t.actions.find((a) => a.type === 'send' && a.message.type === 'error');
  expect(err).toBeDefined();
  expect(String.fromCharCode(...(err as { message: { data: Uint8Array } }).message.data)).toMatch(why);
  expect(t.actions.some((a) => a.type === 'broadcast' && a.kind === 'commitment')).toBe(true);
}

const ONION = new Uint8Array(1366).fill(0x42);
const ID = (pair: ChannelPair): Uint8Array => cm(pair.a.state).channelId;

describe('the peer breaks an HTLC rule: fail the channel', () => {
  it('update_fulfill_htlc whose preimage does not hash to the payment_hash', () => {
    const pair = normalPair();
    pair.addHtlc('A', 10_000_000n);
    pair.run();
    expectFailed(pair, 'A', { type: 'update_fulfill_htlc', channelId: ID(pair), htlcId: 0n, paymentPreimage: new Uint8Array(32).fill(1) }, /does not hash/);
  });

  it('update_fulfill_htlc / update_fail_htlc of an id we never offered', () => {
    const pair = normalPair();
    expectFailed(pair, 'A', { type: 'update_fulfill_htlc', channelId: ID(pair), htlcId: 3n, paymentPreimage: new Uint8Array(32) }, /no HTLC 3/);
    const again = normalPair();
    expectFailed(again, 'A', { type: 'update_fail_htlc', channelId: ID(again), htlcId: 0n, reason: Uint8Array.of(1) }, /no HTLC 0/);
  });

  it('a removal of an HTLC not irrevocably committed yet, or removed twice', () => {
    const pair = normalPair();
    pair.addHtlc('A', 10_000_000n);
    expectFailed(pair, 'A', { type: 'update_fail_htlc', channelId: ID(pair), htlcId: 0n, reason: Uint8Array.of(1) }, /not irrevocably committed/);
    const twice = normalPair();
    twice.addHtlc('A', 10_000_000n);
    twice.run();
    twice.step('A', { type: 'message', message: { type: 'update_fail_htlc', channelId: ID(twice), htlcId: 0n, reason: Uint8Array.of(1) } });
    expectFailed(twice, 'A', { type: 'update_fail_htlc', channelId: ID(twice), htlcId: 0n, reason: Uint8Array.of(2) }, /already being fulfilled or failed/);
  });

  it('update_fail_malformed_htlc without the BADONION bit', () => {
    const pair = normalPair();
    pair.addHtlc('A', 10_000_000n);
    pair.run();
    expectFailed(pair, 'A', { type: 'update_fail_malformed_htlc', channelId: ID(pair), htlcId: 0n, sha256OfOnion: new Uint8Array(32), failureCode: 0x4000 | 5 }, /BADONION/);
  });

  it('update_add_htlc with an id other than the next one', () => {
    const pair = normalPair();
    expectFailed(pair, 'B', { type: 'update_add_htlc', channelId: ID(pair), htlcId: 1n, amountMsat: 1_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 600, onionRoutingPacket: ONION }, /not the next id 0/);
  });

  it('update_add_htlc of 0 msat, below htlc_minimum_msat, with cltv_expiry ≥ 500000000', () => {
    const config = { ...DEFAULT_CHANNEL_CONFIG, htlcMinimumMsat: 5_000n };
    for (const [amountMsat, cltvExpiry, why] of [
      [0n, 600, /more than 0/],
      [4_999n, 600, /below htlc_minimum_msat 5000/],
      [10_000n, 500_000_000, /below 500000000/],
    ] as const) {
      const pair = normalPair({ configB: config });
      expectFailed(pair, 'B', { type: 'update_add_htlc', channelId: ID(pair), htlcId: 0n, amountMsat, paymentHash: new Uint8Array(32), cltvExpiry, onionRoutingPacket: ONION }, why);
    }
  });

  it('update_add_htlc beyond max_accepted_htlcs or max_htlc_value_in_flight_msat, or unaffordable', () => {
    const few = normalPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, maxAcceptedHtlcs: 2 } });
    for (let i = 0; i < 2; i++) few.addHtlc('A', 1_000_000n, { n: i });
    expect(rejected(few.addHtlc('A', 1_000_000n, { n: 2 }).t.actions)).toMatch(/over max_accepted_htlcs 2/);
    few.run();
    const add = (id: bigint, amountMsat: bigint): Message => ({ type: 'update_add_htlc', channelId: ID(few), htlcId: id, amountMsat, paymentHash: new Uint8Array(32), cltvExpiry: 600, onionRoutingPacket: ONION });
    expectFailed(few, 'B', add(2n, 1_000_000n), /over max_accepted_htlcs 2/);

    const capped = normalPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, maxHtlcValueInFlightPpm: 10_000 } }); // 1% of 1 000 000 sat
    expect(rejected(capped.addHtlc('A', 10_000_001n).t.actions)).toMatch(/over max_htlc_value_in_flight_msat 10000000/);
    expectFailed(capped, 'B', { ...(add(0n, 10_000_001n) as object), channelId: ID(capped) } as Message, /over max_htlc_value_in_flight_msat/);

    const poor = normalPair();
    // B holds 300 000 sat and must keep A's 10 000 sat reserve.
    expectFailed(poor, 'A', { ...(add(0n, 295_000_000n) as object), channelId: ID(poor) } as Message, /cannot afford/);
  });

  it('commitment_signed with a bad HTLC signature, or the wrong number of them', () => {
    for (const tamper of ['flip', 'drop'] as const) {
      const pair = normalPair();
      pair.intercept = (from, m) => {
        if (from !== 'A' || m.type !== 'commitment_signed' || m.htlcSignatures.length === 0) return m;
        if (tamper === 'drop') return { ...m, htlcSignatures: m.htlcSignatures.slice(1) };
        const sig = m.htlcSignatures[0]!.slice();
        sig[10] = (sig[10] as number) ^ 1;
        return { ...m, htlcSignatures: [sig, ...m.htlcSignatures.slice(1)] };
      };
      pair.addHtlc('A', 10_000_000n);
      pair.run();
      expect(pair.b.state.type).toBe('force-closing');
      const err = pair.sentOf('B', 'error')[0]!;
      expect(String.fromCharCode(...err.data)).toMatch(tamper === 'flip' ? /htlc_signature 0 is not a valid/ : /carries 0 htlc_signatures for 1 HTLC outputs/);
    }
  });
});

describe('add-htlc command refusals (nothing sent, nothing persisted)', () => {
  const step = (pair: ChannelPair, patch: Record<string, unknown>) =>
    pair.step('A', { type: 'add-htlc', amountMsat: 1_000_000n, paymentHash: sha256(Uint8Array.of(1)), cltvExpiry: 700, onionRoutingPacket: ONION, tag: 't', ...patch } as never);

  it.each([
    [{ amountMsat: 0n }, /more than 0/],
    [{ paymentHash: new Uint8Array(31) }, /payment_hash must be 32 bytes/],
    [{ cltvExpiry: 500_000_000 }, /below 500000000/],
    [{ onionRoutingPacket: new Uint8Array(1365) }, /1366 bytes/],
    [{ tag: 'x'.repeat(65) }, /at most 64/],
    [{ tag: 'caf\u00e9' }, /printable ASCII/],
    [{ amountMsat: 800_000_000n }, /cannot afford/],
  ] as const)('%o', (patch, why) => {
    const pair = normalPair();
    expect(rejected(step(pair, patch).actions)).toMatch(why);
  });

  it('before channel_reestablish, and after shutdown', () => {
    const pair = normalPair();
    pair.step('A', { type: 'peer-disconnected' });
    expect(rejected(step(pair, {}).actions)).toMatch(/channel_reestablish is not done yet/);
    pair.reconnect();
    pair.step('A', { type: 'close', scriptPubKey: Uint8Array.of(0, 0x14, ...new Uint8Array(20).fill(1)) });
    expect(rejected(step(pair, {}).actions)).toMatch(/no new HTLCs after shutdown/);
  });

  it('dust exposure above ChannelLimits.maxDustHtlcExposureMsat', () => {
    const limits = { ...DEFAULT_CHANNEL_CONFIG.limits, maxDustHtlcExposureMsat: 1_000_000n };
    const pair = normalPair({ configA: { ...DEFAULT_CHANNEL_CONFIG, limits } });
    step(pair, { amountMsat: 500_000n });
    step(pair, { amountMsat: 500_000n, paymentHash: sha256(Uint8Array.of(2)) });
    expect(rejected(step(pair, { amountMsat: 1_000n, paymentHash: sha256(Uint8Array.of(3)) }).actions)).toMatch(/dust exposure limit 1000000/);
    // A non-dust HTLC is still fine.
    expect(step(pair, { amountMsat: 2_000_000n, paymentHash: sha256(Uint8Array.of(4)) }).actions[0]!.type).toBe('persist');
  });

  it('as receiver, dust beyond our exposure limit is flagged on htlc-received (to fail back, not claim)', () => {
    const limits = { ...DEFAULT_CHANNEL_CONFIG.limits, maxDustHtlcExposureMsat: 500_000n };
    const pair = normalPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, limits } });
    pair.addHtlc('A', 400_000n, { n: 1 });
    pair.run();
    pair.addHtlc('A', 400_000n, { n: 2 });
    pair.addHtlc('A', 5_000_000n, { n: 3 }); // not dust: never flagged
    pair.run();
    const received = pair.emitted('B', 'htlc-received');
    expect(received.map((e) => [e.htlcId, e.dustExposureExceeded === true])).toEqual([
      [0n, false],
      [1n, true],
      [2n, false],
    ]);
  });

  it('fulfill/fail commands: unknown id, malformed code without BADONION', () => {
    const pair = normalPair();
    expect(rejected(pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: new Uint8Array(32) }).actions)).toMatch(/no HTLC 0/);
    pair.addHtlc('A', 1_000_000n);
    pair.run();
    expect(rejected(pair.step('B', { type: 'fail-malformed-htlc', htlcId: 0n, sha256OfOnion: new Uint8Array(32), failureCode: 0x4005 }).actions)).toMatch(/BADONION/);
    expect(rejected(pair.step('B', { type: 'fail-htlc', htlcId: 0n, reason: new Uint8Array(0) }).actions)).toMatch(/reason/);
  });
});

describe('HTLC deadlines on tick', () => {
  it('our HTLC unresolved past cltv_expiry + outgoingCltvGraceBlocks fails the channel', () => {
    const pair = normalPair();
    pair.addHtlc('A', 10_000_000n, { cltvExpiry: pair.blockHeight + 10 });
    pair.run();
    pair.blockHeight += 12;
    expect(pair.step('A', { type: 'tick' }).state.type).toBe('normal');
    pair.blockHeight += 1;
    const t = pair.step('A', { type: 'tick' });
    expect(t.state.type).toBe('force-closing');
    expect((t.state as { reason: string }).reason).toMatch(/our HTLC 0 expired/);
  });

  it('an HTLC we fulfilled that the peer does not remove fails the channel before it expires', () => {
    const pair = normalPair();
    const { preimage } = pair.addHtlc('A', 10_000_000n, { cltvExpiry: pair.blockHeight + 20 });
    pair.run();
    pair.intercept = () => null; // the peer goes silent
    pair.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: preimage });
    pair.run();
    pair.blockHeight += 13;
    expect(pair.step('B', { type: 'tick' }).state.type).toBe('normal');
    pair.blockHeight += 1;
    expect(pair.step('B', { type: 'tick' }).state.type).toBe('force-closing');
  });
});
