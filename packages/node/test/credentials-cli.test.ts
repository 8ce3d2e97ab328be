// AzureCliCredential and AzureDeveloperCliCredential against stub `az` / `azd` executables on PATH:
// the exact argv, folder and environment they get, their answers' formats, and every failure mode.
import { realpathSync } from 'node:fs';
import { AbortError, ConfigurationError } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  AzureCliCredential,
  AzureDeveloperCliCredential,
  CredentialUnavailableError,
  TenantNotAllowedError,
} from '../src/index.js';
import { fail, printJson, useCliStubs } from './support/cli-stub.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU';
const EXPIRES_S = 1_900_000_000;

describe('AzureCliCredential', () => {
  const stubs = useCliStubs();
  const azAnswer = { accessToken: JWT, expiresOn: '2030-03-17 10:13:20.000000', expires_on: EXPIRES_S, subscription: 'sub', tenant: 'tenant-a', tokenType: 'Bearer' };

  it('runs "az account get-access-token" with the resource, in a neutral folder, with the caller\'s environment', async () => {
    const az = await stubs.install('az', printJson(azAnswer));
    vi.stubEnv('TESSERA_STUB_MARK', 'seen');
    const token = await new AzureCliCredential().getToken('https://management.azure.com/.default');
    expect(token).toEqual({ token: JWT, expiresOnTimestamp: EXPIRES_S * 1000, tokenType: 'Bearer' });
    const record = (await az.record())!;
    expect(record.argv).toEqual(['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com']);
    expect(record.cwd).toBe(realpathSync('/bin')); // /bin may be a link to /usr/bin
    expect(record.env.TESSERA_STUB_MARK).toBe('seen');
  });

  it('passes the tenant (configured, or an allowed one per request) as --tenant', async () => {
    const az = await stubs.install('az', printJson(azAnswer));
    const credential = new AzureCliCredential({ tenantId: 'tenant-a', additionallyAllowedTenants: ['tenant-b'] });
    await credential.getToken('https://vault.azure.net/.default');
    expect((await az.record())!.argv.slice(-2)).toEqual(['--tenant', 'tenant-a']);
    await credential.getToken('https://vault.azure.net/.default', { tenantId: 'tenant-b' });
    expect((await az.record())!.argv.slice(-2)).toEqual(['--tenant', 'tenant-b']);
    await expect(credential.getToken('https://vault.azure.net/.default', { tenantId: 'tenant-c' })).rejects.toBeInstanceOf(TenantNotAllowedError);
  });

  it('passes a subscription (a name with spaces stays one argument) and refuses one that looks like an option', async () => {
    const az = await stubs.install('az', printJson(azAnswer));
    await new AzureCliCredential({ subscription: 'My Dev Sub' }).getToken('https://management.azure.com/.default');
    expect((await az.record())!.argv.slice(-2)).toEqual(['--subscription', 'My Dev Sub']);
    expect(() => new AzureCliCredential({ subscription: '--debug' })).toThrow(/invalid subscription/);
    expect(() => new AzureCliCredential({ subscription: 'a;b' })).toThrow(/invalid subscription/);
  });

  it('reads the older "expiresOn" local time when "expires_on" is absent', async () => {
    await stubs.install('az', printJson({ accessToken: JWT, expiresOn: '2030-03-17 10:13:20.000000' }));
    const token = await new AzureCliCredential().getToken('https://management.azure.com/.default');
    expect(token.expiresOnTimestamp).toBe(new Date(2030, 2, 17, 10, 13, 20).getTime());
  });

  it('refuses scopes and tenants that could smuggle arguments, before running anything', async () => {
    const az = await stubs.install('az', printJson(azAnswer));
    expect(() => new AzureCliCredential({ tenantId: 'tenant --debug' })).toThrow(ConfigurationError);
    const credential = new AzureCliCredential();
    await expect(credential.getToken("https://x.com/.default'$(id)")).rejects.toMatchObject({ code: 'invalid_scope' });
    await expect(credential.getToken('https://x.com/.default', { tenantId: 'a&b' })).rejects.toMatchObject({ code: 'invalid_tenant_id' });
    await expect(credential.getToken(['https://a.com/.default', 'https://b.com/.default'])).rejects.toMatchObject({ code: 'invalid_scope' });
    expect(await az.record()).toBeUndefined();
  });

  it('says how to install az when it is not on PATH', async () => {
    await stubs.emptyPath();
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.code).toBe('cli_not_found');
    expect(error.message).toMatch(/az not found on PATH: install the Azure CLI \(https:\/\/aka\.ms\/azure-cli\)/);
  });

  it('says to run "az login" when az is not signed in', async () => {
    await stubs.install('az', fail("ERROR: Please run 'az login' to setup account.\n"));
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toContain('run "az login"');
  });

  it('reports another failure as AuthenticationError with the output stripped of tokens', async () => {
    await stubs.install('az', fail(`ERROR: AADSTS50076: MFA required. Run az login --scope https://x/.default\nDEBUG token ${JWT} "accessToken": "opaque-secret-value"`));
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('AADSTS50076');
    expect(error.message).toContain('exit code 1');
    expect(error.message).not.toContain(JWT);
    expect(error.message).not.toContain('opaque-secret-value');
  });

  it('reports a CLI killed by a signal (a crash, the OOM killer) as such, its output stripped of tokens', async () => {
    // stderr written, then the process dies of a signal it did not catch: no exit code.
    await stubs.install('az', `process.stderr.write('DEBUG token ${JWT} "accessToken": "opaque-secret-value"\\n', () => process.kill(process.pid, 'SIGSEGV'));`);
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('cli_failed');
    expect(error.message).toContain('az was stopped by signal SIGSEGV');
    expect(error.message).toContain('DEBUG token <redacted>');
    expect(error.message).not.toContain(JWT);
    expect(error.message).not.toContain('opaque-secret-value');
  });

  it('reports output that is not JSON, without quoting it', async () => {
    await stubs.install('az', `process.stdout.write('Token: ${JWT}'); process.exit(0);`);
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('invalid_response');
    expect(error.message).not.toContain(JWT);
    await stubs.install('az', printJson({ accessToken: JWT, expiresOn: 'tomorrow-ish' }));
    await expect(new AzureCliCredential().getToken('https://management.azure.com/.default')).rejects.toThrow(/unexpected answer from az: expiresOn: expected a date/);
  });

  it('kills a CLI that does not answer within processTimeoutInMs', async () => {
    const az = await stubs.install('az', 'setInterval(() => {}, 1000);');
    const error = await new AzureCliCredential({ processTimeoutInMs: 1500 }).getToken('https://management.azure.com/.default').catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.code).toBe('cli_timeout');
    const { pid } = (await az.record())!;
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });


  it('stops the CLI when getToken is aborted, with an AbortError (a chain does not move on)', async () => {
    const az = await stubs.install('az', 'setInterval(() => {}, 1000);');
    const controller = new AbortController();
    const pending = new AzureCliCredential().getToken('https://management.azure.com/.default', { abortSignal: controller.signal });
    await vi.waitFor(async () => expect(await az.record()).toBeDefined());
    controller.abort();
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(CredentialUnavailableError);
    const { pid } = (await az.record())!;
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' })));
  });
});

describe('AzureDeveloperCliCredential', () => {
  const stubs = useCliStubs();

  it('runs "azd auth token" with every scope and the tenant, and reads its ISO expiresOn', async () => {
    const azd = await stubs.install('azd', printJson({ token: JWT, expiresOn: '2030-03-17T10:13:20Z' }));
    const token = await new AzureDeveloperCliCredential({ tenantId: 'tenant-a' }).getToken(['https://a.example/.default', 'api://b/read']);
    expect(token).toEqual({ token: JWT, expiresOnTimestamp: Date.UTC(2030, 2, 17, 10, 13, 20), tokenType: 'Bearer' });
    expect((await azd.record())!.argv).toEqual([
      'auth',
      'token',
      '--output',
      'json',
      '--scope',
      'https://a.example/.default',
      '--scope',
      'api://b/read',
      '--tenant-id',
      'tenant-a',
    ]);
  });

  it('says to run "azd auth login" when not signed in, and how to install azd when missing', async () => {
    await stubs.install('azd', fail('ERROR: fetching token: not logged in, run `azd auth login` to login\n'));
    const error = await new AzureDeveloperCliCredential().getToken('https://a.example/.default').catch((e) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toContain('run "azd auth login"');
    await stubs.emptyPath();
    await expect(new AzureDeveloperCliCredential().getToken('https://a.example/.default')).rejects.toMatchObject({ code: 'cli_not_found' });
  });

  it('reports an answer without a token', async () => {
    await stubs.install('azd', printJson({ expiresOn: '2030-03-17T10:13:20Z' }));
    await expect(new AzureDeveloperCliCredential().getToken('https://a.example/.default')).rejects.toThrow(/unexpected answer from azd: no "token"/);
  });
});
