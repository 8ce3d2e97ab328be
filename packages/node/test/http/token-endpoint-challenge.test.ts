// OAuth errors given only in WWW-Authenticate (an empty or non-JSON body): the Node transport hands
// core the challenge's error as the body, so the typed error keeps the server's code. The dev
// authority (oidc-provider) is the server; what it never sends (a challenge without a JSON body at
// the token endpoint: gateways that drop error bodies; use_dpop_nonce as a 401 challenge; a
// description quoting the secret) is made by a loopback gateway in front of it that rewrites its answers.
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchHttpClient, type HttpClient, InteractionRequiredError, InvalidResponseError, ServerError, clearMetadataCache } from '@tessera/core';
import { type DevAuthorityOptions, startDevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeConfidentialClientApplication, NodeHttpClient } from '../../src/index.js';
import { parseChallenges } from '../../src/http/challenge.js';

const APP_ONLY = ['urn:tessera:api/.default'];
const WRONG_SECRET = 'wrong-secret-value-0123456789';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A gateway at its own origin in front of a dev authority whose issuer is that origin; `rewrite` changes token endpoint answers. */
async function startGateway(options: DevAuthorityOptions = {}) {
  let port = 0;
  let rewrite: (answer: Answer) => Answer = (a) => a;
  const gateway = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => (body += chunk));
      answer.on('end', () => {
        const original = { status: answer.statusCode ?? 502, headers: answer.headers, body };
        const out = req.url?.endsWith('/token') ? rewrite(original) : original;
        const headers = { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) };
        delete headers['transfer-encoding'];
        res.writeHead(out.status, headers).end(out.body);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const idp = await startDevAuthority({ ...options, issuer: origin });
  port = idp.port;
  return {
    idp,
    rewrite: (next: (answer: Answer) => Answer) => void (rewrite = next),
    close: async () => {
      await idp.close();
      gateway.closeAllConnections();
      await new Promise((resolve) => gateway.close(resolve));
    },
  };
}

/** A gateway that answers a refusal with the upstream's headers but no body (as some API gateways do). */
const dropBody = (a: Answer): Answer => {
  if (a.status < 400) return a;
  const { 'content-type': _dropped, ...headers } = a.headers;
  return { ...a, headers, body: '' };
};

describe('token endpoint errors given only in WWW-Authenticate (Node transport)', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.rewrite((a) => a);
    clearMetadataCache();
  });
  const wrongSecretApp = (httpClient?: HttpClient) =>
    new NodeConfidentialClientApplication({ clientId: gw.idp.clients.confidential.clientId, clientCredential: WRONG_SECRET, clientAuthMethod: 'client_secret_basic', authority: gw.idp.issuer, httpClient });

  it('oidc-provider answers a wrong client_secret_basic with 401, a Basic challenge naming invalid_client, and the same error as JSON', async () => {
    const basic = Buffer.from(`${gw.idp.clients.confidential.clientId}:${WRONG_SECRET}`).toString('base64');
    const answer = await new NodeHttpClient().send({
      method: 'POST',
      url: `${gw.idp.issuer}/token`,
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
    });
    expect(answer.status).toBe(401);
    expect(parseChallenges(answer.headers['www-authenticate']!)).toEqual([
      { scheme: 'Basic', params: { realm: gw.idp.issuer, error: 'invalid_client', error_description: 'client authentication failed' } },
    ]);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });

    const error = await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'invalid_client', error: 'invalid_client', errorDescription: 'client authentication failed', status: 401 });
  });

  it('behind a gateway that drops the body, the challenge gives the same typed error (not "not valid JSON")', async () => {
    gw.rewrite(dropBody);
    const error = await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'invalid_client', error: 'invalid_client', errorDescription: 'client authentication failed', status: 401 });
    expect((error as Error).message).not.toMatch(/JSON/);
  });

  it("an app's own httpClient (here core's FetchHttpClient) gets the same typed error", async () => {
    gw.rewrite(dropBody);
    const error = await wrongSecretApp(new FetchHttpClient()).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'invalid_client', error: 'invalid_client', errorDescription: 'client authentication failed', status: 401 });
  });

  it("a description quoting the request's secret is redacted, as in a JSON body", async () => {
    const basic = Buffer.from(`${gw.idp.clients.confidential.clientId}:${WRONG_SECRET}`).toString('base64');
    gw.rewrite((a) => ({
      status: 401,
      headers: { 'www-authenticate': `Basic realm="x", error=invalid_client, error_description="secret \\"${WRONG_SECRET}\\" (Basic ${basic}) is wrong"` },
      body: '<html>Unauthorized</html>',
    }));
    const error = await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    const text = `${(error as Error).message} ${(error as ServerError).errorDescription}`;
    expect(text).toContain('<redacted>');
    expect(text).not.toContain(WRONG_SECRET.slice(0, 12));
    expect(text).not.toContain(basic.slice(0, 12));
  });

  it('an error that asks for interaction becomes InteractionRequiredError', async () => {
    gw.rewrite(() => ({ status: 400, headers: { 'www-authenticate': 'Bearer error="interaction_required", error_description="sign in again"' }, body: '' }));
    const error = await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredError);
    expect(error).toMatchObject({ error: 'interaction_required', errorDescription: 'sign in again', status: 400 });
  });

  it('a JSON error body wins over the challenge; a challenge without an error leaves the body as it was', async () => {
    gw.rewrite((a) => ({ ...a, headers: { ...a.headers, 'www-authenticate': 'Basic error="invalid_request"' } }));
    expect(await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e)).toMatchObject({ error: 'invalid_client' });

    gw.rewrite(() => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="x"' }, body: '' }));
    const error = await wrongSecretApp().acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/not valid JSON \(HTTP 401\)/);
  });
});

describe('use_dpop_nonce given as a 401 DPoP challenge at the token endpoint', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway({ dpop: { requireNonce: true, boundClients: ['tessera-confidential'] } });
  });
  afterAll(() => gw.close());

  it.each([
    ['the Node transport', undefined],
    ["an app's own httpClient", new FetchHttpClient()],
  ])('is retried with the nonce, and the provider issues a DPoP-bound token (%s)', async (_, httpClient) => {
    // oidc-provider answers 400 with a JSON body; the gateway turns it into the RFC 6750-style challenge.
    gw.rewrite((a) => {
      if (a.status !== 400 || !a.body.includes('use_dpop_nonce')) return a;
      return {
        status: 401,
        headers: { 'dpop-nonce': a.headers['dpop-nonce'] as string, 'www-authenticate': 'DPoP algs="ES256", error="use_dpop_nonce", error_description="Authorization server requires nonce in DPoP proof"' },
        body: '',
      };
    });
    const app = new NodeConfidentialClientApplication({
      clientId: gw.idp.clients.confidential.clientId,
      clientCredential: gw.idp.clients.confidential.clientSecret,
      authority: gw.idp.issuer,
      dpop: true,
      httpClient,
    });
    gw.idp.clearRequests();
    const result = await app.acquireTokenForClient({ scopes: APP_ONLY });
    expect(result.tokenType).toBe('DPoP');
    expect(gw.idp.requests.filter((r) => r.path === '/token').map((r) => [r.status, r.dpopProof, !!r.dpopNonce])).toEqual([
      [400, true, false],
      [200, true, true],
    ]);
  });
});

describe('parseChallenges', () => {
  it('reads schemes, quoted and bare params, escapes and several challenges in one header', () => {
    expect(parseChallenges('Bearer realm="api", DPoP algs="ES256 PS256", error=use_dpop_nonce, ERROR_description="say \\"hi\\", twice"')).toEqual([
      { scheme: 'Bearer', params: { realm: 'api' } },
      { scheme: 'DPoP', params: { algs: 'ES256 PS256', error: 'use_dpop_nonce', error_description: 'say "hi", twice' } },
    ]);
    expect(parseChallenges('Negotiate abc==, Basic error="invalid_client"')).toMatchObject([{ scheme: 'Negotiate' }, { scheme: 'Basic', params: { error: 'invalid_client' } }]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('error="x"')).toEqual([]);
    expect({ ...parseChallenges('Basic __proto__="x", constructor=y, error=z')[0]!.params }).toEqual({ ['__proto__']: 'x', constructor: 'y', error: 'z' });
    expect(parseChallenges('Basic error="invalid_client", error_description="never closed')).toEqual([{ scheme: 'Basic', params: { error: 'invalid_client' } }]);
  });
});
