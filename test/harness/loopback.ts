/**
 * Test doubles for the engine's ports: an in-memory socket pair (delivery on a microtask, like a
 * real socket's event loop turn), a manual clock, seeded entropy, and a capturing logger.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Clock, Entropy, Logger, LogLevel, Socket, SocketHandlers } from '../../engine/index.ts';

/** Two connected sockets. `a.write` arrives at `b`'s handler and vice versa. */
export function socketPair(nameA = 'a', nameB = 'b'): [Socket & { tap: Uint8Array[] }, Socket & { tap: Uint8Array[] }] {
  const make = (remote: string) => {
    let handlers: SocketHandlers | undefined;
    const pending: Uint8Array[] = [];
    let closed = false;
    const sock = {
      remote,
      tap: [] as Uint8Array[],
      peer: undefined as unknown as { deliver(b: Uint8Array): void; end(): void },
      deliver(b: Uint8Array) {
        if (closed) return;
        if (handlers) handlers.data(b);
        else pending.push(b);
      },
      end() {
        if (closed) return;
        closed = true;
        handlers?.closed(undefined);
      },
      start(h: SocketHandlers) {
        handlers = h;
        for (const b of pending.splice(0)) h.data(b);
        if (closed) h.closed(undefined);
      },
      write(bytes: Uint8Array) {
        if (closed) return;
        const copy = bytes.slice();
        sock.tap.push(copy);
        queueMicrotask(() => sock.peer.deliver(copy));
      },
      close() {
        if (closed) return;
        queueMicrotask(() => sock.peer.end());
        sock.end();
      },
    };
    return sock;
  };
  const a = make(nameB);
  const b = make(nameA);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A clock whose time only moves when the test says so. */
export class ManualClock implements Clock {
  private t: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }

  /** Move time forward, running due timers in order (and flushing microtasks between them). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((x, y) => x.at - y.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await flush();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** Let queued microtasks and promise chains run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Deterministic entropy: SHA-256 in counter mode over a seed string. */
export function seededEntropy(seed: string): Entropy {
  let counter = 0;
  return {
    randomBytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let off = 0; off < n; off += 32) {
        const block = sha256(new TextEncoder().encode(`${seed}/${counter++}`));
        out.set(block.subarray(0, Math.min(32, n - off)), off);
      }
      return out;
    },
  };
}

/** A logger that keeps every entry for assertions. */
export class CapturingLogger implements Logger {
  readonly entries: { level: LogLevel; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.entries.push({ level, message, ...(fields ? { fields } : {}) });
  }
  text(): string {
    return this.entries.map((e) => `${e.level} ${e.message} ${JSON.stringify(e.fields ?? {})}`).join('\n');
  }
}
