/**
 * A `Socket` over a WebSocket: binary frames carry the BOLT 8 byte stream, and a frame boundary
 * means nothing. Works with the browser's WebSocket and with the `ws` package in Node (both
 * implement the same event-handler API), so the constructor is injected.
 *
 * A text frame from the far end is a proxy's error report (e.g. "Could not connect to …"): it
 * becomes the close reason.
 */
import type { Dialer, Socket, SocketHandlers, TransportTarget } from '../../engine/index.ts';

/** A handler slot typed bivariantly, so the DOM's `(ev: Event) => any` slots are assignable. */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'] | null;

/** The subset of the WebSocket API we use (browser WebSocket and npm `ws` both satisfy it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: Handler<never>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<never>;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

class WebSocketStream implements Socket {
  readonly remote: string;
  private handlers: SocketHandlers | undefined;
  private pending: Uint8Array[] = [];
  private closedReason: string | undefined;
  private isClosed = false;
  private textReason: string | undefined;
  private readonly ws: WebSocketLike;

  constructor(ws: WebSocketLike, url: string) {
    this.ws = ws;
    this.remote = url;
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = (ev) => this.finish(this.textReason ?? (ev.code === 1000 ? undefined : `websocket closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`));
    ws.onerror = () => this.finish(this.textReason ?? 'websocket error');
  }

  private onMessage(data: unknown): void {
    if (typeof data === 'string') {
      this.textReason = data.slice(0, 300);
      return;
    }
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else return;
    if (this.handlers) this.handlers.data(bytes);
    else this.pending.push(bytes);
  }

  private finish(reason: string | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedReason = reason;
    this.handlers?.closed(reason);
  }

  start(handlers: SocketHandlers): void {
    this.handlers = handlers;
    const queued = this.pending;
    this.pending = [];
    for (const b of queued) handlers.data(b);
    if (this.isClosed) handlers.closed(this.closedReason);
  }

  write(bytes: Uint8Array): void {
    if (this.isClosed || this.ws.readyState !== OPEN) return;
    // Engine bytes are never backed by a SharedArrayBuffer.
    this.ws.send(bytes as Uint8Array<ArrayBuffer>);
  }

  close(): void {
    try {
      this.ws.close(1000);
    } catch {
      /* already closing */
    }
    this.finish(undefined);
  }
}

/** Open a WebSocket byte stream to `url`, failing after `timeoutMs` or on the first error. */
export function openWebSocket(Ctor: WebSocketConstructor, url: string, timeoutMs: number, timer: (ms: number, fn: () => void) => () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url, 'binary');
    } catch (err) {
      reject(new Error(`bad WebSocket URL ${url}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    ws.binaryType = 'arraybuffer';
    let settled = false;
    let textReason: string | undefined;
    const cancel = timer(timeoutMs, () => {
      if (settled) return;
      settled = true;
      try {
        ws.close();
      } catch {
        /* ignore */
      }
      reject(new Error(`timed out after ${timeoutMs} ms opening ${url}`));
    });
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') textReason = ev.data.slice(0, 300);
    };
    ws.onopen = () => {
      if (settled) return;
      settled = true;
      cancel();
      resolve(new WebSocketStream(ws, url));
    };
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      cancel();
      reject(new Error(textReason ?? why));
    };
    ws.onerror = () => fail(`could not open WebSocket ${url}`);
    ws.onclose = (ev) => fail(`WebSocket ${url} closed before opening (code ${ev.code})`);
  });
}

/**
 * A Dialer that reaches every target over WebSocket. TCP targets are refused: a browser cannot
 * open TCP, so the caller must supply a proxy (see engine/peer/address.ts `transportFor`).
 */
export function webSocketDialer(Ctor: WebSocketConstructor, timer: (ms: number, fn: () => void) => () => void): Dialer {
  return {
    dial(target: TransportTarget, timeoutMs: number): Promise<Socket> {
      if (target.kind !== 'websocket') {
        return Promise.reject(new Error(`cannot open TCP to ${target.host}:${target.port} here: set a WebSocket proxy URL`));
      }
      return openWebSocket(Ctor, target.url, timeoutMs, timer);
    },
  };
}
