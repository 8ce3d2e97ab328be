// Token revocation (RFC 7009) and sign-out with revokeRefreshToken, against the dev authority
// (oidc-provider, its revocation feature on). Each test reads the account's refresh token from the
// cache, shows that the provider takes it, revokes, and shows that the provider now refuses it
// (the provider's own answer to a refresh, not our cache state).
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, NetworkError, TokenRevocationError, ValidationError } from '@tessera/core';
import { join } from 'node:path';
import { type AccountInfo, FileCacheStore, NodeConfidentialClientApplication, NodePublicClientApplication } from '../src/index.js';
import { useTempDir } from './credentials-helpers.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from '../../core/test/helpers.js';

const SCOPES = ['api.read'];
type App = NodePublicClientApplication | NodeConfidentialClientApplication;

describe('token revocation (RFC 7009)', () => {
  // Refresh tokens that do not rotate: the control refresh leaves the token under test valid.
  const idp = useDevAuthority({ rotateRefreshTokens: false });
  const tmp = useTempDir();

  const native = (options: { authorityMetadata?: string } = {}) => new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, ...options });
  const web = () => {
    const { clientId, clientSecret } = idp.current.clients.confidential;
    return new NodeConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: idp.current.issuer });
  };

  async function signIn(app: App, redirectUri = LOOPBACK_REDIRECT): Promise<{ account: AccountInfo; refreshToken: string }> {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const { account } = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    const refreshToken = Object.values(JSON.parse(app.tokenCache.serialize()).RefreshToken as Record<string, { secret: string }>)[0]!.secret;
    return { account: account!, refreshToken };
  }

  /** The provider's answer to a refresh with `refreshToken`, sent by hand (not through Tessera). */
  async function providerRefresh(app: App, refreshToken: string, secret?: string): Promise<{ status: number; error?: string }> {
    const { token_endpoint } = await app.getAuthorityMetadata();
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (secret) headers.authorization = `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}`;
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(secret ? {} : { client_id: app.clientId }) });
    const response = await fetch(token_endpoint, { method: 'POST', headers, body });
    return { status: response.status, error: ((await response.json()) as { error?: string }).error };
  }

  const revocations = () => idp.current.requests.filter((r) => r.path.endsWith('/revocation'));

  it('public client: removeAccount with revokeRefreshToken revokes the refresh token at the provider (client_id in the body), then removes the account', async () => {
    const app = native();
    const { account, refreshToken } = await signIn(app);
    expect(await providerRefresh(app, refreshToken)).toMatchObject({ status: 200 });
    idp.current.clearRequests();

    await app.removeAccount(account, { revokeRefreshToken: true, correlationId: 'sign-out-1' });

    expect(revocations()).toMatchObject([{ method: 'POST', clientId: app.clientId, status: 200, clientRequestId: 'sign-out-1' }]);
    expect(await providerRefresh(app, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await app.getAccounts()).toEqual([]);
  });

  it('confidential client: authenticates at the revocation endpoint as at the token endpoint', async () => {
    const app = web();
    const { clientSecret, redirectUris } = idp.current.clients.confidential;
    const { account, refreshToken } = await signIn(app, redirectUris[0]);
    expect(await providerRefresh(app, refreshToken, clientSecret)).toMatchObject({ status: 200 });
    idp.current.clearRequests();

    await app.removeAccount(account, { revokeRefreshToken: true });

    expect(revocations()).toMatchObject([{ clientId: app.clientId, authMethod: 'client_secret_basic', status: 200 }]);
    expect(await providerRefresh(app, refreshToken, clientSecret)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await app.getAccounts()).toEqual([]);
  });

  it('without the option, removeAccount leaves the refresh token valid at the provider (nothing is sent)', async () => {
    const app = native();
    const { account, refreshToken } = await signIn(app);
    idp.current.clearRequests();
    await app.removeAccount(account);
    expect(revocations()).toEqual([]);
    expect(await providerRefresh(app, refreshToken)).toMatchObject({ status: 200 });
  });

  it("another instance over the same cache file revokes the token the store holds, and the removal is stored", async () => {
    const cacheStore = () => new FileCacheStore({ path: join(tmp.path, 'cache.json'), allowUnencryptedStorage: true });
    const signedIn = new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: cacheStore() });
    const { refreshToken } = await signIn(signedIn);
    const other = new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: cacheStore() });
    const [account] = await other.getAccounts();
    idp.current.clearRequests();
    await other.removeAccount(account!, { revokeRefreshToken: true });
    expect(revocations()).toMatchObject([{ status: 200 }]);
    expect(await providerRefresh(other, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await signedIn.getAccounts()).toEqual([]);
  });

  it('an account without a cached refresh token: removed, nothing sent, no error', async () => {
    const app = native();
    const { account } = await signIn(app);
    app.tokenCache.deserialize(JSON.stringify({ ...JSON.parse(app.tokenCache.serialize()), RefreshToken: {} }));
    idp.current.clearRequests();
    await app.removeAccount(account, { revokeRefreshToken: true });
    expect(revocations()).toEqual([]);
    expect(await app.getAccounts()).toEqual([]);
  });

  it('revokeToken revokes a token given by the app', async () => {
    const app = native();
    const { refreshToken } = await signIn(app);
    await app.revokeToken(refreshToken, { tokenType: 'refresh_token' });
    expect(await providerRefresh(app, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
    await expect(app.revokeToken('', { tokenType: 'refresh_token' })).rejects.toThrow(ConfigurationError);
    await expect(app.revokeToken(refreshToken, { tokenType: 'id_token' as 'access_token' })).rejects.toMatchObject({ code: 'invalid_options' });
  });

  describe('a failed revocation: the account is removed all the same, and a TokenRevocationError says so (never with the token)', () => {
    async function failedSignOut(edit: (discovery: Record<string, unknown>) => void) {
      const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      edit(discovery);
      const app = native({ authorityMetadata: JSON.stringify(discovery) });
      const { account, refreshToken } = await signIn(app);
      const error = (await app.removeAccount(account, { revokeRefreshToken: true }).catch((e: unknown) => e)) as TokenRevocationError;
      expect(error).toBeInstanceOf(TokenRevocationError);
      expect(error.code).toBe('revocation_failed');
      expect(error.message).toMatch(/removed from the cache/);
      expect(await app.getAccounts()).toEqual([]);
      // The token is still good at the provider: the error did not claim otherwise.
      expect(await providerRefresh(app, refreshToken)).toMatchObject({ status: 200 });
      for (let e: unknown = error; e instanceof Error; e = e.cause) expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(refreshToken);
      return error.cause;
    }

    it('no revocation_endpoint in discovery: cause is a ConfigurationError', async () => {
      const cause = await failedSignOut((d) => delete d.revocation_endpoint);
      expect(cause).toBeInstanceOf(ConfigurationError);
      expect(cause).toMatchObject({ code: 'revocation_unsupported' });
    });

    it('the endpoint does not answer: cause is a NetworkError', async () => {
      const cause = await failedSignOut((d) => (d.revocation_endpoint = 'http://127.0.0.1:9/revoke'));
      expect(cause).toBeInstanceOf(NetworkError);
    });

    it('an endpoint that is not an http(s) URL, or http off loopback, is refused by the discovery checks before any request', async () => {
      expect(await failedSignOut((d) => (d.revocation_endpoint = 'javascript:alert(1)'))).toMatchObject({ code: 'invalid_response', message: expect.stringMatching(/revocation_endpoint/) });
      expect(await failedSignOut((d) => (d.revocation_endpoint = 'http://revoke.example/revoke'))).toBeInstanceOf(ValidationError);
    });
  });
});

describe('token revocation of a DPoP-bound refresh token', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: false, dpop: { boundClients: ['tessera-native'] } });

  it('removeAccount with revokeRefreshToken revokes it: the same key can no longer refresh at the provider', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const key = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const app = () => new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, dpop: { key } });
    const signedIn = app();
    const flow = await signedIn.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const { account, tokenType } = await signedIn.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(tokenType).toBe('DPoP');
    // A copy of the cache before sign-out: the key and its refresh token, still usable (control).
    const copy = signedIn.tokenCache.serialize();
    const withCopy = () => {
      const other = app();
      other.tokenCache.deserialize(copy);
      return other;
    };
    expect((await withCopy().acquireTokenSilent({ scopes: SCOPES, account: account!, forceRefresh: true })).tokenType).toBe('DPoP');
    idp.current.clearRequests();

    await signedIn.removeAccount(account!, { revokeRefreshToken: true });

    expect(idp.current.requests.filter((r) => r.path.endsWith('/revocation'))).toMatchObject([{ status: 200 }]);
    const refused = await withCopy().acquireTokenSilent({ scopes: SCOPES, account: account!, forceRefresh: true }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ error: 'invalid_grant' });
    expect(idp.current.requests.filter((r) => r.grantType === 'refresh_token').at(-1)).toMatchObject({ status: 400, error: 'invalid_grant' });
  });
});
