import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AzureAuthorityHosts, ConfigurationError, ServerError } from '@tessera/core';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type AbortSignalLike,
  type AccessToken,
  ChainedTokenCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
  TenantNotAllowedError,
  type TokenCredential,
} from '../src/index.js';
import { jwtClaims, jwtHeader, offlineHttpClient, recordingHttpClient, signedAssertion, useDevAuthority, useTempDir } from './credentials-helpers.js';

const SCOPE = 'api.read';

describe('service principal credentials against the dev authority', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();

  const secretCredential = (options: ConstructorParameters<typeof ClientSecretCredential>[3] = {}) => {
    const c = idp.current.clients.confidential;
    // A generic OIDC issuer as `authority`: the tenant argument is ignored.
    return new ClientSecretCredential('', c.clientId, c.clientSecret, { authority: idp.current.issuer, ...options });
  };

  describe('ClientSecretCredential', () => {
    it('returns a Bearer token for the API, then serves it from the cache', async () => {
      const credential = secretCredential();
      idp.current.clearRequests();
      const before = Date.now();
      const first = await credential.getToken(SCOPE);
      expect(first.tokenType).toBe('Bearer');
      const claims = jwtClaims(first.token);
      expect(claims.aud).toBe('urn:tessera:api');
      expect(String(claims.scope).split(' ')).toContain('api.read');
      expect(claims.client_id).toBe(idp.current.clients.confidential.clientId);
      // Milliseconds, about an hour ahead.
      expect(first.expiresOnTimestamp).toBeGreaterThan(before + 3500_000);
      expect(first.expiresOnTimestamp).toBeLessThan(before + 3700_000);

      const second = await credential.getToken([SCOPE]);
      expect(second.token).toBe(first.token);
      expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    });

    it('makes one token request for 100 concurrent getToken calls', async () => {
      const credential = secretCredential();
      idp.current.clearRequests();
      const tokens = await Promise.all(Array.from({ length: 100 }, () => credential.getToken(SCOPE)));
      expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
      expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    });

    it('reports a wrong secret as the server error, without the secret', async () => {
      const c = idp.current.clients.confidential;
      const credential = new ClientSecretCredential('', c.clientId, 'not-the-secret', { authority: idp.current.issuer });
      const error = await credential.getToken(SCOPE).catch((e) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error.error).toBe('invalid_client');
      expect(String(error.message)).not.toContain('not-the-secret');
    });

    it('ignores a per-request tenantId for a generic OIDC authority', async () => {
      const token = await secretCredential().getToken(SCOPE, { tenantId: 'another-tenant' });
      expect(jwtClaims(token.token).aud).toBe('urn:tessera:api');
    });

    it('enableCae declares the CP1 capability and keeps CAE tokens apart from the others', async () => {
      const http = recordingHttpClient();
      const credential = secretCredential({ httpClient: http });
      const plain = await credential.getToken(SCOPE);
      const cae = await credential.getToken(SCOPE, { enableCae: true });
      expect(cae.token).not.toBe(plain.token);
      const bodies = http.requests.filter((r) => r.method === 'POST').map((r) => new URLSearchParams(r.body));
      expect(bodies).toHaveLength(2);
      expect(bodies[0]!.get('claims')).toBeNull();
      expect(JSON.parse(bodies[1]!.get('claims')!)).toEqual({ access_token: { xms_cc: { values: ['CP1'] } } });
      // Each mode now answers from its own cache.
      expect((await credential.getToken(SCOPE, { enableCae: true })).token).toBe(cae.token);
      expect((await credential.getToken(SCOPE)).token).toBe(plain.token);
    });

    it('logs each token, with account identifiers only when allowed', async () => {
      const lines: string[] = [];
      const logger = { log: (_level: string, message: string) => lines.push(message) };
      await secretCredential({ loggingOptions: { logger } }).getToken(SCOPE);
      await secretCredential({ loggingOptions: { logger, allowLoggingAccountIdentifiers: true } }).getToken(SCOPE);
      const successes = lines.filter((l) => l.startsWith('ClientSecretCredential.getToken succeeded'));
      expect(successes).toHaveLength(2);
      expect(successes[0]).not.toContain('Client ID');
      expect(successes[1]).toContain(`Client ID: ${idp.current.clients.confidential.clientId}`);
    });

    it('honours an abort signal', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(secretCredential().getToken(SCOPE, { abortSignal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    });

    it('refuses getToken after close() and Symbol.asyncDispose', async () => {
      const credential = secretCredential();
      await credential.getToken(SCOPE);
      await credential[Symbol.asyncDispose]();
      await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ code: 'credential_closed' });
      await credential.close(); // idempotent
    });
  });

  describe('ClientCertificateCredential', () => {
    const fixture = () => idp.current.clients.privateKeyJwt;

    const certificateCredential = async (pem: string, options: ConstructorParameters<typeof ClientCertificateCredential>[3] = {}) => {
      const path = join(tmp.path, `cert-${Math.random().toString(36).slice(2)}.pem`);
      await writeFile(path, pem);
      const http = recordingHttpClient();
      const credential = new ClientCertificateCredential('', fixture().clientId, path, { authority: idp.current.issuer, httpClient: http, ...options });
      const assertionHeader = () => {
        const body = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body);
        return jwtHeader(body.get('client_assertion')!);
      };
      return { credential, assertionHeader };
    };

    it('signs the assertion with the PEM file (key + certificate) and sends the SHA-1 thumbprint', async () => {
      const { credential, assertionHeader } = await certificateCredential(`${fixture().privateKeyPem}\n${fixture().certificatePem}`);
      const token = await credential.getToken(SCOPE);
      expect(jwtClaims(token.token).client_id).toBe(fixture().clientId);
      const header = assertionHeader();
      expect(header.alg).toBe('RS256');
      expect(header.x5t).toBe(Buffer.from(fixture().thumbprint, 'hex').toString('base64url'));
      expect(header.x5c).toBeUndefined();
    });

    it('takes a bare key (no certificate) for a generic issuer: kid from its thumbprint, no x5t', async () => {
      const ec = idp.current.clients.ecKeyJwt;
      const sec1 = createPrivateKey(ec.privateKeyPem).export({ format: 'pem', type: 'sec1' }) as string;
      const path = join(tmp.path, 'bare-key.pem');
      await writeFile(path, sec1);
      const http = recordingHttpClient();
      const token = await new ClientCertificateCredential('', ec.clientId, path, { authority: idp.current.issuer, httpClient: http }).getToken(SCOPE);
      expect(jwtClaims(token.token).client_id).toBe(ec.clientId);
      const body = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body);
      expect(jwtHeader(body.get('client_assertion')!)).toEqual({ alg: 'ES256', typ: 'JWT', kid: ec.kid });
    });

    it('reads PKCS#1 keys, certificates first, and sends the chain (x5c) on request', async () => {
      const pkcs1 = createPrivateKey(fixture().privateKeyPem).export({ format: 'pem', type: 'pkcs1' }) as string;
      expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
      const { credential, assertionHeader } = await certificateCredential(`${fixture().certificatePem}\n${pkcs1}`, { sendCertificateChain: true });
      await credential.getToken(SCOPE);
      const x5c = assertionHeader().x5c as string[];
      expect(x5c).toHaveLength(1);
      expect(fixture().certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')).toBe(x5c[0]);
    });

    it('decrypts an encrypted key with certificatePassword (node:crypto through core)', async () => {
      const encrypted = createPrivateKey(fixture().privateKeyPem).export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: 'open sesame',
      }) as string;
      const pem = `${encrypted}\n${fixture().certificatePem}`;
      const { credential } = await certificateCredential(pem, { certificatePassword: 'open sesame' });
      expect((await credential.getToken(SCOPE)).token).toBeTruthy();

      const { credential: noPassword } = await certificateCredential(pem);
      await expect(noPassword.getToken(SCOPE)).rejects.toMatchObject({ code: 'invalid_certificate', message: expect.stringContaining('certificatePassword') });
      const { credential: wrong } = await certificateCredential(pem, { certificatePassword: 'wrong' });
      await expect(wrong.getToken(SCOPE)).rejects.toMatchObject({ code: 'invalid_certificate' });
    });

    it('accepts the PEM contents inline', async () => {
      const credential = new ClientCertificateCredential(
        '',
        fixture().clientId,
        { certificate: `${fixture().privateKeyPem}${fixture().certificatePem}` },
        { authority: idp.current.issuer },
      );
      expect((await credential.getToken(SCOPE)).token).toBeTruthy();
    });

    it('refuses a certificate that does not belong to the key, and a missing file', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const { credential } = await certificateCredential(`${other}${fixture().certificatePem}`);
      await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ code: 'invalid_certificate', message: expect.stringContaining('no certificate for its private key') });
      const missing = new ClientCertificateCredential('', fixture().clientId, join(tmp.path, 'nope.pem'), { authority: idp.current.issuer });
      await expect(missing.getToken(SCOPE)).rejects.toMatchObject({ code: 'invalid_certificate', message: expect.stringContaining('ENOENT') });
    });
  });

  describe('ClientAssertionCredential', () => {
    it('calls getAssertion for each token request', async () => {
      const c = idp.current.clients.privateKeyJwt;
      const getAssertion = vi.fn(async () => {
        const { token_endpoint } = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
        return signedAssertion(c.privateKeyPem, c.clientId, token_endpoint);
      });
      const credential = new ClientAssertionCredential('', c.clientId, getAssertion, { authority: idp.current.issuer });
      const token = await credential.getToken(SCOPE);
      expect(jwtClaims(token.token).client_id).toBe(c.clientId);
      await credential.getToken(SCOPE); // cached: no new assertion
      expect(getAssertion).toHaveBeenCalledTimes(1);
      await credential.getToken('api.write');
      expect(getAssertion).toHaveBeenCalledTimes(2);
    });
  });

  describe('ChainedTokenCredential', () => {
    const unavailable = (message: string): TokenCredential => ({
      getToken: vi.fn(async () => {
        throw new CredentialUnavailableError(message);
      }),
    });

    it('skips unavailable sources (and null answers) and returns the first token', async () => {
      const first = unavailable('first is not set up');
      const nothing: TokenCredential = { getToken: async () => null };
      const real = secretCredential();
      const never = { getToken: vi.fn() };
      const chain = new ChainedTokenCredential(first, nothing, real, never);
      const token = await chain.getToken(SCOPE);
      expect(jwtClaims(token.token).aud).toBe('urn:tessera:api');
      expect(chain.selectedCredential).toBe(real);
      expect(first.getToken).toHaveBeenCalledWith(SCOPE, undefined);
      expect(never.getToken).not.toHaveBeenCalled();
    });

    it('stops at the first error that is not CredentialUnavailableError', async () => {
      const c = idp.current.clients.confidential;
      const wrongSecret = new ClientSecretCredential('', c.clientId, 'wrong', { authority: idp.current.issuer });
      const after = { getToken: vi.fn() };
      const error = await new ChainedTokenCredential(unavailable('n/a'), wrongSecret, after).getToken(SCOPE).catch((e) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(after.getToken).not.toHaveBeenCalled();
    });

    it('moves on past @azure/identity credentials that are unavailable (their errors are told apart by name)', async () => {
      // What @azure/identity's credentials throw: its own classes, recognised by `name` (as its chain does).
      const foreign = (name: string): TokenCredential => ({
        getToken: async () => {
          throw Object.assign(new Error(`AzurePowerShellCredential: ${name}`), { name });
        },
      });
      const chain = new ChainedTokenCredential(foreign('CredentialUnavailableError'), foreign('AuthenticationRequiredError'), secretCredential());
      expect((await chain.getToken(SCOPE)).token).toBeTruthy();
      // Any other name is a real failure, as before.
      const after = { getToken: vi.fn() };
      const error = await new ChainedTokenCredential(foreign('AuthenticationError'), after).getToken(SCOPE).catch((e) => e);
      expect(error.name).toBe('AuthenticationError');
      expect(after.getToken).not.toHaveBeenCalled();
    });

    it('reports every message when no source is available', async () => {
      const error = await new ChainedTokenCredential(unavailable('no managed identity'), unavailable('not logged in')).getToken(SCOPE).catch((e) => e);
      expect(error).toBeInstanceOf(CredentialUnavailableError);
      expect(error.code).toBe('credential_unavailable');
      expect(error.message).toContain('no managed identity');
      expect(error.message).toContain('not logged in');
      expect(error.errors).toHaveLength(2);
    });
  });
});

describe('tenant rules (Entra-shaped authority, no network)', () => {
  const entraSecret = (options: ConstructorParameters<typeof ClientSecretCredential>[3] = {}) =>
    new ClientSecretCredential('tenant-a', 'app-id', 'secret', { authorityHost: AzurePublicCloudHost, ...options });
  const AzurePublicCloudHost = AzureAuthorityHosts.AzurePublicCloud;

  it('refuses a tenant outside additionallyAllowedTenants before any request, saying how to allow it', async () => {
    const http = offlineHttpClient();
    const error = await entraSecret({ httpClient: http }).getToken('https://vault.azure.net/.default', { tenantId: 'tenant-b' }).catch((e) => e);
    expect(error).toBeInstanceOf(TenantNotAllowedError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('tenant_not_allowed');
    expect(error.tenantId).toBe('tenant-b');
    expect(error.message).toContain('additionallyAllowedTenants');
    expect(error.message).toContain('"*"');
    expect(http.urls).toEqual([]);
  });

  it('sends allowed tenants (listed or "*") to that tenant, and the own tenant to its own', async () => {
    for (const allowed of [['TENANT-B'], ['*']]) {
      const http = offlineHttpClient();
      await entraSecret({ httpClient: http, additionallyAllowedTenants: allowed, retryOptions: { maxRetries: 0 } })
        .getToken('https://vault.azure.net/.default', { tenantId: 'tenant-b' })
        .catch(() => undefined);
      expect(http.urls[0]).toBe('https://login.microsoftonline.com/tenant-b/v2.0/.well-known/openid-configuration');
    }
    const http = offlineHttpClient();
    await entraSecret({ httpClient: http, retryOptions: { maxRetries: 0 } }).getToken('https://vault.azure.net/.default', { tenantId: 'tenant-a' }).catch(() => undefined);
    expect(http.urls[0]).toBe('https://login.microsoftonline.com/tenant-a/v2.0/.well-known/openid-configuration');
  });

  it('uses the cloud of authorityHost and validates tenant ids', async () => {
    const http = offlineHttpClient();
    await new ClientSecretCredential('tenant-a', 'app-id', 'secret', { authorityHost: AzureAuthorityHosts.AzureGovernment, httpClient: http, retryOptions: { maxRetries: 0 } })
      .getToken('https://vault.usgovcloudapi.net/.default')
      .catch(() => undefined);
    expect(http.urls[0]).toBe('https://login.microsoftonline.us/tenant-a/v2.0/.well-known/openid-configuration');
    expect(() => new ClientSecretCredential('../evil', 'app-id', 'secret')).toThrow(expect.objectContaining({ code: 'invalid_tenant_id' }));
    await expect(entraSecret({ additionallyAllowedTenants: ['*'] }).getToken('x', { tenantId: 'a/b' })).rejects.toMatchObject({ code: 'invalid_tenant_id' });
    expect(() => new ClientSecretCredential('t', 'app-id', 'secret', { authority: 'https://login.microsoftonline.com/t', authorityHost: AzurePublicCloudHost })).toThrow(ConfigurationError);
    expect(() => new ClientSecretCredential('', 'app-id', 'secret')).toThrow(/tenant id is required/);
  });

  it('gives up after requestOptions.timeout, also with an AbortSignalLike that is not an AbortSignal', async () => {
    const hanging = {
      send: (request: { signal?: AbortSignal }) =>
        new Promise<never>((_, reject) => request.signal?.addEventListener('abort', () => reject(request.signal!.reason))),
    };
    // Its own tenant: discovery is shared process-wide and this one hangs until core's attempt timeout.
    const credential = new ClientSecretCredential('tenant-hanging', 'app-id', 'secret', { httpClient: hanging, retryOptions: { maxRetries: 0 } });
    const started = Date.now();
    await expect(credential.getToken('x', { requestOptions: { timeout: 100 } })).rejects.toMatchObject({ code: 'aborted' });
    expect(Date.now() - started).toBeLessThan(5000);

    const listeners: Array<(ev: unknown) => void> = [];
    const like: AbortSignalLike = {
      aborted: false,
      addEventListener: (_type, listener) => void listeners.push(listener.bind(like)),
      removeEventListener: () => {},
    };
    const pending = credential.getToken('x', { abortSignal: like });
    setTimeout(() => listeners.forEach((l) => l({})), 50);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('builds persistence lazily: the OS secret store is first used by getToken (credentials-persistence-keyring.test.ts)', () => {
    expect(() => entraSecret({ tokenCachePersistenceOptions: { enabled: true } })).not.toThrow();
    expect(() => entraSecret({ tokenCachePersistenceOptions: { enabled: false } })).not.toThrow();
  });

  it('needs at least one scope and refuses proof-of-possession', async () => {
    await expect(entraSecret().getToken([])).rejects.toBeInstanceOf(ConfigurationError);
    await expect(
      entraSecret().getToken('x', { proofOfPossessionOptions: { nonce: 'n', resourceRequestMethod: 'GET', resourceRequestUrl: 'https://r' } }),
    ).rejects.toMatchObject({ code: 'pop_not_supported' });
  });
});

/** A private_key_jwt client assertion (RFC 7523), signed with node:crypto. */
// @azure/core-auth's types, restated: an Azure SDK client accepts our credentials, and our chain accepts theirs.
interface AzureAbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: any;
  addEventListener(type: 'abort', listener: (this: AzureAbortSignalLike, ev: any) => any, options?: any): void;
  removeEventListener(type: 'abort', listener: (this: AzureAbortSignalLike, ev: any) => any, options?: any): void;
}
interface AzureGetTokenOptions {
  abortSignal?: AzureAbortSignalLike;
  requestOptions?: { timeout?: number };
  tracingOptions?: { tracingContext?: unknown };
  claims?: string;
  enableCae?: boolean;
  tenantId?: string;
  proofOfPossessionOptions?: { nonce: string; resourceRequestMethod: 'GET' | 'POST'; resourceRequestUrl: string };
}
interface AzureAccessToken {
  token: string;
  expiresOnTimestamp: number;
  refreshAfterTimestamp?: number;
  tokenType?: 'Bearer' | 'pop';
}
interface AzureTokenCredential {
  getToken(scopes: string | string[], options?: AzureGetTokenOptions): Promise<AzureAccessToken | null>;
}

describe('TokenCredential compatibility with @azure/core-auth', () => {
  it('type-checks in both directions', () => {
    const ours: AzureTokenCredential = new ClientSecretCredential('t', 'c', 's');
    const theirs: AzureTokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: 0, tokenType: 'pop' }) };
    const chain: AzureTokenCredential = new ChainedTokenCredential(theirs, ours);
    const token: AccessToken | null = null as AzureAccessToken | null;
    // Type assertions: `pnpm test` type-checks the tests, so a mismatch fails the run.
    expectTypeOf(ours).toExtend<AzureTokenCredential>();
    expectTypeOf(chain).toExtend<AzureTokenCredential>();
    expectTypeOf<AzureAccessToken | null>().toExtend<typeof token>();
  });
});
