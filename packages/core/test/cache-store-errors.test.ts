import { describe, expect, it } from 'vitest';
import { type AccountInfo, type CacheStore, PublicClientApplication } from '../src/index.js';

/** A store that is down: every call fails as a real one would (disk full, Redis unreachable). */
class FailingStore implements CacheStore {
  calls = 0;
  async load(): Promise<string | undefined> {
    this.calls++;
    throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
  }
  async save(): Promise<void> {
    this.calls++;
    throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
  }
}

const account = { homeAccountId: 'u', environment: 'login.example.com' } as AccountInfo;
const app = (store: CacheStore, cacheStoreErrors?: 'warn' | 'throw', warnings: string[] = []) =>
  new PublicClientApplication({
    clientId: 'c',
    authority: 'https://login.example.com/realm',
    cacheStore: store,
    cacheStoreErrors,
    logger: { log: (_level, message) => warnings.push(message) },
  });

describe('cacheStoreErrors', () => {
  it("'warn' (default) logs and goes on in memory", async () => {
    const store = new FailingStore();
    const warnings: string[] = [];
    await expect(app(store, undefined, warnings).removeAccount(account)).resolves.toBeUndefined();
    await expect(app(store, undefined, warnings).getAccounts()).resolves.toEqual([]);
    expect(store.calls).toBe(2);
    expect(warnings.join('\n')).toMatch(/could not save .*EROFS[\s\S]*could not load .*EROFS/);
  });

  it("'throw' fails the call with the store's error: a sign-out or sign-in that was not kept is not reported as done", async () => {
    const store = new FailingStore();
    await expect(app(store, 'throw').removeAccount(account)).rejects.toThrow('EROFS');
    await expect(app(store, 'throw').getAccounts()).rejects.toThrow('EROFS');
    expect(store.calls).toBe(2);
  });
});
