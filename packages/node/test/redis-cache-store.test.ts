import { type ChildProcess, spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { ConfidentialClientApplication, type Logger, TokenCache } from '@tessera/core';
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheStoreBusyError,
  CacheStoreUnavailableError,
  RedisCacheStore,
  type RedisClientLike,
  createRedisCacheStore,
} from '../src/index.js';
import { finished, sleep, startWorker } from './cache-helpers.js';
import { freePort, startRedis, stopRedis } from './support/redis-server.mjs';

const HAVE_REDIS = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
// Developers without redis-server skip these tests; CI must run them (and fails without redis-server).
const SKIP = !HAVE_REDIS && !process.env.CI;
if (SKIP) console.warn('redis-cache-store.test.ts: SKIPPED because redis-server is not installed (apt-get install redis-server); CI always runs it');

const at = (id: string, expiresOn: number) => ({
  credential_type: 'AccessToken',
  secret: `secret-${id}`,
  home_account_id: '',
  environment: 'login.example.com',
  client_id: 'client',
  realm: 'tenant',
  target: `api://${id}`,
  cached_at: '0',
  expires_on: String(expiresOn),
});

describe.skipIf(SKIP)('RedisCacheStore against a real redis-server', () => {
  let port: number;
  let url: string;
  let redis: ChildProcess | undefined;
  let inspect: Redis;
  let store: RedisCacheStore;
  let prefixes = 0;
  const prefix = () => `test${++prefixes}:cache`;

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port);
    inspect = new Redis(url, { maxRetriesPerRequest: 1 });
    inspect.on('error', () => undefined);
    store = await createRedisCacheStore({ url, prefix: 'shared:cache' });
  });
  afterAll(async () => {
    await store?.close();
    inspect?.disconnect();
    await stopRedis(redis);
  });

  it('accepts an ioredis client as it is', () => {
    const client: RedisClientLike = inspect;
    expect(new RedisCacheStore({ client }).key('app:c.t')).toBe('tessera:cache:app:c.t');
  });

  it('two processes x 100 writes to one partition lose nothing', async () => {
    const p = prefix();
    const workers = await Promise.all([0, 1].map((w) => startWorker('redis-worker.mjs', ['write', url, p, 'app:client.tenant', String(w), '100'])));
    await Promise.all(workers.map(finished));
    const cache = new TokenCache();
    cache.deserialize((await inspect.get(`${p}:app:client.tenant`))!);
    const secrets = new Set([...cache.entries('AccessToken')].map(([, e]) => e.secret));
    expect(secrets.size).toBe(200);
    for (const w of [0, 1]) for (let i = 0; i < 100; i++) expect(secrets.has(`at-w${w}-${i}`)).toBe(true);
  });

  it('merges concurrent updates from two instances in one process (compare-and-set)', async () => {
    const p = prefix();
    const a = await createRedisCacheStore({ url, prefix: p, maxAttempts: 50 });
    const b = new RedisCacheStore({ client: inspect, prefix: p, maxAttempts: 50 });
    const add = (s: RedisCacheStore, id: string) =>
      s.update('default', (current) => {
        const doc = current ? (JSON.parse(current) as { AccessToken: Record<string, unknown> }) : { AccessToken: {} };
        doc.AccessToken[id] = at(id, Date.now() / 1000 + 600);
        return JSON.stringify(doc);
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => add(i % 2 ? a : b, `t${i}`)));
    const doc = JSON.parse((await inspect.get(`${p}:default`))!) as { AccessToken: object };
    expect(Object.keys(doc.AccessToken)).toHaveLength(40);
    await a.close();

    // One instance takes its own writes in turn: 100 at once need no retries at all.
    const c = new RedisCacheStore({ client: inspect, prefix: p, maxAttempts: 1 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => add(c, `u${i}`)));
    expect(Object.keys((JSON.parse((await inspect.get(`${p}:default`))!) as { AccessToken: object }).AccessToken)).toHaveLength(140);
  });

  it('sets the TTL from the latest access token, or minTtlSeconds when a refresh token is present', async () => {
    const p = prefix();
    const s = new RedisCacheStore({ client: inspect, prefix: p, minTtlSeconds: 7200 });
    const now = Math.floor(Date.now() / 1000);
    const rt = { credential_type: 'RefreshToken', secret: 'rt', home_account_id: 'h', environment: 'e', client_id: 'c' };

    // App tokens only: the key lives exactly as long as the latest access token.
    await s.save('app', JSON.stringify({ AccessToken: { a: at('a', now + 600), b: at('b', now + 3600) } }));
    expect(await inspect.ttl(`${p}:app`)).toBeGreaterThanOrEqual(3595);
    expect(await inspect.ttl(`${p}:app`)).toBeLessThanOrEqual(3600);

    // A refresh token (no expiry in the schema) keeps the partition minTtlSeconds ...
    await s.update('user', () => JSON.stringify({ AccessToken: { a: at('a', now + 600) }, RefreshToken: { r: rt } }));
    expect(await inspect.ttl(`${p}:user`)).toBeGreaterThanOrEqual(7195);
    expect(await inspect.ttl(`${p}:user`)).toBeLessThanOrEqual(7200);
    // ... but never less than its latest access token.
    await s.update('user', () => JSON.stringify({ AccessToken: { a: at('a', now + 10_000) }, RefreshToken: { r: rt } }));
    expect(await inspect.ttl(`${p}:user`)).toBeGreaterThanOrEqual(9995);

    // Nothing usable left: a short floor, never a key without expiry.
    await s.save('stale', JSON.stringify({ AccessToken: { a: at('a', now - 100) }, Account: {} }));
    expect(await inspect.ttl(`${p}:stale`)).toBeGreaterThan(0);
    expect(await inspect.ttl(`${p}:stale`)).toBeLessThanOrEqual(60);

    // The default minimum is 90 days.
    expect(new RedisCacheStore({ client: inspect }).ttlSeconds(JSON.stringify({ RefreshToken: { r: rt } }), now)).toBe(90 * 86_400);
  });

  it('fails with CacheStoreBusyError after a bounded number of lost compare-and-sets', async () => {
    const p = prefix();
    const s = new RedisCacheStore({ client: inspect, prefix: p, maxAttempts: 3 });
    let calls = 0;
    const error = await s
      .update('default', (current) => {
        calls++;
        // Another writer sneaks in between every read and write.
        void inspect.set(`${p}:default`, `{"AccessToken":{},"n":{"${calls}":{}}}`);
        return current ?? '{}';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheStoreBusyError);
    expect((error as CacheStoreBusyError).code).toBe('cache_store_busy');
    expect(calls).toBe(3);
  });

  it('does not hang on a server that never answers', async () => {
    const blackHole = createServer(() => undefined);
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const s = await createRedisCacheStore({
      url: `redis://127.0.0.1:${(blackHole.address() as AddressInfo).port}`,
      operationTimeoutMs: 400,
      connectTimeoutMs: 5000,
      commandTimeoutMs: 5000,
    });
    const started = Date.now();
    const error = await s.load('default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    s.client.disconnect?.();
    blackHole.close();
  });

  describe('when Redis goes down', () => {
    let idp: DevAuthority;
    beforeAll(async () => {
      idp = await startDevAuthority();
    });
    afterAll(async () => {
      await idp?.close();
    });

    it('rejects quickly with the typed error, the SDK keeps serving tokens, and writes resume after a restart', async () => {
      const p = prefix();
      const s = await createRedisCacheStore({ url, prefix: p, operationTimeoutMs: 2000 });
      const warnings: string[] = [];
      const logger: Logger = { log: (level, message) => level === 'warning' && warnings.push(message) };
      const app = () =>
        new ConfidentialClientApplication({
          clientId: idp.clients.confidential.clientId,
          clientCredential: idp.clients.confidential.clientSecret,
          authority: idp.issuer,
          cacheStore: s,
          cachePartitioning: 'perKey',
          logger,
          level: 'warning',
        });
      const cca = app();
      await cca.acquireTokenForClient({ scopes: ['api.read'] });
      const keys = await inspect.keys(`${p}:app:*`);
      expect(keys).toHaveLength(1);
      const appKey = keys[0]!;

      await stopRedis(redis);
      const secretish = 'secret-never-in-messages';
      for (const attempt of [() => s.load('app:x'), () => s.save('app:x', `{"AccessToken":{"${secretish}":{}}}`)]) {
        const started = Date.now();
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CacheStoreUnavailableError);
        expect((error as CacheStoreUnavailableError).code).toBe('cache_store_unavailable');
        expect((error as Error).message).toMatch(/^Redis cache store is unavailable/);
        expect((error as Error).message).not.toContain(secretish);
        expect(Date.now() - started).toBeLessThan(2500);
      }

      // A fresh client (empty memory) still gets a token from the network, and then from memory.
      idp.clearRequests();
      const fresh = app();
      const first = await fresh.acquireTokenForClient({ scopes: ['api.read'] });
      expect(first.fromCache).toBe(false);
      const second = await fresh.acquireTokenForClient({ scopes: ['api.read'] });
      expect(second.fromCache).toBe(true);
      expect(second.accessToken).toBe(first.accessToken);
      expect(idp.countRequests({ grantType: 'client_credentials' })).toBe(1);
      expect(warnings.some((w) => /Cache store could not save partition .*CacheStoreUnavailableError \(cache_store_unavailable\)/.test(w))).toBe(true);
      expect(warnings.some((w) => /Cache store could not load partition/.test(w))).toBe(true);
      expect(warnings.join('\n')).not.toContain(first.accessToken);

      // Redis comes back (empty: no persistence): writes work again once the client reconnects.
      redis = await startRedis(port);
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await s.save('app:probe', '{}');
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(CacheStoreUnavailableError);
          if (Date.now() > deadline) throw error;
          await sleep(100);
        }
      }
      const third = await fresh.acquireTokenForClient({ scopes: ['api.read'], forceRefresh: true });
      const stored = new TokenCache();
      stored.deserialize((await s.client.get(appKey))!);
      expect([...stored.entries('AccessToken')].map(([, e]) => e.secret)).toContain(third.accessToken);
      await s.close();
    });
  });
});
