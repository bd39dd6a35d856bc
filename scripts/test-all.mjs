#!/usr/bin/env node
/**
 * `npm test`: typecheck, unit, interop (real LDK peers), browser e2e (Chromium).
 *
 * Two steps of two stages each, the stages of a step running at the same time:
 *   1. typecheck ‖ unit     (tsc/svelte-check is one thread; unit's two vitest workers fill the gaps)
 *   2. interop ‖ e2e        (both mostly wait on sockets, chain polls and LDK's timers: interop
 *                            used ~0.8 of a core over its run, e2e less, on this 2-core machine)
 * Step 2 starts only when step 1 passed. Each stage's output is buffered (and written live to
 * test-results/<stage>.log, to follow with `tail -f`) and printed whole when its step ends: the
 * passing stages first in the order above, the failing ones last, so the output ends with the
 * failing runner's own summary (or Playwright's, when everything passed). Exits with the first
 * failing stage's code.
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
const STEPS = [
  ['typecheck', 'unit'],
  ['interop', 'e2e'],
]
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
