// Benchmark 1: cache-hit acquireTokenSilent and account listing at a given cache size, for one
// library adapter (silent-<adapter>.mjs). Runs in its own child process (see child.mjs), so the
// heap figure is this library's alone.
import { networkAttempts } from './no-network.mjs';
import { measure } from './stats.mjs';
import { accountInfoOf, syntheticCache } from './synthetic-cache.mjs';
import { versionOf } from './versions.mjs';

/** Heap in use after full collections, a turn of the event loop apart (lets finalizers settle). */
const heapUsed = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

/**
 * @param adapter  'tessera' | 'msal'
 * @param size     cached accounts
 * @param options  { budgetMs, list: { budgetMs, minRuns } | false }
 */
export async function benchSilent(adapter, size, { budgetMs, warmupCapMs, list }) {
  const { library, load } = await import(`./silent-${adapter}.mjs`);
  const cacheJson = syntheticCache(size);
  const before = await heapUsed();
  const loadStart = performance.now();
  const client = await load(cacheJson);
  const loadMs = performance.now() - loadStart;
  const heapMb = ((await heapUsed()) - before) / 2 ** 20;

  // The middle user's token (the account as the app holds it from sign-in), checked to be the cached one before anything is timed.
  const index = Math.floor(size / 2);
  const account = accountInfoOf(index);
  const expected = `access-token-${index}`;
  const check = await client.silent(account);
  if (check.accessToken !== expected || check.fromCache === false) {
    throw new Error(`${library.name}: acquireTokenSilent did not return the cached token (got ${String(check.accessToken).slice(0, 20)})`);
  }

  const silent = await measure(() => client.silent(account), { budgetMs, warmupCapMs });

  let listing;
  if (list) {
    const checked = async () => {
      const count = (await client.listAccounts()).length;
      if (count !== size) throw new Error(`${library.name}: listing returned ${count} accounts, expected ${size}`);
    };
    // One warm-up call (it also calibrates: MSAL's takes seconds at 1,000 accounts), then batches.
    listing = await measure(checked, { budgetMs: list.budgetMs, warmupMs: 0, warmupCalls: 0, minWarmup: 1, minBatches: list.minRuns, batches: 15 });
    // measure() reports µs; listings read better in ms.
    for (const k of ['median', 'min', 'max']) listing[k] /= 1000;
  }
  if (client.locksTaken?.() > 0) throw new Error(`${library.name}: the refresh lock was taken ${client.locksTaken()} time(s) on cache hits`);
  if (networkAttempts() > 0) throw new Error(`${library.name} attempted ${networkAttempts()} network call(s) during the cache-hit benchmark`);
  return { library: library.name, version: versionOf(library.packageName), size, heapMb, loadMs, silentUs: silent, listMs: listing };
}

export const SILENT_SIZES = [1, 100, 1_000, 10_000];

/** Tessera's cache hit when its store has a refresh lock (the lock must not be taken on a hit). */
export async function runLockedSilentSuite({ budgetMs, warmupCapMs }, log = () => {}, gate = { wait: async () => {} }) {
  const self = new URL('./silent.mjs', import.meta.url);
  const { inChild } = await import('./child.mjs');
  const rows = [];
  for (const size of SILENT_SIZES) {
    await gate.wait();
    const r = await inChild(self, 'benchSilent', ['tessera-locked', size, { budgetMs, warmupCapMs, list: false }]);
    rows.push({ size, silentUs: r.silentUs });
    log(r);
  }
  return { sizes: SILENT_SIZES, rows };
}
export const SILENT_ADAPTERS = ['tessera', 'msal'];

/**
 * Parent side: for each size, a child process per library, back to back (paired runs). A library's
 * listing that would not fit `list.capMs` (warm-up plus `list.minRuns` calls, extrapolated
 * quadratically from its previous size, since MSAL's getAllAccounts grows quadratically) is skipped.
 */
export async function runSilentSuite({ budgetMs, warmupCapMs, list }, log = () => {}, gate = { wait: async () => {} }) {
  const self = new URL('./silent.mjs', import.meta.url);
  const { inChild } = await import('./child.mjs');
  const rows = [];
  const lastListing = {};
  for (const size of SILENT_SIZES) {
    const row = { size };
    for (const adapter of SILENT_ADAPTERS) {
      let listPlan = { budgetMs: list.budgetMs, minRuns: list.minRuns };
      const last = lastListing[adapter];
      if (last) {
        const estimateMs = last.ms * (size / last.size) ** 2;
        if (estimateMs * (1 + list.minRuns) > list.capMs) {
          listPlan = false;
          row[`${adapter}ListSkipped`] = { estimateMs, capMs: list.capMs, from: last.size };
        }
      }
      await gate.wait();
      const r = await inChild(self, 'benchSilent', [adapter, size, { budgetMs, warmupCapMs, list: listPlan }]);
      if (r.listMs) lastListing[adapter] = { size, ms: r.listMs.median };
      row[adapter] = r;
      log(r);
    }
    rows.push(row);
  }
  return { sizes: SILENT_SIZES, budgetMs, warmupCapMs, list, rows };
}
