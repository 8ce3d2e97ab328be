import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, PublicClientApplication, ServerError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { OnBehalfOfCredential } from '../src/index.js';
import { jwtClaims, jwtHeader, recordingHttpClient, signedAssertion, useDevAuthority, useTempDir } from './credentials-helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

describe('OnBehalfOfCredential against the dev authority', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();

  /** The token a caller sends the middle-tier API: a user's, from the native client. */
  const userToken = async (username: string) => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    return (await app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username, password: 'pw' })).accessToken;
  };
  /** What the authority knows of a token it issued (user tokens are opaque: with openid they also serve userinfo). */
  const introspect = async (token: string) => {
    const { introspection_endpoint } = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as { introspection_endpoint: string };
    const c = idp.current.clients.confidential;
    const response = await fetch(introspection_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    return (await response.json()) as { active: boolean; sub?: string; client_id?: string; scope?: string };
  };
  const tokenRequests = (http: ReturnType<typeof recordingHttpClient>) =>
    http.requests.filter((r) => r.method === 'POST' && r.url.includes('/token')).map((r) => new URLSearchParams(r.body));

  it('exchanges the caller\'s token for one of the same user to the downstream scopes, then serves it from the cache', async () => {
    const assertion = await userToken('obo-alice');
    const c = idp.current.clients.confidential;
    const http = recordingHttpClient();
    const credential = new OnBehalfOfCredential({ tenantId: '', clientId: c.clientId, clientSecret: c.clientSecret, userAssertionToken: assertion, authority: idp.current.issuer, httpClient: http });
    idp.current.clearRequests();
    const token = await credential.getToken('api.write');
    expect(token.tokenType).toBe('Bearer');
    const [issued, incoming] = await Promise.all([introspect(token.token), introspect(assertion)]);
    expect(issued.active).toBe(true);
    expect(issued.sub).toBe(incoming.sub);
    expect(issued.client_id).toBe(c.clientId);
    expect(incoming.client_id).toBe(idp.current.clients.native.clientId);
    expect(String(issued.scope).split(' ')).toContain('api.write');
    const [sent] = tokenRequests(http);
    expect(sent?.get('grant_type')).toBe(JWT_BEARER);
    expect(sent?.get('requested_token_use')).toBe('on_behalf_of');
    expect(sent?.get('assertion')).toBe(assertion);

    expect((await credential.getToken('api.write')).token).toBe(token.token);
    expect(idp.current.countRequests({ grantType: JWT_BEARER })).toBe(1);
    await credential.close();
  });

  it('keeps users apart: each credential answers for its own caller', async () => {
    const c = idp.current.clients.confidential;
    const make = async (user: string) =>
      new OnBehalfOfCredential({ tenantId: '', clientId: c.clientId, clientSecret: c.clientSecret, userAssertionToken: await userToken(user), authority: idp.current.issuer });
    const [alice, bob] = await Promise.all([make('obo-a'), make('obo-b')]);
    const [a, b] = await Promise.all([alice.getToken('api.read'), bob.getToken('api.read')]);
    const [ia, ib] = await Promise.all([introspect(a.token), introspect(b.token)]);
    expect(ia.sub).toBeTruthy();
    expect(ia.sub).not.toBe(ib.sub);
  });

  it('reports a refused assertion as the server error, without the assertion or the secret', async () => {
    const c = idp.current.clients.confidential;
    const bogus = 'not-a-token-from-this-authority-0123456789';
    const credential = new OnBehalfOfCredential({ tenantId: '', clientId: c.clientId, clientSecret: c.clientSecret, userAssertionToken: bogus, authority: idp.current.issuer });
    const error = await credential.getToken('api.read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ error: 'invalid_grant' });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(bogus);
    expect(text).not.toContain(c.clientSecret);
  });

  it('authenticates with a certificate (PEM file): the authority accepts the signed client assertion (x5t, x5c) and issues the user a token', async () => {
    const k = idp.current.clients.privateKeyJwt;
    const path = join(tmp.path, 'obo.pem');
    await writeFile(path, `${k.privateKeyPem}\n${k.certificatePem}`);
    const http = recordingHttpClient();
    const userAssertion = await userToken('obo-cert');
    const credential = new OnBehalfOfCredential({
      tenantId: '', clientId: k.clientId, certificatePath: path, sendCertificateChain: true, userAssertionToken: userAssertion, authority: idp.current.issuer, httpClient: http,
    });
    const token = await credential.getToken('api.read');
    const [issued, incoming] = await Promise.all([introspect(token.token), introspect(userAssertion)]);
    expect(issued).toMatchObject({ active: true, client_id: k.clientId, sub: incoming.sub });
    const [sent] = tokenRequests(http);
    expect(sent?.get('grant_type')).toBe(JWT_BEARER);
    expect(sent?.get('requested_token_use')).toBe('on_behalf_of');
    const header = jwtHeader(sent!.get('client_assertion')!);
    expect(header.x5t).toBe(Buffer.from(k.thumbprint, 'hex').toString('base64url'));
    expect(header.x5c).toHaveLength(1);
    expect(jwtClaims(sent!.get('client_assertion')!).sub).toBe(k.clientId);
  });

  it('authenticates with getAssertion, called for the token request, and gets a token for the user', async () => {
    const k = idp.current.clients.privateKeyJwt;
    let calls = 0;
    const getAssertion = async () => {
      calls++;
      const { token_endpoint } = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      return signedAssertion(k.privateKeyPem, k.clientId, token_endpoint);
    };
    const http = recordingHttpClient();
    const userAssertion = await userToken('obo-assert');
    const credential = new OnBehalfOfCredential({ tenantId: '', clientId: k.clientId, getAssertion, userAssertionToken: userAssertion, authority: idp.current.issuer, httpClient: http });
    const token = await credential.getToken('api.read');
    expect(calls).toBe(1);
    const [issued, incoming] = await Promise.all([introspect(token.token), introspect(userAssertion)]);
    expect(issued).toMatchObject({ active: true, client_id: k.clientId, sub: incoming.sub });
    const [sent] = tokenRequests(http);
    expect(sent?.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(sent?.get('assertion')).toBeTruthy();

    // Control: an assertion signed with another key is refused as a client authentication failure.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const forged = new OnBehalfOfCredential({
      tenantId: '', clientId: k.clientId, userAssertionToken: 'x', authority: idp.current.issuer,
      getAssertion: async () => signedAssertion(other, k.clientId, `${idp.current.issuer}/token`),
    });
    await expect(forged.getToken('api.read')).rejects.toMatchObject({ error: 'invalid_client' });
  });
});

describe('OnBehalfOfCredential configuration', () => {
  const base = { tenantId: 'contoso.onmicrosoft.com', clientId: 'app', userAssertionToken: 'user-token' };

  it('needs the user assertion and exactly one way to authenticate, saying which', () => {
    expect(() => new OnBehalfOfCredential({ ...base, userAssertionToken: '', clientSecret: 's' })).toThrow(/userAssertionToken/);
    expect(() => new OnBehalfOfCredential({ ...base } as never)).toThrow(ConfigurationError);
    expect(() => new OnBehalfOfCredential({ ...base, clientSecret: 's', getAssertion: async () => 'a' } as never)).toThrow(/exactly one.*got clientSecret, getAssertion/);
    expect(() => new OnBehalfOfCredential({ ...base, clientId: '', clientSecret: 's' })).toThrow(/client id/);
  });

  it('refuses a tenant outside additionallyAllowedTenants before any request', async () => {
    const credential = new OnBehalfOfCredential({ ...base, clientSecret: 's', httpClient: { send: async () => { throw new Error('no request expected'); } } });
    await expect(credential.getToken('https://graph.microsoft.com/.default', { tenantId: 'other' })).rejects.toMatchObject({ code: 'tenant_not_allowed' });
  });
});
