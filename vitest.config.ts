import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packageVersion } from './scripts/package-version.mjs';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  // Sources name their package's version by a placeholder that builds replace (scripts/package-version.mjs).
  plugins: [packageVersion()],
  resolve: {
    alias: {
      '@tessera/core': src('core'),
      '@tessera/node': src('node'),
      '@tessera/browser': src('browser'),
      '@tessera/dev-authority': src('dev-authority'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Suites that drive a browser are Playwright specs (packages/*/e2e, playwright.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/*/e2e/**'],
    testTimeout: 30_000,
    // The JSON report feeds the one-line summary that .ci/run prints.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so servers under test are not starved.
    maxWorkers: 2,
    // No test reaches the developer's own keyring: suites that need a Secret Service start a private
    // session bus and point this at it (test/support/secret-service.ts); the rest see none, as in CI.
    env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/tessera-tests-use-private-buses' },
  },
});
