/**
 * BOLT 2 "Channel Close" (legacy closing_signed negotiation with fee_range), driven through the
 * pair harness (real wire codec, persist-before-send and persist-before-broadcast checked on
 * every batch, codec round trip of every state).
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { bytesToHex, concatBytes } from '../../../engine/lib/bytes.ts';
import type { ChannelAction } from '../../../engine/channel/actions.ts';
import { closingWeight, ourClosingSigned } from '../../../engine/channel/closing.ts';
import type { ChannelState, ClosingState, NormalState } from '../../../engine/channel/types.ts';
import type { Message } from '../../../engine/wire/message.ts';
import { ChannelPair, type SideName, expectRoundTrip } from '../../harness/channel-pair.ts';

const FUNDING = 1_000_000n;
const PUSH_MSAT = 200_000_000n;
const SCRIPT_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa1)).subarray(0, 20) }).output as Uint8Array;
const SCRIPT_B = payments.p2wsh({ hash: sha256(Uint8Array.of(0xb1)) }).output as Uint8Array;
const P2TR = concatBytes(Uint8Array.of(0x51, 0x20), sha256(Uint8Array.of(0x7a)));

function normalPair(opts: { feerateA?: number; feerateB?: number } = {}, open: Parameters<ChannelPair['openToNormal']>[0] = {}): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ pushMsat: PUSH_MSAT, ...open });
  expect(pair.a.state.type).toBe('normal');
  expect(pair.b.state.type).toBe('normal');
  if (opts.feerateA !== undefined) pair.a.feeratePerKw = opts.feerateA;
  if (opts.feerateB !== undefined) pair.b.feeratePerKw = opts.feerateB;
  return pair;
}

function kinds(actions: readonly ChannelAction[]): string[] {
  return actions.map((a) => (a.type === 'send' ? `send:${a.message.type}` : a.type === 'emit' ? `emit:${a.event.type}` : a.type));
}

function closingOf(pair: ChannelPair, name: SideName): ClosingState {
  const s = pair.side(name).state;
  if (s.type !== 'closing') throw new Error(`${name} is in ${s.type}, not closing`);
  return s;
}

function text(m: Message): string {
  return 'data' in m ? String.fromCharCode(...(m as { data: Uint8Array }).data) : '';
}

/** Both sides closed cooperatively on one transaction; check it pays the right amounts. */
function expectMutualClose(pair: ChannelPair): Transaction {
  const a = closingOf(pair, 'A');
  const b = closingOf(pair, 'B');
  expect(bytesToHex(a.closingTx)).toBe(bytesToHex(b.closingTx));
  expect(a.feeSat).toBe(b.feeSat);
  const ba = pair.a.broadcasts.filter((x) => x.kind === 'mutual-close');
  const bb = pair.b.broadcasts.filter((x) => x.kind === 'mutual-close');
  expect(ba).toHaveLength(1);
  expect(bb).toHaveLength(1);
  expect(bytesToHex(ba[0]!.rawTx)).toBe(bytesToHex(bb[0]!.rawTx));
  const tx = Transaction.fromBuffer(a.closingTx);
  expect(tx.ins).toHaveLength(1);
  expect(bytesToHex(tx.ins[0]!.hash)).toBe(bytesToHex(a.commitments.fundingOutpoint.txid));
  expect(tx.ins[0]!.sequence).toBe(0xffffffff);
  expect(tx.locktime).toBe(0);
  const byScript = new Map(tx.outs.map((o) => [bytesToHex(o.script), o.value]));
  // The funder (A) pays the whole fee; B gets exactly its balance.
  expect(byScript.get(bytesToHex(a.localShutdownScript))).toBe((FUNDING * 1000n - PUSH_MSAT) / 1000n - a.feeSat);
  expect(byScript.get(bytesToHex(a.remoteShutdownScript))).toBe(PUSH_MSAT / 1000n);
  expect(FUNDING - tx.outs.reduce((s, o) => s + o.value, 0n)).toBe(a.feeSat);
  // Both witness signatures are valid.
  expect(tx.ins[0]!.witness).toHaveLength(4);
  return tx;
}

describe('cooperative close: shutdown exchange', () => {
  it('the funder initiates: shutdown ⇄ shutdown, closing_signed ⇄ closing_signed, both broadcast the same tx after persisting', () => {
    const pair = normalPair();
    const t = pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    expect(t.state.type).toBe('shutting-down');
    expect(kinds(t.actions)).toEqual(['persist', 'send:shutdown', 'emit:state-changed']);
    pair.b.shutdownScriptPubKey = SCRIPT_B;
    pair.run();
    const tx = expectMutualClose(pair);
    expect(bytesToHex(closingOf(pair, 'A').remoteShutdownScript)).toBe(bytesToHex(SCRIPT_B));
    // Same feerate on both sides: B accepts A's first proposal.
    expect(pair.sentOf('A', 'closing_signed')).toHaveLength(1);
    expect(pair.sentOf('B', 'closing_signed')).toHaveLength(1);
    const fee = pair.sentOf('A', 'closing_signed')[0]!.feeSatoshis;
    expect(pair.sentOf('B', 'closing_signed')[0]!.feeSatoshis).toBe(fee);
    // fee = feerate × estimated weight (the estimate covers the real signed weight).
    const unsigned = Transaction.fromBuffer(closingOf(pair, 'A').closingTx);
    const w = closingWeight(unsigned);
    expect(w).toBeGreaterThanOrEqual(tx.weight());
    expect(fee).toBe((2500n * BigInt(w)) / 1000n);
    // The closing_signed carries a fee_range around it.
    const range = pair.sentOf('A', 'closing_signed')[0]!.feeRange!;
    expect(range.minFeeSatoshis).toBeLessThan(fee);
    expect(range.maxFeeSatoshis).toBeGreaterThan(fee);
  });

  it('in closing, a peer restarting the negotiation after a reconnection (its shutdown) gets the funder’s closing_signed for the agreed tx; the fundee stays silent', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.b.shutdownScriptPubKey = SCRIPT_B;
    pair.run();
    const a = closingOf(pair, 'A');
    const agreed = pair.sentOf('A', 'closing_signed')[0]!;
    const fromB = pair.sentOf('B', 'shutdown')[0]!;
    const t = pair.step('A', { type: 'message', message: fromB });
    expect(t.state).toBe(pair.a.state);
    expect(kinds(t.actions)).toEqual(['send:closing_signed']);
    const again = t.actions[0]!.type === 'send' ? t.actions[0]!.message : undefined;
    expect(again).toMatchObject({ type: 'closing_signed', feeSatoshis: a.feeSat, feeRange: { minFeeSatoshis: a.feeSat, maxFeeSatoshis: a.feeSat } });
    expect(again && again.type === 'closing_signed' ? bytesToHex(again.signature) : '').toBe(bytesToHex(agreed.signature));
    const fromA = pair.sentOf('A', 'shutdown')[0]!;
    expect(kinds(pair.step('B', { type: 'message', message: fromA }).actions)).toEqual(['emit:ignored']);
  });

  it('the fundee initiates (its script from the command, the funder answers with its node-given script)', () => {
    const pair = normalPair();
    pair.a.shutdownScriptPubKey = SCRIPT_A;
    pair.step('B', { type: 'close', scriptPubKey: SCRIPT_B });
    pair.run();
    expectMutualClose(pair);
    expect(bytesToHex(closingOf(pair, 'B').localShutdownScript)).toBe(bytesToHex(SCRIPT_B));
    expect(bytesToHex(closingOf(pair, 'A').localShutdownScript)).toBe(bytesToHex(SCRIPT_A));
  });

  it('both initiate at once', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.step('B', { type: 'close', scriptPubKey: SCRIPT_B });
    expect(pair.a.state.type).toBe('shutting-down');
    expect(pair.b.state.type).toBe('shutting-down');
    pair.run();
    expectMutualClose(pair);
    expect(pair.sentOf('A', 'shutdown')).toHaveLength(1);
    expect(pair.sentOf('B', 'shutdown')).toHaveLength(1);
  });

  it('the responder without a given script pays to the upfront script, else P2WPKH of its payment basepoint', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    const b = closingOf(pair, 'B');
    const expected = payments.p2wpkh({ pubkey: b.commitments.localParams.paymentBasepoint }).output as Uint8Array;
    expect(bytesToHex(b.localShutdownScript)).toBe(bytesToHex(expected));
  });

  it('the mutual close confirming at depth 6 makes both closed (persisted); earlier depths and other txs do not', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    const raw = closingOf(pair, 'A').closingTx;
    const watch = pair.a.batches.flatMap((b) => b.actions).find((a) => a.type === 'watch-confirmations' && a.depth === 6);
    expect(watch).toBeDefined();
    expect(pair.confirmTx('A', pair.fundingTx(), 6).state.type).toBe('closing');
    expect(pair.confirmTx('A', raw, 3).state.type).toBe('closing');
    for (const name of ['A', 'B'] as const) {
      const t = pair.confirmTx(name, raw, 6);
      expect(t.state.type).toBe('closed');
      expect(kinds(t.actions)).toEqual(['persist', 'emit:channel-closed', 'emit:state-changed']);
      expect(pair.step(name, { type: 'close', scriptPubKey: SCRIPT_A }).actions.map((a) => a.type)).toEqual(['emit']);
    }
  });

  it('every cooperative close state round-trips the snapshot codec', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    pair.confirmTx('A', closingOf(pair, 'A').closingTx, 6);
    const states: ChannelState[] = [...pair.a.states, ...pair.b.states];
    const seen = new Set(states.map((s) => s.type));
    for (const k of ['shutting-down', 'negotiating-closing', 'closing', 'closed'] as const) expect(seen.has(k)).toBe(true);
    for (const s of states) expectRoundTrip(s);
  });
});

describe('cooperative close: fee negotiation with fee_range', () => {
  it('overlapping ranges, the funder’s fee outside the fundee’s range: the fundee proposes within the overlap, the funder takes it', () => {
    const pair = normalPair({ feerateA: 1000, feerateB: 3000 });
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expectMutualClose(pair);
    const fromA = pair.sentOf('A', 'closing_signed');
    const fromB = pair.sentOf('B', 'closing_signed');
    expect(fromA).toHaveLength(2);
    expect(fromB).toHaveLength(1);
    const rangeA = fromA[0]!.feeRange!;
    const rangeB = fromB[0]!.feeRange!;
    expect(fromA[0]!.feeSatoshis).toBeLessThan(rangeB.minFeeSatoshis);
    // B's estimate is above A's max: B proposes the top of the overlap.
    expect(fromB[0]!.feeSatoshis).toBe(rangeA.maxFeeSatoshis);
    expect(fromA[1]!.feeSatoshis).toBe(fromB[0]!.feeSatoshis);
    expect(closingOf(pair, 'A').feeSat).toBe(rangeA.maxFeeSatoshis);
  });

  it('the fundee’s estimate lower than the funder’s: the funder’s fee is within range and accepted as is', () => {
    const pair = normalPair({ feerateA: 3000, feerateB: 2000 });
    pair.step('B', { type: 'close', scriptPubKey: SCRIPT_B });
    pair.run();
    expectMutualClose(pair);
    expect(closingOf(pair, 'B').feeSat).toBe(pair.sentOf('A', 'closing_signed')[0]!.feeSatoshis);
  });

  it('no overlap: the fundee sends a warning and disconnects, nothing is broadcast, the state is kept', () => {
    const pair = normalPair({ feerateA: 1000, feerateB: 20_000 });
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.a.state.type).toBe('negotiating-closing');
    expect(pair.b.state.type).toBe('negotiating-closing');
    const last = pair.b.batches[pair.b.batches.length - 1]!;
    expect(kinds(last.actions)).toEqual(['send:warning', 'emit:closing-negotiation-failed', 'close-connection']);
    expect(text(pair.sentOf('B', 'warning')[0]!)).toMatch(/no overlap/);
    expect(pair.a.broadcasts).toHaveLength(1); // the funding tx only
    expect(pair.b.broadcasts).toHaveLength(0);
  });

  it('the funder refuses a validly signed counter-proposal outside the overlap', () => {
    const pair = normalPair({ feerateA: 1000, feerateB: 3000 });
    pair.intercept = (from, m) => {
      if (from !== 'B' || m.type !== 'closing_signed') return m;
      const b = pair.b.state as Extract<ChannelState, { type: 'negotiating-closing' }>;
      const fee = m.feeSatoshis + 1000n; // above A's max_fee_satoshis
      return ourClosingSigned(b.commitments, b, { feeSat: fee, minFeeSat: m.feeRange!.minFeeSatoshis, maxFeeSat: fee + 5000n }, pair.b.keychain.channelKeys(7));
    };
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.a.state.type).toBe('negotiating-closing');
    expect(text(pair.sentOf('A', 'warning')[0]!)).toMatch(/outside the overlap/);
    expect(pair.a.broadcasts.filter((b) => b.kind === 'mutual-close')).toHaveLength(0);
  });

  it('a closing_signed with an invalid signature: warning and disconnect', () => {
    const pair = normalPair();
    pair.intercept = (from, m) => (from === 'A' && m.type === 'closing_signed' ? { ...m, signature: new Uint8Array(64).fill(1) } : m);
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.b.state.type).toBe('negotiating-closing');
    const last = pair.b.batches[pair.b.batches.length - 1]!;
    expect(kinds(last.actions)).toEqual(['send:warning', 'emit:closing-negotiation-failed', 'close-connection']);
    expect(pair.b.broadcasts).toHaveLength(0);
  });

  it('a peer error while negotiating fails the channel (our commitment is broadcast)', () => {
    const pair = normalPair({ feerateA: 1000, feerateB: 20_000 });
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    const id = (pair.a.state as Extract<ChannelState, { type: 'negotiating-closing' }>).commitments.channelId;
    const t = pair.step('A', { type: 'message', message: { type: 'error', channelId: id, data: Uint8Array.of(0x78) } });
    expect(t.state.type).toBe('force-closing');
  });
});

describe('cooperative close: scripts', () => {
  it.each([
    ['P2TR without option_shutdown_anysegwit', P2TR],
    ['a bare OP_1', Uint8Array.of(0x51)],
    ['P2PKH', payments.p2pkh({ hash: new Uint8Array(20).fill(3) }).output as Uint8Array],
    ['OP_RETURN (legacy close)', concatBytes(Uint8Array.of(0x6a, 0x06), new Uint8Array(6).fill(1))],
  ])('the peer’s shutdown with %s: warning + disconnect, still normal', (_, bad) => {
    const pair = normalPair();
    pair.intercept = (from, m) => (from === 'A' && m.type === 'shutdown' ? { ...m, scriptpubkey: bad } : m);
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.b.state.type).toBe('normal');
    const last = pair.b.batches[pair.b.batches.length - 1]!;
    expect(kinds(last.actions)).toEqual(['send:warning', 'close-connection']);
    expect(pair.sentOf('B', 'shutdown')).toHaveLength(0);
  });

  it('P2TR and other witness programs are accepted with option_shutdown_anysegwit', () => {
    const pair = normalPair();
    pair.a.shutdownAnySegwit = true;
    pair.b.shutdownAnySegwit = true;
    pair.step('A', { type: 'close', scriptPubKey: P2TR });
    pair.run();
    expectMutualClose(pair);
    expect(bytesToHex(closingOf(pair, 'B').remoteShutdownScript)).toBe(bytesToHex(P2TR));
  });

  it('the close command refuses a bad script, a non-normal state, and a script other than our upfront_shutdown_script', () => {
    const pair = normalPair({}, { upfrontShutdownScript: SCRIPT_A });
    const r1 = pair.step('A', { type: 'close', scriptPubKey: Uint8Array.of(0x51) });
    expect(r1.state.type).toBe('normal');
    expect(kinds(r1.actions)).toEqual(['emit:command-rejected']);
    const r2 = pair.step('A', { type: 'close', scriptPubKey: SCRIPT_B });
    expect(kinds(r2.actions)).toEqual(['emit:command-rejected']);
    expect(pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A }).state.type).toBe('shutting-down');
    expect(kinds(pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A }).actions)).toEqual(['emit:command-rejected']);
    const fresh = new ChannelPair();
    expect(kinds(fresh.step('A', { type: 'close', scriptPubKey: SCRIPT_A }).actions)).toEqual(['emit:command-rejected']);
    pair.run();
    expectMutualClose(pair);
  });

  it('the peer’s shutdown must match its upfront_shutdown_script', () => {
    const pair = normalPair({}, { upfrontShutdownScript: SCRIPT_A });
    pair.intercept = (from, m) => (from === 'A' && m.type === 'shutdown' ? { ...m, scriptpubkey: SCRIPT_B } : m);
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    pair.run();
    expect(pair.b.state.type).toBe('normal');
    expect(text(pair.sentOf('B', 'warning')[0]!)).toMatch(/upfront_shutdown_script/);
  });

  it('closing_signed before shutdown in shutting-down gets a warning; a repeated identical shutdown is ignored', () => {
    const pair = normalPair();
    pair.step('A', { type: 'close', scriptPubKey: SCRIPT_A });
    const c = (pair.a.state as Extract<ChannelState, { type: 'shutting-down' }>).commitments;
    const t = pair.step('A', { type: 'message', message: { type: 'closing_signed', channelId: c.channelId, feeSatoshis: 100n, signature: new Uint8Array(64).fill(2) } });
    expect(t.state.type).toBe('shutting-down');
    expect(kinds(t.actions)).toEqual(['send:warning', 'emit:ignored']);
    pair.inFlight.length = 0;
    pair.step('B', { type: 'message', message: { type: 'shutdown', channelId: c.channelId, scriptpubkey: SCRIPT_A } });
    const again = pair.step('B', { type: 'message', message: { type: 'shutdown', channelId: c.channelId, scriptpubkey: SCRIPT_A } });
    expect(again.actions).toEqual([]);
    const normal = (pair.b.states.find((s) => s.type === 'normal') as NormalState).commitments;
    expect(bytesToHex(normal.channelId)).toBe(bytesToHex(c.channelId));
  });
});
