// Property of the persistence barrier (engine/node/executor.ts): whatever the interleaving of
// scopes, write delays, retried and permanently failing writes, async and throwing effects —
//  - per scope, the effects that run are exactly the submitted batches' effects, in submission
//    order, up to the first batch whose write never succeeds (it and every later batch of that
//    scope run none: the scope is frozen), and each batch reports done / failed / refused to match;
//  - every effect runs only once its own batch's writes are readable from the store;
//  - the store ends holding exactly the sequential application of the scope's persisted batches.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryKVStore, PersistenceBarrier, type BarrierAction, type BatchResult, type KVBatch, type KVStore } from '../../engine/index.ts';
import { ManualClock } from '../harness/loopback.ts';

const SCOPES = ['a', 'b', 'c'] as const;
const ATTEMPTS = 3;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Spec {
  readonly scope: number;
  readonly ops: readonly { readonly del: boolean; readonly key: number; readonly value: number }[];
  readonly effects: readonly { readonly throws: boolean; readonly asyncMs: number | null; readonly dependsOnPersist: boolean }[];
  /** Failed write attempts before one succeeds; ≥ ATTEMPTS means the batch never persists. */
  readonly failures: number;
  /** Delay of each write attempt, in clock ms. */
  readonly delays: readonly number[];
  /** Clock time to let pass before the next submit. */
  readonly pause: number;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  scope: fc.integer({ min: 0, max: SCOPES.length - 1 }),
  ops: fc.array(fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 3 }), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
  effects: fc.array(
    fc.record({ throws: fc.boolean(), asyncMs: fc.option(fc.integer({ min: 0, max: 20 })), dependsOnPersist: fc.boolean() }),
    { maxLength: 3 },
  ),
  failures: fc.oneof(
    { arbitrary: fc.constant(0), weight: 6 },
    { arbitrary: fc.integer({ min: 1, max: ATTEMPTS - 1 }), weight: 2 },
    { arbitrary: fc.constant(ATTEMPTS), weight: 1 },
  ),
  delays: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: ATTEMPTS, maxLength: ATTEMPTS }),
  pause: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
});

const scopeOf = (s: Spec) => SCOPES[s.scope] as string;
const markerKey = (scope: string) => `${scope}/marker`;

/** The batch's writes applied one by one: key → value, or null for deleted. */
function finalOps(spec: Spec, index: number): Map<string, string | null> {
  const m = new Map<string, string | null>();
  if (spec.ops.length === 0) return m;
  for (const op of spec.ops) m.set(`${scopeOf(spec)}/k${op.key}`, op.del ? null : String(op.value));
  m.set(markerKey(scopeOf(spec)), String(index));
  return m;
}

/** A store whose write attempts take `delays[i]` clock ms and fail `failures` times per batch. */
class ScriptedStore implements KVStore {
  readonly mem = new MemoryKVStore();
  private readonly seen = new Map<number, number>();
  private readonly clock: ManualClock;
  private readonly specs: readonly Spec[];
  constructor(clock: ManualClock, specs: readonly Spec[]) {
    this.clock = clock;
    this.specs = specs;
  }
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
    const marker = (batch.put ?? []).find(([k]) => k.endsWith('/marker'));
    if (!marker) throw new Error('test bug: a write without a marker');
    const index = Number(dec(marker[1]));
    const spec = this.specs[index] as Spec;
    const attempt = this.seen.get(index) ?? 0;
    this.seen.set(index, attempt + 1);
    const delay = spec.delays[attempt] ?? 0;
    if (delay > 0) await new Promise<void>((r) => this.clock.setTimer(delay, r));
    if (attempt < spec.failures) throw new Error(`injected failure ${attempt + 1} of batch ${index}`);
    await this.mem.write(batch);
  }
  snapshot(prefix: string): Map<string, string> {
    return new Map(
      this.mem
        .rawEntries()
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k, dec(v)]),
    );
  }
}

async function runScenario(specs: readonly Spec[]): Promise<void> {
  const clock = new ManualClock();
  const store = new ScriptedStore(clock, specs);
  const barrier = new PersistenceBarrier({ store, clock, retry: { attempts: ATTEMPTS, baseMs: 5 }, fatalAfterScopes: 99 });
  const ran: string[] = []; // `${scope}:${batch}.${effect}`, in the order effects ran (completed, for async ones)
  const violations: string[] = [];

  const batchFor = (spec: Spec, index: number): BarrierAction[] => {
    const scope = scopeOf(spec);
    const actions: BarrierAction[] = [];
    // Interleave effects and writes: the barrier must still write first.
    const effects = spec.effects.map((e, j): BarrierAction => {
      const id = `${scope}:${index}.${j}`;
      return {
        kind: 'effect',
        describe: id,
        dependsOnPersist: e.dependsOnPersist,
        run: () => {
          const now = store.snapshot(`${scope}/`);
          for (const [k, v] of finalOps(spec, index)) {
            if ((now.get(k) ?? null) !== v) violations.push(`${id} ran before ${k}=${v} was readable (saw ${now.get(k)})`);
          }
          if (e.asyncMs === null) {
            ran.push(id);
            if (e.throws) throw new Error(`${id} throws`);
            return;
          }
          return new Promise<void>((resolve, reject) =>
            clock.setTimer(e.asyncMs as number, () => {
              ran.push(id);
              if (e.throws) reject(new Error(`${id} rejects`));
              else resolve();
            }),
          );
        },
      };
    });
    const writes: BarrierAction[] = spec.ops.map((op) =>
      op.del ? { kind: 'delete', key: `${scope}/k${op.key}` } : { kind: 'persist', key: `${scope}/k${op.key}`, value: enc(String(op.value)) },
    );
    if (spec.ops.length > 0) writes.push({ kind: 'persist', key: markerKey(scope), value: enc(String(index)) });
    const n = Math.max(effects.length, writes.length);
    for (let i = 0; i < n; i++) {
      if (i < effects.length) actions.push(effects[i] as BarrierAction);
      if (i < writes.length) actions.push(writes[i] as BarrierAction);
    }
    return actions;
  };

  const results: Promise<BatchResult>[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as Spec;
    results.push(barrier.submit(scopeOf(spec), batchFor(spec, i)));
    if (spec.pause > 0) await clock.advance(spec.pause);
  }
  let idle = false;
  void barrier.idle().then(() => (idle = true));
  for (let guard = 0; !idle && guard < 5_000; guard++) await clock.advance(10);
  expect(idle).toBe(true);
  const settled = await Promise.all(results);

  expect(violations).toEqual([]);
  for (const scope of SCOPES) {
    const expectedRan: string[] = [];
    const expectedStore = new Map<string, string>();
    let frozen = false;
    specs.forEach((spec, i) => {
      if (scopeOf(spec) !== scope) return;
      const result = settled[i] as BatchResult;
      if (frozen) {
        expect(result.status, `batch ${i}`).toBe('refused');
        expect(result.ran).toBe(0);
        return;
      }
      if (spec.ops.length > 0 && spec.failures >= ATTEMPTS) {
        frozen = true;
        expect(result.status, `batch ${i}`).toBe('failed');
        expect(result.attempts).toBe(ATTEMPTS);
        expect(result.dropped).toHaveLength(spec.effects.length);
        return;
      }
      expect(result.status, `batch ${i}`).toBe('done');
      expect(result.attempts).toBe(spec.ops.length > 0 ? spec.failures + 1 : 0);
      expect(result.effectErrors.map((e) => e.index)).toEqual(spec.effects.flatMap((e, j) => (e.throws ? [j] : [])));
      spec.effects.forEach((_, j) => expectedRan.push(`${scope}:${i}.${j}`));
      for (const [k, v] of finalOps(spec, i)) {
        if (v === null) expectedStore.delete(k);
        else expectedStore.set(k, v);
      }
    });
    expect(ran.filter((id) => id.startsWith(`${scope}:`))).toEqual(expectedRan);
    expect(store.snapshot(`${scope}/`)).toEqual(expectedStore);
    expect(barrier.isFrozen(scope)).toBe(frozen);
  }
}

describe('persistence barrier: ordering and durability under random delays and failures', () => {
  it('runs exactly the persisted batches’ effects, in order, each after its data is readable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 1, maxLength: 25 }), async (specs) => {
        await runScenario(specs);
      }),
      { numRuns: 300 },
    );
  });

  it('one scope, many batches, no failures: every effect runs, in submission order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb.map((s) => ({ ...s, scope: 0, failures: 0 })), { minLength: 10, maxLength: 40 }), async (specs) => {
        await runScenario(specs);
      }),
      { numRuns: 100 },
    );
  });
});
