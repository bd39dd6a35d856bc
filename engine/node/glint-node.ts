/**
 * `GlintNode`: one whole node, as the CLI (`glint run`, in-process commands) and the browser worker
 * host it. It composes
 *
 *   - an opened `WalletService` (the seed, the on-chain wallet, the encrypted store): the node
 *     key, the channel keys, the channel wallet (funding, broadcast, shutdown scripts);
 *   - a `PeerManager` with the wallet's node key, dialling through the environment's Dialer;
 *   - a `ChannelManager` persisting to the same encrypted store (its channel records only,
 *     `WalletService.channelStore()`) through its own persistence barrier;
 *   - a chain follower on the Clock port: every `pollIntervalMs` it reads the Esplora tip (one
 *     request when nothing changed); on a new tip it runs `ChannelManager.onTip()` and a quick
 *     wallet sync;
 *   - an address book (`node/peers`, peer-book.ts) so the peers of our channels are redialled
 *     (with backoff) after a restart.
 *
 * Lifecycle: `new GlintNode(opts)` → `start()` → … → `stop()`. `stop` is final (a new node is built
 * to run again); it does not close the wallet, whose owner closes it after `stop` resolves.
 * Nothing here returns a secret: channels come out as `ChannelInfo` (plain data), balances as
 * bigints.
 */
import type { ChainSource } from '../chain/source.ts';
import type { ChannelConfig, ChannelStateName } from '../channel/index.ts';
import type { ChannelType } from '../channel/bolt3/types.ts';
import { errorMessage, ValidationError } from '../lib/errors.ts';
import type { Clock, Dialer, Entropy, Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { parsePeerUri } from '../peer/address.ts';
import type { PeerSessionConfig } from '../peer/session.ts';
import { chainHash } from '../wire/chains.ts';
import type { NetworkName } from '../wire/chains.ts';
import type { Balance } from '../wallet/utxos.ts';
import { BackupExporter, type BackupSink, type SealedBackup, sealStoreBackup } from './backup-exporter.ts';
import { ChannelManager } from './channels.ts';
import type { ChannelChain, ChannelInfo, ChannelManagerEvent, ChannelWallet } from './channel-ports.ts';
import { txidOfRaw } from './channel-inspect.ts';
import { PeerBook } from './peer-book.ts';
import { TrustedPeers } from './trusted-peers.ts';
import { PeerManager, type PeerInfo } from './peer-manager.ts';
import { PaymentManager } from './payments/manager.ts';
import type { CrashHook } from './executor.ts';
import type { FeeEstimate, InvoiceOptions, PaymentRecord, PayOptions, PayResult } from './payments/types.ts';
import type { WalletService } from './wallet-service.ts';

/** Default chain poll cadence. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/** How long `open` waits for the peer to complete the funding flow (accept_channel … funding_signed). */
export const DEFAULT_OPEN_TIMEOUT_MS = 60_000;
/** How long a cooperative `close` waits for the peer to reconnect and the channel to be usable. */
export const DEFAULT_RECONNECT_WAIT_MS = 15_000;

/**
 * Channel states whose balance counts in `lightningMsat`: funded, and our money still in the
 * channel's latest commitment, not on its way to the chain. Excluded: establishment states
 * (nothing is funded), `closing` (the mutual close tx pays our wallet address, so the wallet
 * already counts it as unconfirmed), `force-closing` (our output is time-locked until swept to the
 * wallet), `wait-for-remote-publish` (the peer holds a newer state; we cannot claim from ours),
 * and the terminal `aborted` / `closed`.
 */
export const LIGHTNING_BALANCE_STATES: readonly ChannelStateName[] = Object.freeze([
  'wait-for-funding-confirmed',
  'wait-for-channel-ready',
  'normal',
  'shutting-down',
  'negotiating-closing',
] satisfies ChannelStateName[]);

/**
 * What the node reads from the chain (`EsploraClient` satisfies it). `tipHash` (one request)
 * keeps an idle poll at one request; without it a poll reads the whole tip.
 */
export type GlintChain = ChainSource & ChannelChain & { tipHash?(): Promise<string> };

export interface GlintNodeOptions {
  /** An opened wallet; the node does not close it. */
  readonly wallet: WalletService;
  readonly chain: GlintChain;
  readonly dialer: Dialer;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly logger?: Logger;
  /** Chain tip poll cadence (default 10 s); 0 disables the follower (tests drive `poll()`). */
  readonly pollIntervalMs?: number;
  /** Default WebSocket proxy for `host:port` peers (browser); per-call `proxy` wins. */
  readonly proxy?: string;
  /** Channel proposals and acceptance limits (ChannelManager default otherwise). */
  readonly channelConfig?: ChannelConfig;
  /** Commitment feerate (sat/kw) instead of the chain's 6-block estimate. */
  readonly feeratePerKw?: number;
  /** Funding transaction fee choice (default: the wallet's 6-block estimate). */
  readonly fundingFee?: { readonly feeRate?: number; readonly target?: number };
  /** Peer session overrides (ping cadence, timeouts). */
  readonly session?: Partial<PeerSessionConfig>;
  /** See DEFAULT_OPEN_TIMEOUT_MS. */
  readonly openTimeoutMs?: number;
  /** Accept keysend (spontaneous) payments (default true). */
  readonly acceptKeysend?: boolean;
  /**
   * Test-only: asked at every persistence point of the channel barrier; 'crash' kills the node
   * there (executor.ts `crashHook`; the crash-consistency suite, test/harness/crash-env.ts).
   */
  readonly crashHook?: CrashHook;
  /** Where the channel backup is re-exported at start and after every channel open or close (backup-exporter.ts). */
  readonly backupSink?: BackupSink;
}

export interface StartOptions {
  /** Redial the peers of our open channels (default true; off for one-shot reads like `glint channels`). */
  readonly connectPeers?: boolean;
}

export interface ConnectOptions {
  /** WebSocket proxy for this peer (default: the node's `proxy`). */
  readonly proxy?: string;
}

export interface OpenChannelOptions {
  readonly pushMsat?: bigint;
  /** Default: anchors when the peer offers them, else static_remotekey. */
  readonly channelType?: ChannelType;
  readonly proxy?: string;
}

export interface CloseChannelOptions {
  /** Broadcast our latest commitment instead of negotiating (funds come back after to_self_delay). */
  readonly force?: boolean;
}

/** The on-chain balance plus `lightningMsat`: our side of the channels in LIGHTNING_BALANCE_STATES. */
export interface GlintBalance extends Balance {
  readonly lightningMsat: bigint;
}

/** What `subscribe` listeners hear: channel events (ChannelManagerEvent), peer changes, new tips. */
export type GlintNodeEvent =
  | ChannelManagerEvent
  | { readonly type: 'peer-connected'; readonly peer: PeerInfo }
  | { readonly type: 'peer-disconnected'; readonly nodeId: string; readonly reason: string; readonly willReconnect: boolean }
  | { readonly type: 'tip'; readonly height: number; readonly hash: string }
  /** A payment changed (created, succeeded, failed; incoming: 'succeeded' once claimed). */
  | { readonly type: 'payment'; readonly payment: PaymentRecord };

interface OpenWaiter {
  /** The channel being opened; follows an `open-retried` (anchors refused → static_remotekey). */
  localId: number;
  readonly peer: string;
  readonly fundingSat: bigint;
  readonly resolve: (r: { channelId: string; fundingTxid: string }) => void;
  readonly reject: (e: Error) => void;
}

export class GlintNode {
  readonly nodeId: string;
  readonly network: NetworkName;
  private readonly opts: GlintNodeOptions;
  private readonly logger: Logger;
  private readonly wallet: WalletService;
  private readonly peerManager: PeerManager;
  private readonly channelManager: ChannelManager;
  private readonly book: PeerBook;
  private readonly trusted: TrustedPeers;
  private readonly listeners = new Set<(e: GlintNodeEvent) => void>();
  private readonly unsubscribes: (() => void)[] = [];
  /** Funding txids the wallet broadcast successfully, and the failures, for `open` waiters. */
  private readonly broadcastDone = new Set<string>();
  private readonly broadcastFailed = new Map<string, string>();
  private readonly openWaiters = new Set<OpenWaiter>();
  private readonly paymentManager: PaymentManager;
  private readonly backups: BackupExporter | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private lastTip: string | undefined;
  private cancelPoll: (() => void) | undefined;
  private polling: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private stopRequested = false;

  constructor(opts: GlintNodeOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.wallet = opts.wallet;
    this.network = opts.wallet.network;
    this.nodeId = opts.wallet.nodeId;
    this.peerManager = new PeerManager({
      nodeSecret: opts.wallet.nodeSecret,
      dialer: opts.dialer,
      clock: opts.clock,
      entropy: opts.entropy,
      logger: this.logger,
      session: { chainHashes: [chainHash(opts.wallet.network)], ...opts.session },
    });
    const store = opts.wallet.channelStore();
    this.book = new PeerBook(store);
    this.trusted = new TrustedPeers(store);
    this.channelManager = new ChannelManager({
      network: opts.wallet.network,
      store,
      clock: opts.clock,
      entropy: opts.entropy,
      logger: this.logger,
      peers: this.peerManager,
      keys: opts.wallet,
      wallet: this.channelWallet(),
      chain: opts.chain,
      ...(opts.channelConfig ? { config: opts.channelConfig } : {}),
      ...(opts.feeratePerKw !== undefined ? { feeratePerKw: opts.feeratePerKw } : {}),
      ...(opts.fundingFee ? { fundingFee: opts.fundingFee } : {}),
      trustedPeers: () => this.trusted.set,
      ...(opts.crashHook ? { crashHook: opts.crashHook } : {}),
    });
    this.paymentManager = new PaymentManager({
      channels: this.channelManager.payments,
      store,
      clock: opts.clock,
      entropy: opts.entropy,
      logger: this.logger,
      network: opts.wallet.network,
      nodeSecret: opts.wallet.nodeSecret,
      nodeId: opts.wallet.nodeId,
      ...(opts.acceptKeysend !== undefined ? { acceptKeysend: opts.acceptKeysend } : {}),
    });
    if (opts.backupSink) {
      this.backups = new BackupExporter({
        store,
        source: opts.wallet,
        clock: opts.clock,
        entropy: opts.entropy,
        sink: opts.backupSink,
        idle: () => this.channelManager.idle(),
        logger: this.logger,
      });
    }
  }

  /**
   * Attach the chain to the wallet, load the address book and the channels (ChannelManager.start
   * reads the tip once) and the payments, start the wallet sync and redial channel peers (not
   * awaited: reconnecting runs in the background with backoff), then wait for the wallet sync and
   * start the chain follower. The wallet's Esplora round-trips do not gate the reconnect (issue 9
   * cold-start): the channels know the tip before any peer is dialled, and the sync runs beside
   * the dial. A failed sync still fails the start (and hangs up on the peers).
   */
  start(options: StartOptions = {}): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new ValidationError('node', `cannot start a node that is ${this.state}`));
    this.state = 'starting';
    this.starting = this.startOnce(options);
    return this.starting;
  }

  private async startOnce(options: StartOptions): Promise<void> {
    let synced: Promise<void> | undefined;
    try {
      if (!this.wallet.hasChain) this.wallet.attachChain(this.opts.chain);
      await Promise.all([this.book.load(), this.trusted.load()]);
      this.unsubscribes.push(this.channelManager.subscribe((e) => this.onChannelEvent(e)));
      this.unsubscribes.push(
        this.peerManager.subscribe((e) => {
          if (e.type === 'connected') this.notify({ type: 'peer-connected', peer: e.peer });
          else if (e.type === 'disconnected') this.notify({ type: 'peer-disconnected', nodeId: e.nodeId, reason: e.reason, willReconnect: e.willReconnect });
        }),
      );
      await this.channelManager.start();
      this.logger.log('debug', 'start: channels loaded', { channels: this.channelManager.list().length });
      await this.releaseOrphanReservations();
      const backups = this.backups;
      if (backups) {
        this.unsubscribes.push(this.channelManager.subscribe((e) => backups.onChannelEvent(e)));
        void backups.request();
      }
      this.unsubscribes.push(this.paymentManager.subscribe((payment) => this.notify({ type: 'payment', payment })));
      await this.paymentManager.start();
      this.lastTip = undefined;
      if (this.stopRequested) throw new ValidationError('node', 'stopped while starting');
      // The sync starts now, not before the channels load: its Esplora requests would queue
      // ahead of the channels' tip read and delay the reconnect.
      synced = this.wallet.sync();
      if (options.connectPeers !== false) this.reconnectChannelPeers();
      await synced;
      this.logger.log('debug', 'start: wallet synced');
      if (this.stopRequested) throw new ValidationError('node', 'stopped while starting');
    } catch (err) {
      await synced?.catch(() => {});
      this.state = 'stopped';
      for (const u of this.unsubscribes.splice(0)) u();
      this.paymentManager.stop();
      this.channelManager.stop();
      this.peerManager.close();
      await this.channelManager.idle().catch(() => {});
      throw err;
    }
    this.state = 'running';
    this.schedulePoll();
  }

  /**
   * Stop: no more polls, disconnect every peer (no reconnects), stop routing to channels, and
   * wait until every channel batch already submitted to the persistence barrier has finished.
   */
  async stop(): Promise<void> {
    if (this.state === 'starting') {
      // Let the start finish (it sees the request and shuts down) before tearing down.
      this.stopRequested = true;
      await this.starting?.catch(() => {});
    }
    if (this.state === 'new') this.state = 'stopped';
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    await this.polling?.catch(() => {});
    this.channelManager.stop();
    this.peerManager.close();
    await this.channelManager.idle();
    await this.paymentManager.idle();
    await this.backups?.idle();
    this.paymentManager.stop();
    for (const u of this.unsubscribes.splice(0)) u();
    for (const w of this.openWaiters) w.reject(new Error('the node stopped before the funding tx was broadcast'));
    this.openWaiters.clear();
    this.state = 'stopped';
  }

  /**
   * A channel backup file of what the store holds now (backup-codec.ts; sealed with a fresh
   * salt), once every channel write already submitted is durable. `channels`: how many it lists.
   */
  async exportBackup(): Promise<SealedBackup> {
    await this.channelManager.idle();
    return sealStoreBackup(this.wallet.channelStore(), this.wallet, this.opts.clock, this.opts.entropy);
  }

  /** Resolves when no automatic backup export is running or queued. */
  backupsIdle(): Promise<void> {
    return this.backups?.idle() ?? Promise.resolve();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  subscribe(fn: (e: GlintNodeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Connected peers. */
  peers(): PeerInfo[] {
    return this.peerManager.peers();
  }

  /** Dial `uri` (`pubkey@host:port` or `pubkey@ws(s)://…`), remember how, and keep reconnecting to it. */
  async connect(uri: string, opts: ConnectOptions = {}): Promise<PeerInfo> {
    this.requireRunning();
    const proxy = opts.proxy ?? this.opts.proxy;
    const info = await this.peerManager.connect(uri, { reconnect: true, ...(proxy !== undefined ? { proxy } : {}) });
    await this.book.remember(uri, proxy);
    return info;
  }

  /**
   * Hang up on a peer and stop redialling it for this run (its address stays in the book, so a
   * restart redials it if we have a channel with it).
   */
  disconnect(nodeId: string): void {
    this.peerManager.disconnect(nodeId.toLowerCase());
  }

  /**
   * Mark a peer trusted (or not) for zero-conf channels: a channel it opens to us afterwards gets
   * minimum_depth 0 and is usable before its funding confirms (see trusted-peers.ts and
   * engine/channel/states/zero-conf.ts for the risk). Saved in the store; returns the new list.
   */
  trustPeer(nodeId: string, trusted: boolean): Promise<string[]> {
    this.requireRunning();
    return this.trusted.setTrusted(nodeId, trusted);
  }

  /** Node ids (hex) trusted for zero-conf channels. */
  trustedPeers(): string[] {
    return this.trusted.list();
  }

  /** Ping a connected peer; resolves with the round-trip time in ms. */
  ping(nodeId: string): Promise<number> {
    return this.peerManager.ping(nodeId.toLowerCase());
  }

  /**
   * Open a channel we fund to `uri` (connecting first if needed). Resolves once the funding tx
   * is broadcast (the channel record with the peer's signature is durable before that, DESIGN.md
   * rule 3); rejects if the peer refuses, the wallet cannot fund it, the broadcast fails, or the
   * peer does not finish within `openTimeoutMs`.
   */
  async open(uri: string, fundingSat: bigint, opts: OpenChannelOptions = {}): Promise<{ channelId: string; fundingTxid: string }> {
    this.requireRunning();
    if (typeof fundingSat !== 'bigint' || fundingSat <= 0n) throw new ValidationError('fundingSat', 'must be a positive number of sats');
    if (opts.pushMsat !== undefined && (typeof opts.pushMsat !== 'bigint' || opts.pushMsat < 0n)) throw new ValidationError('pushMsat', 'must be a non-negative number of msat');
    const peer = await this.connect(uri, opts.proxy !== undefined ? { proxy: opts.proxy } : {});
    const opened = await this.channelManager.open(peer.nodeId, {
      fundingSat,
      ...(opts.pushMsat !== undefined ? { pushMsat: opts.pushMsat } : {}),
      ...(opts.channelType !== undefined ? { channelType: opts.channelType } : {}),
    });
    return new Promise((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const waiter: OpenWaiter = {
        localId: opened.localId,
        peer: peer.nodeId,
        fundingSat,
        resolve: (r) => {
          cancelTimer?.();
          this.openWaiters.delete(waiter);
          resolve(r);
        },
        reject: (e) => {
          cancelTimer?.();
          this.openWaiters.delete(waiter);
          reject(e);
        },
      };
      this.openWaiters.add(waiter);
      const ms = this.opts.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
      cancelTimer = this.opts.clock.setTimer(ms, () => {
        const c = this.channelManager.byLocalId(waiter.localId);
        waiter.reject(new Error(`the channel funding did not complete within ${ms} ms (state ${c?.state ?? 'unknown'}; it may still complete: see the channel list)`));
      });
      this.checkOpenWaiters();
    });
  }

  /**
   * As the channel's funder, propose a new commitment feerate (BOLT 2 update_fee; default: our
   * estimate). Resolves once update_fee and commitment_signed are persisted and sent; a refusal
   * (not the funder, not normal, peer offline, same or out-of-range rate) is a ValidationError.
   */
  updateFee(channelId: string, feeratePerKw?: number): Promise<void> {
    this.requireRunning();
    return this.channelManager.updateFee(channelId, feeratePerKw);
  }

  /** Every channel (plain data), oldest first. */
  channels(): ChannelInfo[] {
    return this.channelManager.list();
  }

  /** One channel by channel_id (or temporary id), hex. */
  channel(channelId: string): ChannelInfo | undefined {
    return this.channelManager.get(channelId);
  }

  /**
   * Close a channel: cooperatively (BOLT 2 shutdown / closing_signed, paying a fresh wallet
   * address), or with `force` by broadcasting our latest commitment. Resolves with the txid of
   * the closing (or commitment) transaction. Delegates to ChannelManager.close.
   */
  async close(channelId: string, opts: CloseChannelOptions = {}): Promise<{ closingTxid: string }> {
    this.requireRunning();
    if (typeof channelId !== 'string' || !/^[0-9a-fA-F]{64}$/.test(channelId)) throw new ValidationError('channelId', 'expected 64 hex characters');
    const known = this.channelManager.get(channelId);
    if (!known) throw new ValidationError('channelId', `no channel ${channelId.toLowerCase()}`);
    // Negotiating needs the peer: dial it (address book) and give channel_reestablish a moment.
    if (!opts.force && known.state === 'normal' && !known.usable) await this.awaitUsable(known, DEFAULT_RECONNECT_WAIT_MS);
    const r = await this.channelManager.close(channelId.toLowerCase(), opts.force ? { force: true } : {});
    return { closingTxid: r.closingTxid };
  }

  /** On-chain balance (from the last sync) and `lightningMsat` (see LIGHTNING_BALANCE_STATES). */
  balance(): GlintBalance {
    const onchain = this.wallet.balance();
    let lightningMsat = 0n;
    for (const c of this.channelManager.list()) if (LIGHTNING_BALANCE_STATES.includes(c.state)) lightningMsat += c.localMsat;
    return { ...onchain, lightningMsat };
  }

  // ---- payments (engine/node/payments) ------------------------------------------------------------

  /** A BOLT 11 invoice for `opts` (amount or any, description, expiry), saved with its preimage before it is returned. */
  createInvoice(opts: InvoiceOptions = {}): Promise<{ bolt11: string; paymentHash: string }> {
    this.requireRunning();
    return this.paymentManager.createInvoice(opts);
  }

  /**
   * Pay a BOLT 11 invoice over our channels (direct, or through its route hints; MPP when needed
   * and the payee supports it). A bad invoice is refused (ValidationError) before any money moves;
   * the same payment hash is never paid twice. Resolves with the outcome, or 'pending' after
   * `opts.timeoutMs` (the payment goes on; see `payments()` and 'payment' events).
   */
  pay(bolt11: string, opts?: PayOptions): Promise<PayResult> {
    this.requireRunning();
    return this.paymentManager.pay(bolt11, opts);
  }

  /** Keysend `amountMsat` to a channel peer (the preimage in the onion; no invoice). */
  keysend(payee: string, amountMsat: bigint, opts?: Omit<PayOptions, 'amountMsat'>): Promise<PayResult> {
    this.requireRunning();
    return this.paymentManager.keysend(payee, amountMsat, opts);
  }

  /** Every payment, newest first. */
  payments(): readonly PaymentRecord[] {
    return this.paymentManager.payments();
  }

  /** One payment by payment hash (hex). */
  payment(paymentHash: string): PaymentRecord | undefined {
    return this.paymentManager.payment(paymentHash);
  }

  /** What paying `bolt11` would cost now (the Send review screen); `route: 'none'` with the reason when it cannot be paid. */
  estimatePayFee(bolt11: string, amountMsat?: bigint): FeeEstimate {
    return this.paymentManager.estimatePayFee(bolt11, amountMsat);
  }

  /** A fresh on-chain receive address (saved before it is returned). */
  receiveAddress(): Promise<string> {
    return this.wallet.receiveAddress();
  }

  /**
   * One chain-follower step now: read the tip; if it changed, let the channels see it and run a
   * quick wallet sync. Overlapping calls share one run. Never rejects (errors are logged).
   */
  poll(): Promise<void> {
    if (this.polling) return this.polling;
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Resolve once the channel barrier has finished everything submitted so far (tests, shutdown). */
  idle(): Promise<void> {
    return this.channelManager.idle();
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** Connect to the channel's peer if we know how, then wait (at most `ms`) until the channel is usable. */
  private async awaitUsable(c: ChannelInfo, ms: number): Promise<void> {
    const entry = this.book.get(c.peer);
    if (entry && !this.peerManager.peers().some((p) => p.nodeId === c.peer)) {
      const proxy = entry.proxy ?? this.opts.proxy;
      await this.peerManager.connect(entry.uri, { reconnect: true, ...(proxy !== undefined ? { proxy } : {}) }).catch((err: unknown) => {
        this.logger.log('warn', 'could not connect to the channel peer', { peer: c.peer, error: errorMessage(err) });
      });
    }
    await new Promise<void>((resolve) => {
      let finished = false;
      const check = (): void => {
        if (!finished && this.channelManager.byLocalId(c.localId)?.usable) done();
      };
      const done = (): void => {
        finished = true;
        cancel();
        offChannels();
        offPeers();
        resolve();
      };
      const cancel = this.opts.clock.setTimer(ms, done);
      const offChannels = this.channelManager.subscribe(check);
      const offPeers = this.peerManager.subscribe(check);
      check();
    });
  }

  /**
   * Coins reserved for a funding tx that no saved channel owns: the node stopped (crashed) between
   * the wallet building the funding tx and the channel being saved with it (the funder's
   * `wait-for-funding-signed` is not persisted: BOLT 2 forgets it on disconnection). Such a tx was
   * never broadcast, since broadcasting follows that save, so its coins are released; otherwise
   * they would stay locked for good. Runs at start, before any open can reserve coins.
   */
  private async releaseOrphanReservations(): Promise<void> {
    const owned = new Set(this.channelManager.list().filter((c) => c.state !== 'aborted' && c.fundingTxid !== undefined).map((c) => c.fundingTxid));
    for (const txid of this.wallet.reservedFundingTxids()) {
      if (owned.has(txid)) continue;
      this.logger.log('warn', 'releasing the coins of a funding tx no channel owns (never broadcast)', { txid });
      await this.wallet.cancelReservation(txid);
    }
  }

  private requireRunning(): void {
    if (this.state !== 'running') throw new ValidationError('node', `the node is ${this.state === 'new' ? 'not started' : this.state}`);
  }

  /** The ChannelWallet the manager uses: the WalletService, with funding broadcasts reported to `open` waiters. */
  private channelWallet(): ChannelWallet {
    const w = this.wallet;
    return {
      fundChannel: (req) => w.fundChannel(req),
      cancelReservation: (txid) => {
        // The manager does not await this; a failure must not become an unhandled rejection.
        w.cancelReservation(txid).catch((err: unknown) => this.logger.log('warn', 'could not release a funding reservation', { txid, error: errorMessage(err) }));
      },
      broadcast: async (rawTx) => {
        try {
          const txid = await w.broadcast(rawTx);
          this.broadcastDone.add(txid);
          this.broadcastFailed.delete(txid);
          this.checkOpenWaiters();
          return txid;
        } catch (err) {
          let txid: string | undefined;
          try {
            txid = txidOfRaw(rawTx);
          } catch {
            txid = undefined;
          }
          if (txid !== undefined && !this.broadcastDone.has(txid)) this.broadcastFailed.set(txid, errorMessage(err));
          this.checkOpenWaiters();
          throw err;
        }
      },
      spendWithForeignInputs: (req) => w.spendWithForeignInputs(req),
      shutdownScript: () => w.shutdownScript(),
    };
  }

  private checkOpenWaiters(): void {
    for (const w of [...this.openWaiters]) {
      const c = this.channelManager.byLocalId(w.localId);
      if (!c) {
        w.reject(new Error('the channel is gone'));
        continue;
      }
      if (c.state === 'aborted') {
        // A refused anchors open is retried at once as static_remotekey (a new channel, reported
        // by `open-retried` a little later): follow it instead of failing.
        const retry = this.channelManager
          .list()
          .find((x) => x.localId > w.localId && x.peer === w.peer && x.capacitySat === w.fundingSat && x.type === 'static_remotekey' && x.state !== 'aborted' && ![...this.openWaiters].some((o) => o.localId === x.localId));
        if (retry) {
          w.localId = retry.localId;
          continue;
        }
        w.reject(new ValidationError('open', `the channel open failed: ${c.reason ?? 'aborted'}`));
        continue;
      }
      if (c.frozen) {
        w.reject(new Error(`the channel is frozen: ${c.frozen}`));
        continue;
      }
      if (c.fundingTxid === undefined) continue;
      if (this.broadcastDone.has(c.fundingTxid)) {
        w.resolve({ channelId: c.channelId, fundingTxid: c.fundingTxid });
        continue;
      }
      const failed = this.broadcastFailed.get(c.fundingTxid);
      if (failed !== undefined) {
        w.reject(new Error(`the funding tx ${c.fundingTxid} of channel ${c.channelId} could not be broadcast: ${failed} (the channel is saved; the broadcast is retried on each new block)`));
      }
    }
  }

  private onChannelEvent(e: ChannelManagerEvent): void {
    if (e.type === 'open-retried') for (const w of this.openWaiters) if (w.localId === e.previous.localId) w.localId = e.channel.localId;
    this.checkOpenWaiters();
    this.notify(e);
  }

  /** Redial (with PeerManager's backoff) every peer with a channel that is not finished. */
  private reconnectChannelPeers(): void {
    const live = new Set(this.channelManager.list().filter((c) => c.peer !== '' && c.state !== 'aborted' && c.state !== 'closed').map((c) => c.peer));
    for (const nodeId of live) {
      const entry = this.book.get(nodeId);
      if (!entry) {
        this.logger.log('warn', 'no address known for a channel peer; it must connect to us', { peer: nodeId });
        continue;
      }
      const proxy = entry.proxy ?? this.opts.proxy;
      this.peerManager.connect(entry.uri, { reconnect: true, ...(proxy !== undefined ? { proxy } : {}) }).then(
        () => this.logger.log('info', 'reconnected to channel peer', { peer: nodeId }),
        (err: unknown) => this.logger.log('warn', 'could not reconnect to channel peer', { peer: nodeId, error: errorMessage(err) }),
      );
    }
  }

  private schedulePoll(): void {
    const ms = this.opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (ms <= 0 || this.state !== 'running') return;
    this.cancelPoll = this.opts.clock.setTimer(ms, () => {
      this.cancelPoll = undefined;
      void this.poll().then(() => this.schedulePoll());
    });
  }

  private async pollOnce(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      const chain = this.opts.chain;
      const hash = chain.tipHash ? await chain.tipHash() : (await chain.tip()).hash;
      if (hash === this.lastTip) return;
      this.lastTip = hash;
      await this.channelManager.onTip();
      this.paymentManager.onTip(this.channelManager.tipHeight);
      await this.wallet.sync({ quick: true });
      this.notify({ type: 'tip', height: this.channelManager.tipHeight, hash });
    } catch (err) {
      this.lastTip = undefined; // try the whole step again next time
      this.logger.log('warn', 'chain poll failed; retried on the next poll', { error: errorMessage(err) });
    }
  }

  private notify(e: GlintNodeEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.logger.log('error', 'node listener threw', { error: errorMessage(err) });
      }
    }
  }
}

/** `pubkey@…` → the peer's node id (hex), validating the URI. */
export function peerNodeIdOf(uri: string): string {
  return parsePeerUri(uri).nodeIdHex;
}
