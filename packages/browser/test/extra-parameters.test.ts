// BrowserClient's interactive requests go through core's one parameter merge: an extra query
// parameter that names a protocol parameter is refused before the page navigates anywhere.
// Unit-level: sessionStorage and location are stand-ins; discovery is the real dev authority.
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { ConfigurationError, clearMetadataCache } from '@tessera/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BrowserClient } from '../src/index.js';

/** sessionStorage as the Web Storage API behaves: items are own enumerable properties. */
class MemoryStorage {
  getItem(key: string): string | null {
    return Object.hasOwn(this, key) ? (this as unknown as Record<string, string>)[key]! : null;
  }
  setItem(key: string, value: string): void {
    (this as unknown as Record<string, string>)[key] = String(value);
  }
  removeItem(key: string): void {
    delete (this as unknown as Record<string, string>)[key];
  }
}

describe('BrowserClient extraQueryParameters', () => {
  let idp: DevAuthority;
  const assign = vi.fn<(url: string) => void>();
  beforeAll(async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
  });
  afterAll(() => idp?.close());
  afterEach(() => {
    vi.unstubAllGlobals();
    assign.mockReset();
  });

  function client(): { app: BrowserClient; storage: MemoryStorage } {
    const storage = new MemoryStorage();
    vi.stubGlobal('sessionStorage', storage);
    // The page is on the redirect URI's origin (sign-ins to another origin are refused).
    vi.stubGlobal('location', { assign, origin: 'http://127.0.0.1:5173', pathname: '/', href: 'http://127.0.0.1:5173/' });
    const app = new BrowserClient({ clientId: idp.clients.spa.clientId, authority: idp.issuer, redirectUri: idp.clients.spa.redirectUris[0], cache: 'memory' });
    return { app, storage };
  }

  for (const name of ['state', 'redirect_uri', 'nonce', 'code_challenge', 'code_challenge_method', 'response_type', 'response_mode', 'client_id', 'scope', 'request', 'request_uri']) {
    it(`refuses an extra "${name}" before navigating, and leaves no interaction behind`, async () => {
      const { app, storage } = client();
      const error = await app.loginRedirect({ scopes: ['api.read'], extraQueryParameters: { [name]: 'attacker-value' } }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(`"${name}"`);
      expect(assign).not.toHaveBeenCalled();
      expect(Object.keys(storage)).toEqual([]);
    });
  }

  it('navigates with other extras next to its own state, nonce and PKCE challenge', async () => {
    const { app, storage } = client();
    await app.loginRedirect({ scopes: ['api.read'], extraQueryParameters: { ui_locales: 'de' } });
    expect(assign).toHaveBeenCalledTimes(1);
    const url = new URL(assign.mock.calls[0]![0]);
    const [record] = Object.values(storage as unknown as Record<string, string>).map((v) => JSON.parse(v) as { flow: { state: string; nonce: string } });
    expect(url.searchParams.getAll('ui_locales')).toEqual(['de']);
    expect(url.searchParams.getAll('state')).toEqual([record!.flow.state]);
    expect(url.searchParams.getAll('nonce')).toEqual([record!.flow.nonce]);
    expect(url.searchParams.get('response_mode')).toBe('fragment');
  });
});
