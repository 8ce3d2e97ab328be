// Device authorization grant (RFC 8628) against a hostile server: slow_down, pending, denial, expiry.
import { describe, expect, it, vi } from 'vitest';
import { AbortError, InteractionRequiredError, InvalidResponseError, ServerError } from '@tessera/core';
import type { HostileServer } from './support/hostile-server.js';
import { expectUntouched, publicClient, refusal, timed, useHostileServers } from './support/harness.js';

const oauthError = (error: string) => ({ status: 400, body: { error } });

describe('device flow against a hostile server', () => {
  const start = useHostileServers();

  async function begin(server: HostileServer, interval = 0.02) {
    const h = publicClient(server);
    const flow = await h.app.initiateDeviceFlow({ scopes: ['api.read'] });
    flow.interval = interval; // the stub says 5 s; tests poll faster
    return { ...h, flow };
  }

  it('adds 5 s to the interval on slow_down and keeps it for later polls', async () => {
    const server = await start();
    server.on('token', oauthError('slow_down'), oauthError('authorization_pending'));
    const { app, flow, ...h } = await begin(server);
    const controller = new AbortController();
    const polling = app.acquireTokenByDeviceFlow(flow, { signal: controller.signal });
    polling.catch(() => {});
    await vi.waitFor(() => expect(flow.interval).toBeCloseTo(5.02, 5), { timeout: 3000, interval: 10 });
    expect(server.count('token')).toBe(1);
    // Well inside the lengthened wait: no second poll yet.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.count('token')).toBe(1);
    controller.abort();
    await refusal(polling, AbortError, 'aborted');
    expectUntouched({ app, ...h });
  });

  it('grows the interval again on a second slow_down, as the stub sees it, and resumes with the slower interval', async () => {
    const server = await start();
    server.on('token', oauthError('slow_down'));
    const { app, flow } = await begin(server);
    const controller = new AbortController();
    const polling = app.acquireTokenByDeviceFlow(flow, { signal: controller.signal });
    polling.catch(() => {});
    await vi.waitFor(() => expect(server.count('token')).toBe(2), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(flow.interval).toBeCloseTo(10.02, 5), { timeout: 1000, interval: 10 });
    const [first, second] = server.seen('token');
    // Lower bound only: a timer never fires early, so this cannot flake.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_900);
    controller.abort();
    await refusal(polling, AbortError, 'aborted');
    // Resuming the same flow keeps the 10 s interval: nothing is sent within the next moment.
    const resumed = new AbortController();
    const again = app.acquireTokenByDeviceFlow(flow, { signal: resumed.signal });
    again.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(server.count('token')).toBe(2);
    resumed.abort();
    await refusal(again, AbortError, 'aborted');
  });

  it('keeps polling on authorization_pending until the code expires, then stops with expired_token', async () => {
    const server = await start();
    server.on('device', { body: { device_code: 'dc', user_code: 'UC', verification_uri: `${server.origin}/device`, expires_in: 1, interval: 1 } });
    server.on('token', oauthError('authorization_pending'));
    const { app, flow, ...h } = await begin(server, 0.1);
    const error = await refusal(app.acquireTokenByDeviceFlow(flow), ServerError, 'expired_token');
    expect(error.error).toBe('expired_token');
    expect(server.count('token')).toBeGreaterThanOrEqual(2);
    // Bounded by the code's lifetime: at most one poll per interval (plus the last at expiry).
    expect(server.count('token')).toBeLessThanOrEqual(12);
    expectUntouched({ app, ...h });
  });

  it('stops at once on access_denied', async () => {
    const server = await start();
    server.on('token', oauthError('access_denied'));
    const { app, flow, ...h } = await begin(server);
    const error = await refusal(app.acquireTokenByDeviceFlow(flow), ServerError, 'access_denied');
    expect(error.error).toBe('access_denied');
    expect(server.count('token')).toBe(1);
    expectUntouched({ app, ...h });
  });

  it('stops at once on expired_token from the server', async () => {
    const server = await start();
    server.on('token', oauthError('authorization_pending'), oauthError('expired_token'));
    const { app, flow, ...h } = await begin(server);
    const error = await refusal(app.acquireTokenByDeviceFlow(flow), ServerError, 'expired_token');
    expect(error.error).toBe('expired_token');
    expect(server.count('token')).toBe(2);
    expectUntouched({ app, ...h });
  });

  it('stops on any other error, e.g. invalid_grant, as interaction required', async () => {
    const server = await start();
    server.on('token', oauthError('invalid_grant'));
    const { app, flow, ...h } = await begin(server);
    await refusal(app.acquireTokenByDeviceFlow(flow), InteractionRequiredError, 'invalid_grant');
    expect(server.count('token')).toBe(1);
    expectUntouched({ app, ...h });
  });

  it('recovers: pending, pending, then the token, which is cached', async () => {
    const server = await start();
    server.on('token', oauthError('authorization_pending'), oauthError('authorization_pending'), { body: server.tokenResponse() });
    const { app, flow, store } = await begin(server);
    const result = await app.acquireTokenByDeviceFlow(flow);
    expect(result.fromCache).toBe(false);
    expect(server.count('token')).toBe(3);
    expect(store.data.size).toBe(1);
  });

  it('refuses a device authorization response without device_code or user_code', async () => {
    const server = await start();
    server.on('device', { body: { user_code: 'UC', verification_uri: 'x', expires_in: 600 } }, { body: { device_code: 'dc', verification_uri: 'x', expires_in: 600 } });
    const h = publicClient(server);
    await refusal(h.app.initiateDeviceFlow({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
    await refusal(h.app.initiateDeviceFlow({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
    expect(server.count('token')).toBe(0);
  });

  it('stops polling promptly when aborted during a long interval', async () => {
    const server = await start();
    server.on('token', oauthError('authorization_pending'));
    const { app, flow } = await begin(server, 30);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { ms, error } = await timed(() => app.acquireTokenByDeviceFlow(flow, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(2_000);
    expect(server.count('token')).toBe(0);
  });
});
