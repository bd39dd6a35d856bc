#!/usr/bin/env node
/**
 * "Two commands under two minutes" (issue 8), measured: clone this repository (its committed
 * HEAD) into a fresh temporary directory, then time the README's two commands there —
 * `npm install` (npm's cache is used as usual) and `npm start` until its summary line
 * ("Glint playground is running") — print both times, stop the playground with SIGINT, wait for
 * it to exit and remove the directory. Not part of the test suite.
 *
 *   node scripts/time-first-run.mjs [--ci] [--keep]
 *     --ci    run `npm ci` instead of `npm install`
 *     --keep  leave the clone in place (its path is printed)
 *
 * The playground gets free ports through its environment variables (GLINT_APP_PORT …), so the
 * run does not collide with one already running; the commands themselves are unchanged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = new Set(process.argv.slice(2));
for (const a of args) if (a !== '--ci' && a !== '--keep') {
  console.error(`time-first-run: unknown option ${a} (known: --ci, --keep)`);
  process.exit(2);
}
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const START_TIMEOUT_MS = 10 * 60_000;
const SUMMARY = 'Glint playground is running';

/** A port nothing listens on right now. */
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const dir = mkdtempSync(join(tmpdir(), 'glint-first-run-'));
const clone = join(dir, 'glint');
let exitCode = 0;
try {
  const dirty = spawnSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim();
  if (dirty) console.log('note: uncommitted changes are not in the clone (it is of the committed HEAD)');
  const cloned = spawnSync('git', ['clone', '--quiet', repo, clone], { stdio: 'inherit' });
  if (cloned.status !== 0) throw new Error('git clone failed');
  const head = spawnSync('git', ['-C', clone, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).stdout.trim();
  console.log(`clone: ${clone} at ${head}`);

  const install = args.has('--ci') ? 'ci' : 'install';
  console.log(`$ npm ${install}`);
  const t0 = Date.now();
  const inst = spawnSync('npm', [install, '--no-audit', '--no-fund'], { cwd: clone, stdio: 'inherit' });
  const installMs = Date.now() - t0;
  if (inst.status !== 0) throw new Error(`npm ${install} failed (exit ${inst.status})`);
  console.log(`npm ${install}: ${seconds(installMs)}`);

  const env = { ...process.env };
  for (const name of ['GLINT_APP_PORT', 'GLINT_PROXY_PORT', 'GLINT_ESPLORA_PORT', 'GLINT_HUB_PORT', 'GLINT_SHOP_PORT']) env[name] = String(await freePort());
  console.log('$ npm start');
  const t1 = Date.now();
  // Its own process group, so SIGINT reaches npm, tsx and node as Ctrl-C would.
  const child = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const startMs = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`no summary line within ${seconds(START_TIMEOUT_MS)}`)), START_TIMEOUT_MS);
    const onData = (d) => {
      process.stdout.write(d);
      out += d;
      if (out.includes(SUMMARY)) {
        clearTimeout(timer);
        res(Date.now() - t1);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => process.stderr.write(d));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`npm start exited (${code ?? signal}) before its summary`));
    });
  }).catch(async (err) => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    await exited;
    throw err;
  });

  const t2 = Date.now();
  process.kill(-child.pid, 'SIGINT');
  const stopped = await Promise.race([exited, new Promise((res) => setTimeout(() => res(null), 30_000))]);
  if (stopped === null) {
    process.kill(-child.pid, 'SIGKILL');
    await exited;
    throw new Error('npm start did not stop within 30 s of SIGINT (killed)');
  }
  const stopMs = Date.now() - t2;

  console.log('\n== first run ==');
  console.log(`npm ${install}:               ${seconds(installMs)}`);
  console.log(`npm start → summary line:  ${seconds(startMs)}`);
  console.log(`total (two commands):      ${seconds(installMs + startMs)}  ${installMs + startMs < 120_000 ? '(under two minutes)' : '(OVER two minutes)'}`);
  console.log(`stop (SIGINT → exit ${stopped.code ?? stopped.signal}): ${seconds(stopMs)}`);
} catch (err) {
  console.error(`time-first-run: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  if (args.has('--keep')) console.log(`kept: ${clone}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
