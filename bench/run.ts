/**
 * Run every benchmark and write bench/results.json (an array of BenchResult).
 *   npx tsx bench/run.ts            # all
 *   npx tsx bench/run.ts transport  # only benches whose module name contains "transport"
 * To add a benchmark: write bench/<name>.ts exporting `run(): Promise<BenchResult[]>` and append
 * it to `benches` below.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatResult, type BenchResult } from './lib.ts';

type Bench = { name: string; run: () => Promise<BenchResult[]> };

export const benches: Bench[] = [
  { name: 'transport-throughput', run: async () => (await import('./transport-throughput.ts')).run() },
  { name: 'handshake-latency', run: async () => (await import('./handshake-latency.ts')).run() },
  { name: 'esplora-requests-idle', run: async () => (await import('./esplora-requests-idle.ts')).run() },
  { name: 'wallet-restore-requests', run: async () => (await import('./wallet-restore-requests.ts')).run() },
  { name: 'channel-open', run: async () => (await import('./channel-open.ts')).run() },
  { name: 'commitment-dance', run: async () => (await import('./commitment-dance.ts')).run() },
  { name: 'payment-latency', run: async () => (await import('./payment-latency.ts')).run() },
  { name: 'payment-throughput', run: async () => (await import('./payment-throughput.ts')).run() },
  { name: 'onion-build-20hops', run: async () => (await import('./onion-build-20hops.ts')).run() },
  { name: 'onion-peel', run: async () => (await import('./onion-peel.ts')).run() },
  { name: 'restart-to-ready', run: async () => (await import('./restart-to-ready.ts')).run() },
  { name: 'bundle-gzip', run: async () => (await import('./bundle-gzip.ts')).run() },
  { name: 'cold-start', run: async () => (await import('./cold-start.ts')).run() },
];

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const selected = benches.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  const results: BenchResult[] = [];
  let failed = 0;
  const started = performance.now();
  for (const bench of selected) {
    try {
      for (const r of await bench.run()) {
        results.push(r);
        console.log(formatResult(r));
      }
    } catch (err) {
      failed++;
      console.error(`${bench.name}  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`${results.length} results in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${out}`);
  if (failed > 0) process.exitCode = 1;
}

await main();
