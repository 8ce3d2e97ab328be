// Configurations real OpenID providers run in, against the dev authority (oidc-provider) set up the
// same way: ID tokens signed with algorithms other than RS256 (discovery then lists no RS256), an
// issuer with a trailing slash (Auth0's `https://<tenant>.auth0.com/`), and a provider whose clock
// is minutes off this machine's. Signatures are checked.
import { completeAuthorization, startDevAuthority, type DevAuthority, type DevAuthorityOptions, type IdTokenSigningAlg } from '@tessera/dev-authority';
import { afterEach, describe, expect, it } from 'vitest';
import { PublicClientApplication, clearMetadataCache, jwksSignatureVerifier } from '../src/index.js';
import { LOOPBACK_REDIRECT } from './helpers.js';

const SCOPES = ['api.read'];

describe('OpenID providers in other configurations', () => {
  let idp: DevAuthority | undefined;
  afterEach(async () => {
    await idp?.close();
    idp = undefined;
  });

  async function start(options: DevAuthorityOptions): Promise<DevAuthority> {
    idp = await startDevAuthority(options);
    clearMetadataCache();
    return idp;
  }

  /**
   * Signs in with the auth code flow (signatures checked; `maxAge` sent and checked), then
   * refreshes; returns both results. `clockOffset`: seconds this client's clock is ahead of the provider's.
   */
  async function signInAndRefresh(authority: string, clientId: string, { clockOffset = 0, maxAge }: { clockOffset?: number; maxAge?: number } = {}) {
    const now = () => Math.floor(Date.now() / 1000) + clockOffset;
    const app = new PublicClientApplication({ clientId, authority, idTokenSignatureVerifier: jwksSignatureVerifier, now });
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, maxAge });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    const refreshed = await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account!, forceRefresh: true });
    return { app, signedIn, refreshed };
  }

  const headerOf = (jwt: string | undefined) => JSON.parse(Buffer.from(String(jwt).split('.')[0]!, 'base64url').toString()) as { alg: string };

  for (const alg of ['RS384', 'RS512', 'PS256', 'ES384', 'EdDSA', 'Ed25519'] satisfies IdTokenSigningAlg[]) {
    it(`accepts ID tokens signed with ${alg} (discovery lists only ${alg})`, async () => {
      const { issuer, clients } = await start({ idTokenSigningAlg: alg });
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery.id_token_signing_alg_values_supported).toEqual([alg]);
      const { signedIn, refreshed } = await signInAndRefresh(issuer, clients.native.clientId);
      expect(headerOf(signedIn.idToken).alg).toBe(alg);
      expect(signedIn.idTokenClaims?.sub).toBe('ada');
      expect(headerOf(refreshed.idToken).alg).toBe(alg);
      expect(refreshed.fromCache).toBe(false);
    });
  }

  for (const configured of ['with', 'without'] as const) {
    it(`signs in at an issuer with a trailing slash, configured ${configured} it`, async () => {
      const { issuer, clients, port } = await start({ issuerTrailingSlash: true });
      expect(issuer).toBe(`http://127.0.0.1:${port}/`);
      const authority = configured === 'with' ? issuer : issuer.slice(0, -1);
      const { app, signedIn, refreshed } = await signInAndRefresh(authority, clients.native.clientId);
      // The ID tokens name the issuer as discovery does, slash and all.
      expect(signedIn.idTokenClaims?.iss).toBe(issuer);
      expect(refreshed.idTokenClaims?.sub).toBe('ada');
      await expect(app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! })).resolves.toMatchObject({ fromCache: true });
      expect(await app.getAccounts()).toHaveLength(1);
    });
  }

  // ID tokens are `iat` minutes "in the future" (provider ahead) or closer to `exp` (behind): within
  // the default 5-minute clockSkewSeconds both pass, max_age against auth_time too; beyond it, the
  // refusal names the clock check.
  for (const minutes of [4, -4]) {
    it(`accepts tokens from a provider whose clock is ${Math.abs(minutes)} minutes ${minutes > 0 ? 'ahead' : 'behind'} (max_age=60 checked)`, async () => {
      const { issuer, clients } = await start({ idTokenTtl: 600 });
      const { signedIn, refreshed } = await signInAndRefresh(issuer, clients.native.clientId, { clockOffset: -minutes * 60, maxAge: 60 });
      expect(signedIn.idTokenClaims?.auth_time).toBeTypeOf('number');
      expect(refreshed.idTokenClaims?.sub).toBe('ada');
    });
  }

  it('refuses an ID token issued 6 minutes "in the future" (provider clock ahead beyond the skew), naming iat', async () => {
    const { issuer, clients } = await start({});
    await expect(signInAndRefresh(issuer, clients.native.clientId, { clockOffset: -360 })).rejects.toMatchObject({ code: 'invalid_iat' });
  });
});
