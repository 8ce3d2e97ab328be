// Formatting of the results: console tables while the run goes, BENCHMARKS.md and the README's
// headline lines at the end. Numbers only; nothing here measures.
import { fmt, fmtRange } from './stats.mjs';

const n = (x) => Number(x).toLocaleString('en-US');
// Below 0.1 MB the figure is within the noise of a collection (it can even come out negative).
const heap = (mb) => (mb < 0.1 ? '< 0.1' : fmt(mb));
const bytes = (b) => (b === undefined ? 'n/a' : n(b));

/** Tessera/peer as a ratio with two significant digits (0.0071, 0.42, 1.3, 56). */
export function ratio(ours, theirs) {
  if (!(ours >= 0) || !(theirs > 0)) return 'n/a';
  const r = ours / theirs;
  return r >= 10 ? r.toFixed(0) : r.toPrecision(2);
}

/** "140x faster" / "2.1x slower" from Tessera's and a peer's cost. */
function times(ours, theirs, better = 'faster', worse = 'slower') {
  if (!(ours > 0) || !(theirs > 0)) return '';
  const r = theirs / ours;
  const x = (v) => (v >= 10 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
  return r >= 1 ? `${x(r)}x ${better}` : `${x(1 / r)}x ${worse}`;
}

export function table(headers, rows, align = headers.map((_, i) => (i === 0 ? 'l' : 'r'))) {
  const md = [
    `| ${headers.join(' | ')} |`,
    `| ${align.map((a) => (a === 'l' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const text = [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
  return { md, text };
}

// ---------------------------------------------------------------- sections

export function silentTables(s) {
  const speed = table(
    ['cached accounts', 'Tessera µs/call', 'msal-node µs/call', 'Tessera/msal-node', 'heap after load Tessera MB', 'heap msal-node MB', 'heap Tessera/msal-node'],
    s.rows.map((r) => [
      n(r.size),
      fmtRange(r.tessera.silentUs),
      fmtRange(r.msal.silentUs),
      `${ratio(r.tessera.silentUs.median, r.msal.silentUs.median)} (${times(r.tessera.silentUs.median, r.msal.silentUs.median)})`,
      heap(r.tessera.heapMb),
      heap(r.msal.heapMb),
      // Small caches are within the noise of a collection: a ratio of noise says nothing.
      r.tessera.heapMb < 0.1 || r.msal.heapMb < 0.1 ? 'n/a' : ratio(r.tessera.heapMb, r.msal.heapMb),
    ]),
  );
  const listCell = (r, lib) => {
    const skipped = r[`${lib}ListSkipped`];
    if (skipped) return `skipped (> budget, extrapolated ~${fmtSeconds(skipped.estimateMs)})`;
    return r[lib].listMs ? fmtRange(r[lib].listMs) : 'n/a';
  };
  const listing = table(
    ['cached accounts', 'Tessera getAccounts ms', 'msal-node getAllAccounts ms', 'Tessera/msal-node'],
    s.rows.map((r) => [
      n(r.size),
      listCell(r, 'tessera'),
      listCell(r, 'msal'),
      r.msal.listMs && r.tessera.listMs ? `${ratio(r.tessera.listMs.median, r.msal.listMs.median)} (${times(r.tessera.listMs.median, r.msal.listMs.median)})` : 'n/a',
    ]),
  );
  return { speed, listing };
}

/** One sentence: Tessera's cache hit per size when its store has a refresh lock. */
export function lockedSilentLine(s) {
  const cells = s.rows.map((r) => `${n(r.size)}: ${fmt(r.silentUs.median)} µs`).join(', ');
  const spread = s.rows.at(-1).silentUs.median / s.rows[0].silentUs.median;
  return `With a store that has a refresh lock (\`lock\`, as FileCacheStore and RedisCacheStore): ${cells} (${fmt(spread)}x from ${n(s.rows[0].size)} to ${n(s.rows.at(-1).size)} accounts; target <= 5 µs, flat). The lock is taken only around a refresh, never on a hit (the run fails if it is).`;
}

/** One sentence: Tessera's DPoP-bound cache hit per size. */
export function dpopSilentLine(s) {
  const cells = s.rows.map((r) => `${n(r.size)}: ${fmt(r.silentUs.median)} µs`).join(', ');
  return `With DPoP-bound tokens (\`dpop\`, lookups by token type and key thumbprint): ${cells} (target <= 5 µs, flat).`;
}

const fmtSeconds = (ms) => (ms >= 1000 ? `${fmt(ms / 1000, ms >= 10_000 ? 0 : 1)} s` : `${fmt(ms)} ms`);

export function concurrencyTable(rows) {
  return table(
    ['library', 'version', 'token requests at the provider', 'distinct tokens', 'wall time ms'],
    rows.map((r) =>
      r.pending
        ? [r.library, r.version ?? '', `pending (${r.pending})`, '', '']
        : [r.library, r.version, `**${r.tokenRequests}** of ${r.concurrency} calls`, String(r.distinctTokens), fmt(r.ms, 0)],
    ),
    ['l', 'l', 'r', 'r', 'r'],
  );
}

export function managedIdentityTable(rows) {
  return table(
    ['library', 'version', 'requests at IMDS', 'distinct tokens', 'cache hit µs (median, min-max)'],
    rows.map((r) => [r.library, r.version ?? '', `**${r.tokenRequests}** of ${r.concurrency} calls`, String(r.distinctTokens), fmtRange(r.hitUs)]),
    ['l', 'l', 'r', 'r', 'r'],
  );
}

export function sizeTables(rows) {
  const ours = rows.find((r) => r.ours);
  const triple = (s) => (s ? `${bytes(s.min)} / ${bytes(s.gzip)} / ${bytes(s.brotli)}` : 'n/a');
  const app = table(
    ['library', 'version', 'SPA bundle min / gzip / brotli (B)', 'Tessera/peer (gzip)'],
    rows.map((r) => [r.library, r.version ?? '', r.pending ? `pending (${r.pending})` : triple(r.app), r.ours ? '' : ours?.app && r.app ? ratio(ours.app.gzip, r.app.gzip) : 'n/a']),
    ['l', 'l', 'r', 'r'],
  );
  const cdn = table(
    ['library', 'CDN file', 'min / gzip / brotli (B)', 'Tessera/peer (gzip)'],
    rows.map((r) => [r.library, `\`${r.cdnFile}\``, r.cdn ? `${triple(r.cdn)}${r.cdnBuilt ? ' (built for this run)' : ''}${r.cdnStale ? ' (stale: older than its sources)' : ''}` : 'not built', r.ours ? '' : ours?.cdn && r.cdn ? ratio(ours.cdn.gzip, r.cdn.gzip) : 'n/a']),
    ['l', 'l', 'r', 'r'],
  );
  return { app, cdn };
}

export function coldStartTable(c) {
  const ours = c.libraries.find((l) => l.ours);
  return table(
    ['library', 'version', 'whole process ms', 'import cost ms', 'Tessera/peer'],
    c.libraries.map((l) => [
      l.library,
      l.version ?? '',
      fmtRange(l.total, 0),
      fmt(l.importMs.median, 0),
      l.ours || l.part || !ours ? '' : ratio(Math.max(ours.importMs.median, 0), l.importMs.median),
    ]),
    ['l', 'l', 'r', 'r', 'r'],
  );
}

export function storeTable(rows) {
  return table(
    ['store', 'backend', 'writers', 'writes/s (all writers)', 'per writer min-max', 'updates that gave up'],
    rows.map((r) => {
      if (r.pending) return [r.store, '', String(r.writers), `pending (${r.pending})`, '', ''];
      const failed = Object.entries(r.failures ?? {}).map(([k, v]) => `${n(v)} ${k}`).join(', ') || '0';
      return [r.store, r.describe, String(r.writers), fmt(r.writesPerSecond, 0), `${fmt(r.perWriterMin, 1)}-${fmt(r.perWriterMax, 1)}`, failed];
    }),
    ['l', 'l', 'r', 'r', 'r', 'r'],
  );
}

/** Scale-out (scaleout.mjs): instances sharing a Redis Cluster. */
export function scaleOutTable(r) {
  if (r.pending) return table(['instances x users', 'scale-out'], [['', `pending (${r.pending})`]], ['l', 'l']);
  return table(
    ['instances x users', 'token requests per distinct token (goal 1)', 'cache hits/s across instances', 'longest hit', 'longest stall when a master dies (deadline)', 'hits/s during the outage', 'token requests during the outage'],
    [[`${r.instances} x ${n(r.users)}`, fmt(r.requestsPerToken, 2), n(Math.round(r.hitsPerSecond)), `${fmt(r.longestHitMs, 0)} ms`, `${fmt(r.longestStallMs, 0)} ms (${r.deadlineMs} ms)`, n(Math.round(r.outagePerSecond)), n(r.requestsDuringOutage)]],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

// ---------------------------------------------------------------- headline

/** The headline ratios, as bullet lines (shared by BENCHMARKS.md and the README's Speed section). */
export function headlines(res) {
  const out = [];
  const s = res.silent;
  if (s) {
    const first = s.rows[0];
    const last = s.rows[s.rows.length - 1];
    out.push(
      `Cache-hit \`acquireTokenSilent\`: Tessera ${fmt(first.tessera.silentUs.median)} µs at ${n(first.size)} account and ${fmt(last.tessera.silentUs.median)} µs at ${n(last.size)}; ` +
        `@azure/msal-node ${fmt(first.msal.silentUs.median)} µs and ${fmt(last.msal.silentUs.median)} µs. ` +
        `Tessera/msal-node = ${ratio(first.tessera.silentUs.median, first.msal.silentUs.median)} at ${n(first.size)}, ${ratio(last.tessera.silentUs.median, last.msal.silentUs.median)} at ${n(last.size)} ` +
        `(${times(first.tessera.silentUs.median, first.msal.silentUs.median)}, ${times(last.tessera.silentUs.median, last.msal.silentUs.median)}).`,
    );
    out.push(
      `Heap of the loaded cache at ${n(last.size)} accounts: Tessera ${fmt(last.tessera.heapMb)} MB, msal-node ${fmt(last.msal.heapMb)} MB ` +
        `(Tessera/msal-node = ${ratio(last.tessera.heapMb, last.msal.heapMb)}; goal <= 0.6).`,
    );
    const listed = [...s.rows].reverse().find((r) => r.msal.listMs && r.tessera.listMs);
    if (listed) {
      out.push(
        `Listing ${n(listed.size)} accounts: Tessera ${fmtSeconds(listed.tessera.listMs.median)}, msal-node ${fmtSeconds(listed.msal.listMs.median)} ` +
          `(Tessera/msal-node = ${ratio(listed.tessera.listMs.median, listed.msal.listMs.median)}).`,
      );
    }
  }
  if (res.concurrency) {
    const parts = res.concurrency.map((r) => `${r.library} ${r.pending ? 'pending' : r.tokenRequests}`);
    out.push(`100 concurrent identical client-credentials requests, token requests that reached the provider: ${parts.join('; ')}.`);
  }
  if (res.managedIdentity) {
    const [t, peer] = res.managedIdentity;
    const parts = res.managedIdentity.map((r) => `${r.library} ${r.tokenRequests}`);
    const hit = t && peer ? ` Cache hit: Tessera ${fmt(t.hitUs.median)} µs, @azure/identity ${fmt(peer.hitUs.median)} µs (${ratio(t.hitUs.median, peer.hitUs.median)}).` : '';
    out.push(`Managed identity (IMDS), 100 concurrent getToken calls, requests that reached IMDS: ${parts.join('; ')}.${hit}`);
  }
  if (res.size) {
    const ours = res.size.find((r) => r.ours);
    if (ours?.app) {
      const peers = res.size.filter((r) => !r.ours && r.app).map((r) => `${r.library} ${n(r.app.gzip)} B (${ratio(ours.app.gzip, r.app.gzip)})`);
      const cdn = ours.cdn ? ` CDN file, gzip: Tessera ${n(ours.cdn.gzip)} B vs ${res.size.filter((r) => !r.ours && r.cdn).map((r) => `${r.library} ${n(r.cdn.gzip)} B (${ratio(ours.cdn.gzip, r.cdn.gzip)})`).join(', ')}.` : '';
      out.push(`SPA sign-in bundle, gzip: Tessera ${n(ours.app.gzip)} B (target <= 15,000 B; CDN file <= 16,000 B) vs ${peers.join(', ')}; Tessera/peer in brackets.${cdn}`);
    } else {
      const peers = res.size.filter((r) => !r.ours && r.app).map((r) => `${r.library} ${n(r.app.gzip)} B`);
      out.push(`SPA sign-in bundle, gzip: Tessera pending (${ours?.pending ?? 'not measured'}); ${peers.join(', ')}.`);
    }
  }
  if (res.coldStart) {
    const ours = res.coldStart.libraries.find((l) => l.ours);
    const peers = res.coldStart.libraries.filter((l) => !l.ours && !l.part).map((l) => `${l.library} ${fmt(l.importMs.median, 0)} ms (${ratio(Math.max(ours.importMs.median, 0), l.importMs.median)})`);
    out.push(`Node cold start (import cost above bare \`node\`): Tessera ${fmt(ours.importMs.median, 0)} ms (target <= 30 ms) vs ${peers.join(', ')}; Tessera/peer in brackets.`);
  }
  if (res.throughput) {
    const [t, m] = res.throughput.silent;
    out.push(
      `Throughput: ${fmt(res.throughput.network.tokensPerSecond, 0)} client-credentials tokens/s over the network path; ` +
        `${n(Math.round(t.perSecond))} vs ${n(Math.round(m.perSecond))} cache-hit silent calls/s (Tessera vs msal-node, ${n(t.size)} accounts).`,
    );
  }
  return out;
}

// ---------------------------------------------------------------- BENCHMARKS.md

export function markdown(res) {
  const m = res.machine;
  const lines = [
    '# Benchmarks',
    '',
    `Produced by \`pnpm bench${res.quick ? ' --quick' : ''}\` on ${res.date}, in one run on one machine: ${m.cpu} (${m.cores} cores), ${m.memGiB} GiB, ` +
      `Node ${m.node}, ${m.platform}. Load average (1 min) ${m.loadStart} at the start, ${m.loadEnd} at the end: other work on the machine adds noise, ` +
      'so compare the ratios more than the absolute numbers. The run took ' + fmtSeconds(res.elapsedMs) + '.' + quietNote(res.quiet),
    '',
    'Libraries measured (versions read from their installed package.json):',
    '',
    table(['package', 'version'], Object.entries(res.versions).map(([k, v]) => [`\`${k}\``, v ?? 'not installed']), ['l', 'l']).md,
    '',
    '## Headline (ratios are Tessera/peer: below 1 means Tessera is faster or smaller)',
    '',
    ...headlines(res).map((h) => `- ${h}`),
    '',
  ];
  const failed = (section) => res.errors.filter((e) => e.section === section).map((e) => `**Failed:** ${e.message}`);

  lines.push('## 1. Silent acquisition, cache hit', '');
  if (res.silent) {
    const t = silentTables(res.silent);
    lines.push(
      'Median µs per call (min-max over batches), and the heap the loaded cache takes:',
      '',
      t.speed.md,
      '',
      `Tessera's ${n(res.silent.rows.at(-1).size)}-account median is ${fmt(res.silent.rows.at(-1).tessera.silentUs.median / res.silent.rows[0].tessera.silentUs.median)}x its ${n(res.silent.rows[0].size)}-account median (target: within 2x, and <= 5 µs per call); msal-node's is ${fmt(res.silent.rows.at(-1).msal.silentUs.median / res.silent.rows[0].msal.silentUs.median)}x.`,
      '',
      `Listing the accounts (median ms, min-max; MSAL's listing grows quadratically, so a size whose warm-up plus ${res.silent.list.minRuns} runs would take over ${fmtSeconds(res.silent.list.capMs)} is skipped and extrapolated from the previous size):`,
      '',
      t.listing.md,
      '',
    );
  }
  if (res.silentLocked) lines.push(lockedSilentLine(res.silentLocked), '');
  if (res.silentDpop) lines.push(dpopSilentLine(res.silentDpop), '');
  lines.push(...failed('silent'));

  lines.push('## 2. Concurrency: 100 concurrent identical requests on an empty cache', '');
  if (res.concurrency) lines.push(concurrencyTable(res.concurrency).md, '', 'Target: Tessera 1.', '');
  lines.push(...failed('concurrency'));

  lines.push('### Managed identity (IMDS): 100 concurrent getToken calls, then cache hits', '');
  if (res.managedIdentity) lines.push(managedIdentityTable(res.managedIdentity).md, '', 'Target: Tessera 1 request.', '');
  lines.push(...failed('managedIdentity'));

  lines.push('## 3. Bundle size: SPA sign-in (redirect sign-in + silent + persistent cache)', '');
  if (res.size) {
    const t = sizeTables(res.size);
    const tools = Object.entries(res.tools ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`Built with ${tools}.`, '', t.app.md, '', 'Targets (zod inside): Tessera\'s SPA bundle <= 15,000 B and CDN file <= 16,000 B gzipped, below every peer. The CDN files: the minified file each peer package ships for CDNs, and Tessera\'s built for this run by its own CDN bundle config:', '', t.cdn.md, '');
  }
  lines.push(...failed('size'));

  lines.push('## 4. Node cold start', '');
  if (res.coldStart) {
    lines.push(
      `Whole-process wall time of \`node -e "import('<package>')"\` (median, min-max over ${res.coldStart.rounds} interleaved rounds) and the import cost above a bare \`node -e ''\` ` +
        `(median ${fmtRange(res.coldStart.bare, 0)} ms here): the median over rounds of the run's time minus the bare run's time in the same round.`,
      '',
      coldStartTable(res.coldStart).md,
      '',
      'Target: Tessera <= 30 ms.',
      '',
    );
  }
  lines.push(...failed('coldStart'));

  lines.push('## 5. Throughput', '');
  if (res.throughput) {
    const tp = res.throughput;
    const [t, mm] = tp.silent;
    lines.push(
      `- Client credentials over the network path (a new Tessera client, so an empty cache, for each token; dev authority in the same process on loopback): **${fmt(tp.network.tokensPerSecond, 0)} tokens/s** (${n(tp.network.tokenRequests)} token requests in ${tp.seconds} s).`,
      `- Cache-hit silent acquisitions cycling through all ${n(t.size)} accounts of the synthetic cache: Tessera **${n(Math.round(t.perSecond))}/s**, @azure/msal-node **${n(Math.round(mm.perSecond))}/s** (Tessera/msal-node time per call = ${ratio(1 / t.perSecond, 1 / mm.perSecond)}).`,
      '',
    );
  }
  lines.push(...failed('throughput'));
  if (res.stores) {
    lines.push(`Cache-store writes under contention (${res.stores[0]?.writers ?? 8} writers updating one partition for ${res.stores.find((s) => s.seconds)?.seconds ?? '?'} s):`, '', storeTable(res.stores).md, '');
  }
  lines.push(...failed('stores'));
  if (res.scaleOut) {
    lines.push('Scale-out: service instances sharing a 3-master Redis Cluster on loopback (on-behalf-of tokens):', '', scaleOutTable(res.scaleOut).md, '');
  }
  lines.push(...failed('scaleOut'));

  lines.push(
    '## How each number is produced',
    '',
    'Everything is in `packages/bench/src` (one file per benchmark, one adapter file per library) and runs with `pnpm bench` (`bash .ci/setup` first on a fresh machine); `pnpm bench --quick` is the same with short budgets (under a minute, written to `.tmp/BENCHMARKS.quick.md`). Numbers are reported, never asserted by tests. Each library runs in its own child process so heaps and JIT state never mix; the two libraries of a comparison run back to back (paired runs). On a shared machine a full run waits, within limits, for idle CPUs before each timed measurement (`machine.mjs`; `--no-wait` skips that).',
    '',
    "- **Silent** (`silent.mjs`, `silent-tessera.mjs`, `silent-msal.mjs`): `synthetic-cache.mjs` writes N users in MSAL's unified cache schema (one account, ID token, access token, refresh token each); both libraries load the same JSON (`TokenCache.deserialize` / `pca.getTokenCache().deserialize(json)`). MSAL gets `authorityMetadata`, `cloudDiscoveryMetadata` and `knownAuthorities` so it needs no network; both get a transport that throws, so any network call fails the run. The middle user's token is requested with the account object an app keeps from sign-in, and checked to be the cached token first. Timing: a warm-up, then batches; the batch size is chosen from the warm-up so that the batches fill a time budget per measurement (" +
      (res.silent ? `${fmtSeconds(res.silent.budgetMs)}` : 'n/a') +
      '); each batch gives a mean per call; the table shows the median and range of the batch means. Heap: `process.memoryUsage().heapUsed` after `gc()` (`--expose-gc`) before and after loading.',
    "- **Concurrency** (`concurrency.mjs`, `concurrency-*.mjs`): the development OpenID provider (`@tessera/dev-authority`, oidc-provider on 127.0.0.1) counts the token requests it receives (`countRequests({ grantType: 'client_credentials' })`); the 100 calls start together on a new client. Tessera talks to it directly. MSAL and @azure/identity accept only `https://` authorities, so they get it as `https://127.0.0.1:PORT` through a transport shim (`dev-authority-shim.mjs`: MSAL's `system.networkClient`, @azure/identity's `httpClient`) that forwards each request over http on loopback and counts token requests too (the two counts must agree). MSAL is configured with `knownAuthorities` and the provider's discovery document as `authorityMetadata`; @azure/identity with `authorityHost` and `disableInstanceDiscovery: true` (its MSAL fetches the discovery document through the shim). A further call after the burst must be a cache hit.",
    "- **Managed identity** (`managed-identity.mjs`): a loopback HTTP server plays IMDS (20 ms per answer) and counts the requests it receives; both credentials get it as `AZURE_POD_IDENTITY_AUTHORITY_HOST`. 100 `getToken` calls start together on a new credential; the cache hit is then timed as in the silent benchmark (batches within a budget, median of per-call means), and must not reach the server.",
    '- **Bundle size** (`size.mjs`, `size-entries/*.js`): each entry uses its library\'s usual SPA API for redirect sign-in, silent acquisition and a persistent cache (Tessera: IndexedDB; the peers: localStorage). Each is bundled with rollup, `@rollup/plugin-node-resolve` (`browser: true`), `@rollup/plugin-commonjs` and `@rollup/plugin-terser` (defaults), ES module output; sizes are bytes minified, gzip level 9 and brotli quality 11 (Node\'s zlib). The CDN rows measure the ready-made minified file each peer package ships, and Tessera\'s \`tessera-browser.min.js\` built for the run by \`packages/browser/rollup.bundles.mjs\` (the browser package\'s own CDN build). `--quick` reuses a peer\'s sizes when its entry, version and the build tools are unchanged.',
    '- **Cold start** (`coldstart.mjs`): `spawnSync(node, ["-e", "import(\'<package>\')"])` from `packages/bench` (so `@tessera/node` is its built `dist`), wall time; rounds run one process of each kind in a rotating order after one warm-up each.',
    '- **Throughput** (`throughput.mjs`, `stores.mjs`, `store-file.mjs`, `store-redis.mjs`): calls completed in a fixed time. The cache-store writers each run in a worker thread with their own `@tessera/node` store instance (own file lock, own Redis connection) and start together; each update is a read-modify-write of one ~26 KB cache partition; at the end every writer\'s own entry must hold its count (no lost update). Redis: a `redis-server` started for the run on a free 127.0.0.1 port without persistence.',
    "- **Scale-out** (`scaleout.mjs`): a 3-master Redis Cluster of `redis-server`s in cluster mode on loopback (the node package's test fixture, `startRedisCluster`), and N instances in one process, each with its own `ConfidentialClientApplication`, memory cache, `RedisCacheStore` (defaults) and `Redis.Cluster` connection. Every instance asks at once for an on-behalf-of token for each user; the dev authority's request log gives token requests per distinct token. Then each instance calls in a loop over the users (one call at a time per instance) for a fixed time: hits/s and the longest call; then again while one master is SIGKILLed a quarter into the window: the longest stall, to compare with the store's per-operation deadline.",
    '',
  );
  const pending = pendingItems(res);
  if (pending.length) lines.push('## Pending', '', ...pending.map((p) => `- ${p}`), '');
  if (res.errors.length) lines.push('## Errors in this run', '', ...res.errors.map((e) => `- ${e.section}: ${e.message}`), '');
  return lines.join('\n');
}

function quietNote(q) {
  if (!q) return '';
  const pct = (x) => `${Math.round(x * 100)}%`;
  return (
    ` Before each timed measurement (${q.measurements}) it waited for idle CPUs (at most ${pct(q.threshold)} busy over 0.5 s; up to ${fmtSeconds(q.maxWaitMs)} each, ${fmtSeconds(q.budgetMs)} in all): ` +
    `it waited ${fmtSeconds(q.waitedMs)} in all, and the CPUs were ${pct(q.busyMedian)} busy at the median start (${pct(q.busyMax)} at worst).`
  );
}

export function pendingItems(res) {
  const out = [];
  for (const r of res.concurrency ?? []) if (r.pending) out.push(`${r.library}: ${r.pending}`);
  for (const r of res.size ?? []) if (r.pending) out.push(`${r.library} bundle: ${r.pending}`);
  for (const r of res.stores ?? []) if (r.pending) out.push(`${r.store}: ${r.pending}`);
  if (res.scaleOut?.pending) out.push(`scale-out: ${res.scaleOut.pending}`);
  return out;
}

/** The README's Speed section body. */
export function readmeSpeed(res) {
  return [
    `Measured side by side with the libraries people would otherwise pick, in one \`pnpm bench\` run (${res.date}, ${res.machine.cpu}, ${res.machine.cores} cores, Node ${res.machine.node}); ` +
      'ratios are Tessera/peer, so below 1 means faster or smaller. Details, methods and every number: [BENCHMARKS.md](BENCHMARKS.md).',
    '',
    ...headlines(res).map((h) => `- ${h}`),
  ].join('\n');
}
