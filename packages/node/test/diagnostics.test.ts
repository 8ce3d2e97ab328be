// @tessera/node tells Entra who calls (issue 15 item 6): x-client-SKU tessera.js.node and the OS,
// from the public client and the credentials. Entra's answers come from an in-memory stub
// transport (Entra-specific shapes; nothing leaves the process).
import { describe, expect, it } from 'vitest';
import type { HttpClient, HttpRequest } from '@tessera/core';
import { ClientSecretCredential, NodePublicClientApplication } from '../src/index.js';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

function entraStub(): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const answer = (body: unknown, status = 200) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const http: HttpClient = {
    send: async (request) => {
      sent.push(request);
      const base = `https://login.microsoftonline.com/${TID}`;
      if (request.url.endsWith('/.well-known/openid-configuration')) {
        return answer({ issuer: `${base}/v2.0`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, token_endpoint: `${base}/oauth2/v2.0/token`, jwks_uri: `${base}/discovery/v2.0/keys` });
      }
      if (new URLSearchParams(request.body).get('grant_type') === 'client_credentials') return answer({ token_type: 'Bearer', expires_in: 3599, access_token: 'app-token' });
      return answer({ error: 'invalid_grant', error_description: 'AADSTS70008: expired' }, 400);
    },
  };
  return { http, sent };
}

const expectNodeHeaders = (request: HttpRequest) =>
  expect(request.headers).toMatchObject({
    'x-client-SKU': 'tessera.js.node',
    'x-client-OS': process.platform,
    'x-ms-lib-capability': 'retry-after, h429',
    'return-client-request-id': 'true',
  });

describe('@tessera/node diagnostics headers', () => {
  it('a credential sends them on discovery and token requests', async () => {
    const { http, sent } = entraStub();
    const credential = new ClientSecretCredential(TID, CLIENT_ID, 'secret', { httpClient: http });
    expect((await credential.getToken('https://graph.microsoft.com/.default'))?.token).toBe('app-token');
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const r of sent) expectNodeHeaders(r);
  });

  it('the public client sends them, and its errors carry the call id', async () => {
    const { http, sent } = entraStub();
    const app = new NodePublicClientApplication({ clientId: CLIENT_ID, authority: `https://login.microsoftonline.com/${TID}`, httpClient: http });
    const error = await app.acquireTokenByCode('code', { scopes: ['User.Read'], redirectUri: 'http://localhost', correlationId: 'node-call' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ error: 'invalid_grant', correlationId: 'node-call' });
    for (const r of sent) {
      expectNodeHeaders(r);
      expect(r.headers?.['client-request-id']).toBe('node-call');
    }
  });
});
