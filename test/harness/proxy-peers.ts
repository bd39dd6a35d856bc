// Test harness for the proxy (used by test/unit/proxy*.test.ts; handy for smoke tests elsewhere):
// loopback TCP peers and clients that record everything. Loopback only, nothing here resolves DNS.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { LogRecord } from '../../proxy/log.ts';
import type { ProxyOptions } from '../../proxy/options.ts';
import { startProxy, type RunningProxy } from '../../proxy/server.ts';

export interface Peer {
  readonly port: number;
  /** Sockets the peer has accepted (open or closed). */
  readonly sockets: Socket[];
  /** Everything received on each accepted socket, in order. */
  readonly received: Buffer[][];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1; `onSocket` decides what it does with each connection. */
export async function startPeer(onSocket: (s: Socket, index: number) => void = () => {}): Promise<Peer> {
  const sockets: Socket[] = [];
  const received: Buffer[][] = [];
  const server: Server = createServer((s) => {
    const index = sockets.length;
    sockets.push(s);
    received.push([]);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => received[index]?.push(d));
    onSocket(s, index);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    sockets,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An echo peer: writes back every byte it receives, ends when the other side ends. */
export function startEchoPeer(): Promise<Peer> {
  return startPeer((s) => s.pipe(s));
}

/** A free loopback port (bound then released), for "connection refused". */
export async function unusedPort(): Promise<number> {
  const p = await startPeer();
  await p.close();
  return p.port;
}

export interface Recorded {
  readonly ws: WebSocket;
  readonly texts: string[];
  readonly binaries: Buffer[];
  /** Resolves once open (rejects on an HTTP-level failure). */
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves when at least `n` bytes of binary data have arrived. */
  bytes(n: number): Promise<Buffer>;
}

/** A `ws` client that records every frame. */
export function record(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}, protocols?: string[]): Recorded {
  const ws = new WebSocket(url, protocols, options);
  const texts: string[] = [];
  const binaries: Buffer[] = [];
  let total = 0;
  const waiters: Array<{ n: number; resolve: (b: Buffer) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (total >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(Buffer.concat(binaries));
      }
    }
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      binaries.push(data);
      total += data.length;
      check();
    } else {
      texts.push(data.toString('utf8'));
    }
  });
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') }));
  });
  return {
    ws, texts, binaries, opened, closed,
    bytes: (n) => new Promise<Buffer>((resolve) => {
      waiters.push({ n, resolve });
      check();
    }),
  };
}

export interface RawResult {
  /** The HTTP status line and headers, as text. */
  readonly head: string;
  readonly status: number;
  /** Text frames the server sent after a 101. */
  readonly texts: string[];
  /** Close code from the server's close frame, if any. */
  readonly closeCode: number | null;
}

/** Parses unmasked server frames (text, binary, close) out of `buf`. */
function parseFrames(buf: Buffer): { texts: string[]; closeCode: number | null } {
  const texts: string[] = [];
  let closeCode: number | null = null;
  let i = 0;
  while (i + 2 <= buf.length) {
    const op = (buf[i] ?? 0) & 0x0f;
    let len = (buf[i + 1] ?? 0) & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (at + len > buf.length) break;
    const payload = buf.subarray(at, at + len);
    if (op === 1) texts.push(payload.toString('utf8'));
    if (op === 8 && payload.length >= 2) closeCode = payload.readUInt16BE(0);
    i = at + len;
  }
  return { texts, closeCode };
}

/**
 * Sends `request` verbatim on a raw TCP connection and collects everything until the server closes
 * (or `timeoutMs`). With no request given, sends a WebSocket upgrade for `path` (raw, unnormalised).
 */
export function rawRequest(port: number, path: string, request?: string, timeoutMs = 3000): Promise<RawResult> {
  const req = request ?? `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let sentClose = false;
    const t = setTimeout(() => s.destroy(), timeoutMs);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      // Answer the server's close frame (masked, as a client must) so it can finish cleanly.
      if (!sentClose && end >= 0 && parseFrames(all.subarray(end + 4)).closeCode !== null) {
        sentClose = true;
        s.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
      }
    });
    s.on('close', () => {
      clearTimeout(t);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const head = (end >= 0 ? all.subarray(0, end) : all).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const frames = end >= 0 && status === 101 ? parseFrames(all.subarray(end + 4)) : { texts: [], closeCode: null };
      resolve({ head, status, ...frames });
    });
    s.write(req);
  });
}

/**
 * Per-test resources for proxy tests: peers and proxies started through these helpers are closed
 * (in reverse order) by `cleanup`, which the test file registers with `afterEach`.
 */
export function proxyTestScope(): {
  peer(p: Promise<Peer>): Promise<Peer>;
  proxy(opts: ProxyOptions): Promise<RunningProxy & { logs: LogRecord[] }>;
  /** Run `fn` at cleanup (for resources made without these helpers). */
  defer(fn: () => Promise<void>): void;
  cleanup(): Promise<void>;
} {
  const cleanups: Array<() => Promise<void>> = [];
  return {
    async peer(p) {
      const x = await p;
      cleanups.push(() => x.close());
      return x;
    },
    async proxy(opts) {
      const logs: LogRecord[] = [];
      const p = await startProxy({ host: '127.0.0.1', port: 0, log: (r) => logs.push(r), logLevel: 'debug', ...opts });
      cleanups.push(() => p.close());
      return Object.assign(p, { logs });
    },
    defer(fn) {
      cleanups.push(fn);
    },
    async cleanup() {
      for (const c of cleanups.splice(0).reverse()) await c();
    },
  };
}
