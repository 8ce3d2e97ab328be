// Discovery documents and JWKS from a hostile server: the metadata must be the authority's own.
import { describe, expect, it } from 'vitest';
import { InvalidResponseError, NetworkError, ValidationError, jwksSignatureVerifier, resolveAuthority } from '@tessera/core';
import { checkMetadata } from '../../core/src/authority/discovery.js';
import type { HostileServer } from './support/hostile-server.js';
import { closedPort } from './support/hostile-server.js';
import { confidentialClient, expectUntouched, publicClient, refusal, useHostileServers } from './support/harness.js';

describe('discovery from a hostile server', () => {
  const start = useHostileServers();

  const tokenFor = (server: HostileServer) => {
    const h = confidentialClient(server);
    return { h, outcome: h.app.acquireTokenForClient({ scopes: ['api.read'] }) };
  };

  async function expectRefusedMetadata(server: HostileServer, type: typeof ValidationError | typeof InvalidResponseError, code: string) {
    const { h, outcome } = tokenFor(server);
    const error = await refusal<ValidationError | InvalidResponseError>(outcome, type, code);
    expect(server.count('token')).toBe(0);
    expectUntouched(h);
    return error;
  }

  it('refuses an issuer other than the configured authority (generic OIDC)', async () => {
    const server = await start();
    server.discovery.issuer = 'https://attacker.example';
    await expectRefusedMetadata(server, ValidationError, 'invalid_issuer');
  });

  it('refuses an issuer that differs only in its path', async () => {
    const server = await start({ tenant: 'realm-a' });
    server.discovery.issuer = `${server.origin}/realm-b`;
    await expectRefusedMetadata(server, ValidationError, 'invalid_issuer');
  });

  it('accepts the issuer with a trailing slash (same issuer)', async () => {
    const server = await start();
    server.discovery.issuer = `${server.issuer}/`;
    await expect(tokenFor(server).outcome).resolves.toMatchObject({ fromCache: false });
  });

  it('refuses an Entra document whose issuer is on another host', async () => {
    const server = await start({ entra: true });
    server.discovery.issuer = `http://localhost:${new URL(server.origin).port}/stub-tenant/v2.0`;
    await expectRefusedMetadata(server, ValidationError, 'invalid_issuer');
  });

  for (const endpoint of ['token_endpoint', 'authorization_endpoint', 'device_authorization_endpoint', 'jwks_uri', 'end_session_endpoint']) {
    it(`refuses an Entra ${endpoint} on another origin`, async () => {
      const server = await start({ entra: true });
      server.discovery[endpoint] = `http://localhost:${new URL(server.origin).port}/elsewhere`;
      const error = await expectRefusedMetadata(server, ValidationError, 'invalid_endpoint');
      expect(error.message).toContain('localhost');
    });
  }

  it('checks a document shared by URL under each authority kind that uses it: no Entra secret goes off-cloud after an OIDC client fetched it', async () => {
    // `authority: <host>/stub-tenant` (Entra) and `oidcAuthority: <host>/stub-tenant/v2.0` (MSAL's
    // oidc_authority pattern) fetch the same discovery URL. Its token endpoint on another host is an
    // OIDC issuer's choice, but off the Entra authority's cloud.
    const server = await start({ entra: true });
    server.discovery.token_endpoint = `http://localhost:${new URL(server.origin).port}/token`;
    const oidc = confidentialClient(server, { authority: undefined, knownEntraHosts: undefined, oidcAuthority: server.issuer });
    await expect(oidc.app.acquireTokenForClient({ scopes: ['api.read'] })).resolves.toMatchObject({ fromCache: false });
    expect(server.count('token')).toBe(1);
    const entra = confidentialClient(server);
    await refusal(entra.app.acquireTokenForClient({ scopes: ['api.read'] }), ValidationError, 'invalid_endpoint');
    expect(server.count('token')).toBe(1);
    expectUntouched(entra);
  });

  it('refuses an Entra endpoint in another Entra cloud', async () => {
    const server = await start({ entra: true });
    server.discovery.token_endpoint = 'https://login.microsoftonline.us/stub-tenant/oauth2/v2.0/token';
    const error = await expectRefusedMetadata(server, ValidationError, 'invalid_endpoint');
    // It is https: the message names the cloud check too, not the scheme alone.
    expect(error.message).toMatch(/https:\/\/login\.microsoftonline\.us is not https or not in the authority's cloud/);
  });

  it('refuses a plain-http endpoint off loopback (downgrade) for a generic OIDC authority', async () => {
    const server = await start();
    server.discovery.token_endpoint = 'http://idp.example/token';
    const error = await expectRefusedMetadata(server, ValidationError, 'invalid_endpoint');
    expect(error.message).toContain('http://idp.example is not https or not in the authority\'s cloud');
  });

  it('refuses endpoints that are not http(s) URLs', async () => {
    const server = await start();
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
      server.discovery.token_endpoint = bad;
      await expectRefusedMetadata(server, InvalidResponseError, 'invalid_response');
    }
  });

  it('generic OIDC: an https endpoint on another host is the issuer’s choice and allowed; http is not', () => {
    // Checked without the network: the rule itself (authority/discovery.ts checkMetadata).
    const authority = resolveAuthority({ authority: 'https://id.example.com' });
    const doc = { issuer: 'https://id.example.com', token_endpoint: 'https://tokens.example.net/token' };
    expect(checkMetadata(authority, doc)).toBe(doc);
    expect(() => checkMetadata(authority, { ...doc, token_endpoint: 'http://tokens.example.net/token' })).toThrow(ValidationError);
    // An https authority never accepts a loopback http endpoint either.
    expect(() => checkMetadata(authority, { ...doc, jwks_uri: 'http://127.0.0.1:9/jwks' })).toThrow(ValidationError);
    const entra = resolveAuthority({ authority: 'https://login.microsoftonline.com/contoso' });
    const entraDoc = { issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', token_endpoint: 'https://login.windows.net/contoso/oauth2/v2.0/token' };
    expect(checkMetadata(entra, entraDoc)).toBe(entraDoc); // an alias of the same cloud
    expect(() => checkMetadata(entra, { ...entraDoc, token_endpoint: 'https://login.chinacloudapi.cn/contoso/oauth2/v2.0/token' })).toThrow(ValidationError);
  });

  it('refuses a discovery document that is not the expected JSON', async () => {
    const server = await start();
    server.on('discovery', { body: '<html>Sign in</html>' });
    await expectRefusedMetadata(server, InvalidResponseError, 'invalid_response');
    server.on('discovery', { body: { issuer: server.issuer } });
    const error = await expectRefusedMetadata(server, InvalidResponseError, 'invalid_response');
    expect(error.message).toContain('token_endpoint');
  });

  it('reports a 404 discovery once (no retry) and does not remember the failure', async () => {
    const server = await start();
    server.on('discovery', { status: 404, body: 'not here' });
    await expectRefusedMetadata(server, InvalidResponseError, 'discovery_failed');
    expect(server.count('discovery')).toBe(1);
    // Recovery: the next call fetches again and works.
    server.on('discovery', { body: server.discovery });
    await expect(tokenFor(server).outcome).resolves.toMatchObject({ fromCache: false });
    expect(server.count('discovery')).toBe(2);
  });

  describe('JWKS', () => {
    const signIn = (server: HostileServer) => {
      server.on('token', async () => ({ body: server.tokenResponse({ id_token: await server.idToken() }) }));
      const h = publicClient(server, { idTokenSignatureVerifier: jwksSignatureVerifier });
      return { h, outcome: h.app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'u', password: 'p' }) };
    };

    it('fails closed when the JWKS is unreachable (refused connection), after bounded retries', async () => {
      const server = await start();
      server.discovery.jwks_uri = `http://127.0.0.1:${await closedPort()}/jwks`;
      const { h, outcome } = signIn(server);
      await refusal(outcome, NetworkError, 'network_error');
      expectUntouched(h);
    });

    it('fails closed when the JWKS answers 404 (no retry) or 500 (bounded retries), as an outage (jwks_unavailable), not a bad signature', async () => {
      const server = await start();
      server.on('jwks', { status: 404, body: 'gone' });
      const first = signIn(server);
      await refusal(first.outcome, InvalidResponseError, 'jwks_unavailable');
      expect(server.count('jwks')).toBe(1);
      expectUntouched(first.h);
      server.on('jwks', { status: 500, body: 'down' });
      const second = signIn(server);
      await refusal(second.outcome, InvalidResponseError, 'jwks_unavailable');
      expect(server.count('jwks')).toBe(1 + 4);
      expectUntouched(second.h);
    });

    it('fails closed when the JWKS is not a key set', async () => {
      const server = await start();
      server.on('jwks', { body: { keys: 'none' } });
      const { h, outcome } = signIn(server);
      await refusal(outcome, InvalidResponseError, 'invalid_response');
      expectUntouched(h);
    });

    it('fails closed when signatures are checked but the authority publishes no jwks_uri', async () => {
      const server = await start();
      delete server.discovery.jwks_uri;
      const { h, outcome } = signIn(server);
      await refusal(outcome, ValidationError, 'invalid_signature');
      expectUntouched(h);
    });
  });
});
