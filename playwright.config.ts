// Playwright Test runs every suite that drives a real browser: Debian's Chromium (Playwright cannot
// download browsers on our machines), one project per suite. Specs import the built packages
// (`@tessera/*` resolve to dist through the workspace links): `pnpm build` first (`pnpm test` does).
// The browser suite builds its CDN file and sample app from the sources itself (packages/browser/e2e/support/e2e.ts).
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  // Two cores: the suites start their own servers (dev authority, static pages) per worker.
  workers: 2,
  // No retries: a test that passes only sometimes is a failure to fix, not to hide.
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  outputDir: '.tmp/playwright-results',
  // The JSON report feeds the summary lines that .ci/run prints.
  reporter: [['list'], ['json', { outputFile: '.tmp/playwright-results.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
  },
  projects: [
    // The SPA sign-in suites: redirect, popup, two tabs, the CDN file (packages/browser).
    { name: 'browser', testDir: 'packages/browser/e2e' },
    // @tessera/node's sign-in in a real browser: acquireTokenInteractive, `tessera login --no-browser`.
    { name: 'node-interactive', testDir: 'packages/node/e2e' },
  ],
});
