#!/usr/bin/env node
/**
 * `npm test`: typecheck, unit, interop (real LDK peers), browser e2e (Chromium).
 *
 * typecheck, then unit, then interop and e2e at the same time:
 *   - typecheck (tsc ×2 at a time, svelte-check) and unit (two vitest workers) each fill both
 *     cores of the 2-core machine: run together they would gain nothing and push CPU-heavy unit
 *     tests towards their timeouts, so they run one after the other, streaming;
 *   - interop ‖ e2e: both mostly wait on sockets, chain polls and LDK's timers (interop used
 *     453 CPU-s over its 562 s run, ~0.8 of one core; e2e drives one Chromium page at a time).
 * A step starts only when the one before passed. In the concurrent step each stage's output is
 * buffered (and written live to test-results/<stage>.log, to follow with `tail -f`) and printed
 * whole when the step ends: the passing stage first, a failing one last, so the output ends with
 * the failing runner's own summary (or Playwright's, when everything passed). Exits with the
 * first failing stage's code.
 *
 * GLINT_TEST_SERIAL=1 runs the four stages one after another, streaming, as before.
 * Stage names as arguments (`node scripts/test-all.mjs interop e2e`) run only those, in their steps.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';

const STAGES = {
  typecheck: ['npm', ['run', '--silent', 'typecheck']],
  unit: ['npm', ['run', '--silent', 'test:unit']],
  interop: ['npm', ['run', '--silent', 'test:interop']],
  e2e: ['npm', ['run', '--silent', 'test:e2e']],
};
const only = process.argv.slice(2);
for (const name of only) if (!(name in STAGES)) throw new Error(`unknown stage ${name}: one of ${Object.keys(STAGES).join(', ')}`);
const STEPS = [['typecheck'], ['unit'], ['interop', 'e2e']]
  .map((step) => step.filter((name) => only.length === 0 || only.includes(name)))
  .filter((step) => step.length > 0);
const HEARTBEAT_MS = 60_000;

const secsSince = (t) => ((Date.now() - t) / 1000).toFixed(1);

function fail(name, code, secs) {
  console.error(`\n${name} failed (exit ${code}) after ${secs} s`);
  process.exit(typeof code === 'number' && code !== 0 ? code : 1);
}

function serial() {
  for (const name of STEPS.flat()) {
    const [cmd, args] = STAGES[name];
    const started = Date.now();
    console.log(`\n=== ${name} ===`);
    const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
    if (r.status !== 0) fail(name, r.status ?? r.signal, secsSince(started));
    console.log(`=== ${name} ok in ${secsSince(started)} s ===`);
  }
}

/** Run one stage with its output captured; resolves with its exit code, output and time. */
function runBuffered(name) {
  const [cmd, args] = STAGES[name];
  const started = Date.now();
  const chunks = [];
  const log = createWriteStream(`test-results/${name}.log`);
  // FORCE_COLOR: the runners see a pipe, not a terminal; keep their colours when we have one.
  const env = { ...process.env, ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}) };
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const take = (d) => {
    chunks.push(d);
    log.write(d);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const done = new Promise((resolve) => {
    child.on('error', (err) => take(Buffer.from(`${name}: could not start ${cmd}: ${err.message}\n`)));
    child.on('close', (code, signal) => {
      log.end();
      resolve({ name, code: code ?? signal ?? 1, output: Buffer.concat(chunks), secs: secsSince(started) });
    });
  });
  return { child, done };
}

async function concurrent() {
  mkdirSync('test-results', { recursive: true });
  const children = new Set();
  const stopAll = (signal) => {
    for (const c of children) c.kill(signal);
    process.exit(130);
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  for (const step of STEPS) {
    const started = Date.now();
    if (step.length === 1) {
      const [name] = step;
      const [cmd, args] = STAGES[name];
      console.log(`\n=== ${name} ===`);
      const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
      if (r.status !== 0) fail(name, r.status ?? r.signal, secsSince(started));
      console.log(`=== ${name} ok in ${secsSince(started)} s ===`);
      continue;
    }
    console.log(`\n=== ${step.join(' ‖ ')} (at the same time; live output in ${step.map((n) => `test-results/${n}.log`).join(', ')}) ===`);
    const running = step.map((name) => runBuffered(name));
    for (const r of running) children.add(r.child);
    const pending = new Set(step);
    const beat = setInterval(() => console.log(`… ${[...pending].join(', ')} still running (${secsSince(started)} s)`), HEARTBEAT_MS);
    const results = await Promise.all(
      running.map((r) =>
        r.done.then((res) => {
          pending.delete(res.name);
          children.delete(r.child);
          console.log(`… ${res.name} ${res.code === 0 ? 'passed' : `FAILED (exit ${res.code})`} in ${res.secs} s`);
          return res;
        }),
      ),
    );
    clearInterval(beat);
    const failed = results.filter((r) => r.code !== 0);
    for (const r of [...results.filter((x) => x.code === 0), ...failed]) {
      console.log(`\n=== ${r.name} ===`);
      process.stdout.write(r.output);
      console.log(r.code === 0 ? `=== ${r.name} ok in ${r.secs} s ===` : '');
    }
    if (failed.length > 0) {
      const first = failed[0];
      fail(failed.map((r) => r.name).join(' and '), first.code, first.secs);
    }
    console.log(`=== ${step.join(' ‖ ')} ok in ${secsSince(started)} s ===`);
  }
}

if (process.env.GLINT_TEST_SERIAL === '1') serial();
else await concurrent();
