// Authorization response (the redirect back to the app): CSRF, mix-up, errors, replay.
import { describe, expect, it } from 'vitest';
import { InteractionRequiredError, InvalidResponseError, ServerError, ValidationError } from '@tessera/core';
import type { HostileServer } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, expectUntouched, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

describe('authorization response from a hostile server', () => {
  const start = useHostileServers();

  /** A client, a started flow, and a token endpoint that answers with a valid ID token for its nonce. */
  async function begin(server: HostileServer, options: { responseMode?: 'query' | 'fragment' } = {}) {
    const h = publicClient(server);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI, ...options });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }) }) }));
    return { ...h, flow };
  }

  it('accepts the genuine redirect (baseline for every refusal below)', async () => {
    const server = await start();
    const h = await begin(server);
    const result = await h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server));
    expect(result.account?.username).toBe('user1@example.com');
    expect(server.count('token')).toBe(1);
    expect(h.store.data.size).toBe(1);
  });

  it('binds the code to the flow: fresh state and nonce, PKCE S256 whose verifier reaches only the token endpoint', async () => {
    const server = await start();
    const h = await begin(server);
    const other = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    expect(h.flow.state).toMatch(/^[\w-]{43}$/);
    expect(h.flow.nonce).toMatch(/^[\w-]{43}$/);
    expect(other.state).not.toBe(h.flow.state);
    expect(other.codeVerifier).not.toBe(h.flow.codeVerifier);
    const authorize = new URL(h.flow.authUri).searchParams;
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('state')).toBe(h.flow.state);
    expect(authorize.get('nonce')).toBe(h.flow.nonce);
    expect(h.flow.authUri).not.toContain(h.flow.codeVerifier);
    await h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server));
    const [token] = server.seen('token');
    const verifier = token!.params.get('code_verifier')!;
    expect(verifier).toBe(h.flow.codeVerifier);
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
    expect(digest).toBe(authorize.get('code_challenge'));
  });

  it('refuses a state that does not match the flow (CSRF) without redeeming the code', async () => {
    const server = await start();
    const h = await begin(server);
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { state: 'forged-state' })), ValidationError, 'invalid_state');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('refuses a response without state', async () => {
    const server = await start();
    const h = await begin(server);
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { state: undefined })), ValidationError, 'invalid_state');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('refuses an iss naming another issuer (mix-up attack, RFC 9207)', async () => {
    const server = await start();
    const h = await begin(server);
    const redirect = redirectFor(h.flow, server, { iss: 'https://attacker.example' });
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirect), ValidationError, 'invalid_iss');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('refuses a missing iss when the server advertises authorization_response_iss_parameter_supported', async () => {
    const server = await start();
    const h = await begin(server);
    expect(h.flow.issRequired).toBe(true);
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { iss: undefined })), ValidationError, 'invalid_iss');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('accepts a missing iss when the server does not advertise it, but still refuses a wrong one', async () => {
    const server = await start();
    server.discovery.authorization_response_iss_parameter_supported = false;
    const h = await begin(server);
    expect(h.flow.issRequired).toBe(false);
    await refusal(
      h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { iss: 'https://attacker.example' })),
      ValidationError,
      'invalid_iss',
    );
    const result = await h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { iss: undefined }));
    expect(result.fromCache).toBe(false);
  });

  it('checks iss before reporting an error response (a mix-up attacker cannot inject errors either)', async () => {
    const server = await start();
    const h = await begin(server);
    const redirect = redirectFor(h.flow, server, { code: undefined, error: 'access_denied', iss: 'https://attacker.example' });
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirect), ValidationError, 'invalid_iss');
    expectUntouched(h);
  });

  it('turns error parameters into typed errors without a token request', async () => {
    const server = await start();
    const h = await begin(server);
    const denied = await refusal(
      h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { code: undefined, error: 'access_denied', error_description: 'The user said no' })),
      ServerError,
      'access_denied',
    );
    expect(denied.error).toBe('access_denied');
    expect(denied.errorDescription).toBe('The user said no');
    const login = await refusal(
      h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { code: undefined, error: 'login_required' })),
      InteractionRequiredError,
      'login_required',
    );
    expect(login.error).toBe('login_required');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('caps the error text a redirect brings, as every server text (a URL can carry megabytes)', async () => {
    const server = await start();
    const h = await begin(server);
    const long = 'x'.repeat(200_000);
    const error = await refusal(
      h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { code: undefined, error: `access_denied${long}`, error_description: long })),
      ServerError,
      'server_error',
    );
    for (const text of [error.error, error.errorDescription!]) expect(text.length).toBeLessThan(1100);
    expect(error.message.length).toBeLessThan(2200);
    expect(error.errorDescription).toMatch(/more characters cut/);
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('refuses a response with neither code nor error', async () => {
    const server = await start();
    const h = await begin(server);
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { code: undefined })), InvalidResponseError, 'missing_code');
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
  });

  it('refuses a redirect that is not a URL without leaking it in the error', async () => {
    const server = await start();
    const h = await begin(server);
    const error = await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, 'http://[secret-code-value'), InvalidResponseError, 'invalid_response');
    expect(error.message).not.toContain('secret-code-value');
    expect(JSON.stringify(error)).not.toContain('secret-code-value');
    expectUntouched(h);
  });

  it('reads state and code from the fragment in fragment mode, and refuses a forged fragment', async () => {
    const server = await start();
    const h = await begin(server, { responseMode: 'fragment' });
    const forged = `${REDIRECT_URI}#code=c&state=forged&iss=${encodeURIComponent(server.issuer)}`;
    await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, forged), ValidationError, 'invalid_state');
    const genuine = `${REDIRECT_URI}#code=c&state=${h.flow.state}&iss=${encodeURIComponent(server.issuer)}`;
    await expect(h.app.acquireTokenByAuthCodeFlow(h.flow, genuine)).resolves.toMatchObject({ fromCache: false });
  });

  describe('code replay', () => {
    it('refuses a second redemption of the same flow client-side, even when the server would accept the code again', async () => {
      const server = await start();
      const h = await begin(server);
      const redirect = redirectFor(h.flow, server);
      await h.app.acquireTokenByAuthCodeFlow(h.flow, redirect);
      const after = h.app.tokenCache.serialize();
      const storeAfter = [...h.store.data.values()];
      await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirect), ValidationError, 'invalid_replay');
      // A copy of the flow (e.g. restored from a session) is the same flow.
      await refusal(h.app.acquireTokenByAuthCodeFlow(structuredClone(h.flow), redirect), ValidationError, 'invalid_replay');
      expect(server.count('token')).toBe(1);
      expectUntouched(h, after);
      expect([...h.store.data.values()]).toEqual(storeAfter);
    });

    it('lets only one of two concurrent redemptions reach the token endpoint', async () => {
      const server = await start();
      const h = await begin(server);
      const redirect = redirectFor(h.flow, server);
      const outcomes = await Promise.allSettled([h.app.acquireTokenByAuthCodeFlow(h.flow, redirect), h.app.acquireTokenByAuthCodeFlow(h.flow, redirect)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(ValidationError);
      expect(rejected.reason.code).toBe('invalid_replay');
      expect(server.count('token')).toBe(1);
    });

    it('spends the flow even when the redemption fails (the code is single-use at the server too)', async () => {
      const server = await start();
      const h = await begin(server);
      server.on('token', { status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } });
      await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server)), InteractionRequiredError, 'invalid_grant');
      await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server)), ValidationError, 'invalid_replay');
      expect(server.count('token')).toBe(1);
      expectUntouched(h);
    });

    it('does not let a forged redirect burn the flow: the genuine one still completes', async () => {
      const server = await start();
      const h = await begin(server);
      await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { state: 'forged' })), ValidationError, 'invalid_state');
      await refusal(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server, { iss: 'https://attacker.example' })), ValidationError, 'invalid_iss');
      await expect(h.app.acquireTokenByAuthCodeFlow(h.flow, redirectFor(h.flow, server))).resolves.toMatchObject({ fromCache: false });
      expect(server.count('token')).toBe(1);
    });
  });
});
