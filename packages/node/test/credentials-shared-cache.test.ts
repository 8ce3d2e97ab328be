import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PublicClientApplication, TokenCache } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { CredentialUnavailableError, SharedTokenCacheCredential, defaultSharedCachePath } from '../src/index.js';
import { useDevAuthority, useTempDir } from './credentials-helpers.js';

const SCOPE = 'api.read';

/** Signs users in through core with the native client and writes the cache as a developer tool would. */
async function writeSharedCache(issuer: string, clientId: string, path: string, usernames: string[]): Promise<Map<string, string>> {
  const app = new PublicClientApplication({ clientId, authority: issuer });
  const tokens = new Map<string, string>();
  for (const username of usernames) {
    const flow = await app.initiateAuthCodeFlow({ scopes: [SCOPE], redirectUri: 'http://127.0.0.1:53682/' });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    tokens.set(username, (await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).accessToken);
  }
  await writeFile(path, app.tokenCache.serialize());
  return tokens;
}

describe('SharedTokenCacheCredential', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();
  const credential = (path: string, options: { username?: string; tenantId?: string } = {}) =>
    new SharedTokenCacheCredential({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cachePath: path, ...options });

  it('selects the account by username and answers from the cached token', async () => {
    const path = join(tmp.path, 'two-users.msal.cache');
    const tokens = await writeSharedCache(idp.current.issuer, idp.current.clients.native.clientId, path, ['ada', 'grace']);
    idp.current.clearRequests();
    expect((await credential(path, { username: 'Grace' }).getToken(SCOPE)).token).toBe(tokens.get('grace'));
    // tenantId has no meaning for a generic issuer: ignored for selection and requests.
    expect((await credential(path, { username: 'ada', tenantId: 'ignored' }).getToken(SCOPE, { tenantId: 'x' })).token).toBe(tokens.get('ada'));
    expect(idp.current.requests.filter((r) => r.path === '/token')).toHaveLength(0);
  });

  it('asks to disambiguate when several accounts match', async () => {
    const path = join(tmp.path, 'ambiguous.msal.cache');
    await writeSharedCache(idp.current.issuer, idp.current.clients.native.clientId, path, ['ada', 'grace']);
    const error = await credential(path).getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toMatch(/Multiple accounts were found in the cache\. Use username and tenantId to disambiguate/);
  });

  it('is unavailable when no account matches, when the cache is empty or missing, and when it is not plain JSON', async () => {
    const path = join(tmp.path, 'one-user.msal.cache');
    await writeSharedCache(idp.current.issuer, idp.current.clients.native.clientId, path, ['ada']);
    const noMatch = await credential(path, { username: 'nobody' }).getToken(SCOPE).catch((e) => e);
    expect(noMatch).toBeInstanceOf(CredentialUnavailableError);
    expect(noMatch.message).toContain('No account matching username "nobody" was found in the cache');

    // Another client's tokens are not ours to use.
    const otherClient = new SharedTokenCacheCredential({ clientId: 'another-client', authority: idp.current.issuer, cachePath: path });
    await expect(otherClient.getToken(SCOPE)).rejects.toThrow(/No accounts were found in the cache/);

    const empty = join(tmp.path, 'empty.msal.cache');
    await writeFile(empty, '');
    await expect(credential(empty).getToken(SCOPE)).rejects.toThrow(/No accounts were found in the cache/);
    await expect(credential(join(tmp.path, 'missing.msal.cache')).getToken(SCOPE)).rejects.toBeInstanceOf(CredentialUnavailableError);

    // An encrypted cache of another tool (DPAPI, Keychain) is reported and left exactly as it was.
    const encrypted = join(tmp.path, 'encrypted.msal.cache');
    const bytes = Buffer.from([0x01, 0x00, 0x00, 0x00, 0xd0, 0x8c, 0x9d, 0xdf, 0x01, 0x15]);
    await writeFile(encrypted, bytes);
    await expect(credential(encrypted).getToken(SCOPE)).rejects.toThrow(/not a plain cache JSON file/);
    expect(await readFile(encrypted)).toEqual(bytes);
    expect((await readdir(tmp.path)).filter((f) => f.includes('.corrupt-'))).toEqual([]);

    // Sections of other tools, whatever their shape, are not a reason to touch the file.
    const foreign = join(tmp.path, 'foreign.msal.cache');
    await writeFile(foreign, '{"Account":{},"Version":1}');
    await expect(credential(foreign).getToken(SCOPE)).rejects.toThrow(/No accounts were found in the cache/);
    expect(await readFile(foreign, 'utf8')).toBe('{"Account":{},"Version":1}');
  });

  it('defaults to the cache Microsoft developer tools share', () => {
    expect(defaultSharedCachePath()).toMatch(/[/\\]\.IdentityService[/\\]msal\.cache$/);
  });
});

describe('SharedTokenCacheCredential silent refresh', () => {
  // 3 s tokens are inside core's expiry margin (at least 5 s): the credential must use the refresh token.
  const idp = useDevAuthority({ accessTokenTtl: 3 });
  const tmp = useTempDir();

  it('refreshes with the cached refresh token and writes the new tokens back into the file', async () => {
    const path = join(tmp.path, 'msal.cache');
    const clientId = idp.current.clients.native.clientId;
    await writeSharedCache(idp.current.issuer, clientId, path, ['ada']);
    const before = new TokenCache();
    before.deserialize(await readFile(path, 'utf8'));
    const oldRefreshToken = before.findRefreshToken('ada', new URL(idp.current.issuer).host, clientId)!.secret;

    idp.current.clearRequests();
    const token = await new SharedTokenCacheCredential({ username: 'ada', clientId, authority: idp.current.issuer, cachePath: path }).getToken(SCOPE);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);

    const after = new TokenCache();
    after.deserialize(await readFile(path, 'utf8'));
    const newRefreshToken = after.findRefreshToken('ada', new URL(idp.current.issuer).host, clientId)!.secret;
    expect(newRefreshToken).not.toBe(oldRefreshToken); // the dev authority rotates refresh tokens
    const secrets = [...after.entries('AccessToken')].map(([, at]) => at.secret);
    expect(secrets).toEqual([token.token]);
  });
});
