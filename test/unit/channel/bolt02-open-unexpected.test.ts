/**
 * Every state × every message it does not expect (out of order, duplicated, not supported yet),
 * and every non-message event, against the documented response (engine/channel/states/common.ts):
 *
 *   opening states: setup messages ignored, warning emitted, error → aborted, anything else →
 *                   `error` + aborted (the wallet's coins released if a funding tx is held);
 *   funded states:  setup messages ignored, warning emitted, error → force-closing (persisted,
 *                   our commitment broadcast), anything else → `warning`, state unchanged;
 *   aborted:        everything ignored; force-closing: channel messages answered with `error`.
 *
 * "Unchanged" is checked on the encoded snapshot, and a funded channel that took unexpected
 * messages still completes its opening afterwards.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, equalBytes } from '../../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../../engine/crypto/secp256k1.ts';
import { asciiBytes, errorText } from '../../../engine/wire/messages/setup.ts';
import type { Message } from '../../../engine/wire/message.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import { encodeChannelState } from '../../../engine/channel/codec.ts';
import type { ChannelEvent } from '../../../engine/channel/events.ts';
import { peerChannelId } from '../../../engine/channel/states/common.ts';
import type { ChannelState, ChannelStateName } from '../../../engine/channel/types.ts';
import { ChannelPair, fakeFundingTx, type SideName } from '../../harness/channel-pair.ts';

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

/** Step the handshake by hand until `side` is in `target`; returns the pair with it there. */
function reach(side: SideName, target: ChannelStateName): ChannelPair {
  const pair = new ChannelPair({ autoFund: false });
  const steps: (() => void)[] = [
    () => pair.step('A', { type: 'open', peerNodeId: pair.b.keychain.nodeId(), fundingSat: 1_000_000n, pushMsat: 5_000_000n, channelType: 'anchors_zero_fee_htlc_tx', feeratePerKw: 2500 }),
    () => pair.deliverOne(), // open_channel → B
    () => pair.deliverOne(), // accept_channel → A
    () => pair.fund(),
    () => pair.deliverOne(), // funding_created → B
    () => pair.deliverOne(), // funding_signed → A
    () => pair.step('A', { type: 'funding-confirmed', rawTx: pair.fundingTx(), depth: 3, blockHeight: 498, txIndex: 1 }),
    () => pair.step('B', { type: 'funding-confirmed', rawTx: pair.fundingTx(), depth: 3, blockHeight: 498, txIndex: 1 }),
    () => pair.deliverOne(),
    () => pair.deliverOne(),
  ];
  for (const s of steps) {
    if (pair.side(side).state.type === target) return pair;
    s();
  }
  if (pair.side(side).state.type === target) return pair;
  throw new Error(`${side} never reached ${target}`);
}

let reference: ChannelPair | undefined;

/** The messages a run produces, plus crafted normal-operation ones for channel `id`. */
function samples(id: Uint8Array): Message[] {
  if (!reference) {
    reference = new ChannelPair();
    reference.openToNormal({ pushMsat: 5_000_000n });
  }
  const ref = reference;
  const point = publicKeyOf(fill(32, 3));
  return [
    ref.sentOf('A', 'open_channel')[0]!,
    ref.sentOf('B', 'accept_channel')[0]!,
    ref.sentOf('A', 'funding_created')[0]!,
    ref.sentOf('B', 'funding_signed')[0]!,
    { type: 'update_add_htlc', channelId: id, htlcId: 0n, amountMsat: 50_000n, paymentHash: fill(32, 0x66), cltvExpiry: 800_000, onionRoutingPacket: concatBytes(Uint8Array.of(0), point, fill(1300, 0x77), fill(32, 0x88)) },
    { type: 'update_fulfill_htlc', channelId: id, htlcId: 0n, paymentPreimage: fill(32, 0x99) },
    { type: 'update_fail_htlc', channelId: id, htlcId: 0n, reason: fill(292, 0x44) },
    { type: 'update_fail_malformed_htlc', channelId: id, htlcId: 0n, sha256OfOnion: fill(32, 0x55), failureCode: 0xc005 },
    { type: 'commitment_signed', channelId: id, signature: fill(64, 0x33), htlcSignatures: [] },
    { type: 'revoke_and_ack', channelId: id, perCommitmentSecret: fill(32, 0x12), nextPerCommitmentPoint: point },
    { type: 'update_fee', channelId: id, feeratePerKw: 5000 },
    { type: 'shutdown', channelId: id, scriptpubkey: concatBytes(Uint8Array.of(0, 0x14), fill(20, 0x22)) },
    { type: 'closing_signed', channelId: id, feeSatoshis: 183n, signature: fill(64, 0x32) },
    { type: 'channel_reestablish', channelId: id, nextCommitmentNumber: 1n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: fill(32, 0), myCurrentPerCommitmentPoint: point },
    { type: 'ping', numPongBytes: 4, ignoredLength: 0 },
    { type: 'pong', ignoredLength: 4 },
    { type: 'init', globalFeatures: new Uint8Array(0), features: new Uint8Array(0) },
    { type: 'warning', channelId: id, data: asciiBytes('careful') },
    { type: 'error', channelId: id, data: asciiBytes('boom') },
  ];
}

/**
 * The messages each state handles (their paths are tested elsewhere: normal's shutdown in
 * bolt02-close.test.ts, its commitment dance in bolt02-update-fee.test.ts).
 */
const EXPECTED: Partial<Record<ChannelStateName, readonly Message['type'][]>> = {
  'wait-for-open-channel': ['open_channel'],
  'wait-for-accept-channel': ['accept_channel'],
  'wait-for-funding-created': ['funding_created'],
  'wait-for-funding-signed': ['funding_signed'],
  'wait-for-funding-confirmed': ['channel_ready', 'channel_reestablish'],
  'wait-for-channel-ready': ['channel_ready', 'channel_reestablish'],
  normal: [
    'channel_ready',
    'shutdown',
    'channel_reestablish',
    'update_fee',
    'commitment_signed',
    'revoke_and_ack',
    // HTLC updates: test/unit/channel/bolt02-htlc*.test.ts.
    'update_add_htlc',
    'update_fulfill_htlc',
    'update_fail_htlc',
    'update_fail_malformed_htlc',
  ],
};

const OPENING: ChannelStateName[] = ['wait-for-open-channel', 'wait-for-accept-channel', 'wait-for-funding-internal', 'wait-for-funding-created', 'wait-for-funding-signed'];
const FUNDED: ChannelStateName[] = ['wait-for-funding-confirmed', 'wait-for-channel-ready', 'normal'];
const TARGETS: [SideName, ChannelStateName][] = [
  ['A', 'idle'],
  ['B', 'wait-for-open-channel'],
  ['A', 'wait-for-accept-channel'],
  ['A', 'wait-for-funding-internal'],
  ['B', 'wait-for-funding-created'],
  ['A', 'wait-for-funding-signed'],
  ['A', 'wait-for-funding-confirmed'],
  ['B', 'wait-for-funding-confirmed'],
  ['A', 'wait-for-channel-ready'],
  ['B', 'wait-for-channel-ready'],
  ['A', 'normal'],
  ['B', 'normal'],
];

function types(actions: readonly ChannelAction[]): string[] {
  return actions.map((a) => (a.type === 'send' ? `send:${a.message.type}` : a.type === 'emit' ? `emit:${a.event.type}` : a.type));
}

function idOf(state: ChannelState): Uint8Array {
  return peerChannelId(state);
}

function expectUnchanged(before: ChannelState, after: ChannelState): void {
  expect(bytesToHex(encodeChannelState(after))).toBe(bytesToHex(encodeChannelState(before)));
}

describe.each(TARGETS)('%s in %s: unexpected messages', (side, target) => {
  // One pair per state; each case restarts from the same (immutable) state.
  const pair = reach(side, target);
  const before = pair.side(side).state;
  const id = idOf(before);
  const list = samples(id).filter((m) => !(EXPECTED[target] ?? []).includes(m.type));

  it.each(list.map((m) => [m.type, m] as const))('%s', (_t, message) => {
    const s = pair.side(side);
    s.state = before;
    const t = pair.step(side, { type: 'message', message });
    const kinds = types(t.actions);
    if (target === 'idle') {
      expect(kinds).toEqual(['emit:ignored']);
      expectUnchanged(before, t.state);
    } else if (message.type === 'ping' || message.type === 'pong' || message.type === 'init') {
      expect(kinds).toEqual([]);
      expectUnchanged(before, t.state);
    } else if (message.type === 'warning') {
      expect(kinds).toEqual(['emit:peer-warning']);
      expectUnchanged(before, t.state);
    } else if (OPENING.includes(target)) {
      expect(t.state.type).toBe('aborted');
      expect(kinds).not.toContain('persist');
      const cancel = target === 'wait-for-funding-signed' ? ['cancel-funding'] : [];
      if (message.type === 'error') expect(kinds).toEqual([...cancel, 'emit:channel-aborted', 'emit:state-changed']);
      else {
        expect(kinds).toEqual(['send:error', ...cancel, 'emit:channel-aborted', 'emit:state-changed']);
        const err = t.actions[0] as { message: Message & { type: 'error' } };
        expect(bytesToHex(err.message.channelId)).toBe(bytesToHex(id));
        expect(errorText(err.message)).toMatch(new RegExp(`unexpected ${message.type} in ${target}`));
      }
    } else if (FUNDED.includes(target)) {
      if (message.type === 'error' && target === 'wait-for-funding-confirmed' && side === 'B') {
        // The fundee, funding not seen: nothing published, the channel kept as failed (bolt02-fundee-unfunded.test.ts).
        expect(t.state.type).toBe('wait-for-funding-confirmed');
        expect((t.state as Extract<ChannelState, { type: 'wait-for-funding-confirmed' }>).failed).toMatch(/peer error: boom/);
        expect(kinds).toEqual(['persist', 'emit:channel-aborted']);
      } else if (message.type === 'error') {
        expect(t.state.type).toBe('force-closing');
        expect(kinds).toEqual(['persist', 'broadcast', 'watch-spend', 'emit:channel-force-closed', 'emit:state-changed']);
        const c = (before as Extract<ChannelState, { commitments: unknown }>).commitments;
        const b = t.actions[1] as Extract<ChannelAction, { type: 'broadcast' }>;
        expect(b.kind).toBe('commitment');
        expect(bytesToHex(b.txid)).toBe(bytesToHex(c.localCommit.txid));
        expect(s.persisted).toBeDefined();
      } else {
        expect(kinds).toEqual(['send:warning', 'emit:ignored']);
        const w = t.actions[0] as { message: Message & { type: 'warning' } };
        expect(bytesToHex(w.message.channelId)).toBe(bytesToHex(id));
        expect(errorText(w.message)).toMatch(/unexpected/);
        expectUnchanged(before, t.state);
      }
    } else throw new Error(`no expectation for ${target}`);
  });
});

describe('an error for another channel is ignored in every state', () => {
  it.each(TARGETS.filter(([, t]) => t !== 'idle'))('%s in %s', (side, target) => {
    const pair = reach(side, target);
    const before = pair.side(side).state;
    const t = pair.step(side, { type: 'message', message: { type: 'error', channelId: fill(32, 0xee), data: asciiBytes('not you') } });
    expect(types(t.actions)).toEqual(['emit:ignored']);
    expectUnchanged(before, t.state);
  });
  it('an all-zero channel_id error concerns every channel', () => {
    const pair = reach('B', 'normal');
    pair.step('B', { type: 'message', message: { type: 'error', channelId: new Uint8Array(32), data: asciiBytes('all') } });
    expect(pair.b.state.type).toBe('force-closing');
  });
});

describe.each(TARGETS)('%s in %s: other events', (side, target) => {
  const otherTx = fakeFundingTx({ type: 'request-funding', scriptPubKey: concatBytes(Uint8Array.of(0, 0x20), fill(32, 1)), valueSat: 1234n });
  const events: [string, ChannelEvent][] = [
    ['peer-disconnected', { type: 'peer-disconnected' }],
    ['peer-connected', { type: 'peer-connected' }],
    ['tick', { type: 'tick' }],
    ['open (again)', { type: 'open', peerNodeId: publicKeyOf(fill(32, 9)), fundingSat: 100_000n, pushMsat: 0n, channelType: 'static_remotekey', feeratePerKw: 1000 }],
    ['funding-tx-built (unasked)', { type: 'funding-tx-built', rawTx: otherTx.rawTx, outputIndex: 1 }],
    ['funding-tx-failed (unasked)', { type: 'funding-tx-failed', reason: 'x' }],
    ['funding-confirmed (another tx)', { type: 'funding-confirmed', rawTx: otherTx.rawTx, depth: 10, blockHeight: 490, txIndex: 0 }],
  ];
  const pair = reach(side, target);
  const before = pair.side(side).state;
  it.each(events)('%s', (name, event) => {
    if (target === 'idle' && event.type === 'open') return; // idle's own command
    if (target === 'wait-for-funding-internal' && (event.type === 'funding-tx-built' || event.type === 'funding-tx-failed')) return; // expected
    pair.side(side).state = before;
    const t = pair.step(side, event);
    const kinds = types(t.actions);
    switch (event.type) {
      case 'peer-disconnected':
        if (OPENING.includes(target)) {
          // BOLT 2: nothing broadcast / no funding_signed sent → forget the channel.
          expect(t.state.type).toBe('aborted');
          expect(kinds).toEqual([...(target === 'wait-for-funding-signed' ? ['cancel-funding'] : []), 'emit:channel-aborted', 'emit:state-changed']);
        } else if (target === 'normal') {
          // normal refuses commands until the peer's channel_reestablish (bolt02-update-fee.test.ts).
          expect(kinds).toEqual(['persist']);
          expect(t.state).toEqual({ ...before, syncing: true });
        } else {
          expect(kinds).toEqual([]);
          expectUnchanged(before, t.state);
        }
        break;
      case 'peer-connected':
        // Funded states answer a reconnection with channel_reestablish (bolt02-reestablish.test.ts).
        if (target === 'normal') {
          expect(kinds).toEqual(['persist', 'send:channel_reestablish']);
          expect(t.state).toEqual({ ...before, syncing: true });
          break;
        }
        expect(kinds).toEqual(FUNDED.includes(target) ? ['send:channel_reestablish'] : []);
        expectUnchanged(before, t.state);
        break;
      case 'tick':
      case 'funding-tx-failed':
        expect(kinds).toEqual([]);
        expectUnchanged(before, t.state);
        break;
      case 'open':
        expect(kinds).toEqual(['emit:command-rejected']);
        expectUnchanged(before, t.state);
        break;
      case 'funding-tx-built': {
        // A transaction nobody is waiting for: its coins are released.
        expect(kinds).toEqual(['cancel-funding', 'emit:ignored']);
        expectUnchanged(before, t.state);
        break;
      }
      case 'funding-confirmed':
        expect(kinds).toEqual(target === 'wait-for-funding-confirmed' ? ['emit:ignored'] : []);
        expectUnchanged(before, t.state);
        break;
      default:
        throw new Error(name);
    }
  });
});

describe('duplicates and repeats', () => {
  it('the funder keeps the funding tx it holds when the wallet answers twice', () => {
    const pair = reach('A', 'wait-for-funding-signed');
    const held = (pair.a.state as Extract<ChannelState, { type: 'wait-for-funding-signed' }>).fundingTx;
    const t = pair.step('A', { type: 'funding-tx-built', rawTx: held, outputIndex: 1 });
    expect(types(t.actions)).toEqual([]);
    const funded = reach('A', 'normal');
    const tx = funded.fundingTx();
    expect(types(funded.step('A', { type: 'funding-tx-built', rawTx: tx, outputIndex: 1 }).actions)).toEqual([]);
  });

  it('a late wallet answer after an abort releases the coins', () => {
    const pair = reach('A', 'wait-for-funding-internal');
    pair.step('A', { type: 'peer-disconnected' });
    expect(pair.a.state.type).toBe('aborted');
    const t = pair.fund()!;
    expect(types(t.actions)).toEqual(['cancel-funding', 'emit:ignored']);
  });

  it('a repeated channel_ready: same point ignored, new alias kept, other point warned', () => {
    const pair = reach('A', 'normal');
    const ready = pair.sentOf('B', 'channel_ready')[0]!;
    const before = pair.a.state;
    expect(types(pair.step('A', { type: 'message', message: ready }).actions)).toEqual([]);
    expectUnchanged(before, pair.a.state);
    const t = pair.step('A', { type: 'message', message: { ...ready, shortChannelIdAlias: 42n } });
    expect(types(t.actions)).toEqual(['persist']);
    expect((pair.a.state as { remoteAlias?: bigint }).remoteAlias).toBe(42n);
    const w = pair.step('A', { type: 'message', message: { ...ready, secondPerCommitmentPoint: publicKeyOf(fill(32, 5)) } });
    expect(types(w.actions)).toEqual(['send:warning']);
    const other = pair.step('A', { type: 'message', message: { ...ready, channelId: fill(32, 1) } });
    expect(types(other.actions)).toEqual(['send:warning']);
  });

  it('a channel_ready before confirmation is kept, a conflicting repeat is warned about', () => {
    const pair = reach('B', 'wait-for-funding-confirmed');
    const ref = reach('A', 'normal');
    const ready = ref.sentOf('A', 'channel_ready')[0]!;
    expect(types(pair.step('B', { type: 'message', message: ready }).actions)).toEqual(['persist']);
    expect(types(pair.step('B', { type: 'message', message: ready }).actions)).toEqual([]);
    expect(types(pair.step('B', { type: 'message', message: { ...ready, secondPerCommitmentPoint: publicKeyOf(fill(32, 6)) } }).actions)).toEqual(['send:warning']);
    // Confirmation then goes straight to NORMAL with the kept point.
    const t = pair.step('B', { type: 'funding-confirmed', rawTx: ref.fundingTx(), depth: 3, blockHeight: 498, txIndex: 1 });
    expect(t.state.type).toBe('normal');
    expect(types(t.actions)).toEqual(['persist', 'send:channel_ready', 'emit:channel-ready', 'emit:state-changed']);
    const c = (t.state as Extract<ChannelState, { type: 'normal' }>).commitments;
    expect(equalBytes(c.remoteNextPerCommitmentPoint!, ready.secondPerCommitmentPoint)).toBe(true);
  });

  it('a funded channel that received every unexpected message still opens', () => {
    const pair = new ChannelPair();
    pair.open();
    const id = (pair.b.state as Extract<ChannelState, { commitments: unknown }>).commitments.channelId;
    for (const m of samples(id)) {
      if (m.type === 'error' || m.type === 'channel_ready') continue;
      pair.step('B', { type: 'message', message: m });
      pair.step('A', { type: 'message', message: m });
    }
    pair.inFlight.length = 0; // the warnings they sent each other
    pair.blockHeight += 5;
    pair.confirm(6);
    expect(pair.a.state.type).toBe('normal');
    expect(pair.b.state.type).toBe('normal');
  });
});

describe('terminal states', () => {
  it('aborted ignores everything', () => {
    const pair = reach('A', 'wait-for-accept-channel');
    pair.step('A', { type: 'peer-disconnected' });
    for (const m of samples(fill(32, 0))) {
      const t = pair.step('A', { type: 'message', message: m });
      expect(t.actions.every((a) => a.type === 'emit')).toBe(true);
      expect(t.state.type).toBe('aborted');
    }
  });

  it('force-closing answers channel messages with an error and ignores errors', () => {
    const pair = reach('B', 'normal');
    pair.step('B', { type: 'message', message: { type: 'error', channelId: new Uint8Array(32), data: asciiBytes('bye') } });
    const before = pair.b.state;
    const id = idOf(before);
    const reest = samples(id).find((m) => m.type === 'channel_reestablish')!;
    const t = pair.step('B', { type: 'message', message: reest });
    expect(types(t.actions)).toEqual(['send:error']);
    expectUnchanged(before, t.state);
    expect(types(pair.step('B', { type: 'message', message: { type: 'error', channelId: id, data: asciiBytes('x') } }).actions)).toEqual([]);
  });
});
