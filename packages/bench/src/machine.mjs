// The machine is shared (two cores, other people's builds and tests): before each timed measurement
// a full run waits, within limits, for the CPUs to be idle, and records how busy they were.
import { existsSync, readFileSync } from 'node:fs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

/** Fraction of all CPU time that was busy over `ms` (Linux; undefined elsewhere). */
export async function busyFraction(ms = 500) {
  if (!existsSync('/proc/stat')) return undefined;
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  return b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : 0;
}

export class QuietGate {
  /** threshold: busy fraction accepted as idle; maxWaitMs per measurement; budgetMs for the whole run. */
  constructor({ enabled = true, threshold = 0.25, maxWaitMs = 30_000, budgetMs = 180_000 } = {}) {
    Object.assign(this, { enabled, threshold, maxWaitMs, budgetMs });
    this.waitedMs = 0;
    this.busyAtStart = [];
  }

  /** Waits until the CPUs are idle (or a limit is reached); records how busy they were then. */
  async wait() {
    if (!this.enabled) return;
    const start = Date.now();
    let busy = await busyFraction();
    while (busy !== undefined && busy > this.threshold && Date.now() - start < this.maxWaitMs && this.waitedMs + (Date.now() - start) < this.budgetMs) {
      busy = await busyFraction();
    }
    this.waitedMs += Date.now() - start;
    if (busy !== undefined) this.busyAtStart.push(busy);
  }

  summary() {
    if (!this.enabled) return undefined;
    const sorted = [...this.busyAtStart].sort((a, b) => a - b);
    return {
      threshold: this.threshold,
      maxWaitMs: this.maxWaitMs,
      budgetMs: this.budgetMs,
      waitedMs: this.waitedMs,
      measurements: sorted.length,
      busyMedian: sorted[Math.floor(sorted.length / 2)],
      busyMax: sorted[sorted.length - 1],
    };
  }
}
