// Hostile or broken answers from managed identity endpoints and developer CLIs: wrong types,
// missing fields, expiries far in the future. Each is refused with a typed error naming the field,
// or clamped as core clamps server durations (MAX_SERVER_SECONDS). The endpoints are a loopback
// server (no real endpoint sends these); the CLIs are stub executables on PATH.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_SERVER_SECONDS } from '@tessera/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, AzureCliCredential, AzureDeveloperCliCredential, ManagedIdentityCredential, type ManagedIdentityCredentialOptions } from '../src/index.js';
import { useTempDir } from './credentials-helpers.js';
import { printJson, useCliStubs } from './support/cli-stub.js';
import { type MsiServer, startMsiServer } from './support/msi-server.js';

const SCOPE = 'https://vault.azure.net/.default';
const MAX_MS = MAX_SERVER_SECONDS * 1000;
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU';

let server: MsiServer;
beforeAll(async () => {
  server = await startMsiServer();
});
afterAll(() => server.close());

const credentials: ManagedIdentityCredential[] = [];
afterEach(async () => {
  server.requests.length = 0;
  await Promise.all(credentials.splice(0).map((c) => c.close()));
});
const imds = (options: ManagedIdentityCredentialOptions = {}) => {
  const c = new ManagedIdentityCredential({ environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }, imdsRetryOptions: { maxRetries: 0 }, ...options });
  credentials.push(c);
  return c;
};
const answer = (body: unknown) => server.handle(() => ({ status: 200, body }));

describe('managed identity answers: expiries are clamped to MAX_SERVER_SECONDS', () => {
  it.each([
    ['a huge expires_in', { expires_in: '1' + '0'.repeat(30) }],
    ['a huge numeric expires_on', { expires_on: 1e20 }],
    ['a 400-digit expires_on', { expires_on: '9'.repeat(400) }],
    ['an expires_on in the year 275760', { expires_on: new Date(8.64e15).toISOString() }],
  ])('%s', async (_name, fields) => {
    answer({ access_token: 'tok', token_type: 'Bearer', ...fields });
    const before = Date.now();
    const token = await imds().getToken(SCOPE);
    expect(token.token).toBe('tok');
    expect(token.expiresOnTimestamp).toBeGreaterThanOrEqual(before + MAX_MS);
    expect(token.expiresOnTimestamp).toBeLessThanOrEqual(Date.now() + MAX_MS);
  });

  it('renews at refresh_in, but never after expiry', async () => {
    answer({ access_token: 'tok', expires_in: '3600', refresh_in: '9'.repeat(40) });
    const token = await imds().getToken(SCOPE);
    expect(token.refreshAfterTimestamp).toBe(token.expiresOnTimestamp);
    expect(token.expiresOnTimestamp).toBeLessThanOrEqual(Date.now() + 3600_000);
  });
});

describe('managed identity answers: wrong types and missing fields are refused, naming the field', () => {
  it.each([
    ['a token with a line break (header injection)', { access_token: 'tok\r\nX-Evil: 1', expires_in: '3600' }, /access_token: expected printable ASCII/],
    ['a numeric token', { access_token: 42, expires_in: '3600' }, /access_token: expected a string/],
    ['no token', { expires_in: '3600' }, /no "access_token"/],
    ['a negative expires_in', { access_token: 'tok', expires_in: -3600 }, /expires_in: expected a non-negative number of seconds/],
    ['an expires_in of the wrong type', { access_token: 'tok', expires_in: true }, /expires_in: expected a non-negative number of seconds/],
    ['an unreadable expires_on', { access_token: 'tok', expires_on: 'banana', expires_in: '3600' }, /expires_on:/],
    ['no expiry', { access_token: 'tok' }, /expires_on: expected expires_on or expires_in/],
    ['a refresh_in of the wrong type', { access_token: 'tok', expires_in: '3600', refresh_in: 'soon' }, /refresh_in: expected a non-negative number of seconds/],
    ['an array', [{ access_token: 'tok', expires_in: '3600' }], /not a token: expected an object/],
  ])('%s', async (_name, body, message) => {
    answer(body);
    const error = await imds().getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'invalid_response', statusCode: 200 });
    expect((error as Error).message).toMatch(/^ManagedIdentityCredential \(IMDS\): the answer \(HTTP 200\) is not a token: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('tok\r\n');
  });

  it('an error body of unexpected shape is reported from its text', async () => {
    server.handle(() => ({ status: 403, body: { error: 5, message: ['not', 'text'] } }));
    const error = await imds().getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('HTTP 403: {"error":5,"message":["not","text"]}');
  });
});

describe('Azure Arc: hostile agent answers', () => {
  const tmp = useTempDir();
  const tokens = () => join(tmp.path, 'tokens');
  const arc = (options: ManagedIdentityCredentialOptions = {}) => {
    const c = new ManagedIdentityCredential({
      environment: { IDENTITY_ENDPOINT: `${server.origin}/metadata/identity/oauth2/token`, IMDS_ENDPOINT: server.origin },
      azureArcTokenDirectory: tokens(),
      ...options,
    });
    credentials.push(c);
    return c;
  };
  beforeAll(() => mkdir(tokens(), { recursive: true }));

  it('refuses a challenge header longer than a path, before touching the file system', async () => {
    server.handle(() => ({ status: 401, headers: { 'WWW-Authenticate': `Basic realm=${join(tokens(), 'a'.repeat(2000))}.key` } }));
    const error = await arc().getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_arc_challenge' });
    expect((error as Error).message).toContain("WWW-Authenticate header is longer than 1024 characters");
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a 401 without a challenge header', async () => {
    server.handle(() => ({ status: 401, body: '' }));
    await expect(arc().getToken(SCOPE)).rejects.toThrow(/WWW-Authenticate header is missing/);
  });

  it('a token given without the challenge must still confirm the user-assigned identity', async () => {
    answer({ access_token: 'machine-token', expires_in: '3600' });
    await expect(arc({ clientId: 'cid-1' }).getToken(SCOPE)).rejects.toMatchObject({ code: 'user_assigned_not_confirmed' });
    expect(server.requests).toHaveLength(1);
  });

  it('an identity echo of the wrong type is refused, naming the field', async () => {
    const file = join(tokens(), 'echo.key');
    await writeFile(file, 'echo-secret');
    server.handle((r) =>
      r.headers.authorization
        ? { status: 200, body: { access_token: 'arc-token', expires_in: '3600', client_id: ['cid-1'] } }
        : { status: 401, headers: { 'WWW-Authenticate': `Basic realm=${file}` } },
    );
    const error = await arc({ clientId: 'cid-1' }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toMatch(/client_id: expected a string/);
  });
});

describe('developer CLIs: hostile output', () => {
  const stubs = useCliStubs();

  it.each([
    ['a token with a line break', { accessToken: `${JWT}\nX-Evil: 1`, expires_on: 1_900_000_000 }, /accessToken: expected printable ASCII/],
    ['a negative expires_on (not silently replaced by expiresOn)', { accessToken: JWT, expires_on: -5, expiresOn: '2030-03-17 10:13:20.000000' }, /expires_on: /],
    ['expires_on of the wrong type', { accessToken: JWT, expires_on: { at: 1 } }, /expires_on: /],
    ['no expiry', { accessToken: JWT }, /expires_on: expected "expires_on" or "expiresOn"/],
    ['a numeric token', { accessToken: 7, expires_on: 1_900_000_000 }, /accessToken: expected a string/],
  ])('az: %s', async (_name, output, message) => {
    await stubs.install('az', printJson(output));
    const error = await new AzureCliCredential().getToken('https://management.azure.com/.default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toMatch(/^AzureCliCredential: unexpected answer from az: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(JWT);
  });

  it('az: an expires_on in milliseconds is read as milliseconds, not clamped', async () => {
    const at = (Math.floor(Date.now() / 1000) + 3600) * 1000;
    await stubs.install('az', printJson({ accessToken: JWT, expires_on: at }));
    const token = await new AzureCliCredential().getToken('https://management.azure.com/.default');
    expect(token.expiresOnTimestamp).toBe(at);
  });

  it.each([
    ['an expiresOn that is not a date', { token: JWT, expiresOn: 'never' }, /expiresOn: expected a date/],
    ['no expiresOn', { token: JWT }, /no "expiresOn"/],
    ['a token of the wrong type', { token: [JWT], expiresOn: '2030-03-17T10:13:20Z' }, /token: expected a string/],
  ])('azd: %s', async (_name, output, message) => {
    await stubs.install('azd', printJson(output));
    const error = await new AzureDeveloperCliCredential().getToken('https://a.example/.default').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(JWT);
  });
});
