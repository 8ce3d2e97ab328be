// Playwright Test runs every suite that drives a real browser: Debian's Chromium (Playwright cannot
// download browsers on our machines), one project per suite.
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  timeout: 60_000,
  // Two cores: the suites start their own servers (dev authority, static pages).
  workers: 2,
  forbidOnly: Boolean(process.env.CI),
  outputDir: '.tmp/playwright-results',
  reporter: [['list'], ['json', { outputFile: '.tmp/playwright-results.json' }]],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
  },
  projects: [
    { name: 'browser', testDir: 'packages/browser/e2e' },
    { name: 'node-interactive', testDir: 'packages/node/e2e' },
  ],
});
