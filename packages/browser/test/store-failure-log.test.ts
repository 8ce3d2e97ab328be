// A cache store that cannot load (IndexedDB failing: private browsing, site data blocked, a lost
// connection) is logged once per failure episode, not on every call that reads the cache: once when
// loads start failing, again only after a load succeeded and a new one failed. Unit-level: the store
// is a stand-in over memory whose loads fail on demand, as IndexedDB's do (a DOMException);
// BroadcastChannel, sessionStorage and location are stand-ins (no request is made).
import { MemoryCacheStore } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserClient } from '../src/index.js';

/** A store over memory whose loads fail while `failing` is set, with IndexedDB's error. */
class FailingLoads extends MemoryCacheStore {
  failing = false;
  override async load(key: string): Promise<string | undefined> {
    if (this.failing) throw new DOMException('The database connection is closing.', 'InvalidStateError');
    return super.load(key);
  }
}

describe('a cache store whose loads fail', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is logged once per failure episode: again after a load succeeded and a new one failed', async () => {
    vi.stubGlobal('BroadcastChannel', class {
      postMessage() {}
      close() {}
    });
    vi.stubGlobal('sessionStorage', { getItem: () => null, setItem: () => {}, removeItem: () => {} });
    vi.stubGlobal('location', { origin: 'http://127.0.0.1:3000', pathname: '/', href: 'http://127.0.0.1:3000/' });
    const store = new FailingLoads();
    const warnings: string[] = [];
    const client = new BrowserClient({
      clientId: 'spa',
      authority: 'http://127.0.0.1:4000',
      cache: store,
      logger: { log: (level, message) => level === 'warning' && warnings.push(message) },
    });
    const loadWarnings = () => warnings.filter((w) => /could not load partition/.test(w));

    store.failing = true;
    for (let i = 0; i < 3; i++) await expect(client.getAccounts()).resolves.toEqual([]);
    expect(loadWarnings()).toHaveLength(1);
    expect(loadWarnings()[0]).toContain('InvalidStateError');

    // The store is back: nothing is logged; then it fails again: logged once more.
    store.failing = false;
    await client.getAccounts();
    expect(loadWarnings()).toHaveLength(1);
    store.failing = true;
    await client.getAccounts();
    await client.getAccounts();
    expect(loadWarnings()).toHaveLength(2);
    expect(warnings).toHaveLength(2);
  });
});
