// DPoP nonces (RFC 9449 8, 9) from a faulty server: one that asks for a new nonce again right after
// the retry with the nonce it gave, and one that asks without giving any. A real provider never
// does either, so a stub answers. Every grant whose token request takes the shared path
// (token-request.ts) is retried exactly once and then refused with `dpop_nonce_refused`; so is the
// resource-request helper (fetchWithDpop). Nothing is cached.
import { describe, expect, it } from 'vitest';
import { type AuthenticationResult, InvalidResponseError, ServerError } from '@tessera/core';
import type { HostileServer, Reply, SeenRequest } from './support/hostile-server.js';
import { REDIRECT_URI, SCOPES, confidentialClient, expectUntouched, publicClient, redirectFor, refusal, useHostileServers } from './support/harness.js';

/** The payload of the DPoP proof a request carried (undefined without one). */
function proofOf(request: SeenRequest): Record<string, unknown> | undefined {
  const proof = request.headers.dpop;
  if (typeof proof !== 'string') return undefined;
  return JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A token endpoint that answers every request `use_dpop_nonce`, each time with a new nonce (or none). */
const alwaysAsksForNonce =
  (giveNonce: boolean) =>
  (_request: SeenRequest, index: number): Reply => ({
    status: 400,
    headers: giveNonce ? { 'dpop-nonce': `nonce-${index}` } : {},
    body: { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' },
  });

type Grant = {
  name: string;
  grantType: string;
  /** Starts the grant's token request with a DPoP client on `server`; returns the harness to check and the call. */
  run(server: HostileServer): Promise<{ h: Parameters<typeof expectUntouched>[0]; call: Promise<unknown> }>;
};

const grants: Grant[] = [
  {
    name: 'client credentials',
    grantType: 'client_credentials',
    run: async (server) => {
      const h = confidentialClient(server, { dpop: true });
      return { h, call: h.app.acquireTokenForClient({ scopes: SCOPES }) };
    },
  },
  {
    name: 'authorization code',
    grantType: 'authorization_code',
    run: async (server) => {
      const h = publicClient(server, { dpop: true });
      const flow = await h.app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
      return { h, call: h.app.acquireTokenByAuthCodeFlow(flow, redirectFor(flow, server)) };
    },
  },
  {
    name: 'refresh token',
    grantType: 'refresh_token',
    run: async (server) => {
      const h = publicClient(server, { dpop: true });
      return { h, call: h.app.acquireTokenByRefreshToken('stub-refresh-token', { scopes: SCOPES }) };
    },
  },
  {
    name: 'device code',
    grantType: 'urn:ietf:params:oauth:grant-type:device_code',
    run: async (server) => {
      server.on('device', { body: { device_code: 'dc', user_code: 'UC', verification_uri: `${server.origin}/device`, expires_in: 60, interval: 1 } });
      const h = publicClient(server, { dpop: true });
      const flow = await h.app.initiateDeviceFlow({ scopes: SCOPES });
      return { h, call: h.app.acquireTokenByDeviceFlow(flow) };
    },
  },
  {
    name: 'on-behalf-of',
    grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    run: async (server) => {
      const h = confidentialClient(server, { dpop: true });
      return { h, call: h.app.acquireTokenOnBehalfOf({ userAssertion: 'header.payload.signature', scopes: SCOPES }) };
    },
  },
  {
    name: 'username and password',
    grantType: 'password',
    run: async (server) => {
      const h = publicClient(server, { dpop: true });
      return { h, call: h.app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'user1@example.com', password: 'stub-password' }) };
    },
  },
];

describe('a token endpoint that keeps asking for a DPoP nonce', () => {
  const start = useHostileServers();

  for (const grant of grants) {
    it(`${grant.name}: sent once more with the new nonce, then refused (dpop_nonce_refused); nothing cached`, async () => {
      const server = await start();
      server.on('token', alwaysAsksForNonce(true));
      const { h, call } = await grant.run(server);
      const error = await refusal(call, InvalidResponseError, 'dpop_nonce_refused');
      expect(error.message).toBe(`${server.origin} answered use_dpop_nonce again after the retry with its nonce`);
      // The server's own answer stays reachable.
      expect(error.cause).toBeInstanceOf(ServerError);
      expect((error.cause as ServerError).error).toBe('use_dpop_nonce');

      const seen = server.seen('token');
      expect(seen.map((r) => r.params.get('grant_type'))).toEqual([grant.grantType, grant.grantType]);
      const [first, second] = seen.map(proofOf);
      expect(first).toBeDefined();
      expect(first!.nonce).toBeUndefined();
      // The retry is a new proof carrying the nonce of the first answer.
      expect(second!.nonce).toBe('nonce-0');
      expect(second!.jti).not.toBe(first!.jti);
      expectUntouched(h);
    });
  }

  it('a use_dpop_nonce answer without a DPoP-Nonce header is not retried and names the missing header', async () => {
    const server = await start();
    server.on('token', alwaysAsksForNonce(false));
    const h = confidentialClient(server, { dpop: true });
    const error = await refusal(h.app.acquireTokenForClient({ scopes: SCOPES }), InvalidResponseError, 'dpop_nonce_refused');
    expect(error.message).toBe(`${server.origin} answered use_dpop_nonce without a new DPoP-Nonce (CORS must expose the header)`);
    expect(server.count('token')).toBe(1);
    expectUntouched(h);
  });

  it('use_dpop_nonce with the very nonce the proof carried is not retried', async () => {
    const server = await start();
    const h = confidentialClient(server, { dpop: true });
    server.on('token', { status: 400, headers: { 'dpop-nonce': 'n1' }, body: { error: 'use_dpop_nonce' } }, { body: server.tokenResponse({ token_type: 'DPoP' }) }, { status: 400, headers: { 'dpop-nonce': 'n1' }, body: { error: 'use_dpop_nonce' } });
    await h.app.acquireTokenForClient({ scopes: SCOPES });
    const error = await refusal(h.app.acquireTokenForClient({ scopes: SCOPES, forceRefresh: true }), InvalidResponseError, 'dpop_nonce_refused');
    expect(error.message).toContain('without a new DPoP-Nonce');
    // n1 was sent, refused with n1 again: no third request with it.
    expect(server.seen('token').map((r) => proofOf(r)!.nonce)).toEqual([undefined, 'n1', 'n1']);
  });

  it('a nonce asked for on a later request is retried once again (the rule is per request, not per client)', async () => {
    const server = await start();
    const h = confidentialClient(server, { dpop: true });
    const ok = (): Reply => ({ body: server.tokenResponse({ token_type: 'DPoP' }) });
    const asks = (nonce: string): Reply => ({ status: 400, headers: { 'dpop-nonce': nonce }, body: { error: 'use_dpop_nonce' } });
    server.on('token', asks('n1'), ok(), asks('n2'), ok());
    await h.app.acquireTokenForClient({ scopes: SCOPES });
    await h.app.acquireTokenForClient({ scopes: SCOPES, forceRefresh: true });
    expect(server.seen('token').map((r) => proofOf(r)!.nonce)).toEqual([undefined, 'n1', 'n1', 'n2']);
  });
});

describe('a resource server that keeps asking for a DPoP nonce (fetchWithDpop)', () => {
  const start = useHostileServers();

  it('sends the request once more with the new nonce, then refuses with dpop_nonce_refused', async () => {
    const server = await start();
    server.on('other', (_request, index) => ({ status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': `rs-nonce-${index}` }, body: '' }));
    const h = confidentialClient(server, { dpop: true });
    const result: AuthenticationResult = { accessToken: 'stub-dpop-token', tokenType: 'DPoP', expiresOn: new Date(Date.now() + 3600_000), scopes: SCOPES, fromCache: false };
    const url = `${server.origin}/orders`;
    const error = await refusal(h.app.fetchWithDpop(result, url), InvalidResponseError, 'dpop_nonce_refused');
    expect(error.message).toBe(`${server.origin} answered use_dpop_nonce again after the retry with its nonce`);
    const seen = server.seen('other');
    expect(seen.map((r) => [r.headers.authorization, proofOf(r)!.nonce])).toEqual([
      ['DPoP stub-dpop-token', undefined],
      ['DPoP stub-dpop-token', 'rs-nonce-0'],
    ]);
  });
});
