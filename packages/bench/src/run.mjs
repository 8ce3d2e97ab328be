// `pnpm bench [--quick]`: runs every benchmark side by side with the peers, prints the tables and
// writes BENCHMARKS.md plus the README's Speed section (a full run), or .tmp/BENCHMARKS.quick.md
// (a quick run, so everyday runs never replace the committed full run). The raw results go to
// .tmp/bench-results(.quick).json; `node packages/bench/src/run.mjs --render` re-renders the last
// full run's BENCHMARKS.md and README section from it (after a change to the report's wording).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { runColdStart } from './coldstart.mjs';
import { QuietGate } from './machine.mjs';
import { runConcurrencySuite } from './concurrency.mjs';
import { runManagedIdentitySuite } from './managed-identity.mjs';
import * as report from './report.mjs';
import { runLockedSilentSuite, runSilentSuite } from './silent.mjs';
import { runSizeSuite, toolVersions } from './size.mjs';
import { fmt } from './stats.mjs';
import { runStoreSuite } from './stores.mjs';
import { runScaleOutSuite } from './scaleout.mjs';
import { runThroughputSuite } from './throughput.mjs';
import { versionOf } from './versions.mjs';

const quick = process.argv.includes('--quick');
const root = new URL('../../../', import.meta.url);
const resultsFile = new URL(`.tmp/bench-results${quick ? '.quick' : ''}.json`, root);

if (process.argv.includes('--render')) {
  const saved = JSON.parse(readFileSync(resultsFile, 'utf8'));
  writeFileSync(new URL(saved.quick ? '.tmp/BENCHMARKS.quick.md' : 'BENCHMARKS.md', root), report.markdown(saved));
  if (!saved.quick) updateReadme(saved);
  console.log(`Re-rendered the ${saved.quick ? 'quick' : 'full'} run of ${saved.date} from ${resultsFile.pathname}`);
  process.exit(0);
}
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

// Full runs wait for idle CPUs before each timed measurement (within limits); --no-wait turns it off.
const gate = new QuietGate({ enabled: !quick && !process.argv.includes('--no-wait'), threshold: 0.3, maxWaitMs: 30_000, budgetMs: 240_000 });

const plan = quick
  ? {
      silent: { budgetMs: 250, warmupCapMs: 700, list: { budgetMs: 200, minRuns: 3, capMs: 4_000 } },
      size: { reuse: true },
      coldStart: { rounds: 5 },
      managedIdentity: { budgetMs: 250 },
      throughput: { seconds: 1, silentSize: 1_000 },
      stores: { writers: 8, seconds: 1 },
      scaleOut: { instances: 4, users: 20, seconds: 1, outageSeconds: 2 },
    }
  : {
      silent: { budgetMs: 2_500, warmupCapMs: 3_000, list: { budgetMs: 2_000, minRuns: 3, capMs: 60_000 } },
      size: { reuse: false },
      coldStart: { rounds: 15 },
      managedIdentity: { budgetMs: 1_000 },
      throughput: { seconds: 5, silentSize: 1_000 },
      stores: { writers: 8, seconds: 5 },
      scaleOut: { instances: 4, users: 100, seconds: 3, outageSeconds: 4 },
    };

const started = performance.now();
const load = () => os.loadavg()[0].toFixed(2);
const res = {
  quick,
  date: new Date().toISOString().slice(0, 10),
  machine: {
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadStart: load(),
  },
  versions: Object.fromEntries(
    ['@tessera/core', '@tessera/node', '@tessera/browser', '@azure/msal-node', '@azure/identity', '@azure/msal-browser', 'oidc-client-ts', '@auth0/auth0-spa-js', 'openid-client'].map((p) => [p, versionOf(p)]),
  ),
  tools: toolVersions(),
  errors: [],
};

console.log(`Tessera benchmarks${quick ? ' (quick)' : ''}: ${res.machine.cpu}, ${res.machine.cores} cores, Node ${process.version}, load ${res.machine.loadStart}`);
console.log(Object.entries(res.versions).map(([k, v]) => `${k} ${v ?? '-'}`).join(', '));

async function section(key, title, run, print) {
  if (only && !only.includes(key)) return;
  console.log(`\n${title}`);
  const t0 = performance.now();
  try {
    res[key] = await run();
    print(res[key]);
  } catch (error) {
    res.errors.push({ section: key, message: String(error?.message ?? error).split('\n')[0] });
    console.error(`  FAILED: ${error?.message ?? error}${error?.childStack ? `\n${error.childStack}` : ''}`);
  }
  console.log(`  (${fmt((performance.now() - t0) / 1000, 1)} s)`);
}

await section(
  'silent',
  '1. Silent acquisition, cache hit (paired child processes per size)',
  () => runSilentSuite(plan.silent, (r) => console.log(`  ${r.library} ${r.size}: ${fmt(r.silentUs.median)} µs, list ${r.listMs ? fmt(r.listMs.median) + ' ms' : 'skipped'}, heap ${fmt(r.heapMb)} MB`), gate),
  (s) => {
    const t = report.silentTables(s);
    console.log(t.speed.text);
    console.log(t.listing.text);
  },
);

await section(
  'silentLocked',
  '   Silent acquisition, cache hit, store with a refresh lock (lock, as the file and Redis stores)',
  () => runLockedSilentSuite(plan.silent, (r) => console.log(`  ${r.size}: ${fmt(r.silentUs.median)} µs`), gate),
  (s) => console.log(`  ${report.lockedSilentLine(s)}`),
);

await section(
  'silentDpop',
  '   Silent acquisition, cache hit, DPoP-bound tokens (dpop option)',
  () => runLockedSilentSuite(plan.silent, (r) => console.log(`  ${r.size}: ${fmt(r.silentUs.median)} µs`), gate, 'tessera-dpop'),
  (s) => console.log(`  ${report.dpopSilentLine(s)}`),
);

await section(
  'concurrency',
  '2. Concurrency: 100 concurrent identical client-credentials requests, empty cache',
  () => runConcurrencySuite(),
  (rows) => console.log(report.concurrencyTable(rows).text),
);

await section(
  'managedIdentity',
  '   Managed identity (IMDS on loopback): 100 concurrent getToken calls, then cache hits',
  () => runManagedIdentitySuite(plan.managedIdentity),
  (rows) => console.log(report.managedIdentityTable(rows).text),
);

await section(
  'size',
  '3. Bundle size (rollup + node-resolve + commonjs + terser)',
  () => runSizeSuite(plan.size, (r) => console.log(`  ${r.library}: ${r.reused ? 'reused' : `built in ${fmt(r.buildMs / 1000, 1)} s`}`)),
  (rows) => {
    const t = report.sizeTables(rows);
    console.log(t.app.text);
    console.log(t.cdn.text);
  },
);

await section('coldStart', `4. Node cold start (${plan.coldStart.rounds} interleaved rounds)`, () => runColdStart(plan.coldStart, gate), (c) => {
  console.log(`  bare node: ${fmt(c.bare.median, 0)} ms`);
  console.log(report.coldStartTable(c).text);
});

await section('throughput', '5. Throughput', () => runThroughputSuite(plan.throughput, undefined, gate), (tp) => {
  console.log(`  ${fmt(tp.network.tokensPerSecond, 0)} client-credentials tokens/s (network path, fresh client per token)`);
  for (const s of tp.silent) console.log(`  ${s.library}: ${Math.round(s.perSecond).toLocaleString('en-US')} silent hits/s over ${s.size} accounts`);
});

await section('stores', `   Cache-store writes, ${plan.stores.writers} writers`, () => runStoreSuite(plan.stores, undefined, gate), (rows) => console.log(report.storeTable(rows).text));

await section('scaleOut', `   Scale-out: ${plan.scaleOut.instances} instances on a Redis Cluster`, () => runScaleOutSuite(plan.scaleOut), (r) => console.log(report.scaleOutTable(r).text));

res.machine.loadEnd = load();
res.quiet = gate.summary();
res.elapsedMs = performance.now() - started;

console.log('\nHeadline (Tessera/peer)');
for (const h of report.headlines(res)) console.log(`  - ${h}`);
const pending = report.pendingItems(res);
if (pending.length) console.log(`\nPending:\n${pending.map((p) => `  - ${p}`).join('\n')}`);

if (only) {
  console.log('\n--only: no report written');
} else if (quick) {
  mkdirSync(new URL('.tmp/', root), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(res, null, 2));
  writeFileSync(new URL('.tmp/BENCHMARKS.quick.md', root), report.markdown(res));
  console.log('\nWrote .tmp/BENCHMARKS.quick.md (a full `pnpm bench` writes BENCHMARKS.md)');
} else {
  mkdirSync(new URL('.tmp/', root), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(res, null, 2));
  writeFileSync(new URL('BENCHMARKS.md', root), report.markdown(res));
  updateReadme(res);
  console.log('\nWrote BENCHMARKS.md and the Speed section of README.md');
}
console.log(`Done in ${fmt(res.elapsedMs / 1000, 1)} s${res.errors.length ? `, ${res.errors.length} section(s) failed` : ''}`);
if (res.errors.length) process.exitCode = 1;

/** Replaces the text between the README's bench markers with the headline of this run. */
function updateReadme(results) {
  const file = new URL('README.md', root);
  const start = '<!-- bench:speed:start -->';
  const end = '<!-- bench:speed:end -->';
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.warn('README.md has no bench markers; Speed section not updated');
    return;
  }
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${report.readmeSpeed(results)}\n${text.slice(b)}`);
}
