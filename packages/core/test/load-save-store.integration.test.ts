// A CacheStore with only load and save (update is optional): writes of one process to a partition
// must not load the same copy and save over each other's change (a lost refresh token is a lost
// sign-in; a lost rotated one gets the grant revoked by a provider with reuse detection).
import { describe, expect, it } from 'vitest';
import { type CacheStore, PublicClientApplication, TokenCache } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];

describe('a cache store without update', () => {
  const idp = useDevAuthority();

  it('keeps both of two concurrent sign-ins: each write loads what the one before it saved', async () => {
    const data = new Map<string, string>();
    const memory = new TokenCache();
    let loads = 0;
    const store: CacheStore = {
      async load(key) {
        const current = data.get(key);
        // The first write's copy arrives once the second sign-in's answer is in memory (its write
        // has begun): without a queue, the second write loads the same copy meanwhile.
        if (loads++ === 0) while ([...memory.entries('RefreshToken')].length < 2) await new Promise((r) => setTimeout(r, 1));
        return current;
      },
      async save(key, value) {
        data.set(key, value);
      },
    };
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store, tokenCache: memory });
    const signIn = (username: string) => app.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' });
    await Promise.all([signIn('ada'), signIn('bob')]);

    const stored = JSON.parse(data.get('default')!) as Record<string, Record<string, { home_account_id: string }>>;
    expect(Object.values(stored.RefreshToken!).map((e) => e.home_account_id).sort()).toEqual(['ada', 'bob']);
    // Another process over the store signs both in silently, with their own refresh tokens.
    const other = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    const accounts = await other.getAccounts();
    expect(accounts.map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    for (const account of accounts) {
      const refreshed = await other.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
      expect(refreshed.idTokenClaims?.sub).toBe(account.homeAccountId);
    }
  });
});
