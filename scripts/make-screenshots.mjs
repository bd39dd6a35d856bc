#!/usr/bin/env node
// Makes the manifest's screenshots (public/screenshots/narrow.png 390×844, wide.png 1280×800)
// from the real app: builds dist/, runs test/e2e/screenshots.spec.ts (Playwright against
// `vite preview` and the e2e fixture server, a wallet created in Chromium) and copies its home
// screen shots. The outputs are committed; run again when the home screen changes:
//   node scripts/make-screenshots.mjs [--skip-build]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
};
const port = () => String(20000 + Math.floor(Math.random() * 40000));

if (!process.argv.includes('--skip-build')) run(bin('vite'), ['build', '--logLevel', 'warn']);
const started = Date.now();
// The spec fails when a screen is missing; the home screen shots are still good then.
const shots = spawnSync(bin('playwright'), ['test', 'test/e2e/screenshots.spec.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, PREVIEW_PORT: port(), FIXTURE_PORT: port() } });
if (shots.status !== 0) console.warn('screenshots.spec.ts failed (see above); copying the home screen shots if this run made them');

const out = join(root, 'public', 'screenshots');
mkdirSync(out, { recursive: true });
for (const [from, to] of [
  ['home-phone-dark.png', 'narrow.png'],
  ['home-desktop-dark.png', 'wide.png'],
]) {
  const shot = join(root, 'test-results', 'screenshots', from);
  if (statSync(shot).mtimeMs < started) throw new Error(`${shot} is from an earlier run: this run did not reach the home screen`);
  copyFileSync(shot, join(out, to));
  console.log(`public/screenshots/${to}  ${statSync(join(out, to)).size} bytes`);
}
