/// <reference types="vitest/config" />
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Two projects: `unit` (pure, fast: spec vectors, properties, proxy on loopback) and `interop`
// (real LDK peers over real sockets). Browser e2e runs under Playwright, not here.
export default defineConfig({
  test: {
    projects: [
      {
        // Compiles the runes of app/state/*.svelte.ts classes, so their logic is unit-tested too.
        plugins: [svelte()],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          // vitest's default on a 2-core machine is availableParallelism()-1 = ONE worker, so the
          // unit files ran one after another. Unit files are pure CPU and independent: use both.
          maxWorkers: 2,
          // Re-importing engine/, noble and bcoin's interpreter for each of ~130 files was ~⅕ of
          // the unit CPU time; the files share no mutable module state, so reuse the module graph.
          isolate: false,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One LDK WASM instance per worker process; keep the 2-core machine unloaded.
          fileParallelism: false,
          // The files run one after another in one process: reuse its module graph, so LDK's
          // ≈1430-module import and 12 MB WASM instantiation, bcoin and engine/ load once, not 39 times.
          isolate: false,
        },
      },
    ],
  },
});
