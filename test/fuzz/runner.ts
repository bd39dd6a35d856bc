/**
 * The fuzz loop for one target. A target is a decoder or parser that gets hostile input from
 * outside (a peer, a chain server, the UI, the store, a pasted text) plus the error classes it
 * documents for bad input. The loop feeds it fresh random inputs and mutations of valid seeds and
 * reports two kinds of findings:
 *   - crash: it threw something that is not one of its documented errors (a TypeError, a
 *     RangeError from a typed array, a stack overflow, …) — a bug, since bad bytes from a peer must
 *     give a clean error;
 *   - hang: one input took longer than the per-input budget (an infinite loop is caught by the
 *     worker watchdog in main.ts, which reports the input being run).
 * Everything is deterministic for a given seed: iteration i always sees the same input.
 */
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { type Json, Rng, mutateBytes, mutateString, mutateValue, randomString, randomValue } from './mutate.ts';

export type FuzzInput = Uint8Array | string | Json;

interface TargetBase<I> {
  readonly name: string;
  readonly description: string;
  /** Valid inputs to mutate (vectors, fixtures, encoder output); built once per run. */
  readonly seeds: () => readonly I[];
  /** Feed one input to the decoder; throw only what the decoder throws. */
  readonly run: (input: I) => void;
  /** True for the errors the decoder documents for bad input (not a finding). */
  readonly expected: (err: unknown) => boolean;
  /** Longest input to generate. */
  readonly maxLength?: number;
  /** Structure-aware mutations on top of the generic ones (e.g. re-checksummed bech32). */
  readonly mutate?: (rng: Rng, input: I, seeds: readonly I[]) => I;
}

export type FuzzTarget =
  | (TargetBase<Uint8Array> & { readonly kind: 'bytes' })
  | (TargetBase<string> & { readonly kind: 'string'; readonly tokens?: readonly string[] })
  | (TargetBase<Json> & { readonly kind: 'value'; readonly tokens?: readonly string[] });

export interface Finding {
  readonly target: string;
  readonly kind: 'crash' | 'hang';
  readonly iteration: number;
  readonly seed: string;
  /** The input: hex for bytes, the text for strings, a JSON rendering for values. */
  readonly input: string;
  readonly inputKind: FuzzTarget['kind'];
  readonly error: string;
  readonly stack?: string;
  readonly ms: number;
}

export interface TargetResult {
  readonly target: string;
  readonly inputs: number;
  /** Inputs the decoder accepted. */
  readonly accepted: number;
  /** Inputs refused with a documented error. */
  readonly refused: number;
  readonly crashes: number;
  readonly hangs: number;
  /** Up to `maxFindings` distinct findings (by error text), with the input to reproduce each. */
  readonly findings: readonly Finding[];
  readonly ms: number;
  readonly slowestMs: number;
}

export interface RunOptions {
  readonly iterations: number;
  readonly seed: string;
  /** Per-input time budget; longer is a hang. Default 1000 ms. */
  readonly budgetMs?: number;
  readonly maxFindings?: number;
  /** Called before each input (the worker copies it to shared memory for the watchdog). */
  readonly onInput?: (iteration: number, input: FuzzInput) => void;
  /** Checked before each input: true stops the run early (the result counts the inputs run). */
  readonly shouldStop?: () => boolean;
  /** Called every `progressEvery` inputs with the count so far and the findings (crashes + hangs) so far. */
  readonly onProgress?: (done: number, found: number) => void;
  readonly progressEvery?: number;
}

/** The input as the findings file records it. */
export function renderInput(input: FuzzInput): string {
  if (input instanceof Uint8Array) return bytesToHex(input);
  if (typeof input === 'string') return input;
  return JSON.stringify(input, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : Object.is(v, -0) ? { $number: '-0' } : v));
}

/** Build input number `i` for a target. */
function nextInput(target: FuzzTarget, rng: Rng, seeds: readonly FuzzInput[]): FuzzInput {
  const max = target.maxLength ?? 4096;
  const fresh = seeds.length === 0 || rng.chance(0.08);
  switch (target.kind) {
    case 'bytes': {
      const s = seeds as readonly Uint8Array[];
      if (fresh) return rng.bytes(rng.below(Math.min(max, 600) + 1));
      let b = rng.pick(s);
      if (target.mutate && rng.chance(0.3)) return target.mutate(rng, b, s);
      for (let k = 1 + rng.below(4); k > 0; k--) b = mutateBytes(rng, b, s, max);
      return b;
    }
    case 'string': {
      const s = seeds as readonly string[];
      const tokens = target.tokens ?? [];
      if (fresh) return randomString(rng, tokens, max);
      let t = rng.pick(s);
      if (target.mutate && rng.chance(0.3)) return target.mutate(rng, t, s);
      for (let k = 1 + rng.below(4); k > 0; k--) t = mutateString(rng, t, s, tokens, max);
      return t;
    }
    case 'value': {
      const s = seeds as readonly Json[];
      const tokens = target.tokens ?? [];
      if (fresh) return randomValue(rng, tokens);
      let v = rng.pick(s);
      if (target.mutate && rng.chance(0.3)) return target.mutate(rng, v, s);
      for (let k = 1 + rng.below(3); k > 0; k--) v = mutateValue(rng, v, tokens);
      return v;
    }
  }
}

function describeError(err: unknown): { error: string; stack?: string } {
  if (err instanceof Error) return { error: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) };
  return { error: `non-Error thrown: ${String(err)}` };
}

/** Run `iterations` inputs through one target. Never throws for what the target does. */
export function runTarget(target: FuzzTarget, opts: RunOptions): TargetResult {
  const budget = opts.budgetMs ?? 1000;
  const maxFindings = opts.maxFindings ?? 20;
  const rng = new Rng(`${opts.seed}/${target.name}`);
  const seeds = target.seeds() as readonly FuzzInput[];
  const run = target.run as (input: FuzzInput) => void;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let accepted = 0;
  let refused = 0;
  let crashes = 0;
  let hangs = 0;
  let slowest = 0;
  const started = performance.now();
  const record = (f: Finding): void => {
    const key = `${f.kind}:${f.error.slice(0, 200)}`;
    if (seen.has(key) || findings.length >= maxFindings) return;
    seen.add(key);
    findings.push(f);
  };
  let done = 0;
  for (let i = 0; i < opts.iterations; i++) {
    if (opts.shouldStop?.()) break;
    // Seeds themselves go first, so a valid input that crashes is found at once.
    const input = i < seeds.length ? (seeds[i] as FuzzInput) : nextInput(target, rng, seeds);
    opts.onInput?.(i, input);
    const t0 = performance.now();
    let failure: { error: string; stack?: string } | undefined;
    try {
      run(input);
      accepted++;
    } catch (err) {
      if (target.expected(err)) refused++;
      else failure = describeError(err);
    }
    const ms = performance.now() - t0;
    if (ms > slowest) slowest = ms;
    // Rendered only for a finding: hex of every input would cost more than many decoders.
    const base = (): Omit<Finding, 'kind' | 'error'> => ({ target: target.name, iteration: i, seed: opts.seed, input: renderInput(input), inputKind: target.kind, ms });
    if (failure) {
      crashes++;
      record({ ...base(), kind: 'crash', ...failure });
    }
    if (ms > budget) {
      hangs++;
      record({ ...base(), kind: 'hang', error: `took ${ms.toFixed(0)} ms (budget ${budget} ms)` });
    }
    done = i + 1;
    if (opts.onProgress && (i + 1) % (opts.progressEvery ?? 10_000) === 0) opts.onProgress(i + 1, crashes + hangs);
  }
  return { target: target.name, inputs: done, accepted, refused, crashes, hangs, findings, ms: performance.now() - started, slowestMs: slowest };
}
