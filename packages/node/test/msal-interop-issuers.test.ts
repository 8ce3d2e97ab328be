// The real @azure/msal-node and Tessera sharing a cache file at OIDC issuers that share a host
// (/realms/a and /realms/b): msal-node files its account under no issuer path (MSSTS, realm = a
// claim or empty), so every issuer's client lists it, and a sign-out must take it too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PublicClientApplication } from '@tessera/core';
import type { DevAuthority } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { usePathIssuers } from '../../core/test/helpers.js';
import { FileCacheStore } from '../src/index.js';
import { useTempDir } from './credentials-helpers.js';
import { msalPublicClient } from './support/msal-node-peer.js';

const SCOPES = ['api.read'];

type Entry = { home_account_id: string; realm?: string; authority_type?: string };
const readCache = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, Entry>>;

describe("msal-node's account at one of two OIDC issuers on a host", () => {
  const realms = usePathIssuers(['a', 'b']);
  const tmp = useTempDir();
  /** A Tessera client of `idp` on the file (a fresh instance: another process). */
  const tessera = (idp: DevAuthority, path: string) =>
    new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });

  it('a sign-out at a, while the user also has an account at b, leaves the user listed at a no more; b keeps its account and answers silently', async () => {
    const { a, b } = realms.current;
    const path = join(tmp.path, 'two-issuers.json');
    const msal = await msalPublicClient(a!, path);
    // msal-node signs in interactively (auth code + PKCE) at a's path, as a desktop app would.
    expect((await msal.signIn('ada', SCOPES)).idTokenClaims).toMatchObject({ iss: a!.issuer, sub: 'ada' });
    const appA = tessera(a!, path);
    await appA.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    const inB = await tessera(b!, path).acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    // msal-node's account (no issuer path) and Tessera's at each issuer.
    expect(Object.values((await readCache(path)).Account!).map((e) => `${e.authority_type} ${e.realm}`).sort()).toEqual(['Generic realms/a', 'Generic realms/b', 'MSSTS ']);

    const [listed] = await appA.getAccounts();
    expect(listed?.homeAccountId).toBe('ada');
    await appA.removeAccount(listed!);

    // Signed out at a: listed by neither this client nor another process's.
    expect(await appA.getAccounts()).toEqual([]);
    expect(await tessera(a!, path).getAccounts()).toEqual([]);
    // b's account stays, with its tokens.
    const appB = tessera(b!, path);
    const [atB] = await appB.getAccounts();
    expect(atB).toMatchObject({ homeAccountId: 'ada', tenantId: 'realms/b' });
    b!.clearRequests();
    expect(await appB.acquireTokenSilent({ account: atB!, scopes: SCOPES })).toMatchObject({ accessToken: inB.accessToken, fromCache: true });
    expect(b!.requests).toHaveLength(0);
  });
});
