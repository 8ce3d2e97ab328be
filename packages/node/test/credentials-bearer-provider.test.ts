import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AccessToken, ClientSecretCredential, CredentialUnavailableError, type GetTokenOptions, type TokenCredential, getBearerTokenProvider } from '../src/index.js';
import { jwtClaims, useDevAuthority } from './credentials-helpers.js';

describe('getBearerTokenProvider with a real credential', () => {
  const idp = useDevAuthority();

  it('returns the access token and reuses it: one token request for many calls', async () => {
    const c = idp.current.clients.confidential;
    const credential = new ClientSecretCredential('', c.clientId, c.clientSecret, { authority: idp.current.issuer });
    idp.current.clearRequests();
    const getToken = getBearerTokenProvider(credential, ['api.read']);
    const tokens = await Promise.all([getToken(), getToken(), getToken()]);
    expect(await getToken()).toBe(tokens[0]);
    expect(new Set(tokens).size).toBe(1);
    expect(String(jwtClaims(tokens[0]!).scope).split(' ')).toContain('api.read');
    expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    await credential.close();
  });
});

/** A credential answering from a script, recording each call's options. */
function scripted(answers: Array<AccessToken | null | Error>): TokenCredential & { calls: Array<{ scopes: string | string[]; options?: GetTokenOptions }> } {
  const calls: Array<{ scopes: string | string[]; options?: GetTokenOptions }> = [];
  return {
    calls,
    getToken: async (scopes, options) => {
      calls.push({ scopes, options });
      const next = answers.shift();
      if (next === undefined) throw new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

const MINUTE = 60_000;
const T0 = Date.UTC(2030, 0, 1);
const token = (name: string, expiresInMs: number, refreshAfterMs?: number): AccessToken => ({
  token: name,
  expiresOnTimestamp: T0 + expiresInMs,
  ...(refreshAfterMs === undefined ? {} : { refreshAfterTimestamp: T0 + refreshAfterMs }),
  tokenType: 'Bearer',
});

describe('getBearerTokenProvider renewal (controlled clock)', () => {
  const at = (ms: number) => vi.setSystemTime(T0 + ms);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('passes scopes, abortSignal and tracingOptions to getToken', async () => {
    const credential = scripted([token('a', 60 * MINUTE)]);
    const abortSignal = new AbortController().signal;
    const tracingOptions = { tracingContext: {} };
    expect(await getBearerTokenProvider(credential, 'https://cognitiveservices.azure.com/.default', { abortSignal, tracingOptions })()).toBe('a');
    expect(credential.calls).toEqual([{ scopes: 'https://cognitiveservices.azure.com/.default', options: { abortSignal, tracingOptions } }]);
  });

  it('reuses the token until 2 minutes before expiry, then renews in the background', async () => {
    const credential = scripted([token('a', 60 * MINUTE), token('b', 120 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    expect(await getToken()).toBe('a');
    at(57 * MINUTE);
    expect(await getToken()).toBe('a');
    expect(credential.calls).toHaveLength(1);
    at(58 * MINUTE + 1);
    // Inside the window: the old token is still good and returned at once; the renewal runs behind.
    expect(await getToken()).toBe('a');
    await settle();
    expect(credential.calls).toHaveLength(2);
    expect(await getToken()).toBe('b');
  });

  it('renews after refreshAfterTimestamp (Entra refresh_in)', async () => {
    const credential = scripted([token('a', 24 * 60 * MINUTE, 12 * 60 * MINUTE), token('b', 48 * 60 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    expect(await getToken()).toBe('a');
    at(12 * 60 * MINUTE - 1);
    expect(await getToken()).toBe('a');
    await settle();
    expect(credential.calls).toHaveLength(1);
    at(12 * 60 * MINUTE + 1);
    await getToken();
    await settle();
    expect(await getToken()).toBe('b');
  });

  it('keeps the old token when a background renewal fails, and retries on a call 3 seconds later (not on every call)', async () => {
    const credential = scripted([token('a', 60 * MINUTE), new Error('authority down'), token('b', 120 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    await getToken();
    at(59 * MINUTE);
    expect(await getToken()).toBe('a');
    await settle();
    expect(credential.calls).toHaveLength(2);
    at(59 * MINUTE + 2999);
    expect(await getToken()).toBe('a');
    await settle();
    expect(credential.calls).toHaveLength(2);
    at(59 * MINUTE + 3000);
    expect(await getToken()).toBe('a');
    await settle();
    expect(credential.calls).toHaveLength(3);
    expect(await getToken()).toBe('b');
  });

  it('waits for a new token once the old one expires, and rejects with its error (no expired token served)', async () => {
    const credential = scripted([token('a', 60 * MINUTE), new Error('invalid_client'), token('c', 120 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    await getToken();
    at(60 * MINUTE);
    const error = await getToken().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('invalid_client');
    expect(await getToken()).toBe('c');
  });

  it('shares one request between concurrent calls, and fails clearly on a null token', async () => {
    const credential = scripted([token('a', 60 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    expect(await Promise.all([getToken(), getToken(), getToken()])).toEqual(['a', 'a', 'a']);
    expect(credential.calls).toHaveLength(1);
    await expect(getBearerTokenProvider(scripted([null]), 'scope')()).rejects.toBeInstanceOf(CredentialUnavailableError);
  });
  it('treats a token whose expiry cannot be read (NaN) as expired: never served forever', async () => {
    const credential = scripted([{ token: 'a', expiresOnTimestamp: Number.NaN }, token('b', 60 * MINUTE)]);
    const getToken = getBearerTokenProvider(credential, 'scope');
    expect(await getToken()).toBe('a');
    // NaN compares false with everything: the old checks kept 'a' and never asked again.
    expect(await getToken()).toBe('b');
    expect(credential.calls).toHaveLength(2);
  });

  it('recovers from a credential whose getToken throws synchronously (not an async function)', async () => {
    let calls = 0;
    const credential: TokenCredential = {
      getToken: ((): Promise<AccessToken> => {
        if (++calls === 1) throw new Error('not configured yet');
        return Promise.resolve(token('a', 60 * MINUTE));
      }) as TokenCredential['getToken'],
    };
    const getToken = getBearerTokenProvider(credential, 'scope');
    await expect(getToken()).rejects.toThrow('not configured yet');
    // The failed request must not stay the shared one: the next call asks again.
    expect(await getToken()).toBe('a');
    expect(calls).toBe(2);
  });
});
