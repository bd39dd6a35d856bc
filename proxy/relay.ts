// One relay: an accepted WebSocket and the TCP connection it is piped to.
//
// Lifecycle: resolve (DNS for hostnames, then the address policy on every address) -> connect
// (permitted addresses in order, one deadline for DNS + all attempts) -> open (bytes both ways with
// back-pressure, idle timer) -> closed. Exactly one `close` log record is written per relay.

import { connect as netConnect, type Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from './log.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { LookupFn, ResolvedOptions } from './options.ts';
import { addressRefusal } from './policy.ts';
import type { Target } from './target.ts';

export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policy: 1008,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** How long a client has to answer our close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;
/** How long a TCP peer has to finish after we half-close towards it. */
const TCP_END_GRACE_MS = 2000;

const defaultLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function truncateReason(s: string): string {
  // A close reason is at most 123 bytes; our messages are ASCII.
  return s.length > 123 ? `${s.slice(0, 120)}...` : s;
}

/**
 * Closes `ws` with `code` (after any data still queued to it), destroying its socket if the client
 * neither drains that queue nor completes the close handshake within CLOSE_GRACE_MS.
 */
export function closeWithGrace(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED) return;
  if (ws.readyState === WebSocket.OPEN) ws.close(code, truncateReason(reason));
  let queued = ws.bufferedAmount;
  const t = setInterval(() => {
    const now = ws.bufferedAmount;
    if (now > 0 && now < queued) {
      queued = now; // still draining towards a slow client: keep waiting
      return;
    }
    ws.terminate();
  }, CLOSE_GRACE_MS);
  ws.once('close', () => clearInterval(t));
}

/** Sends ONE text frame with the one-line reason `text`, then closes with `code`. */
export function refuse(ws: WebSocket, code: number, text: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
  closeWithGrace(ws, code, text);
}

function describeError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'timed out';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ENETUNREACH': return 'network unreachable';
    case 'ENOTFOUND': return 'host not found';
    case 'EAI_AGAIN': return 'DNS lookup failed temporarily';
    default: return err.code ? `${err.code}` : err.message.split('\n')[0] ?? 'error';
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export interface RelayContext {
  readonly opts: ResolvedOptions;
  readonly log: Logger;
  readonly id: number;
  readonly ip: string;
  /** Called once, when the client's WebSocket has closed (frees the connection slot). */
  readonly release: () => void;
  /** Called once, when both the WebSocket and the TCP socket are closed. */
  readonly done: () => void;
  /** The process's counters (bytes, errors, refusals by the address policy after DNS). */
  readonly metrics?: ProxyMetrics;
}

export interface Relay {
  /** Closes the WebSocket (1001) and destroys the TCP socket now. */
  shutdown(): void;
}

export function startRelay(ws: WebSocket, target: Target, ctx: RelayContext): Relay {
  const { opts, log } = ctx;
  const started = Date.now();
  const base = { id: ctx.id, ip: ctx.ip, dest: target.display };
  let state: 'resolving' | 'connecting' | 'open' | 'closed' = 'resolving';
  let tcp: Socket | null = null;
  let tcpClosed = true;
  let wsClosed = false;
  let bytesUp = 0;
  let bytesDown = 0;
  let idle: NodeJS.Timeout | null = null;
  let tcpPaused = false;
  const pending: Buffer[] = [];

  // Hold client data until the TCP connection is up (whatever was already read is queued).
  ws.pause();
  const deadline = setTimeout(() => {
    failConnect(CLOSE.internalError, `timed out after ${seconds(opts.connectTimeoutMs)}`);
  }, opts.connectTimeoutMs);

  function checkDone(): void {
    if (wsClosed && tcpClosed && state === 'closed') ctx.done();
  }

  function finish(code: number, reason: string, opt: { text?: boolean; tcpGraceful?: boolean } = {}): void {
    if (state === 'closed') return;
    const wasOpen = state === 'open';
    state = 'closed';
    clearTimeout(deadline);
    if (idle) clearTimeout(idle);
    if (tcp && !tcp.destroyed) {
      const sock = tcp;
      if (wasOpen && opt.tcpGraceful) {
        // The client went away: flush what it sent, then give the peer a moment to finish.
        sock.end();
        const t = setTimeout(() => sock.destroy(), TCP_END_GRACE_MS);
        sock.once('close', () => clearTimeout(t));
      } else {
        sock.destroy();
      }
    }
    ws.resume(); // so the client's close frame is read (we may have paused for back-pressure)
    if (opt.text) refuse(ws, code, reason);
    else closeWithGrace(ws, code, reason);
    log.info('close', {
      ...base, bytesUp, bytesDown, durationMs: Date.now() - started, code, reason,
    });
    if (ctx.metrics && code === CLOSE.internalError) ctx.metrics.errors++;
    else if (code === CLOSE.policy && !wasOpen) ctx.metrics?.refuse('policy'); // a hostname resolving to a refused address
    checkDone();
  }

  function failConnect(code: number, why: string): void {
    if (state === 'closed' || state === 'open') return;
    finish(code, `Could not connect to ${target.display}: ${why}`, { text: true });
  }

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (state === 'closed') return;
    if (!isBinary) {
      finish(CLOSE.unsupportedData, 'text frames are not supported; send binary frames');
      return;
    }
    const buf = toBuffer(data);
    bytesUp += buf.length;
    if (ctx.metrics) ctx.metrics.bytesUp += buf.length;
    idle?.refresh();
    if (state !== 'open' || !tcp) {
      pending.push(buf);
      return;
    }
    if (!tcp.write(buf)) ws.pause();
  });

  ws.on('error', (err: Error) => {
    log.debug('ws-error', { ...base, reason: err.message });
  });

  ws.on('close', (code: number, reason: Buffer) => {
    wsClosed = true;
    ctx.release();
    const why = reason.length > 0 ? reason.toString('utf8') : 'client closed';
    finish(code, why, { tcpGraceful: true });
    checkDone();
  });

  function connectTo(addresses: readonly string[], index: number): void {
    if (state === 'closed') return;
    const address = addresses[index] ?? '';
    state = 'connecting';
    const sock = (opts.connect ?? netConnect)({ host: address, port: target.port });
    tcp = sock;
    tcpClosed = false;
    sock.setNoDelay?.(true);

    sock.once('connect', () => {
      if (tcp !== sock || state !== 'connecting') return;
      state = 'open';
      clearTimeout(deadline);
      log.info('open', { ...base, address, durationMs: Date.now() - started });
      let flushed = true;
      for (const p of pending) flushed = sock.write(p) && flushed;
      pending.length = 0;
      idle = setTimeout(() => {
        finish(CLOSE.normal, `idle timeout (no data for ${seconds(opts.idleTimeoutMs)})`);
      }, opts.idleTimeoutMs);
      if (flushed) ws.resume();
    });

    sock.on('data', (chunk: Buffer) => {
      if (state !== 'open') return;
      bytesDown += chunk.length;
      if (ctx.metrics) ctx.metrics.bytesDown += chunk.length;
      idle?.refresh();
      ws.send(chunk, { binary: true }, (err?: Error) => {
        if (!err && tcpPaused && state === 'open' && ws.bufferedAmount <= opts.highWaterMark / 2) {
          tcpPaused = false;
          sock.resume();
        }
      });
      if (!tcpPaused && ws.bufferedAmount > opts.highWaterMark) {
        tcpPaused = true;
        sock.pause();
      }
    });

    sock.on('drain', () => {
      if (state === 'open') ws.resume();
    });

    sock.on('end', () => {
      if (tcp === sock) finish(CLOSE.normal, 'peer closed the connection');
    });

    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (tcp !== sock) return;
      if (state === 'connecting') {
        sock.destroy();
        if (index + 1 < addresses.length) connectTo(addresses, index + 1);
        else failConnect(CLOSE.internalError, describeError(err));
      } else if (state === 'open') {
        finish(CLOSE.internalError, `peer connection error: ${describeError(err)}`);
      }
    });

    sock.on('close', () => {
      if (tcp !== sock) return;
      tcpClosed = true;
      if (state === 'open') finish(CLOSE.normal, 'peer closed the connection');
      checkDone();
    });
  }

  async function resolve(): Promise<void> {
    if (target.kind !== 'hostname') {
      connectTo([target.host], 0);
      return;
    }
    let found: ReadonlyArray<{ address: string }>;
    try {
      found = await (opts.lookup ?? defaultLookup)(target.host);
    } catch (err) {
      failConnect(CLOSE.internalError, `DNS lookup failed (${describeError(err as NodeJS.ErrnoException)})`);
      return;
    }
    if (state === 'closed') return;
    if (found.length === 0) {
      failConnect(CLOSE.internalError, 'DNS lookup returned no addresses');
      return;
    }
    const permitted = found.map((f) => f.address).filter((a) => addressRefusal(a, opts.allowPrivate) === null);
    if (permitted.length === 0) {
      const first = found[0]?.address ?? '';
      const why = addressRefusal(first, opts.allowPrivate) ?? '';
      const more = found.length > 1 ? ` (and ${found.length - 1} more refused)` : '';
      failConnect(CLOSE.policy, `destination resolves to ${first}, ${why}${more}`);
      return;
    }
    connectTo(permitted, 0);
  }

  void resolve();

  return {
    shutdown() {
      finish(CLOSE.goingAway, 'proxy shutting down');
      tcp?.destroy();
    },
  };
}
