// Cache-store adapter: @tessera/node RedisCacheStore (createRedisCacheStore) against a redis-server
// started for the run on a free 127.0.0.1 port, without persistence (as the node package's tests do).
import { spawnSync } from 'node:child_process';
import { freePort, startRedis, stopRedis } from '../../node/test/support/redis-server.mjs';
import { missingExport } from './versions.mjs';

export const library = { name: 'RedisCacheStore', packageName: '@tessera/node' };

export async function pending() {
  const missing = await missingExport('@tessera/node', 'createRedisCacheStore');
  if (missing) return missing;
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return 'redis-server is not installed (bash .ci/setup installs it)';
  return undefined;
}

export async function setup() {
  const port = await freePort();
  const child = await startRedis(port);
  const version = spawnSync('redis-server', ['--version']).stdout.toString().match(/v=(\S+)/)?.[1];
  const teardown = () => stopRedis(child);
  return { config: { url: `redis://127.0.0.1:${port}` }, teardown, describe: `redis-server ${version ?? ''} on 127.0.0.1` };
}

export async function open({ url }) {
  const { createRedisCacheStore } = await import('@tessera/node');
  const store = await createRedisCacheStore({ url, prefix: 'bench' });
  return { store, close: () => store.close() };
}
