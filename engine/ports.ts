/**
 * The interfaces the environment implements for the engine (LDK-style traits at the edges).
 * Browser adapters live in workers/adapters, Node adapters in cli/adapters; tests bring their own.
 * The engine never touches a global clock, random source, socket or storage directly.
 */

/** Callbacks a byte stream delivers to its reader. */
export interface SocketHandlers {
  /** Bytes arrived. Boundaries mean nothing (TCP segments, WebSocket frames). */
  data(bytes: Uint8Array): void;
  /** The stream ended, with a reason when it was an error. Called once. */
  closed(reason?: string): void;
}

/** A connected, bidirectional byte stream (TCP, WebSocket through a proxy, in-memory pipe). */
export interface Socket {
  /** A description of the far end, for logs. */
  readonly remote: string;
  /** Begin delivering data. Data that arrives before `start` is buffered, not lost. */
  start(handlers: SocketHandlers): void;
  write(bytes: Uint8Array): void;
  /** Close the stream; `closed` fires once afterwards if it has not already. */
  close(): void;
}

/** Where and how to reach a peer; produced by `parsePeerUri` and `transportFor`. */
export type TransportTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'websocket'; readonly url: string };

/** Opens byte streams. Rejects with an Error whose message is a one-line reason. */
export interface Dialer {
  dial(target: TransportTarget, timeoutMs: number): Promise<Socket>;
}

/** Wall-clock time and timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Run `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Cryptographically secure randomness. */
export interface Entropy {
  randomBytes(n: number): Uint8Array;
}

/**
 * PBKDF2-HMAC-SHA512 (RFC 8018), used to stretch a BIP 39 mnemonic into its seed. Browsers and
 * Node implement it natively (WebCrypto `deriveBits`, node:crypto); without an adapter the engine
 * falls back to @noble/hashes in JS (engine/keys/mnemonic.ts).
 */
export type Pbkdf2Sha512 = (password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number) => Promise<Uint8Array>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log() {} };

/**
 * A byte-level key/value store (IndexedDB in the browser, a file in Node, memory in tests). It
 * stores opaque bytes; encryption and record versions live above it (engine/store). Keys are
 * short ASCII names such as `wallet/meta` or `channel/<id>`.
 */
export interface KVStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys starting with `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /**
   * Apply every put and delete atomically: after a crash either all of them or none are visible.
   * Resolves only once the batch is durable (IndexedDB `complete` with durability "strict",
   * fsync for a file). This is the persistence barrier DESIGN.md rule 3 relies on.
   */
  write(batch: KVBatch): Promise<void>;
  close(): Promise<void>;
}

export interface KVBatch {
  readonly put?: ReadonlyArray<readonly [key: string, value: Uint8Array]>;
  readonly del?: readonly string[];
}

/** The subset of WHATWG `fetch` the engine uses (browser fetch, Node 20's global fetch, test fakes). */
export type FetchLike = (
  url: string,
  init?: { method?: string; body?: string; headers?: Record<string, string>; signal?: AbortSignalLike },
) => Promise<FetchResponseLike>;

export interface FetchResponseLike {
  readonly status: number;
  readonly ok: boolean;
  /** Response headers (the Esplora client reads `Retry-After`); optional for simple fakes. */
  readonly headers?: { get(name: string): string | null };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Structural stand-in for AbortSignal (engine/ has no DOM types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
}
