/**
 * One peer connection after the socket is open, as a sans-I/O state machine: bytes and time go in,
 * bytes to write and events come out. It runs the BOLT 8 handshake, the BOLT 1 `init` exchange and
 * feature checks (BOLT 1 "The init Message", BOLT 9), answers `ping`, sends its own pings with a
 * timeout, rate-limits the peer's pings, and surfaces `error`/`warning` text.
 *
 * Trace:  initiator: start → act1 … act2 → act3 + init → (peer init) → ready
 *         responder: act1 → act2 … act3 → init → (peer init) → ready
 * Any failure returns `close` with a one-line reason; the caller must then drop the socket.
 */
import { bytesToHex } from '../lib/bytes.ts';
import { DecodeError, errorMessage } from '../lib/errors.ts';
import { NoiseSession, TransportError } from '../transport/index.ts';
import { checkPeerFeatures, featureByName, featureForBit, FeatureVector } from '../wire/features.ts';
import { decodeMessage, encodeMessage, type Message } from '../wire/message.ts';
import { asciiBytes, errorText, PING_NO_REPLY_THRESHOLD, type InitMessage } from '../wire/messages/setup.ts';

export interface PeerSessionConfig {
  readonly localFeatures: FeatureVector;
  /** Chain hashes we operate on (init_tlvs `networks`); a peer on none of them is refused. */
  readonly chainHashes?: readonly Uint8Array[];
  /** Time allowed from socket open to the peer's `init`. */
  readonly initTimeoutMs: number;
  /** Interval of our own pings once ready; 0 disables automatic pings. */
  readonly pingIntervalMs: number;
  /** A ping not answered within this is a dead link. */
  readonly pongTimeoutMs: number;
  /** Peer pings allowed in a burst, refilled at one per `pingRefillMs` (BOLT 1 ping flood rule). */
  readonly pingBurst: number;
  readonly pingRefillMs: number;
}

/** Non-ping messages received that give the peer one more ping token (LDK pings every 32 it sends). */
export const MESSAGES_PER_PING_TOKEN = 16;

export const DEFAULT_SESSION_CONFIG: Omit<PeerSessionConfig, 'localFeatures'> = Object.freeze({
  initTimeoutMs: 15_000,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 20_000,
  pingBurst: 10,
  pingRefillMs: 10_000,
});

export type SessionEvent =
  | { readonly type: 'ready'; readonly remoteInit: InitMessage; readonly remoteFeatures: FeatureVector }
  | { readonly type: 'pong'; readonly rttMs: number }
  | { readonly type: 'remote-error'; readonly kind: 'error' | 'warning'; readonly channelId: Uint8Array; readonly text: string }
  | { readonly type: 'message'; readonly message: Message }
  /** A message we do not act on: an unknown odd type, or BOLT 7 gossip (named) until the graph exists. */
  | { readonly type: 'ignored'; readonly messageType: number; readonly name?: string };

export interface SessionOutput {
  readonly write: Uint8Array[];
  readonly events: SessionEvent[];
  /** Set when the connection must be closed, with the reason. */
  close?: string;
}

type Phase = 'handshake' | 'awaiting-init' | 'ready' | 'closed';

const ALL_CHANNELS = new Uint8Array(32);

/** BOLT 9 features marked ASSUMED that current nodes (LDK among them) set as required. */
const ASSUMED_FEATURES = ['option_data_loss_protect', 'var_onion_optin', 'option_static_remotekey', 'payment_secret'].map(
  featureByName,
);

export class PeerSession {
  private readonly noise: NoiseSession;
  private readonly config: PeerSessionConfig;
  private phase: Phase = 'handshake';
  private readonly openedAt: number;
  private remoteInit: InitMessage | undefined;
  private remoteFeatures: FeatureVector | undefined;
  private nextPingAt: number | undefined;
  /** Outstanding ping: when it was sent and the pong length we asked for. */
  private pendingPing: { sentAt: number; pongBytes: number } | undefined;
  private pingTokens: number;
  private pingTokensAt: number;
  private messagesSincePingToken = 0;

  constructor(noise: NoiseSession, config: PeerSessionConfig, now: number) {
    this.noise = noise;
    this.config = config;
    this.openedAt = now;
    this.pingTokens = config.pingBurst;
    this.pingTokensAt = now;
  }

  get isReady(): boolean {
    return this.phase === 'ready';
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** The peer's `init`, once received. */
  get peerInit(): InitMessage | undefined {
    return this.remoteInit;
  }

  get peerFeatures(): FeatureVector | undefined {
    return this.remoteFeatures;
  }

  get remoteNodeId(): Uint8Array | undefined {
    return this.noise.remoteStaticPublic;
  }

  /** Bytes to write when the socket opens (act 1 for an initiator). */
  start(): SessionOutput {
    const first = this.noise.start();
    return { write: first.length ? [first] : [], events: [] };
  }

  /** Bytes arrived from the socket. */
  receive(bytes: Uint8Array, now: number): SessionOutput {
    const out: SessionOutput = { write: [], events: [] };
    if (this.phase === 'closed') return out;
    const wasReady = this.noise.ready;
    let result: { send: Uint8Array[]; messages: Uint8Array[] };
    try {
      result = this.noise.receive(bytes);
    } catch (err) {
      return this.fail(out, err instanceof TransportError ? `transport: ${err.message}` : `transport: ${errorMessage(err)}`);
    }
    out.write.push(...result.send);
    if (!wasReady && this.noise.ready) {
      this.phase = 'awaiting-init';
      out.write.push(this.noise.encrypt(encodeMessage(this.localInit())));
    }
    for (const raw of result.messages) {
      this.handleMessage(raw, now, out);
      if (out.close) break;
    }
    return out;
  }

  /** Advance timers: init timeout, ping schedule, pong timeout. Call at `nextDeadline()`. */
  tick(now: number): SessionOutput {
    const out: SessionOutput = { write: [], events: [] };
    if (this.phase === 'closed') return out;
    if (this.phase !== 'ready') {
      if (now - this.openedAt >= this.config.initTimeoutMs) {
        return this.fail(out, this.phase === 'handshake' ? 'handshake timed out' : 'peer sent no init in time');
      }
      return out;
    }
    if (this.pendingPing && now - this.pendingPing.sentAt >= this.config.pongTimeoutMs) {
      return this.fail(out, `no pong within ${this.config.pongTimeoutMs} ms`);
    }
    if (this.nextPingAt !== undefined && now >= this.nextPingAt && !this.pendingPing) this.writePing(now, out);
    return out;
  }

  /** When `tick` must run next (ms epoch), if anything is scheduled. */
  nextDeadline(): number | undefined {
    if (this.phase === 'closed') return undefined;
    if (this.phase !== 'ready') return this.openedAt + this.config.initTimeoutMs;
    const times: number[] = [];
    if (this.pendingPing) times.push(this.pendingPing.sentAt + this.config.pongTimeoutMs);
    else if (this.nextPingAt !== undefined) times.push(this.nextPingAt);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Send a ping now (unless one is outstanding); its pong produces a `pong` event with the RTT. */
  ping(now: number): SessionOutput {
    const out: SessionOutput = { write: [], events: [] };
    if (this.phase === 'ready' && !this.pendingPing) this.writePing(now, out);
    return out;
  }

  /** Encrypt a message for the peer. Only after `ready`. */
  send(message: Message): Uint8Array {
    if (this.phase !== 'ready') throw new Error('peer session is not ready');
    return this.noise.encrypt(encodeMessage(message));
  }

  /**
   * Why the connection ended when the socket closed under us (`socketReason` from the transport,
   * if any), phrased for a person. A peer that hangs up after our `init` without sending its own
   * has refused our features or chain; LDK does exactly this without an `error` message, so we
   * name the BOLT 9 ASSUMED features we do not offer, which is what peers commonly require.
   */
  explainClose(socketReason: string | undefined): string {
    const suffix = socketReason ? ` (${socketReason})` : '';
    if (this.phase === 'ready') return socketReason ? `connection lost: ${socketReason}` : 'peer closed the connection';
    if (this.phase === 'handshake') {
      // Without a reason, the likeliest cause is a wrong node id: the responder cannot decrypt act 1.
      return socketReason
        ? `connection closed during the BOLT 8 handshake: ${socketReason}`
        : 'peer closed the connection during the BOLT 8 handshake: is the node id right?';
    }
    if (this.phase === 'awaiting-init') {
      const missing = ASSUMED_FEATURES.filter((f) => !this.config.localFeatures.supports(f.name)).map((f) => `${f.bit} (${f.name})`);
      const why = missing.length
        ? `it most likely requires features we do not offer: [${missing.join(', ')}]`
        : 'it may require a feature we do not offer, or run on another chain';
      return `peer closed the connection after our init without sending its own${suffix}; ${why}`;
    }
    return `connection closed${suffix}`;
  }

  /** Build a `warning` (all channels) and mark the session closed: for "tell them why, then hang up". */
  closeWithWarning(reason: string): SessionOutput {
    const out: SessionOutput = { write: [], events: [] };
    return this.fail(out, reason, true);
  }

  private localInit(): InitMessage {
    return {
      type: 'init',
      globalFeatures: new Uint8Array(0),
      features: this.config.localFeatures.toBytes(),
      ...(this.config.chainHashes ? { networks: this.config.chainHashes } : {}),
    };
  }

  private writePing(now: number, out: SessionOutput): void {
    const pongBytes = 8;
    out.write.push(this.noise.encrypt(encodeMessage({ type: 'ping', numPongBytes: pongBytes, ignoredLength: 0 })));
    this.pendingPing = { sentAt: now, pongBytes };
  }

  private fail(out: SessionOutput, reason: string, tellPeer = false): SessionOutput {
    if (tellPeer && this.noise.ready) {
      try {
        out.write.push(this.noise.encrypt(encodeMessage({ type: 'warning', channelId: ALL_CHANNELS, data: asciiBytes(reason) })));
      } catch {
        /* best effort */
      }
    }
    this.phase = 'closed';
    out.close = reason;
    return out;
  }

  private handleMessage(raw: Uint8Array, now: number, out: SessionOutput): void {
    let decoded;
    try {
      decoded = decodeMessage(raw);
    } catch (err) {
      const reason = err instanceof DecodeError ? `bad message from peer: ${err.message}` : `bad message from peer: ${errorMessage(err)}`;
      this.fail(out, reason, true);
      return;
    }
    if (decoded.kind === 'unknown') {
      out.events.push({ type: 'ignored', messageType: decoded.type });
      return;
    }
    if (decoded.kind === 'gossip') {
      // BOLT 1: init comes first, gossip included.
      if (this.phase === 'awaiting-init') this.fail(out, `peer sent ${decoded.name} before init`);
      else out.events.push({ type: 'ignored', messageType: decoded.type, name: decoded.name });
      return;
    }
    const m = decoded.message;
    if (this.phase === 'awaiting-init') {
      if (m.type !== 'init') {
        // BOLT 1: the first message must be init.
        this.fail(out, `peer sent ${m.type} before init`);
        return;
      }
      this.onInit(m, now, out);
      return;
    }
    switch (m.type) {
      case 'init':
        this.fail(out, 'peer sent a second init', true);
        return;
      case 'ping':
        this.onPing(m.numPongBytes, now, out);
        return;
      case 'pong':
        if (this.pendingPing && m.ignoredLength === this.pendingPing.pongBytes) {
          out.events.push({ type: 'pong', rttMs: now - this.pendingPing.sentAt });
          this.pendingPing = undefined;
          if (this.config.pingIntervalMs > 0) this.nextPingAt = now + this.config.pingIntervalMs;
        }
        // BOLT 1: a pong we did not ask for MAY fail the connection; we ignore it.
        return;
      case 'error':
      case 'warning':
        out.events.push({ type: 'remote-error', kind: m.type, channelId: m.channelId, text: errorText(m) });
        return;
      default:
        // A busy link earns pings back: LDK sends an extra ping every 32 messages it writes, to
        // check we keep reading; that is traffic, not a flood (one token per MESSAGES_PER_PING_TOKEN received).
        if (++this.messagesSincePingToken >= MESSAGES_PER_PING_TOKEN) {
          this.messagesSincePingToken = 0;
          this.pingTokens = Math.min(this.config.pingBurst, this.pingTokens + 1);
        }
        // Every non-setup message (BOLT 2 channel messages, …) is for the layers above.
        out.events.push({ type: 'message', message: m });
    }
  }

  private onInit(m: InitMessage, now: number, out: SessionOutput): void {
    const remote = FeatureVector.fromBytes(m.features).union(FeatureVector.fromBytes(m.globalFeatures));
    this.remoteInit = m;
    this.remoteFeatures = remote;
    const problem = checkPeerFeatures(this.config.localFeatures, remote);
    if (problem) {
      this.fail(out, describeFeatureProblem(problem.reason), true);
      return;
    }
    const ours = this.config.chainHashes;
    if (ours && m.networks && !m.networks.some((n) => ours.some((o) => bytesToHex(o) === bytesToHex(n)))) {
      this.fail(out, 'peer operates on none of our chains (init networks)', true);
      return;
    }
    this.phase = 'ready';
    if (this.config.pingIntervalMs > 0) this.nextPingAt = now + this.config.pingIntervalMs;
    out.events.push({ type: 'ready', remoteInit: m, remoteFeatures: remote });
  }

  private onPing(numPongBytes: number, now: number, out: SessionOutput): void {
    const refill = Math.floor((now - this.pingTokensAt) / this.config.pingRefillMs);
    if (refill > 0) {
      this.pingTokens = Math.min(this.config.pingBurst, this.pingTokens + refill);
      this.pingTokensAt += refill * this.config.pingRefillMs;
    }
    if (this.pingTokens <= 0) {
      this.fail(out, 'peer is flooding us with pings', true);
      return;
    }
    this.pingTokens--;
    if (numPongBytes < PING_NO_REPLY_THRESHOLD) {
      out.write.push(this.noise.encrypt(encodeMessage({ type: 'pong', ignoredLength: numPongBytes })));
    }
  }
}

/** Add BOLT 9 names to the bit numbers in a feature reason: "[12]" → "[12 (option_static_remotekey)]". */
export function describeFeatureProblem(reason: string): string {
  return reason.replace(/\[([0-9, ]*)\]/, (_all, list: string) => {
    const named = list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        const f = featureForBit(Number(s));
        return f ? `${s} (${f.name})` : s;
      });
    return `[${named.join(', ')}]`;
  });
}
