// Azure AD B2C, Entra External ID (CIAM), the sovereign clouds, look-alike hosts and Entra's error
// bodies, against a stub that plays Microsoft's hosts under their real names (see the stub).
import { describe, expect, it } from 'vitest';
import {
  type AuthCodeFlow,
  ConfidentialClientApplication,
  ConfigurationError,
  InvalidResponseError,
  PublicClientApplication,
  ServerError,
  TokenCache,
  resolveAuthority,
} from '../src/index.js';
import { looksLikeEntra } from '../src/authority/instance-discovery.js';
import { CLIENT_ID, EMAIL, OID, TID, useEntraCloudsStub } from './support/entra-clouds-stub.js';

const SCOPES = ['https://api.contoso.com/read'];
const REDIRECT = 'http://localhost:8400';
const entra = useEntraCloudsStub();
const paths = () => entra.paths();
const publicApp = (authority: string, extra: Record<string, unknown> = {}) =>
  new PublicClientApplication({ clientId: CLIENT_ID, authority, httpClient: entra.current.http, retry: false, ...extra });

/** A full sign-in: authorize URL (nonce), then the code at the token endpoint. */
async function signIn(app: PublicClientApplication) {
  const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
  // The stub keeps no sessions: the code carries the nonce a real server remembers from /authorize.
  return app.acquireTokenByAuthCodeFlow(flow, { code: `code.${flow.nonce}`, state: flow.state });
}

describe('Azure AD B2C', () => {
  it.each([
    ['policy path with /v2.0', 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/v2.0', '/contoso.onmicrosoft.com/B2C_1_susi'],
    ['tfp path', 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi', '/tfp/contoso.onmicrosoft.com/B2C_1_susi'],
  ])('signs in with the %s: discovery where B2C serves it, its GUID issuer, a policy-keyed account', async (_name, authority, base) => {
    const app = publicApp(authority);
    expect(app.authority).toMatchObject({ kind: 'entra', policy: 'B2C_1_susi', tenant: 'contoso.onmicrosoft.com', environment: 'contoso.b2clogin.com' });
    const result = await signIn(app);
    // B2C hosts are Microsoft's: trusted without instance discovery, as msal-node's knownAuthorities.
    expect(paths()).toEqual([
      `contoso.b2clogin.com${base}/v2.0/.well-known/openid-configuration`,
      'contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token',
    ]);
    expect(entra.current.seen.at(-1)!.body.get('client_info')).toBe('1');
    expect(result.account).toMatchObject({
      homeAccountId: `${OID}-b2c_1_susi.${TID}`,
      environment: 'contoso.b2clogin.com',
      tenantId: TID,
      localAccountId: OID,
      username: EMAIL, // from B2C's emails[] (no preferred_username)
      authorityType: 'MSSTS',
    });
    expect(Object.keys(JSON.parse(app.tokenCache.serialize()).Account)).toEqual([`${OID}-b2c_1_susi.${TID}-contoso.b2clogin.com-${TID}`]);
  });

  it('keeps each policy (sign-up/sign-in, profile edit, password reset) its own account, as MSAL does', async () => {
    const tokenCache = new TokenCache();
    const b2c = (policy: string) => publicApp(`https://contoso.b2clogin.com/contoso.onmicrosoft.com/${policy}`, { tokenCache });
    const susi = b2c('B2C_1_susi');
    const first = await signIn(susi);
    const edited = await signIn(b2c('B2C_1_edit'));
    const reset = await signIn(b2c('B2C_1_reset'));
    expect([first, edited, reset].map((r) => r.account!.homeAccountId)).toEqual([
      `${OID}-b2c_1_susi.${TID}`,
      `${OID}-b2c_1_edit.${TID}`,
      `${OID}-b2c_1_reset.${TID}`,
    ]);
    const accounts = await susi.getAccounts();
    expect(accounts.map((a) => a.homeAccountId).sort()).toEqual([`${OID}-b2c_1_edit.${TID}`, `${OID}-b2c_1_reset.${TID}`, `${OID}-b2c_1_susi.${TID}`]);
    expect(new Set(accounts.map((a) => a.username))).toEqual(new Set([EMAIL]));

    // The sign-in account's tokens stay its own: a cache hit, then a refresh at its policy.
    const hit = await susi.acquireTokenSilent({ scopes: SCOPES, account: first.account! });
    expect(hit).toMatchObject({ fromCache: true, accessToken: first.accessToken });
    entra.current.seen.length = 0;
    const refreshed = await susi.acquireTokenSilent({ scopes: SCOPES, account: first.account!, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.account!.homeAccountId).toBe(`${OID}-b2c_1_susi.${TID}`);
    const sent = entra.current.seen.find((s) => s.path.endsWith('/token'))!;
    expect(sent.path).toBe('/contoso.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token');
    expect(sent.body.get('refresh_token')).toBe(`rt-${/\d+$/.exec(first.accessToken)![0]}`);
    expect((await susi.getAccounts()).length).toBe(3);
    // A policy belongs to one tenant: a per-request tenant is a configuration error, sent nowhere.
    entra.current.seen.length = 0;
    await expect(susi.acquireTokenSilent({ scopes: SCOPES, account: first.account!, tenant: 'fabrikam.onmicrosoft.com', forceRefresh: true })).rejects.toBeInstanceOf(ConfigurationError);
    expect(entra.current.seen).toEqual([]);
  });

  it('works on a custom domain listed in knownAuthorities, which an unlisted one never reaches', async () => {
    const authority = `https://login.contoso.com/${TID}/B2C_1_susi`;
    const trusted = publicApp(authority, { knownAuthorities: ['login.contoso.com'] });
    const result = await signIn(trusted);
    expect(result.account!.homeAccountId).toBe(`${OID}-b2c_1_susi.${TID}`);
    expect(paths().some((p) => p.includes('/discovery/instance'))).toBe(false);

    // Without knownAuthorities, a tenant-GUID path on an unknown host looks like Entra: instance discovery refuses it.
    entra.current.seen.length = 0;
    await expect(signIn(publicApp(authority))).rejects.toMatchObject({ code: 'invalid_instance' });
    expect(entra.current.seen.map((s) => s.host)).toEqual(['login.microsoftonline.com']);
  });
});

describe('Entra External ID (CIAM)', () => {
  it.each([
    ['no path', 'https://contoso.ciamlogin.com', '/contoso.onmicrosoft.com'],
    ['the tenant domain', 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com', '/contoso.onmicrosoft.com'],
    ['the tenant GUID', `https://contoso.ciamlogin.com/${TID}`, `/${TID}`],
  ])('is an Entra authority with %s: MSAL-shaped account, GUID-host issuer accepted', async (_name, authority, tenantPath) => {
    const app = publicApp(authority);
    expect(app.authority).toMatchObject({ kind: 'entra', url: `https://contoso.ciamlogin.com${tenantPath}` });
    const result = await signIn(app);
    expect(paths()[0]).toBe(`contoso.ciamlogin.com${tenantPath}/v2.0/.well-known/openid-configuration`);
    expect(paths().some((p) => p.includes('/discovery/instance'))).toBe(false);
    expect(result.account).toMatchObject({ homeAccountId: `${OID}.${TID}`, tenantId: TID, localAccountId: OID, environment: 'contoso.ciamlogin.com', authorityType: 'MSSTS' });
    // preferred_username is empty: the next claim (email) names the user.
    expect(result.account!.username).toBe(EMAIL);
  });

  it('works with knownEntraHosts too', async () => {
    const result = await signIn(publicApp('https://contoso.ciamlogin.com/contoso.onmicrosoft.com', { knownEntraHosts: ['contoso.ciamlogin.com'] }));
    expect(result.account!.homeAccountId).toBe(`${OID}.${TID}`);
  });

  it('refuses an issuer on another tenant\'s ciamlogin host', () => {
    // The issuer host label must be the tenant the issuer path or authority names.
    const app = publicApp('https://contoso.ciamlogin.com');
    const doc = JSON.stringify({ issuer: `https://fabrikam.ciamlogin.com/${TID}/v2.0`, token_endpoint: 'https://contoso.ciamlogin.com/x/oauth2/v2.0/token' });
    const withDoc = new PublicClientApplication({ clientId: CLIENT_ID, authority: app.authority.url, authorityMetadata: doc, httpClient: entra.current.http });
    return expect(withDoc.acquireTokenByCode('c', { scopes: SCOPES, redirectUri: REDIRECT })).rejects.toMatchObject({ code: 'invalid_issuer' });
  });
});

describe('Entra clouds and unknown hosts', () => {
  it.each(['login.sovcloud-identity.fr', 'login.sovcloud-identity.de', 'login.sovcloud-identity.sg', 'login-us.microsoftonline.com'])(
    '%s is a built-in Entra cloud: v2.0 endpoints, client_info accounts, no instance discovery',
    async (host) => {
      const app = publicApp(`https://${host}/${TID}`);
      expect(app.authority.kind).toBe('entra');
      const result = await signIn(app);
      expect(paths()).toEqual([`${host}/${TID}/v2.0/.well-known/openid-configuration`, `${host}/${TID}/oauth2/v2.0/token`]);
      expect(result.account).toMatchObject({ homeAccountId: `${OID}.${TID}`, environment: host, authorityType: 'MSSTS' });
    },
  );

  it("redeems a flow where its issuer's tokens are: tenant and multi-tenant, domain and GUID; another cloud's flow is refused unsent", async () => {
    const redeem = (app: PublicClientApplication, flow: AuthCodeFlow, tenant?: string) =>
      app.acquireTokenByAuthCodeFlow(flow, { code: `code.${flow.nonce}`, state: flow.state }, { tenant });
    const common = publicApp('https://login.microsoftonline.com/common');
    const tokenPaths = () => paths().filter((p) => p.endsWith('/token'));
    // A tenant's flow at the multi-tenant client, and a common flow redeemed for a tenant (by domain).
    const ofTenant = await common.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT, tenant: TID });
    expect((await redeem(common, ofTenant)).tenantId).toBe(TID);
    const ofCommon = await common.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    expect((await redeem(common, ofCommon, 'contoso.onmicrosoft.com')).tenantId).toBe(TID);
    // A flow of the tenant's domain authority at a client of its GUID authority.
    const byDomain = await publicApp('https://login.microsoftonline.com/contoso.onmicrosoft.com').initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    expect((await redeem(publicApp(`https://login.microsoftonline.com/${TID}`), byDomain)).tenantId).toBe(TID);
    expect(tokenPaths()).toEqual([
      'login.microsoftonline.com/common/oauth2/v2.0/token',
      'login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      `login.microsoftonline.com/${TID}/oauth2/v2.0/token`,
    ]);

    // US Government's sign-in handed to the public cloud's client: refused, no code sent there.
    const usFlow = await publicApp('https://login.microsoftonline.us/common').initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT });
    entra.current.seen.length = 0;
    const error = await redeem(common, usFlow).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'authority_mismatch', message: expect.stringContaining('started at https://login.microsoftonline.us/common') });
    expect(tokenPaths()).toEqual([]);
  });

  it('refuses a look-alike host that instance discovery rejects before the code or secret is sent', async () => {
    const authority = 'https://login.microsoftonline.com.evil.example/contoso.onmicrosoft.com';
    const app = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 'the-secret', authority, httpClient: entra.current.http, retry: false });
    const error = await app.acquireTokenByCode('the-code', { scopes: SCOPES, redirectUri: REDIRECT }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'invalid_instance', message: expect.stringContaining('AADSTS50049: Unknown or invalid instance') });
    expect(entra.current.seen.map((s) => s.host)).toEqual(['login.microsoftonline.com']);
    expect(entra.current.seen.some((s) => JSON.stringify([...s.body, ...s.query]).includes('the-secret') || JSON.stringify([...s.body]).includes('the-code'))).toBe(false);
    // App-only tokens too.
    await expect(app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] })).rejects.toMatchObject({ code: 'invalid_instance' });
    expect(entra.current.seen.filter((s) => s.host !== 'login.microsoftonline.com')).toEqual([]);
  });

  it('runs a private cloud through instance discovery and accepts it when Entra does', async () => {
    const app = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's', authority: `https://login.private-cloud.example/${TID}`, httpClient: entra.current.http, knownEntraHosts: ['login.private-cloud.example'] });
    const r = await app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] });
    expect(r.accessToken).toBe('app-token-login.private-cloud.example');
    expect(paths()[0]).toBe('login.microsoftonline.com/common/discovery/instance');
    expect(entra.current.seen[0]!.query.get('authorization_endpoint')).toBe(`https://login.private-cloud.example/${TID}/oauth2/v2.0/authorize`);
  });

  it('makes generic OIDC an explicit choice on Entra-looking hosts (oidcAuthority), with no instance discovery', async () => {
    const issuer = 'https://login.microsoftonline.com.evil.example/contoso.onmicrosoft.com';
    const app = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's', oidcAuthority: issuer, httpClient: entra.current.http, retry: false });
    expect(app.authority.kind).toBe('oidc');
    await app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] });
    expect(paths()[0]).toBe('login.microsoftonline.com.evil.example/contoso.onmicrosoft.com/.well-known/openid-configuration');
    expect(paths().some((p) => p.includes('/discovery/instance'))).toBe(false);
  });

  it('classifies URLs: Entra-looking hosts or tenant paths are Entra, other hosts and loopback stay generic OIDC', () => {
    const kind = (authority: string) => resolveAuthority({ authority }, looksLikeEntra);
    expect(kind('https://login.microsoftonline.com.evil.example/common')).toMatchObject({ kind: 'entra', needsInstanceDiscovery: true });
    expect(kind(`https://idp.example.com/${TID}`)).toMatchObject({ kind: 'entra', needsInstanceDiscovery: true });
    expect(kind('https://contoso.b2clogin.com.evil.example/tfp/x/B2C_1_a')).toMatchObject({ kind: 'entra', needsInstanceDiscovery: true });
    expect(kind('https://login.microsoftonline.com/contoso')).toMatchObject({ kind: 'entra', needsInstanceDiscovery: false });
    expect(kind('https://idp.example.com/realms/x').kind).toBe('oidc');
    expect(kind('https://tenant.okta.com/oauth2/default').kind).toBe('oidc');
    expect(kind('https://accounts.google.com').kind).toBe('oidc');
    expect(kind(`http://127.0.0.1:3000/${TID}`).kind).toBe('oidc');
    expect(kind('http://localhost:3000/common').kind).toBe('oidc');
    expect(resolveAuthority({ authority: `https://idp.example.com/${TID}`, knownAuthorities: ['idp.example.com'] })).toMatchObject({ kind: 'entra', needsInstanceDiscovery: false });
    // Without the classifier (@tessera/browser: no instance discovery there) unknown hosts stay generic OIDC.
    expect(resolveAuthority({ authority: `https://idp.example.com/${TID}` }).kind).toBe('oidc');
  });
});

describe("Entra's error details", () => {
  it('keeps the AADSTS text and ids when discovery fails for an unknown tenant', async () => {
    const app = publicApp('https://login.microsoftonline.com/nosuchtenant.onmicrosoft.com');
    const error = await signIn(app).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ code: 'discovery_failed', status: 400, message: expect.stringContaining("AADSTS90002: Tenant 'nosuchtenant.onmicrosoft.com' not found") });
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(ServerError);
    // Entra names the failed request by the client-request-id it was sent.
    const sentId = entra.current.seen.at(-1)!.headers['client-request-id'];
    expect(sentId).toBe((error as InvalidResponseError).correlationId);
    expect(cause).toMatchObject({ error: 'invalid_tenant', errorCodes: [90002], timestamp: '2026-12-07 10:00:00Z', traceId: '0b5f4c1e-1c2d-4e5f-8a9b-000000000001', correlationId: sentId });
  });

  it('carries timestamp, trace and correlation ids on token errors', async () => {
    const app = publicApp(`https://login.microsoftonline.com/${TID}`);
    const error = await app.acquireTokenByCode('bad-code', { scopes: SCOPES, redirectUri: REDIRECT }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    const sentId = entra.current.seen.at(-1)!.headers['client-request-id'];
    expect(error).toMatchObject({ error: 'invalid_grant', errorCodes: [70000], timestamp: '2026-12-07 10:00:00Z', traceId: '0b5f4c1e-1c2d-4e5f-8a9b-000000000001', correlationId: sentId });
  });
});
