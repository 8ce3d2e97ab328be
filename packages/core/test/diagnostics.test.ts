// Diagnostics (issue 15 item 6) against the real dev authority: every request of a call carries
// its correlation id as client-request-id (the authorize URL as a query parameter), results
// (cache hits too) and errors return it; Entra-only headers stay away from other providers.
// The browser's variant (diagnosticParameters) is checked here on request shapes and in Chromium
// (packages/browser/e2e/entra-b2c-ciam.spec.ts).
import { approveDeviceCode, completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import {
  ConfidentialClientApplication,
  FetchHttpClient,
  type HttpRequest,
  PublicClientApplication,
  ServerError,
  clearMetadataCache,
  diagnosticParameters,
  libraryHeaders,
} from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation ids against the dev authority', () => {
  const idp = useDevAuthority();
  /** Headers as the client sent them (the dev authority's log keeps only the correlation id). */
  const sent: HttpRequest[] = [];
  const recording = { send: (r: HttpRequest) => (sent.push(r), new FetchHttpClient().send(r)) };
  const native = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, httpClient: recording });
  const fresh = () => {
    clearMetadataCache();
    idp.current.clearRequests();
    sent.length = 0;
  };

  it('sign-in: discovery and the code redemption carry the flow id (the authorize URL only to Entra); results return it', async () => {
    fresh();
    const app = native();
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    expect(flow.correlationId).toMatch(UUID);
    // A provider other than Entra may refuse an authorize parameter it does not know: none is sent.
    expect(new URL(flow.authUri).searchParams.has('client-request-id')).toBe(false);
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const result = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(result.correlationId).toBe(flow.correlationId);
    const discovery = idp.current.requests.find((r) => r.path.endsWith('/.well-known/openid-configuration'))!;
    const token = idp.current.requests.find((r) => r.grantType === 'authorization_code')!;
    for (const r of [discovery, token]) expect(r.clientRequestId).toBe(flow.correlationId);
    expect(token.returnClientRequestId).toBe(true);
    // Entra's x-* headers go to Entra only.
    for (const r of sent) expect(Object.keys(r.headers ?? {}).filter((h) => h.toLowerCase().startsWith('x-'))).toEqual([]);

    // A cache hit has its own id, or the caller's; a refresh sends the caller's.
    idp.current.clearRequests();
    const hit = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account! });
    expect(hit.fromCache).toBe(true);
    expect(hit.correlationId).toMatch(UUID);
    expect(hit.correlationId).not.toBe(flow.correlationId);
    expect((await app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, correlationId: 'caller-id-1' })).correlationId).toBe('caller-id-1');
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: result.account!, forceRefresh: true, correlationId: 'caller-id-2' });
    expect(refreshed.correlationId).toBe('caller-id-2');
    expect(idp.current.requests.map((r) => [r.grantType, r.clientRequestId])).toEqual([['refresh_token', 'caller-id-2']]);
  });

  it('device code: the start and every poll carry the flow id', async () => {
    fresh();
    const app = native();
    const flow = await app.initiateDeviceFlow({ scopes: SCOPES, correlationId: 'device-call' });
    expect(flow.correlationId).toBe('device-call');
    flow.interval = 0.3;
    const pending = app.acquireTokenByDeviceFlow(flow);
    await approveDeviceCode(idp.current.issuer, flow.userCode, { username: 'devon' });
    expect((await pending).correlationId).toBe('device-call');
    const ours = idp.current.requests.filter((r) => r.path === '/device/auth' || r.grantType?.includes('device_code'));
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const r of ours) expect(r.clientRequestId).toBe('device-call');
  });

  it('errors carry the id: the caller\'s, else a fresh one', async () => {
    fresh();
    const app = new ConfidentialClientApplication({ clientId: idp.current.clients.confidential.clientId, clientCredential: 'wrong', authority: idp.current.issuer });
    const error = (await app.acquireTokenForClient({ scopes: SCOPES, correlationId: 'failing-call' }).catch((e: unknown) => e)) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.correlationId).toBe('failing-call');
    expect(idp.current.requests.find((r) => r.grantType === 'client_credentials')?.clientRequestId).toBe('failing-call');
    const other = (await app.acquireTokenForClient({ scopes: SCOPES }).catch((e: unknown) => e)) as ServerError;
    expect(other.correlationId).toMatch(UUID);
  });
});

describe('diagnostics as parameters (the browser package: no custom header, no CORS preflight)', () => {
  const entra = libraryHeaders(true, { sku: 'tessera.js.browser', version: '1.2.3' });
  const post = (url: string): HttpRequest => ({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=rt' });

  it("an Entra token POST: the id in the query (kept beside the endpoint's own), the library info in the body, headers as they were", () => {
    // Legacy B2C endpoints name the policy in the query (?p=...).
    const sent = diagnosticParameters(post('https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/v2.0/token?p=b2c_1_susi'), 'id &=1', entra);
    const url = new URL(sent.url);
    expect([...url.searchParams]).toEqual([['p', 'b2c_1_susi'], ['client-request-id', 'id &=1']]);
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      'x-client-SKU': 'tessera.js.browser',
      'x-client-VER': '1.2.3',
      'x-ms-lib-capability': 'retry-after, h429',
    });
    expect(sent.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
  });

  it('another provider gets the id only; GETs (discovery) go as they are', () => {
    const sent = diagnosticParameters(post('https://idp.example.com/token'), 'call-1', libraryHeaders(false, { sku: 'x', version: '1' }));
    expect(sent.url).toBe('https://idp.example.com/token?client-request-id=call-1');
    expect(sent.body).toBe('grant_type=refresh_token&refresh_token=rt');
    const get: HttpRequest = { method: 'GET', url: 'https://idp.example.com/.well-known/openid-configuration' };
    expect(diagnosticParameters(get, 'call-1', entra)).toBe(get);
  });
});
