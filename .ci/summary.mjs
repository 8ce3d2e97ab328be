// Reads the JSON reports of both test runners and prints one line per runner, then the combined
// plain line CI reads: `tests: N passed, N failed, N skipped`. A missing or unreadable report, or a
// run that failed outside any test (a file that did not load, an unhandled error), counts as a
// failure. Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs';

const runners = [
  {
    name: 'vitest',
    file: '.tmp/vitest-results.json',
    count: (r) => ({
      passed: r.numPassedTests,
      failed: r.numFailedTests || (r.success === false ? 1 : 0),
      skipped: (r.numPendingTests || 0) + (r.numTodoTests || 0),
    }),
  },
  {
    name: 'playwright',
    file: '.tmp/playwright-results.json',
    // flaky: passed on a retry (the config has none); errors: outside any test (config, loading).
    count: ({ stats, errors = [] }) => ({
      passed: stats.expected + (stats.flaky || 0),
      failed: stats.unexpected + errors.length,
      skipped: stats.skipped,
    }),
  },
];

const total = { passed: 0, failed: 0, skipped: 0 };
for (const { name, file, count } of runners) {
  let counts;
  try {
    if (!existsSync(file)) throw new Error(`${file} is missing (the runner did not finish)`);
    counts = count(JSON.parse(readFileSync(file, 'utf8')));
    if (![counts.passed, counts.failed, counts.skipped].every(Number.isInteger)) throw new Error(`${file} has no test counts`);
  } catch (error) {
    console.log(`${name}: no report: ${error.message}`);
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const key of Object.keys(total)) total[key] += counts[key];
}
// `pnpm test` also fails on what no count shows (an unhandled error, the build, typecheck, package checks).
if (Number(process.env.TEST_STATUS || 0) !== 0 && total.failed === 0) {
  console.log(`pnpm test exited ${process.env.TEST_STATUS} outside the counted tests (see above)`);
  total.failed = 1;
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
