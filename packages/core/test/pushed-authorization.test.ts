// Pushed Authorization Requests (RFC 9126): answers and discovery documents a real provider does
// not give (stubbed); the real flows against oidc-provider are in
// packages/node/test/interactive/pushed-authorization.test.ts.
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../src/http/redaction.js';
import { ConfidentialClientApplication, ConfigurationError, type HttpRequest, InvalidResponseError, PublicClientApplication, ServerError, ValidationError } from '../src/index.js';

const ISSUER = 'https://idp.example.com';
const metadata = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    pushed_authorization_request_endpoint: `${ISSUER}/par`,
    ...extra,
  });

/** A client whose transport answers every request with `body` (status `status`) and records what it was sent. */
function client(body: unknown, options: { status?: number; metadata?: string; secret?: string; pushedAuthorizationRequests?: 'auto' | 'always' | 'never' } = {}) {
  const sent: HttpRequest[] = [];
  const httpClient = {
    send: async (request: HttpRequest) => {
      sent.push(request);
      return { status: options.status ?? 201, headers: {}, body: JSON.stringify(body) };
    },
  };
  const common = {
    clientId: 'app',
    oidcAuthority: ISSUER,
    authorityMetadata: options.metadata ?? metadata({ require_pushed_authorization_requests: true }),
    httpClient,
    retry: false as const,
    pushedAuthorizationRequests: options.pushedAuthorizationRequests,
  };
  const app = options.secret ? new ConfidentialClientApplication({ ...common, clientCredential: options.secret }) : new PublicClientApplication(common);
  return { app, sent };
}
const start = (app: PublicClientApplication | ConfidentialClientApplication) => app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: 'http://127.0.0.1:1/' });

describe('pushed authorization requests', () => {
  it('pushes every parameter and gives the browser only client_id and request_uri', async () => {
    const { app, sent } = client({ request_uri: 'urn:ietf:params:oauth:request_uri:abc', expires_in: 60 });
    const flow = await start(app);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: `${ISSUER}/par` });
    const pushed = new URLSearchParams(sent[0]!.body);
    expect(pushed.get('code_challenge_method')).toBe('S256');
    expect(pushed.get('state')).toBe(flow.state);
    expect(Object.fromEntries(new URL(flow.authUri).searchParams)).toEqual({ client_id: 'app', request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
    expect(flow.requestUriExpiresAt).toBeGreaterThan(Date.now() / 1000 + 50);
  });

  it("a request pushed again (refreshAuthUri) is part of the sign-in's call: its correlation id on the request and on an error", async () => {
    const { app, sent } = client({ request_uri: 'urn:ietf:params:oauth:request_uri:abc', expires_in: 60 });
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: 'http://127.0.0.1:1/', correlationId: 'par-call-1' });
    flow.requestUriExpiresAt = 0;
    await app.refreshAuthUri(flow);
    expect(sent.map((r) => r.headers?.['client-request-id'])).toEqual(['par-call-1', 'par-call-1']);
    flow.requestUriExpiresAt = 0;
    const failing = client({ error: 'invalid_request' }, { status: 400 });
    const error = await failing.app.refreshAuthUri(flow).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ correlationId: 'par-call-1' });
    expect(failing.sent[0]!.headers?.['client-request-id']).toBe('par-call-1');
  });

  it("refuses a request_uri that expires too soon for a browser (expires_in 0), and a negative or missing one", async () => {
    for (const expires_in of [0, 3]) {
      const error = await start(client({ request_uri: 'urn:x', expires_in }).app).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error).toMatchObject({ code: 'request_uri_expired' });
    }
    for (const body of [{ request_uri: 'urn:x', expires_in: -1 }, { request_uri: '', expires_in: 60 }, { expires_in: 60 }]) {
      const error = await start(client(body).app).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as Error).message).toMatch(/^Pushed authorization response has an invalid field "(expires_in|request_uri)"/);
    }
  });

  it('a PAR error is a ServerError with the provider\'s code and description, a quoted secret redacted', async () => {
    const secret = 'the-Client-Secret-42';
    const { app, sent } = client({ error: 'invalid_request', error_description: `bad client_secret=${secret}` }, { status: 400, secret });
    const error = await start(app).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ error: 'invalid_request', status: 400 });
    expect((error as ServerError).errorDescription).toBe(`bad client_secret=${REDACTED}`);
    expect((error as Error).message).not.toContain(secret);
    expect(sent[0]!.headers?.authorization).toMatch(/^Basic /);
  });

  it("'always' against a provider without a PAR endpoint, and a PAR endpoint over plain http, are refused", async () => {
    const none = client({}, { metadata: metadata({ pushed_authorization_request_endpoint: undefined }), pushedAuthorizationRequests: 'always' });
    await expect(start(none.app)).rejects.toMatchObject({ code: 'par_unsupported' });
    await expect(start(none.app)).rejects.toBeInstanceOf(ConfigurationError);
    expect(none.sent).toHaveLength(0);
    // An OIDC authority's endpoints may be anywhere on https; an http one off loopback is a downgrade.
    const downgrade = client({}, { metadata: metadata({ pushed_authorization_request_endpoint: 'http://idp.example.com/par' }) });
    await expect(start(downgrade.app)).rejects.toBeInstanceOf(ValidationError);
    expect(downgrade.sent).toHaveLength(0);
  });

  it("'auto' without the provider requiring it, and 'never', send everything through the browser", async () => {
    for (const [mode, required] of [['auto', false], ['never', false]] as const) {
      const { app, sent } = client({}, { metadata: metadata({ require_pushed_authorization_requests: required }), pushedAuthorizationRequests: mode });
      const flow = await start(app);
      expect(sent).toHaveLength(0);
      expect(new URL(flow.authUri).searchParams.get('code_challenge')).toBeTruthy();
      expect(flow.requestUriExpiresAt).toBeUndefined();
    }
  });
});
