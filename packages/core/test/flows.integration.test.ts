import { approveDeviceCode, completeAuthorization, denyDeviceCode, DEV_PASSWORD_REJECTED } from '@tessera/dev-authority';
import { SignJWT, importPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ConfidentialClientApplication,
  InteractionRequiredError,
  MemoryCacheStore,
  PublicClientApplication,
  ServerError,
  TokenCache,
  ValidationError,
  clearMetadataCache,
  jwksSignatureVerifier,
} from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];

describe('flows against the dev authority', () => {
  const idp = useDevAuthority();

  const confidential = (overrides: Partial<ConstructorParameters<typeof ConfidentialClientApplication>[0]> = {}) =>
    new ConfidentialClientApplication({
      clientId: idp.current.clients.confidential.clientId,
      clientCredential: idp.current.clients.confidential.clientSecret,
      authority: idp.current.issuer,
      ...overrides,
    });
  const native = (overrides: Partial<ConstructorParameters<typeof PublicClientApplication>[0]> = {}) =>
    new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, ...overrides });

  async function signIn(app: PublicClientApplication, username = 'ada') {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return { flow, redirectUrl, result: await app.acquireTokenByAuthCodeFlow(flow, redirectUrl) };
  }

  describe('client credentials', () => {
    it('gets a token with a secret, then serves it from the cache', async () => {
      const app = confidential();
      idp.current.clearRequests();
      const first = await app.acquireTokenForClient({ scopes: SCOPES });
      expect(first.fromCache).toBe(false);
      expect(first.scopes).toContain('api.read');
      const second = await app.acquireTokenForClient({ scopes: SCOPES });
      expect(second.fromCache).toBe(true);
      expect(second.accessToken).toBe(first.accessToken);
      expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    });

    it('makes exactly one token request for 100 concurrent identical calls', async () => {
      const app = confidential();
      idp.current.clearRequests();
      const results = await Promise.all(Array.from({ length: 100 }, () => app.acquireTokenForClient({ scopes: SCOPES })));
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    });

    it('fetches discovery once per authority for every client in the process', async () => {
      clearMetadataCache();
      idp.current.clearRequests();
      await Promise.all([confidential().acquireTokenForClient({ scopes: SCOPES }), confidential().acquireTokenForClient({ scopes: SCOPES })]);
      await confidential().acquireTokenForClient({ scopes: SCOPES });
      expect(idp.current.countRequests({ path: '/.well-known/openid-configuration' })).toBe(1);
    });

    it('keeps discovery documents in an injected httpCache and reuses them after a restart', async () => {
      const stored = new Map<string, string>();
      const httpCache = { get: (k: string) => stored.get(k), set: (k: string, v: string) => void stored.set(k, v) };
      clearMetadataCache();
      await confidential({ httpCache }).acquireTokenForClient({ scopes: SCOPES });
      expect([...stored.keys()]).toEqual([`${idp.current.issuer}/.well-known/openid-configuration`]);
      clearMetadataCache(); // a new process
      idp.current.clearRequests();
      await confidential({ httpCache }).acquireTokenForClient({ scopes: SCOPES });
      expect(idp.current.countRequests({ path: '/.well-known/openid-configuration' })).toBe(0);
    });

    it('reports a wrong secret as the server error invalid_client', async () => {
      const error = await confidential({ clientCredential: 'not-the-secret' }).acquireTokenForClient({ scopes: SCOPES }).catch((e) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error.error).toBe('invalid_client');
      expect(String(error.message)).not.toContain('not-the-secret');
    });

    it('authenticates with a certificate (private_key_jwt, x5t)', async () => {
      const c = idp.current.clients.privateKeyJwt;
      const app = new ConfidentialClientApplication({
        clientId: c.clientId,
        authority: idp.current.issuer,
        clientCredential: { privateKey: c.privateKeyPem, thumbprint: c.thumbprint, publicCertificate: c.certificatePem },
      });
      const result = await app.acquireTokenForClient({ scopes: SCOPES });
      expect(result.accessToken.length).toBeGreaterThan(10);
    });

    it('authenticates with an assertion callback', async () => {
      const c = idp.current.clients.privateKeyJwt;
      const key = await importPKCS8(c.privateKeyPem, 'RS256');
      const audiences: string[] = [];
      const app = new ConfidentialClientApplication({
        clientId: c.clientId,
        authority: idp.current.issuer,
        clientCredential: {
          clientAssertion: async ({ clientId, tokenEndpoint }) => {
            audiences.push(tokenEndpoint);
            return new SignJWT({ jti: crypto.randomUUID() })
              .setProtectedHeader({ alg: 'RS256' })
              .setIssuer(clientId)
              .setSubject(clientId)
              .setAudience(tokenEndpoint)
              .setIssuedAt()
              .setExpirationTime('5m')
              .sign(key);
          },
        },
      });
      await app.acquireTokenForClient({ scopes: SCOPES });
      expect(audiences).toHaveLength(1);
      expect(audiences[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    });
  });

  describe('authorization code with PKCE', () => {
    it('signs in, caches the account, and answers silently from the cache', async () => {
      const app = native();
      const { flow, result } = await signIn(app, 'grace');
      expect(flow.authUri).toContain('code_challenge_method=S256');
      expect(result.idTokenClaims?.sub).toBe('grace');
      expect(result.idTokenClaims?.nonce).toBe(flow.nonce);
      expect(result.account?.username).toBe('grace');
      const accounts = await app.getAccounts();
      expect(accounts.map((a) => a.username)).toEqual(['grace']);
      expect(await app.getAccounts({ username: 'GRACE' })).toHaveLength(1);
      expect(await app.getAccounts({ username: 'someone-else' })).toHaveLength(0);
      expect((await app.getAccount(accounts[0]!.homeAccountId))?.idTokenClaims?.sub).toBe('grace');
      idp.current.clearRequests();
      const silent = await app.acquireTokenSilent({ scopes: SCOPES, account: accounts[0]! });
      expect(silent.fromCache).toBe(true);
      expect(silent.accessToken).toBe(result.accessToken);
      expect(idp.current.requests).toHaveLength(0);
    });

    it('refuses a replayed redirect, and a tampered state, without touching the cache', async () => {
      const app = native();
      const { flow, redirectUrl } = await signIn(app);
      const before = app.tokenCache.serialize();
      // Refused client-side: a flow is redeemed once.
      await expect(app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).rejects.toMatchObject({ code: 'invalid_replay' });
      // The provider refuses the spent code as well.
      const code = new URL(redirectUrl).searchParams.get('code')!;
      await expect(
        app.acquireTokenByCode(code, { scopes: SCOPES, redirectUri: flow.redirectUri, codeVerifier: flow.codeVerifier }),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
      const tampered = redirectUrl.replace(/state=[^&]+/, 'state=forged');
      await expect(app.acquireTokenByAuthCodeFlow(flow, tampered)).rejects.toBeInstanceOf(ValidationError);
      expect(app.tokenCache.serialize()).toBe(before);
    });

    it('receives the RFC 9207 iss parameter and checks it', async () => {
      const app = native();
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
      expect(flow.issRequired).toBe(true);
      const { params } = await completeAuthorization(flow.authUri);
      expect(params.get('iss')).toBe(idp.current.issuer);
      // A mix-up: the same response claiming another issuer is refused before the code is redeemed.
      const forged = new URLSearchParams(params);
      forged.set('iss', 'http://127.0.0.1:1');
      idp.current.clearRequests();
      await expect(app.acquireTokenByAuthCodeFlow(flow, forged)).rejects.toMatchObject({ check: 'iss' });
      expect(idp.current.countRequests({ grantType: 'authorization_code' })).toBe(0);
      const result = await app.acquireTokenByAuthCodeFlow(flow, params);
      expect(result.account?.username).toBe('alice');
    });

    it('supports fragment and form_post response modes', async () => {
      for (const responseMode of ['fragment', 'form_post'] as const) {
        const app = native();
        const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, responseMode });
        const { params } = await completeAuthorization(flow.authUri);
        const result = await app.acquireTokenByAuthCodeFlow(flow, params);
        expect(result.account?.username).toBe('alice');
      }
    });

    it('turns a denied consent into a server error', async () => {
      const app = native();
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, prompt: 'consent' });
      const { redirectUrl } = await completeAuthorization(flow.authUri, { consent: false });
      await expect(app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).rejects.toMatchObject({ code: 'access_denied', error: 'access_denied' });
    });

    it('verifies ID-token signatures against the JWKS when asked', async () => {
      let verified = 0;
      const app = native({
        idTokenSignatureVerifier: (http) => {
          const verify = jwksSignatureVerifier(http);
          return async (idToken, context) => {
            await verify(idToken, context);
            verified++;
          };
        },
      });
      idp.current.clearRequests();
      const { result } = await signIn(app, 'sig');
      expect(result.idTokenClaims?.sub).toBe('sig');
      expect(verified).toBe(1);
      expect(idp.current.countRequests({ path: '/jwks' })).toBe(1);
    });

    it('checks max_age against auth_time', async () => {
      const app = native();
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, maxAge: 600 });
      expect(new URL(flow.authUri).searchParams.get('max_age')).toBe('600');
      const { redirectUrl } = await completeAuthorization(flow.authUri);
      const result = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
      expect(Math.abs(Date.now() / 1000 - Number(result.idTokenClaims?.auth_time))).toBeLessThan(600);
    });

    it('refuses a sign-in older than max_age', async () => {
      const app = native({ clockSkewSeconds: 0 });
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, maxAge: 1 });
      const { redirectUrl } = await completeAuthorization(flow.authUri);
      await new Promise((r) => setTimeout(r, 2100));
      await expect(app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).rejects.toMatchObject({ check: 'auth_time' });
      expect(app.tokenCache.size).toBe(0);
    });
  });

  describe('refresh tokens', () => {
    it('refreshes with forceRefresh, stores the rotated refresh token and refuses the spent one', async () => {
      const app = native();
      const { result } = await signIn(app, 'rota');
      const account = result.account!;
      const rtBefore = [...app.tokenCache.entries('RefreshToken')].map(([, e]) => e.secret);
      expect(rtBefore).toHaveLength(1);
      const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
      expect(refreshed.fromCache).toBe(false);
      expect(refreshed.accessToken).not.toBe(result.accessToken);
      const rtAfter = [...app.tokenCache.entries('RefreshToken')].map(([, e]) => e.secret);
      expect(rtAfter).toHaveLength(1);
      expect(rtAfter[0]).not.toBe(rtBefore[0]);
      // The spent token is refused by the provider: the user has to sign in again.
      const other = native();
      await expect(other.acquireTokenByRefreshToken(rtBefore[0]!, { scopes: SCOPES })).rejects.toBeInstanceOf(InteractionRequiredError);
    });

    it('shares one refresh among concurrent silent calls', async () => {
      const app = native();
      const { result } = await signIn(app, 'flock');
      idp.current.clearRequests();
      const all = await Promise.all(
        Array.from({ length: 20 }, () => app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true })),
      );
      expect(new Set(all.map((r) => r.accessToken)).size).toBe(1);
      expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    });

    it('refreshes when the cached token is about to expire', async () => {
      let now = Math.floor(Date.now() / 1000);
      const app = native({ now: () => now });
      const { result } = await signIn(app, 'later');
      now += 3600; // the 1-hour token is now expired
      idp.current.clearRequests();
      const silent = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account! });
      expect(silent.fromCache).toBe(false);
      expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    });

    it('migrates a refresh token obtained elsewhere into the cache', async () => {
      const source = native();
      await signIn(source, 'migrant');
      const rt = [...source.tokenCache.entries('RefreshToken')][0]![1].secret;
      const app = native();
      const result = await app.acquireTokenByRefreshToken(rt, { scopes: SCOPES });
      expect(result.account?.username).toBe('migrant');
      expect((await app.getAccounts()).map((a) => a.username)).toEqual(['migrant']);
    });

    it('asks for interaction when the account has no refresh token', async () => {
      const app = native();
      const { result } = await signIn(app, 'gone');
      await app.removeAccount(result.account!);
      expect(await app.getAccounts()).toEqual([]);
      expect(app.tokenCache.size).toBe(1); // only AppMetadata remains
      await expect(app.acquireTokenSilent({ scopes: SCOPES, account: result.account! })).rejects.toBeInstanceOf(InteractionRequiredError);
    });
  });

  describe('device code', () => {
    it('polls until the user approves', async () => {
      const app = native();
      const flow = await app.initiateDeviceFlow({ scopes: SCOPES });
      expect(flow.userCode).toBeTruthy();
      expect(flow.verificationUri).toContain(idp.current.issuer);
      expect(flow.interval).toBe(5); // the provider sends none: RFC 8628 default
      flow.interval = 0.3;
      const pending = app.acquireTokenByDeviceFlow(flow);
      await approveDeviceCode(idp.current.issuer, flow.userCode, { username: 'devon' });
      const result = await pending;
      expect(result.account?.username).toBe('devon');
    });

    it('stops with access_denied when the user denies', async () => {
      const app = native();
      const flow = await app.initiateDeviceFlow({ scopes: SCOPES });
      flow.interval = 0.3;
      const pending = app.acquireTokenByDeviceFlow(flow);
      await denyDeviceCode(idp.current.issuer, flow.userCode);
      await expect(pending).rejects.toMatchObject({ code: 'access_denied', error: 'access_denied' });
    });

    it('stops polling when aborted', async () => {
      const app = native();
      const flow = await app.initiateDeviceFlow({ scopes: SCOPES });
      flow.interval = 0.3;
      const controller = new AbortController();
      const pending = app.acquireTokenByDeviceFlow(flow, { signal: controller.signal });
      setTimeout(() => controller.abort(), 500);
      await expect(pending).rejects.toBeInstanceOf(AbortError);
    });
  });

  describe('username/password and on-behalf-of', () => {
    it('signs in with a password and refuses a wrong one', async () => {
      const app = native();
      const result = await app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'pat', password: 'pw' });
      expect(result.account?.username).toBe('pat');
      const error = await app
        .acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'pat', password: DEV_PASSWORD_REJECTED })
        .catch((e) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ code: 'invalid_grant', error: 'invalid_grant' });
    });

    it('exchanges a user token on behalf of the user and caches by assertion', async () => {
      const user = await native().acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'obo-user', password: 'pw' });
      const api = confidential();
      idp.current.clearRequests();
      const first = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user.accessToken });
      const second = await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user.accessToken });
      expect(second.fromCache).toBe(true);
      expect(second.accessToken).toBe(first.accessToken);
      expect(idp.current.countRequests({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' })).toBe(1);
      await expect(api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: 'garbage' })).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('a cache store shared by two clients (two processes)', () => {
    it('sees the other client sign in, and sign out', async () => {
      const store = new MemoryCacheStore();
      const a = native({ cacheStore: store });
      const b = native({ cacheStore: store });
      const { result } = await signIn(a, 'shared');
      const [seenByB] = await b.getAccounts();
      expect(seenByB?.username).toBe('shared');
      idp.current.clearRequests();
      expect((await b.acquireTokenSilent({ scopes: SCOPES, account: seenByB! })).accessToken).toBe(result.accessToken);
      expect(idp.current.requests).toHaveLength(0);
      await b.removeAccount(seenByB!);
      // A still holds the tokens in memory; the store says they are gone, so A must drop them too.
      expect(await a.getAccounts()).toEqual([]);
      await expect(a.acquireTokenSilent({ scopes: SCOPES, account: result.account! })).rejects.toBeInstanceOf(InteractionRequiredError);
    });
  });

  describe('cache interoperability', () => {
    it('writes a cache another client instance can load and use silently', async () => {
      const app = native();
      const { result } = await signIn(app, 'porter');
      const json = app.tokenCache.serialize();
      const parsed = JSON.parse(json);
      expect(Object.keys(parsed).sort()).toEqual(['AccessToken', 'Account', 'AppMetadata', 'IdToken', 'RefreshToken']);
      const account = Object.values(parsed.Account)[0] as Record<string, string>;
      expect(account).toMatchObject({ home_account_id: 'porter', authority_type: 'Generic', username: 'porter' });
      const cache = new TokenCache();
      cache.deserialize(json);
      const restored = native({ tokenCache: cache });
      idp.current.clearRequests();
      const silent = await restored.acquireTokenSilent({ scopes: SCOPES, account: (await restored.getAccounts())[0]! });
      expect(silent.accessToken).toBe(result.accessToken);
      expect(idp.current.requests).toHaveLength(0);
      expect(silent.fromCache).toBe(true);
      expect(silent.account?.username).toBe('porter');
    });
  });
});

describe('device code expiry', () => {
  const idp = useDevAuthority({ deviceCodeTtl: 2 });
  it('stops with expired_token when nobody approves in time', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const flow = await app.initiateDeviceFlow({ scopes: SCOPES });
    expect(flow.expiresIn).toBe(2);
    flow.interval = 0.5;
    const error = await app.acquireTokenByDeviceFlow(flow).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.error).toBe('expired_token');
  });
});
