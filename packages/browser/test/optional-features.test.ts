// Popup sign-in and DPoP are passed in as functions (`popup: browserPopup`, `dpop: browserDpop`) so
// that apps without them bundle none of their code (test/bundle.test.ts checks that). Here: a client
// without them says what to pass instead of failing obscurely, and `dpop: true` (the option's
// earlier form) or `popup: true` is refused when the client is made rather than running without the feature. Unit-level: sessionStorage, location
// and window.open are stand-ins (no request is made); WebCrypto is Node's.
import { type JsonWebKey, verify } from 'node:crypto';
import { ConfigurationError } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrowserClient, type BrowserClientOptions, browserDpop } from '../src/index.js';

const DPOP_RESULT = { accessToken: 'at-1', tokenType: 'DPoP', expiresOn: new Date(), scopes: [], fromCache: false } as never;

describe('optional features of BrowserClient', () => {
  const open = vi.fn(() => null);
  afterEach(() => {
    vi.unstubAllGlobals();
    open.mockReset();
  });

  function client(options: Partial<BrowserClientOptions> = {}): { app: BrowserClient; storage: Map<string, string> } {
    const storage = new Map<string, string>();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    });
    vi.stubGlobal('location', { origin: 'http://127.0.0.1:3000', pathname: '/', href: 'http://127.0.0.1:3000/' });
    vi.stubGlobal('window', { open });
    const app = new BrowserClient({ clientId: 'spa', authority: 'http://127.0.0.1:4000', cache: 'memory', ...options });
    return { app, storage };
  }

  // `dpop: true` is that option's earlier form; `popup: true` is the natural guess for the other.
  it.each([
    ['dpop', { dpop: true as never }, 'browserDpop'],
    ['popup', { popup: true as never }, 'browserPopup'],
    ['popup', { popup: 'browserPopup' as never }, 'browserPopup'],
  ])('refuses a %s option that is not its function (%o) in the constructor: invalid_options naming %s, nothing opened, no tab channel left listening', (_, options, named) => {
    const channels: { closed: boolean }[] = [];
    vi.stubGlobal(
      'BroadcastChannel',
      class {
        closed = false;
        onmessage: unknown = null;
        constructor() {
          channels.push(this);
        }
        postMessage() {}
        close() {
          this.closed = true;
        }
      },
    );
    const store = { load: async () => undefined, save: async () => {} };
    const error = (() => {
      try {
        client({ ...options, cache: store });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'invalid_options', message: expect.stringContaining(named) });
    // A half-built client must not stay subscribed to other tabs' messages.
    expect(channels.filter((c) => !c.closed)).toEqual([]);
    expect(open).not.toHaveBeenCalled();
  });

  it('without dpop, dpopHeaders and fetchWithDpop reject with a ConfigurationError that names browserDpop', async () => {
    const { app } = client();
    for (const call of [() => app.dpopHeaders(DPOP_RESULT, { method: 'GET', url: 'https://api.example/x' }), () => app.fetchWithDpop(DPOP_RESULT, 'https://api.example/x')]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('browserDpop');
    }
  });

  it('without popup, loginPopup and acquireTokenPopup reject with a ConfigurationError that names browserPopup, open nothing and leave no interaction', async () => {
    const { app, storage } = client();
    for (const call of [() => app.loginPopup(), () => app.acquireTokenPopup({ scopes: ['api.read'] })]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('browserPopup');
    }
    expect(open).not.toHaveBeenCalled();
    expect([...storage.keys()]).toEqual([]);
  });

  it('with dpop: browserDpop, dpopHeaders signs a proof for the request with the client key (ES256, ath of the token)', async () => {
    const { app } = client({ dpop: browserDpop });
    const headers = await app.dpopHeaders(DPOP_RESULT, { method: 'post', url: 'https://api.example/orders?page=2' });
    expect(headers.authorization).toBe('DPoP at-1');
    const [h, p, sig] = headers.dpop.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { typ: string; alg: string; jwk: JsonWebKey };
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: header.jwk, format: 'jwk', dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true);
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://api.example/orders' });
    expect(typeof payload.ath).toBe('string');
    // The same key signs the next proof (one key per client).
    const again = await app.dpopHeaders(DPOP_RESULT, { method: 'GET', url: 'https://api.example/orders' });
    expect(JSON.parse(Buffer.from(again.dpop.split('.')[0]!, 'base64url').toString()).jwk).toEqual(header.jwk);
  });
});
