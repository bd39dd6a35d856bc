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
 * The chain side (tip, watches, proofs, re-publishing, resume after load) is ChannelChainTracker
 * in engine/node/channel-chain.ts; the ChannelInfo of a channel is built in channel-info.ts; the
 * HTLC side the PaymentManager uses (`payments`: add/fulfill/fail commands, HTLC events, what each
 * channel can send and receive) is channel-htlcs.ts; this file keeps routing and commands.
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
 * Peers, errors, closing:
 *   - A peer `error`/`warning` (PeerManager `remote-error`) goes, as a `message` event, to the
 *     channel it names (channel_id, or the temporary id while establishing); an all-zero
 *     channel_id concerns every channel with that peer (BOLT 1). What follows is the reducer's
 *     (states/common.ts table: an establishment aborts, a funded channel force-closes,
 *     `wait-for-remote-publish` never broadcasts). An error naming no channel of ours changes nothing.
 *   - `connected` → `peer-connected` to every channel of that peer (the reducer sends
 *     channel_reestablish for funded ones); also at `start` for peers already connected.
 *   - `close(id)`: cooperative (a fresh wallet script, `shutdown` → closing_signed negotiation;
 *     resolves once the mutual close tx is broadcast) or `force` (our commitment). A peer's own
 *     `shutdown` is answered with a wallet script fetched ahead (`ctx.shutdownScriptPubKey`).
 *   - An `error` answering our anchors_zero_fee_htlc_tx `open_channel` (before accept_channel)
 *     opens the channel once more as static_remotekey under a new temporary id (`open-retried`).
 */
import {
  type ChannelAction,
  type ChannelConfig,
  type ChannelContext,
  type ChannelEvent,
  type ChannelState,
  type ChannelType,
  type ChannelUiEvent,
  type OpenCommand,
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
import type { ChannelKeys } from '../keys/keychain.ts';
import type { Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { chainHash } from '../wire/chains.ts';
import type { Message } from '../wire/message.ts';
import { asciiBytes } from '../wire/messages/setup.ts';
import { PersistenceBarrier, type BarrierAction } from './executor.ts';
import type { PeerEvent } from './peer-manager.ts';
import {
  CHANNEL_INDEX_KEY,
  CHANNEL_KEY_PREFIX,
  type ChannelInfo,
  type ChannelManagerEvent,
  type ChannelManagerOptions,
  type CloseOptions,
  type CloseResult,
  type OpenOptions,
} from './channel-ports.ts';
import { decodeIndex, describeAction, displayTxid, encodeIndex, idsOf, indexOf, isOpening, isTerminal, peerOf, plainEvent, stepPaysTo } from './channel-inspect.ts';
import { ChannelChainTracker, type Entry } from './channel-chain.ts';
import { ChannelCloser, rejectionOf } from './channel-close.ts';
import { channelInfo } from './channel-info.ts';
import { retryStaticRemoteKey } from './channel-open-retry.ts';
import { ChannelHtlcs, isUsable } from './channel-htlcs.ts';
import { isPersistRevoked, persistRevokedWrite } from './channel-watches.ts';
import type { PaymentChannels } from './payments/ports.ts';

export { CHANNEL_INDEX_KEY, CHANNEL_KEY_PREFIX } from './channel-ports.ts';
export type {
  ChannelChain,
  ChannelInfo,
  ChannelKeySource,
  ChannelManagerEvent,
  ChannelManagerOptions,
  ChannelMerkleProof,
  ChannelPeers,
  ChannelWallet,
  CloseOptions,
  CloseResult,
  OpenOptions,
  PlainUiEvent,
} from './channel-ports.ts';
export { formatShortChannelId } from './channel-inspect.ts';
export { ChannelChainTracker } from './channel-chain.ts';
export { CLOSE_TIMEOUT_MS } from './channel-close.ts';

/** Barrier scope for node-wide records. */
const NODE_SCOPE = 'node';
const ALL_CHANNELS = new Uint8Array(32);
/** BIP 32 non-hardened child indexes: channelKeys(n) needs n < 2^31. */
const MAX_CHANNEL_INDEX = 2 ** 31 - 1;
/** Channels a peer may have in establishment with us at once (LDK allows 4 unfunded per peer). */
export const MAX_PENDING_INBOUND_PER_PEER = 4;
/** Aborted establishments (never persisted) kept in memory for `list()`, newest first. */
const KEEP_ABORTED = 20;
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
  private readonly chainSide: ChannelChainTracker;
  private unsubscribe: (() => void) | undefined;
  private readonly closer: ChannelCloser;
  private readonly keyCache = new Map<number, ChannelKeys>();
  /** A fresh wallet script for the next peer-initiated close (fetched ahead: the reducer is synchronous). */
  private spareShutdownScript: Uint8Array | undefined;
  private spareFetch: Promise<void> | undefined;
  private started = false;
  private readonly htlcSide: ChannelHtlcs;

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
        crashHook: opts.crashHook,
        onFrozen: (scope, reason) => this.onFrozen(scope, reason),
      });
    this.closer = new ChannelCloser({
      clock: opts.clock,
      wallet: opts.wallet,
      dispatch: (entry, event) => this.dispatch(entry, event),
      isConnected: (peer) => this.isConnected(peer),
    });
    this.chainSide = new ChannelChainTracker(
      { chain: opts.chain, wallet: opts.wallet, keys: opts.keys, logger: this.logger, loadRecord: (key) => opts.store.get(key), ...(opts.feeratePerKw !== undefined ? { feeratePerKw: opts.feeratePerKw } : {}) },
      { entries: this.entries, dispatch: (entry, event) => this.dispatch(entry, event), afterNewTip: () => this.followFeeEstimate() },
    );
    this.htlcSide = new ChannelHtlcs({
      entries: this.entries,
      logger: this.logger,
      dispatch: (entry, event) => this.dispatch(entry, event),
      isConnected: (peer) => this.isConnected(peer),
      tipHeight: () => this.tipHeight,
      idle: () => this.idle(),
    });
  }

  /** The HTLC side of the channels, for the PaymentManager (channel-htlcs.ts). */
  get payments(): PaymentChannels {
    return this.htlcSide;
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
      let state: ChannelState;
      try {
        const bytes = await store.get(key); // a damaged record: CorruptRecordError naming it
        if (!bytes) continue;
        state = decodeChannelState(bytes);
      } catch (err) {
        // Never guess: that channel is frozen (never loaded, signed for, or written over); the rest start.
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
      this.chainSide.resume(entry);
    }
    this.nextIndex = next;
    this.started = true;
    this.unsubscribe = this.opts.peers.subscribe((e) => this.onPeerEvent(e));
    await this.fetchSpareShutdownScript();
    // Peers connected before we listened: reestablish with them now.
    for (const p of this.opts.peers.peers()) for (const entry of this.ofPeer(p.nodeId)) if (!isTerminal(entry.state)) this.dispatch(entry, { type: 'peer-connected' });
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
    return this.chainSide.tip?.height ?? -1;
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
    const command: OpenCommand = {
      type: 'open',
      peerNodeId: hexToBytes(peer),
      fundingSat: opts.fundingSat,
      pushMsat: opts.pushMsat ?? 0n,
      channelType: opts.channelType ?? this.defaultChannelType(peer),
      feeratePerKw: opts.feeratePerKw ?? this.feerate(),
      ...(opts.announceChannel !== undefined ? { announceChannel: opts.announceChannel } : {}),
    };
    entry.retryAsStaticRemoteKey = command.channelType === 'anchors_zero_fee_htlc_tx';
    const t = this.dispatch(entry, command);
    const rejected = t ? rejectionOf(t) : 'channel could not be created';
    if (rejected) {
      this.entries.splice(this.entries.indexOf(entry), 1);
      throw new ValidationError('open', rejected);
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
   * Close a channel (by channel_id or temporary id, hex).
   *
   * Cooperative (default): the channel must be `normal` and its peer connected. Sends `shutdown`
   * paying our balance to `opts.scriptPubKey` or a fresh wallet script, negotiates the fee
   * (closing_signed) and resolves with the mutual close txid once that transaction is signed by
   * both, persisted and broadcast (state `closing`; it reaches `closed` at 6 confirmations).
   * `force`: broadcasts our latest commitment (BOLT 5) and resolves with its txid once the
   * `force-closing` state is durable and the broadcast started.
   *
   * Rejects with a ValidationError naming the problem: no such channel, the command refused in
   * the channel's state, the negotiation failed, or no agreement within CLOSE_TIMEOUT_MS.
   */
  async close(channelId: string, opts: CloseOptions = {}): Promise<CloseResult> {
    if (typeof channelId !== 'string' || !/^[0-9a-fA-F]{64}$/.test(channelId)) throw new ValidationError('channelId', 'expected a 32-byte channel id in hex');
    const entry = this.find(channelId);
    if (!entry) throw new ValidationError('channelId', `no channel ${channelId.toLowerCase()}`);
    if (entry.frozen) throw new ValidationError('channelId', `channel is frozen (store failure): ${entry.frozen}`);
    if (opts.scriptPubKey !== undefined && !(opts.scriptPubKey instanceof Uint8Array)) throw new ValidationError('scriptPubKey', 'expected bytes');
    return opts.force ? this.closer.force(entry) : this.closer.mutual(entry, opts.scriptPubKey);
  }

  /**
   * A new block may be there: read the tip, re-check watched funding transactions (proven by a
   * merkle branch, which gives the tx index for the short_channel_id), re-publish our
   * unconfirmed broadcasts, and give every channel a `tick`. Calls overlapping a running one
   * coalesce into one more run. Never rejects (chain errors are logged; the next call retries).
   */
  onTip(): Promise<void> {
    return this.chainSide.onTip();
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
          this.onRemoteError(e.nodeId, e.kind, e.text, e.channelId);
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
   * A peer `error`/`warning` (BOLT 1): to the channel it names (live channels first, by channel_id
   * or temporary id), or with an all-zero channel_id to every channel with the peer. The reducer
   * decides what it means for each (states/common.ts). Naming no channel of ours: reported only.
   */
  private onRemoteError(peer: string, kind: 'error' | 'warning', text: string, channelIdHex: string): void {
    const id = /^[0-9a-fA-F]{64}$/.test(channelIdHex) ? hexToBytes(channelIdHex.toLowerCase()) : ALL_CHANNELS;
    this.notify({ type: 'peer-error', peer, kind, text, channelId: bytesToHex(id) });
    const data = asciiBytes(text.slice(0, 500));
    const message: Message = kind === 'error' ? { type: 'error', channelId: id, data } : { type: 'warning', channelId: id, data };
    if (equalBytes(id, ALL_CHANNELS)) {
      // A warning for every channel says nothing to any of them (the event above reports it).
      if (kind === 'error') for (const entry of this.ofPeer(peer)) if (!isTerminal(entry.state)) this.dispatch(entry, { type: 'message', message });
      return;
    }
    const entry = this.byId(this.ofPeer(peer), id);
    if (!entry) return this.unknownChannel(peer, kind, id);
    this.dispatch(entry, { type: 'message', message });
  }

  /** The channel `id` names among `entries`: live ones first, by channel_id, then temporary id. */
  private byId(entries: readonly Entry[], id: Uint8Array): Entry | undefined {
    const live = entries.filter((e) => !isTerminal(e.state));
    for (const set of [live, entries]) {
      const e = set.find((x) => idsOf(x.state).id !== undefined && equalBytes(idsOf(x.state).id!, id)) ?? set.find((x) => idsOf(x.state).temp !== undefined && equalBytes(idsOf(x.state).temp!, id));
      if (e) return e;
    }
    return undefined;
  }

  /** A channel by its hex id (any peer). */
  private find(channelId: string): Entry | undefined {
    return this.byId(this.entries, hexToBytes(channelId.toLowerCase()));
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

  private ctx(entry: Entry): ChannelContext {
    const features = entry.peer ? this.opts.peers.peers().find((p) => p.nodeId === entry.peer)?.features : undefined;
    const spare = this.spareShutdownScript;
    const sweep = this.opts.sweepScriptPubKey?.() ?? spare;
    return {
      ...(spare ? { shutdownScriptPubKey: spare } : {}),
      ...(sweep ? { sweepScriptPubKey: sweep } : {}),
      // We offer option_shutdown_anysegwit (GLINT_INIT_FEATURES): negotiated when the peer's init has it.
      ...(features ? { shutdownAnySegwit: features['option_shutdown_anysegwit'] !== undefined } : {}),
      ...(entry.peer && this.opts.trustedPeers?.().has(entry.peer.toLowerCase()) ? { zeroConfPeer: true } : {}),
      chainHash: this.chainHash,
      config: this.config,
      blockHeight: Math.max(0, this.chainSide.tip?.height ?? 0),
      nowSec: Math.floor(this.opts.clock.now() / 1000),
      feeratePerKw: this.feerate(),
      ...(this.chainSide.feeEstimates ? { feeEstimates: this.chainSide.feeEstimates } : {}),
      channelKeys: (i) => this.keysOf(i),
      randomBytes: (n) => this.opts.entropy.randomBytes(n),
    };
  }

  /**
   * A channel's keys, derived once (BIP 32 + 5 public keys cost ~10 ms in pure JS, and every
   * reducer step asks). Kept for the manager's life, like the keychain holding the seed.
   */
  private keysOf(index: number): ChannelKeys {
    let keys = this.keyCache.get(index);
    if (!keys) {
      keys = this.opts.keys.channelKeys(index);
      this.keyCache.set(index, keys);
    }
    return keys;
  }

  /** As funder, follow our estimate (thresholds: engine/channel AUTO_FEE_*; never mid-dance). */
  private followFeeEstimate(): void {
    for (const e of this.entries) {
      const rate = !e.frozen && this.isConnected(e.peer) ? autoFeeUpdate(e.state, this.feerate()) : undefined;
      if (rate !== undefined) this.dispatch(e, { type: 'update-fee', feeratePerKw: rate });
    }
  }

  private feerate(): number {
    const f = this.opts.feeratePerKw;
    const v = typeof f === 'function' ? f() : this.chainSide.estimatePerKw;
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
    const t = reduce(before, event, this.ctx(entry));

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

    const wasUsable = isUsable(before, this.isConnected(entry.peer), false);
    entry.state = t.state;
    const batch: BarrierAction[] = [];
    for (const a of t.actions) {
      if (a.type === 'persist') {
        const key = `${CHANNEL_KEY_PREFIX}${bytesToHex(a.channelId)}`;
        entry.key = key;
        this.keyOwners.set(key, entry);
        batch.push({ kind: 'persist', key, value: a.snapshot });
      } else if (isPersistRevoked(a)) batch.push(persistRevokedWrite(a));
      else batch.push(this.effect(entry, a));
    }
    this.chainSide.keepZeroConfWatch(entry);
    this.chainSide.afterStep(entry);
    for (const [txid, w] of entry.watches) if (w.state !== t.state.type) entry.watches.delete(txid);
    if (!wasUsable && isUsable(t.state, this.isConnected(entry.peer), false)) {
      const usable = (): void => (this.htlcSide.becameUsable(entry), this.notify({ type: 'channel-usable', channel: this.info(entry) }));
      batch.push({ kind: 'effect', describe: 'channel usable', dependsOnPersist: false, run: usable });
    }
    this.submit(entry, batch);
    this.afterStep(entry, before, event, t);
    return t;
  }

  /**
   * Follow-ups of a step: refill the spare wallet script once a close or a claim pays to it, so
   * every payout lands on a fresh receive address (the wallet's quick sync watches handed-out
   * addresses until they are used, not after); retry a refused anchors open.
   */
  private afterStep(entry: Entry, before: ChannelState, event: ChannelEvent, t: Transition): void {
    const spare = this.spareShutdownScript;
    if (spare && stepPaysTo(before, t, spare)) {
      // Kept until the fresh one arrives: a second close meanwhile reuses this address rather
      // than fall back to a script the on-chain wallet does not watch.
      void this.fetchSpareShutdownScript();
    }
    if (
      entry.retryAsStaticRemoteKey &&
      before.type === 'wait-for-accept-channel' &&
      before.opening.channelType === 'anchors_zero_fee_htlc_tx' &&
      t.state.type === 'aborted' &&
      event.type === 'message' &&
      event.message.type === 'error'
    ) {
      entry.retryAsStaticRemoteKey = false;
      retryStaticRemoteKey(
        { logger: this.logger, entries: this.entries, isConnected: (p) => this.isConnected(p), newEntry: (p, m) => this.newEntry(p, m), dispatch: (x, ev) => this.dispatch(x, ev), info: (x) => this.info(x), notify: (ev) => this.notify(ev) },
        entry,
        before.opening,
        t.state.reason,
      );
    }
  }

  /** Fetch the next fresh wallet script for a peer-initiated close (errors: logged; the reducer then falls back to our payment basepoint). */
  private fetchSpareShutdownScript(): Promise<void> {
    if (this.spareFetch) return this.spareFetch;
    const run = (async () => {
      try {
        const script = await this.opts.wallet.shutdownScript();
        if (!(script instanceof Uint8Array) || script.length === 0) throw new Error('the wallet returned no script');
        this.spareShutdownScript = script.slice();
      } catch (err) {
        this.logger.log('warn', 'no wallet script for peer-initiated closes', { error: errorMessage(err) });
      } finally {
        this.spareFetch = undefined;
      }
    })();
    this.spareFetch = run;
    return run;
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
          if (this.barrier.isFrozen(entry.scope)) this.onFrozen(entry.scope, this.barrier.frozenReason(entry.scope) ?? r.reason ?? r.status); // also when the barrier is shared (its onFrozen is not ours)
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
          run: () => this.chainSide.broadcast(entry, a.rawTx, displayTxid(a.txid), a.kind === 'funding' || a.wallet === true),
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
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => this.chainSide.watch(entry, displayTxid(a.txid), a.depth) };
      case 'watch-spend':
      case 'request-cpfp':
      case 'request-htlc-tx-fee':
      case 'request-claim-bump':
      case 'request-htlc-tx-cpfp':
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => this.chainSide.onchain(entry, a) };
      case 'watch-output-spend':
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => this.chainSide.watchOutput(entry, a) };
      case 'persist-revoked':
        // Written by the batch itself (dispatch: persistRevokedWrite); never an effect.
        return { kind: 'effect', describe, dependsOnPersist: true, run: () => undefined };
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
      run: () => {
        this.htlcSide.onEmit(entry, event);
        this.notify({ type: 'channel', channel: this.info(entry), event: plainEvent(event) });
        this.closer.progress(entry, event);
      },
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

  private onFrozen(scope: string, reason: string): void {
    const entry = this.entries.find((e) => e.scope === scope);
    if (!entry || entry.frozen) return;
    entry.frozen = reason;
    entry.watches.clear();
    this.notify({ type: 'frozen', channel: this.info(entry), reason });
    this.closer.frozen(entry, reason);
  }

  private info(entry: Entry): ChannelInfo {
    return channelInfo(entry, entry.peer !== '' && this.isConnected(entry.peer), { channelKeys: (i) => this.keysOf(i) });
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
