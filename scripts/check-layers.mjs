#!/usr/bin/env node
/**
 * Enforces DESIGN.md rule 8 (import direction) and rule 1 (engine/ is free of clocks, randomness
 * and environment globals). Prints every violation and exits 1 if there is any.
 *
 *   app → workers/rpc → engine/index;  inside engine: lib ← crypto ← wire ← (transport, onion,
 *   invoice, graph) ← channel ← node; chain, wallet, store beside channel, used by node. No cycles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '..'));

/** Which engine folders each engine folder may import (besides itself and engine/ports.ts). */
const ENGINE_ALLOWED = {
  lib: [],
  crypto: ['lib'],
  wire: ['lib', 'crypto'],
  transport: ['lib', 'crypto', 'wire'],
  onion: ['lib', 'crypto', 'wire'],
  invoice: ['lib', 'crypto', 'wire'],
  graph: ['lib', 'crypto', 'wire'],
  peer: ['lib', 'crypto', 'wire', 'transport'],
  keys: ['lib', 'crypto', 'wire'],
  channel: ['lib', 'crypto', 'wire', 'transport', 'onion', 'keys'],
  chain: ['lib', 'crypto', 'wire'],
  wallet: ['lib', 'crypto', 'wire', 'keys', 'chain'],
  store: ['lib', 'crypto', 'wire'],
  node: ['*'],
  '.': ['*'],
};
/** npm packages the engine may use. */
const ENGINE_PACKAGES = [/^@noble\//, /^@scure\//, /^bitcoinjs-lib(\/|$)/];
/** Patterns banned in engine source (rule 1); comments are stripped first. */
const ENGINE_BANNED = [
  [/\bDate\.now\s*\(/, 'Date.now() (take time from the Clock port or an argument)'],
  [/\bnew Date\s*\(/, 'new Date() (take time from the Clock port or an argument)'],
  [/\bMath\.random\s*\(/, 'Math.random() (take randomness from the Entropy port)'],
  [/\bset(Timeout|Interval)\s*\(/, 'timers (use the Clock port)'],
  [/\bglobalThis\b|\bwindow\.|\bdocument\.|\blocalStorage\b|\bindexedDB\b|\bnavigator\./, 'environment globals'],
  [/\bcrypto\.(getRandomValues|subtle|randomUUID)/, 'WebCrypto globals (use the Entropy port)'],
  [/\brandomBytes\b.*from ['"]@noble/, "noble's randomBytes (use the Entropy port)"],
  [/from ['"]node:/, 'Node built-ins'],
];

function walk(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|svelte)$/.test(e) && !/\.d\.ts$/.test(e)) out.push(p);
  }
  return out;
}

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(src) {
  const out = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"]([^'"]+)['"]/g;
  let m;
  while ((m = re.exec(src))) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

const rel = (p) => relative(root, p).split(sep).join('/');
const violations = [];
const graph = new Map();

const files = [...walk(join(root, 'engine')), ...walk(join(root, 'workers')), ...walk(join(root, 'app')), ...walk(join(root, 'cli'))];
for (const file of files) {
  const r = rel(file);
  const raw = readFileSync(file, 'utf8');
  const src = stripComments(raw);
  const deps = [];
  for (const spec of importsOf(src)) {
    if (spec.startsWith('.')) {
      const target = rel(normalize(join(dirname(file), spec)));
      deps.push(target);
      checkEdge(r, target);
    } else checkPackage(r, spec);
  }
  graph.set(r, deps);
  if (r.startsWith('engine/') && !r.endsWith('.test.ts')) {
    src.split('\n').forEach((line, i) => {
      for (const [re, what] of ENGINE_BANNED) if (re.test(line)) violations.push(`${r}:${i + 1}: ${what} is not allowed in engine/`);
    });
  }
}

function engineFolder(path) {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : '.';
}

function checkEdge(from, to) {
  const fromTop = from.split('/')[0];
  const toTop = to.split('/')[0];
  if (fromTop === 'engine') {
    if (toTop !== 'engine') return violations.push(`${from}: engine/ must not import ${to}`);
    const f = engineFolder(from);
    const t = engineFolder(to);
    if (to === 'engine/ports.ts' || f === t) return;
    const allowed = ENGINE_ALLOWED[f];
    if (!allowed) return violations.push(`${from}: engine/${f}/ has no import rule; add it to scripts/check-layers.mjs`);
    if (!allowed.includes('*') && !allowed.includes(t)) violations.push(`${from}: engine/${f}/ may not import engine/${t}/ (${to})`);
    return;
  }
  if (fromTop === 'workers') {
    if (toTop === 'engine' && to !== 'engine/index.ts') violations.push(`${from}: workers/ may import engine only through engine/index.ts (not ${to})`);
    if (toTop === 'app') violations.push(`${from}: workers/ must not import app/ (${to})`);
    return;
  }
  if (fromTop === 'app') {
    if (toTop === 'app') return;
    if (to === 'workers/rpc/client.ts' || to === 'workers/rpc/protocol.ts') return;
    if (to === 'workers/node.worker.ts') return; // the worker entry, loaded with new Worker(new URL(...))
    violations.push(`${from}: app/ may import only workers/rpc/client.ts and workers/rpc/protocol.ts (not ${to})`);
    return;
  }
  if (fromTop === 'cli') {
    if (toTop === 'engine' && to !== 'engine/index.ts') violations.push(`${from}: cli/ may import engine only through engine/index.ts (not ${to})`);
    if (toTop === 'app') violations.push(`${from}: cli/ must not import app/`);
  }
}

function checkPackage(from, spec) {
  if (!from.startsWith('engine/')) return;
  if (!ENGINE_PACKAGES.some((re) => re.test(spec))) violations.push(`${from}: engine/ may not import package "${spec}"`);
}

// Cycles among engine files.
const state = new Map();
const stack = [];
function visit(n) {
  state.set(n, 1);
  stack.push(n);
  for (const d of graph.get(n) ?? []) {
    if (!graph.has(d) || !d.startsWith('engine/')) continue;
    if (state.get(d) === 1) violations.push(`import cycle: ${[...stack.slice(stack.indexOf(d)), d].join(' → ')}`);
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(n, 2);
}
for (const n of graph.keys()) if (n.startsWith('engine/') && !state.has(n)) visit(n);

if (violations.length) {
  console.error(`check-layers: ${violations.length} violation(s)`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, import direction and engine purity OK`);
