// Benchmark 4: Node cold start. Wall time of a whole `node` process that imports one package
// (ESM `import()`), and its import cost: the median over rounds of (that run - the bare `node -e ''`
// run of the same round). Rounds run one process of each kind in a rotating order, so background
// load hits every library alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.mjs';
import { versionOf } from './versions.mjs';

export const COLD_START_LIBRARIES = [
  { name: 'Tessera (@tessera/node)', packageName: '@tessera/node', ours: true },
  { name: 'of which @tessera/core alone', packageName: '@tessera/core', part: true },
  { name: '@azure/msal-node', packageName: '@azure/msal-node' },
  { name: '@azure/identity', packageName: '@azure/identity' },
  { name: 'openid-client', packageName: 'openid-client' },
];

const benchDir = fileURLToPath(new URL('..', import.meta.url)); // resolves packages as this package does

function timeProcess(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: benchDir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.toString().slice(0, 400)}`);
  return ms;
}

export async function runColdStart({ rounds }, gate = { wait: async () => {} }) {
  const targets = [
    { key: 'bare', args: ['-e', ''] },
    ...COLD_START_LIBRARIES.map((lib) => ({ key: lib.packageName, args: ['-e', `import(${JSON.stringify(lib.packageName)}).catch((e) => { console.error(e); process.exit(1); })`] })),
  ];
  const times = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (const t of targets) timeProcess(t.args); // warm-up: file-system cache
  for (let round = 0; round < rounds; round++) {
    await gate.wait();
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length];
      times[t.key].push(timeProcess(t.args));
    }
  }
  const bare = summarize(times.bare);
  return {
    rounds,
    bare,
    libraries: COLD_START_LIBRARIES.map((lib) => {
      const total = summarize(times[lib.packageName]);
      // Paired: each run minus the bare run of the same round; the median of those differences.
      const importMs = summarize(times[lib.packageName].map((ms, i) => ms - times.bare[i]));
      return { library: lib.name, packageName: lib.packageName, version: versionOf(lib.packageName), ours: !!lib.ours, part: !!lib.part, total, importMs };
    }),
  };
}
