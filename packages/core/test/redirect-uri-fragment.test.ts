// RFC 6749 3.1.2: "The endpoint URI MUST NOT include a fragment component." A redirectUri with one
// is refused locally with a ConfigurationError that says what to pass, before any request (the
// provider would refuse it, or show the user its error page). The check is in the flow functions,
// so @tessera/browser (which calls them without core's option schemas) gets it too (its e2e test).
import { describe, expect, it } from 'vitest';
import { ConfigurationError, type HttpClient, PublicClientApplication } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];
/** A redirect response's fragment, as `redirectUri: location.href` on the return page would carry it: never shown. */
const SECRET = 'code=secret-code-value&state=s1';
const FRAGMENTS = [`https://app.example/cb#${SECRET}`, 'https://app.example/cb#', 'http://127.0.0.1:5173/#/callback'];

/** Every way a redirect URI reaches the provider through a client. */
const attempts = (client: PublicClientApplication, redirectUri: string) => ({
  initiateAuthCodeFlow: () => client.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri }),
  getAuthorizationRequestUrl: () => client.getAuthorizationRequestUrl({ scopes: SCOPES, redirectUri }),
  acquireTokenByCode: () => client.acquireTokenByCode('a-code', { scopes: SCOPES, redirectUri, codeVerifier: 'v'.repeat(43) }),
});

async function expectRefused(attempt: () => Promise<unknown>, redirectUri: string): Promise<void> {
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  const { code, message } = error as ConfigurationError;
  expect(code).toBe('configuration_error');
  expect(message).toContain('redirectUri');
  expect(message).toContain('fragment');
  // What to pass instead: the URI without its fragment; the fragment itself (a code, perhaps) is not repeated.
  expect(message).toContain(redirectUri.split('#')[0]);
  expect(message).not.toContain(SECRET);
}

describe('a redirectUri with a fragment', () => {
  for (const redirectUri of FRAGMENTS) {
    it(`${redirectUri} is a ConfigurationError saying what to pass, and nothing is sent`, async () => {
      const sent: string[] = [];
      const http: HttpClient = {
        send: async (request) => {
          sent.push(request.url);
          throw new Error('no request expected');
        },
      };
      const client = new PublicClientApplication({ clientId: 'app', authority: 'https://login.example.com/realm', httpClient: http });
      for (const attempt of Object.values(attempts(client, redirectUri))) await expectRefused(attempt, redirectUri);
      expect(sent).toEqual([]);
    });
  }

  it('a URI with "#" only in its query, percent-encoded, is not a fragment', async () => {
    const client = new PublicClientApplication({ clientId: 'app', authority: 'https://login.example.com/realm', authorityMetadata: JSON.stringify({ issuer: 'https://login.example.com/realm', authorization_endpoint: 'https://login.example.com/realm/auth', token_endpoint: 'https://login.example.com/realm/token' }) });
    const url = new URL(await client.getAuthorizationRequestUrl({ scopes: SCOPES, redirectUri: 'https://app.example/cb?tab=%23a' }));
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/cb?tab=%23a');
  });
});

describe('a redirectUri with a fragment, against the dev authority', () => {
  const idp = useDevAuthority();

  it('is refused before any request reaches the provider (not even discovery)', async () => {
    const client = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    idp.current.clearRequests();
    for (const attempt of Object.values(attempts(client, `http://127.0.0.1:53682/#${SECRET}`))) await expectRefused(attempt, 'http://127.0.0.1:53682/');
    expect(idp.current.requests).toEqual([]);
  });
});
