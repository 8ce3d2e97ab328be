// The outside review's questionable behaviours, each with the safe default now in place
// (SECURITY.md, section "coresec", says why): {tenantid} issuer templates, response modes,
// OIDC-only silent requests, and what logs show with PII logging off.
import { completeAuthorization } from '@tessera/dev-authority';
import { useDevAuthority } from '../../core/test/helpers.js';
import { describe, expect, it, vi } from 'vitest';
import { type CacheStore, PublicClientApplication, ValidationError } from '@tessera/core';
import { ClientSecretCredential } from '@tessera/node';
import type { HostileServer } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, expectUntouched, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

describe('Entra {tenantid} issuer templates are filled literally, with safe tenant ids only', () => {
  const start = useHostileServers();

  async function multiTenant() {
    const server = await start({ entra: true });
    server.discovery.issuer = `${server.origin}/{tenantid}/v2.0`;
    server.discovery.authorization_response_iss_parameter_supported = false;
    return server;
  }

  async function signIn(server: HostileServer, tid: string, iss: string, redirectIss?: string) {
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce, tid, iss }) }) }));
    return { h, outcome: h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server, { iss: redirectIss })) };
  }

  it('refuses a tid that is a replacement pattern ($`) or a path (x/../..), and accepts a GUID', async () => {
    const server = await multiTenant();
    // What String.replace would have made of the template with these tids: the tokens name exactly that.
    for (const tid of ['$`', "$'", '$&', 'x/../..', 'a.b']) {
      const filledByReplace = `${server.origin}/{tenantid}/v2.0`.replace('{tenantid}', tid);
      const { h, outcome } = await signIn(server, tid, filledByReplace);
      await refusal(outcome, ValidationError, 'invalid_iss');
      expectUntouched(h);
    }
    const guid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const { outcome } = await signIn(server, guid, `${server.origin}/${guid}/v2.0`);
    await expect(outcome).resolves.toMatchObject({ tenantId: guid });
  });

  it('refuses an RFC 9207 iss parameter whose tenant segment is not a safe tenant id', async () => {
    const server = await multiTenant();
    for (const tenant of ['..', 'a.b', '$`']) {
      const { h, outcome } = await signIn(server, 'tenant-a', `${server.origin}/tenant-a/v2.0`, `${server.origin}/${tenant}/v2.0`);
      await refusal(outcome, ValidationError, 'invalid_iss');
      expectUntouched(h);
    }
    expect(server.count('token')).toBe(0);
  });
});

describe('a flow reads only the response mode it requested', () => {
  const start = useHostileServers();

  const cases: [string, 'query' | 'fragment' | 'form_post', (url: URL) => string][] = [
    ['a query flow, response in the fragment', 'query', (url) => `${REDIRECT_URI}#${url.searchParams}`],
    ['a query flow, attacker fragment after the real query', 'query', (url) => `${url.href}#code=attacker-code&state=x`],
    ['a fragment flow, response in the query', 'fragment', (url) => url.href],
    ['a form_post flow, response in a URL', 'form_post', (url) => url.href],
  ];

  for (const [name, responseMode, response] of cases) {
    it(`${name}`, async () => {
      const server = await start();
      const h = publicClient(server);
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI, responseMode });
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }) }) }));
      const url = new URL(redirectFor(flow, server));
      const outcome = h.app.acquireTokenByAuthCodeFlow(flow, response(url));
      if (name.includes('attacker')) {
        // The query holds the real response: it is used, the fragment's code is not.
        await outcome;
        expect(server.seen('token')[0]!.params.get('code')).toBe('stub-auth-code');
      } else {
        await refusal(outcome, ValidationError, 'invalid_state');
        expect(server.count('token')).toBe(0);
        expectUntouched(h);
      }
    });
  }
});

describe('OIDC-only silent requests and PII-free logs (dev authority)', () => {
  const dev = useDevAuthority();

  async function signedIn(app: PublicClientApplication, username: string) {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  }

  it('acquireTokenSilent({ scopes: ["openid", "profile"] }) never hands out the token of a resource', async () => {
    const app = new PublicClientApplication({ clientId: dev.current.clients.native.clientId, authority: dev.current.issuer });
    const signIn = await signedIn(app, 'oidc-only');
    dev.current.clearRequests();
    const first = await app.acquireTokenSilent({ scopes: ['openid', 'profile'], account: signIn.account! });
    // Not the api.read token: the refresh token was redeemed for the OIDC scopes alone.
    expect(first.accessToken).not.toBe(signIn.accessToken);
    expect(first.fromCache).toBe(false);
    expect(first.scopes).not.toContain('api.read');
    expect(dev.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    // That token (issued for no resource) is what the next OIDC-only call finds; the api.read token is still there for api.read.
    await expect(app.acquireTokenSilent({ scopes: ['openid', 'profile'], account: signIn.account! })).resolves.toMatchObject({ fromCache: true, accessToken: first.accessToken });
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: signIn.account! })).resolves.toMatchObject({ fromCache: true, accessToken: signIn.accessToken });
  });

  it('with PII logging off, a failing per-account store is logged without the account id', async () => {
    const failing: CacheStore = {
      load: async () => {
        throw new Error('store unavailable');
      },
      save: async () => {
        throw new Error('store unavailable');
      },
    };
    for (const piiLoggingEnabled of [false, true]) {
      const logs: string[] = [];
      const app = new PublicClientApplication({
        clientId: dev.current.clients.native.clientId,
        authority: dev.current.issuer,
        cacheStore: failing,
        cachePartitioning: 'perKey',
        logger: { log: (_level, message) => logs.push(message) },
        piiLoggingEnabled,
      });
      const { account } = await signedIn(app, 'partition-user');
      await app.acquireTokenSilent({ scopes: SCOPES, account: account! });
      const partitionLines = logs.filter((l) => l.includes('partition'));
      expect(partitionLines.length).toBeGreaterThan(0);
      // With PII on the id is there (the capture works); off, it is not.
      expect(partitionLines.some((l) => l.includes(account!.homeAccountId))).toBe(piiLoggingEnabled);
    }
  });
});

describe('server text in logs with PII logging off', () => {
  const start = useHostileServers();

  it('a failed background refresh logs the error code, not the description naming the user', async () => {
    const server = await start();
    let skew = 0;
    const logs: string[] = [];
    const h = publicClient(server, { now: () => Math.floor(Date.now() / 1000) + skew, logger: { log: (_level, message) => logs.push(message) } });
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ refresh_in: 60, id_token: await server.idToken({ nonce: flow.nonce }) }) }));
    const { account } = await h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server));
    server.on('token', { status: 400, body: { error: 'invalid_grant', error_description: 'AADSTS50076: user alice.smith@contoso.com must use MFA', error_codes: [50076] } });
    skew = 120; // past refresh_in, far from expiry: served from the cache, refreshed in the background
    await expect(h.app.acquireTokenSilent({ scopes: SCOPES, account: account! })).resolves.toMatchObject({ fromCache: true });
    await vi.waitFor(() => expect(logs.some((l) => l.startsWith('Background refresh failed'))).toBe(true));
    const line = logs.find((l) => l.startsWith('Background refresh failed'))!;
    expect(line).toContain('invalid_grant');
    expect(line).toContain('50076');
    expect(line).not.toContain('contoso.com');
    expect(line).not.toContain('alice');
  });

  it('a failed getToken of a @tessera/node credential logs the error code, not the description naming the user', async () => {
    const server = await start();
    server.on('token', { status: 400, body: { error: 'invalid_client', error_description: 'client of bob.jones@contoso.com is disabled', error_codes: [7000222] } });
    const logs: string[] = [];
    const credential = new ClientSecretCredential('', server.clientId, 'stub-secret-value', { authority: server.authority, loggingOptions: { logger: { log: (_level, message) => logs.push(message) } } });
    await expect(credential.getToken('api.read')).rejects.toMatchObject({ error: 'invalid_client' });
    const line = logs.find((l) => l.includes('getToken failed'))!;
    expect(line).toContain('invalid_client');
    expect(line).not.toContain('contoso.com');
  });
});

describe('device polling interval', () => {
  const start = useHostileServers();

  it('a server interval of 0 (or below 1 s) becomes 1 s, as SECURITY.md says', async () => {
    const server = await start();
    for (const interval of [0, 0.001]) {
      server.on('device', { body: { device_code: 'dc-interval', user_code: 'UC', verification_uri: `${server.origin}/device`, expires_in: 600, interval } });
      const flow = await publicClient(server).app.initiateDeviceFlow({ scopes: SCOPES });
      expect(flow.interval).toBe(1);
    }
  });
});
