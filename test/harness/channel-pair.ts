/**
 * Two channel reducers wired back to back in memory (Electrum's A⇄B tests, lightning-kmp's
 * TestsHelper): A funds, B accepts. Every `send` goes through the real wire codec to the other
 * side; `request-funding` is answered by an injectable funding-tx builder (a real segwit
 * transaction paying the funding script, from a made-up outpoint); confirmations are injected.
 *
 * On every batch the harness checks what the node's executor relies on (DESIGN.md rule 3):
 *   - all `persist` actions come before every other action;
 *   - a funded state that changed is persisted in the same batch, with exactly its snapshot;
 *   - a `broadcast` of the funding tx happens only once a persisted snapshot (of the funder)
 *     holds the peer's valid signature of our commitment over that very funding outpoint;
 *   - a `broadcast` of the mutual close tx happens only once a persisted `closing` snapshot holds
 *     exactly that transaction;
 *   - every state (persisted or not) round-trips through the codec: decode(encode(s)) equals s,
 *     and re-encoding gives the same bytes.
 * A violation throws, failing the test that drove the step.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { expect } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex, concatBytes, equalBytes } from '../../engine/lib/bytes.ts';
import { chainHash } from '../../engine/wire/chains.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';
import type { BroadcastAction, ChannelAction, ChannelUiEvent, RequestFundingAction, Transition } from '../../engine/channel/actions.ts';
import { decodeChannelState, encodeChannelState } from '../../engine/channel/codec.ts';
import { buildLocalCommitment, checkRemoteSignature } from '../../engine/channel/commitments.ts';
import type { ChannelContext } from '../../engine/channel/context.ts';
import type { ChannelEvent, OpenCommand } from '../../engine/channel/events.ts';
import { newInboundChannel, newOutboundChannel, reduce } from '../../engine/channel/reducer.ts';
import { type ChannelConfig, type ChannelState, type ChannelType, DEFAULT_CHANNEL_CONFIG, isFunded } from '../../engine/channel/types.ts';

export type SideName = 'A' | 'B';

/** One executed batch. */
export interface Batch {
  readonly event: ChannelEvent;
  readonly before: ChannelState;
  readonly after: ChannelState;
  readonly actions: readonly ChannelAction[];
}

export interface Side {
  readonly name: SideName;
  state: ChannelState;
  readonly keychain: Keychain;
  readonly channelIndex: number;
  config: ChannelConfig;
  /** This side's commitment feerate estimate (ctx.feeratePerKw). */
  feeratePerKw: number;
  readonly batches: Batch[];
  /** The latest snapshot persisted, as the store would hold it. */
  persisted: Uint8Array | undefined;
  readonly broadcasts: BroadcastAction[];
  /** `persist-revoked` records by commitment number, as the store would keep them. */
  readonly revokedRecords: Map<number, Uint8Array>;
  /** Every `watch-output-spend` asked for. */
  readonly outputWatches: { readonly txid: Uint8Array; readonly outputIndex: number }[];
  readonly sent: Message[];
  /** Every distinct state this side passed through (for codec checks). */
  readonly states: ChannelState[];
  /** ctx.shutdownScriptPubKey / ctx.shutdownAnySegwit for this side (absent: not given). */
  shutdownScriptPubKey?: Uint8Array;
  shutdownAnySegwit?: boolean;
  /** ctx.sweepScriptPubKey for this side (absent: not given). */
  sweepScriptPubKey?: Uint8Array;
  /** ctx.feeEstimates for this side: target → sat/vB (absent: not given). */
  feeEstimates?: Readonly<Record<number, number>>;
  /** ctx.zeroConfPeer: this side trusts the other for zero-conf (absent: not). */
  zeroConfPeer?: boolean;
}

/** Builds the funding transaction the wallet would: returns a tx and the funding output's index, or a failure reason. */
export type FundingBuilder = (req: RequestFundingAction) => { rawTx: Uint8Array; outputIndex: number } | { fail: string };

/**
 * A real segwit transaction paying `req.valueSat` to `req.scriptPubKey` at output 1 (a P2WPKH
 * change output comes first, so the channel id XOR is exercised), spending a made-up outpoint
 * (derived from the request) with a dummy witness (the txid does not cover witnesses).
 */
export function fakeFundingTx(req: RequestFundingAction, opts: { outputIndex?: number; valueSat?: bigint; scriptPubKey?: Uint8Array; segwit?: boolean } = {}): { rawTx: Uint8Array; outputIndex: number } {
  const tx = new Transaction();
  tx.version = 2;
  // Deterministic: the same request gives the same transaction (so identical runs are byte-identical).
  const prev = sha256(concatBytes(Uint8Array.of(0xfa, 0x4e), req.scriptPubKey, new TextEncoder().encode(String(req.valueSat))));
  tx.addInput(prev, 0, 0xfffffffd, opts.segwit === false ? Uint8Array.of(0x51) : undefined);
  const change = payments.p2wpkh({ hash: sha256(prev).subarray(0, 20) }).output as Uint8Array;
  const index = opts.outputIndex ?? 1;
  const outs: [Uint8Array, bigint][] = [[change, 123_456n]];
  outs.splice(index, 0, [opts.scriptPubKey ?? req.scriptPubKey, opts.valueSat ?? req.valueSat]);
  for (const [script, value] of outs) tx.addOutput(script, value);
  if (opts.segwit !== false) tx.setWitness(0, [new Uint8Array(72).fill(0x30), concatBytes(Uint8Array.of(0x02), new Uint8Array(32).fill(7))]);
  return { rawTx: tx.toBuffer(), outputIndex: index };
}

export interface PairOptions {
  readonly seedA?: Uint8Array;
  readonly seedB?: Uint8Array;
  readonly configA?: ChannelConfig;
  readonly configB?: ChannelConfig;
  readonly feeratePerKw?: number;
  readonly blockHeight?: number;
  /** Answer `request-funding` at once (default true). */
  readonly autoFund?: boolean;
  readonly fundingBuilder?: FundingBuilder;
}

function prng(seed: Uint8Array): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = sha256(concatBytes(seed, Uint8Array.of(counter >> 24, counter >> 16, counter >> 8, counter)));
      counter++;
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}

/** A node id for side `name` (any valid point; the reducer only stores it). */
function nodeIdOf(k: Keychain): Uint8Array {
  return k.nodeId();
}

export class ChannelPair {
  readonly a: Side;
  readonly b: Side;
  blockHeight: number;
  nowSec = 1_800_000_000;
  autoFund: boolean;
  fundingBuilder: FundingBuilder;
  /** Messages sent but not yet delivered, in order. */
  readonly inFlight: { to: SideName; message: Message }[] = [];
  /** Called on every message in flight; return a replacement, or null to drop it. */
  intercept: ((from: SideName, message: Message) => Message | null) | undefined;
  /** `request-funding` actions not answered yet (autoFund off). */
  readonly pendingFunding: RequestFundingAction[] = [];
  private readonly random: Record<SideName, (n: number) => Uint8Array>;

  constructor(opts: PairOptions = {}) {
    const seedA = opts.seedA ?? sha256(Uint8Array.of(0xa));
    const seedB = opts.seedB ?? sha256(Uint8Array.of(0xb));
    const ka = Keychain.fromSeed(seedA, 'regtest');
    const kb = Keychain.fromSeed(seedB, 'regtest');
    const feerate = opts.feeratePerKw ?? 2500;
    const side = (name: SideName, keychain: Keychain, state: ChannelState, config: ChannelConfig): Side => ({
      name,
      state,
      keychain,
      channelIndex: 7,
      config,
      feeratePerKw: feerate,
      batches: [],
      persisted: undefined,
      broadcasts: [],
      revokedRecords: new Map(),
      outputWatches: [],
      sent: [],
      states: [state],
    });
    this.a = side('A', ka, newOutboundChannel(7), opts.configA ?? DEFAULT_CHANNEL_CONFIG);
    this.b = side('B', kb, newInboundChannel(7, nodeIdOf(ka)), opts.configB ?? DEFAULT_CHANNEL_CONFIG);
    this.blockHeight = opts.blockHeight ?? 500;
    this.autoFund = opts.autoFund ?? true;
    this.fundingBuilder = opts.fundingBuilder ?? ((req) => fakeFundingTx(req));
    this.random = { A: prng(concatBytes(seedA, Uint8Array.of(1))), B: prng(concatBytes(seedB, Uint8Array.of(2))) };
  }

  side(name: SideName): Side {
    return name === 'A' ? this.a : this.b;
  }

  other(name: SideName): Side {
    return name === 'A' ? this.b : this.a;
  }

  ctx(s: Side): ChannelContext {
    return {
      chainHash: chainHash('regtest'),
      config: s.config,
      blockHeight: this.blockHeight,
      nowSec: this.nowSec,
      feeratePerKw: s.feeratePerKw,
      channelKeys: (i) => this.keysOf(s, i),
      randomBytes: this.random[s.name],
      ...(s.shutdownScriptPubKey !== undefined ? { shutdownScriptPubKey: s.shutdownScriptPubKey } : {}),
      ...(s.shutdownAnySegwit !== undefined ? { shutdownAnySegwit: s.shutdownAnySegwit } : {}),
      ...(s.sweepScriptPubKey !== undefined ? { sweepScriptPubKey: s.sweepScriptPubKey } : {}),
      ...(s.feeEstimates !== undefined ? { feeEstimates: s.feeEstimates } : {}),
      ...(s.zeroConfPeer !== undefined ? { zeroConfPeer: s.zeroConfPeer } : {}),
    };
  }

  private readonly keyCache = new Map<string, ReturnType<Keychain['channelKeys']>>();

  /** A side's channel keys, derived once (as the node's ChannelManager does: BIP 32 + 5 public keys per call). */
  private keysOf(s: Side, i: number): ReturnType<Keychain['channelKeys']> {
    const k = `${s.name}${i}`;
    let keys = this.keyCache.get(k);
    if (!keys) {
      keys = s.keychain.channelKeys(i);
      this.keyCache.set(k, keys);
    }
    return keys;
  }

  /** Run one event through a side's reducer, check the batch, and carry out its actions. */
  step(name: SideName, event: ChannelEvent): Transition {
    const s = this.side(name);
    const before = s.state;
    const t = reduce(before, event, this.ctx(s));
    checkBatch(s, before, t);
    s.state = t.state;
    s.batches.push({ event, before, after: t.state, actions: t.actions });
    if (s.states[s.states.length - 1] !== t.state) s.states.push(t.state);
    for (const a of t.actions) this.execute(s, a);
    return t;
  }

  private execute(s: Side, a: ChannelAction): void {
    switch (a.type) {
      case 'persist':
        s.persisted = a.snapshot;
        break;
      case 'send': {
        // Through the real codec, as a peer would get it.
        const decoded = decodeMessage(encodeMessage(a.message));
        if (decoded.kind !== 'known') throw new Error('sent an unknown message');
        s.sent.push(decoded.message);
        this.inFlight.push({ to: s.name === 'A' ? 'B' : 'A', message: decoded.message });
        break;
      }
      case 'request-funding':
        this.pendingFunding.push(a);
        break;
      case 'broadcast':
        s.broadcasts.push(a);
        break;
      case 'persist-revoked':
        s.revokedRecords.set(a.commitmentNumber, a.record);
        break;
      case 'watch-output-spend':
        s.outputWatches.push({ txid: a.txid, outputIndex: a.outputIndex });
        break;
      case 'cancel-funding':
      case 'watch-confirmations':
      case 'watch-spend':
      case 'request-cpfp':
      case 'request-htlc-tx-fee':
      case 'request-claim-bump':
      case 'request-htlc-tx-cpfp':
      case 'emit':
      case 'close-connection':
        break;
      default: {
        const never: never = a;
        throw new Error(`unknown action ${(never as { type: string }).type}`);
      }
    }
  }

  /** Answer one pending `request-funding` with the builder's transaction (or its failure). */
  fund(): Transition | undefined {
    const req = this.pendingFunding.shift();
    if (!req) return undefined;
    const built = this.fundingBuilder(req);
    if ('fail' in built) return this.step('A', { type: 'funding-tx-failed', reason: built.fail });
    return this.step('A', { type: 'funding-tx-built', rawTx: built.rawTx, outputIndex: built.outputIndex });
  }

  /** Deliver the next message in flight; false when there is none. */
  deliverOne(): boolean {
    const next = this.inFlight.shift();
    if (!next) return false;
    const from: SideName = next.to === 'A' ? 'B' : 'A';
    const msg = this.intercept ? this.intercept(from, next.message) : next.message;
    if (msg) this.step(next.to, { type: 'message', message: msg });
    return true;
  }

  /** Deliver messages (and, with autoFund, funding answers) until nothing is left in flight. */
  run(maxSteps = 100): void {
    for (let i = 0; i < maxSteps; i++) {
      if (this.autoFund && this.pendingFunding.length > 0) {
        this.fund();
        continue;
      }
      if (!this.deliverOne()) return;
    }
    throw new Error('channel pair did not settle');
  }

  /** A sends `open` and the handshake runs to wait-for-funding-confirmed on both sides. */
  open(cmd: Partial<OpenCommand> & { channelType?: ChannelType } = {}): void {
    this.step('A', {
      type: 'open',
      peerNodeId: this.b.keychain.nodeId(),
      fundingSat: 1_000_000n,
      pushMsat: 0n,
      channelType: 'anchors_zero_fee_htlc_tx',
      feeratePerKw: 2500,
      ...cmd,
    });
    this.run();
  }

  /** The funding transaction A broadcast. */
  fundingTx(): Uint8Array {
    const b = this.a.broadcasts.find((x) => x.kind === 'funding');
    if (!b) throw new Error('A has not broadcast a funding transaction');
    return b.rawTx;
  }

  /** Report the funding transaction confirmed at `depth` to `to` (both by default), then deliver. */
  confirm(depth: number, opts: { to?: SideName | 'both'; txIndex?: number; rawTx?: Uint8Array } = {}): void {
    const rawTx = opts.rawTx ?? this.fundingTx();
    const blockHeight = this.blockHeight - depth + 1;
    const event: ChannelEvent = { type: 'funding-confirmed', rawTx, depth, blockHeight, txIndex: opts.txIndex ?? 3 };
    const to = opts.to ?? 'both';
    if (to === 'both' || to === 'A') this.step('A', event);
    if (to === 'both' || to === 'B') this.step('B', event);
    this.run();
  }

  /** Open and confirm to NORMAL on both sides. */
  openToNormal(cmd: Partial<OpenCommand> = {}): void {
    this.open(cmd);
    this.blockHeight += 5;
    this.confirm(6);
  }

  /** Report a confirmed transaction (e.g. the mutual close) at `depth` to one side. */
  confirmTx(name: SideName, rawTx: Uint8Array, depth: number): Transition {
    return this.step(name, { type: 'funding-confirmed', rawTx, depth, blockHeight: this.blockHeight - depth + 1, txIndex: 1 });
  }

  /** UI events of `type` a side has emitted, oldest first. */
  emitted<T extends ChannelUiEvent['type']>(name: SideName, type: T): Extract<ChannelUiEvent, { type: T }>[] {
    const out: Extract<ChannelUiEvent, { type: T }>[] = [];
    for (const b of this.side(name).batches) for (const a of b.actions) if (a.type === 'emit' && a.event.type === type) out.push(a.event as Extract<ChannelUiEvent, { type: T }>);
    return out;
  }

  /**
   * `name` offers an HTLC for `preimage` (default: derived from `n`) with a made-up onion; returns
   * the transition (not delivered yet) and the preimage.
   */
  addHtlc(name: SideName, amountMsat: bigint, opts: { n?: number; preimage?: Uint8Array; cltvExpiry?: number; tag?: string } = {}): { t: Transition; preimage: Uint8Array; paymentHash: Uint8Array } {
    const n = opts.n ?? 0;
    const preimage = opts.preimage ?? sha256(concatBytes(Uint8Array.of(0x70, name.charCodeAt(0)), new TextEncoder().encode(String(n))));
    const paymentHash = sha256(preimage);
    const onionRoutingPacket = new Uint8Array(1366);
    for (let i = 0; i < 1366; i += 32) onionRoutingPacket.set(sha256(concatBytes(paymentHash, Uint8Array.of(i >> 8, i & 0xff))).subarray(0, Math.min(32, 1366 - i)), i);
    const t = this.step(name, { type: 'add-htlc', amountMsat, paymentHash, cltvExpiry: opts.cltvExpiry ?? this.blockHeight + 144, onionRoutingPacket, tag: opts.tag ?? `${name}-${n}` });
    return { t, preimage, paymentHash };
  }

  /** Disconnect both sides (messages in flight are lost), reconnect, and deliver everything. */
  reconnect(): void {
    this.inFlight.length = 0;
    this.step('A', { type: 'peer-disconnected' });
    this.step('B', { type: 'peer-disconnected' });
    this.step('A', { type: 'peer-connected' });
    this.step('B', { type: 'peer-connected' });
    this.run(500);
  }

  /** Messages of `type` a side has sent. */
  sentOf<T extends Message['type']>(name: SideName, type: T): (Message & { type: T })[] {
    return this.side(name).sent.filter((m): m is Message & { type: T } => m.type === type);
  }
}

/** decode(encode(s)) equals s and re-encodes to the same bytes. */
export function expectRoundTrip(s: ChannelState): Uint8Array {
  const bytes = encodeChannelState(s);
  const back = decodeChannelState(bytes);
  expect(back).toEqual(s);
  expect(bytesToHex(encodeChannelState(back))).toBe(bytesToHex(bytes));
  return bytes;
}

export function checkBatch(s: Side, before: ChannelState, t: Transition): void {
  const where = `${s.name} ${before.type} → ${t.state.type}`;
  const firstOther = t.actions.findIndex((a) => a.type !== 'persist');
  const lastPersist = t.actions.map((a) => a.type).lastIndexOf('persist');
  if (firstOther !== -1 && lastPersist > firstOther) throw new Error(`${where}: a persist action comes after ${t.actions[firstOther]!.type}`);

  const afterBytes = expectRoundTrip(t.state);
  const persists = t.actions.filter((a): a is Extract<ChannelAction, { type: 'persist' }> => a.type === 'persist');
  for (const p of persists) {
    const decoded = decodeChannelState(p.snapshot);
    expect(decoded).toEqual(t.state);
  }
  const changed = !equalBytes(afterBytes, encodeChannelState(before));
  if (isFunded(t.state) && changed) {
    const last = persists[persists.length - 1];
    if (!last || !equalBytes(last.snapshot, afterBytes)) throw new Error(`${where}: a funded state changed without being persisted`);
  }
  if (persists.length > 0 && !changed) throw new Error(`${where}: persisted an unchanged state`);

  // The mutual close broadcast must rest on a persisted `closing` snapshot holding that very transaction.
  for (const a of t.actions) {
    if (a.type !== 'broadcast' || a.kind !== 'mutual-close') continue;
    const snapshot = persists.length > 0 ? persists[persists.length - 1]!.snapshot : s.persisted;
    if (!snapshot) throw new Error(`${where}: broadcast of the mutual close before any persist`);
    const saved = decodeChannelState(snapshot);
    if (saved.type !== 'closing' || !equalBytes(saved.closingTx, a.rawTx)) throw new Error(`${where}: mutual close broadcast not backed by a persisted closing state with that tx`);
    if (!equalBytes(Transaction.fromBuffer(a.rawTx).getHash(), a.txid)) throw new Error(`${where}: broadcast txid does not match its transaction`);
  }

  // The funding broadcast must rest on a persisted snapshot holding the peer's signature for that outpoint.
  for (const a of t.actions) {
    if (a.type !== 'broadcast' || a.kind !== 'funding') continue;
    const snapshot = persists.length > 0 ? persists[persists.length - 1]!.snapshot : s.persisted;
    if (!snapshot) throw new Error(`${where}: broadcast of the funding tx before any persist`);
    const saved = decodeChannelState(snapshot);
    if (!('commitments' in saved)) throw new Error(`${where}: funding broadcast, but the persisted state ${saved.type} holds no commitments`);
    const c = saved.commitments;
    const ours = buildLocalCommitment(c, s.keychain.channelKeys(c.channelIndex), c.localCommit.index, c.localCommit.spec);
    if (!c.isFunder || !equalBytes(c.fundingOutpoint.txid, a.txid) || !checkRemoteSignature(ours, c.localCommit.remoteSig)) {
      throw new Error(`${where}: funding broadcast not backed by a persisted signature over its outpoint`);
    }
    if (!equalBytes(Transaction.fromBuffer(a.rawTx).getHash(), a.txid)) throw new Error(`${where}: broadcast txid does not match its transaction`);
  }
}
