#!/usr/bin/env node
// The gzip size of every JS chunk in dist/ and the total loaded before the home screen is
// interactive (issue 9 "Speed"): the entry chunk, its static imports (transitively), the node
// worker chunk and its static imports, and the service-worker helper (workbox-window) that app/main.ts
// imports at startup — the home screen shows the wallet only once the worker has answered. Other
// dynamic imports (screens loaded on first visit) are listed but not counted; sw.js and
// workbox-*.js run in the service worker, off the page, and are listed apart.
// Vite prints no gzip size for worker chunks (toolchain pitfall 14), hence this report.
//   node scripts/bundle-report.mjs [dist] [--json]
// Run after `vite build` by `npm run build`; bench/bundle-gzip.ts reads its --json output.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** Manifest keys of dynamic imports loaded during startup (see bundleReport). */
const STARTUP_DYNAMIC_IMPORTS = /(^|\/)node_modules\/workbox-window\//;

/** Gzip at level 9, what a static host serves (level 6 is a few hundred bytes larger). */
function gzipBytes(file) {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

/**
 * The sibling chunks a built worker chunk imports statically (`import{a as b}from"./x.js"`,
 * `import"./x.js"`, `export … from"./x.js"`), not its `import("./x.js")` calls.
 * @param {string} code
 * @returns {string[]}
 */
export function workerStaticImports(code) {
  const found = new Set();
  for (const m of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{][^'"`;()]*?from\s*)?["'`]\.\/([\w.-]+\.js)["'`]/g)) found.add(m[1]);
  return [...found];
}

/**
 * @param {string} dist the build output (with .vite/manifest.json: vite.config.ts build.manifest)
 * @returns {{ chunks: { file: string, role: string, bytes: number, gzip: number }[], initialGzip: number, initialBytes: number }}
 */
export function bundleReport(dist) {
  const manifestPath = join(dist, '.vite', 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run \`vite build\` (build.manifest must be on)`);
  /** @type {Record<string, { file: string, isEntry?: boolean, imports?: string[], dynamicImports?: string[], assets?: string[] }>} */
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  if (entries.length === 0) throw new Error(`${manifestPath}: no entry chunk`);

  const initial = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const k of chunk.imports ?? []) visit(k);
  };
  // The worker is emitted as an asset of a chunk that calls `new Worker(new URL(...))`; it is
  // built apart and is absent from the manifest, so its own static imports (a worker split with
  // dynamic `import()`) are read from its `import … from "./x.js"` statements.
  const visitWorker = (file) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const rel of workerStaticImports(readFileSync(join(dist, file), 'utf8'))) visitWorker(`assets/${rel}`);
  };
  for (const [key] of entries) visit(key);
  // Dynamic imports the app makes during startup, before home shows, count too: app/main.ts
  // registers the service worker at once, and `virtual:pwa-register` imports workbox-window then
  // (test/e2e/bundle-initial.spec.ts sees Chromium fetch it).
  for (const chunk of Object.values(manifest)) {
    if (!initial.has(chunk.file)) continue;
    for (const k of chunk.dynamicImports ?? []) if (STARTUP_DYNAMIC_IMPORTS.test(k)) visit(k);
  }
  for (const file of [...initial]) for (const a of manifest[Object.keys(manifest).find((k) => manifest[k].file === file)]?.assets ?? []) if (/\.worker-[\w-]+\.js$/.test(a)) visitWorker(a);
  const workerFiles = new Set(Object.values(manifest).flatMap((c) => (c.assets ?? []).filter((a) => /\.worker-[\w-]+\.js$/.test(a))));
  const entryFiles = new Set(entries.map(([, c]) => c.file));

  const chunks = [];
  const assets = join(dist, 'assets');
  for (const name of readdirSync(assets).filter((f) => f.endsWith('.js')).sort()) {
    const file = `assets/${name}`;
    const role = entryFiles.has(file) ? 'entry' : workerFiles.has(file) ? 'worker' : initial.has(file) ? 'startup' : 'lazy';
    const path = join(assets, name);
    chunks.push({ file, role, bytes: readFileSync(path).length, gzip: gzipBytes(path) });
  }
  for (const name of readdirSync(dist).filter((f) => /^(sw|workbox-[\w-]+)\.js$/.test(f)).sort()) {
    const path = join(dist, name);
    chunks.push({ file: name, role: 'service worker', bytes: readFileSync(path).length, gzip: gzipBytes(path) });
  }
  const counted = chunks.filter((c) => initial.has(c.file));
  return {
    chunks,
    initialGzip: counted.reduce((s, c) => s + c.gzip, 0),
    initialBytes: counted.reduce((s, c) => s + c.bytes, 0),
  };
}

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;

function main() {
  const args = process.argv.slice(2);
  const dist = resolve(args.find((a) => !a.startsWith('--')) ?? join(fileURLToPath(new URL('..', import.meta.url)), 'dist'));
  const report = bundleReport(dist);
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  const width = Math.max(...report.chunks.map((c) => c.file.length));
  console.log(`\nJS chunks (gzip -9)\n${'file'.padEnd(width)}  ${'role'.padEnd(14)}  ${'raw'.padStart(10)}  ${'gzip'.padStart(10)}`);
  for (const c of report.chunks) console.log(`${c.file.padEnd(width)}  ${c.role.padEnd(14)}  ${kb(c.bytes).padStart(10)}  ${kb(c.gzip).padStart(10)}`);
  console.log(`loaded before home is interactive (entry + static imports + worker + startup imports): ${kb(report.initialBytes)} raw, ${kb(report.initialGzip)} gzip (target ≤ 250 kB)\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
