import { ConfidentialClientApplication, ConfigurationError, PublicClientApplication, ServerError } from '@tessera/core';
import { type DevAuthority, completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { useDevAuthority } from '../../../core/test/helpers.js';
import { authorizationUrlOf } from './net-probes.js';

// Issue 12 §1: Pushed Authorization Requests (RFC 9126) against oidc-provider requiring them,
// globally or per client. The HTTP driver plays the browser; e2e/pushed-authorization.spec.ts
// does the same in Chromium.

/** The query parameter names of every authorization request the provider received. */
const authorizeParameters = (idp: DevAuthority) => idp.requests.filter((r) => r.path === '/auth').map((r) => r.queryParameters?.sort());

/** Signs in through acquireTokenInteractive, the driver playing the browser; `beforeOpen` runs before the start page is fetched. */
async function signIn(app: PublicClientApplication, beforeOpen?: () => void) {
  let driving: Promise<unknown> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (startUrl) =>
      void (driving = (async () => {
        beforeOpen?.();
        const { redirectUrl, params } = await completeAuthorization(await authorizationUrlOf(startUrl), { username: 'par-user' });
        await fetch(`${redirectUrl}?${params}`);
      })()),
  });
  await driving;
  return result;
}

describe('PAR required by the provider for every client (discovery says so)', () => {
  const idp = useDevAuthority({ requirePushedAuthorizationRequests: true });

  it("'auto' pushes the request; the browser gets only client_id and request_uri", async () => {
    idp.current.clearRequests();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const result = await signIn(app);
    expect(result.idTokenClaims?.sub).toBe('par-user');
    expect(idp.current.countRequests({ path: '/request', clientId: idp.current.clients.native.clientId })).toBe(1);
    expect(authorizeParameters(idp.current)[0]).toEqual(['client_id', 'request_uri']);
  });

  it("'never' is a clear ConfigurationError before any browser opens or request is pushed", async () => {
    idp.current.clearRequests();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, pushedAuthorizationRequests: 'never' });
    let opened = false;
    const error = await acquireTokenInteractive(app, { scopes: ['api.read'], openBrowser: () => void (opened = true) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'par_required', message: expect.stringContaining("pushedAuthorizationRequests is 'never'") });
    expect(opened).toBe(false);
    expect(idp.current.countRequests({ path: '/request' }) + idp.current.countRequests({ path: '/auth' })).toBe(0);
  });

  it('an expired request_uri is pushed again when the browser arrives late', async () => {
    idp.current.clearRequests();
    let skew = 0;
    const app = new PublicClientApplication({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      now: () => Math.floor(Date.now() / 1000) + skew,
    });
    // oidc-provider's request_uri lives 60 s: the user opens the link 2 minutes later.
    const result = await signIn(app, () => void (skew = 120));
    expect(result.idTokenClaims?.sub).toBe('par-user');
    expect(idp.current.countRequests({ path: '/request' })).toBe(2);
    expect(authorizeParameters(idp.current)).toEqual([['client_id', 'request_uri']]);
  });
});

describe('PAR required by the client registration only', () => {
  const idp = useDevAuthority({ pushedAuthorizationRequestsRequiredFor: ['native', 'confidential'] });

  it("'always' signs in; discovery does not require PAR", async () => {
    const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.require_pushed_authorization_requests).toBeUndefined();
    idp.current.clearRequests();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, pushedAuthorizationRequests: 'always' });
    const result = await signIn(app);
    expect(result.idTokenClaims?.sub).toBe('par-user');
    expect(idp.current.countRequests({ path: '/request' })).toBe(1);
    expect(authorizeParameters(idp.current)).toEqual([['client_id', 'request_uri']]);
  });

  it("'auto' sends the request through the browser, and the provider's refusal comes back as a ServerError", async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const error = await signIn(app).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ error: 'invalid_request', errorDescription: 'Pushed Authorization Request must be used' });
  });

  it('a confidential client authenticates its push like a token request', async () => {
    idp.current.clearRequests();
    const { clientId, clientSecret, redirectUris } = idp.current.clients.confidential;
    const app = new ConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: idp.current.issuer, pushedAuthorizationRequests: 'always' });
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: redirectUris[0]! });
    expect([...new URL(flow.authUri).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const { params } = await completeAuthorization(flow.authUri, { username: 'web-user' });
    const result = await app.acquireTokenByAuthCodeFlow(flow, params);
    expect(result.idTokenClaims?.sub).toBe('web-user');
    expect(idp.current.countRequests({ path: '/request', clientId })).toBe(1);
  });

  it('a wrong client secret: the PAR endpoint\'s invalid_client as a ServerError, the secret nowhere in it', async () => {
    const { clientId, redirectUris } = idp.current.clients.confidential;
    const secret = 'wrong-secret-VALUE-123';
    const app = new ConfidentialClientApplication({ clientId, clientCredential: secret, authority: idp.current.issuer, pushedAuthorizationRequests: 'always' });
    const error = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: redirectUris[0]! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(secret);
  });
});
