// Benchmark 5c: scale-out. N service instances (each its own ConfidentialClientApplication, memory
// cache, RedisCacheStore and Redis Cluster connection; one process) share a 3-master Redis Cluster
// on loopback (redis-server in cluster mode, the node package's test fixture) and the dev authority.
// 1. Every instance asks, at once, for an on-behalf-of token for each of U users: token requests
//    per distinct token (the dev authority's request log; goal 1).
// 2. Cache hits for `seconds`, all instances in turn over all users: ops/s across instances.
// 3. The same loop while a master is SIGKILLed: the longest single call (goal: no caller waits more
//    than the store's per-operation deadline, 1,000 ms by default, plus a token request's time).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const OBO = { grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' };

export async function pendingScaleOut() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return 'redis-server is not installed (bash .ci/setup installs it)';
  return undefined;
}

export async function runScaleOutSuite({ instances = 4, users = 20, seconds = 1, outageSeconds = 2 }) {
  const pending = await pendingScaleOut();
  if (pending) return { pending };
  const { startDevAuthority } = await import('@tessera/dev-authority');
  const { ConfidentialClientApplication, PublicClientApplication } = await import('@tessera/core');
  const { RedisCacheStore } = await import('@tessera/node');
  // ioredis is @tessera/node's (peer/dev) dependency, not the bench's: resolve it from there.
  const { Redis } = await import(pathToFileURL(createRequire(new URL('../../node/package.json', import.meta.url)).resolve('ioredis')).href);
  const { startRedisCluster } = await import('../../node/test/support/redis-server.mjs');
  const idp = await startDevAuthority();
  const cluster = await startRedisCluster({ masters: 3, replicas: 0 });
  const clients = [];
  try {
    const native = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
    const assertions = [];
    for (let i = 0; i < users; i++) assertions.push((await native.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: `bench-${i}`, password: 'pw' })).accessToken);
    const apps = [];
    const stores = [];
    for (let i = 0; i < instances; i++) {
      const client = new Redis.Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
      client.on('error', () => undefined);
      clients.push(client);
      const store = new RedisCacheStore({ client, prefix: 'bench-scaleout' });
      stores.push(store);
      apps.push(new ConfidentialClientApplication({ clientId: idp.clients.confidential.clientId, clientCredential: idp.clients.confidential.clientSecret, authority: idp.issuer, cacheStore: store, cachePartitioning: 'perKey' }));
    }
    const ask = (app, userAssertion) => app.acquireTokenOnBehalfOf({ scopes: ['api.read'], userAssertion });

    idp.clearRequests();
    await Promise.all(apps.flatMap((app) => assertions.map((a) => ask(app, a))));
    const requestsPerToken = idp.countRequests(OBO) / users;

    // Sequential calls (one caller per instance at a time), so each call's duration is its own.
    const loop = async (ms) => {
      const endAt = performance.now() + ms;
      let ops = 0;
      let longestMs = 0;
      await Promise.all(
        apps.map(async (app, i) => {
          for (let k = i; performance.now() < endAt; k++) {
            const t = performance.now();
            await ask(app, assertions[k % users]);
            longestMs = Math.max(longestMs, performance.now() - t);
            ops++;
          }
        }),
      );
      return { opsPerSecond: ops / (ms / 1000), longestMs };
    };
    const hits = await loop(seconds * 1000);

    const [victim] = await cluster.masters();
    const requestsBefore = idp.countRequests(OBO);
    const outage = loop(outageSeconds * 1000);
    await new Promise((r) => setTimeout(r, (outageSeconds * 1000) / 4));
    await cluster.kill(victim.port);
    const during = await outage;
    return {
      instances,
      users,
      requestsPerToken,
      hitsPerSecond: hits.opsPerSecond,
      longestHitMs: hits.longestMs,
      outagePerSecond: during.opsPerSecond,
      longestStallMs: during.longestMs,
      requestsDuringOutage: idp.countRequests(OBO) - requestsBefore,
      breakerOpened: stores.reduce((sum, s) => sum + s.stats.breakerOpened, 0),
      deadlineMs: 1_000, // RedisCacheStore's default operationTimeoutMs
    };
  } finally {
    for (const c of clients) c.disconnect();
    await cluster.stop();
    await idp.close();
  }
}
