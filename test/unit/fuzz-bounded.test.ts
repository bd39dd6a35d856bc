/**
 * The fuzz targets (test/fuzz) in CI: every target runs a small, fixed number of inputs from a
 * fixed seed and must report no crash and no hang. `npm run fuzz` runs the same targets for
 * millions of inputs. The controls show the runner does report a crash and a slow input.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../engine/lib/errors.ts';
import { runTarget, type FuzzTarget } from '../fuzz/runner.ts';
import { TARGETS } from '../fuzz/targets.ts';
import { Rng } from '../fuzz/mutate.ts';

/** Inputs per target: the EC-heavy onion targets get fewer; the whole file stays well under 20 s. */
const COUNT: Record<string, number> = { 'onion-peel': 150, 'onion-failure': 200 };

describe('fuzz targets (bounded)', () => {
  it('covers every decoder family named by issue 7', () => {
    const names = TARGETS.map((t) => t.name);
    for (const n of ['wire-message', 'wire-tlv', 'onion-peel', 'bolt11', 'payment-text', 'lnurl', 'esplora-json-text', 'rpc-request', 'record-channel', 'record-payments']) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(TARGETS.map((t) => [t.name, t] as const))('%s: no crash, no hang', (_name, target) => {
    const r = runTarget(target, { iterations: COUNT[target.name] ?? 600, seed: 'ci', budgetMs: 5000 });
    expect(r.findings).toEqual([]);
    expect(r.crashes + r.hangs).toBe(0);
    expect(r.inputs).toBe(COUNT[target.name] ?? 600);
  });
});

describe('fuzz runner', () => {
  const control = (run: (b: Uint8Array) => void): FuzzTarget => ({
    name: 'control',
    description: 'a decoder with a planted bug',
    kind: 'bytes',
    seeds: () => [Uint8Array.of(1, 2, 3)],
    run,
    expected: (err) => err instanceof DecodeError,
  });

  it('reports an undocumented exception as a crash, with the input to reproduce it', () => {
    const r = runTarget(
      control((b) => {
        if (b.length > 3) throw new TypeError('planted');
        throw new DecodeError('x', 'short');
      }),
      { iterations: 300, seed: 's' },
    );
    expect(r.crashes).toBeGreaterThan(0);
    expect(r.refused + r.crashes).toBe(300);
    const f = r.findings[0];
    expect(f?.kind).toBe('crash');
    expect(f?.error).toBe('TypeError: planted');
    expect(f?.input.length).toBeGreaterThan(6);
  });

  it('reports an input over the time budget as a hang', () => {
    const r = runTarget(
      control((b) => {
        if (b[0] === 1) {
          const until = performance.now() + 30;
          while (performance.now() < until);
        }
      }),
      { iterations: 20, seed: 's', budgetMs: 10 },
    );
    expect(r.hangs).toBeGreaterThan(0);
    expect(r.findings.some((f) => f.kind === 'hang' && /budget 10 ms/.test(f.error))).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const seen = (seed: string): string[] => {
      const inputs: string[] = [];
      runTarget(control(() => {}), { iterations: 50, seed, onInput: (_i, input) => inputs.push(String(input)) });
      return inputs;
    };
    expect(seen('a')).toEqual(seen('a'));
    expect(seen('a')).not.toEqual(seen('b'));
    const r1 = new Rng('x');
    const r2 = new Rng('x');
    expect(Array.from({ length: 5 }, () => r1.u32())).toEqual(Array.from({ length: 5 }, () => r2.u32()));
  });
});
