/**
 * All peer connections of a node: dials (through whatever Dialer the environment gives),
 * accepts inbound sockets, drives each `PeerSession` with the clock, reconnects with backoff, and
 * publishes plain-data events for the UI and CLI.
 */
import { bytesToHex } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import { isValidSecretKey, publicKeyOf } from '../crypto/secp256k1.ts';
import type { Clock, Dialer, Entropy, Logger, Socket } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { formatPeerAddress, parsePeerUri, transportFor, type PeerAddress } from '../peer/address.ts';
import { backoffDelay, DEFAULT_BACKOFF, unitFromBytes, type BackoffPolicy } from '../peer/backoff.ts';
import { GLINT_INIT_FEATURES } from '../peer/features.ts';
import { DEFAULT_SESSION_CONFIG, PeerSession, type PeerSessionConfig, type SessionOutput } from '../peer/session.ts';
import { NoiseSession, type NoiseKeys } from '../transport/index.ts';
import type { FeatureSupport } from '../wire/features.ts';
import type { Message } from '../wire/message.ts';

export interface PeerManagerOptions {
  /** The node's identity secret (BOLT 8 static key). */
  readonly nodeSecret: Uint8Array;
  readonly dialer: Dialer;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly logger?: Logger;
  /** Overrides of the session config (features, ping cadence, timeouts). */
  readonly session?: Partial<PeerSessionConfig>;
  readonly backoff?: BackoffPolicy;
  /** Time allowed to open the socket. */
  readonly dialTimeoutMs?: number;
}

/** A connected peer, as plain data. */
export interface PeerInfo {
  readonly nodeId: string;
  readonly address: string;
  readonly features: Record<string, FeatureSupport>;
  readonly pingMs?: number;
  readonly connectedAt: number;
  readonly inbound: boolean;
}

export type PeerEvent =
  | { readonly type: 'connected'; readonly peer: PeerInfo }
  | { readonly type: 'disconnected'; readonly nodeId: string; readonly reason: string; readonly willReconnect: boolean }
  | { readonly type: 'ping'; readonly nodeId: string; readonly rttMs: number }
  /** `channelId` is hex; all zeros means "every channel" (BOLT 1). */
  | { readonly type: 'remote-error'; readonly nodeId: string; readonly kind: 'error' | 'warning'; readonly text: string; readonly channelId: string }
  | { readonly type: 'message'; readonly nodeId: string; readonly message: Message };

interface Connection {
  readonly id: number;
  readonly inbound: boolean;
  readonly session: PeerSession;
  readonly socket: Socket;
  address: string;
  nodeId: string | undefined;
  connectedAt: number;
  pingMs: number | undefined;
  cancelTimer: (() => void) | undefined;
  closed: boolean;
  onReady: ((info: PeerInfo) => void) | undefined;
  onFail: ((reason: string) => void) | undefined;
  pingWaiters: { resolve: (ms: number) => void; reject: (e: Error) => void }[];
}

interface Redial {
  readonly address: PeerAddress;
  readonly proxy: string | undefined;
  attempt: number;
  cancel: (() => void) | undefined;
}

export class PeerManager {
  private readonly opts: PeerManagerOptions;
  private readonly logger: Logger;
  private readonly nodePublic: Uint8Array;
  private readonly sessionConfig: PeerSessionConfig;
  private readonly connections = new Map<number, Connection>();
  private readonly redials = new Map<string, Redial>();
  private readonly listeners = new Set<(e: PeerEvent) => void>();
  private nextId = 1;
  private shutDown = false;

  constructor(opts: PeerManagerOptions) {
    if (!isValidSecretKey(opts.nodeSecret)) throw new RangeError('nodeSecret is not a valid secp256k1 secret key');
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.nodePublic = publicKeyOf(opts.nodeSecret);
    this.sessionConfig = { ...DEFAULT_SESSION_CONFIG, localFeatures: GLINT_INIT_FEATURES, ...opts.session };
  }

  /** Our node id (hex). */
  get nodeId(): string {
    return bytesToHex(this.nodePublic);
  }

  subscribe(fn: (e: PeerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Connected (init exchanged) peers. */
  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const c of this.connections.values()) if (c.session.isReady) out.push(this.info(c));
    return out;
  }

  /**
   * Dial `uri` (`pubkey@host:port` or `pubkey@ws(s)://…`), optionally through `proxy`, and resolve
   * once `init` has been exchanged. With `reconnect`, once connected, a dropped connection is
   * re-dialled with backoff until `disconnect`.
   */
  async connect(uri: string, opts: { proxy?: string; reconnect?: boolean } = {}): Promise<PeerInfo> {
    if (this.shutDown) throw new Error('peer manager is closed');
    const address = parsePeerUri(uri);
    const target = transportFor(address, opts.proxy);
    const existing = this.findReady(address.nodeIdHex);
    if (existing) return this.info(existing);
    // Reconnecting starts only after a first success: a peer that cannot be reached now is the
    // caller's to report, not ours to keep dialling.
    const info = await this.dialOnce(address, target);
    if (opts.reconnect && !this.redials.has(address.nodeIdHex)) {
      this.redials.set(address.nodeIdHex, { address, proxy: opts.proxy, attempt: 0, cancel: undefined });
    }
    return info;
  }

  /** Take an inbound socket (someone dialled us); we are the BOLT 8 responder. */
  accept(socket: Socket): void {
    if (this.shutDown) {
      socket.close();
      return;
    }
    const noise = NoiseSession.responder(this.noiseKeys());
    this.attach(socket, noise, true, socket.remote, undefined);
  }

  /** Hang up on `nodeId` and stop reconnecting to it. */
  disconnect(nodeId: string): void {
    const redial = this.redials.get(nodeId);
    if (redial) {
      redial.cancel?.();
      this.redials.delete(nodeId);
    }
    for (const c of [...this.connections.values()]) if (c.nodeId === nodeId) this.drop(c, 'disconnected by us');
  }

  /** Ping a connected peer; resolves with the round-trip time in ms. */
  ping(nodeId: string): Promise<number> {
    const c = this.findReady(nodeId);
    if (!c) return Promise.reject(new Error(`not connected to ${nodeId}`));
    return new Promise((resolve, reject) => {
      c.pingWaiters.push({ resolve, reject });
      this.apply(c, c.session.ping(this.opts.clock.now()));
    });
  }

  /** Send a message to a connected peer. */
  send(nodeId: string, message: Message): void {
    const c = this.findReady(nodeId);
    if (!c) throw new Error(`not connected to ${nodeId}`);
    c.socket.write(c.session.send(message));
  }

  /** Close every connection and stop all timers. */
  close(): void {
    this.shutDown = true;
    for (const r of this.redials.values()) r.cancel?.();
    this.redials.clear();
    for (const c of [...this.connections.values()]) this.drop(c, 'node shutting down');
  }

  private noiseKeys(): NoiseKeys {
    let eph = this.opts.entropy.randomBytes(32);
    while (!isValidSecretKey(eph)) eph = this.opts.entropy.randomBytes(32);
    return { localStaticSecret: this.opts.nodeSecret, localStaticPublic: this.nodePublic, ephemeralSecret: eph };
  }

  private findReady(nodeId: string): Connection | undefined {
    for (const c of this.connections.values()) if (c.nodeId === nodeId && c.session.isReady && !c.closed) return c;
    return undefined;
  }

  private async dialOnce(address: PeerAddress, target: ReturnType<typeof transportFor>): Promise<PeerInfo> {
    const started = this.opts.clock.now();
    const dialing = this.opts.dialer.dial(target, this.opts.dialTimeoutMs ?? 10_000);
    // Act 1 costs an ECDH (a few ms of pure-JS EC); compute it while the socket is being opened.
    const noise = NoiseSession.initiator(this.noiseKeys(), address.nodeId);
    let socket: Socket;
    try {
      socket = await dialing;
    } catch (err) {
      throw new Error(`could not reach ${formatPeerAddress(address)}: ${errorMessage(err)}`);
    }
    if (this.shutDown) {
      socket.close();
      throw new Error('peer manager is closed');
    }
    this.logger.log('debug', 'socket open', { peer: address.nodeIdHex, ms: this.opts.clock.now() - started });
    return new Promise((resolve, reject) => {
      this.attach(socket, noise, false, formatPeerAddress(address), { resolve, reject, nodeId: address.nodeIdHex });
    });
  }

  private attach(
    socket: Socket,
    noise: NoiseSession,
    inbound: boolean,
    address: string,
    waiter: { resolve: (i: PeerInfo) => void; reject: (e: Error) => void; nodeId: string } | undefined,
  ): void {
    const now = this.opts.clock.now();
    const c: Connection = {
      id: this.nextId++,
      inbound,
      session: new PeerSession(noise, this.sessionConfig, now),
      socket,
      address,
      nodeId: waiter?.nodeId,
      connectedAt: now,
      pingMs: undefined,
      cancelTimer: undefined,
      closed: false,
      onReady: waiter ? (i) => waiter.resolve(i) : undefined,
      onFail: waiter ? (r) => waiter.reject(new Error(r)) : undefined,
      pingWaiters: [],
    };
    this.connections.set(c.id, c);
    socket.start({
      data: (bytes) => {
        if (!c.closed) this.apply(c, c.session.receive(bytes, this.opts.clock.now()));
      },
      closed: (reason) => this.onSocketClosed(c, reason),
    });
    this.apply(c, c.session.start());
  }

  private apply(c: Connection, out: SessionOutput): void {
    for (const bytes of out.write) c.socket.write(bytes);
    for (const ev of out.events) {
      switch (ev.type) {
        case 'ready': {
          c.nodeId = bytesToHex(c.session.remoteNodeId ?? new Uint8Array(0));
          c.connectedAt = this.opts.clock.now();
          // A newer connection to the same node replaces the older one (BOLT 1 reconnection).
          for (const other of [...this.connections.values()]) {
            if (other !== c && other.nodeId === c.nodeId) this.drop(other, 'replaced by a newer connection');
          }
          const redial = this.redials.get(c.nodeId);
          if (redial) redial.attempt = 0;
          const info = this.info(c);
          this.logger.log('info', 'peer connected', { peer: c.nodeId, address: c.address, inbound: c.inbound });
          c.onReady?.(info);
          c.onReady = undefined;
          c.onFail = undefined;
          this.emit({ type: 'connected', peer: info });
          break;
        }
        case 'pong':
          c.pingMs = ev.rttMs;
          for (const w of c.pingWaiters.splice(0)) w.resolve(ev.rttMs);
          if (c.nodeId) this.emit({ type: 'ping', nodeId: c.nodeId, rttMs: ev.rttMs });
          break;
        case 'remote-error':
          this.logger.log('warn', `peer sent ${ev.kind}`, { peer: c.nodeId, text: ev.text });
          if (c.nodeId) this.emit({ type: 'remote-error', nodeId: c.nodeId, kind: ev.kind, text: ev.text, channelId: bytesToHex(ev.channelId) });
          break;
        case 'message':
          if (c.nodeId) this.emit({ type: 'message', nodeId: c.nodeId, message: ev.message });
          break;
        case 'ignored':
          this.logger.log('debug', ev.name ? `ignored ${ev.name} (gossip is not processed yet)` : 'ignored unknown odd message', {
            peer: c.nodeId,
            type: ev.messageType,
          });
          break;
        default: {
          const never: never = ev;
          throw new Error(`unhandled session event ${(never as { type: string }).type}`);
        }
      }
    }
    if (out.close !== undefined) {
      this.drop(c, out.close);
      return;
    }
    this.schedule(c);
  }

  private schedule(c: Connection): void {
    c.cancelTimer?.();
    c.cancelTimer = undefined;
    const at = c.session.nextDeadline();
    if (at === undefined || c.closed) return;
    const delay = Math.max(0, at - this.opts.clock.now());
    c.cancelTimer = this.opts.clock.setTimer(delay, () => {
      c.cancelTimer = undefined;
      if (!c.closed) this.apply(c, c.session.tick(this.opts.clock.now()));
    });
  }

  private onSocketClosed(c: Connection, reason: string | undefined): void {
    if (c.closed) return;
    const why = c.session.explainClose(reason);
    this.drop(c, why, true);
  }

  private drop(c: Connection, reason: string, socketAlreadyClosed = false): void {
    if (c.closed) return;
    c.closed = true;
    c.cancelTimer?.();
    this.connections.delete(c.id);
    if (!socketAlreadyClosed) c.socket.close();
    const wasReady = c.session.isReady || c.onReady === undefined;
    for (const w of c.pingWaiters.splice(0)) w.reject(new Error(reason));
    if (c.onFail) {
      c.onFail(reason);
      c.onFail = undefined;
      c.onReady = undefined;
    }
    this.logger.log(wasReady ? 'info' : 'warn', 'peer connection closed', { peer: c.nodeId, address: c.address, reason });
    if (!c.nodeId || !wasReady) return;
    const redial = this.redials.get(c.nodeId);
    const replaced = this.findReady(c.nodeId) !== undefined;
    if (!replaced) this.emit({ type: 'disconnected', nodeId: c.nodeId, reason, willReconnect: !!redial && !this.shutDown });
    if (redial && !replaced && !this.shutDown) this.scheduleRedial(redial);
  }

  private scheduleRedial(r: Redial): void {
    if (this.shutDown || r.cancel) return;
    const delay = backoffDelay(this.opts.backoff ?? DEFAULT_BACKOFF, r.attempt++, unitFromBytes(this.opts.entropy.randomBytes(4)));
    this.logger.log('info', 'reconnecting', { peer: r.address.nodeIdHex, inMs: delay, attempt: r.attempt });
    r.cancel = this.opts.clock.setTimer(delay, () => {
      r.cancel = undefined;
      if (this.redials.get(r.address.nodeIdHex) !== r || this.findReady(r.address.nodeIdHex)) return;
      this.dialOnce(r.address, transportFor(r.address, r.proxy)).catch((err: unknown) => {
        this.logger.log('warn', 'reconnect failed', { peer: r.address.nodeIdHex, reason: errorMessage(err) });
        if (this.redials.get(r.address.nodeIdHex) === r) this.scheduleRedial(r);
      });
    });
  }

  private info(c: Connection): PeerInfo {
    return {
      nodeId: c.nodeId ?? '',
      address: c.address,
      features: c.session.peerFeatures?.describe() ?? {},
      ...(c.pingMs !== undefined ? { pingMs: c.pingMs } : {}),
      connectedAt: c.connectedAt,
      inbound: c.inbound,
    };
  }

  private emit(e: PeerEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.logger.log('error', 'peer event listener threw', { error: errorMessage(err) });
      }
    }
  }
}
