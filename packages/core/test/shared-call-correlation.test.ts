// Concurrent identical calls share one request (single flight), but each caller's call keeps its
// own correlation id: the one it passed (or was given) is on its result and on the error it gets,
// never the id of the caller whose request they joined. Against the dev authority, with the token
// request held in flight until every caller has joined it.
import { completeAuthorization } from '@tessera/dev-authority';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type AccountInfo, type AuthenticationResult, ConfidentialClientApplication, type HttpClient, NetworkError, PublicClientApplication, ServerError, TokenCache, clearMetadataCache } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';
import { gatedTransport } from './support/gated-transport.js';

const APP_ONLY = ['urn:tessera:api/.default'];
const IDS = ['corr-first', 'corr-joiner', 'corr-late'];

describe('callers sharing one request keep their own correlation ids', () => {
  const idp = useDevAuthority();
  const confidential = (clientCredential = idp.current.clients.confidential.clientSecret) => {
    const gate = gatedTransport();
    const app = new ConfidentialClientApplication({ clientId: idp.current.clients.confidential.clientId, clientCredential, authority: idp.current.issuer, httpClient: gate.httpClient });
    return { app, gate };
  };
  const cc = { path: '/token', grantType: 'client_credentials' };

  it('client credentials: one request (with the first caller id), one token, and each result carries its caller id', async () => {
    clearMetadataCache();
    const { app, gate } = confidential();
    idp.current.clearRequests();
    const calls = IDS.map((correlationId) => app.acquireTokenForClient({ scopes: APP_ONLY, correlationId }));
    await gate.waiting;
    gate.release();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.correlationId)).toEqual(IDS);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results.every((r) => !r.fromCache)).toBe(true);
    expect(idp.current.countRequests(cc)).toBe(1);
    expect(idp.current.requests.filter((r) => r.path === '/token').map((r) => r.clientRequestId)).toEqual(['corr-first']);
  });

  it('client credentials refused: each caller gets the server error with its own id, and the first caller error is not changed by the others', async () => {
    clearMetadataCache();
    const { app, gate } = confidential('not-the-secret');
    idp.current.clearRequests();
    const calls = IDS.map((correlationId) => app.acquireTokenForClient({ scopes: APP_ONLY, correlationId }).catch((e: unknown) => e));
    await gate.waiting;
    gate.release();
    const errors = (await Promise.all(calls)) as ServerError[];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ name: 'ServerError', code: 'invalid_client', error: 'invalid_client', status: 401 });
      expect(error.stack).toContain('invalid_client');
    }
    expect(errors.map((e) => e.correlationId)).toEqual(IDS);
    expect(idp.current.countRequests(cc)).toBe(1);
  });

  it('on-behalf-of: callers exchanging one assertion share one exchange, each result with its own id', async () => {
    clearMetadataCache();
    const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const userAssertion = (await native.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'obo-user', password: 'pw' })).accessToken;
    const { app, gate } = confidential();
    idp.current.clearRequests();
    const calls = IDS.map((correlationId) => app.acquireTokenOnBehalfOf({ scopes: ['api.read'], userAssertion, correlationId }));
    await gate.waiting;
    gate.release();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.correlationId)).toEqual(IDS);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(idp.current.countRequests({ path: '/token', grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' })).toBe(1);
  });

  it('silent refresh: callers joining one refresh get the refreshed token, each with its own id', async () => {
    clearMetadataCache();
    const tokenCache = new TokenCache();
    const publicClient = (httpClient?: HttpClient) => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, tokenCache, httpClient });
    const signIn = publicClient();
    const flow = await signIn.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const account: AccountInfo = (await signIn.acquireTokenByAuthCodeFlow(flow, redirectUrl)).account!;
    /** Every caller's silent refresh, joined while the one refresh request is held; their results or errors. */
    const joinedRefresh = async () => {
      const gate = gatedTransport();
      const app = publicClient(gate.httpClient);
      idp.current.clearRequests();
      const calls = IDS.map((correlationId) => app.acquireTokenSilent({ scopes: ['api.read'], account, forceRefresh: true, correlationId }).catch((e: unknown) => e as ServerError));
      await gate.waiting;
      gate.release();
      const outcomes = await Promise.all(calls);
      expect(idp.current.countRequests({ path: '/token', grantType: 'refresh_token' })).toBe(1);
      return outcomes;
    };
    const results = (await joinedRefresh()) as AuthenticationResult[];
    expect(results.map((r) => r.correlationId)).toEqual(IDS);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results.every((r) => !r.fromCache)).toBe(true);

    // A refresh the provider refuses (the grant is revoked): each caller's error has its own id.
    await idp.current.revokeSubject('ada');
    const errors = (await joinedRefresh()) as ServerError[];
    expect(errors.map((e) => [e.code, e.correlationId])).toEqual(IDS.map((id) => ['invalid_grant', id]));
  });

  it('a discovery that fails under concurrent calls (one fetch, shared) fails each call with its own id', async () => {
    // A loopback port nothing listens on: the one discovery request is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    clearMetadataCache();
    const app = new ConfidentialClientApplication({ clientId: 'app', clientCredential: 'secret', authority: `http://127.0.0.1:${port}`, retry: false });
    // Different scopes: separate calls (no single flight), one discovery.
    const errors = await Promise.all(IDS.map((correlationId, i) => app.acquireTokenForClient({ scopes: [`urn:api-${i}/.default`], correlationId }).catch((e: unknown) => e as NetworkError)));
    for (const error of errors) expect(error).toBeInstanceOf(NetworkError);
    expect(errors.map((e) => e.correlationId)).toEqual(IDS);
  });
});
