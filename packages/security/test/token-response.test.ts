// Token endpoint answers that break RFC 6749 section 5.1: refused with a typed error, never cached.
import { describe, expect, it } from 'vitest';
import { FetchHttpClient, InvalidResponseError, ServerError } from '@tessera/core';
import type { HostileServer, Reply } from './support/hostile-server.js';
import { confidentialClient, expectUntouched, refusal, useHostileServers } from './support/harness.js';

describe('token response from a hostile server', () => {
  const start = useHostileServers();

  async function clientCredentials(server: HostileServer, reply: Reply | undefined, overrides = {}) {
    if (reply) server.on('token', reply);
    const h = confidentialClient(server, overrides);
    return { h, outcome: h.app.acquireTokenForClient({ scopes: ['api.read'] }) };
  }

  /** Expects InvalidResponseError with this code whose message names `field`; one request; nothing cached. */
  async function expectInvalid(server: HostileServer, reply: Reply, field: string | RegExp, code = 'invalid_response') {
    const before = server.count('token');
    const { h, outcome } = await clientCredentials(server, reply);
    const error = await refusal(outcome, InvalidResponseError, code);
    expect(error.message).toMatch(field);
    expect(server.count('token')).toBe(before + 1);
    expectUntouched(h);
    return error;
  }

  it('accepts a well-formed response (baseline)', async () => {
    const server = await start();
    const { h, outcome } = await clientCredentials(server, undefined);
    await expect(outcome).resolves.toMatchObject({ fromCache: false, scopes: ['api.read', 'openid', 'profile', 'offline_access'] });
    expect(h.store.data.size).toBe(1);
  });

  it('refuses a missing or empty access_token', async () => {
    const server = await start();
    await expectInvalid(server, { body: server.tokenResponse({ access_token: undefined }) }, /"access_token"/);
    await expectInvalid(server, { body: server.tokenResponse({ access_token: '' }) }, /"access_token"/);
    await expectInvalid(server, { body: server.tokenResponse({ access_token: 42 }) }, /"access_token"/);
  });

  it('refuses a missing token_type', async () => {
    const server = await start();
    await expectInvalid(server, { body: server.tokenResponse({ token_type: undefined }) }, /"token_type"/);
  });

  it('refuses a token_type other than Bearer', async () => {
    const server = await start();
    for (const type of ['pop', 'mac', 'N_A']) {
      await expectInvalid(server, { body: server.tokenResponse({ token_type: type }) }, /token_type/, 'invalid_token_type');
    }
    // Case does not matter (RFC 6749 section 5.1).
    const { outcome } = await clientCredentials(server, { body: server.tokenResponse({ token_type: 'bEaReR' }) });
    await expect(outcome).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refuses a non-numeric or negative expires_in', async () => {
    const server = await start();
    for (const value of ['soon', '-5', -5, '1e9', true, {}, '']) {
      await expectInvalid(server, { body: server.tokenResponse({ expires_in: value }) }, /"expires_in"/);
    }
  });

  it('caches under the granted scopes when the server grants more than asked (RFC 6749 5.1)', async () => {
    const server = await start();
    const { h, outcome } = await clientCredentials(server, { body: server.tokenResponse({ scope: 'api.read api.write' }) });
    const result = await outcome;
    expect(result.scopes).toEqual(['api.read', 'api.write']);
    const [at] = [...h.app.tokenCache.entries('AccessToken')].map(([, e]) => e);
    expect(at?.target).toBe('api.read api.write');
  });

  it('caches under the granted scopes and warns when the server grants fewer than asked', async () => {
    const server = await start();
    server.on('token', { body: server.tokenResponse({ scope: 'api.read' }) });
    const h = confidentialClient(server);
    const result = await h.app.acquireTokenForClient({ scopes: ['api.read', 'api.write'] });
    expect(result.scopes).toEqual(['api.read']);
    expect(h.logs.some((l) => l.level === 'warning' && l.message.includes('missing: api.write'))).toBe(true);
    const [at] = [...h.app.tokenCache.entries('AccessToken')].map(([, e]) => e);
    expect(at?.target).toBe('api.read');
    // The narrower token never answers a request for the scope that was not granted.
    await h.app.acquireTokenForClient({ scopes: ['api.write'] });
    expect(server.count('token')).toBe(2);
  });

  it('reads an empty scope as no scope (granted as asked, as MSAL reads it): the token is served from the cache, not asked for on every call', async () => {
    const server = await start();
    server.on('token', { body: server.tokenResponse({ scope: '' }) });
    const h = confidentialClient(server);
    const first = await h.app.acquireTokenForClient({ scopes: ['api.read'] });
    expect(first.scopes).toEqual(['api.read']);
    expect([...h.app.tokenCache.entries('AccessToken')].map(([, e]) => e.target)).toEqual(['api.read']);
    const second = await h.app.acquireTokenForClient({ scopes: ['api.read'] });
    expect(second).toMatchObject({ fromCache: true, accessToken: first.accessToken });
    expect(server.count('token')).toBe(1);
    expect(h.logs.some((l) => l.message.includes('fewer scopes'))).toBe(false);
  });

  it('refuses an HTML error page, whatever the status, without retrying a 4xx', async () => {
    const server = await start();
    const html = '<!doctype html><html><body><h1>Gateway says no</h1></body></html>';
    await expectInvalid(server, { status: 400, body: html, headers: { 'content-type': 'text/html' } }, /HTML/);
    await expectInvalid(server, { status: 200, body: html, headers: { 'content-type': 'text/html' } }, /HTML/);
  });

  it('treats a 200 whose body is an OAuth error as that error', async () => {
    const server = await start();
    const { h, outcome } = await clientCredentials(server, { status: 200, body: { error: 'invalid_client', error_description: 'Client authentication failed' } });
    const error = await refusal(outcome, ServerError, 'invalid_client');
    expect(error.error).toBe('invalid_client');
    expect(error.status).toBe(200);
    expect(server.count('token')).toBe(1);
    expectUntouched(h);
  });

  it('keeps an error value that is not a plain code out of `code` (server_error), but in `error`', async () => {
    const server = await start();
    const { h, outcome } = await clientCredentials(server, { status: 400, body: { error: 'Bad <Thing> happened', error_description: 'x' } });
    const error = await refusal(outcome, ServerError, 'server_error');
    expect(error.error).toBe('Bad <Thing> happened');
    expectUntouched(h);
  });

  it('refuses truncated JSON and bodies that are not a JSON object', async () => {
    const server = await start();
    const full = JSON.stringify(server.tokenResponse());
    await expectInvalid(server, { body: full.slice(0, full.length / 2) }, /not valid JSON/);
    await expectInvalid(server, { body: '' }, /not valid JSON/);
    await expectInvalid(server, { body: 'null' }, /\(body\)/);
    await expectInvalid(server, { body: '[]' }, /Token response/);
    await expectInvalid(server, { body: '"access_token"' }, /\(body\)/);
  });

  it('refuses a body over the 1 MiB default limit, declared or streamed', async () => {
    const server = await start();
    const huge = JSON.stringify(server.tokenResponse({ padding: 'x'.repeat(1536 * 1024) }));
    await expectInvalid(server, { body: huge }, /1048576-byte limit/, 'response_too_large');
    await expectInvalid(server, { body: huge, chunked: true }, /1048576-byte limit/, 'response_too_large');
  });

  it('never follows a redirect from the token endpoint (it would re-post the client secret elsewhere)', async () => {
    const server = await start();
    const elsewhere = await start();
    for (const status of [301, 302, 303, 307, 308]) {
      const { h, outcome } = await clientCredentials(server, { status, headers: { location: `${elsewhere.origin}/token` }, body: '' });
      await refusal(outcome, InvalidResponseError, 'invalid_response');
      expectUntouched(h);
    }
    expect(elsewhere.count()).toBe(0);
  });

  it('honours a smaller maxResponseBytes on the transport', async () => {
    const server = await start();
    const { h, outcome } = await clientCredentials(
      server,
      { body: server.tokenResponse({ padding: 'x'.repeat(4096) }), chunked: true },
      { httpClient: new FetchHttpClient({ maxResponseBytes: 1024 }) },
    );
    await refusal(outcome, InvalidResponseError, 'response_too_large');
    expectUntouched(h);
  });
});
