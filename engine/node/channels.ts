/**
 * `ChannelManager`: the node's channels. It owns one channel reducer (engine/channel) per channel
 * and is the only place their actions are carried out:
 *
 *   peer 'message' events ──route by (peer, temporary_channel_id | channel_id)──▶ reduce
 *   user `open(...)`       ──new funder reducer (idle) + `open` command──────────▶ reduce
 *   peer `open_channel`    ──new fundee reducer (wait-for-open-channel)───────────▶ reduce
 *   `onTip()`              ──funding-confirmed {depth, height, tx index} + tick──▶ reduce
 *
 *   reduce → actions → ONE persistence-barrier batch per step, scope `channel:<index>`:
 *     persist             → KV put `channel/<channel_id hex>` (the codec.ts snapshot)
 *     send                → PeerManager.send          (only after the batch's write, DESIGN.md rule 3)
 *     broadcast           → chain broadcast, re-published on every new tip until it confirms
 *     request-funding     → wallet.fundChannel → `funding-tx-built` / `funding-tx-failed` fed back
 *     cancel-funding      → wallet.cancelReservation
 *     watch-confirmations → polled on each `onTip()` while the channel stays in the state that
 *                           asked (the funding tx; later the mutual close tx); a confirmation is
 *                           proven by a merkle branch against the block header, which also gives
 *                           the tx index (short_channel_id)
 *     emit / close-connection → listeners / PeerManager.disconnect
 *
 * Every effect runs only after the barrier reports the batch's writes durable; a frozen scope
 * (the store failed) freezes the channel: nothing more is reduced or sent for it until the node
 * reloads it from the store (restart). Reducer steps are synchronous and happen in arrival
 * order; the barrier keeps each channel's batches in that order.
 *
 * Keys and ids:
 *   - Each channel gets a fresh keychain index (`Keychain.channelKeys(n)`); the next free index is
 *     kept in `node/next-channel-index` (scope `node`) and is durable before the channel's first
 *     message leaves, so no two channels ever share keys, even across a crash.
 *   - A `channel/<id>` key is written by one channel only: a step that would persist over another
 *     live channel's record (a peer naming the same funding outpoint twice) is refused and that
 *     channel aborted, so a peer cannot overwrite a real channel's saved state.
 *
 * Known gaps: a peer `error` is not routed by its channel_id yet (PeerManager's `remote-error`
 * now carries it), so it is given only to this peer's channels still in establishment (as an
 * all-channels error) and merely reported for funded ones; the reducer's channel_reestablish and
 * closing states are not driven from here yet.
 */
import { merkleProblem, parseHeader } from '../chain/bitcoin.ts';
import type { ChainTip } from '../chain/source.ts';
import {
  type ChannelAction,
  type ChannelConfig,
  type ChannelContext,
  type ChannelEvent,
  type ChannelState,
  type ChannelStateName,
  type ChannelType,
  type ChannelUiEvent,
  type Transition,
  DEFAULT_CHANNEL_CONFIG,
  MIN_FEERATE_PER_KW,
  autoFeeUpdate,
  decodeChannelState,
  newInboundChannel,
  newOutboundChannel,
  reduce,
} from '../channel/index.ts';
import { bytesToHex, equalBytes, hexToBytes } from '../lib/bytes.ts';
import { errorMessage, ValidationError } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { chainHash } from '../wire/chains.ts';
import type { Message } from '../wire/message.ts';
import { asciiBytes } from '../wire/messages/setup.ts';
import { PersistenceBarrier, type BarrierAction } from './executor.ts';
import type { PeerEvent } from './peer-manager.ts';
import { CHANNEL_INDEX_KEY, CHANNEL_KEY_PREFIX, type ChannelInfo, type ChannelManagerEvent, type ChannelManagerOptions, type OpenOptions } from './channel-ports.ts';
import { decodeIndex, describeAction, displayTxid, encodeIndex, formatShortChannelId, idsOf, indexOf, isOpening, isTerminal, peerOf, plainEvent, txidOfRaw } from './channel-inspect.ts';

export { CHANNEL_INDEX_KEY, CHANNEL_KEY_PREFIX } from './channel-ports.ts';
export type { ChannelChain, ChannelInfo, ChannelKeySource, ChannelManagerEvent, ChannelManagerOptions, ChannelMerkleProof, ChannelPeers, ChannelWallet, OpenOptions, PlainUiEvent } from './channel-ports.ts';
export { formatShortChannelId } from './channel-inspect.ts';

/** Barrier scope for node-wide records. */
const NODE_SCOPE = 'node';
const ALL_CHANNELS = new Uint8Array(32);
/** BIP 32 non-hardened child indexes: channelKeys(n) needs n < 2^31. */
const MAX_CHANNEL_INDEX = 2 ** 31 - 1;
/** Channels a peer may have in establishment with us at once (LDK allows 4 unfunded per peer). */
export const MAX_PENDING_INBOUND_PER_PEER = 4;
/** Aborted establishments (never persisted) kept in memory for `list()`, newest first. */
const KEEP_ABORTED = 20;


// ---- internals ------------------------------------------------------------------------------------

interface Watch {
  readonly txid: string;
  /** The state kind that asked; the watch ends when the channel leaves it. */
  readonly state: ChannelStateName;
  readonly depth: number;
  /** The tip hash of the last check (an unchanged tip costs no request). */
  checkedAt?: string;
  /** The proven confirmation last seen (so the proof is fetched once per block). */
  proven?: { readonly blockHash: string; readonly blockHeight: number; readonly pos: number; readonly rawTx: Uint8Array };
}

interface Entry {
  readonly index: number;
  readonly scope: string;
  peer: string;
  state: ChannelState;
  /** The channel's keychain index is durable (false: it could not be saved; the channel is dead). */
  readonly ready: Promise<boolean>;
  /** The last barrier batch of this channel (for `idle`). */
  last: Promise<unknown>;
  /** The `channel/<id>` key this channel persists to, once it has one. */
  key?: string;
  frozen?: string;
  /** Confirmation watches by display txid. */
  readonly watches: Map<string, Watch>;
  /** Our transactions to keep publishing until they confirm, by display txid (`wallet`: the wallet's own, e.g. funding). */
  readonly broadcasts: Map<string, { readonly raw: Uint8Array; readonly wallet: boolean }>;
}

type EffectAction = Extract<BarrierAction, { kind: 'effect' }>;

// ---- the manager ----------------------------------------------------------------------------------

export class ChannelManager {
  private readonly opts: ChannelManagerOptions;
  private readonly logger: Logger;
  private readonly barrier: PersistenceBarrier<BarrierAction>;
  private readonly config: ChannelConfig;
  private readonly chainHash: Uint8Array;
  private readonly entries: Entry[] = [];
  private readonly listeners = new Set<(e: ChannelManagerEvent) => void>();
  /** `channel/<id>` → the entry that writes it. */
  private readonly keyOwners = new Map<string, Entry>();
  /** -1 until `start` has read the store. */
  private nextIndex = -1;
  private tip: ChainTip | undefined;
  private estimatePerKw = MIN_FEERATE_PER_KW;
  private unsubscribe: (() => void) | undefined;
  private tipRun: Promise<void> | undefined;
  private tipAgain = false;
  private started = false;

  constructor(opts: ChannelManagerOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.config = opts.config ?? DEFAULT_CHANNEL_CONFIG;
    this.chainHash = chainHash(opts.network);
    this.barrier =
      opts.barrier ??
      new PersistenceBarrier<BarrierAction>({
        store: opts.store,
        clock: opts.clock,
        logger: this.logger,
        onFrozen: (scope, reason) => this.onFrozen(scope, reason),
      });
    if (typeof opts.feeratePerKw === 'number') this.estimatePerKw = Math.max(MIN_FEERATE_PER_KW, Math.floor(opts.feeratePerKw));
  }

  /**
   * Load every saved channel, subscribe to the peers, and read the chain tip once. Funded
   * channels waiting for their funding are watched again; a funder's funding tx is re-published.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('channel manager already started');
    const store = this.opts.store;
    const counter = await store.get(CHANNEL_INDEX_KEY);
    let next = counter ? decodeIndex(counter) : 0;
    for (const key of await store.keys(CHANNEL_KEY_PREFIX)) {
      const bytes = await store.get(key);
      if (!bytes) continue;
      let state: ChannelState;
      try {
        state = decodeChannelState(bytes);
      } catch (err) {
        // Never guess: a record we cannot read is reported, and its key is never written over.
        this.logger.log('error', 'channel record does not decode; left untouched', { key, error: errorMessage(err) });
        this.keyOwners.set(key, this.placeholder(key));
        continue;
      }
      const index = indexOf(state);
      if (index !== undefined) next = Math.max(next, index + 1);
      const entry: Entry = {
        index: index ?? -1,
        scope: index !== undefined ? `channel:${index}` : `channel:${key}`,
        peer: bytesToHex(peerOf(state) ?? new Uint8Array(0)),
        state,
        ready: Promise.resolve(true),
        last: Promise.resolve(),
        key,
        broadcasts: new Map(),
        watches: new Map(),
      };
      this.keyOwners.set(key, entry);
      this.entries.push(entry);
      this.resume(entry);
    }
    this.nextIndex = next;
    this.started = true;
    this.unsubscribe = this.opts.peers.subscribe((e) => this.onPeerEvent(e));
    await this.onTip();
  }

  /** Stop listening to peers (pending barrier work still completes; see `idle`). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  subscribe(fn: (e: ChannelManagerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every channel (including aborted ones kept in memory), oldest first. */
  list(): ChannelInfo[] {
    return this.entries.map((e) => this.info(e));
  }

  /** One channel by its local id. */
  byLocalId(localId: number): ChannelInfo | undefined {
    const e = this.entries.find((x) => x.index === localId && localId >= 0);
    return e ? this.info(e) : undefined;
  }

  /** One channel by its channel_id or temporary_channel_id (hex). */
  get(channelId: string): ChannelInfo | undefined {
    const id = channelId.toLowerCase();
    const e = this.entries.find((x) => {
      const info = this.info(x);
      return info.channelId === id || info.temporaryChannelId === id;
    });
    return e ? this.info(e) : undefined;
  }

  /** The tip the manager last read. */
  get tipHeight(): number {
    return this.tip?.height ?? -1;
  }

  /** Resolve once every barrier batch submitted so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = this.entries.map((e) => e.last);
      await Promise.all(pending);
      await this.barrier.idle();
      if (this.entries.every((e, i) => e.last === pending[i])) return;
    }
  }

  /**
   * Open a channel we fund to a connected peer: sends open_channel. Resolves with the new
   * channel (under its temporary id) once the command is accepted and sent; throws a
   * ValidationError naming the problem if the command is refused.
   */
  async open(peerNodeId: string, opts: OpenOptions): Promise<ChannelInfo> {
    const peer = peerNodeId.toLowerCase();
    if (!/^0[23][0-9a-f]{64}$/.test(peer)) throw new ValidationError('peerNodeId', 'expected a 33-byte compressed public key in hex');
    if (!this.isConnected(peer)) throw new ValidationError('peerNodeId', `not connected to ${peer}`);
    const entry = this.newEntry(peer, (index) => newOutboundChannel(index));
    const t = this.dispatch(entry, {
      type: 'open',
      peerNodeId: hexToBytes(peer),
      fundingSat: opts.fundingSat,
      pushMsat: opts.pushMsat ?? 0n,
      channelType: opts.channelType ?? this.defaultChannelType(peer),
      feeratePerKw: opts.feeratePerKw ?? this.feerate(),
      ...(opts.announceChannel !== undefined ? { announceChannel: opts.announceChannel } : {}),
    });
    const rejected = t?.actions.find((a) => a.type === 'emit' && a.event.type === 'command-rejected');
    if (!t || rejected) {
      this.entries.splice(this.entries.indexOf(entry), 1);
      const reason = rejected && rejected.type === 'emit' && rejected.event.type === 'command-rejected' ? rejected.event.reason : 'channel could not be created';
      throw new ValidationError('open', reason);
    }
    if (!(await entry.ready)) {
      entry.state = { type: 'aborted', reason: 'could not save the channel key index' };
      throw new ValidationError('open', 'could not save the channel key index (store failure); nothing was sent');
    }
    await entry.last;
    return this.info(entry);
  }

  /** As funder, send update_fee (default: our estimate) once persisted; a refusal throws a ValidationError naming it. */
  async updateFee(channelId: string, feeratePerKw?: number): Promise<void> {
    const id = channelId.toLowerCase();
    const entry = this.entries.find((x) => !isTerminal(x.state) && idsOf(x.state).id !== undefined && bytesToHex(idsOf(x.state).id!) === id);
    if (!entry) throw new ValidationError('channelId', `no open channel ${id}`);
    if (entry.state.type !== 'normal') throw new ValidationError('channelId', `channel is in ${entry.state.type}, not normal`);
    if (!this.isConnected(entry.peer)) throw new ValidationError('channelId', `not connected to the channel's peer ${entry.peer}`);
    const t = this.dispatch(entry, { type: 'update-fee', feeratePerKw: feeratePerKw ?? this.feerate() });
    if (!t) throw new ValidationError('channelId', 'channel is frozen');
    const rejected = t.actions.find((a) => a.type === 'emit' && a.event.type === 'command-rejected');
    if (rejected && rejected.type === 'emit' && rejected.event.type === 'command-rejected') throw new ValidationError('feeratePerKw', rejected.event.reason);
    await entry.last;
  }

  /**
   * A new block may be there: read the tip, re-check watched funding transactions (proven by a
   * merkle branch, which gives the tx index for the short_channel_id), re-publish our
   * unconfirmed broadcasts, and give every channel a `tick`. Calls overlapping a running one
   * coalesce into one more run. Never rejects (chain errors are logged; the next call retries).
   */
  onTip(): Promise<void> {
    if (this.tipRun) {
      this.tipAgain = true;
      return this.tipRun;
    }
    this.tipRun = (async () => {
      try {
        do {
          this.tipAgain = false;
          await this.tipOnce();
        } while (this.tipAgain);
      } finally {
        this.tipRun = undefined;
      }
    })();
    return this.tipRun;
  }

  // ---- routing ------------------------------------------------------------------------------------

  private onPeerEvent(e: PeerEvent): void {
    try {
      switch (e.type) {
        case 'message':
          this.onMessage(e.nodeId, e.message);
          break;
        case 'connected':
          for (const entry of this.ofPeer(e.peer.nodeId)) this.dispatch(entry, { type: 'peer-connected' });
          break;
        case 'disconnected':
          for (const entry of this.ofPeer(e.nodeId)) this.dispatch(entry, { type: 'peer-disconnected' });
          break;
        case 'remote-error':
          this.onRemoteError(e.nodeId, e.kind, e.text);
          break;
        case 'ping':
          break;
        default:
          break;
      }
    } catch (err) {
      this.logger.log('error', 'channel manager: peer event handling failed', { type: e.type, error: errorMessage(err) });
    }
  }

  private onMessage(peer: string, m: Message): void {
    switch (m.type) {
      case 'init':
      case 'ping':
      case 'pong':
      case 'error':
      case 'warning':
        return;
      case 'open_channel': {
        const dup = this.ofPeer(peer).find((e) => isOpening(e.state) && idsOf(e.state).temp && equalBytes(idsOf(e.state).temp!, m.temporaryChannelId));
        if (dup) {
          this.logger.log('warn', 'open_channel reuses a temporary_channel_id in use; ignored', { peer, temporaryChannelId: bytesToHex(m.temporaryChannelId) });
          return;
        }
        const pending = this.ofPeer(peer).filter((e) => isOpening(e.state)).length;
        if (pending >= MAX_PENDING_INBOUND_PER_PEER) {
          const text = `too many channels in establishment with us (${pending}); try again later`;
          this.logger.log('warn', 'open_channel refused: too many pending channels', { peer, pending });
          this.sendNow(peer, { type: 'error', channelId: m.temporaryChannelId, data: asciiBytes(text) });
          return;
        }
        this.prune();
        const entry = this.newEntry(peer, (index) => newInboundChannel(index, hexToBytes(peer)));
        this.dispatch(entry, { type: 'message', message: m });
        return;
      }
      case 'accept_channel':
      case 'funding_created': {
        const entry = this.ofPeer(peer).find((e) => isOpening(e.state) && idsOf(e.state).temp !== undefined && equalBytes(idsOf(e.state).temp!, m.temporaryChannelId));
        if (!entry) return this.unknownChannel(peer, m.type, m.temporaryChannelId);
        this.dispatch(entry, { type: 'message', message: m });
        return;
      }
      default: {
        const id = m.channelId;
        const live = this.ofPeer(peer).filter((e) => !isTerminal(e.state));
        const entry =
          live.find((e) => idsOf(e.state).id !== undefined && equalBytes(idsOf(e.state).id!, id)) ??
          live.find((e) => idsOf(e.state).temp !== undefined && equalBytes(idsOf(e.state).temp!, id));
        if (!entry) return this.unknownChannel(peer, m.type, id);
        this.dispatch(entry, { type: 'message', message: m });
      }
    }
  }

  /**
   * PeerManager's `remote-error` event has no channel_id (engine/node/peer-manager.ts), so we
   * cannot tell which channel an `error` is about. Establishments (nothing at stake) are failed
   * as BOLT 1 asks; funded channels are NOT force-closed on a guess: the error is reported.
   */
  private onRemoteError(peer: string, kind: 'error' | 'warning', text: string): void {
    this.notify({ type: 'peer-error', peer, kind, text });
    if (kind !== 'error') return;
    const message: Message = { type: 'error', channelId: ALL_CHANNELS, data: asciiBytes(text.slice(0, 500)) };
    for (const entry of this.ofPeer(peer)) {
      if (isOpening(entry.state)) this.dispatch(entry, { type: 'message', message });
    }
  }

  private unknownChannel(peer: string, type: string, id: Uint8Array): void {
    this.logger.log('warn', 'channel message for no channel of ours; ignored', { peer, type, channelId: bytesToHex(id) });
  }

  /** A send that depends on no state (a refusal before any channel exists). */
  private sendNow(peer: string, message: Message): void {
    try {
      this.opts.peers.send(peer, message);
    } catch (err) {
      this.logger.log('debug', 'send failed', { peer, type: message.type, error: errorMessage(err) });
    }
  }

  /** Forget the oldest aborted establishments that were never persisted. */
  private prune(): void {
    const dead = this.entries.filter((e) => e.state.type === 'aborted' && e.key === undefined && !e.frozen);
    for (const e of dead.slice(0, Math.max(0, dead.length - KEEP_ABORTED))) this.entries.splice(this.entries.indexOf(e), 1);
  }

  private ofPeer(peer: string): Entry[] {
    return this.entries.filter((e) => e.peer === peer);
  }

  private defaultChannelType(peer: string): ChannelType {
    const features = this.opts.peers.peers().find((p) => p.nodeId === peer)?.features;
    return features && features['option_anchors'] !== undefined ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey';
  }

  private isConnected(peer: string): boolean {
    return this.opts.peers.peers().some((p) => p.nodeId === peer);
  }

  // ---- reducing and executing ---------------------------------------------------------------------

  private placeholder(key: string): Entry {
    return { index: -1, scope: `corrupt:${key}`, peer: '', state: { type: 'aborted', reason: 'unreadable record' }, ready: Promise.resolve(false), last: Promise.resolve(), broadcasts: new Map(), watches: new Map() };
  }

  /** A new channel with a fresh keychain index, made durable before any of its effects run. */
  private newEntry(peer: string, make: (index: number) => ChannelState): Entry {
    // Before `start` the used indexes are unknown: a new channel could reuse another's keys.
    if (!this.started || this.nextIndex < 0) throw new ValidationError('channels', 'the channel manager is not started');
    if (this.nextIndex > MAX_CHANNEL_INDEX) throw new ValidationError('channelIndex', 'no channel keys left');
    const index = this.nextIndex++;
    const ready = this.barrier
      .submit(NODE_SCOPE, [{ kind: 'persist', key: CHANNEL_INDEX_KEY, value: encodeIndex(this.nextIndex) }])
      .then((r) => {
        if (r.status !== 'done') this.logger.log('error', 'could not save the next channel index; the channel is dropped', { index, reason: r.reason });
        return r.status === 'done';
      });
    const entry: Entry = { index, scope: `channel:${index}`, peer, state: make(index), ready, last: ready, broadcasts: new Map(), watches: new Map() };
    this.entries.push(entry);
    return entry;
  }

  private ctx(): ChannelContext {
    return {
      chainHash: this.chainHash,
      config: this.config,
      blockHeight: Math.max(0, this.tip?.height ?? 0),
      nowSec: Math.floor(this.opts.clock.now() / 1000),
      feeratePerKw: this.feerate(),
      channelKeys: (i) => this.opts.keys.channelKeys(i),
      randomBytes: (n) => this.opts.entropy.randomBytes(n),
    };
  }

  private feerate(): number {
    const f = this.opts.feeratePerKw;
    const v = typeof f === 'function' ? f() : this.estimatePerKw;
    return Math.max(MIN_FEERATE_PER_KW, Math.floor(v));
  }

  /** One reducer step for `entry`, its actions queued on the barrier. Returns the transition. */
  private dispatch(entry: Entry, event: ChannelEvent): Transition | undefined {
    if (!entry.frozen && this.barrier.isFrozen(entry.scope)) entry.frozen = this.barrier.frozenReason(entry.scope) ?? 'frozen';
    if (entry.frozen) {
      this.logger.log('warn', 'channel frozen; event dropped', { scope: entry.scope, event: event.type, reason: entry.frozen });
      return undefined;
    }
    const before = entry.state;
    const t = reduce(before, event, this.ctx());

    // A channel writes one key, and no other channel's.
    for (const a of t.actions) {
      if (a.type !== 'persist') continue;
      const key = `${CHANNEL_KEY_PREFIX}${bytesToHex(a.channelId)}`;
      const owner = this.keyOwners.get(key);
      if ((owner && owner !== entry) || (entry.key && entry.key !== key)) {
        this.refuseStep(entry, before, key);
        return undefined;
      }
    }

    entry.state = t.state;
    const batch: BarrierAction[] = [];
    for (const a of t.actions) {
      if (a.type === 'persist') {
        const key = `${CHANNEL_KEY_PREFIX}${bytesToHex(a.channelId)}`;
        entry.key = key;
        this.keyOwners.set(key, entry);
        batch.push({ kind: 'persist', key, value: a.snapshot });
      } else batch.push(this.effect(entry, a));
    }
    for (const [txid, w] of entry.watches) if (w.state !== t.state.type) entry.watches.delete(txid);
    this.submit(entry, batch);
    return t;
  }

  /** A step would have written another channel's record: drop it and abort this channel. */
  private refuseStep(entry: Entry, before: ChannelState, key: string): void {
    const reason = `channel id ${key.slice(CHANNEL_KEY_PREFIX.length)} is already used by another channel`;
    this.logger.log('error', 'refused a channel step that would overwrite another channel record', { scope: entry.scope, key });
    const temp = idsOf(before).temp;
    entry.state = { type: 'aborted', ...(temp ? { channelId: temp } : {}), reason };
    entry.watches.clear();
    const peer = entry.peer;
    const batch: BarrierAction[] = [this.emitEffect(entry, { type: 'channel-aborted', reason })];
    // Only under the temporary id: the colliding channel_id may be another peer's channel.
    if (temp) {
      batch.unshift({ kind: 'effect', describe: `send error to ${peer.slice(0, 16)}`, dependsOnPersist: true, run: () => this.opts.peers.send(peer, { type: 'error', channelId: temp, data: asciiBytes(reason) }) });
    }
    this.submit(entry, batch);
  }

  private submit(entry: Entry, batch: BarrierAction[]): void {
    if (batch.length === 0) return;
    const run = entry.ready.then((ok) => {
      if (!ok) return undefined;
      return this.barrier.submit(entry.scope, batch).then((r) => {
        if (r.status !== 'done') {
          this.logger.log('error', 'channel batch not carried out', { scope: entry.scope, status: r.status, reason: r.reason });
          // Also when the barrier is shared and its onFrozen is not ours.
          if (this.barrier.isFrozen(entry.scope)) this.onFrozen(entry.scope, this.barrier.frozenReason(entry.scope) ?? r.reason ?? r.status);
        }
        return r;
      });
    });
    entry.last = run;
  }

  private effect(entry: Entry, a: Exclude<ChannelAction, { type: 'persist' }>): EffectAction {
    const peer = entry.peer;
    const describe = describeAction(a, peer);
    switch (a.type) {
      case 'send':
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => this.opts.peers.send(peer, a.message) };
      case 'broadcast':
        return {
          kind: 'effect',
          describe,
          dependsOnPersist: true,
          run: () => {
            const txid = displayTxid(a.txid);
            entry.broadcasts.set(txid, { raw: a.rawTx.slice(), wallet: a.kind === 'funding' });
            this.publish(entry, txid, a.rawTx, a.kind === 'funding');
          },
        };
      case 'request-funding':
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => void this.fund(entry, a.scriptPubKey, a.valueSat) };
      case 'cancel-funding':
        return {
          kind: 'effect',
          describe,
          dependsOnPersist: true,
          run: () => {
            this.opts.wallet.cancelReservation(displayTxid(a.txid));
          },
        };
      case 'watch-confirmations':
        return {
          kind: 'effect',
          describe,
          dependsOnPersist: true,
          run: () => {
            const txid = displayTxid(a.txid);
            entry.watches.set(txid, { txid, depth: a.depth, state: entry.state.type });
            void this.onTip();
          },
        };
      case 'emit':
        return this.emitEffect(entry, a.event);
      case 'close-connection':
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => this.opts.peers.disconnect(peer) };
      default: {
        const never: never = a;
        throw new Error(`unknown channel action ${(never as { type: string }).type}`);
      }
    }
  }

  private emitEffect(entry: Entry, event: ChannelUiEvent): EffectAction {
    return {
      kind: 'effect',
      describe: `emit ${event.type}`,
      dependsOnPersist: false,
      run: () => this.notify({ type: 'channel', channel: this.info(entry), event: plainEvent(event) }),
    };
  }

  /** Ask the wallet for the funding tx and feed the answer back to the channel. */
  private async fund(entry: Entry, scriptPubKey: Uint8Array, valueSat: bigint): Promise<void> {
    let event: ChannelEvent;
    try {
      const fee = this.opts.fundingFee ?? {};
      const tx = await this.opts.wallet.fundChannel({ scriptPubKey, valueSat, ...fee });
      event = { type: 'funding-tx-built', rawTx: tx.rawTx, outputIndex: tx.fundingOutputIndex };
    } catch (err) {
      event = { type: 'funding-tx-failed', reason: errorMessage(err) };
    }
    this.dispatch(entry, event);
  }

  /** Publish one of our transactions; started, not awaited (errors are logged, the next tip retries). */
  private publish(entry: Entry, txid: string, rawTx: Uint8Array, wallet: boolean): void {
    const send = wallet ? this.opts.wallet.broadcast(rawTx) : this.opts.chain.broadcast(rawTx);
    send.then(
      () => this.logger.log('info', 'broadcast', { scope: entry.scope, txid }),
      (err: unknown) => this.logger.log('warn', 'broadcast failed; retried on the next tip', { scope: entry.scope, txid, error: errorMessage(err) }),
    );
  }

  /**
   * After loading: watch again what the state waits for (the funding tx; a mutual close tx), and
   * keep publishing our own unconfirmed transactions (their states are in the store: safe).
   */
  private resume(entry: Entry): void {
    const s = entry.state;
    const closingTx = 'closingTx' in s && s.closingTx instanceof Uint8Array ? s.closingTx : undefined;
    if (closingTx) {
      const txid = txidOfRaw(closingTx);
      entry.watches.set(txid, { txid, depth: 1, state: s.type });
      entry.broadcasts.set(txid, { raw: closingTx, wallet: false });
    }
    if (s.type === 'force-closing') entry.broadcasts.set(txidOfRaw(s.commitmentTx), { raw: s.commitmentTx, wallet: false });
    if (s.type !== 'wait-for-funding-confirmed') return;
    const fundingTxid = displayTxid(s.commitments.fundingOutpoint.txid);
    entry.watches.set(fundingTxid, { txid: fundingTxid, depth: s.minimumDepth, state: s.type });
    // The snapshot holding the peer's signature is in the store: publishing is safe. The first
    // `onTip` (end of `start`) publishes it unless it is already confirmed.
    if (s.fundingTx) entry.broadcasts.set(displayTxid(s.commitments.fundingOutpoint.txid), { raw: s.fundingTx, wallet: true });
  }

  private onFrozen(scope: string, reason: string): void {
    const entry = this.entries.find((e) => e.scope === scope);
    if (!entry || entry.frozen) return;
    entry.frozen = reason;
    entry.watches.clear();
    this.notify({ type: 'frozen', channel: this.info(entry), reason });
  }

  // ---- the chain ----------------------------------------------------------------------------------

  private async tipOnce(): Promise<void> {
    const chain = this.opts.chain;
    let tip: ChainTip;
    try {
      tip = await chain.tip();
    } catch (err) {
      this.logger.log('warn', 'could not read the chain tip', { error: errorMessage(err) });
      return;
    }
    const changed = !this.tip || this.tip.hash !== tip.hash;
    this.tip = tip;
    if (changed && typeof this.opts.feeratePerKw !== 'function' && this.opts.feeratePerKw === undefined && chain.feeEstimates) {
      try {
        const est = await chain.feeEstimates();
        const satVb = est.get(6) ?? [...est.entries()].sort((a, b) => a[0] - b[0]).find(([t]) => t >= 6)?.[1];
        if (satVb !== undefined) this.estimatePerKw = Math.max(MIN_FEERATE_PER_KW, Math.floor(satVb * 250));
      } catch (err) {
        this.logger.log('debug', 'no fee estimates', { error: errorMessage(err) });
      }
    }

    await Promise.all(this.entries.map((e) => this.checkEntry(e, tip, changed)));
    if (changed) for (const e of this.entries) if (!e.frozen && !isTerminal(e.state)) this.dispatch(e, { type: 'tick' });
    // As funder, follow our estimate (thresholds: engine/channel AUTO_FEE_*; never mid-dance).
    for (const e of changed ? this.entries : []) {
      const rate = !e.frozen && this.isConnected(e.peer) ? autoFeeUpdate(e.state, this.feerate()) : undefined;
      if (rate !== undefined) this.dispatch(e, { type: 'update-fee', feeratePerKw: rate });
    }
  }

  private async checkEntry(entry: Entry, tip: ChainTip, tipChanged: boolean): Promise<void> {
    if (entry.frozen) return;
    // Re-publish what has not confirmed yet (once per new tip).
    for (const [txid, b] of tipChanged ? [...entry.broadcasts] : []) {
      try {
        const st = await this.opts.chain.txStatus(txid);
        if (st.confirmed) entry.broadcasts.delete(txid);
        else this.publish(entry, txid, b.raw, b.wallet);
      } catch (err) {
        this.logger.log('debug', 'status check failed', { txid, error: errorMessage(err) });
      }
    }
    for (const w of [...entry.watches.values()]) await this.checkWatch(entry, w, tip);
  }

  private async checkWatch(entry: Entry, w: Watch, tip: ChainTip): Promise<void> {
    if (w.checkedAt === tip.hash) return;
    w.checkedAt = tip.hash;
    try {
      const st = await this.opts.chain.txStatus(w.txid);
      if (!st.confirmed) {
        w.proven = undefined;
        return;
      }
      if (!w.proven || w.proven.blockHash !== st.blockHash) w.proven = await this.prove(w.txid, st.blockHash, st.blockHeight);
      const depth = tip.height - w.proven.blockHeight + 1;
      if (depth < 1) return;
      if (entry.watches.get(w.txid) !== w || entry.frozen) return;
      this.dispatch(entry, { type: 'funding-confirmed', rawTx: w.proven.rawTx, depth, blockHeight: w.proven.blockHeight, txIndex: w.proven.pos });
    } catch (err) {
      w.checkedAt = undefined;
      this.logger.log('warn', 'confirmation check failed; retried on the next tip', { scope: entry.scope, txid: w.txid, error: errorMessage(err) });
    }
  }

  /** The tx's position in its block, proven by its merkle branch against the block header. */
  private async prove(txid: string, blockHash: string, blockHeight: number): Promise<NonNullable<Watch['proven']>> {
    const chain = this.opts.chain;
    const [proof, header, rawTx] = await Promise.all([chain.merkleProof(txid), chain.blockHeader(blockHash), chain.transaction(txid)]);
    if (proof.blockHeight !== blockHeight) throw new Error(`merkle proof is for height ${proof.blockHeight}, the status says ${blockHeight}`);
    const problem = merkleProblem(txid, proof.merkle, proof.pos, parseHeader(header).merkleRoot);
    if (problem) throw new Error(`${problem} of block ${blockHash}`);
    return { blockHash, blockHeight, pos: proof.pos, rawTx };
  }

  // ---- DTOs ---------------------------------------------------------------------------------------

  private info(entry: Entry): ChannelInfo {
    const s = entry.state;
    const ids = idsOf(s);
    const channelId = bytesToHex(ids.id ?? ids.temp ?? new Uint8Array(0));
    const base = {
      localId: entry.index,
      channelId,
      ...(ids.temp && ids.id ? { temporaryChannelId: bytesToHex(ids.temp) } : {}),
      peer: entry.peer,
      state: s.type,
      ...(entry.frozen ? { frozen: entry.frozen } : {}),
    };
    const connected = entry.peer !== '' && this.isConnected(entry.peer);
    switch (s.type) {
      case 'idle':
      case 'wait-for-open-channel':
        return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false };
      case 'aborted':
        return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false, reason: s.reason };
      case 'wait-for-accept-channel':
      case 'wait-for-funding-internal':
      case 'wait-for-funding-created':
      case 'wait-for-funding-signed': {
        const o = s.type === 'wait-for-accept-channel' ? s.opening : s.negotiated;
        const isFunder = s.type !== 'wait-for-funding-created';
        const funderMsat = o.fundingSat * 1000n - o.pushMsat;
        return {
          ...base,
          type: o.channelType,
          isFunder,
          capacitySat: o.fundingSat,
          localMsat: isFunder ? funderMsat : o.pushMsat,
          remoteMsat: isFunder ? o.pushMsat : funderMsat,
          usable: false,
          ...(s.type !== 'wait-for-accept-channel' ? { minimumDepth: s.negotiated.minimumDepth } : {}),
          ...(s.type === 'wait-for-funding-signed' ? { fundingTxid: displayTxid(s.fundingOutpoint.txid), fundingOutputIndex: s.fundingOutpoint.index } : {}),
        };
      }
      default: {
        if (!('commitments' in s)) return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false };
        const c = s.commitments;
        return {
          ...base,
          type: c.channelType,
          isFunder: c.isFunder,
          capacitySat: c.fundingSat,
          localMsat: c.localCommit.spec.toLocalMsat,
          remoteMsat: c.localCommit.spec.toRemoteMsat,
          usable: s.type === 'normal' && !s.syncing && connected && !entry.frozen,
          fundingTxid: displayTxid(c.fundingOutpoint.txid),
          fundingOutputIndex: c.fundingOutpoint.index,
          ...(s.type === 'wait-for-funding-confirmed' ? { minimumDepth: s.minimumDepth } : {}),
          ...('shortChannelId' in s && typeof s.shortChannelId === 'bigint' ? { shortChannelId: formatShortChannelId(s.shortChannelId) } : {}),
          ...(s.type === 'force-closing' ? { reason: s.reason } : {}),
        };
      }
    }
  }

  private notify(e: ChannelManagerEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.logger.log('error', 'channel listener threw', { error: errorMessage(err) });
      }
    }
  }
}
