import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, type HttpClient, NetworkError, PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { type DevAuthority, startDevAuthority } from '@tessera/dev-authority';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeHttpClient, NodePublicClientApplication, createNodeHttpClient } from '../../src/index.js';
import { type ForwardProxy, startForwardProxy } from './forward-proxy.js';
import { startSelfSignedIssuer } from './self-signed.js';

const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;

describe('NodeHttpClient', () => {
  let idp: DevAuthority;
  let proxy: ForwardProxy;
  const savedEnv: Partial<Record<string, string>> = {};
  const discovery = () => `${idp.issuer}/.well-known/openid-configuration`;
  const proxied = () => proxy.requests.filter((r) => r.includes(`127.0.0.1:${idp.port}`)).length;

  beforeAll(async () => {
    idp = await startDevAuthority();
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await idp.close();
  });
  beforeEach(() => {
    // The machine's own proxy settings must not leak into (or out of) these tests.
    for (const name of PROXY_VARS) {
      savedEnv[name] = process.env[name];
      delete process.env[name];
    }
    proxy.requests.length = 0;
    clearMetadataCache();
  });
  afterEach(() => {
    for (const name of PROXY_VARS) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  it('signs in through an explicit proxy', async () => {
    const app = new NodePublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, proxy: proxy.url });
    const result = await app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'proxied', password: 'pw' });
    expect(result.account?.username).toBe('proxied');
    expect(proxied()).toBeGreaterThan(0);
    expect(proxy.requests[0]).toBe(`CONNECT 127.0.0.1:${idp.port}`);
  });

  it('uses HTTP_PROXY from the environment', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const response = await new NodeHttpClient().send({ method: 'GET', url: discovery() });
    expect(response.status).toBe(200);
    expect(proxied()).toBe(1);
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    const response = await new NodeHttpClient().send({ method: 'GET', url: discovery() });
    expect(response.status).toBe(200);
    expect(proxy.requests).toEqual([]);
  });

  it('ignores the environment with proxy: false', async () => {
    process.env.HTTP_PROXY = 'http://127.0.0.1:9'; // discard port: using it would fail
    const response = await new NodeHttpClient({ proxy: false }).send({ method: 'GET', url: discovery() });
    expect(response.status).toBe(200);
  });

  it('trusts extra CA certificates, and only when given', async () => {
    const tls = await startSelfSignedIssuer();
    try {
      const app = (ca?: string) => new NodePublicClientApplication({ clientId: 'c', authority: tls.issuer, ca, retry: false });
      const error = await app().getAuthorizationRequestUrl({ scopes: ['openid'], redirectUri: 'http://127.0.0.1:1/' }).catch((e) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(/certificate/i);
      const url = await app(tls.certificatePem).getAuthorizationRequestUrl({ scopes: ['openid'], redirectUri: 'http://127.0.0.1:1/' });
      expect(url).toContain(`${tls.issuer}/auth?`);
    } finally {
      await tls.close();
    }
  });

  it('names the reason of a refused connection (network_error, ECONNREFUSED), not "fetch failed"', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const app = new NodePublicClientApplication({ clientId: 'c', authority: `http://127.0.0.1:${port}`, retry: false });
    const error = await app.initiateDeviceFlow({ scopes: ['api.read'] }).catch((e) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('network_error');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toMatch(/fetch failed/);
  });

  it('times out a server that never answers, with code "timeout"', async () => {
    const silent = createServer(() => {}); // accepts, never responds
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/x`;
      const started = Date.now();
      const error = await new NodeHttpClient({ timeoutMs: 300 }).send({ method: 'GET', url }).catch((e) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('lets a user-supplied HttpClient replace the transport entirely', async () => {
    const inner = new NodeHttpClient({ proxy: false });
    const seen: string[] = [];
    const custom: HttpClient = { send: (request) => (seen.push(request.url), inner.send(request)) };
    expect(() => createNodeHttpClient({ httpClient: custom, proxy: proxy.url })).toThrow(ConfigurationError);
    const app = new NodePublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, httpClient: custom });
    await app.getAuthorizationRequestUrl({ scopes: ['openid'], redirectUri: 'http://127.0.0.1:1/' });
    expect(seen).toEqual([discovery()]);
    expect(app).toBeInstanceOf(PublicClientApplication);
  });
});
