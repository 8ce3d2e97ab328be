// ID tokens from a hostile token endpoint: every OpenID Connect Core 3.1.3.7 check, and signatures.
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClientApplicationOptions, ValidationError, jwksSignatureVerifier } from '@tessera/core';
import type { HostileServer } from './support/hostile-server.js';
import { unsignedToken } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, expectUntouched, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

const now = () => Math.floor(Date.now() / 1000);

describe('ID token from a hostile server', () => {
  const start = useHostileServers();
  // Tests of the key set's age move the clock.
  afterEach(() => vi.useRealTimers());

  /**
   * Runs an auth-code sign-in whose token response carries the ID token `make` builds
   * (given the flow's nonce); returns the outcome and the harness.
   */
  async function redeem(
    server: HostileServer,
    make: (nonce: string) => Promise<string> | string,
    options: { app?: Partial<ClientApplicationOptions>; maxAge?: number; redirect?: Record<string, string | undefined> } = {},
  ) {
    const h = publicClient(server, options.app);
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI, maxAge: options.maxAge });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await make(flow.nonce) }) }));
    const outcome = h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server, options.redirect));
    return { h, outcome };
  }

  const verifying = { app: { idTokenSignatureVerifier: jwksSignatureVerifier } };

  /**
   * Sign-ins of one client checking signatures (its JWKS cache lives across them), each answered
   * with an ID token signed as `signing` says (default: with the published key).
   */
  function verifyingSignIns(server: HostileServer, signing: Parameters<HostileServer['idToken']>[1] = {}) {
    const h = publicClient(server, verifying.app);
    return async () => {
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }, signing) }) }));
      return h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server));
    };
  }

  /** Expects the sign-in to fail with ValidationError `invalid_<check>`, nothing cached. */
  async function expectRefused(server: HostileServer, make: (nonce: string) => Promise<string> | string, check: string, options = {}) {
    const tokenRequests = server.count('token');
    const { h, outcome } = await redeem(server, make, options);
    const error = await refusal(outcome, ValidationError, `invalid_${check}`);
    expect(error.check).toBe(check);
    expect(server.count('token')).toBe(tokenRequests + 1);
    expectUntouched(h);
    return h;
  }

  it('accepts a valid ID token, with and without signature checks (baseline)', async () => {
    const server = await start();
    const plain = await redeem(server, (nonce) => server.idToken({ nonce }));
    await expect(plain.outcome).resolves.toMatchObject({ fromCache: false });
    const checked = await redeem(server, (nonce) => server.idToken({ nonce }), verifying);
    await expect(checked.outcome).resolves.toMatchObject({ fromCache: false });
    expect(server.count('jwks')).toBe(1);
  });

  describe('claims', () => {
    it('refuses a wrong iss', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce, iss: 'https://attacker.example' }), 'iss');
    });

    it('refuses an aud without our client id', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce, aud: 'another-client' }), 'aud');
      await expectRefused(server, (nonce) => server.idToken({ nonce }, { omit: ['aud'] }), 'aud');
    });

    it('refuses several audiences with no azp, or with an azp that is not us', async () => {
      const server = await start();
      const aud = [server.clientId, 'another-client'];
      await expectRefused(server, (nonce) => server.idToken({ nonce, aud }), 'azp');
      await expectRefused(server, (nonce) => server.idToken({ nonce, aud, azp: 'another-client' }), 'azp');
      // One audience but an azp naming another party is refused too.
      await expectRefused(server, (nonce) => server.idToken({ nonce, azp: 'another-client' }), 'azp');
      // Several audiences with azp = us is fine.
      const ok = await redeem(server, (nonce) => server.idToken({ nonce, aud, azp: server.clientId }));
      await expect(ok.outcome).resolves.toMatchObject({ fromCache: false });
    });

    it('refuses an expired token (beyond the 5-minute clock skew) and one without exp', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce, iat: now() - 7200, exp: now() - 3600 }), 'exp');
      await expectRefused(server, (nonce) => server.idToken({ nonce }, { omit: ['exp'] }), 'exp');
    });

    it('refuses nbf in the future', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce, nbf: now() + 3600 }), 'nbf');
    });

    it('refuses a missing or wrong nonce (replayed ID token)', async () => {
      const server = await start();
      await expectRefused(server, () => server.idToken({}), 'nonce');
      await expectRefused(server, () => server.idToken({ nonce: 'nonce-of-another-sign-in' }), 'nonce');
    });

    it('refuses an auth_time older than max_age, or none when max_age was asked', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce, auth_time: now() - 3600 }), 'auth_time', { maxAge: 60 });
      await expectRefused(server, (nonce) => server.idToken({ nonce }), 'auth_time', { maxAge: 60 });
      const fresh = await redeem(server, (nonce) => server.idToken({ nonce, auth_time: now() - 10 }), { maxAge: 60 });
      await expect(fresh.outcome).resolves.toMatchObject({ fromCache: false });
    });

    it('refuses an Entra token whose iss names another tenant than its tid', async () => {
      const server = await start({ entra: true });
      // A multi-tenant Entra document: the issuer is a template the token's tid fills in.
      server.discovery.issuer = `${server.origin}/{tenantid}/v2.0`;
      server.discovery.authorization_response_iss_parameter_supported = false;
      const options = { redirect: { iss: undefined } };
      await expectRefused(server, (nonce) => server.idToken({ nonce, tid: 'tenant-a', iss: `${server.origin}/tenant-b/v2.0` }), 'iss', options);
      const ok = await redeem(server, (nonce) => server.idToken({ nonce, tid: 'tenant-a', iss: `${server.origin}/tenant-a/v2.0` }), options);
      await expect(ok.outcome).resolves.toMatchObject({ tenantId: 'tenant-a' });
    });
  });

  describe('refresh (OpenID Connect Core 12.2)', () => {
    const clientInfo = (uid: string, utid: string) => Buffer.from(JSON.stringify({ uid, utid })).toString('base64url');

    /** Signs in as user-1, then makes the token endpoint answer refreshes with `refreshBody`. */
    async function signedIn(server: HostileServer, extra: Record<string, unknown> = {}) {
      const h = publicClient(server);
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }), ...extra }) }));
      const redirect = server.entra ? redirectFor(flow, server, { iss: undefined }) : redirectFor(flow, server);
      const result = await h.app.acquireTokenByAuthCodeFlow(flow, redirect);
      return { h, account: result.account! };
    }

    it('refuses a refreshed ID token for another subject (no token substitution into the account)', async () => {
      const server = await start();
      const { h, account } = await signedIn(server);
      expect(account.homeAccountId).toBe('user-1');
      const before = h.app.tokenCache.serialize();
      const storeBefore = [...h.store.data.values()];
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ sub: 'user-2', preferred_username: 'mallory' }) }) }));
      await refusal(h.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true }), ValidationError, 'invalid_sub');
      expect(h.app.tokenCache.serialize()).toBe(before);
      expect([...h.store.data.values()]).toEqual(storeBefore);
      // The same subject refreshes fine.
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({}) }) }));
      await expect(h.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true })).resolves.toMatchObject({ fromCache: false });
    });

    it('refuses an Entra refresh whose client_info names another user', async () => {
      const server = await start({ entra: true });
      server.discovery.authorization_response_iss_parameter_supported = false;
      const { h, account } = await signedIn(server, { client_info: clientInfo('uid-1', 'utid-1') });
      expect(account.homeAccountId).toBe('uid-1.utid-1');
      const before = h.app.tokenCache.serialize();
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ oid: 'oid-2' }), client_info: clientInfo('uid-2', 'utid-1') }) }));
      await refusal(h.app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true }), ValidationError, 'invalid_sub');
      expect(h.app.tokenCache.serialize()).toBe(before);
    });
  });

  describe('form and signature', () => {
    it('refuses alg "none" even with signature checks off', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => unsignedToken({ iss: server.issuer, aud: server.clientId, sub: 's', exp: now() + 600, nonce }), 'alg');
      // Any spelling of none.
      const shouty = (nonce: string) =>
        unsignedToken({ iss: server.issuer, aud: server.clientId, sub: 's', exp: now() + 600, nonce }).replace(
          /^[^.]+/,
          Buffer.from(JSON.stringify({ alg: 'NoNe' })).toString('base64url'),
        );
      await expectRefused(server, shouty, 'alg');
      expect(server.count('jwks')).toBe(0);
    });

    it('refuses HS256 signed with the published public key (algorithm confusion)', async () => {
      const server = await start();
      const h = await expectRefused(
        server,
        (nonce) => server.idToken({ nonce }, { alg: 'HS256', key: new TextEncoder().encode(server.keys.publicPem) }),
        'alg',
        verifying,
      );
      expect(h).toBeDefined();
    });

    it('names the refused algorithm and what to configure (a provider signing ID tokens with HS256, as older Auth0 apps)', async () => {
      const server = await start();
      const { outcome } = await redeem(server, (nonce) => server.idToken({ nonce }, { alg: 'HS256', key: new TextEncoder().encode('a-client-secret-of-32-bytes-or-more!') }), verifying);
      const error = await refusal(outcome, ValidationError, 'invalid_alg');
      expect(error.message).toMatch(/signed with HS256, .*RS256/);
    });

    it('refuses a bad signature from a known kid, fetching the JWKS once', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce }, { key: server.keys.rogueKey }), 'signature', verifying);
      expect(server.count('jwks')).toBe(1);
    });

    it('refuses a tampered payload', async () => {
      const server = await start();
      await expectRefused(
        server,
        async (nonce) => {
          const [header, , signature] = (await server.idToken({ nonce })).split('.');
          const forged = Buffer.from(JSON.stringify({ iss: server.issuer, aud: server.clientId, sub: 'admin', exp: now() + 600, nonce })).toString('base64url');
          return `${header}.${forged}.${signature}`;
        },
        'signature',
        verifying,
      );
    });

    it('refuses an unknown kid after refetching the JWKS at most once', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce }, { key: server.keys.rogueKey, kid: 'rotated-key' }), 'signature', verifying);
      expect(server.count('jwks')).toBe(2);
    });

    it('refuses a token without kid signed by an unpublished key', async () => {
      const server = await start();
      await expectRefused(server, (nonce) => server.idToken({ nonce }, { key: server.keys.rogueKey, kid: null }), 'signature', verifying);
    });

    it('recovers from key rotation: an unknown kid that the refetched JWKS names is accepted', async () => {
      const server = await start();
      // First JWKS lacks the key, the refetched one has it.
      const rotated = { ...server.keys.publicJwk, kid: 'new-key' };
      server.on('jwks', { body: { keys: [] } }, { body: { keys: [rotated] } });
      const { outcome } = await redeem(server, (nonce) => server.idToken({ nonce }, { kid: 'new-key' }), verifying);
      await expect(outcome).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(2);
    });

    it('stops trusting a key the issuer withdrew once the cached key set is ten minutes old', async () => {
      const server = await start();
      // The first key set has the signing key; every later one lacks it (withdrawn, e.g. compromised).
      server.on('jwks', { body: { keys: [server.keys.publicJwk] } }, { body: { keys: [] } });
      const signIn = verifyingSignIns(server);
      vi.useFakeTimers({ toFake: ['Date'] });
      await expect(signIn()).resolves.toMatchObject({ fromCache: false });
      vi.setSystemTime(Date.now() + 9 * 60 * 1000);
      await expect(signIn()).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(1);
      vi.setSystemTime(Date.now() + 2 * 60 * 1000);
      await refusal(signIn(), ValidationError, 'invalid_signature');
    });

    it('keeps verifying with an aged key set while the JWKS cannot be fetched (an outage is not a withdrawal)', async () => {
      const server = await start();
      // The key set, then an outage (404: no retries), then the set without the key (withdrawn).
      server.on('jwks', { body: { keys: [server.keys.publicJwk] } }, { status: 404, body: 'gone' }, { body: { keys: [] } });
      const signIn = verifyingSignIns(server);
      vi.useFakeTimers({ toFake: ['Date'] });
      await expect(signIn()).resolves.toMatchObject({ fromCache: false });
      vi.setSystemTime(Date.now() + 11 * 60 * 1000);
      await expect(signIn()).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(2);
      // The JWKS answers again, without the key: the withdrawal takes effect.
      await refusal(signIn(), ValidationError, 'invalid_signature');
    });

    it('refetches at most once a minute for a kid the refetched JWKS still lacks (a provider signing with a key it does not publish)', async () => {
      const server = await start();
      const signIn = verifyingSignIns(server, { kid: 'not-yet' });
      vi.useFakeTimers({ toFake: ['Date'] });
      for (let i = 0; i < 3; i++) await refusal(signIn(), ValidationError, 'invalid_signature');
      // The first fetch and one refetch, not one per sign-in.
      expect(server.count('jwks')).toBe(2);
      // Published now: seen at the first sign-in a minute after the refetch that lacked it.
      server.jwks = { keys: [server.keys.publicJwk, { ...server.keys.publicJwk, kid: 'not-yet' }] };
      await refusal(signIn(), ValidationError, 'invalid_signature');
      expect(server.count('jwks')).toBe(2);
      vi.setSystemTime(Date.now() + 61_000);
      await expect(signIn()).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(3);
    });

    it('does not refetch the JWKS for every token with an unknown kid beyond once per token', async () => {
      const server = await start();
      const h = publicClient(server, verifying.app);
      for (let i = 0; i < 3; i++) {
        const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
        server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }, { key: server.keys.rogueKey, kid: `k${i}` }) }) }));
        await refusal(h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server)), ValidationError, 'invalid_signature');
      }
      // 1 initial fetch + at most one refetch per token.
      expect(server.count('jwks')).toBeLessThanOrEqual(1 + 3);
      expectUntouched(h);
    });

    it('refuses malformed JWTs', async () => {
      const server = await start();
      for (const bad of ['not-a-jwt', 'a.b', 'a.b.c', '..', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm90IGpzb24.sig`]) {
        await expectRefused(server, () => bad, 'jwt');
      }
    });

    it('refuses a JWT whose payload is JSON but not an object of claims', async () => {
      const server = await start();
      const key = server.keys.privateKey;
      const arrayPayload = async () => {
        const good = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(key);
        const [h] = good.split('.');
        return `${h}.${Buffer.from('[1,2,3]').toString('base64url')}.sig`;
      };
      await expectRefused(server, arrayPayload, 'jwt');
    });
  });
});
