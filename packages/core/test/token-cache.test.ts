import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CacheFormatError, TokenCache } from '../src/cache/token-cache.js';
import { accountKey, credentialKey } from '../src/cache/schema.js';
import { accountsOf } from '../src/results.js';

const golden = readFileSync(new URL('./fixtures/msal-python-cache.json', import.meta.url), 'utf8');
const HOME = '9f4880d8-80ba-4c40-97bc-f7a23c703084.72f988bf-86f1-41af-91ab-2d7cd011db47';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

describe('TokenCache with MSAL unified schema', () => {
  it('reads a cache written by MSAL and finds its tokens through the indexes', () => {
    const cache = new TokenCache();
    cache.deserialize(golden);
    const at = cache.findAccessToken({
      homeAccountId: HOME,
      environment: 'login.microsoftonline.com',
      clientId: CLIENT,
      realm: TENANT,
      scopes: ['https://management.core.windows.net//.default'],
    });
    expect(at?.secret).toBe('golden-access-token');
    // An alias host of the same cloud finds the same token (MSAL.js writes login.windows.net).
    expect(cache.findRefreshToken(HOME, 'login.windows.net', CLIENT)?.secret).toBe('golden-refresh-token');
    expect(cache.getAccounts().map((a) => a.username)).toEqual(['ada@contoso.com']);
  });

  it('writes back exactly what MSAL wrote, unknown sections and fields included', () => {
    const cache = new TokenCache();
    cache.deserialize(golden);
    expect(JSON.parse(cache.serialize())).toEqual(JSON.parse(golden));
  });

  it('forms keys as msal-node 7 does: 7 parts, scheme last (empty for Bearer); owners keep their case', () => {
    expect(accountKey({ home_account_id: 'u.t', environment: 'Login.Microsoftonline.com', realm: 'T' })).toBe('u.t-login.microsoftonline.com-t');
    // A guest account (realm other than the home tenant) is filed per tenant, as MSAL Python does.
    expect(accountKey({ home_account_id: 'u.t', environment: 'e', realm: 'guest' })).toBe('u.t-e-guest');
    expect(
      credentialKey({ home_account_id: 'u.t', environment: 'e', credential_type: 'AccessToken', client_id: 'C', realm: 'r', target: 'User.Read' }),
    ).toBe('u.t-e-accesstoken-c-r-user.read-');
    expect(
      credentialKey({ home_account_id: 'u.t', environment: 'e', credential_type: 'AccessToken', client_id: 'c', realm: 'r', target: 's', token_type: 'pop' }),
    ).toBe('u.t-e-accesstoken-c-r-s-pop');
    expect(credentialKey({ home_account_id: 'u.t', environment: 'e', credential_type: 'RefreshToken', client_id: 'c' })).toBe('u.t-e-refreshtoken-c---');
    expect(credentialKey({ home_account_id: 'u.t', environment: 'e', credential_type: 'RefreshToken', client_id: 'c', family_id: '1' })).toBe('u.t-e-refreshtoken-1---');
    expect(credentialKey({ home_account_id: 'u.t', environment: 'e', credential_type: 'IdToken', client_id: 'c', realm: 'r' })).toBe('u.t-e-idtoken-c-r--');
    // OIDC subjects are case-sensitive: "Alice" and "alice" are two users with two keys.
    expect(credentialKey({ home_account_id: 'Alice', environment: 'e', credential_type: 'IdToken', client_id: 'c', realm: '' })).toBe('Alice-e-idtoken-c---');
    // On-behalf-of tokens end with the assertion hash (kept as it is: base64url is case-sensitive).
    expect(
      credentialKey({ home_account_id: '', environment: 'e', credential_type: 'AccessToken', client_id: 'c', realm: 'r', target: 's', user_assertion_hash: 'AbC' }),
    ).toBe('-e-accesstoken-c-r-s--AbC');
  });

  it('rejects malformed input with a typed error and keeps what it had', () => {
    const cache = new TokenCache();
    cache.deserialize(golden);
    expect(() => cache.deserialize('{"Account": [1,2]')).toThrow(CacheFormatError);
    expect(() => cache.deserialize('[]')).toThrow(CacheFormatError);
    expect(() => cache.deserialize('{"AccessToken": 5}')).toThrow(CacheFormatError);
    expect(cache.getAccounts()).toHaveLength(1);
  });

  it('keeps malformed entries aside instead of indexing or dropping them', () => {
    const cache = new TokenCache();
    cache.deserialize(JSON.stringify({ AccessToken: { weird: { secret: 42 } } }));
    expect(cache.size).toBe(0);
    expect(JSON.parse(cache.serialize()).AccessToken.weird).toEqual({ secret: 42 });
  });

  it('removes an account with all its credentials and leaves others alone', () => {
    const cache = new TokenCache();
    cache.deserialize(golden);
    cache.upsert('Account', { home_account_id: 'other', environment: 'login.microsoftonline.com', realm: 't', local_account_id: 'o', username: 'bob', authority_type: 'MSSTS' });
    expect(cache.removeAccount(HOME, 'login.microsoftonline.com')).toBe(4);
    expect(cache.getAccounts().map((a) => a.username)).toEqual(['bob']);
    expect(cache.findRefreshToken(HOME, 'login.microsoftonline.com', CLIENT)).toBeUndefined();
  });

  it("an OIDC issuer's removeAccount (realm): everything of the user on the host but what is filed under another issuer's path", () => {
    const ENV = '127.0.0.1:8443';
    const entries = (realm: string) => ({
      account: { home_account_id: 'sam', environment: ENV, realm, local_account_id: 'sam', username: 'sam', authority_type: 'Generic' },
      idToken: { credential_type: 'IdToken' as const, secret: `id-${realm}`, home_account_id: 'sam', environment: ENV, client_id: 'app', realm },
      accessToken: { credential_type: 'AccessToken' as const, secret: `at-${realm}`, home_account_id: 'sam', environment: ENV, client_id: 'app', realm, target: 'api.read', expires_on: '9999999999' },
      refreshToken: { credential_type: 'RefreshToken' as const, secret: `rt-${realm}`, home_account_id: 'sam', environment: ENV, client_id: 'app', ...(realm ? { realm } : {}) },
    });
    const fill = (cache: TokenCache, realm: string) => {
      const e = entries(realm);
      cache.store('Account', e.account);
      cache.store('IdToken', e.idToken);
      cache.store('AccessToken', e.accessToken);
      cache.store('RefreshToken', e.refreshToken);
    };
    const secrets = (cache: TokenCache) => ['IdToken', 'AccessToken', 'RefreshToken'].flatMap((s) => [...cache.entries(s as 'IdToken')].map(([, e]) => e.secret)).sort();

    // Only realms/a: a realmless refresh token (msal-node's, older Tessera's) is a's, and goes with it.
    const alone = new TokenCache();
    fill(alone, 'realms/a');
    alone.store('RefreshToken', entries('').refreshToken);
    expect(alone.findRefreshToken('sam', ENV, 'app', { realm: 'realms/a' })?.secret).toBe('rt-realms/a');
    expect(alone.removeAccount('sam', ENV, 'realms/a')).toBe(5);
    expect(alone.size).toBe(0);

    // realms/a and realms/b: a's go, b's stay. The realmless token may be a's: left with b's account
    // alone, b would take it for its own when it has none (findRefreshToken), so it goes too.
    const shared = new TokenCache();
    fill(shared, 'realms/a');
    fill(shared, 'realms/b');
    shared.store('RefreshToken', entries('').refreshToken);
    expect(shared.removeAccount('SAM', ENV, 'realms/a')).toBe(0);
    expect(shared.removeAccount('sam', ENV, 'REALMS/A')).toBe(5);
    expect(shared.getAccounts().map((a) => a.realm)).toEqual(['realms/b']);
    expect(secrets(shared)).toEqual(['at-realms/b', 'id-realms/b', 'rt-realms/b']);
    expect(shared.findRefreshToken('sam', ENV, 'app', { realm: 'realms/b' })?.secret).toBe('rt-realms/b');
    // Without a realm (Entra): everything of the user on the host, every realm.
    expect(shared.removeAccount('sam', ENV)).toBe(4);
    expect(shared.size).toBe(0);

    // The other issuer is the host's root issuer (path ''), which files its refresh tokens realmless: they are its, and stay.
    const withRoot = new TokenCache();
    fill(withRoot, 'realms/a');
    fill(withRoot, '');
    expect(withRoot.removeAccount('sam', ENV, 'realms/a')).toBe(4);
    expect(secrets(withRoot)).toEqual(['at-', 'id-', 'rt-']);
    expect(withRoot.findRefreshToken('sam', ENV, 'app')?.secret).toBe('rt-');
  });

  it("other tools' accounts of an OIDC issuer (msal-node files them as MSSTS, realm = a claim) name no issuer path: listed, and signed out with the user", () => {
    const ENV = '127.0.0.1:8443';
    const root = { kind: 'oidc' as const, environment: ENV, tenant: '' };
    const cache = new TokenCache();
    // What msal-node writes for a root issuer whose ID token carries acr "1" (Keycloak-style).
    cache.store('Account', { home_account_id: 'sam', environment: ENV, realm: '1', local_account_id: 'sam', username: 'sam', authority_type: 'MSSTS' });
    cache.store('IdToken', { credential_type: 'IdToken', secret: 'id-1', home_account_id: 'sam', environment: ENV, client_id: 'app', realm: '1' });
    cache.store('RefreshToken', { credential_type: 'RefreshToken', secret: 'rt', home_account_id: 'sam', environment: ENV, client_id: 'app' });
    expect(accountsOf(cache, 'app', root).map((a) => a.username)).toEqual(['sam']);
    // Another issuer path on the host lists it too: nothing says whose it is.
    expect(accountsOf(cache, 'app', { ...root, tenant: 'realms/a' })).toHaveLength(1);
    // Not on this host: not this issuer's.
    expect(accountsOf(cache, 'app', { ...root, environment: 'id.example.com' })).toEqual([]);
    // It does not count as an account at another issuer: the sign-out takes all of the user's entries.
    expect(cache.removeAccount('sam', ENV, '')).toBe(3);
    expect(cache.size).toBe(0);
  });

  it("msal-node's OIDC-mode accounts (Generic, realm = an ID-token claim): the ID token's issuer says whose they are, for listing, refresh and sign-out", () => {
    const ENV = '127.0.0.1:8443';
    const root = { kind: 'oidc' as const, environment: ENV, tenant: '' };
    const atPath = (tenant: string) => ({ ...root, tenant });
    const jwt = (claims: object) => `${[{ alg: 'RS256' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.')}.sig`;
    const cache = new TokenCache();
    /** What msal-node's OIDC protocol mode writes for `user` at `issuer` whose ID tokens carry acr "1". */
    const msalOidc = (user: string, issuer: string, idToken = jwt({ iss: issuer, sub: user, acr: '1' })) => {
      cache.store('Account', { home_account_id: user, environment: ENV, realm: '1', local_account_id: user, username: user, authority_type: 'Generic' });
      cache.store('IdToken', { credential_type: 'IdToken', secret: idToken, home_account_id: user, environment: ENV, client_id: 'app', realm: '1' });
      cache.store('RefreshToken', { credential_type: 'RefreshToken', secret: `rt-${user}`, home_account_id: user, environment: ENV, client_id: 'app' });
    };
    msalOidc('sam', `http://${ENV}`);
    msalOidc('kim', `http://${ENV}/realms/a/`);
    // An ID token that cannot be read names no issuer: the realm alone decides (another issuer's).
    msalOidc('lee', '', 'id-1');
    // Tessera's account of sam at realms/b.
    cache.store('Account', { home_account_id: 'sam', environment: ENV, realm: 'realms/b', local_account_id: 'sam', username: 'sam', authority_type: 'Generic' });
    cache.store('IdToken', { credential_type: 'IdToken', secret: jwt({ iss: `http://${ENV}/realms/b`, sub: 'sam' }), home_account_id: 'sam', environment: ENV, client_id: 'app', realm: 'realms/b' });
    const listed = (authority: typeof root) => accountsOf(cache, 'app', authority).map((a) => `${a.username} ${[...a.tenantProfiles!.keys()].join()}`);
    expect(listed(root)).toEqual(['sam 1']);
    expect(listed(atPath('realms/a'))).toEqual(['kim 1']);
    expect(listed(atPath('REALMS/A'))).toEqual(['kim 1']);
    expect(listed(atPath('realms/b'))).toEqual(['sam realms/b']);
    expect(listed({ ...root, environment: 'id.example.com' })).toEqual([]);
    // kim signed in on the host through realms/a alone: msal-node's realmless refresh token is realms/a's, not realms/b's.
    expect(cache.findRefreshToken('kim', ENV, 'app', { realm: 'realms/a' })?.secret).toBe('rt-kim');
    expect(cache.findRefreshToken('kim', ENV, 'app', { realm: 'realms/b' })).toBeUndefined();
    // Signed out at realms/b: its account and ID token go, and the realmless refresh token (whose issuer is unknown); msal-node's root account stays.
    const bOnly = new TokenCache();
    bOnly.deserialize(cache.serialize());
    expect(bOnly.removeAccount('sam', ENV, 'realms/b')).toBe(3);
    expect(accountsOf(bOnly, 'app', root).map((a) => [...a.tenantProfiles!.keys()])).toEqual([['1']]);
    // Signed out at the root: msal-node's account and ID token (realm 1) go with the realmless refresh token; realms/b's stay.
    expect(cache.removeAccount('sam', ENV, '')).toBe(3);
    expect(listed(root)).toEqual([]);
    expect(listed(atPath('realms/b'))).toEqual(['sam realms/b']);
    // Signed out at realms/a: kim's entries go; the other users' stay.
    expect(cache.removeAccount('kim', ENV, 'realms/a')).toBe(3);
    expect(cache.accountsOf('kim')).toEqual([]);
    expect(cache.accountsOf('lee')).toHaveLength(1);
  });

  it('finds a token by any subset of its scopes, and not by a scope it lacks', () => {
    const cache = new TokenCache();
    cache.upsert('AccessToken', {
      credential_type: 'AccessToken', secret: 's', home_account_id: 'h', environment: 'e', client_id: 'c', realm: 'r',
      target: 'api.read api.write', cached_at: '0', expires_on: '9999999999',
    });
    const q = { homeAccountId: 'h', environment: 'e', clientId: 'c', realm: 'r' };
    expect(cache.findAccessToken({ ...q, scopes: ['api.write'] })?.secret).toBe('s');
    expect(cache.findAccessToken({ ...q, scopes: ['api.read', 'api.write'] })?.secret).toBe('s');
    expect(cache.findAccessToken({ ...q, scopes: ['api.admin'] })).toBeUndefined();
    expect(cache.findAccessToken({ ...q, realm: 'other', scopes: ['api.read'] })).toBeUndefined();
  });
});

describe('storing into caches other MSAL libraries wrote', () => {
  const ENV = 'login.microsoftonline.com';
  const rt = (secret: string) => ({ credential_type: 'RefreshToken' as const, secret, home_account_id: HOME, environment: ENV, client_id: CLIENT, family_id: '1' });
  const idt = (secret: string) => ({ credential_type: 'IdToken' as const, secret, home_account_id: HOME, environment: ENV, client_id: CLIENT, realm: TENANT });

  it("replaces MSAL Python's entries (6-part keys) instead of adding a second one, keeping their other fields", () => {
    const cache = new TokenCache();
    cache.deserialize(golden);
    cache.store('RefreshToken', rt('new-refresh-token'));
    cache.store('IdToken', idt('new-id-token'));
    cache.store('Account', {
      home_account_id: HOME, environment: ENV, realm: TENANT, local_account_id: '9f4880d8-80ba-4c40-97bc-f7a23c703084', username: 'ada@contoso.com', authority_type: 'MSSTS',
    });
    const out = JSON.parse(cache.serialize());
    expect(Object.keys(out.RefreshToken)).toEqual([`${HOME}-${ENV}-refreshtoken-1---`]);
    // MSAL Python's `target` on its refresh token is not ours to drop.
    expect(Object.values(out.RefreshToken)[0]).toMatchObject({ secret: 'new-refresh-token', target: expect.stringContaining('user_impersonation') });
    expect(Object.keys(out.IdToken)).toEqual([`${HOME}-${ENV}-idtoken-${CLIENT}-${TENANT}--`]);
    expect(Object.values(out.IdToken)).toMatchObject([{ secret: 'new-id-token' }]);
    // The account key is the same in every MSAL (home tenant); its client_info and time survive.
    expect(Object.values(out.Account)).toMatchObject([{ client_info: expect.any(String), last_modified_time: '1700000000' }]);
    expect(out.MsalExtensionSection).toEqual({ note: { kept: true } });
    expect(cache.findRefreshToken(HOME, ENV, CLIENT)?.secret).toBe('new-refresh-token');
  });

  it("reads msal-node's on-behalf-of tokens (`userAssertionHash`) as the assertion's, not as the empty account's", () => {
    const cache = new TokenCache();
    const at = { credential_type: 'AccessToken', secret: 'obo', home_account_id: '', environment: ENV, client_id: CLIENT, realm: TENANT, target: 'api.read', cached_at: '0', expires_on: '9999999999' };
    cache.deserialize(JSON.stringify({ AccessToken: { '-login.microsoftonline.com-accesstoken-c-t-api.read-': { ...at, userAssertionHash: 'H1' } } }));
    const q = { homeAccountId: '', environment: ENV, clientId: CLIENT, realm: TENANT, scopes: ['api.read'] };
    expect(cache.findAccessToken({ ...q, userAssertionHash: 'H1' })?.secret).toBe('obo');
    expect(cache.findAccessToken({ ...q, userAssertionHash: 'h1' })).toBeUndefined();
    expect(cache.findAccessToken(q)).toBeUndefined();
  });

  it('a new access token replaces those of its scheme whose scopes overlap, without taking their fields', () => {
    const cache = new TokenCache();
    const at = { credential_type: 'AccessToken' as const, home_account_id: 'h', environment: 'e', client_id: 'c', realm: 'r', cached_at: '0', expires_on: '9999999999' };
    cache.store('AccessToken', { ...at, secret: 'ab', target: 'a b', x_tool: 'of ab' } as never);
    cache.store('AccessToken', { ...at, secret: 'dpop', target: 'b', token_type: 'DPoP', key_id: 'k' });
    cache.store('AccessToken', { ...at, secret: 'other', target: 'x' });
    cache.store('AccessToken', { ...at, secret: 'bc', target: 'B c' });
    const q = { homeAccountId: 'h', environment: 'e', clientId: 'c', realm: 'r' };
    // 'a b' shared b with 'B c' and went; the DPoP token (another scheme) and 'x' (no common scope) stay.
    expect(cache.findAccessToken({ ...q, scopes: ['a'] })).toBeUndefined();
    expect(cache.findAccessToken({ ...q, scopes: ['b'] })).toMatchObject({ secret: 'bc' });
    expect(cache.findAccessToken({ ...q, scopes: ['b'] })).not.toHaveProperty('x_tool');
    expect(cache.findAccessToken({ ...q, scopes: ['b'], tokenType: 'DPoP', keyId: 'k' })?.secret).toBe('dpop');
    expect(cache.findAccessToken({ ...q, scopes: ['x'] })?.secret).toBe('other');
    // A DPoP token of a new key replaces the one of the earlier key.
    cache.store('AccessToken', { ...at, secret: 'dpop2', target: 'b', token_type: 'DPoP', key_id: 'k2' });
    expect(cache.findAccessToken({ ...q, scopes: ['b'], tokenType: 'DPoP', keyId: 'k' })).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it("msal-node's attribute-token partition (additionalCacheKeyComponents): not served, not replaced, its components never taken", () => {
    const cache = new TokenCache();
    const at = { credential_type: 'AccessToken' as const, home_account_id: 'h', environment: 'e', client_id: 'c', realm: 'r', target: 'a', cached_at: '0', expires_on: '9999999999' };
    // As msal-node 7 files it: its key ends with the components' hash.
    cache.upsert('AccessToken', { ...at, secret: 'theirs', additionalCacheKeyComponents: { attribute_tokens: 'x' } } as never, 'h-e-accesstoken-c-r-a--hash');
    const q = { homeAccountId: 'h', environment: 'e', clientId: 'c', realm: 'r', scopes: ['a'] };
    expect(cache.findAccessToken(q)).toBeUndefined();
    cache.store('AccessToken', { ...at, secret: 'mine' });
    expect(cache.findAccessToken(q)).toEqual({ ...at, secret: 'mine' });
    expect(cache.get('AccessToken', 'h-e-accesstoken-c-r-a--hash')).toMatchObject({ secret: 'theirs', additionalCacheKeyComponents: { attribute_tokens: 'x' } });
    // Empty components are no partition (as msal-node reads them).
    cache.upsert('AccessToken', { ...at, secret: 'unpartitioned', target: 'b', additionalCacheKeyComponents: {} } as never);
    expect(cache.findAccessToken({ ...q, scopes: ['b'] })?.secret).toBe('unpartitioned');
  });

  it('a refresh token written without a key does not inherit the key of the one it replaces (DPoP turned off)', () => {
    const cache = new TokenCache();
    cache.store('RefreshToken', { ...rt('bound'), key_id: 'k' });
    expect(cache.findRefreshToken(HOME, ENV, CLIENT, { keyId: 'k' })?.secret).toBe('bound');
    cache.store('RefreshToken', rt('plain'));
    // Found by a client without DPoP, and no longer by the old key: it is not bound to it.
    expect(cache.findRefreshToken(HOME, ENV, CLIENT, { keyId: undefined })?.secret).toBe('plain');
    expect(cache.findRefreshToken(HOME, ENV, CLIENT, { keyId: 'k' })).toBeUndefined();
  });

  it('a new access token replaces the same token under an older key shape and keeps unknown fields', () => {
    const cache = new TokenCache();
    const at = { credential_type: 'AccessToken' as const, secret: 'old', home_account_id: 'h', environment: 'e', client_id: 'c', realm: 'r', target: 'a b', cached_at: '0', expires_on: '1', refresh_on: '1' };
    cache.upsert('AccessToken', { ...at, x_tool: 'kept' }, 'h-e-accesstoken-c-r-a b'); // 6-part
    cache.store('AccessToken', { ...at, secret: 'new', target: 'B A', refresh_on: undefined } as never);
    const out = JSON.parse(cache.serialize()).AccessToken;
    expect(Object.keys(out)).toEqual(['h-e-accesstoken-c-r-b a-']);
    // Ours (refresh_on) is what the new token says; other tools' fields survive.
    expect(out['h-e-accesstoken-c-r-b a-']).toMatchObject({ secret: 'new', x_tool: 'kept' });
    expect(out['h-e-accesstoken-c-r-b a-'].refresh_on).toBeUndefined();
  });
});
