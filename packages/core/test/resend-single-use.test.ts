// A request the provider processed but whose answer was lost (a gateway's 502 or a dropped
// connection) is sent again by the transport's retries. Client assertions (RFC 7523 3: jti) and
// DPoP proofs (RFC 9449 11.1) are single-use, and oidc-provider refuses a replayed one: every
// resend must carry fresh ones. The fault is injected in the transport, after the real provider answered.
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, FetchHttpClient, type HttpClient, type HttpRequest, clearMetadataCache } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

const APP_ONLY = ['urn:tessera:api/.default'];

/** Sends every request to the provider, but loses the provider's answer to the first token request (502). */
function losingFirstTokenAnswer(): HttpClient & { sent: HttpRequest[] } {
  const http = new FetchHttpClient();
  const sent: HttpRequest[] = [];
  return {
    sent,
    send: async (request) => {
      const response = await http.send(request);
      if (!request.url.endsWith('/token')) return response;
      sent.push(request);
      return sent.length === 1 ? { status: 502, headers: {}, body: 'Bad Gateway' } : response;
    },
  };
}

describe('a resent token request carries fresh single-use parts', () => {
  const idp = useDevAuthority({ dpop: { boundClients: ['tessera-confidential'], exposeErrorDetail: true } });
  const retry = { baseDelayMs: 1 };

  it('private_key_jwt: the retry after a lost answer has a new client assertion (jti), and succeeds', async () => {
    clearMetadataCache();
    const transport = losingFirstTokenAnswer();
    const { ecKeyJwt } = idp.current.clients;
    const app = new ConfidentialClientApplication({ clientId: ecKeyJwt.clientId, clientCredential: { privateKey: ecKeyJwt.privateJwk as JsonWebKey }, authority: idp.current.issuer, httpClient: transport, retry });
    const result = await app.acquireTokenForClient({ scopes: APP_ONLY });
    expect(result.accessToken).toBeTruthy();
    const assertions = transport.sent.map((r) => new URLSearchParams(r.body).get('client_assertion'));
    expect(assertions).toHaveLength(2);
    expect(assertions[0]).not.toBe(assertions[1]);
    // The resent copy is still the same call: same correlation id.
    expect(transport.sent.map((r) => r.headers?.['client-request-id'])).toEqual([result.correlationId, result.correlationId]);
  });

  it('DPoP: the retry after a lost answer has a new proof, and succeeds', async () => {
    clearMetadataCache();
    const transport = losingFirstTokenAnswer();
    const c = idp.current.clients.confidential;
    const app = new ConfidentialClientApplication({ clientId: c.clientId, clientCredential: c.clientSecret, authority: idp.current.issuer, httpClient: transport, retry, dpop: true });
    const result = await app.acquireTokenForClient({ scopes: APP_ONLY });
    expect(result.tokenType).toBe('DPoP');
    const proofs = transport.sent.map((r) => r.headers?.DPoP ?? r.headers?.dpop);
    expect(proofs).toHaveLength(2);
    expect(proofs[0]).not.toBe(proofs[1]);
  });
});
