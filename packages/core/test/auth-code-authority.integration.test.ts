// A sign-in is redeemed only at the issuer it was started at: a flow of realm b handed to the
// client of realm a (same host, same client id) is refused before a's token endpoint gets b's code,
// PKCE verifier and redirect URI. Two real dev authorities behind one loopback front door.
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, PublicClientApplication } from '../src/index.js';
import { LOOPBACK_REDIRECT, usePathIssuers } from './helpers.js';

const SCOPES = ['api.read'];

describe('auth code flow redeemed by a client of another issuer on the same host', () => {
  const realms = usePathIssuers(['a', 'b']);

  it("refuses b's flow at a's client before any token request; b's client then redeems it", async () => {
    const { a, b } = realms.current;
    const client = (issuer: string) => new PublicClientApplication({ clientId: a!.clients.native.clientId, authority: issuer });
    const [appA, appB] = [client(a!.issuer), client(b!.issuer)];
    expect(a!.clients.native.clientId).toBe(b!.clients.native.clientId);
    // a's client has its discovery document already (a real app has used it before).
    await appA.getAuthorityMetadata();
    const flow = await appB.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    a!.clearRequests();
    b!.clearRequests();

    const error = await appA.acquireTokenByAuthCodeFlow(flow, redirectUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'authority_mismatch' });
    // It names where the sign-in started, this client's authority, and what to do.
    const { message } = error as Error;
    expect(message).toContain(`started at ${b!.issuer}`);
    expect(message).toContain(`this client's authority ${a!.issuer}`);
    expect(message).toContain(`redeem it with the client of ${b!.issuer}, or start it with this client`);
    expect(message).not.toContain(new URL(redirectUrl).searchParams.get('code')!);
    // Nothing went to a (its token endpoint above all), nor to b.
    expect(a!.requests).toEqual([]);
    expect(b!.requests).toEqual([]);

    // The refusal did not spend the flow: b's own client redeems it.
    const result = await appB.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(result.idTokenClaims).toMatchObject({ iss: b!.issuer, sub: 'ada' });
    expect(b!.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(a!.requests).toEqual([]);
  });
});
