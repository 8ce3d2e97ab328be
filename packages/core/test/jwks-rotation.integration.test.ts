// ID-token signatures checked with jwksSignatureVerifier while the provider rotates its signing
// key (a restart of the dev authority on the same port with a new key). Under the same kid
// (providers that name their key "1" or "default" rotate this way), a token that fails against a
// key set fetched a while ago must make the verifier fetch the set again, once, instead of
// refusing every sign-in until the process restarts; a set just fetched is not fetched again.
// Under a new kid, the sign-ins that arrive together after the rotation share one refetch.
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetchHttpClient, PublicClientApplication, ValidationError, clearMetadataCache, jwksSignatureVerifier } from '../src/index.js';

const KID = 'signing';

describe('jwksSignatureVerifier: a rotated signing key', () => {
  let idp: DevAuthority | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await idp?.close();
  });

  /**
   * A public client of `idp` checking signatures, and the count of JWKS requests its verifier made.
   * `holdTokens(n)` holds token responses until n have arrived, then hands them over together.
   */
  function verifyingClient(authority: DevAuthority) {
    const jwks = { fetches: 0 };
    const base = new FetchHttpClient();
    let held: { count: number; arrived: number; all: Promise<void>; release: () => void } | undefined;
    const holdTokens = (count: number) => {
      let release!: () => void;
      const all = new Promise<void>((resolve) => (release = resolve));
      held = { count, arrived: 0, all, release };
    };
    const app = new PublicClientApplication({
      clientId: authority.clients.native.clientId,
      authority: authority.issuer,
      httpClient: {
        send: async (request) => {
          const response = await base.send(request);
          if (held && request.url.endsWith('/token')) {
            if (++held.arrived === held.count) held.release();
            await held.all;
          }
          return response;
        },
      },
      idTokenSignatureVerifier: (http) =>
        jwksSignatureVerifier({
          send: (request) => {
            if (request.url.endsWith('/jwks')) jwks.fetches++;
            return http.send(request);
          },
        }),
    });
    const signIn = (username = 'ada') => app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username, password: 'pw' });
    return { jwks, signIn, holdTokens };
  }

  it('a new kid: concurrent sign-ins after the rotation share one refetch, and the set is not fetched again', async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    const { port } = idp;
    const { jwks, signIn, holdTokens } = verifyingClient(idp);
    await signIn();
    expect(jwks.fetches).toBe(1);

    // The provider rotates to a key with another kid (its thumbprint); five tokens signed with it
    // reach the client together.
    await idp.close();
    idp = await startDevAuthority({ port });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    holdTokens(users.length);
    const results = await Promise.all(users.map((u) => signIn(u)));
    expect(results.map((r) => r.idTokenClaims?.sub)).toEqual(users);
    // One refetch for the five tokens naming the new kid (each used to make its own).
    expect(jwks.fetches).toBe(2);
    await signIn('u6');
    expect(jwks.fetches).toBe(2);
  });

  it('fetches a set older than ten minutes again before trusting it (a withdrawn key stops being trusted)', async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    const { jwks, signIn } = verifyingClient(idp);
    await signIn();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 9 * 60 * 1000);
    await signIn();
    expect(jwks.fetches).toBe(1);
    vi.setSystemTime(Date.now() + 2 * 60 * 1000);
    await signIn();
    expect(jwks.fetches).toBe(2);
  });

  it('refetches a key set that is not fresh once, and accepts the token the new key signed', async () => {
    idp = await startDevAuthority({ signingKeyId: KID });
    clearMetadataCache();
    const { port, issuer } = idp;
    const { jwks, signIn } = verifyingClient(idp);
    const first = await signIn();
    expect(first.idTokenClaims?.sub).toBe('ada');
    expect(jwks.fetches).toBe(1);

    // The provider rotates: same issuer, same jwks_uri, same kid, another key.
    await idp.close();
    idp = await startDevAuthority({ port, signingKeyId: KID });
    expect(idp.issuer).toBe(issuer);

    // Right after the set was fetched, a token that does not verify is refused without a refetch
    // (a flood of bad tokens cannot make the verifier hammer the JWKS endpoint).
    await expect(signIn()).rejects.toSatisfy((e) => e instanceof ValidationError && e.code === 'invalid_signature');
    expect(jwks.fetches).toBe(1);

    // Later (the set is over a minute old, not yet ten): fetched again once, and the new key's token is accepted.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 60 * 1000);
    const second = await signIn();
    expect(second.idTokenClaims?.sub).toBe('ada');
    expect(jwks.fetches).toBe(2);
    // And the refreshed set serves the next token without another fetch.
    await signIn();
    expect(jwks.fetches).toBe(2);
  });
});
