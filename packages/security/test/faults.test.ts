// Transport faults: bounded retries counted at the server, no retry of a refusal, Retry-After
// honoured in full up to a bound (beyond it ThrottledError at once), timeouts, resets, refused connections, and AbortSignal at every stage.
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  FetchHttpClient,
  type HttpClient,
  InvalidResponseError,
  NetworkError,
  ServerError,
  TesseraError,
  ThrottledError,
  jwksSignatureVerifier,
} from '@tessera/core';
import type { HostileServer } from './support/hostile-server.js';
import { closedPort } from './support/hostile-server.js';
import { FAST_RETRY, REDIRECT_URI, SCOPES, confidentialClient, expectUntouched, publicClient, redirectFor, refusal, timed, useHostileServers } from './support/harness.js';

/** 1 attempt + 3 retries. */
const MAX_ATTEMPTS = 4;

describe('faults from a hostile server', () => {
  const start = useHostileServers();

  const clientCredentials = (server: HostileServer, overrides = {}) => {
    const h = confidentialClient(server, overrides);
    return { h, outcome: h.app.acquireTokenForClient({ scopes: SCOPES }) };
  };

  describe('bounded retries', () => {
    for (const status of [500, 502, 503]) {
      it(`retries HTTP ${status} at most 3 times, then reports it`, async () => {
        const server = await start();
        server.on('token', { status, body: `<html>${status}</html>`, headers: { 'content-type': 'text/html' } });
        const { h, outcome } = clientCredentials(server);
        const error = await refusal(outcome, InvalidResponseError, 'invalid_response');
        expect(error.status).toBe(status);
        expect(error.message).toContain(`HTTP ${status}`);
        expect(server.count('token')).toBe(MAX_ATTEMPTS);
        expectUntouched(h);
      });
    }

    it('reports a 503 carrying an OAuth error body as that ServerError after the retries', async () => {
      const server = await start();
      server.on('token', { status: 503, body: { error: 'temporarily_unavailable' } });
      const { h, outcome } = clientCredentials(server);
      const error = await refusal(outcome, ServerError, 'temporarily_unavailable');
      expect(error.error).toBe('temporarily_unavailable');
      expect(server.count('token')).toBe(MAX_ATTEMPTS);
      expectUntouched(h);
    });

    it('recovers when a retry succeeds', async () => {
      const server = await start();
      server.on('token', { status: 503, body: '' }, { status: 502, body: '' }, { body: server.tokenResponse() });
      const { h, outcome } = clientCredentials(server);
      await expect(outcome).resolves.toMatchObject({ fromCache: false });
      expect(server.count('token')).toBe(3);
      expect(h.store.data.size).toBe(1);
    });

    it('fails a huge Retry-After at once with ThrottledError instead of waiting or retrying', async () => {
      const server = await start();
      server.on('token', { status: 429, body: { error: 'slow_down_please' }, headers: { 'retry-after': '3600' } });
      const { h, outcome } = clientCredentials(server);
      const error = await refusal(outcome, ThrottledError, 'throttled');
      expect(error.retryAfter.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
      expect(server.count('token')).toBe(1);
      expectUntouched(h);
    });

    it('honours Retry-After in seconds when under the cap', async () => {
      const server = await start();
      server.on('token', { status: 429, body: '', headers: { 'retry-after': '1' } }, { body: server.tokenResponse() });
      const { outcome } = clientCredentials(server, { retry: { ...FAST_RETRY, maxDelayMs: 5_000 } });
      await outcome;
      const [first, second] = server.seen('token');
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    });

    it('honours Retry-After as an HTTP date when under the cap', async () => {
      const server = await start();
      const retryAt = () => new Date(Date.now() + 2_000).toUTCString();
      server.on('token', () => ({ status: 503, body: '', headers: { 'retry-after': retryAt() } }), { body: server.tokenResponse() });
      const { outcome } = clientCredentials(server, { retry: { ...FAST_RETRY, maxDelayMs: 5_000 } });
      await outcome;
      const [first, second] = server.seen('token');
      // The date has whole seconds, so the wait is between 1 and 2 s.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    });

    it('gives up on a server that never answers: per-attempt timeout, bounded retries', async () => {
      const server = await start();
      server.on('token', { delayMs: 30_000, body: server.tokenResponse() });
      const { h, outcome } = clientCredentials(server, { retry: { ...FAST_RETRY, timeoutMs: 150 } });
      const { ms, error } = await timed(() => outcome);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).code).toBe('timeout');
      expect(server.count('token')).toBe(MAX_ATTEMPTS);
      expect(ms).toBeLessThan(10_000);
      expectUntouched(h);
    });

    it('retries a connection reset mid-body, then reports a network error', async () => {
      const server = await start();
      server.on('token', { body: server.tokenResponse(), resetAfterHeaders: true });
      const { h, outcome } = clientCredentials(server);
      await refusal(outcome, NetworkError, 'network_error');
      expect(server.count('token')).toBe(MAX_ATTEMPTS);
      expectUntouched(h);
    });

    it('retries a connection closed before any answer', async () => {
      const server = await start();
      server.on('token', { resetImmediately: true });
      const { h, outcome } = clientCredentials(server);
      await refusal(outcome, NetworkError, 'network_error');
      expect(server.count('token')).toBe(MAX_ATTEMPTS);
      expectUntouched(h);
    });

    it('retries a refused connection (closed port) a bounded number of times', async () => {
      const server = await start();
      const port = await closedPort();
      server.discovery.token_endpoint = `http://127.0.0.1:${port}/token`;
      const fetchClient = new FetchHttpClient();
      let attempts = 0;
      const counting: HttpClient = {
        send: (request) => {
          if (request.url.includes(`:${port}/`)) attempts++;
          return fetchClient.send(request);
        },
      };
      const { h, outcome } = clientCredentials(server, { httpClient: counting });
      const error = await refusal(outcome, NetworkError, 'network_error');
      expect(error.message).toContain(`127.0.0.1:${port}/token`);
      expect(attempts).toBe(MAX_ATTEMPTS);
      expectUntouched(h);
    });

    for (const status of [400, 401, 403, 404, 405, 409, 422]) {
      it(`never retries HTTP ${status}`, async () => {
        const server = await start();
        server.on('token', { status, body: { error: 'invalid_request' } });
        const { h, outcome } = clientCredentials(server);
        const error = await outcome.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TesseraError);
        expect(server.count('token')).toBe(1);
        expectUntouched(h);
      });
    }

    it('never retries a 4xx without an OAuth body either', async () => {
      const server = await start();
      server.on('token', { status: 404, body: 'Not Found' });
      const { h, outcome } = clientCredentials(server);
      await refusal(outcome, InvalidResponseError, 'invalid_response');
      expect(server.count('token')).toBe(1);
      expectUntouched(h);
    });

    it('retries discovery on 503 a bounded number of times', async () => {
      const server = await start();
      server.on('discovery', { status: 503, body: '' });
      const { h, outcome } = clientCredentials(server);
      await refusal(outcome, InvalidResponseError, 'discovery_failed');
      expect(server.count('discovery')).toBe(MAX_ATTEMPTS);
      expect(server.count('token')).toBe(0);
      expectUntouched(h);
    });
  });

  describe('AbortSignal', () => {
    /** Aborts after 100 ms; the call must reject with AbortError well before the server's 30 s. */
    async function expectPromptAbort(run: (signal: AbortSignal) => Promise<unknown>) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const { ms, error } = await timed(() => run(controller.signal));
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).code).toBe('aborted');
      expect(ms).toBeLessThan(2_000);
    }

    it('rejects at once when the signal has already fired, without any request', async () => {
      const server = await start();
      const h = confidentialClient(server);
      const controller = new AbortController();
      controller.abort();
      await refusal(h.app.acquireTokenForClient({ scopes: SCOPES, signal: controller.signal }), AbortError, 'aborted');
      expect(server.count()).toBe(0);
    });

    it('stops during discovery', async () => {
      const server = await start();
      server.on('discovery', { delayMs: 30_000, body: server.discovery });
      const h = confidentialClient(server);
      await expectPromptAbort((signal) => h.app.acquireTokenForClient({ scopes: SCOPES, signal }));
      expect(server.count('token')).toBe(0);
      expectUntouched(h);
    });

    it('stops during Entra instance discovery', async () => {
      const server = await start({ entra: true });
      // Instance discovery asks login.microsoftonline.com: a transport that never answers it keeps this offline.
      const fetchClient = new FetchHttpClient();
      let instanceRequests = 0;
      const stalling: HttpClient = {
        send: (request) => {
          if (!request.url.startsWith('https://login.microsoftonline.com/')) return fetchClient.send(request);
          instanceRequests++;
          return new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new NetworkError('stalled')), { once: true }));
        },
      };
      const h = confidentialClient(server, { instanceDiscovery: true, httpClient: stalling, retry: { ...FAST_RETRY, timeoutMs: 30_000 } });
      await expectPromptAbort((signal) => h.app.acquireTokenForClient({ scopes: SCOPES, signal }));
      expect(instanceRequests).toBe(1);
      expect(server.count()).toBe(0);
      expectUntouched(h);
    });

    it('stops during the token request', async () => {
      const server = await start();
      server.on('token', { delayMs: 30_000, body: server.tokenResponse() });
      const h = confidentialClient(server);
      await expectPromptAbort((signal) => h.app.acquireTokenForClient({ scopes: SCOPES, signal }));
      expectUntouched(h);
    });

    it('stops while waiting out a Retry-After', async () => {
      const server = await start();
      server.on('token', { status: 503, body: '', headers: { 'retry-after': '30' } });
      const h = confidentialClient(server, { retry: { ...FAST_RETRY, maxDelayMs: 60_000 } });
      await expectPromptAbort((signal) => h.app.acquireTokenForClient({ scopes: SCOPES, signal }));
      expect(server.count('token')).toBe(1);
      expectUntouched(h);
    });

    it('stops while the JWKS is being fetched', async () => {
      const server = await start();
      server.on('jwks', { delayMs: 30_000, body: server.jwks });
      const h = publicClient(server, { idTokenSignatureVerifier: jwksSignatureVerifier });
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }) }) }));
      await expectPromptAbort((signal) => h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server), { signal }));
      expectUntouched(h);
    });

    it('stops device polling', async () => {
      const server = await start();
      server.on('token', { status: 400, body: { error: 'authorization_pending' } });
      const h = publicClient(server);
      const flow = await h.app.initiateDeviceFlow({ scopes: SCOPES });
      flow.interval = 0.05;
      await expectPromptAbort((signal) => h.app.acquireTokenByDeviceFlow(flow, { signal }));
      expectUntouched(h);
    });

    it('one caller aborting shared discovery does not fail another caller', async () => {
      const server = await start();
      server.on('discovery', { delayMs: 400, body: server.discovery });
      const a = confidentialClient(server);
      const b = confidentialClient(server);
      const controller = new AbortController();
      const first = a.app.acquireTokenForClient({ scopes: SCOPES, signal: controller.signal });
      const second = b.app.acquireTokenForClient({ scopes: SCOPES });
      setTimeout(() => controller.abort(), 50);
      await refusal(first, AbortError, 'aborted');
      await expect(second).resolves.toMatchObject({ fromCache: false });
      expect(server.count('discovery')).toBe(1);
    });
  });
});
