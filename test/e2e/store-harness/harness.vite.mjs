// Builds the store e2e harness (test/e2e/store-harness) on its own — not part of the app build.
// Named *.vite.mjs, not vite.config.*, so no tool picks it up as a project config.
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default {
  root: here,
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../test-results/store-harness-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', port: 0, strictPort: false },
};
