import { defineConfig } from '@playwright/test';

// Browser e2e against the BUILT PWA (`npm run test:e2e` builds first), served by `vite preview`,
// driven in Debian's Chromium (no Playwright browser download). The peers are real: an LDK node
// and Glint's WebSocket→TCP proxy, started by test/e2e/fixture-server.ts under tsx.

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const fixturePort = Number(process.env.FIXTURE_PORT ?? 4175);
const previewPort = Number(process.env.PREVIEW_PORT ?? 4173);

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${previewPort}`,
    browserName: 'chromium',
    headless: true,
    serviceWorkers: 'allow',
    viewport: { width: 430, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      name: 'fixtures',
      // tsx directly (not npx), so Playwright owns the real process (toolchain pitfall 12).
      command: 'node_modules/.bin/tsx test/e2e/fixture-server.ts',
      url: `http://127.0.0.1:${fixturePort}/fixtures.json`,
      reuseExistingServer: false,
      timeout: 90_000,
      stdout: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'preview',
      command: `node_modules/.bin/vite preview --port ${previewPort} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${previewPort}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
