// The persistence barrier's test-only crash hook (engine/node/executor.ts `crashHook`, issue 7
// item 1): it is asked at every persistence point of a writing batch, in order; answering 'crash'
// at a point leaves the store exactly as it was at that point, runs no further effect of any
// scope, and leaves every batch in progress or submitted later unfinished.
import { describe, expect, it } from 'vitest';
import { MemoryKVStore, PersistenceBarrier, type BarrierAction, type CrashPoint } from '../../engine/index.ts';
import { flush, ManualClock } from '../harness/loopback.ts';

const enc = (s: string) => new TextEncoder().encode(s);

function world(crashAt?: (p: CrashPoint) => boolean) {
  const store = new MemoryKVStore();
  const log: string[] = [];
  const points: CrashPoint[] = [];
  const barrier = new PersistenceBarrier<BarrierAction>({
    store,
    clock: new ManualClock(),
    crashHook: (p) => {
      points.push(p);
      return crashAt?.(p) ? 'crash' : undefined;
    },
  });
  const effect = (name: string, dependsOnPersist = true): BarrierAction => ({ kind: 'effect', describe: name, dependsOnPersist, run: () => void log.push(name) });
  const batch = (n: number): BarrierAction[] => [{ kind: 'persist', key: `k/${n}`, value: enc(`v${n}`) }, effect(`send a${n}`), effect(`send b${n}`), effect(`emit c${n}`, false)];
  return { store, log, points, barrier, effect, batch };
}

describe('persistence barrier crash hook', () => {
  it('is asked at every point of a writing batch, in order, and never for a batch that writes nothing', async () => {
    const w = world();
    const done = await w.barrier.submit('s', w.batch(1));
    expect(done.status).toBe('done');
    await w.barrier.submit('s', [w.effect('send alone')]);
    expect(w.points.map((p) => [p.phase, p.ran])).toEqual([
      ['before-save', undefined],
      ['after-save-before-effects', undefined],
      ['between-effects', 1],
      ['between-effects', 2],
      ['after-effects', undefined],
    ]);
    expect(w.points[0]).toMatchObject({ scope: 's', seq: 1, keys: ['k/1'], effects: ['send a1', 'send b1', 'emit c1'] });
    expect(w.log).toEqual(['send a1', 'send b1', 'emit c1', 'send alone']);
  });

  it('no point after an emit: between-effects only follows a send or broadcast', async () => {
    const w = world();
    await w.barrier.submit('s', [{ kind: 'persist', key: 'k', value: enc('v') }, w.effect('emit x', false), w.effect('send y')]);
    expect(w.points.map((p) => p.phase)).toEqual(['before-save', 'after-save-before-effects', 'after-effects']);
  });

  const cases: [string, number | undefined, string[], boolean][] = [
    ['before-save', undefined, [], false],
    ['after-save-before-effects', undefined, [], true],
    ['between-effects', 1, ['send a1'], true],
    ['between-effects', 2, ['send a1', 'send b1'], true],
    ['after-effects', undefined, ['send a1', 'send b1', 'emit c1'], true],
  ];
  it.each(cases)('crash at %s (%s ran) of batch 1: the store holds what was durable then, nothing more runs, nothing finishes', async (phase, after, ran, saved) => {
    const w = world((p) => p.seq === 1 && p.phase === phase && p.ran === after);
    let finished = false;
    void w.barrier.submit('s', w.batch(1)).then(() => (finished = true));
    let laterFinished = false;
    void w.barrier.submit('other', w.batch(2)).then(() => (laterFinished = true));
    void w.barrier.submit('s', [w.effect('send queued')]).then(() => (laterFinished = true));
    void w.barrier.submit('s', w.batch(4)).then(() => (laterFinished = true));
    await flush();
    await flush();
    void w.barrier.submit('third', w.batch(3)).then(() => (laterFinished = true));
    await flush();
    await flush();
    expect(w.log).toEqual(ran);
    expect(await w.store.get('k/1')).toEqual(saved ? enc('v1') : undefined);
    // The crash is the end of the process: no other scope writes or runs anything afterwards.
    expect(await w.store.get('k/3')).toBeUndefined();
    expect(await w.store.get('k/4')).toBeUndefined();
    expect(finished).toBe(false);
    expect(laterFinished).toBe(false);
    // The hook is not asked again once it said 'crash'.
    expect(w.points.filter((p) => p.seq >= 3)).toEqual([]);
  });
});
