/**
 * `LdkNode`: one real LDK Lightning node (npm `lightningdevkit`, WASM) on real TCP sockets, used
 * as the counterparty in interop tests and as a peer in the playground.
 *
 * LDK does nothing unless poked, so the node runs a pump: process_pending_events on the
 * ChannelManager and the ChainMonitor, then PeerManager.process_events() to flush what they
 * queued. It runs right after every socket read (so latency is not bound to a timer), after
 * every `run(...)` API call, and on a 20 ms safety timer; `timer_tick_occurred` runs every 10 s.
 *
 * Events are collected while LDK is inside `process_pending_events` and handed to `onEvent`
 * listeners after it returns, so listeners may call LDK freely. The first listener is the node's
 * `payments` (payments.ts): it forwards HTLCs and claims payments the moment LDK asks, so payments
 * never wait for the timer.
 */
import { connect as tcpConnect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { BestBlock, BroadcasterInterface, ChainMonitor, ChannelManager, Event, EventHandler, EventsProvider, FeeEstimator, KeysManager, Logger, MessageRouter, NetworkGraph, PeerManager, Router, UserConfig } from 'lightningdevkit';
import { buildUserConfig } from './config.ts';
import type { LdkNodeConfig } from './config.ts';
import { initFeatureBits, isNoOverride, wrapChannelMessageHandler } from './features.ts';
import type { FeatureOverrides } from './features.ts';
import { LogBuffer } from './log.ts';
import { LdkPeerSocket } from './net.ts';
import { LdkPayments } from './payments.ts';
import type { LdkStateSink } from './node-files.ts';
import { monitorSnapshot } from './stale-monitor.ts';
import type { LdkChannelBalance, LdkClaimedPayment, LdkInvoiceOptions, LdkPayOptions, LdkPaymentSent } from './payments.ts';
import type { PeerSocketHost } from './net.ts';
import { isLdkPanic, loadLdk } from './wasm.ts';
import type { Ldk } from './wasm.ts';

export interface LdkNodeOptions {
  /** 32-byte KeysManager seed; random when absent. The same seed gives the same node id. */
  seed?: Uint8Array;
  network: 'regtest';
  /** Name used in log echo and error messages; default `ldk-<first 8 hex of node id>`. */
  alias?: string;
  config?: LdkNodeConfig;
  /** Change the init features this node advertises (see features.ts). */
  features?: FeatureOverrides;
  /** What the FeeEstimator answers for every target (default 253 sat/kw, the floor). */
  feerateSatPerKw?: number;
  /** Chain tip the node starts at (block hash in LDK's byte order); default the regtest genesis. */
  bestBlock?: { hash: Uint8Array; height: number };
  /** Echo log lines: true → console.error, or a function. Default: env `LDK_LOG=1`. */
  logTo?: boolean | ((line: string) => void);
  /** Log lines kept in `logs` (default 5000). */
  maxLogLines?: number;
  /**
   * Restart from persisted state (`persistedState()` of an earlier node with the same `seed`): the
   * ChannelManager is deserialized with its ChannelMonitors, which the ChainMonitor watches again,
   * instead of a new, empty ChannelManager (`bestBlock` is then the manager's own).
   */
  restore?: LdkPersistedState;
  /**
   * Write the node's state as LDK hands it over (node-files.ts): every ChannelMonitor before the
   * Persist call returns `Completed` (a failed write returns `InProgress`, so the channel stops
   * rather than run ahead of its saved state), and the ChannelManager at creation, whenever LDK
   * says it needs persisting (after a pump), and at `stop()`.
   */
  persist?: LdkStateSink;
}

/** What an LDK node persists: the serialized ChannelManager and every ChannelMonitor. */
export interface LdkPersistedState {
  readonly channelManager: Uint8Array;
  readonly monitors: readonly Uint8Array[];
}

/** A connected peer, from PeerManager.list_peers(). */
export interface LdkPeerInfo {
  nodeId: Uint8Array;
  nodeIdHex: string;
  inbound: boolean;
  /** BOLT 9 bits the peer set in its init. */
  features: number[];
  /** The peer's address as we see it, when known. */
  address?: string;
}

interface Waiter {
  readonly check: () => boolean;
  readonly settle: (error?: Error) => void;
}

const PUMP_INTERVAL_MS = 20;
const TIMER_TICK_INTERVAL_MS = 10_000;
/** Bound on pump rounds in one go, in case event listeners keep generating events. */
const MAX_PUMP_ROUNDS = 100;

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export class LdkNode {
  readonly ldk: Ldk;
  readonly alias: string;
  /** 33-byte compressed public key. */
  readonly nodeId: Uint8Array;
  readonly nodeIdHex: string;
  readonly channelManager: ChannelManager;
  readonly chainMonitor: ChainMonitor;
  readonly peerManager: PeerManager;
  readonly keysManager: KeysManager;
  readonly networkGraph: NetworkGraph;
  /** The node's Logger and BroadcasterInterface, for LDK helpers built around it (bump.ts). */
  readonly logger: Logger;
  readonly broadcaster: BroadcasterInterface;
  /** Every transaction LDK asked to broadcast, oldest first. */
  readonly broadcasts: Uint8Array[] = [];
  /** Latest serialized ChannelMonitor per funding outpoint (`txid:vout`, txid in LDK byte order). */
  readonly monitors = new Map<string, Uint8Array>();
  /** Invoices, sends, claims and balances (payments.ts); the methods below are shortcuts to it. */
  readonly payments: LdkPayments;

  private readonly logBuffer: LogBuffer;
  private readonly eventSources: EventsProvider[];
  private readonly eventHandler: EventHandler;
  private readonly collectedEvents: Event[] = [];
  private readonly eventListeners = new Set<(event: Event) => void>();
  private readonly waiters = new Set<Waiter>();
  private readonly sockets = new Set<LdkPeerSocket>();
  private readonly servers = new Set<Server>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly socketHost: PeerSocketHost;
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  private feerate: number;
  private fatalError: Error | undefined;
  private readonly sink: LdkStateSink | undefined;

  /** Build a node (loads the WASM on first use). It starts pumping at once; call `stop()` at the end. */
  static async create(options: LdkNodeOptions): Promise<LdkNode> {
    return new LdkNode(await loadLdk(), options);
  }

  private constructor(ldk: Ldk, options: LdkNodeOptions) {
    if (options.network !== 'regtest') throw new Error(`unsupported network: ${String(options.network)}`);
    const seed = options.seed ?? new Uint8Array(randomBytes(32));
    if (seed.length !== 32) throw new Error(`seed must be 32 bytes, got ${seed.length}`);
    this.ldk = ldk;
    const echo = resolveEcho(options.logTo, () => this.alias);
    this.logBuffer = new LogBuffer(options.maxLogLines ?? 5000, echo);

    const network = ldk.Network.LDKNetwork_Regtest;
    const nowMs = Date.now();
    const nowSecs = Math.floor(nowMs / 1000);
    const logger = (this.logger = ldk.Logger.new_impl({ log: (record) => this.logBuffer.addRecord(ldk, record) }));
    this.feerate = options.feerateSatPerKw ?? 253;
    const feeEstimator = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: () => this.feerate });
    const broadcaster = (this.broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs) => void this.broadcasts.push(...txs),
    }));
    const completed = ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed;
    const inProgress = ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_InProgress;
    const monitorKey = (outpoint: { get_txid(): Uint8Array; get_index(): number }) => `${toHex(outpoint.get_txid())}:${outpoint.get_index()}`;
    this.sink = options.persist;
    /** Keep the monitor; with a sink, `Completed` only once it is on disk. */
    const keep = (key: string, bytes: Uint8Array) => {
      this.monitors.set(key, bytes);
      if (!this.sink) return completed;
      try {
        this.sink.writeMonitor(key, bytes);
        return completed;
      } catch (error) {
        this.logBuffer.add(`FATAL could not persist the ChannelMonitor ${key}: ${(error as Error).message}; its channel is paused`);
        return inProgress;
      }
    };
    const persister = ldk.Persist.new_impl({
      persist_new_channel: (outpoint, monitor) => keep(monitorKey(outpoint), monitor.write()),
      update_persisted_channel: (outpoint, _update, monitor) => keep(monitorKey(outpoint), monitor.write()),
      archive_persisted_channel: (outpoint) => {
        const key = monitorKey(outpoint);
        this.monitors.delete(key);
        try {
          this.sink?.archiveMonitor(key);
        } catch (error) {
          this.logBuffer.add(`could not archive the ChannelMonitor ${key}: ${(error as Error).message}`);
        }
      },
    });
    this.chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, logger, feeEstimator, persister);
    this.keysManager = ldk.KeysManager.constructor_new(seed, BigInt(nowSecs), (nowMs % 1000) * 1_000_000);
    const entropy = this.keysManager.as_EntropySource();
    this.networkGraph = ldk.NetworkGraph.constructor_new(network, logger);
    const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), this.networkGraph, logger);
    const score = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
    const router = ldk.DefaultRouter.constructor_new(this.networkGraph, logger, entropy, score.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
    const messageRouter = ldk.DefaultMessageRouter.constructor_new(this.networkGraph, entropy);
    const bestBlock: BestBlock = options.bestBlock
      ? ldk.BestBlock.constructor_new(options.bestBlock.hash, options.bestBlock.height)
      : ldk.BestBlock.constructor_from_network(network);
    this.channelManager = options.restore
      ? this.restoreChannelManager(options.restore, { feeEstimator, broadcaster, router: router.as_Router(), messageRouter: messageRouter.as_MessageRouter(), logger, config: buildUserConfig(ldk, options.config) })
      : ldk.ChannelManager.constructor_new(
          feeEstimator, this.chainMonitor.as_Watch(), broadcaster, router.as_Router(), messageRouter.as_MessageRouter(), logger,
          entropy, this.keysManager.as_NodeSigner(), this.keysManager.as_SignerProvider(), buildUserConfig(ldk, options.config),
          ldk.ChainParameters.constructor_new(network, bestBlock), nowSecs,
        );
    this.nodeId = this.channelManager.get_our_node_id();
    this.nodeIdHex = toHex(this.nodeId);
    this.alias = options.alias ?? `ldk-${this.nodeIdHex.slice(0, 8)}`;

    const realHandler = this.channelManager.as_ChannelMessageHandler();
    const channelHandler = isNoOverride(options.features)
      ? realHandler
      : wrapChannelMessageHandler(ldk, realHandler, this.channelManager.as_MessageSendEventsProvider(), options.features!);
    const ignorer = ldk.IgnoringMessageHandler.constructor_new();
    this.peerManager = ldk.PeerManager.constructor_new(
      channelHandler, ignorer.as_RoutingMessageHandler(), ignorer.as_OnionMessageHandler(), ignorer.as_CustomMessageHandler(),
      nowSecs, entropy.get_secure_random_bytes(), logger, this.keysManager.as_NodeSigner(),
    );

    this.eventSources = [this.channelManager.as_EventsProvider(), this.chainMonitor.as_EventsProvider()];
    this.eventHandler = ldk.EventHandler.new_impl({
      handle_event: (event) => (this.collectedEvents.push(event), ldk.Result_NoneReplayEventZ.constructor_ok()),
    });
    const node = this;
    this.socketHost = {
      ldk,
      peerManager: this.peerManager,
      get stopped() {
        return node.stopped || node.fatalError !== undefined;
      },
      pump: () => this.pump(),
      fail: (error) => this.fail(error),
      log: (line) => this.logBuffer.add(`NET ${line}`),
      onClosed: (socket) => void this.sockets.delete(socket),
    };
    // A fresh node's (empty) manager is on disk before any monitor, so a monitor never exists without one.
    this.sink?.writeManager(this.channelManager.write());
    this.payments = new LdkPayments(this);
    this.onEvent((event) => this.payments.handle(event));
    this.timers.push(
      setInterval(() => this.pump(), PUMP_INTERVAL_MS).unref(),
      setInterval(() => this.timerTick(), TIMER_TICK_INTERVAL_MS).unref(),
    );
  }

  /** Recent LDK log lines (`LEVEL module: text`), oldest first. */
  get logs(): string[] {
    return this.logBuffer.lines;
  }

  /** Accept peers on a TCP port (0 = any free port); resolves with the bound port. */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    this.assertUsable();
    const server = createServer({ noDelay: true }, (socket) => {
      if (this.socketHost.stopped) return void socket.destroy();
      this.sockets.add(LdkPeerSocket.accept(this.socketHost, socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => (server.off('error', reject), resolve()));
    });
    server.on('error', (error) => this.logBuffer.add(`NET listener ${host}:${port}: ${error.message}`));
    this.servers.add(server);
    return (server.address() as AddressInfo).port;
  }

  /**
   * Dial a peer. Resolves once the BOLT 8 handshake and the init exchange are done (the peer is in
   * list_peers); rejects if the connection closes first (e.g. the peer refused our features) or
   * after `timeoutMs`. Resolves at once if the peer is already connected.
   */
  async connect(pubkey: Uint8Array, host: string, port: number, timeoutMs = 10_000): Promise<void> {
    this.assertUsable();
    if (pubkey.length !== 33) throw new Error(`node id must be 33 bytes, got ${pubkey.length}`);
    const theirIdHex = toHex(pubkey);
    if (this.hasPeer(theirIdHex)) return;
    const remote = `${host}:${port}`;
    const peer = LdkPeerSocket.dial(this.socketHost, tcpConnect({ host, port, noDelay: true }), pubkey, remote);
    this.sockets.add(peer);
    const closedEarly = peer.closed.then(() => `connection closed before init completed (${peer.closeReason})`);
    try {
      await this.waitFor(`peer ${theirIdHex} at ${remote}`, () => this.hasPeer(theirIdHex), timeoutMs, closedEarly);
    } catch (error) {
      peer.destroy('connect failed');
      throw error;
    }
  }

  /** Disconnect a peer (LDK closes its sockets). */
  disconnect(pubkey: Uint8Array): void {
    this.run(() => this.peerManager.disconnect_by_node_id(pubkey));
  }

  /** Peers that completed the handshake and init exchange. */
  peers(): LdkPeerInfo[] {
    return this.peerManager.list_peers().map((details) => {
      const nodeId = details.get_counterparty_node_id();
      const address = details.get_socket_address();
      return {
        nodeId,
        nodeIdHex: toHex(nodeId),
        inbound: Boolean(details.get_is_inbound_connection()),
        features: initFeatureBits(details.get_init_features()),
        ...(address instanceof this.ldk.Option_SocketAddressZ_Some ? { address: address.some.to_str() } : {}),
      };
    });
  }

  hasPeer(nodeIdHex: string): boolean {
    return this.peers().some((peer) => peer.nodeIdHex === nodeIdHex);
  }

  /** Resolve once the peer is connected (handshake + init done). */
  waitForPeer(nodeIdHex: string, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(`peer ${nodeIdHex}`, () => this.hasPeer(nodeIdHex), timeoutMs);
  }

  /** Resolve once the peer is not connected. */
  waitForNoPeer(nodeIdHex: string, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(`peer ${nodeIdHex} to go away`, () => !this.hasPeer(nodeIdHex), timeoutMs);
  }

  /** Resolve with the first retained or future log line matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.logBuffer.waitFor(pattern, timeoutMs);
  }

  /** Listen to LDK events (ChannelManager and ChainMonitor). Returns an unsubscribe function. */
  onEvent(listener: (event: Event) => void): () => void {
    this.eventListeners.add(listener);
    return () => void this.eventListeners.delete(listener);
  }

  /** Resolve with the first future event matching `predicate`. */
  waitForEvent<E extends Event>(predicate: (event: Event) => event is E, timeoutMs?: number): Promise<E>;
  waitForEvent(predicate: (event: Event) => boolean, timeoutMs?: number): Promise<Event>;
  waitForEvent(predicate: (event: Event) => boolean, timeoutMs = 10_000): Promise<Event> {
    let found: Event | undefined;
    const unsubscribe = this.onEvent((event) => void (found ??= predicate(event) ? event : undefined));
    return this.waitFor('an LDK event', () => found !== undefined, timeoutMs)
      .then(() => found!)
      .finally(unsubscribe);
  }

  /** Call LDK (e.g. `node.run(() => node.channelManager.create_channel(...))`), then pump. */
  run<T>(action: () => T): T {
    this.assertUsable();
    let result: T;
    try {
      result = action();
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.pump();
    return result;
  }

  /** Process pending events and flush outgoing messages until LDK is quiet. Re-entrant calls coalesce. */
  pump(): void {
    if (this.stopped || this.fatalError) return;
    if (this.pumping) return void (this.pumpAgain = true);
    this.pumping = true;
    try {
      for (let round = 0; round < MAX_PUMP_ROUNDS; round++) {
        this.pumpAgain = false;
        for (const source of this.eventSources) source.process_pending_events(this.eventHandler);
        this.peerManager.process_events();
        const events = this.collectedEvents.splice(0);
        for (const event of events) for (const listener of [...this.eventListeners]) listener(event);
        if (!this.pumpAgain && events.length === 0) break;
      }
      if (this.sink && this.channelManager.get_and_clear_needs_persistence()) this.sink.writeManager(this.channelManager.write());
    } catch (error) {
      this.fail(error);
      throw error;
    } finally {
      this.pumping = false;
    }
    for (const waiter of [...this.waiters]) if (waiter.check()) waiter.settle();
  }

  /** Close every socket, listener and timer. Waits until all sockets have closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.sink && !this.fatalError) {
      try {
        this.sink.writeManager(this.channelManager.write());
      } catch (error) {
        this.logBuffer.add(`could not persist the ChannelManager at stop: ${(error as Error).message}`);
      }
    }
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    const stoppedError = new Error(`${this.alias}: stopped`);
    for (const waiter of [...this.waiters]) waiter.settle(stoppedError);
    this.payments.abort(stoppedError);
    this.logBuffer.abortWaits(stoppedError);
    const closing = [...this.sockets].map((socket) => (socket.destroy('node stopped'), socket.closed));
    const listening = [...this.servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    await Promise.all([...closing, ...listening]);
    this.servers.clear();
  }

  /** Wait until `check()` (run after every pump) holds; `abort` resolving with a reason rejects. */
  private waitFor(description: string, check: () => boolean, timeoutMs: number, abort?: Promise<string>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.fatalError) return reject(this.fatalError);
      if (this.stopped) return reject(new Error(`${this.alias}: stopped`));
      if (check()) return resolve();
      const timer = setTimeout(() => waiter.settle(this.describedError(`timed out after ${timeoutMs} ms waiting for ${description}`)), timeoutMs);
      const waiter: Waiter = {
        check,
        settle: (error) => {
          if (!this.waiters.delete(waiter)) return;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        },
      };
      this.waiters.add(waiter);
      void abort?.then((reason) => waiter.settle(this.describedError(`${description}: ${reason}`)));
    });
  }

  private describedError(message: string): Error {
    return new Error(`${this.alias}: ${message}\nlast LDK log lines:\n${this.logBuffer.tail(10)}`);
  }

  /** An LDK call threw. A Rust panic (`RuntimeError: unreachable`) leaves the WASM unusable. */
  private fail(error: unknown): void {
    if (this.fatalError) return;
    const panic = isLdkPanic(error);
    this.fatalError = new Error(
      `${this.alias}: ${panic ? 'LDK panicked (Rust panic; its message is on stderr); the WASM instance is unusable' : 'an LDK call threw'}: ${String(error)}`,
      { cause: error },
    );
    this.logBuffer.add(`FATAL ${this.fatalError.message}`);
    for (const waiter of [...this.waiters]) waiter.settle(this.fatalError);
    this.payments?.abort(this.fatalError);
    this.logBuffer.abortWaits(this.fatalError);
  }

  /** A BOLT 11 invoice of this node (LDK adds route hints for its private channels). */
  createInvoice(options?: LdkInvoiceOptions): string {
    return this.payments.createInvoice(options);
  }

  /** Pay a BOLT 11 invoice: resolves on PaymentSent; rejects with an LdkPaymentError carrying LDK's PaymentFailed reason. */
  payInvoice(bolt11: string, options?: LdkPayOptions): Promise<LdkPaymentSent> {
    return this.payments.payInvoice(bolt11, options);
  }

  /** Keysend `amountMsat` to a peer (send_spontaneous_payment with a fresh preimage). */
  keysend(payeeNodeId: Uint8Array, amountMsat: bigint): Promise<{ paymentHash: string; preimage: string }> {
    return this.payments.keysend(payeeNodeId, amountMsat);
  }

  /** Incoming payments this node claimed, oldest first. */
  claimed(): readonly LdkClaimedPayment[] {
    return this.payments.claimed;
  }

  /** Resolve once the payment with this hash (hex) was claimed here. */
  waitForClaimed(paymentHash: string, timeoutMs?: number): Promise<LdkClaimedPayment> {
    return this.payments.waitForClaimed(paymentHash, timeoutMs);
  }

  /** Fail back (incorrect_or_unknown_payment_details) every HTLC arriving for this hash (hex). */
  failHtlcsFor(paymentHash: string): void {
    this.payments.failHtlcsFor(paymentHash);
  }

  /** Every channel with its capacities and settled balance. */
  channelBalances(): LdkChannelBalance[] {
    return this.payments.channelBalances();
  }

  /** Resolve once no channel has a pending HTLC (the commitment dances after a payment are over). */
  waitForNoPendingHtlcs(timeoutMs = 10_000): Promise<void> {
    return this.waitFor('no pending HTLCs', () => this.payments.idle(), timeoutMs);
  }

  /**
   * Open a channel to a connected peer: create_channel, then on FundingGenerationReady
   * `fund(outputScript, valueSat)` returns the signed funding tx, handed to
   * funding_transaction_generated (LDK broadcasts it). Resolves with the tx once ChannelPending.
   */
  async openChannelTo(peer: Uint8Array, fundingSat: bigint, fund: (outputScript: Uint8Array, valueSat: bigint) => Uint8Array | Promise<Uint8Array>, options: { pushMsat?: bigint; userChannelId?: bigint } = {}): Promise<{ channelId: string; fundingTx: Uint8Array }> {
    const ldk = this.ldk;
    const peerHex = toHex(peer);
    const ready = this.waitForEvent((e: Event) => e instanceof ldk.Event_FundingGenerationReady && toHex(e.counterparty_node_id) === peerHex, 20_000);
    const created = this.run(() => this.channelManager.create_channel(peer, fundingSat, options.pushMsat ?? 0n, options.userChannelId ?? 7n, null, null));
    if (!(created instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) throw new Error(`${this.alias}: create_channel to ${peerHex} refused`);
    const event = (await ready) as import('lightningdevkit').Event_FundingGenerationReady;
    const fundingTx = await fund(event.output_script, event.channel_value_satoshis);
    const pending = this.waitForEvent((e: Event) => e instanceof ldk.Event_ChannelPending && toHex(e.counterparty_node_id) === peerHex, 20_000);
    const result = this.run(() => this.channelManager.funding_transaction_generated(event.temporary_channel_id, event.counterparty_node_id, fundingTx));
    if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new Error(`${this.alias}: funding_transaction_generated refused`);
    const channelPending = (await pending) as import('lightningdevkit').Event_ChannelPending;
    return { channelId: toHex(channelPending.channel_id.get_a()), fundingTx };
  }

  /** What this node has persisted now: its ChannelManager serialized, and the latest bytes of every ChannelMonitor. */
  persistedState(): LdkPersistedState {
    return { channelManager: this.run(() => this.channelManager.write()), monitors: [...this.monitors.values()].map((m) => Uint8Array.from(m)) };
  }

  /** Deserialize the monitors and the ChannelManager (LDK's restart: ChannelManagerReadArgs), and watch the monitors again. */
  private restoreChannelManager(
    state: LdkPersistedState,
    parts: { feeEstimator: FeeEstimator; broadcaster: BroadcasterInterface; router: Router; messageRouter: MessageRouter; logger: Logger; config: UserConfig },
  ): ChannelManager {
    const ldk = this.ldk;
    const entropy = this.keysManager.as_EntropySource();
    const monitors = state.monitors.map((bytes) => {
      const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(bytes, entropy, this.keysManager.as_SignerProvider());
      if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK)) throw new Error('LDK could not read a persisted ChannelMonitor (another seed?)');
      return read.res.get_b();
    });
    const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelManagerZ_read(
      state.channelManager, entropy, this.keysManager.as_NodeSigner(), this.keysManager.as_SignerProvider(), parts.feeEstimator,
      this.chainMonitor.as_Watch(), parts.broadcaster, parts.router, parts.messageRouter, parts.logger, parts.config, monitors,
    );
    if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_OK)) throw new Error('LDK could not read the persisted ChannelManager');
    for (const monitor of monitors) {
      const funding = monitor.get_funding_txo().get_a();
      const watched = this.chainMonitor.as_Watch().watch_channel(funding, monitor);
      if (!(watched instanceof ldk.Result_ChannelMonitorUpdateStatusNoneZ_OK)) throw new Error('the ChainMonitor refused a restored ChannelMonitor');
    }
    return read.res.get_b();
  }

  /** A copy of the serialized ChannelMonitor persisted for `fundingOutpoint` now (stale-monitor.ts). */
  monitorSnapshot(fundingOutpoint: string): Uint8Array {
    return monitorSnapshot(this, fundingOutpoint);
  }

  /** What the FeeEstimator answers now, for every target (sat per 1000 weight). */
  get feerateSatPerKw(): number {
    return this.feerate;
  }

  /**
   * Change what the FeeEstimator answers (every target) and run the ChannelManager's timer tick,
   * which is where LDK, as funder, sends update_fee for its channels (ChannelManager
   * `timer_tick_occurred` → `update_channel_fee`: raises, and decreases to less than half). The
   * PeerManager's tick (pings, disconnecting silent peers) is left to the 10 s timer.
   */
  setFeerate(perKw: number): void {
    if (!Number.isInteger(perKw) || perKw < 253) throw new Error(`feerate must be an integer >= 253 sat/kw, got ${perKw}`);
    this.feerate = perKw;
    this.run(() => this.channelManager.timer_tick_occurred());
  }

  /** LDK's periodic housekeeping (peer pings, channel fee updates, payment timeouts). */
  private timerTick(): void {
    if (this.socketHost.stopped) return;
    this.run(() => {
      this.channelManager.timer_tick_occurred();
      this.peerManager.timer_tick_occurred();
    });
  }

  private assertUsable(): void {
    if (this.fatalError) throw this.fatalError;
    if (this.stopped) throw new Error(`${this.alias}: stopped`);
  }
}

function resolveEcho(logTo: LdkNodeOptions['logTo'], alias: () => string): ((line: string) => void) | undefined {
  if (typeof logTo === 'function') return logTo;
  if (logTo ?? (process.env['LDK_LOG'] === '1')) return (line) => console.error(`[${alias()}] ${line}`);
  return undefined;
}
