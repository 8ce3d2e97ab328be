// Timing helpers: medians over repeated batches after warm-up; numbers are reported, never asserted.

/** Runs `fn` `perBatch` times per batch; returns per-call microseconds for each batch. */
export async function timeBatches(fn, { warmup, batches, perBatch }) {
  for (let i = 0; i < warmup; i++) await fn();
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  return summarize(perCall);
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

export const fmt = (n, digits = 2) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));
