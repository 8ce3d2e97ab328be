// EnvironmentCredential and DefaultAzureCredential against the real dev authority (secret,
// certificate and password variables) and stub `az` / `azd` executables on PATH. Managed identity's
// IMDS probe goes to a closed loopback port (AZURE_POD_IDENTITY_AUTHORITY_HOST), never to 169.254.169.254.
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, ServerError } from '@tessera/core';
import { DEV_PASSWORD_REJECTED } from '@tessera/dev-authority';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AggregateAuthenticationError,
  AggregateAuthenticationErrorName,
  AuthenticationError,
  AuthenticationErrorName,
  AzureCliCredential,
  CredentialUnavailableErrorName,
  CredentialUnavailableError,
  DefaultAzureCredential,
  ENVIRONMENT_CREDENTIAL_VARIABLES,
  EnvironmentCredential,
  getDefaultAzureCredential,
} from '../src/index.js';
import { fail, printJson, useCliStubs } from './support/cli-stub.js';
import { jwtClaims, recordingHttpClient, signedAssertion, useDevAuthority, useTempDir } from './credentials-helpers.js';
import { startMsiServer } from './support/msi-server.js';

const SCOPE = 'api.read';
const AZ_TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJheiJ9.';
const AZ_ANSWER = { accessToken: AZ_TOKEN, expires_on: 1_900_000_000 };

/** Variables any of the chain's credentials read: cleared so that the machine's own do not leak in. */
const CHAIN_VARIABLES = [
  ...ENVIRONMENT_CREDENTIAL_VARIABLES,
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_TOKEN_CREDENTIALS',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
];

/** A loopback port with nothing listening: a refused connection, at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const idp = useDevAuthority();
const tmp = useTempDir();
const stubs = useCliStubs();
let imdsHost = '';
beforeAll(async () => {
  imdsHost = `http://127.0.0.1:${await closedPort()}`;
});
beforeEach(() => {
  for (const name of CHAIN_VARIABLES) vi.stubEnv(name, undefined);
  vi.stubEnv('AZURE_POD_IDENTITY_AUTHORITY_HOST', imdsHost);
});
afterEach(() => vi.unstubAllEnvs());

const setEnv = (vars: Record<string, string>) => {
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
};

describe('EnvironmentCredential', () => {
  it('uses the client secret first, with the authority host and allowed tenants from the environment', async () => {
    const c = idp.current.clients.confidential;
    setEnv({
      AZURE_TENANT_ID: 'tenant',
      AZURE_CLIENT_ID: c.clientId,
      AZURE_CLIENT_SECRET: c.clientSecret,
      AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent.pem', // the secret wins
      AZURE_USERNAME: 'pat',
      AZURE_PASSWORD: 'pw',
    });
    const http = recordingHttpClient();
    const credential = new EnvironmentCredential({ authority: idp.current.issuer, httpClient: http });
    expect(credential.selectedCredentialName).toBe('ClientSecretCredential');
    const token = await credential.getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(c.clientId);
    const body = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body);
    expect(body.get('grant_type')).toBe('client_credentials');
  });

  it('uses the certificate file (with its chain when AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true) when there is no secret', async () => {
    const f = idp.current.clients.privateKeyJwt;
    const path = join(tmp.path, 'env-cert.pem');
    await writeFile(path, `${f.privateKeyPem}\n${f.certificatePem}`);
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: f.clientId, AZURE_CLIENT_CERTIFICATE_PATH: path, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: 'true' });
    const http = recordingHttpClient();
    const credential = new EnvironmentCredential({ authority: idp.current.issuer, httpClient: http });
    expect(credential.selectedCredentialName).toBe('ClientCertificateCredential');
    const token = await credential.getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(f.clientId);
    const assertion = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body).get('client_assertion')!;
    const header = JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString()) as { x5c?: string[] };
    expect(header.x5c).toHaveLength(1);
  });

  it('uses the username and password last, and reports a refused password as the server error', async () => {
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: idp.current.clients.native.clientId, AZURE_USERNAME: 'pat', AZURE_PASSWORD: 'pw' });
    const http = recordingHttpClient();
    const credential = new EnvironmentCredential({ authority: idp.current.issuer, httpClient: http });
    expect(credential.selectedCredentialName).toBe('UsernamePasswordCredential');
    const token = await credential.getToken(SCOPE);
    expect(token.token).toBeTruthy();
    const body = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body);
    expect([body.get('grant_type'), body.get('username'), body.get('client_id')]).toEqual(['password', 'pat', idp.current.clients.native.clientId]);
    vi.stubEnv('AZURE_PASSWORD', DEV_PASSWORD_REJECTED);
    const error = await new EnvironmentCredential({ authority: idp.current.issuer }).getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).not.toContain(DEV_PASSWORD_REJECTED);
  });

  it('names the missing variables when the environment configures nothing', async () => {
    setEnv({ AZURE_CLIENT_ID: 'app', AZURE_USERNAME: 'pat' });
    const error = await new EnvironmentCredential().getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toContain('missing AZURE_TENANT_ID, one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_PASSWORD');
  });

  it('reads AZURE_ADDITIONALLY_ALLOWED_TENANTS and AZURE_AUTHORITY_HOST (Entra-shaped, refused before any request)', async () => {
    setEnv({
      AZURE_TENANT_ID: 'tenant-a',
      AZURE_CLIENT_ID: 'app',
      AZURE_CLIENT_SECRET: 'secret',
      AZURE_ADDITIONALLY_ALLOWED_TENANTS: 'tenant-b;tenant-c',
      AZURE_AUTHORITY_HOST: 'http://127.0.0.1:1',
    });
    const urls: string[] = [];
    const credential = new EnvironmentCredential({ disableInstanceDiscovery: true, httpClient: { send: async (r) => (urls.push(r.url), Promise.reject(new Error('offline'))) } });
    await expect(credential.getToken(SCOPE, { tenantId: 'tenant-d' })).rejects.toMatchObject({ code: 'tenant_not_allowed' });
    expect(urls).toEqual([]);
    await credential.getToken(SCOPE, { tenantId: 'tenant-c' }).catch(() => undefined);
    expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:1\/tenant-c\//);
  });
});

describe('environment values with surrounding whitespace (a trailing line break from a file or `echo`, spaces from .env)', () => {
  it('EnvironmentCredential drops it from ids and the client secret: the authority accepts the secret', async () => {
    const c = idp.current.clients.confidential;
    setEnv({ AZURE_TENANT_ID: ' tenant\n', AZURE_CLIENT_ID: `${c.clientId}\n`, AZURE_CLIENT_SECRET: `  ${c.clientSecret}\r\n` });
    const http = recordingHttpClient();
    const credential = new EnvironmentCredential({ authority: idp.current.issuer, httpClient: http });
    expect(credential.selectedCredentialName).toBe('ClientSecretCredential');
    const token = await credential.getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(c.clientId);
  });

  it('a value of only whitespace is unset, as an empty one (@azure/identity): the next way of signing in is chosen', async () => {
    const f = idp.current.clients.privateKeyJwt;
    const path = join(tmp.path, 'blank-secret.pem');
    await writeFile(path, `${f.privateKeyPem}\n${f.certificatePem}`);
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: f.clientId, AZURE_CLIENT_SECRET: ' \n', AZURE_CLIENT_CERTIFICATE_PATH: `${path}\n` });
    const credential = new EnvironmentCredential({ authority: idp.current.issuer });
    expect(credential.selectedCredentialName).toBe('ClientCertificateCredential');
    expect(jwtClaims((await credential.getToken(SCOPE)).token).client_id).toBe(f.clientId);
    setEnv({ AZURE_CLIENT_CERTIFICATE_PATH: '\t' });
    expect(await new EnvironmentCredential().getToken(SCOPE).catch((e) => e)).toBeInstanceOf(CredentialUnavailableError);
  });

  it('a password loses only its trailing line break: spaces can be part of it', async () => {
    for (const [value, sent] of [
      ['pw\n', 'pw'],
      [' p w \r\n', ' p w '],
    ]) {
      setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: `${idp.current.clients.native.clientId}\n`, AZURE_USERNAME: 'pat\n', AZURE_PASSWORD: value! });
      const http = recordingHttpClient();
      await new EnvironmentCredential({ authority: idp.current.issuer, httpClient: http }).getToken(SCOPE);
      const body = new URLSearchParams(http.requests.find((r) => r.method === 'POST')!.body);
      expect([body.get('username'), body.get('password')]).toEqual(['pat', sent]);
    }
  });

  it('DefaultAzureCredential reads the workload identity variables and requiredEnvVars the same way', async () => {
    const f = idp.current.clients.privateKeyJwt;
    const file = join(tmp.path, 'federated-token');
    await writeFile(file, signedAssertion(f.privateKeyPem, f.clientId, `${idp.current.issuer}/token`, 900));
    setEnv({ AZURE_TOKEN_CREDENTIALS: 'WorkloadIdentityCredential\n', AZURE_TENANT_ID: 'tenant\n', AZURE_CLIENT_ID: ` ${f.clientId}\n`, AZURE_FEDERATED_TOKEN_FILE: `${file}\n` });
    const token = await new DefaultAzureCredential({ authority: idp.current.issuer }).getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(f.clientId);
    vi.stubEnv('AZURE_CLIENT_ID', ' \n');
    expect(() => new DefaultAzureCredential({ requiredEnvVars: 'AZURE_CLIENT_ID' })).toThrow('AZURE_CLIENT_ID for DefaultAzureCredential is not set or empty');
  });
});

describe('DefaultAzureCredential', () => {
  it('tries every credential in order and reports what each one tried and why it failed', async () => {
    await stubs.install('az', fail("ERROR: Please run 'az login' to setup account."));
    await stubs.install('azd', fail('ERROR: not logged in, run `azd auth login` to login'));
    const credential = new DefaultAzureCredential();
    expect(credential.credentialNames).toEqual([
      'EnvironmentCredential',
      'WorkloadIdentityCredential',
      'ManagedIdentityCredential',
      'AzureCliCredential',
      'AzureDeveloperCliCredential',
    ]);
    const error = await credential.getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(AggregateAuthenticationError);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.errors).toHaveLength(5);
    const lines = (error.message as string).split('\n');
    expect(lines[0]).toBe('DefaultAzureCredential: no credential was available:');
    expect(lines[1]).toMatch(/^- EnvironmentCredential is unavailable: missing AZURE_TENANT_ID, AZURE_CLIENT_ID/);
    expect(lines[2]).toMatch(/^- WorkloadIdentityCredential: not configured; set tenantId \(AZURE_TENANT_ID\)/);
    expect(lines[3]).toMatch(/^- ManagedIdentityCredential \(IMDS\): the endpoint .*127\.0\.0\.1/);
    expect(lines[4]).toBe('- AzureCliCredential: not signed in: run "az login" (or "az login --tenant <tenant>")');
    expect(lines[5]).toBe('- AzureDeveloperCliCredential: not signed in: run "azd auth login"');
  });

  it('getDefaultAzureCredential returns a new default chain; errors carry the names @azure/identity exports', async () => {
    await stubs.install('az', fail("ERROR: Please run 'az login' to setup account."));
    await stubs.install('azd', fail('ERROR: not logged in, run `azd auth login` to login'));
    const credential = getDefaultAzureCredential();
    expect(credential).toBeInstanceOf(DefaultAzureCredential);
    expect(getDefaultAzureCredential()).not.toBe(credential);
    const error = await credential.getToken('https://management.azure.com/.default').catch((e) => e);
    // Code written for @azure/identity tells errors apart by name (they may cross package copies).
    expect(error.name).toBe(AggregateAuthenticationErrorName);
    expect(error.errors[0].name).toBe(CredentialUnavailableErrorName);
    expect(new AuthenticationError('refused', { statusCode: 400 }).name).toBe(AuthenticationErrorName);
    expect([CredentialUnavailableErrorName, AuthenticationErrorName, AggregateAuthenticationErrorName]).toEqual([
      'CredentialUnavailableError',
      'AuthenticationError',
      'AggregateAuthenticationError',
    ]);
  });

  it.each([
    ['a captive portal or another metadata server (200, HTML)', { status: 200, body: '<!DOCTYPE html><html><body>Sign in to the network</body></html>', headers: { 'content-type': 'text/html' } }],
    ['a proxy refusing the address (403, text)', { status: 403, body: 'Access denied by policy', headers: { 'content-type': 'text/plain' } }],
    ['a gateway asking for its own sign-in (401, HTML)', { status: 401, body: '<html><body>Unauthorized</body></html>', headers: { 'content-type': 'text/html' } }],
  ])('moves on to the developer tools when something other than IMDS answers at its address: %s', async (_name, reply) => {
    // As azure-identity's chains do: an answer that is not JSON is not IMDS, so managed identity is unavailable here.
    const other = await startMsiServer();
    try {
      other.handle(() => reply);
      vi.stubEnv('AZURE_POD_IDENTITY_AUTHORITY_HOST', other.origin);
      const az = await stubs.install('az', printJson(AZ_ANSWER));
      const credential = new DefaultAzureCredential();
      const token = await credential.getToken('https://management.azure.com/.default');
      expect(token.token).toBe(AZ_TOKEN);
      expect(await az.record()).toBeDefined();
      // The probe, then one token request (these statuses are not retried).
      expect(other.requests.map((r) => r.headers.metadata)).toEqual([undefined, 'true']);
    } finally {
      await other.close();
    }
  });

  it('goes on to azd when az fails (MFA, broken answer), as azure-identity does; az alone still reports AuthenticationError', async () => {
    const azd = await stubs.install('azd', printJson({ token: 'azd-token', expiresOn: '2030-01-01T00:00:00Z' }));
    for (const behaviour of [
      fail('ERROR: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. Run az login --scope https://management.azure.com/.default'),
      "process.stdout.write('WARNING: not json'); process.exit(0);",
    ]) {
      const az = await stubs.install('az', behaviour);
      const token = await new DefaultAzureCredential().getToken('https://management.azure.com/.default');
      expect(token.token).toBe('azd-token');
      expect(await az.record()).toBeDefined();
      expect(await azd.record()).toBeDefined();
      await expect(new AzureCliCredential().getToken('https://management.azure.com/.default')).rejects.toSatisfy((e) => e instanceof AuthenticationError && !(e instanceof CredentialUnavailableError));
    }
    // Both fail: the aggregate names az's own reason.
    await stubs.install('azd', fail('ERROR: fetching token: AADSTS700082: The refresh token has expired'));
    const error = await new DefaultAzureCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(AggregateAuthenticationError);
    expect(error.message).toContain('- AzureDeveloperCliCredential: azd failed (exit code 1): ERROR: fetching token: AADSTS700082');
    expect(error.message).toContain('- AzureCliCredential: az printed something that is not JSON');
  });

  it('picks the first working credential (az here) and keeps it for later calls', async () => {
    const az = await stubs.install('az', printJson(AZ_ANSWER));
    const azd = await stubs.install('azd', printJson({ token: 'azd-token', expiresOn: '2030-01-01T00:00:00Z' }));
    const credential = new DefaultAzureCredential({ tenantId: 'tenant-a', processTimeoutInMs: 5000 });
    const token = await credential.getToken('https://management.azure.com/.default');
    expect(token.token).toBe(AZ_TOKEN);
    expect(credential.selectedCredential).toBeInstanceOf(AzureCliCredential);
    expect((await az.record())!.argv.slice(-2)).toEqual(['--tenant', 'tenant-a']);
    expect(await azd.record()).toBeUndefined();
    // Later calls go straight to az: even a newly configured environment is not consulted.
    const c = idp.current.clients.confidential;
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: c.clientId, AZURE_CLIENT_SECRET: c.clientSecret });
    expect((await credential.getToken('https://vault.azure.net/.default')).token).toBe(AZ_TOKEN);
    expect((await az.record())!.argv).toContain('https://vault.azure.net');
  });

  it('uses the environment secret first when it is set (against the dev authority), without running az', async () => {
    const az = await stubs.install('az', printJson(AZ_ANSWER));
    const c = idp.current.clients.confidential;
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: c.clientId, AZURE_CLIENT_SECRET: c.clientSecret });
    const credential = new DefaultAzureCredential({ authority: idp.current.issuer });
    const token = await credential.getToken(SCOPE);
    expect(jwtClaims(token.token).client_id).toBe(c.clientId);
    expect(await az.record()).toBeUndefined();
  });

  it('stops at a credential that is set up but refused, with its own error', async () => {
    const az = await stubs.install('az', printJson(AZ_ANSWER));
    setEnv({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: idp.current.clients.confidential.clientId, AZURE_CLIENT_SECRET: 'wrong' });
    const error = await new DefaultAzureCredential({ authority: idp.current.issuer }).getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).not.toContain('wrong');
    expect(await az.record()).toBeUndefined();
  });

  it('AZURE_TOKEN_CREDENTIALS selects dev, prod or one credential; unknown values are refused', async () => {
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'dev');
    expect(new DefaultAzureCredential().credentialNames).toEqual(['AzureCliCredential', 'AzureDeveloperCliCredential']);
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', ' Prod ');
    expect(new DefaultAzureCredential().credentialNames).toEqual(['EnvironmentCredential', 'WorkloadIdentityCredential', 'ManagedIdentityCredential']);
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'azuredeveloperclicredential');
    const azd = await stubs.install('azd', printJson({ token: 'azd-token', expiresOn: '2030-01-01T00:00:00Z' }));
    const only = new DefaultAzureCredential();
    expect(only.credentialNames).toEqual(['AzureDeveloperCliCredential']);
    expect((await only.getToken('https://management.azure.com/.default')).token).toBe('azd-token');
    expect((await azd.record())!.argv).toContain('https://management.azure.com/.default');
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'AzurePowerShellCredential');
    expect(() => new DefaultAzureCredential()).toThrow(/AzurePowerShellCredential is not available in @tessera\/node/);
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'everything');
    expect(() => new DefaultAzureCredential()).toThrow(ConfigurationError);
  });

  it('leaves out excluded credentials, and refuses to exclude them all', async () => {
    const az = await stubs.install('az', printJson(AZ_ANSWER));
    const azd = await stubs.install('azd', printJson({ token: 'azd-token', expiresOn: '2030-01-01T00:00:00Z' }));
    const credential = new DefaultAzureCredential({ excludeManagedIdentityCredential: true, excludeAzureCliCredential: true });
    expect(credential.credentialNames).toEqual(['EnvironmentCredential', 'WorkloadIdentityCredential', 'AzureDeveloperCliCredential']);
    expect((await credential.getToken('https://management.azure.com/.default')).token).toBe('azd-token');
    expect(await az.record()).toBeUndefined();
    expect(await azd.record()).toBeDefined();
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'dev');
    expect(() => new DefaultAzureCredential({ excludeAzureCliCredential: true, excludeAzureDeveloperCliCredential: true })).toThrow(/every credential is excluded/);
  });

  it('reports a credential whose environment is invalid at getToken, not at construction', async () => {
    await stubs.emptyPath();
    setEnv({ AZURE_TENANT_ID: 'bad tenant!', AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: 'secret', AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' });
    const error = await new DefaultAzureCredential().getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(AggregateAuthenticationError);
    expect(error.message).toContain('- EnvironmentCredential: Invalid tenant id "bad tenant!"');
  });

  it('checks requiredEnvVars at construction', () => {
    expect(() => new DefaultAzureCredential({ requiredEnvVars: ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID'] })).toThrow(
      'Required environment variable(s) AZURE_CLIENT_ID, AZURE_TENANT_ID for DefaultAzureCredential are not set or empty',
    );
  });
});
