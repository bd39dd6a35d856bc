/**
 * HTTP for the Esplora client over the injected `fetch` and `Clock`: a FIFO queue that keeps at
 * most `maxConcurrent` requests in flight, a timeout per attempt, and retries with exponential
 * backoff on 429, 5xx, network errors and timeouts. A 429 pauses the whole client (not just the
 * request that got it) until its Retry-After, or the backoff delay, has passed.
 */
import type { AbortSignalLike, Clock, Entropy, FetchLike, Logger } from '../ports.ts';
import { EsploraError, snippet } from './errors.ts';

export interface RetryPolicy {
  /** Total attempts per request, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** A Retry-After longer than this fails the request at once instead of sleeping. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 5, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 120_000 });

/** Something like `AbortController`; Node's and the browser's fit. */
export interface AbortHandle {
  readonly signal: AbortSignalLike;
  abort(): void;
}

export interface HttpOptions {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Jitter source for backoff; without it delays are deterministic (no jitter). */
  readonly entropy?: Entropy;
  /** Makes abort handles so a timed-out request is cancelled, not just abandoned. */
  readonly abort?: () => AbortHandle;
  /** Response bodies longer than this (in characters) are refused. */
  readonly maxBodyChars: number;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`. */
  readonly path: string;
  readonly body?: string;
}

/** A final response: 2xx, or a status the caller interprets (404, other 4xx). */
export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

export interface HttpStats {
  /** Attempts sent to `fetch` (retries count). */
  requests: number;
  retries: number;
  inFlight: number;
  maxInFlight: number;
}

type Attempt =
  | { readonly kind: 'response'; readonly status: number; readonly text: string; readonly retryAfter: string | null }
  | { readonly kind: 'failed'; readonly error: EsploraError };

const isRetryableStatus = (s: number) => s === 429 || s === 408 || s >= 500;

export class Http {
  readonly stats: HttpStats = { requests: 0, retries: 0, inFlight: 0, maxInFlight: 0 };
  private readonly base: string;
  private readonly queue: (() => void)[] = [];
  private pausedUntil = 0;
  private pauseTimer: (() => void) | undefined;

  private readonly o: HttpOptions;

  constructor(options: HttpOptions) {
    this.o = options;
    this.base = options.baseUrl.replace(/\/+$/, '');
    if (!(options.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be at least 1');
  }

  /** Send `req`, retrying as the policy says. Resolves with a final response; rejects with EsploraError. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const where = req.method === 'GET' ? req.path : `${req.method} ${req.path}`;
    for (let attempt = 1; ; attempt++) {
      await this.acquire();
      let result: Attempt;
      try {
        result = await this.attempt(req, where);
      } finally {
        this.release();
      }
      if (result.kind === 'response' && !isRetryableStatus(result.status)) return { status: result.status, text: result.text };
      if (result.kind === 'failed' && result.error.kind === 'invalid') throw result.error; // an answer, not a hiccup

      const error =
        result.kind === 'failed'
          ? result.error
          : new EsploraError(result.status === 429 ? 'rate-limited' : 'http', where, `HTTP ${result.status}${result.text ? `: ${snippet(result.text)}` : ''}`, {
              status: result.status,
              body: result.text,
            });
      let delay = this.backoff(attempt);
      if (result.kind === 'response') {
        const after = this.retryAfterMs(result.retryAfter);
        if (after !== undefined) {
          if (after > this.o.retry.maxRetryAfterMs) {
            throw new EsploraError(error.kind, where, `${error.reason} (Retry-After ${Math.ceil(after / 1000)} s is longer than we wait)`, {
              status: result.status,
              body: result.text,
            });
          }
          delay = after;
        }
        if (result.status === 429) this.pause(delay);
      }
      if (attempt >= this.o.retry.attempts) {
        throw attempt > 1 ? new EsploraError(error.kind, where, `${error.reason} (after ${attempt} attempts)`, { status: error.status, ...(error.body !== undefined ? { body: error.body } : {}) }) : error;
      }
      this.stats.retries++;
      this.o.logger.log('warn', 'esplora request failed, retrying', { path: where, reason: error.reason, attempt, delayMs: delay });
      await this.sleep(delay);
    }
  }

  private async attempt(req: HttpRequest, where: string): Promise<Attempt> {
    this.stats.requests++;
    const handle = this.o.abort?.();
    const init: NonNullable<Parameters<FetchLike>[1]> = { method: req.method };
    if (req.body !== undefined) {
      init.body = req.body;
      init.headers = { 'content-type': 'text/plain' };
    }
    if (handle) init.signal = handle.signal;

    let cancelTimer: () => void = () => {};
    const timeout = new Promise<Attempt>((resolve) => {
      cancelTimer = this.o.clock.setTimer(this.o.timeoutMs, () => {
        handle?.abort();
        resolve({ kind: 'failed', error: new EsploraError('timeout', where, `no response within ${this.o.timeoutMs} ms`) });
      });
    });
    const work = (async (): Promise<Attempt> => {
      try {
        const res = await this.o.fetch(this.base + req.path, init);
        const status = typeof res.status === 'number' ? res.status : 0;
        const text = await res.text();
        if (typeof text !== 'string') return { kind: 'failed', error: new EsploraError('invalid', where, 'response body is not text', { status }) };
        if (text.length > this.o.maxBodyChars) {
          return { kind: 'failed', error: new EsploraError('invalid', where, `response body longer than ${this.o.maxBodyChars} characters`, { status }) };
        }
        let retryAfter: string | null = null;
        try {
          retryAfter = res.headers?.get('retry-after') ?? null;
        } catch {
          retryAfter = null;
        }
        return { kind: 'response', status, text, retryAfter };
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        return { kind: 'failed', error: new EsploraError('network', where, `request failed: ${snippet(msg, 200)}`) };
      }
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      cancelTimer();
    }
  }

  /** Exponential backoff: base·2^(attempt-1), capped, with "equal jitter" when entropy is given. */
  private backoff(attempt: number): number {
    const raw = Math.min(this.o.retry.maxMs, this.o.retry.baseMs * 2 ** Math.min(attempt - 1, 30));
    if (!this.o.entropy) return raw;
    const b = this.o.entropy.randomBytes(4);
    const unit = ((((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0) / 2 ** 32;
    return Math.round(raw / 2 + (raw / 2) * unit);
  }

  /** Retry-After as delta-seconds or an HTTP-date, in ms from now; undefined if absent or unreadable. */
  private retryAfterMs(value: string | null): number | undefined {
    if (value === null) return undefined;
    const v = value.trim();
    if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
    const t = Date.parse(v);
    return Number.isFinite(t) ? Math.max(0, t - this.o.clock.now()) : undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.o.clock.setTimer(ms, resolve);
    });
  }

  private pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.o.clock.now() + ms);
  }

  private acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  private release(): void {
    this.stats.inFlight--;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.stats.inFlight < this.o.maxConcurrent) {
      const wait = this.pausedUntil - this.o.clock.now();
      if (wait > 0) {
        if (!this.pauseTimer) {
          this.pauseTimer = this.o.clock.setTimer(wait, () => {
            this.pauseTimer = undefined;
            this.pump();
          });
        }
        return;
      }
      const next = this.queue.shift() as () => void;
      this.stats.inFlight++;
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
      next();
    }
  }
}
