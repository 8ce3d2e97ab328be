// Values a hostile server chooses, checked by core's zod schemas: durations are clamped (timers and
// cache expiries stay sane), access tokens and device URLs are refused when they could inject
// headers, terminal sequences or scripts, ID-token iat/nbf types and times are enforced, and a
// JWKS with a repeated kid has a defined behaviour.
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { AbortError, InvalidResponseError, ValidationError, jwksSignatureVerifier } from '@tessera/core';
import { MAX_SERVER_SECONDS } from '../../core/src/http/schemas.js';
import type { HostileServer } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, confidentialClient, expectUntouched, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const FOUR_HUNDRED_DIGITS = '9'.repeat(400);

describe('server-given values', () => {
  const start = useHostileServers();

  describe('durations are clamped to MAX_SERVER_SECONDS (24 days)', () => {
    it('documents a bound below the 2^31 ms that JavaScript timers hold', () => {
      expect(MAX_SERVER_SECONDS * 1000).toBeLessThan(2 ** 31);
      expect(MAX_SERVER_SECONDS).toBe(24 * 24 * 3600);
    });

    it('caches a token with expires_in 1e20 or 400 digits until now + 24 days, never forever or NaN', async () => {
      const server = await start();
      const bodies = [
        JSON.stringify(server.tokenResponse({ expires_in: 1e20, ext_expires_in: 1e20, refresh_in: 1e20 })),
        JSON.stringify(server.tokenResponse({ expires_in: FOUR_HUNDRED_DIGITS, ext_expires_in: FOUR_HUNDRED_DIGITS })),
        // A JSON number of 400 digits parses to Infinity.
        JSON.stringify(server.tokenResponse({ expires_in: 1 })).replace('"expires_in":1', `"expires_in":${FOUR_HUNDRED_DIGITS}`),
      ];
      for (const body of bodies) {
        server.on('token', { body, headers: { 'content-type': 'application/json' } });
        const h = confidentialClient(server);
        const before = nowSeconds();
        const result = await h.app.acquireTokenForClient({ scopes: ['api.read'] });
        const after = nowSeconds();
        expect(Number.isNaN(result.expiresOn.getTime())).toBe(false);
        const at = Object.values(JSON.parse(h.app.tokenCache.serialize()).AccessToken as Record<string, Record<string, string>>)[0]!;
        for (const field of ['expires_on', 'extended_expires_on']) {
          expect(at[field]).toMatch(/^\d+$/);
          expect(Number(at[field])).toBeGreaterThanOrEqual(before + MAX_SERVER_SECONDS);
          expect(Number(at[field])).toBeLessThanOrEqual(after + MAX_SERVER_SECONDS);
        }
        if (at.refresh_on !== undefined) expect(Number(at.refresh_on)).toBeLessThanOrEqual(after + MAX_SERVER_SECONDS);
      }
    });

    it('a device flow with interval and expires_in above 2^31 ms does not poll hot', async () => {
      const server = await start();
      for (const huge of [2 ** 31, 2_147_484, FOUR_HUNDRED_DIGITS]) {
        server.on('device', { body: { device_code: 'dc', user_code: 'UC', verification_uri: `${server.origin}/device`, expires_in: huge, interval: huge } });
        server.on('token', { status: 400, body: { error: 'authorization_pending' } });
        const { app } = publicClient(server);
        const flow = await app.initiateDeviceFlow({ scopes: ['api.read'] });
        expect(flow.interval).toBe(MAX_SERVER_SECONDS);
        expect(flow.expiresIn).toBe(MAX_SERVER_SECONDS);
        const before = server.count('token');
        const controller = new AbortController();
        const polling = app.acquireTokenByDeviceFlow(flow, { signal: controller.signal });
        polling.catch(() => {});
        // Before the fix the timer overflowed and fired after 1 ms: hundreds of polls in this pause.
        await new Promise((r) => setTimeout(r, 300));
        expect(server.count('token') - before).toBe(0);
        controller.abort();
        await refusal(polling, AbortError, 'aborted');
      }
    });

    it('still refuses negative, fractional-string and non-numeric durations', async () => {
      const server = await start();
      for (const expires_in of [-1, '-1', '1.5', 'forever', null]) {
        server.on('token', { body: server.tokenResponse({ expires_in }) });
        const h = confidentialClient(server);
        const error = await refusal(h.app.acquireTokenForClient({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
        expect(error.message).toContain('"expires_in"');
        expectUntouched(h);
      }
    });
  });

  describe('access_token', () => {
    it('refuses an empty, blank, CR/LF-carrying, control-character or non-ASCII token, naming the field, caching nothing', async () => {
      const server = await start();
      for (const access_token of ['', ' ', '   ', '\t', 'abc\r\nX-Injected: 1', 'abc\n', 'abc\u001b]52;c;cHduZWQ=\u0007', 'a\u0000b', 'tok\u007f', 'tök\u0085']) {
        server.on('token', { body: server.tokenResponse({ access_token }) });
        const h = confidentialClient(server);
        const error = await refusal(h.app.acquireTokenForClient({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
        expect(error.message).toContain('"access_token"');
        // eslint-disable-next-line no-control-regex
        expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]|X-Injected/);
        expectUntouched(h);
      }
      // JWTs and opaque tokens with the b64token characters pass; so does an inner space (RFC 6749 VSCHAR).
      server.on('token', { body: server.tokenResponse({ access_token: 'opaque token' }) });
      await expect(confidentialClient(server).app.acquireTokenForClient({ scopes: ['api.read'] })).resolves.toMatchObject({ accessToken: 'opaque token' });
      server.on('token', { body: server.tokenResponse({ access_token: 'eyJ0.eyJ1-_~+/=.sig' }) });
      await expect(confidentialClient(server).app.acquireTokenForClient({ scopes: ['api.read'] })).resolves.toMatchObject({ accessToken: 'eyJ0.eyJ1-_~+/=.sig' });
    });
  });

  describe('device verification URLs', () => {
    const device = (server: HostileServer, fields: Record<string, unknown>) =>
      server.on('device', { body: { device_code: 'dc', user_code: 'UC', expires_in: 600, interval: 5, ...fields } });

    it('refuses javascript:, data:, file: and plain http on a remote host, for every URL field', async () => {
      const server = await start();
      const { app } = publicClient(server);
      for (const field of ['verification_uri', 'verification_url', 'verification_uri_complete']) {
        for (const bad of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'http://attacker.example/device', 'not a url']) {
          device(server, { verification_uri: 'https://login.example.com/device', [field]: bad });
          const error = await refusal(app.initiateDeviceFlow({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
          expect(error.message).toContain(`"${field}"`);
          expect(error.message).toContain('https');
        }
      }
      expect(server.count('token')).toBe(0);
    });

    it('refuses a URL with user name or password, which shows a trusted name before the real host', async () => {
      const server = await start();
      const { app } = publicClient(server);
      for (const field of ['verification_uri', 'verification_url', 'verification_uri_complete']) {
        // What the user reads as microsoft.com is the user name; the page is attacker.example's.
        for (const bad of ['https://microsoft.com@attacker.example/devicelogin', 'https://user:pass@login.example.com/device', 'http://login.example.com:x@localhost:8080/device']) {
          device(server, { verification_uri: 'https://login.example.com/device', [field]: bad });
          const error = await refusal(app.initiateDeviceFlow({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
          expect(error.message).toContain(`"${field}"`);
          expect(error.message).toContain('user name or password');
          expect(error.message).not.toContain('attacker.example');
        }
      }
      expect(server.count('token')).toBe(0);
    });

    it('refuses a response with no verification URL, and accepts https or loopback http', async () => {
      const server = await start();
      const { app } = publicClient(server);
      device(server, {});
      const error = await refusal(app.initiateDeviceFlow({ scopes: ['api.read'] }), InvalidResponseError, 'invalid_response');
      expect(error.message).toContain('"verification_uri"');
      device(server, { verification_uri: 'https://microsoft.com/devicelogin', verification_uri_complete: 'https://microsoft.com/devicelogin?code=UC' });
      expect(await app.initiateDeviceFlow({ scopes: ['api.read'] })).toMatchObject({ verificationUri: 'https://microsoft.com/devicelogin', verificationUriComplete: 'https://microsoft.com/devicelogin?code=UC' });
      device(server, { verification_url: 'http://localhost:8080/device' });
      expect(await app.initiateDeviceFlow({ scopes: ['api.read'] })).toMatchObject({ verificationUri: 'http://localhost:8080/device' });
    });
  });

  describe('ID token iat and nbf', () => {
    async function signIn(server: HostileServer, claims: Record<string, unknown>, verify = false) {
      const h = publicClient(server, verify ? { idTokenSignatureVerifier: jwksSignatureVerifier } : {});
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce, ...claims }) }) }));
      return { h, outcome: h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server)) };
    }

    it('refuses an iat in the future beyond the clock skew; accepts one within it', async () => {
      const server = await start();
      for (const iat of [nowSeconds() + 3600, nowSeconds() + 10 * 365 * 86400]) {
        const { h, outcome } = await signIn(server, { iat, exp: iat + 3600 });
        const error = await refusal(outcome, ValidationError, 'invalid_iat');
        expect(error.check).toBe('iat');
        expectUntouched(h);
      }
      const { outcome } = await signIn(server, { iat: nowSeconds() + 60 });
      await expect(outcome).resolves.toMatchObject({ fromCache: false });
    });

    it('refuses a non-numeric nbf or iat instead of ignoring it', async () => {
      const server = await start();
      for (const claims of [{ nbf: '0' }, { nbf: String(nowSeconds() + 3600) }, { nbf: null }, { iat: 'yesterday' }]) {
        const { h, outcome } = await signIn(server, claims);
        const [name] = Object.keys(claims);
        const error = await refusal(outcome, ValidationError, `invalid_${name}`);
        expect(error.message).toContain(`"${name}"`);
        expectUntouched(h);
      }
      const { outcome } = await signIn(server, { nbf: nowSeconds() - 10 });
      await expect(outcome).resolves.toMatchObject({ fromCache: false });
    });

    it('refuses identity claims of the wrong type (sub, tid, oid) instead of filing tokens under a made-up account', async () => {
      const server = await start();
      for (const claims of [{ sub: 42 }, { sub: { id: 'x' } }, { tid: ['t'] }, { oid: null }]) {
        const { h, outcome } = await signIn(server, claims);
        const [name] = Object.keys(claims);
        await refusal(outcome, ValidationError, `invalid_${name}`);
        expectUntouched(h);
      }
    });
  });

  /**
   * An auth code sign-in with signature checks whose ID token is signed with `key` (default: the
   * published one), under `kid` (default the published key's; null: none).
   */
  async function verifiedSignIn(server: HostileServer, key?: CryptoKey, kid?: string | null) {
    const h = publicClient(server, { idTokenSignatureVerifier: jwksSignatureVerifier });
    const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken({ nonce: flow.nonce }, { key, kid }) }) }));
    return { h, outcome: h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server)) };
  }

  describe('JWKS with a repeated kid', () => {
    /** The stub's JWKS publishes another key under the same kid, before the signing key. */
    async function withTwin(server: HostileServer) {
      const twin = await generateKeyPair('RS256', { extractable: true });
      server.jwks = { keys: [{ ...(await exportJWK(twin.publicKey)), kid: server.keys.kid, alg: 'RS256', use: 'sig' }, server.keys.publicJwk] };
    }

    it('tries each key with the kid: a token that one of them verifies is accepted, with one JWKS fetch', async () => {
      const server = await start();
      await withTwin(server);
      await expect((await verifiedSignIn(server)).outcome).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(1);
    });

    it('refuses a token that none of the keys with its kid verifies', async () => {
      const server = await start();
      await withTwin(server);
      const { h, outcome } = await verifiedSignIn(server, server.keys.rogueKey);
      await refusal(outcome, ValidationError, 'invalid_signature');
      expectUntouched(h);
    });
  });

  describe('JWKS whose keys have no kid (tokens without kid)', () => {
    /** Two RSA keys without kid, the signing key second: both are candidates for a token without kid. */
    async function kidless(server: HostileServer) {
      const other = await generateKeyPair('RS256', { extractable: true });
      const { kid: _kid, ...signing } = server.keys.publicJwk;
      server.jwks = { keys: [{ ...(await exportJWK(other.publicKey)), alg: 'RS256', use: 'sig' }, signing] };
    }

    it('accepts the token the second key verifies, with one JWKS fetch', async () => {
      const server = await start();
      await kidless(server);
      await expect((await verifiedSignIn(server, undefined, null)).outcome).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(1);
    });

    it('refuses a token neither key verifies', async () => {
      const server = await start();
      await kidless(server);
      const { h, outcome } = await verifiedSignIn(server, server.keys.rogueKey, null);
      await refusal(outcome, ValidationError, 'invalid_signature');
      expectUntouched(h);
    });
  });

  describe('JWKS with keys this client cannot use (RFC 7517 5: ignored, not fatal)', () => {
    const unusable = [{ kid: 'no-kty', n: 'AQAB', e: 'AQAB' }, { kty: 'RSA', kid: 42, n: 'AQAB', e: 'AQAB' }, { kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq-1', pub: 'AAAA' }, { kty: 'oct', kid: 'k', k: 'c2VjcmV0' }];
    const withUnusable = (server: HostileServer) => (server.jwks = { keys: [...unusable, server.keys.publicJwk] } as HostileServer['jwks']);

    it('verifies with the published key when other keys lack kty, have a non-string kid or an unknown kty', async () => {
      const server = await start();
      withUnusable(server);
      await expect((await verifiedSignIn(server)).outcome).resolves.toMatchObject({ fromCache: false });
      expect(server.count('jwks')).toBe(1);
    });

    it('still refuses a token signed by an unpublished key, and a JWKS whose keys are not objects', async () => {
      const server = await start();
      withUnusable(server);
      const rogue = await verifiedSignIn(server, server.keys.rogueKey);
      await refusal(rogue.outcome, ValidationError, 'invalid_signature');
      expectUntouched(rogue.h);
      server.on('jwks', { body: { keys: [server.keys.publicJwk, 'not a key'] } });
      const { h, outcome } = await verifiedSignIn(server);
      await refusal(outcome, InvalidResponseError, 'invalid_response');
      expectUntouched(h);
    });
  });
});
