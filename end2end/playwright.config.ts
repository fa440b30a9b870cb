import { defineConfig } from '@playwright/test';

// Run by end2end/run.sh, which starts a fresh release server with its own
// database and passes its address in E2E_BASE_URL.
export default defineConfig({
  testDir: './tests',
  // Generous: the suite runs while other builds and tests share two cores.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  globalSetup: './global-setup.ts',
  use: {
    baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3197',
    // The console shows times in the browser's zone: UTC unless a test says otherwise.
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is not used.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
});
