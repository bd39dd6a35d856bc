// The persistence barrier (engine/node/executor.ts, DESIGN.md rule 3): nothing a batch sends runs
// before its writes are durable; failed writes are retried on the clock, then freeze the scope
// (effects dropped, later batches refused, other scopes untouched); a closed store or failures on
// several scopes stop the whole node; throwing effects don't stop the batch; idle().
import { describe, expect, it } from 'vitest';
import {
  MemoryKVStore,
  PersistenceBarrier,
  StoreClosedError,
  ValidationError,
  type BarrierAction,
  type BatchResult,
  type KVBatch,
  type KVStore,
} from '../../engine/index.ts';
import { CapturingLogger, flush, ManualClock } from '../harness/loopback.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

const persist = (key: string, value: string): BarrierAction => ({ kind: 'persist', key, value: enc(value) });
const del = (key: string): BarrierAction => ({ kind: 'delete', key });

/** Effects that append their name to `log` (and can check the store when they run). */
function recorder() {
  const log: string[] = [];
  const effect = (name: string, opts: { dependsOnPersist?: boolean; check?: () => void; throws?: boolean } = {}): BarrierAction => ({
    kind: 'effect',
    describe: name,
    dependsOnPersist: opts.dependsOnPersist ?? true,
    run: () => {
      opts.check?.();
      log.push(name);
      if (opts.throws) throw new Error(`${name} blew up`);
    },
  });
  return { log, effect };
}

/** Wraps a MemoryKVStore: records write attempts, fails chosen ones, holds writes under a prefix. */
class TestStore implements KVStore {
  readonly mem = new MemoryKVStore();
  readonly calls: KVBatch[] = [];
  failWhen: ((batch: KVBatch) => Error | undefined) | undefined;
  private readonly gates = new Map<string, Promise<void>>();

  get(key: string) {
    return this.mem.get(key);
  }
  keys(prefix: string) {
    return this.mem.keys(prefix);
  }
  close() {
    return this.mem.close();
  }
  async write(batch: KVBatch): Promise<void> {
    this.calls.push(batch);
    for (const [prefix, gate] of this.gates) if (touches(batch, prefix)) await gate;
    const err = this.failWhen?.(batch);
    if (err) throw err;
    await this.mem.write(batch);
  }
  /** Hold writes touching `prefix` until the returned function is called. */
  gate(prefix: string): () => void {
    let open!: () => void;
    this.gates.set(prefix, new Promise<void>((r) => (open = r)));
    return () => {
      this.gates.delete(prefix);
      open();
    };
  }
  callsFor(prefix: string): KVBatch[] {
    return this.calls.filter((b) => touches(b, prefix));
  }
  peek(key: string): string | undefined {
    return dec(this.mem.rawEntries().find(([k]) => k === key)?.[1]);
  }
}

function touches(batch: KVBatch, prefix: string): boolean {
  return [...(batch.put ?? []).map(([k]) => k), ...(batch.del ?? [])].some((k) => k.startsWith(prefix));
}

const peekMem = (store: MemoryKVStore, key: string) => dec(store.rawEntries().find(([k]) => k === key)?.[1]);

function setup(store: KVStore = new MemoryKVStore(), extra: Partial<ConstructorParameters<typeof PersistenceBarrier>[0]> = {}) {
  const clock = new ManualClock();
  const logger = new CapturingLogger();
  const frozen: [string, string][] = [];
  const fatal: string[] = [];
  const barrier = new PersistenceBarrier({
    store,
    clock,
    logger,
    retry: { attempts: 3, baseMs: 100 },
    onFrozen: (scope, reason) => frozen.push([scope, reason]),
    onFatal: (reason) => fatal.push(reason),
    ...extra,
  });
  return { store, clock, logger, barrier, frozen, fatal };
}

/** Track a promise's settlement without awaiting it. */
function track<T>(p: Promise<T>) {
  const t = { done: false, value: undefined as T | undefined };
  void p.then((v) => {
    t.done = true;
    t.value = v;
  });
  return t;
}

describe('write before effects', () => {
  it('runs no effect while the write is held, then all of them in order once it is durable', async () => {
    const store = new MemoryKVStore();
    const { barrier } = setup(store);
    const { log, effect } = recorder();
    const release = store.holdWrites();
    const durable = () => expect(peekMem(store, 'chan/a/state')).toBe('s1');
    const r = track(
      barrier.submit('a', [
        effect('emit-first', { dependsOnPersist: false, check: durable }),
        persist('chan/a/state', 's1'),
        effect('send commitment_signed', { check: durable }),
        persist('chan/a/htlcs', 'h1'),
        effect('send revoke_and_ack', { check: durable }),
        effect('emit-last', { dependsOnPersist: false, check: durable }),
      ]),
    );
    await flush(50);
    expect(log).toEqual([]);
    expect(r.done).toBe(false);
    expect(store.writes).toBe(0);
    release();
    await barrier.idle();
    expect(log).toEqual(['emit-first', 'send commitment_signed', 'send revoke_and_ack', 'emit-last']);
    expect(store.writes).toBe(1); // both persists in ONE write
    expect(peekMem(store, 'chan/a/htlcs')).toBe('h1');
    expect(r.value).toMatchObject({ status: 'done', persisted: true, attempts: 1, ran: 4, dropped: [], effectErrors: [] });
  });

  it('holds later batches of the scope behind the held one, and writes them one at a time', async () => {
    const store = new TestStore();
    const { barrier } = setup(store);
    const { log, effect } = recorder();
    const release = store.gate('chan/a/');
    void barrier.submit('a', [persist('chan/a/1', 'x'), effect('a1')]);
    void barrier.submit('a', [effect('a2 (no persist)')]);
    void barrier.submit('a', [persist('chan/a/3', 'y'), effect('a3')]);
    await flush(50);
    expect(store.calls).toHaveLength(1); // batch 3 not written while batch 1 is in flight
    expect(log).toEqual([]);
    release();
    await barrier.idle();
    expect(log).toEqual(['a1', 'a2 (no persist)', 'a3']);
    expect(store.calls).toHaveLength(2);
  });

  it('a batch without persists skips the store and is not held up by another scope', async () => {
    const store = new MemoryKVStore();
    const { barrier } = setup(store);
    const { log, effect } = recorder();
    const release = store.holdWrites();
    void barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]);
    const b = await barrier.submit('b', [effect('b-send'), effect('b-emit', { dependsOnPersist: false })]);
    expect(b).toMatchObject({ status: 'done', persisted: true, attempts: 0, ran: 2 });
    expect(log).toEqual(['b-send', 'b-emit']);
    expect(store.writes).toBe(0);
    release();
    await barrier.idle();
    expect(log).toEqual(['b-send', 'b-emit', 'a']);
  });

  it('different scopes interleave: one scope stuck in a write does not block another', async () => {
    const store = new TestStore();
    const { barrier } = setup(store);
    const { log, effect } = recorder();
    const release = store.gate('chan/a/');
    const a = track(barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]));
    await barrier.submit('b', [persist('chan/b/s', '1'), effect('b1')]);
    await barrier.submit('b', [persist('chan/b/s', '2'), effect('b2')]);
    expect(log).toEqual(['b1', 'b2']);
    expect(a.done).toBe(false);
    release();
    await barrier.idle();
    expect(log).toEqual(['b1', 'b2', 'a']);
  });

  it('never runs an effect inside submit() itself', () => {
    const { barrier } = setup();
    const { log, effect } = recorder();
    void barrier.submit('a', [effect('x')]);
    expect(log).toEqual([]);
  });

  it('applies several actions on one key in batch order (the last wins), in one write', async () => {
    const store = new TestStore();
    await store.mem.write({ put: [['chan/a/old', enc('o')]] });
    const { barrier } = setup(store);
    const r = await barrier.submit('a', [
      persist('chan/a/k', 'v1'),
      del('chan/a/k'),
      persist('chan/a/k', 'v2'),
      persist('chan/a/old', 'replaced'),
      del('chan/a/old'),
    ]);
    expect(r.status).toBe('done');
    expect(store.calls).toHaveLength(1);
    expect(store.peek('chan/a/k')).toBe('v2');
    expect(store.peek('chan/a/old')).toBeUndefined();
  });

  it('copies values at submit: a caller reusing its buffer cannot change what is written', async () => {
    const store = new MemoryKVStore();
    const { barrier } = setup(store);
    const release = store.holdWrites();
    const buf = enc('good');
    void barrier.submit('a', [{ kind: 'persist', key: 'chan/a/s', value: buf }]);
    buf.set(enc('evil'));
    release();
    await barrier.idle();
    expect(peekMem(store, 'chan/a/s')).toBe('good');
  });
});

describe('write failures', () => {
  it('failNextWrite: retries after the backoff, then runs the effects once', async () => {
    const store = new MemoryKVStore();
    const { barrier, clock, logger } = setup(store);
    const { log, effect } = recorder();
    store.failNextWrite(new Error('transaction aborted'));
    const r = track(barrier.submit('a', [persist('chan/a/s', '1'), effect('send', { check: () => expect(peekMem(store, 'chan/a/s')).toBe('1') })]));
    await flush(50);
    expect(log).toEqual([]);
    expect(clock.pendingTimers).toBe(1); // waiting out the backoff on the Clock port
    await clock.advance(99);
    expect(log).toEqual([]);
    await clock.advance(1);
    await barrier.idle();
    expect(log).toEqual(['send']);
    expect(store.writes).toBe(1);
    expect(r.value).toMatchObject({ status: 'done', attempts: 2, ran: 1, effectErrors: [] });
    expect(barrier.isFrozen('a')).toBe(false);
    expect(logger.text()).toContain('transaction aborted');
  });

  it('backs off exponentially: baseMs, then doubling, for `attempts` attempts in all', async () => {
    const store = new TestStore();
    store.failWhen = () => new Error('disk on fire');
    const { barrier, clock } = setup(store, { retry: { attempts: 4, baseMs: 100 } });
    const r = track(barrier.submit('a', [persist('chan/a/s', '1')]));
    const attemptsAt = async (ms: number) => {
      await clock.advance(ms);
      return store.calls.length;
    };
    await flush();
    expect(store.calls.length).toBe(1);
    expect(await attemptsAt(99)).toBe(1);
    expect(await attemptsAt(1)).toBe(2); // +100
    expect(await attemptsAt(199)).toBe(2);
    expect(await attemptsAt(1)).toBe(3); // +200
    expect(await attemptsAt(399)).toBe(3);
    expect(await attemptsAt(1)).toBe(4); // +400
    await clock.advance(10_000);
    expect(store.calls.length).toBe(4);
    expect(r.value).toMatchObject({ status: 'failed', attempts: 4 });
    expect(r.value?.reason).toContain('disk on fire');
  });

  it('persistent failure: effects never run, the scope freezes, later batches are refused, other scopes go on', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/a/') ? new Error('quota exceeded') : undefined);
    const { barrier, clock, frozen, fatal, logger } = setup(store);
    const { log, effect } = recorder();

    const first = barrier.submit('a', [persist('chan/a/s', '1'), effect('a-send'), effect('a-emit', { dependsOnPersist: false })]);
    const queued = barrier.submit('a', [effect('a-queued (no persist)')]);
    const b1 = barrier.submit('b', [persist('chan/b/s', '1'), effect('b1')]);
    await clock.advance(1_000);
    const r1 = await first;
    expect(r1.status).toBe('failed');
    expect(r1.persisted).toBe(false);
    expect(r1.attempts).toBe(3);
    expect(r1.dropped.map((e) => e.kind === 'effect' && e.describe)).toEqual(['a-send', 'a-emit']);
    expect(await queued).toMatchObject({ status: 'refused', attempts: 0, ran: 0 });
    expect(await b1).toMatchObject({ status: 'done' });

    expect(barrier.isFrozen('a')).toBe(true);
    expect(barrier.frozenReason('a')).toContain('quota exceeded');
    expect(barrier.frozenScopes()).toEqual(['a']);
    expect(frozen).toHaveLength(1);
    expect(frozen[0]?.[0]).toBe('a');
    expect(fatal).toEqual([]);

    const later = await barrier.submit('a', [persist('chan/a/s', '2'), effect('a-later')]);
    expect(later.status).toBe('refused');
    expect(later.reason).toContain('frozen');
    expect(await barrier.submit('b', [persist('chan/b/s', '2'), effect('b2')])).toMatchObject({ status: 'done' });

    expect(log).toEqual(['b1', 'b2']);
    expect(store.callsFor('chan/a/')).toHaveLength(3); // refused batches never reach the store
    expect(store.peek('chan/a/s')).toBeUndefined();
    expect(store.peek('chan/b/s')).toBe('2');
    expect(barrier.isFrozen('b')).toBe(false);
    expect(frozen).toHaveLength(1); // onFrozen once per scope
    const dropLines = logger.entries.filter((e) => e.message.includes('dropped'));
    expect(dropLines.some((e) => e.level === 'error' && JSON.stringify(e.fields).includes('a-send'))).toBe(true);
    expect(logger.entries.some((e) => e.level === 'error' && e.message.includes('scope frozen'))).toBe(true);
  });

  it('a store that rejects the batch as invalid is not retried and freezes only that scope', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/a/') ? new ValidationError('batch.put[0].key', 'reserved prefix') : undefined);
    const { barrier, clock, fatal } = setup(store, { fatalAfterScopes: 1 });
    const r = await barrier.submit('a', [persist('chan/a/s', '1')]);
    expect(r).toMatchObject({ status: 'failed', attempts: 1 });
    expect(clock.pendingTimers).toBe(0);
    expect(barrier.isFrozen('a')).toBe(true);
    expect(fatal).toEqual([]); // a bad batch is not a broken store
    expect((await barrier.submit('b', [persist('chan/b/s', '1')])).status).toBe('done');
  });

  it('an invalid batch fails without touching the store and freezes the scope', async () => {
    const store = new TestStore();
    const { barrier, fatal } = setup(store, { fatalAfterScopes: 1 });
    const { log, effect } = recorder();
    const bad = await barrier.submit('a', [persist('chan/a/ok', '1'), persist('has space', '2'), effect('send')]);
    expect(bad.status).toBe('failed');
    expect(bad.reason).toContain('batch[1].key');
    const weird = await barrier.submit('c', [{ kind: 'broadcast' } as unknown as BarrierAction]);
    expect(weird.reason).toContain('unknown action kind');
    const noBytes = await barrier.submit('d', [{ kind: 'persist', key: 'chan/d/s', value: 'str' } as unknown as BarrierAction]);
    expect(noBytes.reason).toContain('Uint8Array');
    expect(store.calls).toEqual([]);
    expect(log).toEqual([]);
    expect(barrier.frozenScopes()).toEqual(['a', 'c', 'd']);
    expect(fatal).toEqual([]);
    expect((await barrier.submit('', [effect('x')])).status).toBe('failed');
    expect(log).toEqual([]);
  });
});

describe('stopping the node', () => {
  it('store closed: no retry, the scope freezes, onFatal, and every scope is refused from then on', async () => {
    const store = new MemoryKVStore();
    const { barrier, clock, fatal, frozen } = setup(store);
    const { log, effect } = recorder();
    await store.close();
    const r = await barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]);
    expect(r).toMatchObject({ status: 'failed', attempts: 1 });
    expect(clock.pendingTimers).toBe(0);
    expect(frozen.map(([s]) => s)).toEqual(['a']);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain('closed');
    expect(barrier.isStopped()).toBe(true);
    expect(barrier.isFrozen('b')).toBe(true);
    const b = await barrier.submit('b', [effect('b (no persist)')]);
    expect(b.status).toBe('refused');
    expect(b.reason).toContain('node stopped');
    expect(log).toEqual([]);
    expect(fatal).toHaveLength(1);
  });

  it('a StoreClosedError thrown by a wrapper store is fatal too', async () => {
    const store = new TestStore();
    store.failWhen = () => new StoreClosedError('the IndexedDB store "glint" (versionchange)');
    const { barrier, fatal } = setup(store);
    await barrier.submit('a', [persist('chan/a/s', '1')]);
    expect(fatal[0]).toContain('versionchange');
  });

  it('persistent failures on fatalAfterScopes (default 2) scopes stop the node', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/a/') || touches(b, 'chan/b/') ? new Error('I/O error') : undefined);
    const { barrier, clock, fatal } = setup(store, { fatalAfterScopes: undefined });
    const { log, effect } = recorder();
    const a = barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]);
    await clock.advance(1_000);
    expect((await a).status).toBe('failed');
    expect(fatal).toEqual([]);
    expect((await barrier.submit('c', [persist('chan/c/s', '1'), effect('c')])).status).toBe('done');
    const b = barrier.submit('b', [persist('chan/b/s', '1'), effect('b')]);
    await clock.advance(1_000);
    expect((await b).status).toBe('failed');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain('2 scopes (a, b)');
    expect((await barrier.submit('c', [persist('chan/c/s', '2'), effect('c2')])).status).toBe('refused');
    expect(log).toEqual(['c']);
    expect(store.peek('chan/c/s')).toBe('1');
  });

  it('fatalAfterScopes: 1 stops the node on the first unrecoverable write (LDK-strict)', async () => {
    const store = new TestStore();
    store.failWhen = () => new Error('nope');
    const { barrier, clock, fatal } = setup(store, { fatalAfterScopes: 1 });
    const a = barrier.submit('a', [persist('chan/a/s', '1')]);
    await clock.advance(1_000);
    expect((await a).status).toBe('failed');
    expect(fatal).toHaveLength(1);
  });

  it('stopping wakes batches waiting out a backoff: they end `stopped` without the clock moving', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/a/') ? new Error('flaky') : touches(b, 'chan/b/') ? new StoreClosedError() : undefined);
    const { barrier, clock, fatal } = setup(store, { retry: { attempts: 10, baseMs: 60_000 } });
    const { log, effect } = recorder();
    const a = track(barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]));
    await flush();
    expect(clock.pendingTimers).toBe(1);
    await barrier.submit('b', [persist('chan/b/s', '1'), effect('b')]);
    expect(fatal).toHaveLength(1);
    await barrier.idle();
    expect(a.value).toMatchObject({ status: 'stopped', persisted: false, attempts: 1, ran: 0 });
    expect(clock.pendingTimers).toBe(0); // the backoff timer was cancelled
    expect(store.callsFor('chan/a/')).toHaveLength(1);
    expect(log).toEqual([]);
  });

  it('a write still in flight when the node stops ends `stopped`: persisted, but its effects are dropped', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/b/') ? new StoreClosedError() : undefined);
    const { barrier } = setup(store);
    const { log, effect } = recorder();
    const release = store.gate('chan/a/');
    const a = track(barrier.submit('a', [persist('chan/a/s', '1'), effect('a')]));
    await barrier.submit('b', [persist('chan/b/s', '1')]);
    release();
    await barrier.idle();
    expect(a.value).toMatchObject({ status: 'stopped', persisted: true, ran: 0 });
    expect(a.value?.dropped).toHaveLength(1);
    expect(store.peek('chan/a/s')).toBe('1');
    expect(log).toEqual([]);
  });

  it('a batch running its effects when the node stops drops the rest', async () => {
    const store = new TestStore();
    store.failWhen = (b) => (touches(b, 'chan/b/') ? new StoreClosedError() : undefined);
    const { barrier, clock } = setup(store);
    const log: string[] = [];
    const slow: BarrierAction = {
      kind: 'effect',
      describe: 'slow broadcast',
      dependsOnPersist: true,
      run: () => new Promise<void>((r) => clock.setTimer(1_000, () => (log.push('slow'), r()))),
    };
    const after: BarrierAction = { kind: 'effect', describe: 'after', dependsOnPersist: true, run: () => void log.push('after') };
    const a = track(barrier.submit('a', [persist('chan/a/s', '1'), slow, after]));
    await flush();
    await barrier.submit('b', [persist('chan/b/s', '1')]);
    await clock.advance(1_000);
    await barrier.idle();
    expect(log).toEqual(['slow']);
    expect(a.value).toMatchObject({ status: 'stopped', persisted: true, ran: 1 });
    expect(a.value?.dropped).toEqual([after]);
  });
});

describe('effects', () => {
  it('an effect that throws or rejects is logged; the rest run and nothing is un-persisted', async () => {
    const store = new MemoryKVStore();
    const { barrier, logger } = setup(store);
    const { log, effect } = recorder();
    const rejects: BarrierAction = { kind: 'effect', describe: 'async boom', dependsOnPersist: true, run: async () => Promise.reject(new Error('socket gone')) };
    const r = await barrier.submit('a', [persist('chan/a/s', '1'), effect('one'), effect('two', { throws: true }), rejects, effect('three')]);
    expect(log).toEqual(['one', 'two', 'three']);
    expect(r).toMatchObject({ status: 'done', persisted: true, ran: 4 });
    expect(r.effectErrors).toEqual([
      { index: 1, describe: 'two', error: 'two blew up' },
      { index: 2, describe: 'async boom', error: 'socket gone' },
    ]);
    expect(peekMem(store, 'chan/a/s')).toBe('1');
    expect(logger.entries.filter((e) => e.level === 'error' && e.message.includes('effect failed'))).toHaveLength(2);
    expect((await barrier.submit('a', [effect('next batch')])).status).toBe('done');
    expect(barrier.isFrozen('a')).toBe(false);
  });

  it('awaits an async effect before the next one of the scope', async () => {
    const { barrier, clock } = setup();
    const log: string[] = [];
    const slow: BarrierAction = {
      kind: 'effect',
      describe: 'slow',
      dependsOnPersist: true,
      run: () => new Promise<void>((r) => clock.setTimer(50, () => (log.push('slow done'), r()))),
    };
    void barrier.submit('a', [slow]);
    void barrier.submit('a', [{ kind: 'effect', describe: 'next', dependsOnPersist: true, run: () => void log.push('next') }]);
    await flush(50);
    expect(log).toEqual([]);
    await clock.advance(50);
    await barrier.idle();
    expect(log).toEqual(['slow done', 'next']);
  });

  it('a callback that throws does not break the barrier', async () => {
    const store = new TestStore();
    store.failWhen = () => new StoreClosedError();
    const { barrier, logger } = setup(store, {
      onFrozen: () => {
        throw new Error('ui gone');
      },
      onFatal: () => {
        throw new Error('ui gone too');
      },
    });
    const r = await barrier.submit('a', [persist('chan/a/s', '1')]);
    expect(r.status).toBe('failed');
    expect(barrier.isStopped()).toBe(true);
    expect(logger.text()).toContain('onFrozen threw');
    expect(logger.text()).toContain('onFatal threw');
  });

  it('keeps extra fields of the caller’s action type in `dropped`', async () => {
    type Tagged = BarrierAction & { readonly tag?: string };
    const store = new TestStore();
    store.failWhen = () => new Error('x');
    const barrier = new PersistenceBarrier<Tagged>({ store, clock: new ManualClock(), retry: { attempts: 1, baseMs: 0 } });
    const send: Tagged = { kind: 'effect', describe: 'send', dependsOnPersist: true, run: () => {}, tag: 'revoke_and_ack' };
    const r: BatchResult<Tagged> = await barrier.submit('a', [{ kind: 'persist', key: 'chan/a/s', value: enc('1') }, send]);
    expect(r.dropped[0]?.tag).toBe('revoke_and_ack');
  });
});

describe('idle()', () => {
  it('resolves at once when nothing is pending', async () => {
    const { barrier } = setup();
    await barrier.idle();
  });

  it('waits for held writes, retries, and batches submitted by effects', async () => {
    const store = new MemoryKVStore();
    const { barrier, clock } = setup(store);
    const log: string[] = [];
    const release = store.holdWrites();
    const chained: BarrierAction = {
      kind: 'effect',
      describe: 'submits more',
      dependsOnPersist: true,
      run: () => {
        log.push('first');
        void barrier.submit('a', [{ kind: 'effect', describe: 'second', dependsOnPersist: true, run: () => void log.push('second') }]);
      },
    };
    void barrier.submit('a', [persist('chan/a/s', '1'), chained]);
    store.failNextWrite();
    void barrier.submit('b', [persist('chan/b/s', '1'), { kind: 'effect', describe: 'b', dependsOnPersist: true, run: () => void log.push('b') }]);
    const idle = track(barrier.idle());
    await flush(50);
    expect(idle.done).toBe(false);
    release();
    await flush(50);
    expect(idle.done).toBe(false); // one of the writes failed and waits for its retry
    await clock.advance(100);
    await flush(50);
    expect(idle.done).toBe(true);
    expect(log.filter((x) => x !== 'b')).toEqual(['first', 'second']);
    expect(log).toContain('b');
  });
});

describe('options', () => {
  it('rejects nonsense retry settings', () => {
    const store = new MemoryKVStore();
    const clock = new ManualClock();
    expect(() => new PersistenceBarrier({ store, clock, retry: { attempts: 0, baseMs: 1 } })).toThrow(/retry.attempts/);
    expect(() => new PersistenceBarrier({ store, clock, retry: { attempts: 2, baseMs: -1 } })).toThrow(/retry.baseMs/);
    expect(() => new PersistenceBarrier({ store, clock, fatalAfterScopes: 0 })).toThrow(/fatalAfterScopes/);
  });
});
