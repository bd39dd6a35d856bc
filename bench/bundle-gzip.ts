/**
 * bundle-gzip (issue 9): total gzip bytes of the JS loaded before the home screen is interactive —
 * the entry chunk, its static imports, the node worker chunk and its static imports, not the lazily
 * loaded screens (scripts/bundle-report.mjs counts them from Vite's build manifest;
 * test/e2e/bundle-initial.spec.ts checks that set against what Chromium fetches). Builds first when dist/ is missing or older than the sources.
 * No LDK counterpart: the figure is set against the target, 250 KB (the earlier browser
 * node shipped about 10 MB of WASM).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetResult, type BenchResult } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET_KB = 250;
const SOURCES = ['app', 'workers', 'engine', 'public', 'index.html', 'vite.config.ts', 'package.json'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** dist/ is missing or a source changed after it was built. */
function stale(): boolean {
  const manifest = join(root, 'dist', '.vite', 'manifest.json');
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  return SOURCES.some((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
}

/** Build dist/ when it is missing or stale (also used by cold-start.ts). */
export function ensureBuilt(): void {
  if (stale()) execFileSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

export async function run(): Promise<BenchResult[]> {
  ensureBuilt();
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'bundle-report.mjs'), join(root, 'dist'), '--json'], { encoding: 'utf8' });
  const report = JSON.parse(out) as { initialGzip: number };
  if (!Number.isInteger(report.initialGzip) || report.initialGzip <= 0) throw new Error(`bundle-report: initialGzip ${String(report.initialGzip)} is not a size`);
  return [targetResult('bundle-gzip', 'KB', report.initialGzip / 1000, TARGET_KB)];
}
