// A cache store write that fails (a full disk, a store refusing writes) after a refresh the provider
// rotated: the dev authority rotates refresh tokens with reuse detection (redeeming a spent one fails
// with invalid_grant and revokes the whole grant), the store is a real FileCacheStore whose writes fail
// on demand. Whatever fails, no change is lost from memory (it may hold the only valid refresh token),
// the store gets it with the partition's next successful write or load, and 'throw' never serves what
// the store does not hold.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AccountInfo, type CacheStore, type CacheStoreErrors, PublicClientApplication, type TokenCache } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDevAuthority } from '../../core/test/helpers.js';
import { FileCacheStore } from '../src/cache/file-cache-store.js';

const SCOPES = ['api.read'];

/** The error a full disk gives. */
const diskFull = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/**
 * A FileCacheStore whose next `failures` writes fail (Infinity: until set back to 0); reads work. After
 * holdNext(), the next write waits for `release()` first (a slow disk), then fails if it was to.
 */
class FailingWrites implements CacheStore {
  failures = 0;
  /** Resolves once the write holdNext() set up is waiting. */
  held = Promise.resolve();
  #hold?: () => void;
  #release?: () => void;
  constructor(readonly file: FileCacheStore) {}
  load(key: string, signal?: AbortSignal) {
    return this.file.load(key, signal);
  }
  save(key: string, data: string, signal?: AbortSignal) {
    return this.update(key, () => data, signal).then(() => undefined);
  }
  async update(key: string, mutate: (current: string | undefined) => string, signal?: AbortSignal) {
    const fail = this.failures > 0;
    if (fail) this.failures--;
    const hold = this.#hold;
    if (hold) {
      this.#hold = undefined;
      await new Promise<void>((resolve) => {
        this.#release = resolve;
        hold();
      });
    }
    if (fail) throw diskFull();
    return this.file.update(key, mutate, signal);
  }
  lock<T>(name: string, work: () => Promise<T>, signal?: AbortSignal) {
    return this.file.lock(name, work, signal);
  }
  /** Makes the next write wait for release() (a slow disk). */
  holdNext() {
    this.held = new Promise<void>((resolve) => (this.#hold = resolve));
  }
  /** Lets the held write go on. */
  release() {
    this.#release?.();
  }
}

describe('a cache store write that fails after a rotated refresh (dev authority with reuse detection, FileCacheStore)', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: true });
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-store-failures-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A fresh cache file; `store` fails on demand; `client()` is a process over it (a plain FileCacheStore unless given one). */
  function setup() {
    const path = join(dir, `cache-${n++}.json`);
    const file = () => new FileCacheStore({ path, allowUnencryptedStorage: true });
    const store = new FailingWrites(file());
    const client = (cacheStore: CacheStore = file(), cacheStoreErrors?: CacheStoreErrors, extra: { cachePartitioning?: 'perKey'; tokenCache?: TokenCache } = {}) => {
      const warnings: string[] = [];
      const app = new PublicClientApplication({
        clientId: idp.current.clients.native.clientId,
        authority: idp.current.issuer,
        cacheStore,
        cacheStoreErrors,
        logger: { log: (level, message) => level === 'warning' && warnings.push(message) },
        ...extra,
      });
      return { app, warnings };
    };
    /** The refresh tokens in the cache file (any partition file), by home account id. */
    const storedRefreshTokens = async (file = path) => {
      const { RefreshToken = {} } = JSON.parse(await readFile(file, 'utf8')) as { RefreshToken?: Record<string, { home_account_id: string; secret: string }> };
      return Object.fromEntries(Object.values(RefreshToken).map((rt) => [rt.home_account_id, rt.secret]));
    };
    return { path, store, client, storedRefreshTokens };
  }

  const signIn = (app: PublicClientApplication, username: string) => app.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' });
  const memoryRefreshToken = (app: PublicClientApplication, account: AccountInfo) => app.tokenCache.findRefreshToken(account.homeAccountId, account.environment, app.clientId)?.secret;
  /** The refresh requests the provider saw since the last clearRequests: status, and error if refused. */
  const refreshesSeen = () => idp.current.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error ?? r.status);

  /** A new process over the file refreshes `account` twice: the grant is alive (no spent token presented, nothing revoked). */
  async function expectGrantAliveInNewProcess(client: () => { app: PublicClientApplication }, account: AccountInfo) {
    idp.current.clearRequests();
    const { app } = client();
    const known = (await app.getAccounts()).find((a) => a.homeAccountId === account.homeAccountId);
    await app.acquireTokenSilent({ scopes: SCOPES, account: known!, forceRefresh: true });
    await app.acquireTokenSilent({ scopes: SCOPES, account: known!, forceRefresh: true });
    expect(refreshesSeen()).toEqual([200, 200]);
  }

  /**
   * While writes fail, the next refresh of `account` redeems the rotated token memory kept (the
   * provider answers 200, no reuse); once the store takes writes and this process loads, the grant is
   * alive in a new process too.
   */
  async function expectRotatedTokenRedeemed(app: PublicClientApplication, store: FailingWrites, client: () => { app: PublicClientApplication }, account: AccountInfo) {
    store.failures = Infinity;
    idp.current.clearRequests();
    await app.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh: true });
    expect(refreshesSeen()).toEqual([200]);
    store.failures = 0;
    await app.getAccounts();
    await expectGrantAliveInNewProcess(client, account);
  }

  it("'warn': a write of a rotated refresh token that fails once is tried again, so the store never keeps the spent token", async () => {
    const { store, client, storedRefreshTokens } = setup();
    const { app, warnings } = client(store);
    const ada = (await signIn(app, 'ada')).account!;
    const spent = (await storedRefreshTokens())[ada.homeAccountId];

    store.failures = 1;
    await app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    const rotated = memoryRefreshToken(app, ada);
    expect(rotated).not.toBe(spent);
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(rotated);
    expect(store.failures).toBe(0);
    expect(warnings).toEqual([]);
    await expectGrantAliveInNewProcess(client, ada);
  });

  it("'warn': a write that keeps failing warns naming the spent refresh token left in the store; the next successful load writes the rotated one", async () => {
    const { store, client, storedRefreshTokens } = setup();
    const { app, warnings } = client(store);
    const ada = (await signIn(app, 'ada')).account!;
    const spent = (await storedRefreshTokens())[ada.homeAccountId]!;

    store.failures = Infinity;
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    const rotated = memoryRefreshToken(app, ada)!;
    expect(rotated).not.toBe(spent);
    // The store still holds the spent token; the warning says so, what it risks, and when it is mended.
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(spent);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not save .*ENOSPC/);
    expect(warnings[0]).toMatch(/spent refresh token until a later write: .* revoke the sign-in \(reuse detection\)/);
    for (const secret of [spent, rotated, refreshed.accessToken]) expect(warnings[0]).not.toContain(secret);
    // Served from memory meanwhile ('warn'), with the rotated token.
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: ada })).resolves.toMatchObject({ accessToken: refreshed.accessToken, fromCache: true });

    // The disk has room again: the next load writes what the store did not take.
    store.failures = 0;
    await app.getAccounts();
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(rotated);
    await expectGrantAliveInNewProcess(client, ada);
  });

  it("'warn': a load that takes another process's write into memory while this write fails does not put the spent refresh token back in memory", async () => {
    const { store, client } = setup();
    const { app } = client(store);
    const other = client();
    const ada = (await signIn(app, 'ada')).account!;

    // ada's refresh rotates her refresh token; its write waits (a slow disk), then fails.
    store.failures = Infinity;
    store.holdNext();
    const refreshing = app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    await store.held;
    const rotated = memoryRefreshToken(app, ada);
    // Meanwhile another process signs bob in, and this one lists accounts: it reads the file, which
    // has bob, and ada's spent refresh token.
    await signIn(other.app, 'bob');
    expect((await app.getAccounts()).map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    store.release();
    await refreshing;

    // After the failed write, memory holds what it took from the file (bob) and the change the store did not take.
    expect(memoryRefreshToken(app, ada)).toBe(rotated);
    expect((await app.getAccounts()).map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    await expectRotatedTokenRedeemed(app, store, client, ada);
  });

  it("'warn': a later write that succeeds and takes other writers' entries into memory keeps an earlier failed write's rotated refresh token there", async () => {
    const { store, client } = setup();
    const { app } = client(store);
    const ada = (await signIn(app, 'ada')).account!;

    // bob's sign-in: its write waits (a slow disk) ...
    store.holdNext();
    const bob = signIn(app, 'bob');
    await store.held;
    // ... while ada's refresh rotates her refresh token and its writes fail (both tries) ...
    store.failures = Infinity;
    await app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    store.failures = 0;
    const rotated = memoryRefreshToken(app, ada);
    // ... and another process signs carol in. bob's write then succeeds, with carol's entries and
    // without ada's change (the store never took it): memory takes that result.
    await signIn(client().app, 'carol');
    store.release();
    await bob;
    expect(memoryRefreshToken(app, ada)).toBe(rotated);
    await expectRotatedTokenRedeemed(app, store, client, ada);
  });

  it("'warn': two clients sharing one tokenCache and store: one client's load keeps the other's unsaved rotated refresh token in memory, and writes it once the store takes it", async () => {
    const { store, client, storedRefreshTokens } = setup();
    const first = client(store);
    const second = client(store, undefined, { tokenCache: first.app.tokenCache });
    const ada = (await signIn(first.app, 'ada')).account!;

    // The first client's refresh rotates ada's refresh token; the store does not take it.
    store.failures = Infinity;
    await first.app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true });
    const rotated = memoryRefreshToken(first.app, ada);
    // Another process signs bob in; the second client loads the file (bob, and ada's spent token):
    // it tries the first client's unsaved change first, which the store still refuses.
    await signIn(client().app, 'bob');
    await second.app.getAccounts();
    expect(memoryRefreshToken(first.app, ada)).toBe(rotated);

    // The second client's next load, once the store takes writes, writes the first client's change.
    store.failures = 0;
    expect((await second.app.getAccounts()).map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(rotated);
    await expectRotatedTokenRedeemed(second.app, store, client, ada);
  });

  it("'throw': while the store refuses the write, the call and every later call reading the partition fail with its error (nothing is served that it lacks); memory keeps the rotated token, which the store gets once it takes writes", async () => {
    const { store, client, storedRefreshTokens } = setup();
    const { app, warnings } = client(store, 'throw');
    const ada = (await signIn(app, 'ada')).account!;
    const spent = (await storedRefreshTokens())[ada.homeAccountId]!;

    store.failures = Infinity;
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: ada, forceRefresh: true })).rejects.toThrow('ENOSPC');
    // Named in the log too: the error alone does not say the store now holds a spent refresh token.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOSPC.*spent refresh token.*reuse detection/);
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(spent);
    const rotated = memoryRefreshToken(app, ada);
    expect(rotated).not.toBe(spent);
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: ada })).rejects.toThrow('ENOSPC');
    await expect(app.getAccounts()).rejects.toThrow('ENOSPC');
    await expect(app.getAccount(ada.homeAccountId)).rejects.toThrow('ENOSPC');
    expect(memoryRefreshToken(app, ada)).toBe(rotated);

    store.failures = 0;
    idp.current.clearRequests();
    await expect(app.acquireTokenSilent({ scopes: SCOPES, account: ada })).resolves.toMatchObject({ fromCache: true });
    expect((await storedRefreshTokens())[ada.homeAccountId]).toBe(rotated);
    expect(refreshesSeen()).toEqual([]);
    await expectGrantAliveInNewProcess(client, ada);
  });

  it("'throw', 'perKey': a sign-in the store did not keep is not listed by getAccounts while the store refuses it", async () => {
    const { store, client } = setup();
    const perKey = { cachePartitioning: 'perKey' as const };
    const { app } = client(store, 'throw', perKey);
    await signIn(app, 'ada');

    store.failures = Infinity;
    await expect(signIn(app, 'bob')).rejects.toThrow('ENOSPC');
    await expect(app.getAccounts()).rejects.toThrow('ENOSPC');
    await expect(client(store.file, 'throw', perKey).app.getAccount('bob')).resolves.toBeUndefined();

    store.failures = 0;
    expect((await app.getAccounts()).map((a) => a.homeAccountId).sort()).toEqual(['ada', 'bob']);
    await expect(client(store.file, 'throw', perKey).app.getAccount('bob')).resolves.toMatchObject({ homeAccountId: 'bob' });
  });
});
