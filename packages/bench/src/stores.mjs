// Benchmark 5b: cache-store writes per second under contention: 8 writers (store-<kind>.mjs), each in
// its own worker thread with its own store instance and connection/lock,
// each run read-modify-write `update`s of one shared partition for the same wall-clock window.
// Each update parses the cache JSON, sets this writer's counter entry and serializes it back; at the
// end every writer's entry must equal its own count (no lost update), else the run fails. An
// update that gives up (e.g. CacheStoreBusyError) is counted as failed and the writer goes on.
// The writers start together: each says it is ready (a file), then waits for the parent's `go`.
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inThread } from './child.mjs';
import { syntheticCache } from './synthetic-cache.mjs';
import { versionOf } from './versions.mjs';

export const STORE_KINDS = ['file', 'redis'];
const PARTITION = 'default';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One writer (in a worker thread). */
export async function storeWriter(kind, config, writer, barrier) {
  const { open } = await import(`./store-${kind}.mjs`);
  const { store, close } = await open(config);
  try {
    writeFileSync(join(barrier, `ready-${writer}`), '');
    const go = join(barrier, 'go');
    while (!existsSync(go)) await sleep(5);
    const { startAt, endAt } = JSON.parse(readFileSync(go, 'utf8'));
    while (Date.now() < startAt) await sleep(1);
    let writes = 0;
    const failures = {};
    while (Date.now() < endAt) {
      try {
        await store.update(PARTITION, (current) => {
          const cache = JSON.parse(current);
          cache.AppMetadata[`writer-${writer}`] = { client_id: `writer-${writer}`, environment: 'bench', writes: writes + 1 };
          return JSON.stringify(cache);
        });
        writes++;
      } catch (error) {
        const name = error?.name ?? 'Error';
        failures[name] = (failures[name] ?? 0) + 1;
      }
    }
    return { writer, writes, failures };
  } finally {
    await close();
  }
}

/** Reads the partition back. */
async function storeRead(kind, config) {
  const { open } = await import(`./store-${kind}.mjs`);
  const { store, close } = await open(config);
  try {
    return await store.load(PARTITION);
  } finally {
    await close();
  }
}

/** Seeds the partition with a 10-account cache (about 26 KB). */
async function storeSeed(kind, config) {
  const { open } = await import(`./store-${kind}.mjs`);
  const { store, close } = await open(config);
  try {
    const data = syntheticCache(10);
    await store.save(PARTITION, data);
    return data.length;
  } finally {
    await close();
  }
}

export async function runStore(kind, { writers, seconds }) {
  const adapter = await import(`./store-${kind}.mjs`);
  const base = { store: adapter.library.name, version: versionOf(adapter.library.packageName), writers };
  const pending = await adapter.pending();
  if (pending) return { ...base, pending };
  const { config, teardown, describe } = await adapter.setup();
  try {
    const self = new URL('./stores.mjs', import.meta.url);
    const bytes = await storeSeed(kind, config);
    const barrier = mkdtempSync(join(tmpdir(), 'tessera-bench-barrier-'));
    const running = Array.from({ length: writers }, (_, w) => inThread(self, 'storeWriter', [kind, config, w, barrier]));
    const failed = Promise.race(running.map((p) => p.then(() => new Promise(() => {}))));
    const deadline = Date.now() + 60_000;
    while (readdirSync(barrier).length < writers) {
      if (Date.now() > deadline) throw new Error(`${adapter.library.name}: the writers did not start within 60 s`);
      await Promise.race([sleep(5), failed]);
    }
    const startAt = Date.now() + 50;
    writeFileSync(join(barrier, 'go.tmp'), JSON.stringify({ startAt, endAt: startAt + seconds * 1000 }));
    renameSync(join(barrier, 'go.tmp'), join(barrier, 'go'));
    const results = await Promise.all(running);
    rmSync(barrier, { recursive: true, force: true });
    const final = JSON.parse(await storeRead(kind, config));
    for (const { writer, writes } of results) {
      const seen = final.AppMetadata[`writer-${writer}`]?.writes ?? 0;
      if (seen !== writes) throw new Error(`${adapter.library.name}: writer ${writer} made ${writes} updates but the store holds ${seen} (lost update)`);
    }
    const total = results.reduce((sum, r) => sum + r.writes, 0);
    const per = results.map((r) => r.writes / seconds);
    const failures = {};
    for (const r of results) for (const [name, n] of Object.entries(r.failures)) failures[name] = (failures[name] ?? 0) + n;
    return { ...base, describe, bytes, seconds, writesPerSecond: total / seconds, perWriterMin: Math.min(...per), perWriterMax: Math.max(...per), failures };
  } finally {
    await teardown();
  }
}

export async function runStoreSuite({ writers, seconds }, log = () => {}, gate = { wait: async () => {} }) {
  const rows = [];
  for (const kind of STORE_KINDS) {
    await gate.wait();
    const r = await runStore(kind, { writers, seconds });
    rows.push(r);
    log(r);
  }
  return rows;
}
