// WorkloadIdentityCredential and ManagedIdentityCredential's AKS token exchange against the real dev
// authority: the federated token is a private_key_jwt client assertion that oidc-provider verifies
// (signature, audience, and replay: a reused assertion is refused, so rotation must be honoured).
import { stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialUnavailableError, ManagedIdentityCredential, WorkloadIdentityCredential } from '../src/index.js';
import { jwtClaims, recordingHttpClient, signedAssertion, useDevAuthority, useTempDir } from './credentials-helpers.js';

const SCOPE = 'api.read';

describe('WorkloadIdentityCredential', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();
  let tokenEndpoint = '';
  beforeAll(async () => {
    ({ token_endpoint: tokenEndpoint } = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string });
  });
  const client = () => idp.current.clients.privateKeyJwt;
  /** What Kubernetes does: writes a new federated token into the projected file. */
  const project = async (file: string, ageS = 0) => {
    // Valid for 15 minutes: one test moves the (shared, in-process) clock 6 minutes ahead.
    const assertion = signedAssertion(client().privateKeyPem, client().clientId, tokenEndpoint, 900);
    await writeFile(file, `${assertion}\n`);
    // A distinct mtime for each rotation, even within one clock tick.
    const t = Date.now() / 1000 - ageS;
    await utimes(file, t, t);
    return assertion;
  };
  const sentAssertions = (http: ReturnType<typeof recordingHttpClient>) =>
    http.requests.filter((r) => r.url === tokenEndpoint).map((r) => new URLSearchParams(r.body).get('client_assertion'));

  it('exchanges the federated token for a token, caches it, and uses the rotated file', async () => {
    const file = join(tmp.path, 'token-1');
    const first = await project(file, 60);
    const http = recordingHttpClient();
    const credential = new WorkloadIdentityCredential({ tenantId: 'tenant', clientId: client().clientId, tokenFilePath: file, authority: idp.current.issuer, httpClient: http });
    const token = await credential.getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(client().clientId);
    await credential.getToken(SCOPE); // cached
    expect(sentAssertions(http)).toEqual([first]);
    const body = new URLSearchParams(http.requests.find((r) => r.url === tokenEndpoint)!.body);
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(body.get('grant_type')).toBe('client_credentials');

    // Rotated: the next exchange sends the new token (the authority refuses a replayed one).
    const second = await project(file);
    const other = await credential.getToken('api.write');
    expect(jwtClaims(other.token).client_id).toBe(client().clientId);
    expect(sentAssertions(http)).toEqual([first, second]);
    await credential.close();
  });

  it('re-reads a file rewritten in place (same mtime) after 5 minutes', async () => {
    const file = join(tmp.path, 'token-2');
    const first = await project(file, 60);
    const { mtime } = await stat(file);
    const http = recordingHttpClient();
    const credential = new WorkloadIdentityCredential({ tenantId: 'tenant', clientId: client().clientId, tokenFilePath: file, authority: idp.current.issuer, httpClient: http });
    await credential.getToken(SCOPE);
    const second = await project(file);
    await utimes(file, mtime, mtime);
    const realNow = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow + 6 * 60_000);
    try {
      await credential.getToken('api.write');
    } finally {
      clock.mockRestore();
    }
    expect(sentAssertions(http)).toEqual([first, second]);
    await credential.close();
  });

  it('reads AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE; options win', async () => {
    const file = join(tmp.path, 'token-env');
    await project(file);
    const saved = { ...process.env };
    Object.assign(process.env, { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: client().clientId, AZURE_FEDERATED_TOKEN_FILE: file });
    try {
      const fromEnv = new WorkloadIdentityCredential({ authority: idp.current.issuer });
      expect(jwtClaims((await fromEnv.getToken(SCOPE)).token).client_id).toBe(client().clientId);
      const overridden = new WorkloadIdentityCredential({ authority: idp.current.issuer, tokenFilePath: join(tmp.path, 'missing') });
      await expect(overridden.getToken(SCOPE)).rejects.toThrow(/cannot read the federated token file .*missing/);
      await Promise.all([fromEnv.close(), overridden.close()]);
    } finally {
      for (const k of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('is unavailable without its configuration, or with an empty file', async () => {
    const none = new WorkloadIdentityCredential({ tenantId: undefined, clientId: undefined, tokenFilePath: undefined, authorityHost: 'https://login.microsoftonline.com' });
    const saved = [process.env.AZURE_TENANT_ID, process.env.AZURE_CLIENT_ID, process.env.AZURE_FEDERATED_TOKEN_FILE];
    if (saved.every((v) => v === undefined)) {
      const error = await none.getToken(SCOPE).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialUnavailableError);
      expect((error as Error).message).toMatch(/tenantId \(AZURE_TENANT_ID\), clientId \(AZURE_CLIENT_ID\), tokenFilePath \(AZURE_FEDERATED_TOKEN_FILE\)/);
    }
    const empty = join(tmp.path, 'empty');
    await writeFile(empty, '\n');
    const credential = new WorkloadIdentityCredential({ tenantId: 't', clientId: client().clientId, tokenFilePath: empty, authority: idp.current.issuer });
    await expect(credential.getToken(SCOPE)).rejects.toThrow(CredentialUnavailableError);
    await credential.close();
  });

  it('ManagedIdentityCredential exchanges the token on AKS, 100 concurrent calls -> one exchange', async () => {
    const file = join(tmp.path, 'aks');
    await project(file);
    idp.current.clearRequests();
    const credential = new ManagedIdentityCredential({
      // Loopback only: IMDS must never be the one answering.
      environment: { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: client().clientId, AZURE_FEDERATED_TOKEN_FILE: file, AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' },
      authority: idp.current.issuer,
    });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => credential.getToken(SCOPE)));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(jwtClaims(tokens[0]!.token).client_id).toBe(client().clientId);
    expect(credential.sourceName).toBe('token exchange');
    expect(idp.current.countRequests({ grantType: 'client_credentials' })).toBe(1);
    await credential.close();
  });
});
