// Dev authorities at path issuers of one host (Keycloak realms /realms/a and /realms/b behind one
// front door): interactive sign-in stays below each issuer's path, whatever the authorization
// request holds, and each issuer's codes and tokens are its own.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeAuthorization, startPathIssuers, type DevAuthority, type PathIssuers } from '../src/index.js';
import { pkce, postToken } from './helpers.js';

const REDIRECT = 'http://127.0.0.1:53682/';

let realms: PathIssuers;
beforeAll(async () => {
  realms = await startPathIssuers(['a', 'b']);
});
afterAll(async () => {
  await realms?.close();
});

/** An authorization request of the native client at `idp` (offline_access: the authority adds prompt=consent to the query). */
function authorization(idp: DevAuthority, scope = 'openid offline_access api.read') {
  const { verifier, challenge } = pkce();
  const url = new URL(`${idp.issuer}/auth`);
  const params = { client_id: idp.clients.native.clientId, response_type: 'code', redirect_uri: REDIRECT, scope, state: 's', code_challenge: challenge, code_challenge_method: 'S256' };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url: url.href, verifier };
}

const redeem = (idp: DevAuthority, at: DevAuthority, code: string, verifier: string) =>
  postToken(at.issuer, { grant_type: 'authorization_code', client_id: idp.clients.native.clientId, code, redirect_uri: REDIRECT, code_verifier: verifier });

describe('path issuers on one host', () => {
  it('serves each issuer below its own path on the one origin', () => {
    const { a, b } = realms.authorities;
    expect([a!.issuer, b!.issuer]).toEqual([`${realms.origin}/realms/a`, `${realms.origin}/realms/b`]);
  });

  for (const scope of ['openid offline_access api.read', 'openid api.read']) {
    it(`signs in interactively at each issuer (scope ${scope}); its code is redeemed there and nowhere else`, async () => {
      for (const [idp, other] of [
        [realms.authorities.a!, realms.authorities.b!],
        [realms.authorities.b!, realms.authorities.a!],
      ] as const) {
        const { url, verifier } = authorization(idp, scope);
        const { params } = await completeAuthorization(url, { username: 'ada' });
        expect(params.get('iss')).toBe(idp.issuer);
        const code = params.get('code')!;
        expect(code).toBeTruthy();
        // The other issuer on the host does not know the code.
        expect((await redeem(idp, other, code, verifier)).body.error).toBe('invalid_grant');
        const tokens = await redeem(idp, idp, code, verifier);
        expect(tokens.status).toBe(200);
        expect(Boolean(tokens.body.refresh_token)).toBe(scope.includes('offline_access'));
        const { payload } = await jwtVerify(String(tokens.body.id_token), createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer });
        expect(payload.sub).toBe('ada');
      }
    });
  }

  it("scopes the interaction cookies below the issuer's path and sends the browser to its own login page", async () => {
    const { a } = realms.authorities;
    const response = await fetch(authorization(a!).url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    expect(location).toMatch(/^\/realms\/a\/interaction\/[\w-]+$/);
    const uid = location.split('/').pop();
    const paths = response.headers.getSetCookie().map((line) => `${line.split('=')[0]} ${/path=([^;]*)/i.exec(line)?.[1]}`);
    // The resume cookie's path is where the login page sends the browser back to: below the issuer.
    expect(paths).toEqual(
      expect.arrayContaining([`_interaction /realms/a/interaction/${uid}`, `_interaction_resume /realms/a/auth/${uid}`]),
    );
    expect(paths.every((p) => p.includes(' /realms/a/'))).toBe(true);
  });
});
