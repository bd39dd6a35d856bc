/**
 * The persistence barrier: runs the action batches a reducer produces so that nothing leaves the
 * node (no message sent, no transaction broadcast, no event shown) before the state it comes from
 * is durably saved.
 *
 * DESIGN.md rule 3: "for every batch of actions, all `persist` actions complete durably (IndexedDB
 * transaction `complete`, durability "strict") before any `send` or `broadcast` of that batch runs.
 * If persisting fails, the sends are dropped and the channel is frozen; the node never signs or
 * sends from state it has not saved. A revoked commitment is never broadcast."
 * style-models.md §7.2 rule 5 adds LDK's `InProgress` semantics: retry persistence; if it cannot
 * recover, stop the node rather than act (force-close) from memory (LDK `chain/mod.rs:305-309`).
 *
 * The barrier is generic over the action type: it needs only the structural `BarrierAction` shape,
 * so the node maps channel actions onto it (a `send` becomes an effect whose `run` writes to the
 * peer) and may carry extra fields (for example the original channel action) that come back
 * untouched in `BatchResult.dropped`.
 *
 * Semantics, per batch submitted for a scope (a channel id, or `node` for node-wide records):
 *
 * 1. Write-ahead. Every `persist` and `delete` of the batch goes into ONE atomic `KVStore.write`,
 *    wherever it sits in the batch, and that write must resolve (the KVStore contract: resolved =
 *    durable) before ANY effect of the batch runs. Several actions on the same key are applied in
 *    batch order (the last one wins), exactly as running them one by one would. Values are copied
 *    at `submit`, so a caller reusing its buffers cannot change what gets written.
 * 2. Effects with `dependsOnPersist: false` are NOT run early: every effect runs after the write,
 *    in batch order. Running emits early would reorder them against the sends of the same batch
 *    and against earlier batches, and an emit that describes state the store then fails to save
 *    would show the user something the node will have forgotten after a restart. The flag only
 *    grades the log line when effects are dropped (error for dependent effects, warn otherwise).
 * 3. A batch with no persist/delete does not touch the store; its effects run as soon as the
 *    scope's earlier batches are finished (never synchronously inside `submit`, so an effect may
 *    call `submit` again without re-entering the barrier).
 * 4. Serialization. Batches of one scope run strictly in submission order: batch n+1 is not
 *    written until batch n's effects have all run. Different scopes interleave freely (their
 *    writes may be in flight together), so a key must belong to one scope only: writes of the same
 *    key from two scopes land in completion order, not submission order.
 * 5. Write failure. A failed write is retried with exponential backoff on the Clock port
 *    (`retry.baseMs`, doubling, `retry.attempts` attempts in all). Retrying is safe even when a
 *    failure was ambiguous, because the batch is the same full set of puts and deletes. While it
 *    retries the scope is paused (later batches wait). If every attempt fails, or the failure is
 *    permanent (the store is closed, or rejected the batch as invalid: no retry), the batch's
 *    effects are dropped, never run, and the scope is FROZEN: `onFrozen(scope, reason)` is called
 *    once, the freeze is logged, and every later batch of that scope, including those already
 *    queued, is refused with its effects dropped (logged). A frozen scope stays frozen for the
 *    life of this barrier: its in-memory state is ahead of the store, so the only way back is to
 *    reload it from the store (restart the node). An invalid batch (bad key, value not bytes,
 *    unknown action kind) fails the same way without reaching the store. Full storage
 *    (StorageFullError: IndexedDB's QuotaExceededError, ENOSPC) is not retried — space does not
 *    come back within a backoff — and freezes the scope at once with the error's own words
 *    ("storage full: free space, nothing was lost"); it counts toward `fatalAfterScopes`.
 * 6. Effects that throw (or whose promise rejects) are logged and recorded in
 *    `BatchResult.effectErrors`; the remaining effects of the batch still run and nothing is
 *    un-persisted. An effect returning a promise is awaited before the next effect of the scope
 *    runs, so an effect must not await work of its own scope (`submit` on its scope, `idle()`)
 *    or it deadlocks, and long work (an HTTP broadcast with retries) should be started, not
 *    awaited, by `run`.
 * 7. Fatal. When the store fails permanently across the node, the barrier STOPS and calls
 *    `onFatal(reason)` once so the node can shut down: immediately on `StoreClosedError`, or when
 *    `fatalAfterScopes` (default 2) different scopes have been frozen by store write failures.
 *    Once stopped no effect of any scope runs again: queued and new batches are refused, backoff
 *    timers are cancelled, a batch whose write is in flight ends `stopped` (even if the write then
 *    succeeds) and a batch stops before its next effect. `isFrozen` is true for every scope.
 *
 * Revoked commitments: the barrier cannot see transactions, but it guarantees a broadcast effect
 * runs only after the batch recording the state it comes from is durable, and never on a frozen
 * scope, so a channel whose store is behind its memory cannot force-close from memory.
 *
 * `submit` never rejects: the outcome is in the `BatchResult`.
 *
 * Crash testing (issue 7 item 1): `crashHook`, a test-only option, is asked at every persistence
 * point of a batch that writes (before its write, after the write before its effects, between two
 * effects, after its effects). When it answers 'crash' the barrier dies there as a killed process
 * would: from that instant it writes nothing more and runs no effect of any scope, and every batch
 * in progress or submitted later never finishes (its promise stays pending). The hook's owner cuts
 * the node's ports (sockets, timers, store, chain) in the same call (test/harness/crash-env.ts).
 * Without the hook the barrier does exactly what it did before (one `undefined` check per point).
 */
import { errorMessage, ValidationError } from '../lib/errors.ts';
import type { Clock, KVStore, Logger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import { checkKey } from '../store/batch.ts';
import { isStorageFull, StoreClosedError } from '../store/errors.ts';

/** The minimal action shape the barrier runs. Channel actions map onto it in node/. */
export type BarrierAction =
  | { readonly kind: 'persist'; readonly key: string; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: string }
  | {
      readonly kind: 'effect';
      /** The send / broadcast / emit itself. May return a promise, which is awaited. */
      readonly run: () => void | Promise<void>;
      /** For logs, e.g. `send revoke_and_ack to 02ab…`. */
      readonly describe: string;
      /** True for sends and broadcasts; false for UI emits (see the file comment, point 2). */
      readonly dependsOnPersist: boolean;
    };

/** The effect members of an action type. */
export type EffectOf<A extends BarrierAction> = Extract<A, { readonly kind: 'effect' }>;

/**
 * - `done`: the batch's writes are durable and every effect was run (see `effectErrors`).
 * - `failed`: the batch could not be persisted (or was invalid); no effect ran; the scope is now frozen.
 * - `refused`: the scope was already frozen, or the barrier stopped, before this batch's turn; nothing written.
 * - `stopped`: the barrier stopped while this batch was in progress; the remaining effects were dropped.
 */
export type BatchStatus = 'done' | 'failed' | 'refused' | 'stopped';

export interface BatchResult<A extends BarrierAction = BarrierAction> {
  readonly scope: string;
  /** Submission number across the whole barrier, starting at 1 (also in every log line). */
  readonly seq: number;
  readonly status: BatchStatus;
  /** The batch's persist/delete actions are durable (true for a `done` batch with none). */
  readonly persisted: boolean;
  /** Store writes attempted for this batch (0 when it had nothing to write or never got its turn). */
  readonly attempts: number;
  /** Effects that were run (including those that threw). */
  readonly ran: number;
  /** Effects that were not run, in batch order. */
  readonly dropped: readonly EffectOf<A>[];
  /** Effects that threw or rejected; the batch went on regardless. */
  readonly effectErrors: readonly { readonly index: number; readonly describe: string; readonly error: string }[];
  /** Why the batch is not `done` (absent for `done`). */
  readonly reason?: string;
}

export interface BarrierRetryOptions {
  /** Write attempts in all, including the first (≥ 1). */
  readonly attempts: number;
  /** Delay before the second attempt; it doubles for each further one (capped at 30 s). */
  readonly baseMs: number;
}

export const DEFAULT_BARRIER_RETRY: BarrierRetryOptions = { attempts: 5, baseMs: 100 };

/** Longest single backoff delay. */
export const MAX_BARRIER_RETRY_DELAY_MS = 30_000;

/** Where a writing batch stands when the crash hook is asked (see the file comment). */
export type CrashPhase = 'before-save' | 'after-save-before-effects' | 'between-effects' | 'after-effects';

/** One persistence point: the batch (scope, seq), the phase, and what the batch writes and does. */
export interface CrashPoint {
  readonly scope: string;
  readonly seq: number;
  readonly phase: CrashPhase;
  /** The keys the batch puts or deletes, in batch order. */
  readonly keys: readonly string[];
  /** The `describe` of each effect of the batch, in order. */
  readonly effects: readonly string[];
  /** 'between-effects': how many effects have run (1 … effects.length - 1; the last one was a send or broadcast). */
  readonly ran?: number;
}

/** Test-only: asked at each persistence point; 'crash' makes the node die right there. */
export type CrashHook = (point: CrashPoint) => 'crash' | undefined | void;

export interface PersistenceBarrierOptions {
  readonly store: KVStore;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly retry?: BarrierRetryOptions;
  /** Stop the node once this many different scopes were frozen by store write failures (default 2). */
  readonly fatalAfterScopes?: number;
  /** A scope was frozen (called once per scope). Exceptions are logged and ignored. */
  onFrozen?(scope: string, reason: string): void;
  /** The barrier stopped; the node must shut down (called once). Exceptions are logged and ignored. */
  onFatal?(reason: string): void;
  /** Test-only crash injection (see the file comment); absent in every real node. */
  readonly crashHook?: CrashHook;
}

/** A batch as prepared at submit time. */
interface Job<A extends BarrierAction> {
  readonly seq: number;
  readonly scope: string;
  readonly put: [string, Uint8Array][];
  readonly del: string[];
  readonly effects: EffectOf<A>[];
  /** Set when the batch is malformed; it then fails at its turn. */
  readonly invalid: string | undefined;
}

type WriteOutcome =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly reason: string; readonly kind: 'closed' | 'invalid' | 'exhausted' | 'stopped' };

export class PersistenceBarrier<A extends BarrierAction = BarrierAction> {
  private readonly store: KVStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retry: BarrierRetryOptions;
  private readonly fatalAfterScopes: number;
  private readonly onFrozen: ((scope: string, reason: string) => void) | undefined;
  private readonly onFatal: ((reason: string) => void) | undefined;
  private readonly crashHook: CrashHook | undefined;
  /** Set when the crash hook said 'crash': the "process" is dead, nothing runs any more. */
  private crashed = false;

  /** The last queued batch of each scope with work in flight. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly frozen = new Map<string, string>();
  /** Scopes frozen because the store failed (not because a batch was invalid). */
  private readonly storeFailedScopes = new Set<string>();
  /** Wake-ups of batches waiting out a backoff delay. */
  private readonly sleepers = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private pending = 0;
  private nextSeq = 1;
  private fatalReason: string | undefined;

  constructor(opts: PersistenceBarrierOptions) {
    const retry = opts.retry ?? DEFAULT_BARRIER_RETRY;
    if (!Number.isInteger(retry.attempts) || retry.attempts < 1) throw new ValidationError('retry.attempts', `expected an integer ≥ 1, got ${retry.attempts}`);
    if (!Number.isFinite(retry.baseMs) || retry.baseMs < 0) throw new ValidationError('retry.baseMs', `expected a number ≥ 0, got ${retry.baseMs}`);
    const fatalAfter = opts.fatalAfterScopes ?? 2;
    if (!Number.isInteger(fatalAfter) || fatalAfter < 1) throw new ValidationError('fatalAfterScopes', `expected an integer ≥ 1, got ${fatalAfter}`);
    this.store = opts.store;
    this.clock = opts.clock;
    this.logger = opts.logger ?? silentLogger;
    this.retry = { attempts: retry.attempts, baseMs: retry.baseMs };
    this.fatalAfterScopes = fatalAfter;
    this.onFrozen = opts.onFrozen?.bind(opts);
    this.onFatal = opts.onFatal?.bind(opts);
    this.crashHook = opts.crashHook;
  }

  /**
   * Run one batch for `scope`: persist+delete atomically and durably, then the effects in order.
   * Batches of the same scope run strictly in submission order; different scopes interleave but
   * each scope is serialized. Never rejects; resolves once the batch is finished.
   */
  submit(scope: string, batch: readonly A[]): Promise<BatchResult<A>> {
    const seq = this.nextSeq++;
    if (typeof scope !== 'string' || scope.length === 0) {
      const reason = 'invalid scope: expected a non-empty string';
      this.logger.log('error', 'persistence barrier: batch rejected', { seq, reason });
      return Promise.resolve({ scope: String(scope), seq, status: 'failed', persisted: false, attempts: 0, ran: 0, dropped: effectsOf<A>(batch), effectErrors: [], reason });
    }
    const job = prepare<A>(seq, scope, batch);
    if (job.invalid === undefined && job.put.length + job.del.length < countStoreActions(batch)) {
      this.logger.log('debug', 'persistence barrier: several actions on one key, the last one wins', { scope, seq });
    }
    const prev = this.tails.get(scope) ?? Promise.resolve();
    const result = prev.then(() => this.runGuarded(job));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(scope, tail);
    this.pending++;
    void tail.then(() => {
      if (this.tails.get(scope) === tail) this.tails.delete(scope);
      this.pending--;
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
    return result;
  }

  /** True once the scope is frozen, or the whole barrier has stopped. */
  isFrozen(scope: string): boolean {
    return this.fatalReason !== undefined || this.frozen.has(scope);
  }

  /** Why the scope is frozen (or the barrier stopped), if it is. */
  frozenReason(scope: string): string | undefined {
    const own = this.frozen.get(scope);
    if (own !== undefined) return own;
    return this.fatalReason === undefined ? undefined : `node stopped: ${this.fatalReason}`;
  }

  /** Scopes frozen so far, sorted. */
  frozenScopes(): string[] {
    return [...this.frozen.keys()].sort();
  }

  /** True once the barrier stopped (onFatal was called). */
  isStopped(): boolean {
    return this.fatalReason !== undefined;
  }

  /** Resolve when all submitted batches finished, including ones submitted while waiting. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async runGuarded(job: Job<A>): Promise<BatchResult<A>> {
    try {
      return await this.run(job);
    } catch (err) {
      // A bug in the barrier itself: be conservative, as for a failed write.
      const reason = `internal error: ${errorMessage(err)}`;
      this.freeze(job.scope, reason, false);
      return this.result(job, 'failed', { reason });
    }
  }

  private async run(job: Job<A>): Promise<BatchResult<A>> {
    const { scope, seq } = job;
    if (this.crashed) return dead();
    const refusal = this.refusal(scope);
    if (refusal !== undefined) {
      this.logDropped(job, job.effects, `batch refused: ${refusal}`);
      return this.result(job, 'refused', { reason: refusal });
    }
    if (job.invalid !== undefined) {
      const reason = `invalid batch: ${job.invalid}`;
      this.logDropped(job, job.effects, reason);
      this.freeze(scope, reason, false);
      return this.result(job, 'failed', { reason });
    }

    let attempts = 0;
    const writes = job.put.length > 0 || job.del.length > 0;
    if (writes) {
      if (this.crashHook !== undefined && this.crashAt(job, 'before-save')) return dead();
      const w = await this.write(job);
      if (this.crashed) return dead();
      attempts = w.attempts;
      if (!w.ok) {
        this.logDropped(job, job.effects, `batch not persisted: ${w.reason}`);
        if (w.kind === 'stopped') return this.result(job, 'stopped', { attempts, reason: w.reason });
        // A closed store stops the node at once; exhausted retries count toward `fatalAfterScopes`.
        this.freeze(scope, w.reason, w.kind === 'exhausted');
        if (w.kind === 'closed') this.stop(w.reason);
        return this.result(job, 'failed', { attempts, reason: w.reason });
      }
      if (this.fatalReason !== undefined) {
        const reason = `node stopped: ${this.fatalReason}`;
        this.logDropped(job, job.effects, `batch persisted but ${reason}`);
        return this.result(job, 'stopped', { persisted: true, attempts, reason });
      }
      if (this.crashHook !== undefined && this.crashAt(job, 'after-save-before-effects')) return dead();
    }

    let ran = 0;
    const errors: { index: number; describe: string; error: string }[] = [];
    for (let i = 0; i < job.effects.length; i++) {
      if (this.fatalReason !== undefined) {
        const rest = job.effects.slice(i);
        const reason = `node stopped: ${this.fatalReason}`;
        this.logDropped(job, rest, `batch interrupted: ${reason}`);
        return this.result(job, 'stopped', { persisted: true, attempts, ran, errors, dropped: rest, reason });
      }
      if (this.crashed) return dead();
      if (writes && i > 0 && this.crashHook !== undefined && job.effects[i - 1]?.dependsOnPersist === true && this.crashAt(job, 'between-effects', i)) return dead();
      const effect = job.effects[i] as EffectOf<A>;
      ran++;
      try {
        const r = effect.run();
        // Await only real promises: synchronous sends of one batch go out back to back.
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') await r;
      } catch (err) {
        const error = errorMessage(err);
        errors.push({ index: i, describe: effect.describe, error });
        this.logger.log('error', 'persistence barrier: effect failed; the rest of the batch goes on', { scope, seq, effect: effect.describe, error });
      }
    }
    if (this.crashed) return dead();
    if (writes && this.crashHook !== undefined && this.crashAt(job, 'after-effects')) return dead();
    return this.result(job, 'done', { persisted: true, attempts, ran, errors });
  }

  /** Ask the crash hook about this point; true (and the barrier dead) when it says 'crash'. */
  private crashAt(job: Job<A>, phase: CrashPhase, ran?: number): boolean {
    if (this.crashed) return true;
    const point: CrashPoint = {
      scope: job.scope,
      seq: job.seq,
      phase,
      keys: [...job.put.map(([k]) => k), ...job.del],
      effects: job.effects.map((e) => e.describe),
      ...(ran !== undefined ? { ran } : {}),
    };
    if (this.crashHook?.(point) !== 'crash') return false;
    this.crashed = true;
    // Backoff sleepers must not wake into a write.
    this.sleepers.clear();
    return true;
  }

  /** The write with its retries. Never throws. */
  private async write(job: Job<A>): Promise<WriteOutcome> {
    const { scope, seq } = job;
    const max = this.retry.attempts;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.write({ put: job.put, del: job.del });
        if (attempt > 1) this.logger.log('info', 'persistence barrier: write succeeded after retrying', { scope, seq, attempts: attempt });
        return { ok: true, attempts: attempt };
      } catch (err) {
        const error = errorMessage(err);
        const kind = classify(err);
        if (kind === 'closed') return { ok: false, attempts: attempt, kind, reason: `store closed: ${error}` };
        if (kind === 'invalid') return { ok: false, attempts: attempt, kind, reason: `store rejected the batch: ${error}` };
        // Full storage does not clear in the milliseconds a retry waits: freeze now, with its words.
        if (kind === 'full') return { ok: false, attempts: attempt, kind: 'exhausted', reason: error };
        if (attempt >= max) {
          return { ok: false, attempts: attempt, kind: 'exhausted', reason: `write failed ${attempt} time${attempt === 1 ? '' : 's'}: ${error}` };
        }
        const delay = Math.min(this.retry.baseMs * 2 ** (attempt - 1), MAX_BARRIER_RETRY_DELAY_MS);
        this.logger.log('warn', 'persistence barrier: write failed, retrying; the scope waits', { scope, seq, attempt, of: max, retryInMs: delay, error });
        if (this.fatalReason === undefined) await this.sleep(delay);
        if (this.fatalReason !== undefined) return { ok: false, attempts: attempt, kind: 'stopped', reason: `node stopped: ${this.fatalReason}` };
      }
    }
  }

  /** Wait on the Clock port; `stop` wakes every sleeper early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      let cancel: (() => void) | undefined;
      const wake = () => {
        if (done) return;
        done = true;
        this.sleepers.delete(wake);
        cancel?.();
        resolve();
      };
      this.sleepers.add(wake);
      cancel = this.clock.setTimer(ms, wake);
      if (done) cancel();
    });
  }

  private refusal(scope: string): string | undefined {
    if (this.fatalReason !== undefined) return `node stopped: ${this.fatalReason}`;
    const frozen = this.frozen.get(scope);
    return frozen === undefined ? undefined : `scope frozen: ${frozen}`;
  }

  private freeze(scope: string, reason: string, storeFailure: boolean): void {
    if (this.frozen.has(scope)) return;
    this.frozen.set(scope, reason);
    this.logger.log('error', 'persistence barrier: scope frozen; nothing more is sent for it until it is reloaded from the store', { scope, reason });
    try {
      this.onFrozen?.(scope, reason);
    } catch (err) {
      this.logger.log('error', 'persistence barrier: onFrozen threw', { scope, error: errorMessage(err) });
    }
    if (storeFailure) {
      this.storeFailedScopes.add(scope);
      if (this.storeFailedScopes.size >= this.fatalAfterScopes) {
        const scopes = [...this.storeFailedScopes].sort().join(', ');
        this.stop(`persistence failed on ${this.storeFailedScopes.size} scope${this.storeFailedScopes.size === 1 ? '' : 's'} (${scopes}); last: ${reason}`);
      }
    }
  }

  private stop(reason: string): void {
    if (this.fatalReason !== undefined) return;
    this.fatalReason = reason;
    this.logger.log('error', 'persistence barrier: stopped; the node must shut down rather than act from unsaved state', { reason });
    for (const wake of [...this.sleepers]) wake();
    try {
      this.onFatal?.(reason);
    } catch (err) {
      this.logger.log('error', 'persistence barrier: onFatal threw', { error: errorMessage(err) });
    }
  }

  private logDropped(job: Job<A>, effects: readonly EffectOf<A>[], why: string): void {
    if (effects.length === 0) {
      this.logger.log('warn', `persistence barrier: ${why}`, { scope: job.scope, seq: job.seq });
      return;
    }
    const dependent = effects.filter((e) => e.dependsOnPersist);
    const fields = { scope: job.scope, seq: job.seq, dropped: effects.map((e) => e.describe) };
    this.logger.log(dependent.length > 0 ? 'error' : 'warn', `persistence barrier: ${why}; dropped ${effects.length} effect${effects.length === 1 ? '' : 's'}`, fields);
  }

  private result(
    job: Job<A>,
    status: BatchStatus,
    more: {
      persisted?: boolean;
      attempts?: number;
      ran?: number;
      errors?: BatchResult<A>['effectErrors'];
      dropped?: readonly EffectOf<A>[];
      reason?: string;
    },
  ): BatchResult<A> {
    const dropped = more.dropped ?? (status === 'done' ? [] : job.effects);
    return {
      scope: job.scope,
      seq: job.seq,
      status,
      persisted: more.persisted ?? false,
      attempts: more.attempts ?? 0,
      ran: more.ran ?? 0,
      dropped,
      effectErrors: more.errors ?? [],
      ...(more.reason !== undefined ? { reason: more.reason } : {}),
    };
  }
}

/** What a batch of a crashed barrier resolves with: nothing, ever (the process is gone). */
function dead<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** Permanent failures are not retried. */
function classify(err: unknown): 'closed' | 'invalid' | 'full' | 'transient' {
  if (err instanceof StoreClosedError || (err instanceof Error && err.name === 'StoreClosedError')) return 'closed';
  if (isStorageFull(err)) return 'full';
  if (err instanceof ValidationError) return 'invalid';
  return 'transient';
}

function countStoreActions(batch: readonly BarrierAction[]): number {
  let n = 0;
  for (const a of batch) if (a.kind === 'persist' || a.kind === 'delete') n++;
  return n;
}

function effectsOf<A extends BarrierAction>(batch: unknown): EffectOf<A>[] {
  if (!Array.isArray(batch)) return [];
  return batch.filter((a): a is EffectOf<A> => typeof a === 'object' && a !== null && (a as { kind?: unknown }).kind === 'effect');
}

/** Validate and split a batch, coalescing actions on the same key in batch order. */
function prepare<A extends BarrierAction>(seq: number, scope: string, batch: readonly A[]): Job<A> {
  const effects = effectsOf<A>(batch);
  const fail = (invalid: string): Job<A> => ({ seq, scope, put: [], del: [], effects, invalid });
  if (!Array.isArray(batch)) return fail('batch: expected an array of actions');
  const ops = new Map<string, Uint8Array | null>();
  for (let i = 0; i < batch.length; i++) {
    const a = batch[i] as unknown;
    if (typeof a !== 'object' || a === null) return fail(`batch[${i}]: expected an action object`);
    const action = a as { kind?: unknown; key?: unknown; value?: unknown; run?: unknown };
    try {
      switch (action.kind) {
        case 'persist':
          checkKey(action.key, `batch[${i}].key`);
          if (!(action.value instanceof Uint8Array)) return fail(`batch[${i}].value: expected a Uint8Array`);
          ops.delete(action.key);
          ops.set(action.key, action.value.slice());
          break;
        case 'delete':
          checkKey(action.key, `batch[${i}].key`);
          ops.delete(action.key);
          ops.set(action.key, null);
          break;
        case 'effect':
          if (typeof action.run !== 'function') return fail(`batch[${i}].run: expected a function`);
          break;
        default:
          return fail(`batch[${i}].kind: unknown action kind ${JSON.stringify(String(action.kind))}`);
      }
    } catch (err) {
      return fail(errorMessage(err));
    }
  }
  const put: [string, Uint8Array][] = [];
  const del: string[] = [];
  for (const [key, value] of ops) {
    if (value === null) del.push(key);
    else put.push([key, value]);
  }
  return { seq, scope, put, del, effects, invalid: undefined };
}
