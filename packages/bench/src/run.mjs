// `pnpm bench [--quick]`: runs every benchmark, prints a table and writes BENCHMARKS.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { startDevAuthority } from '@tessera/dev-authority';
import { benchTesseraConcurrency, benchTesseraThroughput } from './concurrency-tessera.mjs';
import { benchTesseraSilent } from './silent-tessera.mjs';
import { fmt } from './stats.mjs';

const quick = process.argv.includes('--quick');
const SIZES = [1, 100, 1_000, 10_000];
const iterations = quick ? { warmup: 2_000, batches: 7, perBatch: 2_000 } : { warmup: 20_000, batches: 25, perBatch: 5_000 };

const rows = [];
console.log(`Tessera benchmarks${quick ? ' (quick)' : ''} on ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);

console.log('Silent acquisition, cache hit (median µs per call; min-max over batches)');
const silent = {};
for (const size of SIZES) {
  const r = await benchTesseraSilent(size, iterations);
  silent[size] = r;
  console.log(
    `  ${String(size).padStart(6)} accounts: ${fmt(r.silent.median)} µs (${fmt(r.silent.min)}-${fmt(r.silent.max)}), ` +
      `getAccounts ${fmt(r.getAccountsMs.median)} ms, heap ${fmt(r.heapMb)} MB`,
  );
}
const flatness = silent[10_000].silent.median / silent[1].silent.median;
console.log(`  10,000-account median / 1-account median: ${fmt(flatness)}x`);

const idp = await startDevAuthority();
const concurrency = await benchTesseraConcurrency(idp);
console.log(`\nConcurrency: 100 concurrent acquireTokenForClient on an empty cache -> ${concurrency} token request(s) at the provider`);
const throughput = await benchTesseraThroughput(idp, quick ? 2 : 5);
console.log(`Throughput: ${fmt(throughput, 0)} client-credentials tokens/s over the network path (fresh cache each call)`);
await idp.close();

rows.push({ silent, flatness, concurrency, throughput });
const md = [
  '# Benchmarks',
  '',
  `Produced by \`pnpm bench${quick ? ' --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
  '',
  '## Silent acquisition, cache hit',
  '',
  '| cached accounts | Tessera median µs (min-max) | getAccounts median ms | heap after load MB |',
  '| ---: | ---: | ---: | ---: |',
  ...SIZES.map((s) => `| ${s.toLocaleString('en-US')} | ${fmt(silent[s].silent.median)} (${fmt(silent[s].silent.min)}-${fmt(silent[s].silent.max)}) | ${fmt(silent[s].getAccountsMs.median)} | ${fmt(silent[s].heapMb)} |`),
  '',
  `The 10,000-account median is ${fmt(flatness)}x the 1-account median (target: within 2x; target per call: <= 5 µs).`,
  '',
  '## Concurrency and throughput',
  '',
  `- 100 concurrent \`acquireTokenForClient\` calls on an empty cache: **${concurrency}** token request(s) reached the provider.`,
  `- ${fmt(throughput, 0)} client-credentials tokens per second against the dev authority on loopback (network path, a new client and cache per call).`,
  '',
  '## How the numbers are produced',
  '',
  '- Silent: a synthetic cache of N users in MSAL\'s unified schema (one account, ID token, access token and refresh token each) is loaded; the client is given the discovery document so no network is used; the middle account\'s token is requested repeatedly. After a warm-up, calls run in batches; each batch gives a per-call mean; the table shows the median and range of the batch means. The result is checked to be the cached token. Heap is measured with `--expose-gc` around the load.',
  '- Concurrency: the development identity provider counts the token requests it receives.',
  '- Run it yourself: `pnpm bench` (or `pnpm bench --quick`, under a minute). Numbers vary between machines and runs; tests never assert them.',
  '',
];
writeFileSync(new URL('../../../BENCHMARKS.md', import.meta.url), md.join('\n'));
console.log('\nWrote BENCHMARKS.md');
