import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '@tessera/core';
import { AuthenticationError, AzurePipelinesCredential, CredentialUnavailableError } from '../src/index.js';
import { jwtClaims, signedAssertion, useDevAuthority } from './credentials-helpers.js';

const SYSTEM_ACCESS_TOKEN = 'system-access-token-0123456789abcdef';
const CONNECTION = '7f3c2b1a-0000-4000-8000-000000000001';

/** Azure DevOps's OIDC token endpoint (no local product serves it): answers with `reply`, records requests. */
function useAzureDevOpsStub() {
  const state = {
    origin: '',
    requests: [] as Array<{ method?: string; url: URL; headers: IncomingHttpHeaders }>,
    /** null: no answer (a hung endpoint); the request's connection closing is counted in `dropped`. */
    reply: (): { status: number; headers?: Record<string, string>; body: string } | null => ({ status: 500, body: '' }),
    dropped: 0,
  };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume().on('end', () => {
        state.requests.push({ method: req.method, url: new URL(req.url!, state.origin), headers: req.headers });
        const answer = state.reply();
        if (!answer) return void res.on('close', () => state.dropped++);
        const { status, headers, body } = answer;
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return state;
}

describe('AzurePipelinesCredential', () => {
  const idp = useDevAuthority();
  const devops = useAzureDevOpsStub();

  const credential = (clientId = idp.current.clients.privateKeyJwt.clientId) =>
    new AzurePipelinesCredential('tenant', clientId, CONNECTION, SYSTEM_ACCESS_TOKEN, {
      authority: idp.current.issuer,
      environment: { SYSTEM_OIDCREQUESTURI: `${devops.origin}/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken` },
    });

  it('asks Azure DevOps for the OIDC token and exchanges it at the authority as the client assertion', async () => {
    const k = idp.current.clients.privateKeyJwt;
    const { token_endpoint } = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    // The federated token Azure DevOps would issue, here one the authority trusts for the client.
    devops.reply = () => ({ status: 200, body: JSON.stringify({ oidcToken: signedAssertion(k.privateKeyPem, k.clientId, token_endpoint) }) });
    devops.requests.length = 0;
    const c = credential();
    const token = await c.getToken('api.read');
    expect(jwtClaims(token.token).client_id).toBe(k.clientId);
    expect(devops.requests).toHaveLength(1);
    const [sent] = devops.requests;
    expect(sent!.method).toBe('POST');
    expect(sent!.url.pathname).toBe('/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken');
    expect(Object.fromEntries(sent!.url.searchParams)).toEqual({ 'api-version': '7.1', serviceConnectionId: CONNECTION });
    expect(sent!.headers.authorization).toBe(`Bearer ${SYSTEM_ACCESS_TOKEN}`);
    expect(sent!.headers['x-tfs-fedauthredirect']).toBe('Suppress');

    // Cached: Azure DevOps is not asked again until a token must come from the authority.
    expect((await c.getToken('api.read')).token).toBe(token.token);
    expect(devops.requests).toHaveLength(1);
    await c.getToken('api.write');
    expect(devops.requests).toHaveLength(2);
    await c.close();
  });

  it('reports a refusal with its status, x-vss-e2eid and x-msedge-ref, never the system access token', async () => {
    devops.reply = () => ({
      status: 401,
      headers: { 'x-vss-e2eid': 'e2e-1234', 'x-msedge-ref': 'Ref A: 99' },
      body: JSON.stringify({ message: `TF400813: The user is not authorized. Token: ${SYSTEM_ACCESS_TOKEN}` }),
    });
    const error = await credential().getToken('api.read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ statusCode: 401 });
    const message = (error as Error).message;
    expect(message).toContain('HTTP 401');
    expect(message).toContain('x-vss-e2eid: e2e-1234');
    expect(message).toContain('x-msedge-ref: Ref A: 99');
    expect(message).toContain('TF400813');
    expect(message).not.toContain(SYSTEM_ACCESS_TOKEN);
    expect(message).not.toContain(SYSTEM_ACCESS_TOKEN.slice(0, 16));
  });

  it('refuses a success answer without oidcToken, without quoting it', async () => {
    devops.reply = () => ({ status: 200, body: JSON.stringify({ token: 'some-other-secret-value' }) });
    const error = await credential().getToken('api.read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('no oidcToken');
    expect((error as Error).message).not.toContain('some-other-secret-value');
  });

  it('never quotes an oidcToken that comes with an error status', async () => {
    const oidcToken = 'eyJhbGciOiJSUzI1NiJ9.issued-federated-token-body.signature-part';
    devops.reply = () => ({ status: 502, body: JSON.stringify({ message: 'upstream failed', oidcToken }) });
    const error = await credential().getToken('api.read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('HTTP 502');
    expect((error as Error).message).toContain('upstream failed');
    expect((error as Error).message).not.toContain(oidcToken.slice(0, 16));
  });

  it('an abort ends the wait for an Azure DevOps that does not answer, and cancels its request', async () => {
    devops.reply = () => null;
    devops.requests.length = 0;
    devops.dropped = 0;
    const c = credential();
    const controller = new AbortController();
    const pending = c.getToken('api.read', { abortSignal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => devops.requests.length).toBe(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
    // The request itself was cancelled, not left waiting for the transport's timeout.
    await expect.poll(() => devops.dropped).toBe(1);
    await c.close();
  });

  it('is unavailable outside a pipeline task or without its arguments, saying what is missing', () => {
    const make = (env: NodeJS.ProcessEnv, token = SYSTEM_ACCESS_TOKEN, connection = CONNECTION) =>
      () => new AzurePipelinesCredential('tenant', 'client', connection, token, { environment: env });
    expect(make({})).toThrow(CredentialUnavailableError);
    expect(make({})).toThrow(/SYSTEM_OIDCREQUESTURI/);
    expect(make({ SYSTEM_OIDCREQUESTURI: 'https://dev.azure.com/x' }, '', '')).toThrow(/serviceConnectionId, systemAccessToken are required/);
    // The access token would travel in clear.
    expect(make({ SYSTEM_OIDCREQUESTURI: 'http://dev.azure.com/x' })).toThrow(/https/);
  });
});
