#!/usr/bin/env node
/**
 * `npm test`: typecheck, unit, interop (real LDK peers), browser e2e (Chromium), in that order.
 * Stops at the first failing stage and exits with its code, so the output ends with the failing
 * runner's own summary (or Playwright's, when everything passed).
 */
import { spawnSync } from 'node:child_process';

const stages = [
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['unit', 'npm', ['run', '--silent', 'test:unit']],
  ['interop', 'npm', ['run', '--silent', 'test:interop']],
  ['e2e', 'npm', ['run', '--silent', 'test:e2e']],
];

for (const [name, cmd, args] of stages) {
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
    process.exit(r.status || 1);
  }
  console.log(`=== ${name} ok in ${secs} s ===`);
}
