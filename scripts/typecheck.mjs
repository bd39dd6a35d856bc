#!/usr/bin/env node
/**
 * `npm run typecheck`: the layer check, then the four type-check contexts — engine/ (no DOM, no
 * Node), workers/ (WebWorker), tsconfig.node.json (Node: cli, proxy, playground, bench, test) and
 * app/ (svelte-check). Each checker is one single-threaded process, so they run two at a time
 * (the machine has 2 cores; one after another they took ~79 s). Each checker's output is printed
 * whole when it ends, so parallel runs never interleave; the exit code is non-zero if any failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const bin = (name) => `node_modules/.bin/${name}`;
const checks = [
  // Longest first, so the two slots finish close together.
  ['tsc -p tsconfig.node.json', bin('tsc'), ['-p', 'tsconfig.node.json']],
  ['svelte-check app', bin('svelte-check'), ['--tsconfig', 'app/tsconfig.json', '--fail-on-warnings']],
  ['tsc -p workers/tsconfig.json', bin('tsc'), ['-p', 'workers/tsconfig.json']],
  ['tsc -p engine/tsconfig.json', bin('tsc'), ['-p', 'engine/tsconfig.json']],
];

const layers = spawnSync(process.execPath, ['scripts/check-layers.mjs'], { stdio: 'inherit' });
if (layers.status !== 0) process.exit(layers.status || 1);

const jobs = Math.max(1, Math.min(Number(process.env.TYPECHECK_JOBS) || availableParallelism(), checks.length));

function run([name, cmd, args]) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => {
      out += `${err.message}\n`;
    });
    child.on('close', (code, signal) => {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      if (out.trim()) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
      console.log(`${ok ? 'ok' : 'FAILED'}: ${name} (${secs} s${ok ? '' : `, exit ${code ?? signal}`})`);
      resolve(ok);
    });
  });
}

const queue = [...checks];
let failed = false;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) if (!(await run(next))) failed = true;
  }),
);
process.exit(failed ? 1 : 0);
