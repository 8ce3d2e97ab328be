// A BrowserClient whose options are refused opens nothing: no tab channel keeps answering other
// tabs for a client that was never built. Unit-level: BroadcastChannel, IndexedDB and location are
// stand-ins (no request is made).
import { ConfigurationError } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserClient } from '../src/index.js';

describe('BrowserClient constructor', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('refuses a bad authority before opening the tab channel', () => {
    const opened: string[] = [];
    vi.stubGlobal('BroadcastChannel', class {
      constructor(name: string) {
        opened.push(name);
      }
    });
    vi.stubGlobal('indexedDB', {});
    vi.stubGlobal('sessionStorage', { getItem: () => null, setItem: () => {}, removeItem: () => {} });
    vi.stubGlobal('location', { origin: 'http://127.0.0.1:3000', pathname: '/', href: 'http://127.0.0.1:3000/' });
    expect(() => new BrowserClient({ clientId: 'spa', authority: 'not a url' })).toThrow(ConfigurationError);
    expect(opened).toEqual([]);
    // The same options with a good authority do open it: the stand-in is the one the client uses.
    new BrowserClient({ clientId: 'spa', authority: 'http://127.0.0.1:4000' });
    expect(opened).toEqual(['tessera.spa']);
  });
});
