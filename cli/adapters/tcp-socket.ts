/** Node adapters for byte streams: node:net TCP sockets, and a Dialer for TCP and WebSocket targets. */
import net from 'node:net';
import WebSocket from 'ws';
import type { Dialer, Socket, SocketHandlers, TransportTarget } from '../../engine/index.ts';
import { openWebSocket, type WebSocketConstructor } from '../../workers/adapters/ws-socket.ts';
import { nodeTimer } from './clock.ts';

/** Wrap a connected node:net socket as an engine `Socket`. */
export function tcpSocket(sock: net.Socket): Socket {
  let handlers: SocketHandlers | undefined;
  const pending: Uint8Array[] = [];
  let closed = false;
  let closeReason: string | undefined;
  let error: string | undefined;
  sock.setNoDelay(true);
  sock.on('data', (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (handlers) handlers.data(bytes);
    else pending.push(bytes);
  });
  sock.on('error', (err) => {
    error = err.message;
  });
  sock.on('close', () => {
    if (closed) return;
    closed = true;
    closeReason = error;
    handlers?.closed(closeReason);
  });
  return {
    remote: `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`,
    start(h) {
      handlers = h;
      for (const b of pending.splice(0)) h.data(b);
      if (closed) h.closed(closeReason);
    },
    write(bytes) {
      if (!closed && !sock.destroyed) sock.write(bytes);
    },
    close() {
      sock.destroy();
    },
  };
}

/** Open a TCP connection with a timeout. */
export function dialTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms connecting to ${host}:${port}`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(tcpSocket(sock));
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${host}:${port}: ${err.message}`));
    });
  });
}

/** The Node Dialer: TCP directly, WebSocket (direct or through a proxy) with the `ws` package. */
export const nodeDialer: Dialer = {
  dial(target: TransportTarget, timeoutMs: number): Promise<Socket> {
    if (target.kind === 'tcp') return dialTcp(target.host, target.port, timeoutMs);
    return openWebSocket(WebSocket as WebSocketConstructor, target.url, timeoutMs, nodeTimer);
  },
};

/** Listen for inbound TCP connections and hand each to `onSocket`. */
export function listenTcp(port: number, host: string, onSocket: (s: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const open = new Set<net.Socket>();
    const server = net.createServer((sock) => {
      open.add(sock);
      sock.on('close', () => open.delete(sock));
      onSocket(tcpSocket(sock));
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            for (const s of open) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
