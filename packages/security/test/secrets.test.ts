// Secret hygiene: every flow against the real dev authority, successes and failures, with a
// verbose logger and PII off; no token, code, secret, assertion or password may reach a log line
// or an error. With PII on, the same capture does see them (so the capture itself works).
import { startDevAuthority, approveDeviceCode, completeAuthorization, DEV_PASSWORD_REJECTED, type DevAuthority } from '@tessera/dev-authority';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientApplicationOptions,
  ConfidentialClientApplication,
  type ConfidentialClientOptions,
  PublicClientApplication,
  type ServerError,
  clearMetadataCache,
  jwksSignatureVerifier,
} from '@tessera/core';
import { FAST_RETRY, REDIRECT_URI, SCOPES, useHostileServers } from './support/harness.js';
import type { HostileServer, SeenRequest } from './support/hostile-server.js';
import { runCli } from '../../node/test/cli/run-cli.js';
import { SecretRecorder, errorTexts, expectNoSecrets, failing } from './support/secrets.js';

const PASSWORD = 'correct-horse-battery-staple-42';

interface Run {
  recorder: SecretRecorder;
  logs: string[];
  errors: unknown[];
}

/** Drives every flow the SDK has, with failures, and collects what it logged and threw. */
async function exerciseEverything(idp: DevAuthority, piiLoggingEnabled: boolean): Promise<Run> {
  const recorder = new SecretRecorder();
  const logs: string[] = [];
  const errors: unknown[] = [];
  const common: Partial<ClientApplicationOptions> = {
    authority: idp.issuer,
    httpClient: recorder,
    retry: FAST_RETRY,
    logger: { log: (level, message) => logs.push(`${level}: ${message}`) },
    level: 'verbose',
    piiLoggingEnabled,
  };
  const native = (o: Partial<ClientApplicationOptions> = {}) =>
    new PublicClientApplication({ clientId: idp.clients.native.clientId, ...common, ...o } as ClientApplicationOptions);
  const confidential = (o: Partial<ConfidentialClientOptions> = {}) =>
    new ConfidentialClientApplication({
      clientId: idp.clients.confidential.clientId,
      clientCredential: idp.clients.confidential.clientSecret,
      ...common,
      ...o,
    } as ConfidentialClientOptions);
  recorder.add('client_secret', idp.clients.confidential.clientSecret);
  recorder.add('password', PASSWORD);
  recorder.add('password', DEV_PASSWORD_REJECTED);

  // Authorization code with PKCE, signature checks on; then silent, refresh, and a reused refresh token.
  const app = native({ idTokenSignatureVerifier: jwksSignatureVerifier });
  const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
  const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'hygiene' });
  recorder.add('code', new URL(redirectUrl).searchParams.get('code'));
  const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  await failing(errors, app.acquireTokenByAuthCodeFlow(flow, redirectUrl)); // replay
  await failing(errors, app.acquireTokenByAuthCodeFlow(flow, redirectUrl.replace(/state=[^&]+/, 'state=forged')));
  await failing(errors, app.acquireTokenByAuthCodeFlow(flow, `${redirectUrl}%%%[`)); // malformed
  const [firstRt] = [...app.tokenCache.entries('RefreshToken')].map(([, e]) => e.secret);
  await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account! });
  await app.acquireTokenSilent({ scopes: SCOPES, account: signedIn.account!, forceRefresh: true });
  await failing(errors, native().acquireTokenByRefreshToken(firstRt!, { scopes: SCOPES })); // rotated away: invalid_grant
  await failing(errors, native().acquireTokenByCode(new URL(redirectUrl).searchParams.get('code')!, { scopes: SCOPES, redirectUri: REDIRECT_URI }));

  // Device code.
  const device = native();
  const deviceFlow = await device.initiateDeviceFlow({ scopes: SCOPES });
  deviceFlow.interval = 0.2;
  const polling = device.acquireTokenByDeviceFlow(deviceFlow);
  await approveDeviceCode(idp.issuer, deviceFlow.userCode, { username: 'hygiene-device' });
  await polling;

  // Password grant, right and wrong.
  await native().acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hygiene-pw', password: PASSWORD });
  await failing(errors, native().acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hygiene-pw', password: DEV_PASSWORD_REJECTED }));

  // Client credentials: secret, wrong secret, certificate assertion, assertion callback, bad assertion.
  await confidential().acquireTokenForClient({ scopes: SCOPES });
  const wrongSecret = 'not-the-secret-but-still-secret';
  recorder.add('client_secret', wrongSecret);
  await failing(errors, confidential({ clientCredential: wrongSecret }).acquireTokenForClient({ scopes: SCOPES }));
  await failing(errors, confidential({ clientCredential: { clientSecret: wrongSecret } }).acquireTokenForClient({ scopes: SCOPES }));
  const pk = idp.clients.privateKeyJwt;
  await confidential({
    clientId: pk.clientId,
    clientCredential: { privateKey: pk.privateKeyPem, thumbprint: pk.thumbprint, publicCertificate: pk.certificatePem },
  }).acquireTokenForClient({ scopes: SCOPES });
  const key = await importPKCS8(pk.privateKeyPem, 'RS256');
  const assertion = async (audience: string) =>
    new SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'RS256' }).setIssuer(pk.clientId).setSubject(pk.clientId).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(key);
  await confidential({ clientId: pk.clientId, clientCredential: { clientAssertion: ({ tokenEndpoint }) => assertion(tokenEndpoint) } }).acquireTokenForClient({ scopes: SCOPES });
  const badAssertion = await assertion('https://wrong-audience.example/token');
  recorder.add('client_assertion', badAssertion);
  await failing(errors, confidential({ clientId: pk.clientId, clientCredential: { clientAssertion: badAssertion } }).acquireTokenForClient({ scopes: SCOPES }));

  // On-behalf-of, right and wrong.
  const user = await native().acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'hygiene-obo', password: PASSWORD });
  const api = confidential();
  await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user.accessToken });
  await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: user.accessToken }); // cached
  const forged = `${user.accessToken.slice(0, -4)}AAAA`;
  recorder.add('assertion', forged);
  await failing(errors, api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: forged }));

  return { recorder, logs, errors };
}

describe('secret hygiene against the dev authority', () => {
  let idp: DevAuthority;
  beforeAll(async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('never logs or throws a token, code, secret, assertion or password with PII logging off', async () => {
    const { recorder, logs, errors } = await exerciseEverything(idp, false);
    // The capture saw every kind of secret, so the scan below is meaningful.
    expect([...recorder.kinds()].sort()).toEqual(
      ['access_token', 'assertion', 'basic_credentials', 'client_assertion', 'client_secret', 'code', 'code_verifier', 'device_code', 'id_token', 'password', 'refresh_token'].sort(),
    );
    expect(logs.length).toBeGreaterThan(10);
    expect(errors.length).toBe(10);
    expectNoSecrets(recorder, [...logs, ...errors.flatMap(errorTexts)]);
    expect(logs.some((l) => l.includes('<redacted>'))).toBe(true);
  });

  it('does log them with PII logging on (proves the capture works)', async () => {
    const { recorder, logs } = await exerciseEverything(idp, true);
    const leakedKinds = new Set([...recorder.secrets].filter(([value]) => logs.some((l) => l.includes(value))).map(([, kind]) => kind));
    expect(leakedKinds.has('access_token')).toBe(true);
  });
});

/** A secret recorder, captured logs and errors, and client options wired to the stub through the recorder. */
function capturing(server: HostileServer) {
  const recorder = new SecretRecorder();
  const logs: string[] = [];
  const errors: unknown[] = [];
  const common = {
    clientId: server.clientId,
    authority: server.authority,
    httpClient: recorder,
    retry: FAST_RETRY,
    logger: { log: (_: string, m: string) => logs.push(m) },
    level: 'verbose' as const,
  } satisfies ClientApplicationOptions;
  return { recorder, logs, errors, common };
}

describe('secret hygiene against a hostile server that echoes secrets back', () => {
  const start = useHostileServers();

  it('redacts request secrets a server echoes in error_description', async () => {
    const server = await start();
    // The server quotes every parameter it was sent in its error description.
    server.on('token', (request) => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: `rejected: ${[...request.params].map(([k, v]) => `${k}=${v}`).join(' ')}` },
    }));
    const { recorder, logs, errors, common } = capturing(server);
    const secret = 'echoed-client-secret-value';
    recorder.add('client_secret', secret);
    const app = new ConfidentialClientApplication({ ...common, clientCredential: secret });
    await failing(errors, app.acquireTokenForClient({ scopes: SCOPES }));
    await failing(errors, app.acquireTokenByRefreshToken('echoed-refresh-token-value', { scopes: SCOPES }));
    await failing(errors, app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'u', password: PASSWORD }));
    await failing(errors, app.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: 'echoed-user-assertion-value' }));
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    await failing(errors, app.acquireTokenByAuthCodeFlow(flow, `${REDIRECT_URI}?code=echoed-auth-code-value&state=${flow.state}&iss=${encodeURIComponent(server.issuer)}`));
    expect(recorder.kinds()).toEqual(new Set(['client_secret', 'refresh_token', 'password', 'assertion', 'code', 'code_verifier']));
    expectNoSecrets(recorder, [...logs, ...errors.flatMap(errorTexts)]);
    // The rest of the description survives, so the error stays useful.
    expect((errors[0] as Error).message).toContain('grant_type=client_credentials');
  });
});

describe('secret hygiene against a gateway that echoes the raw request', () => {
  const start = useHostileServers();
  // Characters each encoding treats differently: `~` (in every new Entra secret), `!'()*`, space, `/+=`, non-ASCII.
  const odd = (name: string) => `${name}~Ab8Q.x!y'(z)*w /+=é-0123456789`;

  /** Answers every POST with the request quoted: raw form body, Authorization header, parameters as JSON, and a cut-off quote. */
  async function gateway(authMethods: string[] = ['client_secret_post']) {
    const server = await start();
    server.discovery.token_endpoint_auth_methods_supported = authMethods;
    const echo = (request: SeenRequest) => ({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `gateway saw body=${request.body} authorization=${request.headers.authorization ?? '-'} params=${JSON.stringify(Object.fromEntries(request.params))}`,
        trace_id: `first bytes: ${request.body.slice(0, 90)}`,
        correlation_id: request.body,
      },
    });
    server.on('token', echo);
    server.on('device', async () => ({ body: { device_code: odd('device-code'), user_code: 'ABCD-EFGH', verification_uri: `${server.origin}/device`, expires_in: 600, interval: 1 } }));
    return server;
  }

  async function run(work: (common: ClientApplicationOptions, server: HostileServer) => Promise<unknown>[]) {
    const server = await gateway();
    const { recorder, logs, errors, common } = capturing(server);
    // Every call gets its handler at once: awaiting them one by one left later rejections unhandled for a while.
    await Promise.all(work(common, server).map((call) => failing(errors, call)));
    return { recorder, texts: [...logs, ...errors.flatMap(errorTexts)], errors };
  }

  it('redacts a client secret with ~ sent in the form body, and one sent as Basic credentials', async () => {
    const secret = odd('client-secret');
    for (const methods of [['client_secret_post'], ['client_secret_basic']]) {
      const recorder = new SecretRecorder();
      const errors: unknown[] = [];
      const server = await gateway(methods);
      const app = new ConfidentialClientApplication({ clientId: server.clientId, authority: server.authority, httpClient: recorder, retry: FAST_RETRY, clientCredential: secret });
      await failing(errors, app.acquireTokenForClient({ scopes: SCOPES }));
      expect(recorder.kinds()).toContain(methods[0] === 'client_secret_basic' ? 'basic_credentials' : 'client_secret');
      expect(recorder.secrets.get(secret)).toBe('client_secret');
      expectNoSecrets(recorder, errors.flatMap(errorTexts));
      // The gateway did quote it (so the scan is meaningful), and the rest of its text survives.
      const seen = server.seen('token')[0]!;
      expect(seen.body.includes('client_secret=') || String(seen.headers.authorization).startsWith('Basic ')).toBe(true);
      expect((errors[0] as ServerError).errorDescription).toContain('grant_type=client_credentials');
    }
  });

  it('redacts a password with ! and space, a refresh token, an OBO assertion, an auth code and a device code', async () => {
    const password = odd('pass word!');
    const refreshToken = odd('refresh-token');
    const assertion = `eyJhbGciOiJSUzI1NiJ9.${odd('assertion')}`;
    const { recorder, texts, errors } = await run((common, server) => {
      const app = new ConfidentialClientApplication({ ...common, clientCredential: odd('client-secret') });
      const native = new PublicClientApplication(common);
      return [
        app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'user@example.com', password }),
        app.acquireTokenByRefreshToken(refreshToken, { scopes: SCOPES }),
        app.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: assertion }),
        (async () => {
          const flow = await native.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
          const redirect = new URL(REDIRECT_URI);
          for (const [k, v] of Object.entries({ code: odd('auth-code'), state: flow.state, iss: server.issuer })) redirect.searchParams.set(k, v);
          return native.acquireTokenByAuthCodeFlow(flow, redirect.href);
        })(),
        (async () => {
          const flow = await native.initiateDeviceFlow({ scopes: SCOPES });
          return native.acquireTokenByDeviceFlow(flow);
        })(),
      ];
    });
    expect(recorder.kinds()).toEqual(new Set(['client_secret', 'password', 'refresh_token', 'assertion', 'code', 'code_verifier', 'device_code']));
    expect(errors).toHaveLength(5);
    expectNoSecrets(recorder, texts);
    // Echoed text is capped: the whole form body came back, the message stays short.
    for (const error of errors) expect((error as Error).message.length).toBeLessThan(1200);
  });
});

describe('the tessera CLI against a gateway that echoes the raw request', () => {
  const start = useHostileServers();

  it('prints no encoding of the device code to stderr, even with -v', async () => {
    const server = await start();
    const deviceCode = "device-code~Ab8Q.x!y'(z)*w /+=é-0123456789";
    server.on('device', { body: { device_code: deviceCode, user_code: 'ABCD-EFGH', verification_uri: `${server.origin}/device`, expires_in: 600, interval: 1 } });
    server.on('token', (request) => ({ status: 400, body: { error: 'invalid_request', error_description: `gateway saw body=${request.body}`, correlation_id: request.body } }));
    const dir = await mkdtemp(join(tmpdir(), 'tessera-echo-'));
    try {
      const flags = ['--authority', server.authority, '--client-id', server.clientId, '--cache-file', join(dir, 'cache.json')];
      const result = await runCli(['login', '--device', '--poll-interval', '0.2', '-s', 'api.read', '-v', ...flags]);
      expect(result.code).not.toBe(0);
      // The gateway did quote it, and the CLI reported the failure.
      expect(server.seen('token')[0]!.body).toContain('device_code=');
      expect(result.stderr).toContain('invalid_request');
      const recorder = new SecretRecorder();
      recorder.add('device_code', deviceCode);
      expectNoSecrets(recorder, [result.stderr, result.stdout]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
