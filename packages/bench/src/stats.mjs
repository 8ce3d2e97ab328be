// Timing helpers: medians over repeated batches after warm-up; numbers are reported, never asserted.

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

/**
 * Times `fn` within a time budget, so a 3 µs call and a 70 ms call both give a stable median
 * without the slow one running for minutes:
 *  - warm-up (JIT, caches): at least `minWarmup` calls and `warmupMs`, then on until `warmupCalls`
 *    calls or `warmupCapMs` (a library's fast path can take a few thousand calls to be optimized);
 *  - the warm-up's mean cost picks a batch size so that `batches` batches fill `budgetMs`
 *    (at least one call per batch, and at least `minBatches` batches whatever the budget);
 *  - each batch gives a per-call mean; the result is the median and range of those means.
 * Returns microseconds per call.
 */
export async function measure(
  fn,
  { budgetMs = 1000, warmupMs = budgetMs / 5, warmupCalls = 3000, warmupCapMs = Math.max(warmupMs, budgetMs / 2), minWarmup = 2, batches = 25, minBatches = 5 } = {},
) {
  let warm = 0;
  const warmStart = now();
  for (;;) {
    const elapsed = now() - warmStart;
    if (warm >= minWarmup && elapsed >= warmupMs && (warm >= warmupCalls || elapsed >= warmupCapMs)) break;
    await fn();
    warm++;
  }
  const perCallMs = (now() - warmStart) / warm;
  const fitting = Math.floor(budgetMs / perCallMs);
  const batchCount = Math.max(minBatches, Math.min(batches, fitting));
  const perBatch = Math.max(1, Math.floor(budgetMs / batchCount / perCallMs));
  const perCall = [];
  for (let b = 0; b < batchCount; b++) {
    const start = now();
    for (let i = 0; i < perBatch; i++) await fn();
    perCall.push(((now() - start) * 1000) / perBatch);
  }
  return { ...summarize(perCall), calls: batchCount * perBatch, perBatch };
}

/** Calls of `fn` completed per second, one after another, over `seconds`. */
export async function perSecond(fn, { seconds }) {
  const start = now();
  const deadline = start + seconds * 1000;
  let count = 0;
  while (now() < deadline) {
    await fn();
    count++;
  }
  return count / ((now() - start) / 1000);
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

export const fmt = (n, digits = 2) => {
  if (n === undefined || n === null || Number.isNaN(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (n !== 0 && Math.abs(n) < 0.1 && digits >= 2) return n.toPrecision(2); // 0.0042, not 0.00
  return n.toFixed(digits);
};

/** "median (min-max)" */
export const fmtRange = (s, digits = 2) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`;
