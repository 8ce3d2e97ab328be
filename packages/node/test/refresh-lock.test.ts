// Refresh-token rotation with reuse detection, and processes sharing one cache store (issue 9):
// two processes whose shared access token expired refresh at the same moment. The store's lock
// (FileCacheStore's lock file, RedisCacheStore's lease) lets one refresh request through; the other
// process takes the winner's tokens from the store instead of redeeming the rotated refresh token.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { completeAuthorization } from '@tessera/dev-authority';
import { type CacheStore, PublicClientApplication } from '@tessera/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDevAuthority } from '../../core/test/helpers.js';
import { FileCacheStore } from '../src/cache/file-cache-store.js';
import { RedisCacheStore, createRedisCacheStore } from '../src/cache/redis-cache-store.js';
import { expireAccessTokens, finished, startWorker } from './cache-helpers.js';
import { freePort, startRedis, stopRedis } from './support/redis-server.mjs';

const SCOPES = ['api.read'];
const REDIRECT = 'http://127.0.0.1:53682/';
const REFRESH = { grantType: 'refresh_token' };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('two processes, DPoP-bound tokens with nonces required, rotating refresh tokens, one cache file', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: true, tokenEndpointDelayMs: 500, dpop: { requireNonce: true, boundClients: ['tessera-native'] } });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-refresh-lock-dpop-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('one refresh: the holder retries once for its nonce with the same refresh token; the other takes its tokens; the grant stays alive', async () => {
    const path = join(dir, 'dpop.json');
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const store = new FileCacheStore({ path, allowUnencryptedStorage: true });
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store, dpop: { key: jwk } });
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'dpop-twins' });
    const result = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    await writeFile(path, expireAccessTokens(await readFile(path, 'utf8')));
    idp.current.clearRequests();

    const startAt = String(Date.now() + 1500);
    const args = ['silent', 'file', path, idp.current.issuer, idp.current.clients.native.clientId, startAt, JSON.stringify(jwk)];
    const workers = await Promise.all([startWorker('refresh-worker.mjs', args), startWorker('refresh-worker.mjs', args)]);
    await Promise.all(workers.map(finished));
    const [a, b] = workers.map((w) => w.output().split('\n').find((l) => l.startsWith('result '))!.split(' '));
    // Each process starts without a nonce: the holder is asked for one, then redeems; no reuse.
    expect(idp.current.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error ?? r.status)).toEqual(['use_dpop_nonce', 200]);
    expect(a![1]).toBe(b![1]);
    expect([a![2], b![2]].sort()).toEqual(['false', 'true']);
    const later = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true });
    expect(later.tokenType).toBe('DPoP');
  });
});

describe('two processes sharing one cache store, rotating refresh tokens with reuse detection', () => {
  // The token endpoint answers after 0.5 s: the two processes' refreshes surely overlap.
  const idp = useDevAuthority({ rotateRefreshTokens: true, tokenEndpointDelayMs: 500 });
  let dir: string;
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-refresh-lock-'));
    const port = await freePort();
    redis = await startRedis(port);
    redisUrl = `redis://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await stopRedis(redis);
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(store: CacheStore, username: string) {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return { app, result: await app.acquireTokenByAuthCodeFlow(flow, redirectUrl) };
  }

  /** Starts two workers that make their silent call at the same moment; returns their results. */
  async function twoProcesses(kind: 'file' | 'redis', location: string) {
    const startAt = String(Date.now() + 1500);
    const args = ['silent', kind, location, idp.current.issuer, idp.current.clients.native.clientId, startAt];
    const workers = await Promise.all([startWorker('refresh-worker.mjs', args), startWorker('refresh-worker.mjs', args)]);
    await Promise.all(workers.map(finished));
    return workers.map((w) => {
      const [, token, fromCache] = w.output().split('\n').find((l) => l.startsWith('result '))!.split(' ');
      return { token: token!, fromCache: fromCache === 'true' };
    });
  }

  it('one file: exactly one refresh request, both get the new token, the grant stays alive', async () => {
    const path = join(dir, 'shared.json');
    const { app, result } = await signIn(new FileCacheStore({ path, allowUnencryptedStorage: true }), 'filer');
    await writeFile(path, expireAccessTokens(await readFile(path, 'utf8')));
    idp.current.clearRequests();

    const [a, b] = await twoProcesses('file', path);
    expect(idp.current.countRequests(REFRESH)).toBe(1);
    expect(a!.token).toBe(b!.token);
    expect(a!.token).not.toBe(sha256(result.accessToken));
    expect([a!.fromCache, b!.fromCache].sort()).toEqual([false, true]);

    // The grant is alive: the rotated refresh token in the file still refreshes.
    const later = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true });
    expect(sha256(later.accessToken)).not.toBe(a!.token);
    expect(idp.current.countRequests(REFRESH)).toBe(2);
  });

  it('two clients in one process on one FileCacheStore (separate in-memory caches): one refresh request', async () => {
    const path = join(dir, 'one-process.json');
    const store = new FileCacheStore({ path, allowUnencryptedStorage: true });
    const { result } = await signIn(store, 'twins');
    await writeFile(path, expireAccessTokens(await readFile(path, 'utf8')));
    const make = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    const [a, b] = [make(), make()];
    idp.current.clearRequests();
    const [ra, rb] = await Promise.all([a.acquireTokenSilent({ scopes: SCOPES, account: result.account! }), b.acquireTokenSilent({ scopes: SCOPES, account: result.account! })]);
    expect(idp.current.countRequests(REFRESH)).toBe(1);
    expect(ra.accessToken).toBe(rb.accessToken);
    const later = await b.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true });
    expect(later.accessToken).not.toBe(ra.accessToken);
  });

  it('one Redis: exactly one refresh request, both get the new token, the grant stays alive', async () => {
    const store = await createRedisCacheStore({ url: redisUrl });
    const inspect = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const { app, result } = await signIn(store, 'rediser');
      const key = store.key('default');
      await inspect.set(key, expireAccessTokens((await inspect.get(key))!));
      idp.current.clearRequests();

      const [a, b] = await twoProcesses('redis', redisUrl);
      expect(idp.current.countRequests(REFRESH)).toBe(1);
      expect(a!.token).toBe(b!.token);
      expect(a!.token).not.toBe(sha256(result.accessToken));
      // The lease was freed (compare-and-delete), not left to expire.
      expect(await inspect.keys('tessera:cache:lock:*')).toEqual([]);

      const later = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true });
      expect(sha256(later.accessToken)).not.toBe(a!.token);
      expect(idp.current.countRequests(REFRESH)).toBe(2);
    } finally {
      inspect.disconnect();
      await store.close();
    }
  });

  it('the Redis lease is freed when the work fails, and a lease left by a crashed holder expires', async () => {
    const inspect = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const store = new RedisCacheStore({ client: inspect, prefix: 'lease:test', lockLeaseMs: 1000 });
    try {
      await expect(store.lock('a', async () => Promise.reject(new Error('refresh failed')))).rejects.toThrow('refresh failed');
      expect(await inspect.keys('lease:test:lock:*')).toEqual([]);

      // A holder that died left its lease; it expires, and the next caller gets in then.
      const key = `lease:test:lock:${sha256('b').slice(0, 32)}`;
      await inspect.set(key, 'crashed-holder', 'PX', 1000);
      const order: string[] = [];
      await store.lock('b', async () => order.push(String(await inspect.get(key) !== 'crashed-holder')));
      expect(order).toEqual(['true']);
      expect(await inspect.exists(key)).toBe(0);
    } finally {
      inspect.disconnect();
    }
  });

  it('the Redis lease is extended while its holder works, so a slow refresh keeps it', async () => {
    const inspect = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const store = new RedisCacheStore({ client: inspect, prefix: 'lease:slow', lockLeaseMs: 1000 });
    try {
      const order: string[] = [];
      const slow = store.lock('s', async () => {
        await new Promise((r) => setTimeout(r, 2500)); // 2.5 leases
        order.push('slow done');
      });
      await new Promise((r) => setTimeout(r, 100));
      const next = store.lock('s', async () => void order.push('next'));
      await Promise.all([slow, next]);
      expect(order).toEqual(['slow done', 'next']);
    } finally {
      inspect.disconnect();
    }
  });

  it('without a reachable Redis the refresh goes ahead unlocked (the cache is not shared then either)', async () => {
    const down = { status: 'end', get: async () => null, eval: async () => null, evalsha: async () => null };
    const store = new RedisCacheStore({ client: down });
    await expect(store.lock('a', async () => 'refreshed')).resolves.toBe('refreshed');
  });

  it("a file's refresh lock is released when the work fails, and is another file than the write lock", async () => {
    const path = join(dir, 'locks.json');
    const store = new FileCacheStore({ path, allowUnencryptedStorage: true });
    await expect(store.lock('a', async () => Promise.reject(new Error('refresh failed')))).rejects.toThrow('refresh failed');
    // Inside the refresh lock the store can still be written (the refresh caches its tokens).
    await store.lock('a', () => store.save('default', '{}'));
    expect(await readFile(path, 'utf8')).toBe('{}');
    expect((await readdir(dir)).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });
});
