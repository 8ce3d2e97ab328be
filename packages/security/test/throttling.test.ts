// Throttling (issue 15 item 4): Retry-After honoured in full up to a bound, a throttled request
// retried at most once, and the throttle remembered per request shape (MSAL's throttling cache)
// so later calls send nothing until it expires. Clock injected: no timed assertions.
import { describe, expect, it } from 'vitest';
import { type ConfidentialClientApplication, type HttpClient, NetworkError, type PublicClientApplication, ThrottledError } from '@tessera/core';
import { SCOPES, confidentialClient, publicClient, useHostileServers } from './support/harness.js';

describe('throttling', () => {
  const start = useHostileServers();
  const T0 = 2_000_000_000;
  /** A throttling answer. */
  const throttled = (retryAfter: string, status = 429) => ({ status, body: '', headers: { 'retry-after': retryAfter } });

  /** A client whose clock the test moves (seconds since the epoch). */
  const clocked = async (overrides = {}) => {
    const server = await start();
    const clock = { now: T0 };
    const h = confidentialClient(server, { now: () => clock.now, ...overrides });
    return { server, clock, h, call: (scopes = SCOPES) => h.app.acquireTokenForClient({ scopes }) };
  };

  it('a Retry-After beyond the bound fails at once with the retry time: 1 request, no wait', async () => {
    const { server, call } = await clocked();
    server.on('token', { status: 429, body: { error: 'throttled' }, headers: { 'retry-after': '3600' } });
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).code).toBe('throttled');
    expect((error as ThrottledError).status).toBe(429);
    expect((error as ThrottledError).retryAfter.getTime()).toBe((T0 + 3600) * 1000);
    expect(server.count('token')).toBe(1);
  });

  it('an HTTP-date Retry-After is read against the clock', async () => {
    const { server, call } = await clocked();
    server.on('token', throttled(new Date((T0 + 7200) * 1000).toUTCString(), 503));
    const error = (await call().catch((e: unknown) => e)) as ThrottledError;
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.retryAfter.getTime()).toBe((T0 + 7200) * 1000);
    expect(server.count('token')).toBe(1);
  });

  it('a Retry-After within the bound is waited out and the request retried once', async () => {
    const { server, call } = await clocked();
    server.on('token', throttled('0'), { body: server.tokenResponse() });
    await expect(call()).resolves.toMatchObject({ fromCache: false });
    expect(server.count('token')).toBe(2);
  });

  it('a persistent 429: 2 requests on the first call, 0 on later calls until the throttle expires', async () => {
    const { server, clock, call } = await clocked();
    server.on('token', throttled('0'));
    await expect(call()).rejects.toBeInstanceOf(ThrottledError);
    expect(server.count('token')).toBe(2);
    // Retry-After 0 on a throttle means MSAL's default of 60 s.
    const remembered = (await call().catch((e: unknown) => e)) as ThrottledError;
    expect(remembered).toBeInstanceOf(ThrottledError);
    expect(remembered.retryAfter.getTime()).toBe((T0 + 60) * 1000);
    expect(server.count('token')).toBe(2);
    // Another request shape (other scopes) is not throttled by it.
    await expect(call(['other.scope'])).rejects.toBeInstanceOf(ThrottledError);
    expect(server.count('token')).toBe(4);
    clock.now = T0 + 61;
    server.on('token', { body: server.tokenResponse() });
    await expect(call()).resolves.toMatchObject({ fromCache: false });
    expect(server.count('token')).toBe(5);
  });

  it('remembers a long throttle: later calls send nothing until Retry-After, then go out', async () => {
    const { server, clock, call } = await clocked();
    server.on('token', throttled('600'));
    await expect(call()).rejects.toBeInstanceOf(ThrottledError);
    clock.now = T0 + 599;
    await expect(call()).rejects.toBeInstanceOf(ThrottledError);
    expect(server.count('token')).toBe(1);
    clock.now = T0 + 600;
    server.on('token', { body: server.tokenResponse() });
    await expect(call()).resolves.toMatchObject({ fromCache: false });
    expect(server.count('token')).toBe(2);
  });

  // The memory is every client's (ClientApplication's aroundTokenRequest), for every grant.
  for (const [grant, kind, call] of [
    ['on-behalf-of', 'confidential', (app: ConfidentialClientApplication) => app.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: 'incoming-token' })],
    ['refresh token', 'public', (app: PublicClientApplication) => app.acquireTokenByRefreshToken('a-refresh-token', { scopes: SCOPES })],
    ['password', 'public', (app: PublicClientApplication) => app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' })],
  ] as const) {
    it(`remembers a throttle of the ${grant} grant (${kind} client): the next call sends nothing`, async () => {
      const server = await start();
      const clock = { now: T0 };
      const options = { now: () => clock.now };
      const h = kind === 'public' ? publicClient(server, options) : confidentialClient(server, options);
      server.on('token', throttled('600'));
      const send = () => (call as (app: unknown) => Promise<unknown>)(h.app);
      await expect(send()).rejects.toBeInstanceOf(ThrottledError);
      await expect(send()).rejects.toBeInstanceOf(ThrottledError);
      expect(server.count('token')).toBe(1);
      clock.now = T0 + 600;
      await expect(send()).rejects.toBeInstanceOf(ThrottledError);
      expect(server.count('token')).toBe(2);
    });
  }

  it('a 5xx without Retry-After is a transient fault, not a throttle: retried, nothing remembered', async () => {
    const { server, call } = await clocked();
    server.on('token', { status: 503, body: '' });
    await expect(call()).rejects.not.toBeInstanceOf(ThrottledError);
    expect(server.count('token')).toBe(4);
    server.on('token', { body: server.tokenResponse() });
    await expect(call()).resolves.toMatchObject({ fromCache: false });
  });

  it('a transport throwing a plain TypeError (as fetch does) surfaces as NetworkError', async () => {
    let sent = 0;
    const http: HttpClient = {
      send: async () => {
        sent++;
        throw new TypeError('fetch failed');
      },
    };
    const { call } = await clocked({ httpClient: http });
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('network_error');
    expect((error as NetworkError).cause).toBeInstanceOf(TypeError);
    expect(sent).toBe(4);
  });

});
