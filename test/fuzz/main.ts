/**
 * `npm run fuzz -- --iterations N [--target <name>[,<name>…]] [--seed S] [--budget-ms MS]
 *  [--out FILE] [--list] [--replay FILE]`
 *
 * Runs every fuzz target (test/fuzz/targets*.ts), each in its own worker thread, one after the
 * other, and prints per target: inputs, accepted, refused (documented errors), crashes, hangs,
 * time and the slowest input. Findings (crashes: an exception that is not the decoder's documented
 * error; hangs: an input over the time budget, or one that never returned — the watchdog stops
 * the worker and reports the input it was running; a worker that dies is a crash on the input it
 * was running) go to FILE (default fuzz-findings.json) with
 * the seed, the iteration and the input (hex for bytes) to reproduce each. Exits 1 on any finding.
 * The same --seed gives the same inputs. `--replay FILE` runs each finding of a findings file again
 * (five times, in this thread) and prints what it does now and how long it takes: a fixed crash
 * shows its documented error, and a "hang" that was a stall of a loaded machine shows milliseconds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { Worker } from 'node:worker_threads';
import type { Finding, FuzzInput, TargetResult } from './runner.ts';
import { TARGETS } from './targets.ts';
import { SHARED_HEADER, type WorkerJob } from './worker-job.ts';

interface Args {
  iterations: number;
  targets: string[];
  seed: string;
  budgetMs: number;
  out: string;
  list: boolean;
  replay: string | undefined;
}

function usage(message: string): never {
  console.error(`fuzz: ${message}\nusage: npm run fuzz -- --iterations N [--target name[,name…]] [--seed S] [--budget-ms MS] [--out FILE] [--list] [--replay FILE]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { iterations: 10_000, targets: [], seed: 'glint', budgetMs: 1000, out: 'fuzz-findings.json', list: false, replay: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const positive = (v: string, what: string): number => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1) usage(`${what} must be a positive integer, got "${v}"`);
      return n;
    };
    if (flag === '--iterations') args.iterations = positive(value(), '--iterations');
    else if (flag === '--target') args.targets.push(...value().split(',').filter((t) => t !== ''));
    else if (flag === '--seed') args.seed = value();
    else if (flag === '--budget-ms') args.budgetMs = positive(value(), '--budget-ms');
    else if (flag === '--out') args.out = value();
    else if (flag === '--list') args.list = true;
    else if (flag === '--replay') args.replay = value();
    else usage(`unknown argument "${flag}"`);
  }
  for (const t of args.targets) if (!TARGETS.some((x) => x.name === t)) usage(`no target "${t}" (see --list)`);
  return args;
}

const SHARED_BYTES = 1 << 20;

/** The shared headers of the workers running now; a stop request sets their stop flag. */
const running = new Set<Int32Array>();
let stopping = false;

/** Run one target in a worker; a worker that stops making progress is stopped and reported. */
function runInWorker(name: string, args: Args): Promise<TargetResult> {
  const shared = new SharedArrayBuffer(SHARED_HEADER + SHARED_BYTES);
  const header = new Int32Array(shared, 0, 4);
  header[0] = -1;
  running.add(header);
  const job: WorkerJob = { target: name, iterations: args.iterations, seed: args.seed, budgetMs: args.budgetMs, shared };
  const started = performance.now();
  const stallMs = Math.max(30_000, 10 * args.budgetMs);
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: job });
    let last = -1;
    let lastChange = performance.now();
    let settled = false;
    /** The input the worker was running (from shared memory): for a hang or a dead worker. */
    const stuck = (kind: Finding['kind'], error: string, ms: number): TargetResult => {
      const current = Math.max(0, Atomics.load(header, 0));
      const length = Atomics.load(header, 1);
      const raw = new Uint8Array(shared, SHARED_HEADER, length).slice();
      const input = Atomics.load(header, 2) === 0 ? bytesToHex(raw) : new TextDecoder().decode(raw);
      const target = TARGETS.find((t) => t.name === name);
      const finding: Finding = { target: name, kind, iteration: current, seed: args.seed, input, inputKind: target?.kind ?? 'bytes', error, ms };
      return { target: name, inputs: current + 1, accepted: 0, refused: 0, crashes: kind === 'crash' ? 1 : 0, hangs: kind === 'hang' ? 1 : 0, findings: [finding], ms: performance.now() - started, slowestMs: ms };
    };
    const finish = (r: TargetResult): void => {
      if (settled) return;
      settled = true;
      running.delete(header);
      clearInterval(watchdog);
      resolve(r);
      void worker.terminate();
    };
    const watchdog = setInterval(() => {
      const now = performance.now();
      const current = Atomics.load(header, 0);
      if (current !== last) {
        last = current;
        lastChange = now;
        return;
      }
      if (current < 0 || now - lastChange < stallMs) return;
      finish(stuck('hang', `no return after ${Math.round(stallMs / 1000)} s (worker stopped)`, now - lastChange));
    }, 1000);
    worker.on('message', (m: { type: 'progress'; done: number; found: number } | { type: 'done'; result: TargetResult }) => {
      if (m.type === 'progress') {
        const s = (performance.now() - started) / 1000;
        process.stderr.write(`  ${name}: ${m.done} inputs, ${m.found} findings, ${s.toFixed(0)} s\n`);
        return;
      }
      finish(m.result);
    });
    // The worker died (an exception outside the loop, out of memory, process.exit in a decoder):
    // a crash on the input it was running.
    worker.on('error', (err) => finish(stuck('crash', `worker died: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, 0)));
    worker.on('exit', (code) => finish(stuck('crash', `worker exited with code ${code} before finishing`, 0)));
  });
}

/** The input of a finding, back from its rendering (renderInput in runner.ts). */
function parseInput(f: Finding): FuzzInput {
  if (f.inputKind === 'bytes') return hexToBytes(f.input);
  if (f.inputKind === 'string') return f.input;
  return JSON.parse(f.input, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $number?: unknown }).$number === 'string' ? Number((v as { $number: string }).$number) : v)) as FuzzInput;
}

function replay(file: string): void {
  const { findings } = JSON.parse(readFileSync(file, 'utf8')) as { findings: Finding[] };
  for (const f of findings) {
    const target = TARGETS.find((t) => t.name === f.target);
    if (!target) {
      console.log(`${f.target}: no such target`);
      continue;
    }
    const input = parseInput(f);
    const times: number[] = [];
    let outcome = 'accepted';
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      try {
        (target.run as (i: FuzzInput) => void)(input);
        outcome = 'accepted';
      } catch (err) {
        outcome = `${target.expected(err) ? 'refused' : 'CRASH'}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      }
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`${f.target} ${f.kind} at iteration ${f.iteration} (was: ${f.error}) → now ${outcome.slice(0, 160)}; median ${(times[2] as number).toFixed(2)} ms, max ${(times[4] as number).toFixed(2)} ms`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.replay !== undefined) {
    replay(args.replay);
    return;
  }
  if (args.list) {
    for (const t of TARGETS) console.log(`${t.name.padEnd(24)} ${t.kind.padEnd(6)} ${t.description}`);
    return;
  }
  // SIGINT/SIGTERM: the running target stops after its current input and reports the inputs it
  // ran; the targets not started are skipped; the summary and the findings file are written.
  const stop = (): void => {
    stopping = true;
    for (const h of running) Atomics.store(h, 3, 1);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const names = args.targets.length > 0 ? args.targets : TARGETS.map((t) => t.name);
  console.log(`fuzz: ${names.length} targets × ${args.iterations} inputs, seed "${args.seed}", budget ${args.budgetMs} ms per input`);
  const results: TargetResult[] = [];
  for (const name of names) {
    if (stopping) {
      console.log(`${name.padEnd(24)} not run (stopped)`);
      continue;
    }
    const r = await runInWorker(name, args);
    results.push(r);
    const rate = r.inputs / (r.ms / 1000);
    console.log(
      `${r.target.padEnd(24)} inputs ${String(r.inputs).padStart(9)}  accepted ${String(r.accepted).padStart(8)}  refused ${String(r.refused).padStart(9)}  crashes ${r.crashes}  hangs ${r.hangs}  ${(r.ms / 1000).toFixed(1)} s (${rate.toFixed(0)}/s, slowest ${r.slowestMs.toFixed(1)} ms)`,
    );
    for (const f of r.findings) console.log(`  ${f.kind} at iteration ${f.iteration}: ${f.error}\n    input: ${f.input.length > 200 ? `${f.input.slice(0, 200)}…` : f.input}`);
  }
  const findings = results.flatMap((r) => r.findings);
  writeFileSync(args.out, `${JSON.stringify({ seed: args.seed, iterations: args.iterations, budgetMs: args.budgetMs, stoppedEarly: stopping, results: results.map(({ findings: _f, ...rest }) => rest), findings }, null, 2)}\n`);
  const crashes = results.reduce((n, r) => n + r.crashes, 0);
  const hangs = results.reduce((n, r) => n + r.hangs, 0);
  console.log(`fuzz: ${crashes} crashes, ${hangs} hangs${stopping ? ' (stopped early: the counts are the inputs run)' : ''}; findings written to ${args.out}`);
  if (crashes + hangs > 0) process.exitCode = 1;
}

await main();
