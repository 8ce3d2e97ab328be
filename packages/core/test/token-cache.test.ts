import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CacheFormatError, TokenCache } from '../src/cache/token-cache.js';
import { accountKey, credentialKey } from '../src/cache/schema.js';

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
