/**
 * UI side of the RPC: id-correlated requests with timeouts, one event stream, and the `ready`
 * handshake (requests made before the worker is listening are queued, not lost). Every message
 * from the worker is validated; a malformed one is reported on the console and dropped.
 */
import {
  PROTOCOL_VERSION,
  parseResult,
  parseWorkerMessage,
  type ClientMessage,
  type DecodedInvoiceDto,
  type FeeEstimateDto,
  type Method,
  type NodeEvent,
  type NodeInfoDto,
  type ParamsOf,
  type PaymentDto,
  type PayResultDto,
  type ResultOf,
  type RpcErrorCode,
  type RpcRequest,
} from './protocol.ts';

/** A Worker, or a MessagePort in tests. */
export interface ClientPort {
  postMessage(message: ClientMessage): void;
  addEventListener(type: 'message' | 'messageerror' | 'error', listener: (ev: Event) => void): void;
  terminate?(): void;
}

/** A request failed. `message` is the worker's text verbatim; `field` names the bad input. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: RpcErrorCode | 'timeout' | 'closed';
  readonly field: string | null;
  constructor(code: RpcErrorCode | 'timeout' | 'closed', message: string, field: string | null = null) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

export interface RpcClientOptions {
  /** Default per-request timeout. */
  timeoutMs?: number;
  /** How long to wait for the worker's `ready` before giving up. */
  readyTimeoutMs?: number;
}

interface Pending {
  method: Method;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Per-method timeouts where the default does not fit: a connect includes dial + handshake; wallet
 * creation and unlocking run a deliberately slow KDF; sync and send talk to Esplora.
 */
const METHOD_TIMEOUTS: Partial<Record<Method, number>> = {
  // The other tab stops its node first; the worker waits up to 30 s for the lock (TAKEOVER_WAIT_MS).
  'node.takeover': 60_000,
  'peers.connect': 60_000,
  'peers.ping': 30_000,
  'settings.set': 60_000,
  'wallet.create': 120_000,
  'wallet.unlock': 120_000,
  'wallet.lock': 60_000,
  'wallet.backup': 120_000,
  'wallet.sync': 120_000,
  'wallet.feeRates': 60_000,
  'wallet.prepareSend': 60_000,
  'wallet.confirmSend': 60_000,
  // The faucet mines a block, then the wallet syncs before the call resolves.
  'wallet.faucet': 120_000,
  // Dial + handshake, then the funding flow (the node gives the peer 60 s), then the broadcast.
  'channels.open': 150_000,
  // A cooperative close negotiates with the peer before the closing transaction exists.
  'channels.close': 120_000,
  // The node waits up to 60 s for the outcome before answering `pending`.
  'payment.pay': 120_000,
  'payment.estimateFee': 30_000,
};

export class RpcClient {
  readonly #port: ClientPort;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #queue: RpcRequest[] = [];
  readonly #listeners = new Set<(e: NodeEvent) => void>();
  readonly #ready: Promise<NodeInfoDto>;
  #resolveReady!: (info: NodeInfoDto) => void;
  #rejectReady!: (e: Error) => void;
  #nextId = 1;
  #isReady = false;
  #closed: string | null = null;
  #hello: ReturnType<typeof setInterval> | undefined;
  #readyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(port: ClientPort, options: RpcClientOptions = {}) {
    this.#port = port;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => {}); // observed through ready(); avoid an unhandled rejection
    port.addEventListener('message', (ev) => this.#onMessage((ev as MessageEvent).data));
    port.addEventListener('messageerror', () => console.error('glint: a message from the node worker could not be deserialised'));
    port.addEventListener('error', (ev) => {
      const text = ev instanceof ErrorEvent && ev.message ? ev.message : 'the node worker failed to load';
      ev.preventDefault();
      this.#fail(`node worker error: ${text}`);
    });
    const hello = (): void => this.#port.postMessage({ kind: 'hello', protocol: PROTOCOL_VERSION });
    hello();
    this.#hello = setInterval(hello, 500);
    this.#readyTimer = setTimeout(() => this.#fail('the node worker did not start (no ready message)'), options.readyTimeoutMs ?? 20_000);
  }

  /** Resolves with the node's state once the worker is listening. */
  ready(): Promise<NodeInfoDto> {
    return this.#ready;
  }

  /** Call `method`; rejects with an RpcError carrying the worker's message verbatim. */
  request<M extends Method>(method: M, params: ParamsOf<M>, options: { timeoutMs?: number } = {}): Promise<ResultOf<M>> {
    if (this.#closed) return Promise.reject(new RpcError('closed', this.#closed));
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? METHOD_TIMEOUTS[method] ?? this.#timeoutMs;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        const i = this.#queue.findIndex((r) => r.id === id);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(new RpcError('timeout', `${method} timed out after ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      const req = { kind: 'request', id, method, params } as RpcRequest;
      if (this.#isReady) this.#port.postMessage(req);
      else this.#queue.push(req);
    });
  }

  // ---- payments (workers/rpc/protocol-payments.ts) -----------------------------------------

  /** A new invoice to be paid to this node; no `amountMsat`: any amount. */
  createInvoice(params: ParamsOf<'invoice.create'> = {}): Promise<{ bolt11: string; paymentHash: string }> {
    return this.request('invoice.create', params);
  }

  /** Decode a pasted invoice, `lightning:` or BIP21 URI for review (no unlocked wallet needed). */
  decodeInvoice(text: string): Promise<DecodedInvoiceDto> {
    return this.request('invoice.decode', { text });
  }

  /** The routing fee paying `bolt11` would cost, and how the payee would be reached. */
  estimatePayFee(bolt11: string, amountMsat?: string): Promise<FeeEstimateDto> {
    return this.request('payment.estimateFee', { bolt11, ...(amountMsat !== undefined ? { amountMsat } : {}) });
  }

  /** Pay `bolt11`: succeeded, failed (with the reason), or pending (a `payment` event follows). */
  pay(params: ParamsOf<'payment.pay'>): Promise<PayResultDto> {
    return this.request('payment.pay', params);
  }

  /** The payment history, newest first. */
  payments(): Promise<PaymentDto[]> {
    return this.request('payment.list', {});
  }

  /** Every `payment` push event (a payment appeared or changed status); returns an unsubscribe function. */
  onPayment(fn: (payment: PaymentDto) => void): () => void {
    return this.subscribe((e) => {
      if (e.type === 'payment') fn(e.payment);
    });
  }

  /** Receive every event the worker streams; returns an unsubscribe function. */
  subscribe(fn: (e: NodeEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Reject everything outstanding and stop the worker. */
  close(): void {
    this.#fail('the RPC client was closed');
    this.#port.terminate?.();
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = reason;
    clearInterval(this.#hello);
    clearTimeout(this.#readyTimer);
    this.#rejectReady(new RpcError('closed', reason));
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError('closed', reason));
      this.#pending.delete(id);
    }
    this.#queue.length = 0;
  }

  #onMessage(data: unknown): void {
    let msg;
    try {
      msg = parseWorkerMessage(data);
    } catch (err) {
      console.error('glint: dropped a malformed message from the node worker:', err instanceof Error ? err.message : err);
      return;
    }
    switch (msg.kind) {
      case 'ready':
        if (this.#isReady || this.#closed) return;
        if (msg.protocol !== PROTOCOL_VERSION) {
          this.#fail(`the node worker speaks protocol ${msg.protocol}, this page ${PROTOCOL_VERSION}: reload the page`);
          return;
        }
        this.#isReady = true;
        clearInterval(this.#hello);
        clearTimeout(this.#readyTimer);
        for (const req of this.#queue.splice(0)) this.#port.postMessage(req);
        this.#resolveReady(msg.info);
        return;
      case 'event':
        for (const fn of this.#listeners) {
          try {
            fn(msg.event);
          } catch (err) {
            console.error('glint: event listener failed', err);
          }
        }
        return;
      case 'response': {
        if (msg.id === null) {
          console.error('glint: the node worker rejected a malformed request:', msg.ok ? '' : msg.error.message);
          return;
        }
        const p = this.#pending.get(msg.id);
        if (!p) return; // timed out already
        this.#pending.delete(msg.id);
        clearTimeout(p.timer);
        if (!msg.ok) {
          p.reject(new RpcError(msg.error.code, msg.error.message, msg.error.field));
          return;
        }
        try {
          p.resolve(parseResult(p.method, msg.result));
        } catch (err) {
          p.reject(new RpcError('invalid-request', `malformed ${p.method} result from the node worker: ${err instanceof Error ? err.message : String(err)}`));
        }
      }
    }
  }
}

/** Start the node worker (a module worker bundled by Vite) and connect a client to it. */
export function startNodeWorker(options?: RpcClientOptions): RpcClient {
  const worker = new Worker(new URL('../node.worker.ts', import.meta.url), { type: 'module', name: 'glint-node' });
  return new RpcClient(worker, options);
}
