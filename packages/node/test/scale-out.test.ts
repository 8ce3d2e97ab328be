// Scale-out (issue 14): service instances sharing a real Redis Cluster through RedisCacheStore.
// - single-flight across instances: N new tokens asked for by 4 instance processes at the same
//   moment make N token requests (the store's lease; the others read the holder's answer);
// - a dead master: the store's breaker opens, callers are answered from memory, and the number of
//   Redis calls attempted while it is dead stays bounded;
// - a master restarted empty: what memory holds and the store lost is written back.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheStore, ConfidentialClientApplication, PublicClientApplication, type TokenCache } from '@tessera/core';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDevAuthority } from '../../core/test/helpers.js';
import { RedisCacheStore } from '../src/cache/redis-cache-store.js';
import { expireAccessTokens, finished, sleep, startWorker } from './cache-helpers.js';
import { type RedisClusterFixture, freePort, startRedis, startRedisCluster, stopRedis } from './support/redis-server.mjs';

const HAVE_REDIS = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const SKIP = !HAVE_REDIS && !process.env.CI;
if (SKIP) console.warn('scale-out.test.ts: SKIPPED because redis-server is not installed (apt-get install redis-server); CI always runs it');

const SCOPES = ['api.read'];
const OBO = { grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' };
const CC = { grantType: 'client_credentials' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.skipIf(SKIP)('service instances sharing a Redis Cluster', () => {
  // The token endpoint answers after 0.3 s: the instances' asks surely overlap. Refresh tokens rotate,
  // and a reused one revokes the grant.
  const idp = useDevAuthority({ tokenEndpointDelayMs: 300, rotateRefreshTokens: true });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-scale-out-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Access tokens of `n` users of the native client: the assertions a middle-tier API receives. */
  async function assertions(n: number, who: string): Promise<string[]> {
    const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    return Promise.all(
      Array.from({ length: n }, async (_, i) => (await native.acquireTokenByUsernamePassword({ scopes: SCOPES, username: `${who}${i}`, password: 'pw' })).accessToken),
    );
  }

  function clusterClient(cluster: RedisClusterFixture): Cluster {
    const client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
    client.on('error', () => undefined);
    return client;
  }

  for (const replicas of [0, 1]) {
    it(`3 masters${replicas ? ' + 3 replicas' : ''}: N new tokens asked for by 4 instances at once make N token requests`, async () => {
      const cluster = await startRedisCluster({ replicas });
      try {
        const users = await assertions(8, `scale${replicas}-`);
        const file = join(dir, `assertions-${replicas}.json`);
        await writeFile(file, JSON.stringify(users));
        idp.current.clearRequests();
        const { confidential } = idp.current.clients;
        const args = [JSON.stringify(cluster.startupNodes), idp.current.issuer, confidential.clientId, confidential.clientSecret!, String(Date.now() + 2000), file];
        const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker('scaleout-worker.mjs', args)));
        await Promise.all(workers.map(finished));

        const results = workers.flatMap((w) => w.output().split('\n').filter((l) => l.startsWith('result ')).map((l) => l.split(' ')));
        expect(results).toHaveLength(4 * (2 + users.length));
        // Every instance holds the same token for each of the 2 + 8 asks, and it was asked for once.
        const tokensPerAsk = new Map<string, Set<string>>();
        for (const [, what, token] of results) tokensPerAsk.set(what!, (tokensPerAsk.get(what!) ?? new Set()).add(token!));
        expect(tokensPerAsk.size).toBe(2 + users.length);
        for (const tokens of tokensPerAsk.values()) expect(tokens.size).toBe(1);
        expect(idp.current.countRequests(CC)).toBe(2);
        expect(idp.current.countRequests(OBO)).toBe(users.length);
        expect(results.filter(([, , , fromCache]) => fromCache === 'false')).toHaveLength(2 + users.length);
      } finally {
        await cluster.stop();
      }
    });
  }

  it('on-behalf-of refresh takes the lock: two instances whose shared token expired make one refresh request', async () => {
    const cluster = await startRedisCluster({ replicas: 0 });
    const clients = [clusterClient(cluster), clusterClient(cluster), clusterClient(cluster)];
    try {
      const { confidential } = idp.current.clients;
      const instance = (client: Cluster) =>
        new ConfidentialClientApplication({ clientId: confidential.clientId, clientCredential: confidential.clientSecret!, authority: idp.current.issuer, cacheStore: new RedisCacheStore({ client, prefix: 'obo-refresh' }), cachePartitioning: 'perKey' });
      const [userAssertion] = await assertions(1, 'obo-refresh-');
      const first = await instance(clients[0]!).acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: userAssertion! });
      const key = `obo-refresh:obo:${createHash('sha256').update(userAssertion!).digest('base64url')}`;
      const stored = await clients[0]!.get(key);
      expect(stored).toContain('"RefreshToken"');
      await clients[0]!.set(key, expireAccessTokens(stored!));
      idp.current.clearRequests();

      const [b, c] = await Promise.all([clients[1]!, clients[2]!].map((client) => instance(client).acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: userAssertion! })));
      expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
      expect(idp.current.countRequests(OBO)).toBe(0);
      expect(b!.accessToken).toBe(c!.accessToken);
      expect(b!.accessToken).not.toBe(first.accessToken);
      expect([b!.fromCache, c!.fromCache].sort()).toEqual([false, true]);
    } finally {
      for (const client of clients) client.disconnect();
      await cluster.stop();
    }
  });

  it('an instance that cannot get the lock in time asks the authority itself; the holder then uses its answer', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const connections = [new Redis(`redis://127.0.0.1:${port}`), new Redis(`redis://127.0.0.1:${port}`)];
    try {
      const { confidential } = idp.current.clients;
      const app = (cacheStore: CacheStore) =>
        new ConfidentialClientApplication({ clientId: confidential.clientId, clientCredential: confidential.clientSecret!, authority: idp.current.issuer, cacheStore, cachePartitioning: 'perKey' });
      // Instance A holds the lease and hangs inside it (a stuck holder) until released.
      const held = new RedisCacheStore({ client: connections[0]!, prefix: 'busy' });
      let taken!: () => void;
      const isTaken = new Promise<void>((resolve) => (taken = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const stuck: CacheStore = {
        load: (key, signal) => held.load(key, signal),
        save: (key, data, signal) => held.save(key, data, signal),
        update: (key, mutate, signal) => held.update(key, mutate, signal),
        lock: (name, work, signal) => held.lock(name, async () => (taken(), await released, work()), signal),
      };
      const a = app(stuck).acquireTokenForClient({ scopes: SCOPES });
      await isTaken;
      idp.current.clearRequests();
      // Instance B waits at most its lockTimeoutMs, then asks itself.
      const b = await app(new RedisCacheStore({ client: connections[1]!, prefix: 'busy', lockLeaseMs: 1000, lockTimeoutMs: 300 })).acquireTokenForClient({ scopes: SCOPES });
      expect(b.fromCache).toBe(false);
      expect(idp.current.countRequests(CC)).toBe(1);
      release();
      // A, inside the lock, re-reads the store and takes B's token: still one request.
      const fromA = await a;
      expect(fromA.accessToken).toBe(b.accessToken);
      expect(idp.current.countRequests(CC)).toBe(1);
    } finally {
      for (const c of connections) c.disconnect();
      await stopRedis(redis);
    }
  });

  describe('a master dies, then comes back empty (3 masters, no replicas)', () => {
    let cluster: RedisClusterFixture;
    let client: Cluster;
    let inspect: Cluster;
    let store: RedisCacheStore;
    let api: ConfidentialClientApplication;
    let users: string[];
    let dead: number;
    const THRESHOLD = 3;
    const keyOf = (assertion: string) => store.key(`obo:${createHash('sha256').update(assertion).digest('base64url')}`);

    beforeAll(async () => {
      cluster = await startRedisCluster({ replicas: 0 });
      client = clusterClient(cluster);
      inspect = clusterClient(cluster);
      store = new RedisCacheStore({ client, prefix: 'outage', breakerThreshold: THRESHOLD, breakerCooldownMs: 500 });
      api = oboClient(store);
      users = await assertions(12, 'outage-');
    });
    afterAll(async () => {
      client?.disconnect();
      inspect?.disconnect();
      await cluster?.stop();
    });

    /** A middle-tier API instance whose cache is in `cacheStore`, one partition per user. */
    function oboClient(cacheStore: RedisCacheStore, tokenCache?: TokenCache): ConfidentialClientApplication {
      const { confidential } = idp.current.clients;
      return new ConfidentialClientApplication({ clientId: confidential.clientId, clientCredential: confidential.clientSecret!, authority: idp.current.issuer, cacheStore, cachePartitioning: 'perKey', tokenCache });
    }

    /** The port of the master serving `key`. */
    async function masterOf(key: string): Promise<number> {
      const slot = Number(await inspect.cluster('KEYSLOT', key));
      const master = (await cluster.masters()).find(({ slots }) => slots.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from! && slot <= to!;
      }));
      return master!.port;
    }

    it('answers every caller from memory while a master is dead; the breaker bounds the Redis calls tried', async () => {
      const before = await Promise.all(users.map((userAssertion) => api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion })));
      // The master serving the most users dies: at least 12 / 3 = 4, more than the breaker's threshold,
      // so the first round's failures alone open it.
      const masters = await Promise.all(users.map((u) => masterOf(keyOf(u))));
      dead = masters.reduce((most, port) => (masters.filter((p) => p === port).length > masters.filter((p) => p === most).length ? port : most));
      const onDead = masters.filter((port) => port === dead).length;
      expect(onDead).toBeGreaterThan(THRESHOLD);
      // Measured on a client of its own (sharing the memory of `api`, which the next test needs): its
      // breaker's cooldown outlasts this test (the test timeout is shorter), so no probe is ever sent
      // and what it lets through is counted exactly, however slow the machine is.
      const held = new RedisCacheStore({ client, prefix: 'outage', breakerThreshold: THRESHOLD, breakerCooldownMs: 10 * 60_000 });
      const outage = oboClient(held, api.tokenCache);
      idp.current.clearRequests();
      await cluster.kill(dead);

      const round = async () => {
        const again = await Promise.all(users.map((userAssertion) => outage.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion })));
        // Each caller gets its own user's token, from memory or the live masters, never a new one.
        expect(again.map((r) => r.accessToken)).toEqual(before.map((r) => r.accessToken));
        expect(again.every((r) => r.fromCache)).toBe(true);
      };
      await round();
      // The first round: each caller's one load went to Redis (the breaker was closed); those for the
      // dead master failed (and any other that missed its deadline), which opened the breaker.
      const first = { ...held.stats };
      expect(first.calls).toBeLessThanOrEqual(users.length);
      expect(first.failed).toBeGreaterThanOrEqual(THRESHOLD);
      expect(first.breakerOpened).toBe(1);
      expect(held.breaker).toBe('open');
      const rounds = 8;
      for (let r = 1; r < rounds; r++) await round();
      // Open, it lets no call through: without it each later round would send every caller's load to
      // Redis and wait out the deadline of each one for the dead master; with it, none.
      expect(held.stats).toMatchObject({ calls: first.calls, failed: first.failed, breakerOpened: 1, probes: 0 });
      expect(held.stats.shortCircuited - first.shortCircuited).toBeGreaterThanOrEqual((rounds - 1) * users.length);
      expect(held.breaker).toBe('open');
      expect(idp.current.countRequests(OBO)).toBe(0);
    });

    it('writes back, once the master is back empty, what memory holds and the store lost or never got', async () => {
      // Tokens acquired during the outage: the store did not take those on the dead master.
      const during = await assertions(6, 'during-');
      const duringResults = await Promise.all(during.map((userAssertion) => api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion })));
      expect(idp.current.countRequests(OBO)).toBe(during.length);
      await cluster.restart(dead);

      const everyone = [...users, ...during];
      const missing = async () => (await Promise.all(everyone.map(async (u) => ((await inspect.get(keyOf(u))) ? 0 : 1)))).reduce((a: number, b) => a + b, 0);
      expect(await missing()).toBeGreaterThan(0); // the restarted master is empty
      // Callers keep calling; once the breaker's probe finds Redis back, each partition's next load
      // writes back what the store lacks. (Bounded number of rounds, no timing assumed.)
      for (let round = 0; round < 40 && (await missing()) > 0; round++) {
        await Promise.all(everyone.map((userAssertion) => api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion })));
        await sleep(200);
      }
      expect(await missing()).toBe(0);
      expect(store.breaker).toBe('closed');
      // What is in the store is each user's own token: another instance reads it without a request.
      const { confidential } = idp.current.clients;
      const other = new ConfidentialClientApplication({ clientId: confidential.clientId, clientCredential: confidential.clientSecret!, authority: idp.current.issuer, cacheStore: new RedisCacheStore({ client: inspect, prefix: 'outage' }), cachePartitioning: 'perKey' });
      const requestsBefore = idp.current.countRequests(OBO);
      const fromOther = await Promise.all(during.map((userAssertion) => other.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion })));
      expect(fromOther.map((r) => sha256(r.accessToken))).toEqual(duringResults.map((r) => sha256(r.accessToken)));
      expect(idp.current.countRequests(OBO)).toBe(requestsBefore);
    });
  });
});
