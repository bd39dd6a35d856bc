/**
 * A tiny benchmark harness: time a function (warm-up, then repeated samples until at least
 * `minTimeMs` of measurement), and describe the result as ours vs a reference implementation.
 */

/** One line of the report: our figure, the reference's, and ours/reference (higher is better when
 *  `unit` is a rate such as MB/s or ops/s). */
export type BenchResult = {
  name: string;
  unit: string;
  ours: number;
  reference: number;
  referenceName: string;
  ratio: number;
  /** Set for a figure with no LDK counterpart: `reference` is then the target, an upper bound. */
  target?: 'max';
};

export interface TimeOptions {
  /** Time spent calling `fn` before measuring (JIT warm-up). Default 150 ms. */
  warmupMs?: number;
  /** Keep sampling until this much time has been measured. Default 500 ms. */
  minTimeMs?: number;
  /** Target duration of one sample; calls are batched to reach it. Default 10 ms. */
  sampleMs?: number;
}

export interface Timing {
  /** Median time of one call, in milliseconds. */
  medianMs: number;
  /** Mean time of one call, in milliseconds. */
  meanMs: number;
  /** Number of timed calls. */
  calls: number;
  samples: number;
}

/** Time `fn`: warm up, batch calls so a sample lasts ~`sampleMs`, report the median per call. */
export function time(fn: () => void, options: TimeOptions = {}): Timing {
  const warmupMs = options.warmupMs ?? 150;
  const minTimeMs = options.minTimeMs ?? 500;
  const sampleMs = options.sampleMs ?? 10;

  let batch = 1;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt < sampleMs) batch = Math.min(batch * 2, 1 << 24);
  }

  const perCall: number[] = [];
  let measured = 0;
  let calls = 0;
  while (measured < minTimeMs || perCall.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    perCall.push(dt / batch);
    measured += dt;
    calls += batch;
  }
  return summarize(perCall, measured, calls);
}

/**
 * Time several functions against each other: after warming each up, samples are taken round-robin
 * (one sample of each per round) so that machine load drifts affect all of them alike. Runs until
 * every function has `minTimeMs` of measurement.
 */
export function timeAll(fns: ReadonlyArray<() => void>, options: TimeOptions = {}): Timing[] {
  const warmupMs = options.warmupMs ?? 150;
  const minTimeMs = options.minTimeMs ?? 500;
  const sampleMs = options.sampleMs ?? 10;
  const batches = fns.map((fn) => {
    let batch = 1;
    const warmEnd = performance.now() + warmupMs;
    while (performance.now() < warmEnd) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) fn();
      if (performance.now() - t0 < sampleMs) batch = Math.min(batch * 2, 1 << 24);
    }
    return batch;
  });
  const perCall: number[][] = fns.map(() => []);
  const measured = fns.map(() => 0);
  const calls = fns.map(() => 0);
  while (measured.some((m) => m < minTimeMs) || (perCall[0] as number[]).length < 5) {
    fns.forEach((fn, k) => {
      const batch = batches[k] as number;
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) fn();
      const dt = performance.now() - t0;
      (perCall[k] as number[]).push(dt / batch);
      measured[k] = (measured[k] as number) + dt;
      calls[k] = (calls[k] as number) + batch;
    });
  }
  return fns.map((_, k) => summarize(perCall[k] as number[], measured[k] as number, calls[k] as number));
}

function summarize(perCall: number[], measured: number, calls: number): Timing {
  perCall.sort((a, b) => a - b);
  const mid = perCall.length >> 1;
  const medianMs = perCall.length % 2 ? (perCall[mid] as number) : ((perCall[mid - 1] as number) + (perCall[mid] as number)) / 2;
  return { medianMs, meanMs: measured / calls, calls, samples: perCall.length };
}

/** Throughput in MB/s (10^6 bytes per second) for `bytes` processed per call. */
export function megabytesPerSecond(bytes: number, t: Timing): number {
  return bytes / (t.medianMs / 1000) / 1e6;
}

/** Operations per second. */
export function opsPerSecond(t: Timing): number {
  return 1000 / t.medianMs;
}

/** Build a result, computing the ratio ours/reference. */
export function result(name: string, unit: string, ours: number, reference: number, referenceName: string): BenchResult {
  return { name, unit, ours, reference, referenceName, ratio: ours / reference };
}

/**
 * A figure with no reference implementation (bundle size, cold start), measured against the
 * issue's target, an upper bound: `reference` is the target and `ratio` ours/target (≤ 1 meets it).
 */
export function targetResult(name: string, unit: string, ours: number, maxTarget: number): BenchResult {
  return { name, unit, ours, reference: maxTarget, referenceName: 'target ≤', ratio: ours / maxTarget, target: 'max' };
}

/** Format a number with 3 significant digits (at least one decimal below 100). */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** `name  ours X unit  refName Y unit  ratio R` (or `… target ≤ Y unit  met|MISSED` for a target). */
export function formatResult(r: BenchResult): string {
  if (r.target === 'max') return `${r.name}  ours ${fmt(r.ours)} ${r.unit}  target ≤ ${fmt(r.reference)} ${r.unit}  ${r.ratio <= 1 ? 'met' : 'MISSED'} (ratio ${r.ratio.toFixed(2)})`;
  return `${r.name}  ours ${fmt(r.ours)} ${r.unit}  ${r.referenceName} ${fmt(r.reference)} ${r.unit}  ratio ${r.ratio.toFixed(2)}`;
}
