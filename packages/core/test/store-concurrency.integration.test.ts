// Writes and reads of a cache store that interleave, against the dev authority: no change of this
// process may be lost, in the store or in memory (a lost refresh token is a lost sign-in; a lost
// rotated one gets the grant revoked by a provider with reuse detection, as the dev authority's).
// A CacheStore with only load and save (update is optional): writes of one process to a partition
// must not load the same copy and save over each other's change.
import { describe, expect, it } from 'vitest';
import { type CacheStore, MemoryCacheStore, PublicClientApplication, TokenCache } from '../src/index.js';
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

describe('a sync that reads another process\'s write while this process writes', () => {
  // Rotating refresh tokens with reuse detection (the dev authority's default).
  const idp = useDevAuthority();

  it("keeps this process's rotated refresh token in memory: the next refresh uses it, not the spent one", async () => {
    /** A store whose update waits for `release` while `held` is set (a slow network to Redis). */
    class SlowStore extends MemoryCacheStore {
      held = false;
      #release: (() => void) | undefined;
      #arrived: (() => void) | undefined;
      readonly updating = new Promise<void>((r) => (this.#arrived = r));
      release = () => this.#release?.();
      override async update(key: string, mutate: (current: string | undefined) => string): Promise<string> {
        if (this.held) {
          this.#arrived?.();
          await new Promise<void>((r) => (this.#release = r));
        }
        return super.update(key, mutate);
      }
    }
    const store = new SlowStore();
    const client = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: store });
    const [app, otherProcess] = [client(), client()];
    const signIn = (a: PublicClientApplication, username: string) => a.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' });
    const ada = (await signIn(app, 'ada')).account!;

    // ada's refresh rotates her refresh token; its write to the store is slow.
    store.held = true;
    const refreshing = app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    await store.updating;
    store.held = false;
    // Meanwhile another process writes to the store (bob signs in there), and this process reads
    // it (listing accounts): it sees bob, and ada's entries as the store still has them.
    await signIn(otherProcess, 'bob');
    expect((await app.getAccounts()).map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    store.release();
    await refreshing;

    // The next refresh must redeem the rotated token: the spent one would get the grant revoked.
    idp.current.clearRequests();
    const again = await app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    expect(again.idTokenClaims?.sub).toBe('ada');
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
  });
});
