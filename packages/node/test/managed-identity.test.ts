// Each managed identity source against a loopback server that follows Microsoft's protocol for it.
// Every test passes `environment` and points IMDS at loopback: nothing here may reach 169.254.169.254.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, CredentialUnavailableError, DEFAULT_IMDS_RETRY, ManagedIdentityCredential, type ManagedIdentityCredentialOptions } from '../src/index.js';
import { useTempDir } from './credentials-helpers.js';
import { type MsiServer, startMsiServer, startSelfSignedMsiServer, tokenReply } from './support/msi-server.js';

const SCOPE = 'https://vault.azure.net/.default';
const RESOURCE = 'https://vault.azure.net';
const FAST_RETRY = { minDelayMs: 1, maxDelayMs: 2, goneDelayMs: 1 };
const RESOURCE_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi';

let server: MsiServer;
beforeAll(async () => {
  server = await startMsiServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.handle(() => tokenReply());
});

const credentials: ManagedIdentityCredential[] = [];
afterEach(async () => {
  await Promise.all(credentials.splice(0).map((c) => c.close()));
});
function track(c: ManagedIdentityCredential): ManagedIdentityCredential {
  credentials.push(c);
  return c;
}

describe('IMDS', () => {
  const imds = (options: ManagedIdentityCredentialOptions = {}) =>
    track(new ManagedIdentityCredential({ environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }, imdsRetryOptions: FAST_RETRY, ...options }));

  it('sends the documented GET with Metadata: true, returns the token, then serves it from the cache', async () => {
    server.handle(() => tokenReply('imds-token'));
    const credential = imds();
    const token = await credential.getToken(SCOPE);
    expect(token).toMatchObject({ token: 'imds-token', tokenType: 'Bearer' });
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3500_000);
    expect(credential.sourceName).toBe('IMDS');
    const [seen] = server.requests;
    expect(seen).toMatchObject({ method: 'GET', path: '/metadata/identity/oauth2/token', query: { 'api-version': '2018-02-01', resource: RESOURCE } });
    expect(seen!.headers.metadata).toBe('true');
    expect(Object.keys(seen!.query).sort()).toEqual(['api-version', 'resource']);
    expect((await credential.getToken([SCOPE])).token).toBe('imds-token');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['a client id string', () => new ManagedIdentityCredential('cid-1', { environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin } }), { client_id: 'cid-1' }],
    ['{ clientId }', () => imds({ clientId: 'cid-2' }), { client_id: 'cid-2' }],
    ['{ objectId }', () => imds({ objectId: 'oid-1' }), { object_id: 'oid-1' }],
    ['{ resourceId }', () => imds({ resourceId: RESOURCE_ID }), { msi_res_id: RESOURCE_ID }],
  ])('names a user-assigned identity given as %s', async (_name, make, expected) => {
    await track(make()).getToken(SCOPE);
    expect(server.requests[0]!.query).toEqual({ 'api-version': '2018-02-01', resource: RESOURCE, ...expected });
  });

  it('refuses two ids at once', () => {
    expect(() => new ManagedIdentityCredential({ clientId: 'a', objectId: 'b' } as ManagedIdentityCredentialOptions)).toThrow(/only one of clientId, objectId and resourceId/);
  });

  it('100 concurrent getToken calls make one request', async () => {
    server.handle(() => ({ ...tokenReply('shared'), delayMs: 50 }));
    const credential = imds();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => credential.getToken(SCOPE)));
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['shared']));
    expect(server.requests).toHaveLength(1);
  });

  it('retries 410 (IMDS updating) up to 7 times and then succeeds', async () => {
    server.handle((_r, i) => (i < 5 ? { status: 410, body: 'Gone' } : tokenReply('after-gone')));
    expect((await imds().getToken(SCOPE)).token).toBe('after-gone');
    expect(server.requests).toHaveLength(6);
  });

  it.each([
    [410, 1 + 7],
    [429, 1 + 3],
    [500, 1 + 3],
    [503, 1 + 3],
    [404, 1 + 3],
  ])('gives up on %i after the documented number of retries', async (status, attempts) => {
    server.handle(() => ({ status, body: { error: 'busy', error_description: `status ${status}` } }));
    const error = await imds().getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ statusCode: status, message: expect.stringContaining(`busy: status ${status}`) });
    expect(server.requests).toHaveLength(attempts);
  });

  it('backs off exponentially (1, 2, 4 x the base, capped) and waits the fixed 410 delay', async () => {
    const delays = async (status: number) => {
      const lines: string[] = [];
      server.handle(() => ({ status, body: { error: 'busy' } }));
      const logger = { log: (_level: string, message: string) => lines.push(message) };
      const retry = { minDelayMs: 1, maxDelayMs: 4, goneDelayMs: 3 };
      await imds({ imdsRetryOptions: retry, loggingOptions: { logger, level: 'verbose' } }).getToken(SCOPE).catch(() => {});
      return lines.flatMap((l) => /in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
    };
    expect(await delays(500)).toEqual([1, 2, 4]);
    expect(await delays(429)).toEqual([1, 2, 4]);
    expect(await delays(410)).toEqual([3, 3, 3, 3, 3, 3, 3]);
    // MSAL's defaults: 1 s, 2 s, 4 s; 410 every 10 s, 7 times (70 s).
    expect(DEFAULT_IMDS_RETRY).toEqual({ maxRetries: 3, maxRetriesOnGone: 7, minDelayMs: 1000, maxDelayMs: 4000, goneDelayMs: 10_000 });
  });

  it('does not retry 403; 400 (identity not assigned) is CredentialUnavailableError', async () => {
    server.handle(() => ({ status: 403, body: { error: 'forbidden', error_description: 'no' } }));
    await expect(imds().getToken(SCOPE)).rejects.toBeInstanceOf(AuthenticationError);
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    server.handle(() => ({ status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } }));
    const error = await imds({ clientId: 'unknown' }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect((error as Error).message).toContain('Identity not found');
    expect(server.requests).toHaveLength(1);
  });

  it('logs a refusal as other credentials do: an address in the description only with PII logging on', async () => {
    server.handle(() => ({ status: 403, body: { error: 'forbidden', error_description: 'identity of ops-admin@contoso.example is not allowed' } }));
    const logged = async (pii: boolean) => {
      const lines: string[] = [];
      const logger = { log: (_level: string, message: string) => lines.push(message) };
      await imds({ loggingOptions: { logger, level: 'info', enableUnsafeSupportLogging: pii } }).getToken(SCOPE).catch(() => {});
      return lines.find((l) => l.includes('getToken failed'));
    };
    expect(await logged(false)).toMatch(/getToken failed: .*identity of <email> is not allowed/);
    expect(await logged(true)).toContain('ops-admin@contoso.example');
  });

  it('probes without the Metadata header first when asked to', async () => {
    server.handle((r) => (r.headers.metadata ? tokenReply('probed') : { status: 400, body: { error: 'bad_request', error_description: 'Required metadata header not specified' } }));
    const credential = imds({ sendProbeRequest: true });
    expect((await credential.getToken(SCOPE)).token).toBe('probed');
    expect(server.requests.map((r) => r.headers.metadata)).toEqual([undefined, 'true']);
    await credential.getToken('https://storage.azure.com/.default');
    expect(server.requests).toHaveLength(3); // probed once per credential
  });

  it('probing (in a chain): an answer that is not JSON, after the retries, is not IMDS -> CredentialUnavailableError; alone it stays an AuthenticationError', async () => {
    server.handle(() => ({ status: 404, body: '<!DOCTYPE html><html><body>Not Found</body></html>', headers: { 'content-type': 'text/html' } }));
    const chained = await imds({ sendProbeRequest: true }).getToken(SCOPE).catch((e: unknown) => e);
    expect(chained).toBeInstanceOf(CredentialUnavailableError);
    expect(chained).toMatchObject({ code: 'imds_not_found' });
    expect((chained as Error).message).toContain('something other than IMDS answered at its address (HTTP 404, not JSON)');
    expect(server.requests.map((r) => r.headers.metadata)).toEqual([undefined, 'true', 'true', 'true', 'true']); // probe, then 3 retries as ever
    server.requests.length = 0;
    const alone = await imds().getToken(SCOPE).catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(AuthenticationError);
    expect(alone).not.toBeInstanceOf(CredentialUnavailableError);
    // IMDS's own JSON errors still end a chain: it is there, and refused.
    server.handle((r) => (r.headers.metadata ? { status: 500, body: { error: 'unknown_error', error_description: 'IMDS failed' } } : { status: 400, body: { error: 'bad_request' } }));
    const refused = await imds({ sendProbeRequest: true }).getToken(SCOPE).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).not.toBeInstanceOf(CredentialUnavailableError);
  });

  it('probe: nothing listening, or no answer within the timeout -> CredentialUnavailableError', async () => {
    const closedPort = await freePort();
    const refused = track(new ManagedIdentityCredential({ environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${closedPort}` }, sendProbeRequest: true }));
    await expect(refused.getToken(SCOPE)).rejects.toBeInstanceOf(CredentialUnavailableError);

    server.handle(() => ({ ...tokenReply(), delayMs: 2000 }));
    const silent = imds({ sendProbeRequest: true, probeTimeoutMs: 100 });
    const error = await silent.getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect((error as Error).message).toContain('did not answer within 100 ms');
  });

  it('renews a token past its refresh time in the background and keeps serving the cached one', async () => {
    server.handle(() => tokenReply('first', 3600, { refresh_in: '0' }));
    const credential = imds();
    expect((await credential.getToken(SCOPE)).token).toBe('first');
    server.handle(() => tokenReply('second'));
    expect((await credential.getToken(SCOPE)).token).toBe('first');
    await expect.poll(() => server.requests.length).toBe(2);
    await expect.poll(async () => (await credential.getToken(SCOPE)).token).toBe('second');
  });

  it('never sends the request through the proxy of the environment', async () => {
    const proxy = await startMsiServer();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    Object.assign(process.env, { HTTP_PROXY: proxy.origin, http_proxy: proxy.origin });
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    try {
      await imds().getToken(SCOPE);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.close();
    }
    expect(proxy.requests).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it("a caller's abort signal ends only its own wait", async () => {
    server.handle(() => ({ ...tokenReply('slow'), delayMs: 200 }));
    const credential = imds();
    const controller = new AbortController();
    const aborted = credential.getToken(SCOPE, { abortSignal: controller.signal });
    const patient = credential.getToken(SCOPE);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    expect((await patient).token).toBe('slow');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses more than one scope, and a closed credential', async () => {
    const credential = imds();
    await expect(credential.getToken([SCOPE, 'https://storage.azure.com/.default'])).rejects.toThrow(/exactly one scope/);
    await credential.close();
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ code: 'credential_closed' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('expires_on in every shape endpoints send (as @azure/identity and msal-node read it)', () => {
  // A whole second, an hour ahead: each shape below names exactly this instant.
  const at = (Math.floor(Date.now() / 1000) + 3600) * 1000;
  const appService2017 = (ms: number) => {
    // "11/20/2017 05:28:15 PM +00:00": App Service and Functions, api-version 2017-09-01.
    const d = new Date(ms);
    const two = (n: number) => String(n).padStart(2, '0');
    const h = d.getUTCHours() % 12 || 12;
    return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(h)}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'} +00:00`;
  };
  it.each([
    ['epoch seconds as a string of digits (IMDS, App Service 2019)', String(at / 1000)],
    ['epoch seconds as a JSON number', at / 1000],
    ['epoch seconds with a fraction', `${at / 1000}.0`],
    ['epoch milliseconds as a JSON number', at],
    ['epoch milliseconds as a string of digits', String(at)],
    ['an ISO 8601 date (Machine Learning)', new Date(at).toISOString()],
    ['App Service 2017-09-01\'s date', appService2017(at)],
  ])('%s', async (_name, expiresOn) => {
    server.handle(() => ({ status: 200, body: { access_token: 'tok', token_type: 'Bearer', expires_on: expiresOn } }));
    const credential = track(new ManagedIdentityCredential({ environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }, imdsRetryOptions: FAST_RETRY }));
    const token = await credential.getToken(SCOPE);
    expect(token.expiresOnTimestamp).toBe(at);
    // Renewed at half-life only for tokens living 2 h or more: this one is not.
    expect(token.refreshAfterTimestamp).toBeUndefined();
  });
});

describe('App Service / Functions', () => {
  const appService = (options: ManagedIdentityCredentialOptions = {}) =>
    track(new ManagedIdentityCredential({ environment: { IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'hdr-secret-123' }, ...options }));

  it('sends IDENTITY_HEADER as X-IDENTITY-HEADER with api-version 2019-08-01', async () => {
    server.handle(() => tokenReply('app-token'));
    const credential = appService();
    expect((await credential.getToken(SCOPE)).token).toBe('app-token');
    expect(credential.sourceName).toBe('App Service');
    const [seen] = server.requests;
    expect(seen).toMatchObject({ method: 'GET', path: '/msi/token', query: { 'api-version': '2019-08-01', resource: RESOURCE } });
    expect(seen!.headers['x-identity-header']).toBe('hdr-secret-123');
    expect(seen!.headers.metadata).toBeUndefined();
  });

  it.each([
    [{ clientId: 'cid' }, { client_id: 'cid' }],
    [{ objectId: 'oid' }, { object_id: 'oid' }],
    [{ resourceId: RESOURCE_ID }, { mi_res_id: RESOURCE_ID }],
  ])('names the user-assigned identity %o', async (id, expected) => {
    await appService(id).getToken(SCOPE);
    expect(server.requests[0]!.query).toEqual({ 'api-version': '2019-08-01', resource: RESOURCE, ...expected });
  });

  it('reports the service message with the identity header redacted', async () => {
    server.handle(() => ({ status: 400, body: { statusCode: 400, message: 'Unable to load the proper Managed Identity. header hdr-secret-123 rejected', correlationId: 'c' } }));
    const error = await appService({ clientId: 'nope' }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('HTTP 400: error: Unable to load the proper Managed Identity.');
    expect((error as Error).message).not.toContain('hdr-secret-123');
    expect(server.requests).toHaveLength(1);
  });

  it('hides the identity header however the endpoint or a gateway quotes it: cut at the end of its text, or a piece of it', async () => {
    // A 64-character header, as App Service sets it; no real endpoint echoes it, a hostile or broken one (or a gateway's page) may.
    const header = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a';
    const credential = appService({ environment: { IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: header } });
    // A gateway's plain-text page echoing the request: the header straddles the end of the text kept in the message.
    server.handle(() => ({ status: 502, body: `Bad gateway. Request: GET /msi/token ${'.'.repeat(130)} x-identity-header: ${header}` }));
    const cut = (await credential.getToken(SCOPE).catch((e: unknown) => e)) as Error;
    expect(cut).toBeInstanceOf(AuthenticationError);
    expect(cut.message).toContain('Bad gateway');
    expect(cut.message).not.toContain(header.slice(0, 12));
    // A service message quoting a piece from the middle of the header.
    server.handle(() => ({ status: 400, body: { statusCode: 400, message: `header ...${header.slice(20, 44)}... rejected` } }));
    const piece = (await credential.getToken(SCOPE).catch((e: unknown) => e)) as AuthenticationError;
    expect(piece.message).toContain('rejected');
    expect(piece.message).not.toContain(header.slice(20, 32));
    expect(JSON.stringify(piece.errorResponse)).not.toContain(header.slice(20, 32));
  });

  it('an IDENTITY_ENDPOINT that is not a URL makes the credential unavailable, naming the variable', async () => {
    const error = await appService({ environment: { IDENTITY_ENDPOINT: 'not a url', IDENTITY_HEADER: 'h' } }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect((error as Error).message).toContain('IDENTITY_ENDPOINT is not a URL');
  });

  it('is chosen over IMDS and Cloud Shell when its variables are set', async () => {
    const credential = appService({ environment: { IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'h', MSI_ENDPOINT: `${server.origin}/cloudshell`, AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin } });
    await credential.getToken(SCOPE);
    expect(server.requests.map((r) => r.path)).toEqual(['/msi/token']);
  });
});

describe('Azure Machine Learning', () => {
  const ml = (options: ManagedIdentityCredentialOptions = {}) =>
    track(new ManagedIdentityCredential({ environment: { MSI_ENDPOINT: `${server.origin}/msi/token`, MSI_SECRET: 'ml-secret', DEFAULT_IDENTITY_CLIENT_ID: 'default-cid' }, ...options }));

  it('sends the 2017 protocol with the secret header; the system identity is DEFAULT_IDENTITY_CLIENT_ID', async () => {
    server.handle(() => tokenReply('ml-token', 3600, { expires_on: new Date(Date.now() + 3600_000).toISOString() }));
    const credential = ml();
    const token = await credential.getToken(SCOPE);
    expect(token.token).toBe('ml-token');
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3500_000);
    expect(credential.sourceName).toBe('Azure Machine Learning');
    const [seen] = server.requests;
    expect(seen).toMatchObject({ method: 'GET', path: '/msi/token', query: { 'api-version': '2017-09-01', resource: RESOURCE, clientid: 'default-cid' } });
    expect(seen!.headers.secret).toBe('ml-secret');
    expect(seen!.headers.metadata).toBe('true');
  });

  it('names a user-assigned identity by client id only', async () => {
    await ml({ clientId: 'ua-cid' }).getToken(SCOPE);
    expect(server.requests[0]!.query.clientid).toBe('ua-cid');
    await expect(ml({ objectId: 'oid' }).getToken(SCOPE)).rejects.toMatchObject({ code: 'user_assigned_not_supported' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('Cloud Shell', () => {
  const env = () => ({ MSI_ENDPOINT: `${server.origin}/oauth2/token` });

  it('POSTs the resource as a form with Metadata: true', async () => {
    server.handle(() => tokenReply('shell-token'));
    const credential = track(new ManagedIdentityCredential({ environment: env() }));
    expect((await credential.getToken(SCOPE)).token).toBe('shell-token');
    const [seen] = server.requests;
    expect(seen).toMatchObject({ method: 'POST', path: '/oauth2/token', body: `resource=${encodeURIComponent(RESOURCE)}` });
    expect(seen!.headers.metadata).toBe('true');
    expect(seen!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('refuses a user-assigned identity without a request', async () => {
    await expect(track(new ManagedIdentityCredential('cid', { environment: env() })).getToken(SCOPE)).rejects.toBeInstanceOf(CredentialUnavailableError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('Azure Arc', () => {
  const tmp = useTempDir();
  const tokens = () => join(tmp.path, 'tokens');
  const arc = (options: ManagedIdentityCredentialOptions = {}) =>
    track(
      new ManagedIdentityCredential({
        environment: { IDENTITY_ENDPOINT: `${server.origin}/metadata/identity/oauth2/token`, IMDS_ENDPOINT: server.origin },
        azureArcTokenDirectory: tokens(),
        ...options,
      }),
    );
  /** The agent's side: 401 with the challenge file, then the token for the file's secret. */
  const agent = (realm: string, secret: string, extra: Record<string, unknown> = {}) =>
    server.handle((r) =>
      r.headers.authorization === `Basic ${secret}`
        ? tokenReply('arc-token', 3600, extra)
        : r.headers.authorization
          ? { status: 401, body: { error: 'unauthorized' } }
          : { status: 401, headers: { 'WWW-Authenticate': `Basic realm=${realm}` }, body: '' },
    );

  beforeAll(async () => {
    await mkdir(tokens(), { recursive: true });
    await mkdir(join(tmp.path, 'elsewhere'), { recursive: true });
  });

  it('answers the 401 challenge with the secret of the challenge file', async () => {
    const file = join(tokens(), 'abc.key');
    await writeFile(file, 'arc-secret-value');
    agent(file, 'arc-secret-value');
    const credential = arc();
    expect((await credential.getToken(SCOPE)).token).toBe('arc-token');
    expect(credential.sourceName).toBe('Azure Arc');
    const [challenge, answer] = server.requests;
    for (const seen of [challenge, answer]) {
      expect(seen).toMatchObject({ method: 'GET', path: '/metadata/identity/oauth2/token', query: { 'api-version': '2020-06-01', resource: RESOURCE } });
      expect(seen!.headers.metadata).toBe('true');
    }
    expect(challenge!.headers.authorization).toBeUndefined();
    expect(answer!.headers.authorization).toBe('Basic arc-secret-value');
  });

  it.each([
    ['outside the agent folder', async () => {
      const file = join(tmp.path, 'elsewhere', 'x.key');
      await writeFile(file, 's');
      return file;
    }, /not in the agent's folder/],
    ['not a .key file', async () => {
      const file = join(tokens(), 'passwd');
      await writeFile(file, 's');
      return file;
    }, /not a \.key file/],
    ['a path that climbs out', async () => `${tokens()}/../elsewhere/x.key`, /not in the agent's folder/],
    ['larger than 4096 bytes', async () => {
      const file = join(tokens(), 'big.key');
      await writeFile(file, 'x'.repeat(4097));
      return file;
    }, /4097 bytes, more than the 4096/],
    ['missing', async () => join(tokens(), 'gone.key'), /cannot be read/],
  ])('refuses a challenge file %s and sends nothing more', async (_name, make, message) => {
    const realm = await make();
    agent(realm, 's');
    const error = await arc().getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it('accepts a file of exactly 4096 bytes', async () => {
    const file = join(tokens(), 'max.key');
    const secret = 'y'.repeat(4096);
    await writeFile(file, secret);
    agent(file, secret);
    expect((await arc().getToken(SCOPE)).token).toBe('arc-token');
  });

  it('refuses a 401 without a Basic realm challenge', async () => {
    server.handle(() => ({ status: 401, headers: { 'WWW-Authenticate': 'Bearer realm=x' } }));
    await expect(arc().getToken(SCOPE)).rejects.toThrow(/not "Basic realm=<file>"/);
  });

  it('a user-assigned identity must be echoed by the agent', async () => {
    const file = join(tokens(), 'ua.key');
    await writeFile(file, 'ua-secret');
    agent(file, 'ua-secret');
    const error = await arc({ resourceId: RESOURCE_ID }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'user_assigned_not_confirmed' });
    expect(server.requests[0]!.query.msi_res_id).toBe(RESOURCE_ID);

    agent(file, 'ua-secret', { client_id: 'CID-9' });
    expect((await arc({ clientId: 'cid-9' }).getToken(SCOPE)).token).toBe('arc-token');
    expect(server.requests.at(-1)!.query.client_id).toBe('cid-9');
  });
});

describe('Service Fabric', () => {
  let tlsServer: MsiServer & { thumbprint: string };
  let thumbprint: string;

  beforeAll(async () => {
    tlsServer = await startSelfSignedMsiServer();
    thumbprint = tlsServer.thumbprint;
  });
  afterAll(() => tlsServer.close());

  const sf = (print: string, options: ManagedIdentityCredentialOptions = {}) =>
    track(
      new ManagedIdentityCredential({
        environment: { IDENTITY_ENDPOINT: `${tlsServer.origin}/metadata/identity/oauth2/token`, IDENTITY_HEADER: 'sf-secret', IDENTITY_SERVER_THUMBPRINT: print },
        ...options,
      }),
    );

  it('trusts the self-signed certificate of IDENTITY_SERVER_THUMBPRINT and sends the secret header', async () => {
    tlsServer.handle(() => tokenReply('sf-token'));
    const credential = sf(thumbprint);
    expect((await credential.getToken(SCOPE)).token).toBe('sf-token');
    expect(credential.sourceName).toBe('Service Fabric');
    const [seen] = tlsServer.requests;
    expect(seen).toMatchObject({ method: 'GET', query: { 'api-version': '2019-07-01-preview', resource: RESOURCE } });
    expect(seen!.headers.secret).toBe('sf-secret');
  });

  it('refuses a server with another certificate before sending the secret', async () => {
    tlsServer.requests.length = 0;
    const error = await sf('00'.repeat(20)).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect((error as Error).message).toMatch(/expected thumbprint/);
    expect(tlsServer.requests).toHaveLength(0);
  });

  it('reports the Service Fabric error body', async () => {
    tlsServer.handle(() => ({ status: 400, body: { error: { code: 'SecretHeaderNotFound', message: 'Secret is not found in the request headers.' } } }));
    const error = await sf(thumbprint).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('SecretHeaderNotFound: Secret is not found in the request headers.');
  });

  it('refuses a user-assigned identity (the cluster chooses it) without a request', async () => {
    tlsServer.requests.length = 0;
    const error = await sf(thumbprint, { clientId: 'cid' }).getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error).toMatchObject({ code: 'user_assigned_not_supported' });
    expect(tlsServer.requests).toHaveLength(0);
  });
});

/** A loopback port with nothing listening. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
