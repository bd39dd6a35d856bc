// The proxy server: HTTP listener, upgrade admission (limits, Origin, path, port, address policy),
// relays, health and metrics endpoints and shutdown.
//
// Admission order for an upgrade request: total cap, per-IP cap, Origin, path, port, literal address.
// Every refusal of a well-formed WebSocket upgrade is delivered the same way: the handshake
// completes, ONE text frame carries the one-line reason, and the connection closes with 1013 (limits),
// 1008 (policy: origin, path, port, address) or 1011 (DNS/connect failures, from the relay). Browsers
// cannot read HTTP status codes of a failed upgrade, so this is the only way they see a reason.
// Sockets in that refusal state are bounded by maxTotal too; past that, upgrades get HTTP 503.

import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from './log.ts';
import { ProxyMetrics } from './metrics.ts';
import { resolveOptions, type ProxyOptions } from './options.ts';
import { addressRefusal, clientKey, portAllowList, portRefusal } from './policy.ts';
import { CLOSE, refuse, startRelay, type Relay } from './relay.ts';
import { parseTargetPath, quote, type Target } from './target.ts';

export type { ProxyOptions } from './options.ts';

export interface RunningProxy {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  /** Stops listening, closes every connection, resolves when all sockets are gone. */
  close(): Promise<void>;
}

function isLoopbackHost(h: string): boolean {
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

function rejectHttp(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

export async function startProxy(options: ProxyOptions = {}): Promise<RunningProxy> {
  const opts = resolveOptions(options);
  const log = createLogger(opts.logLevel, opts.log);
  const allowedPorts = portAllowList(opts.allowPorts);
  const allowedOrigins = new Set(opts.allowOrigins.map((o) => o.toLowerCase()));

  const perIp = new Map<string, number>();
  let total = 0;
  let nextId = 1;
  const relays = new Set<Relay>();
  const refusing = new Set<WebSocket>();
  const rawSockets = new Set<Socket>();
  const upgraded = new WeakSet<Duplex>();
  let closing: Promise<void> | null = null;
  const metrics = new ProxyMetrics();

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: opts.maxMessageBytes,
    handleProtocols: (protocols: Set<string>) => (protocols.has('binary') ? 'binary' : false),
  });

  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000 },
    (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const text = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (path === '/health' && read) text(200, 'ok');
      else if (path === '/metrics' && read) text(200, metrics.render(total), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      else if (path.startsWith('/v1/')) text(426, 'WebSocket upgrade required\n', { upgrade: 'websocket' });
      else text(404, 'Not found. WebSocket endpoint: /v1/<host with . written as _>/<port>\n');
    },
  );
  // Last-resort ceiling on raw sockets (relays + refusals + requests still being parsed).
  server.maxConnections = opts.maxTotal * 2 + 64;

  server.on('connection', (socket: Socket) => {
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug('bad-request', { ip: (socket as Socket).remoteAddress, reason: err.code ?? err.message });
    if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
    else rejectHttp(socket, err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400, 'Bad request');
  });

  function clientIp(req: IncomingMessage): string {
    const direct = req.socket.remoteAddress ?? 'unknown';
    if (!opts.trustProxy) return direct;
    const xff = req.headers['x-forwarded-for'];
    const joined = Array.isArray(xff) ? xff.join(',') : (xff ?? '');
    // The last entry is the one our own reverse proxy appended; earlier ones are client-supplied.
    const last = joined.split(',').map((s) => s.trim()).filter((s) => s !== '').pop();
    return last !== undefined && isIP(last) !== 0 ? last : direct;
  }

  type Admission = { ok: true; target: Target } | { ok: false; code: number; text: string };

  function admit(req: IncomingMessage, key: string): Admission {
    if (total >= opts.maxTotal) {
      return { ok: false, code: CLOSE.tryAgainLater, text: `Proxy is at capacity (${opts.maxTotal} connections); try again later` };
    }
    if ((perIp.get(key) ?? 0) >= opts.maxPerIp) {
      return { ok: false, code: CLOSE.tryAgainLater, text: `Too many connections from your address (limit ${opts.maxPerIp}); try again later` };
    }
    if (allowedOrigins.size > 0) {
      const origin = req.headers.origin;
      if (origin === undefined) return { ok: false, code: CLOSE.policy, text: 'Origin header missing; this proxy only serves its allowed origins' };
      if (!allowedOrigins.has(origin.toLowerCase())) return { ok: false, code: CLOSE.policy, text: `Origin ${quote(origin)} is not allowed` };
    }
    const parsed = parseTargetPath(req.url ?? '');
    if (!parsed.ok) return { ok: false, code: CLOSE.policy, text: parsed.error };
    const t = parsed.target;
    const badPort = portRefusal(t.port, allowedPorts);
    if (badPort) return { ok: false, code: CLOSE.policy, text: `Could not connect to ${t.display}: ${badPort}` };
    if (t.kind !== 'hostname') {
      const bad = addressRefusal(t.host, opts.allowPrivate);
      if (bad) return { ok: false, code: CLOSE.policy, text: `Could not connect to ${t.display}: destination is ${bad}` };
    }
    return { ok: true, target: t };
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('error', () => socket.destroy());
    if (closing) {
      rejectHttp(socket, 503, 'Proxy is shutting down');
      return;
    }
    const ip = clientIp(req);
    const key = clientKey(ip);
    const admission = admit(req, key);
    if (!admission.ok) metrics.refuse(admission.code === CLOSE.tryAgainLater ? 'limit' : 'policy');
    if (!admission.ok && refusing.size >= opts.maxTotal) {
      rejectHttp(socket, 503, admission.text);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const id = nextId++;
      if (!admission.ok) {
        log.info('refuse', { id, ip, path: (req.url ?? '').slice(0, 300), code: admission.code, reason: admission.text });
        refusing.add(ws);
        ws.on('error', () => {});
        ws.once('close', () => refusing.delete(ws));
        refuse(ws, admission.code, admission.text);
        return;
      }
      total++;
      metrics.connectionsTotal++;
      perIp.set(key, (perIp.get(key) ?? 0) + 1);
      let released = false;
      let relay: Relay | null = null;
      let finished = false;
      relay = startRelay(ws, admission.target, {
        opts,
        log,
        id,
        ip,
        metrics,
        release: () => {
          if (released) return;
          released = true;
          total--;
          const n = (perIp.get(key) ?? 1) - 1;
          if (n <= 0) perIp.delete(key);
          else perIp.set(key, n);
        },
        done: () => {
          finished = true;
          if (relay) relays.delete(relay);
        },
      });
      if (!finished) relays.add(relay);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err: Error) => log.error('server-error', { reason: err.message }));

  const port = (server.address() as AddressInfo).port;
  log.info('listening', {
    host: opts.host, port, allowPorts: [...allowedPorts], allowPrivate: opts.allowPrivate,
    allowOrigins: opts.allowOrigins, trustProxy: opts.trustProxy, maxPerIp: opts.maxPerIp, maxTotal: opts.maxTotal,
  });
  if (opts.allowPrivate && !isLoopbackHost(opts.host)) {
    log.warn('config', { reason: 'allowPrivate on a non-loopback listener lets anyone who can reach it into your private network' });
  }

  return {
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        log.info('shutdown', { connections: total });
        const fallback = setTimeout(() => {
          for (const s of rawSockets) s.destroy();
        }, 1500);
        server.close(() => {
          clearTimeout(fallback);
          wss.close();
          resolve();
        });
        for (const r of [...relays]) r.shutdown();
        for (const ws of [...refusing]) ws.terminate();
        // Plain HTTP connections (health checks, half-sent requests) go now; WebSockets get a grace.
        for (const s of rawSockets) if (!upgraded.has(s)) s.destroy();
      });
      return closing;
    },
  };
}
