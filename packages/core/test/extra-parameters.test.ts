// extraQueryParameters may add to an authorization request but never replace a protocol parameter
// the library sets: a conflict is a ConfigurationError naming it, before any URL exists.
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, PublicClientApplication } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];
const PROTOCOL = ['redirect_uri', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_type', 'client_id', 'scope', 'response_mode', 'prompt', 'claims', 'login_hint', 'max_age'];

describe('extraQueryParameters against the dev authority', () => {
  const idp = useDevAuthority();
  const app = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });

  for (const name of [...PROTOCOL, 'Redirect_URI', 'STATE']) {
    it(`refuses an extra "${name}" with a ConfigurationError naming it`, async () => {
      const extra = { [name]: name.toLowerCase() === 'redirect_uri' ? 'https://attacker.example/cb' : 'attacker-value' };
      for (const attempt of [
        () => app().initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, extraQueryParameters: extra }),
        () => app().getAuthorizationRequestUrl({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, extraQueryParameters: extra }),
      ]) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toContain(`"${name}"`);
      }
    });
  }

  // RFC 9101/9126: a request object or request_uri replaces the whole request (state, PKCE,
  // redirect_uri): refused although the library sends neither, on the URL and in a pushed body alike.
  for (const name of ['request', 'request_uri', 'Request_URI']) {
    it(`refuses an extra "${name}", whether the request is pushed or not, before anything is sent`, async () => {
      const extra = { [name]: name === 'request' ? 'eyJhbGciOiJub25lIn0.eyJyZWRpcmVjdF91cmkiOiJodHRwczovL2F0dGFja2VyLmV4YW1wbGUvY2IifQ.' : 'urn:ietf:params:oauth:request_uri:attacker' };
      for (const pushedAuthorizationRequests of ['never', 'always'] as const) {
        const client = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, pushedAuthorizationRequests });
        await client.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT }); // discovery (and a push), so that only a push could be sent below
        idp.current.clearRequests();
        for (const attempt of [
          () => client.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, extraQueryParameters: extra }),
          () => client.getAuthorizationRequestUrl({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, extraQueryParameters: extra }),
        ]) {
          const error = await attempt().then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(ConfigurationError);
          expect((error as Error).message).toContain(`"${name}"`);
          expect((error as Error).message).toContain('replace the whole request');
        }
        expect(idp.current.requests).toEqual([]);
      }
    });
  }

  it('sends other extras once, next to the built-in parameters, and the server completes the flow with them', async () => {
    const client = app();
    const flow = await client.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, extraQueryParameters: { ui_locales: 'de', acr_values: 'urn:dev:any' } });
    const url = new URL(flow.authUri);
    expect(url.searchParams.getAll('ui_locales')).toEqual(['de']);
    expect(url.searchParams.getAll('acr_values')).toEqual(['urn:dev:any']);
    for (const name of ['state', 'nonce', 'redirect_uri', 'code_challenge', 'response_type']) expect(url.searchParams.getAll(name)).toHaveLength(1);
    expect(url.searchParams.get('state')).toBe(flow.state);
    expect(url.searchParams.get('redirect_uri')).toBe(LOOPBACK_REDIRECT);
    // The server's view: it redirects to our redirect URI with our state, and the code redeems with our PKCE verifier and nonce.
    const { redirectUrl, params } = await completeAuthorization(flow.authUri, { username: 'extra' });
    expect(redirectUrl.startsWith(LOOPBACK_REDIRECT)).toBe(true);
    expect(params.get('state')).toBe(flow.state);
    const result = await client.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(result.idTokenClaims?.nonce).toBe(flow.nonce);
  });
});
