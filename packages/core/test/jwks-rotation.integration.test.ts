// ID-token signatures checked with jwksSignatureVerifier while the provider rotates its signing
// key under the same kid (a restart of the dev authority on the same port with a new key and a
// fixed kid: providers that name their key "1" or "default" rotate this way). A token that fails
// against a key set fetched a while ago must make the verifier fetch the set again, once, instead
// of refusing every sign-in until the process restarts; a set just fetched is not fetched again.
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PublicClientApplication, ValidationError, clearMetadataCache, jwksSignatureVerifier } from '../src/index.js';

const KID = 'signing';

describe('jwksSignatureVerifier: a key rotated under the same kid', () => {
  let idp: DevAuthority | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await idp?.close();
  });

  it('refetches a key set that is not fresh once, and accepts the token the new key signed', async () => {
    idp = await startDevAuthority({ signingKeyId: KID });
    clearMetadataCache();
    const { port, issuer } = idp;
    let jwksFetches = 0;
    const app = new PublicClientApplication({
      clientId: idp.clients.native.clientId,
      authority: issuer,
      idTokenSignatureVerifier: (http) =>
        jwksSignatureVerifier({
          send: (request) => {
            if (request.url.endsWith('/jwks')) jwksFetches++;
            return http.send(request);
          },
        }),
    });
    const signIn = () => app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username: 'ada', password: 'pw' });
    const first = await signIn();
    expect(first.idTokenClaims?.sub).toBe('ada');
    expect(jwksFetches).toBe(1);

    // The provider rotates: same issuer, same jwks_uri, same kid, another key.
    await idp.close();
    idp = await startDevAuthority({ port, signingKeyId: KID });
    expect(idp.issuer).toBe(issuer);

    // Right after the set was fetched, a token that does not verify is refused without a refetch
    // (a flood of bad tokens cannot make the verifier hammer the JWKS endpoint).
    await expect(signIn()).rejects.toSatisfy((e) => e instanceof ValidationError && e.code === 'invalid_signature');
    expect(jwksFetches).toBe(1);

    // Later (the set is no longer fresh): fetched again once, and the new key's token is accepted.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60 * 1000);
    const second = await signIn();
    expect(second.idTokenClaims?.sub).toBe('ada');
    expect(jwksFetches).toBe(2);
    // And the refreshed set serves the next token without another fetch.
    await signIn();
    expect(jwksFetches).toBe(2);
  });
});
