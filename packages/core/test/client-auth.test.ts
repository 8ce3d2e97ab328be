import type { RecordedRequest } from '@tessera/dev-authority';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, ConfigurationError, InteractionRequiredError, ServerError, type ConfidentialClientOptions } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];

/** Client authentication methods, checked by oidc-provider (it verifies every assertion). */
describe('client authentication against the dev authority', () => {
  const idp = useDevAuthority();

  const app = (clientId: string, clientCredential: ConfidentialClientOptions['clientCredential'], extra: Partial<ConfidentialClientOptions> = {}) =>
    new ConfidentialClientApplication({ clientId, clientCredential, authority: idp.current.issuer, ...extra });

  /** Gets a client-credentials token and returns the token request the provider saw. */
  async function tokenRequest(client: ConfidentialClientApplication): Promise<RecordedRequest> {
    idp.current.clearRequests();
    const result = await client.acquireTokenForClient({ scopes: SCOPES });
    expect(result.accessToken.split('.')).toHaveLength(3);
    return seen();
  }
  const seen = () => {
    const requests = idp.current.requests.filter((r) => r.path === '/token');
    expect(requests).toHaveLength(1);
    return requests[0]!;
  };
  async function refused(client: ConfidentialClientApplication): Promise<ServerError> {
    idp.current.clearRequests();
    const error = await client.acquireTokenForClient({ scopes: SCOPES }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(seen()).toMatchObject({ status: 401, error: 'invalid_client' });
    return error as ServerError;
  }

  describe('secrets', () => {
    it('sends client_secret_basic by default (the provider lists it first)', async () => {
      const c = idp.current.clients.confidential;
      expect(await tokenRequest(app(c.clientId, c.clientSecret))).toMatchObject({ authMethod: 'client_secret_basic', status: 200 });
    });

    it('sends client_secret_post when asked', async () => {
      const c = idp.current.clients.secretPost;
      expect(await tokenRequest(app(c.clientId, { clientSecret: c.clientSecret }, { clientAuthMethod: 'client_secret_post' }))).toMatchObject({
        authMethod: 'client_secret_post',
        clientId: c.clientId,
      });
      const error = await refused(app(c.clientId, 'wrong-secret', { clientAuthMethod: 'client_secret_post' }));
      expect(error.message).not.toContain('wrong-secret');
    });

    it('signs client_secret_jwt (HS256) with the secret; the provider verifies it, and refuses another secret', async () => {
      const c = idp.current.clients.secretJwt;
      const request = await tokenRequest(app(c.clientId, c.clientSecret, { clientAuthMethod: 'client_secret_jwt' }));
      expect(request).toMatchObject({ authMethod: 'client_secret_jwt', clientId: c.clientId });
      expect(request.assertionHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
      // client_secret_basic is not what this client is registered for.
      await refused(app(c.clientId, c.clientSecret));
      await refused(app(c.clientId, `${c.clientSecret}-not`, { clientAuthMethod: 'client_secret_jwt' }));
    });
  });

  it('picks client_secret_jwt for a secret when the provider lists only it (and no basic/post)', async () => {
    const c = idp.current.clients.secretJwt;
    const metadata = await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json();
    metadata.token_endpoint_auth_methods_supported = ['private_key_jwt', 'client_secret_jwt'];
    const request = await tokenRequest(app(c.clientId, c.clientSecret, { authorityMetadata: JSON.stringify(metadata) }));
    expect(request).toMatchObject({ authMethod: 'client_secret_jwt', status: 200 });
  });

  describe('private_key_jwt with a bare key', () => {
    it('signs ES256 with an EC PEM key, kid = the JWK thumbprint, no x5t', async () => {
      const c = idp.current.clients.ecKeyJwt;
      const request = await tokenRequest(app(c.clientId, { privateKey: c.privateKeyPem }));
      expect(request).toMatchObject({ authMethod: 'private_key_jwt', status: 200 });
      expect(request.assertionHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: c.kid });
    });

    it('signs ES256 with an EC private JWK (kid from its thumbprint)', async () => {
      const c = idp.current.clients.ecKeyJwt;
      const { kid: _ignored, ...jwk } = c.privateJwk;
      const request = await tokenRequest(app(c.clientId, { privateKey: jwk as JsonWebKey }, { clientAuthMethod: 'private_key_jwt' }));
      expect(request.assertionHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: c.kid });
    });

    it('signs ES256 with an imported CryptoKey and a given kid', async () => {
      const c = idp.current.clients.ecKeyJwt;
      const key = (await importPKCS8(c.privateKeyPem, 'ES256')) as CryptoKey;
      const request = await tokenRequest(app(c.clientId, { privateKey: key, kid: c.kid }));
      expect(request.assertionHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: c.kid });
    });

    it('signs EdDSA with an Ed25519 key (PEM and JWK)', async () => {
      const c = idp.current.clients.ed25519KeyJwt;
      expect((await tokenRequest(app(c.clientId, { privateKey: c.privateKeyPem }))).assertionHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: c.kid });
      expect((await tokenRequest(app(c.clientId, { privateKey: c.privateJwk as JsonWebKey }))).assertionHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: c.kid });
    });

    it('refuses Ed25519 when the provider lists neither EdDSA nor Ed25519', async () => {
      const c = idp.current.clients.ed25519KeyJwt;
      const metadata = await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json();
      metadata.token_endpoint_auth_signing_alg_values_supported = ['RS256', 'ES256'];
      idp.current.clearRequests();
      const error = await app(c.clientId, { privateKey: c.privateKeyPem }, { authorityMetadata: JSON.stringify(metadata) })
        .acquireTokenForClient({ scopes: SCOPES })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/private_key_jwt needs a key the provider can verify: it lists RS256, ES256 .* not EdDSA/);
      expect(idp.current.countRequests({ path: '/token' })).toBe(0);
    });

    it('signs RS256 with the RSA key alone (no certificate): kid, and no bogus x5t', async () => {
      const c = idp.current.clients.privateKeyJwt;
      const request = await tokenRequest(app(c.clientId, { privateKey: c.privateKeyPem }));
      expect(request.assertionHeader?.alg).toBe('RS256');
      expect(request.assertionHeader?.kid).toMatch(/^[\w-]{43}$/);
      expect(request.assertionHeader).not.toHaveProperty('x5t');
      expect(request.assertionHeader).not.toHaveProperty('x5t#S256');
    });

    it('keeps x5t (and x5c) for a certificate', async () => {
      const c = idp.current.clients.privateKeyJwt;
      const request = await tokenRequest(app(c.clientId, { privateKey: c.privateKeyPem, thumbprint: c.thumbprint, publicCertificate: c.certificatePem }));
      expect(request.assertionHeader).toMatchObject({ alg: 'RS256', x5t: Buffer.from(c.thumbprint, 'hex').toString('base64url') });
      expect(request.assertionHeader).not.toHaveProperty('kid');
      expect(request.assertionHeader?.x5c).toHaveLength(1);
    });

    it('is refused with a key the client is not registered with', async () => {
      const c = idp.current.clients.ecKeyJwt;
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      await refused(app(c.clientId, { privateKey: await exportPKCS8(privateKey) }));
      // The right kid does not help a wrong key: the provider checks the signature.
      await refused(app(c.clientId, { privateKey: { ...(await exportJWK(privateKey)) } as JsonWebKey, kid: c.kid }));
      const rsa = await generateKeyPair('RS256', { extractable: true });
      await refused(app(idp.current.clients.privateKeyJwt.clientId, { privateKey: await exportPKCS8(rsa.privateKey) }));
    });
  });

  describe('configuration errors name the method and what is missing', () => {
    const id = 'some-client';
    const cases: [string, () => unknown, RegExp][] = [
      ['secret for private_key_jwt', () => new ConfidentialClientApplication({ clientId: id, clientCredential: 's', clientAuthMethod: 'private_key_jwt' }), /private_key_jwt needs a private key/],
      ['key for client_secret_jwt', () => new ConfidentialClientApplication({ clientId: id, clientCredential: { privateKey: 'x' }, clientAuthMethod: 'client_secret_jwt' }), /client_secret_jwt needs a client secret/],
      ['empty secret', () => new ConfidentialClientApplication({ clientId: id, clientCredential: { clientSecret: '' }, clientAuthMethod: 'client_secret_post' }), /client_secret_post needs a client secret/],
      ['empty key', () => new ConfidentialClientApplication({ clientId: id, clientCredential: { privateKey: '' } }), /private_key_jwt needs `privateKey`/],
      ['unknown method', () => new ConfidentialClientApplication({ clientId: id, clientCredential: 's', clientAuthMethod: 'tls_client_auth' as never }), /clientAuthMethod.*tls_client_auth/],
    ];
    it.each(cases)('%s', (_name, build, message) => {
      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow(message);
    });

    it('at the first request: a key that is not PKCS#8, a public JWK, an unsupported curve', async () => {
      const c = idp.current.clients.ecKeyJwt;
      const { kid: _k, d: _d, ...publicJwk } = c.privateJwk;
      const attempts: [ConfidentialClientOptions['clientCredential'], RegExp][] = [
        [{ privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' }, /private_key_jwt needs a PKCS#8 PEM/],
        [{ privateKey: publicJwk as JsonWebKey }, /private_key_jwt needs a private JWK/],
        [{ privateKey: { kty: 'EC', crv: 'secp256k1', d: 'x', x: 'x', y: 'y' } as JsonWebKey }, /crv "secp256k1"/],
      ];
      for (const [credential, message] of attempts) {
        const error = await app(c.clientId, credential).acquireTokenForClient({ scopes: SCOPES }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(message);
      }
    });
  });

  describe('token endpoint errors keep the provider reason', () => {
    it('invalid_grant from a refresh: the error_description reaches the caller, the token does not', async () => {
      const c = idp.current.clients.confidential;
      const bogus = 'not-a-refresh-token-0123456789';
      const error = await app(c.clientId, c.clientSecret).acquireTokenByRefreshToken(bogus, { scopes: SCOPES }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InteractionRequiredError);
      const e = error as InteractionRequiredError;
      expect(e.error).toBe('invalid_grant');
      expect(e.errorDescription).toMatch(/grant request is invalid/);
      expect(e.message).toBe(`invalid_grant: ${e.errorDescription}`);
      expect(e.message).not.toContain(bogus);
    });

    it('invalid_client says why', async () => {
      const c = idp.current.clients.secretJwt;
      const error = await refused(app(c.clientId, c.clientSecret, { clientAuthMethod: 'client_secret_post' }));
      expect(error.errorDescription).toMatch(/client authentication failed/);
      expect(error.message).toContain(error.errorDescription!);
    });
  });
});
