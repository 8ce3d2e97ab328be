import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCliSetup } from './cli-setup.js';
import { deviceLogin, runCli } from './run-cli.js';

// Issue 10 item 9: server text reaches the terminal without control sequences. Real processes;
// the hostile answers come from a stub (no real provider sends them) and, where the dev authority
// lets us choose the text (the username), from the dev authority itself.

/** Clear screen, window title, OSC 52 clipboard write, hidden text, 8-bit CSI, bidi override, CR. */
const HOSTILE = '\x1b]0;pwned-title\x07\x1b[2J\x1b[8mhidden\x1b[0m\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m\u202Eevil\u2066\r\x00';
/** Anything that is terminal control: every C0 but tab and newline, DEL, C1, bidi controls. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Stub {
  issuer: string;
  server: Server;
  /** Whether the device authorization response has a `message` (else the CLI shows user_code and verification_uri). */
  withMessage: boolean;
  /** What the token endpoint answers next. */
  token: { accessToken?: string; error?: { error: string; error_description: string } };
}

/** A device-code provider on loopback whose every text field carries terminal control sequences. */
async function startHostileProvider(clientId: string): Promise<Stub> {
  const stub = { token: {}, withMessage: true } as Stub;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  stub.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = new URL(req.url ?? '/', stub.issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: stub.issuer,
        authorization_endpoint: `${stub.issuer}/auth`,
        token_endpoint: `${stub.issuer}/token`,
        device_authorization_endpoint: `${stub.issuer}/device/code`,
      });
    }
    if (path === '/device/code') {
      return json(res, 200, {
        device_code: 'dc',
        user_code: `CODE${HOSTILE}`,
        verification_uri: `${stub.issuer}/device?${encodeURIComponent(HOSTILE)}`,
        ...(stub.withMessage ? { message: `Go to ${stub.issuer}/device ${HOSTILE} and enter the code CODE${HOSTILE}` } : {}),
        expires_in: 600,
        interval: 1,
      });
    }
    if (path === '/token') {
      if (stub.token.error) return json(res, 400, stub.token.error);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: stub.issuer, aud: clientId, sub: 'subject-1', preferred_username: `user${HOSTILE}`, iat: now, exp: now + 3600 };
      return json(res, 200, {
        access_token: stub.token.accessToken,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'api.read openid profile offline_access',
        refresh_token: 'rt',
        id_token: `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2ln`,
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  stub.issuer = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
  return stub;
}

describe('tessera CLI: server text is cleaned of terminal control', { timeout: 60_000 }, () => {
  const setup = useCliSetup();
  let stub: Stub;
  beforeAll(async () => {
    stub = await startHostileProvider('cli-client');
  });
  afterAll(() => stub?.server.close());
  const stubFlags = (file: string) => ['--authority', stub.issuer, '--client-id', 'cli-client', '--cache-file', join(setup.home, file)];

  it('device message, user code and error_description from a hostile provider', async () => {
    stub.token = { error: { error: 'access_denied', error_description: `denied${HOSTILE}` } };
    for (const withMessage of [true, false]) {
      stub.withMessage = withMessage;
      const result = await runCli(['login', '--device', '-s', 'api.read', ...stubFlags('denied.json')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(withMessage ? 'Go to ' : 'To sign in, open '); // the message is shown ...
      expect(result.stderr).toContain('CODEhiddenevil'); // ... with its code ...
      expect(result.stderr).toContain('tessera: access_denied: deniedhiddenevil'); // ... and so is the error
      expect(result.stderr).not.toMatch(CONTROL); // but no control sequence survives
      expect(result.stderr).not.toContain(']52;');
      expect(result.stdout).toBe('');
    }
  });

  it('access tokens with CR/LF, spaces or control characters are never printed', async () => {
    // Control characters: core refuses the token response itself (nothing cached, login fails).
    // A space is legal in a token (RFC 6749 VSCHAR): login works, `-o header` refuses to build a header.
    const cases = [
      { token: 'abc\r\nX-Injected: 1', refusedByCore: true, formats: [] },
      { token: 'abc def', refusedByCore: false, formats: ['header'] },
      { token: `abc${HOSTILE}`, refusedByCore: true, formats: [] },
    ];
    for (const [i, { token, refusedByCore, formats }] of cases.entries()) {
      stub.token = { accessToken: token };
      const flags = stubFlags(`token-${i}.json`);
      const login = await runCli(['login', '--device', '-s', 'api.read', ...flags]);
      expect(login.stdout + login.stderr).not.toMatch(CONTROL);
      if (refusedByCore) {
        expect(login.code, login.stderr).toBe(1);
        expect(login.stderr).toContain('access_token');
        expect(login.stdout + login.stderr).not.toContain('abc');
        const token = await runCli(['token', '-s', 'api.read', ...flags]);
        expect(token.code).not.toBe(0);
        expect(token.stdout).toBe('');
        continue;
      }
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toMatch(/^Signed in as user/);
      for (const format of formats) {
        const result = await runCli(['token', '-s', 'api.read', '-o', format, ...flags]);
        expect(result.code, `${JSON.stringify(token)} as ${format}`).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain('the authority issued an access token that is empty or has');
        expect(result.stderr).not.toContain('abc');
      }
    }
    // A token with a space is still fine where no header is built (RFC 6749 allows it).
    const bare = await runCli(['token', '-s', 'api.read', ...stubFlags('token-1.json')]);
    expect(bare).toMatchObject({ code: 0, stdout: 'abc def\n' });
  });

  it('a username chosen at the dev authority', async () => {
    const flags = setup.flags('dev.json');
    const login = await deviceLogin(setup.idp.issuer, flags, `mallory${HOSTILE}`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Signed in as mallory.*evil\n$/);
    expect(login.stdout).not.toMatch(CONTROL);
    const [text, json, token] = await Promise.all([
      runCli(['accounts', ...flags]),
      runCli(['accounts', '-o', 'json', ...flags]),
      runCli(['token', '-s', 'api.read', '-o', 'json', ...flags]),
    ]);
    // The name's CR is a line break in the text format: a space there (see formatAccounts).
    expect(text.stdout).toMatch(/^mallory.*evil \t127\.0\.0\.1:\d+\t/);
    for (const result of [text, json, token]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(CONTROL);
    }
    expect(JSON.parse(token.stdout).username).toMatch(/^mallory/);
  });

  it('-o json keeps such values exact, escaping the control characters instead of removing them', async () => {
    // The dev authority's `name` and `preferred_username` are the (trimmed, lowercased) username.
    // RLM in a right-to-left name is legitimate; RLO, ESC, DEL and a C1 control are not shown raw either way.
    const username = 'dana \u05d3\u05e0\u05d4\u200f\u202eevil\x1b[8m\x7f\x85\u2066x\u2069';
    const flags = setup.flags('exact.json');
    const login = await deviceLogin(setup.idp.issuer, flags, username);
    expect(login.code, login.stderr).toBe(0);
    const [text, json, token] = await Promise.all([
      runCli(['accounts', ...flags]),
      runCli(['accounts', '-o', 'json', ...flags]),
      runCli(['token', '-s', 'api.read', '-o', 'json', ...flags]),
    ]);
    for (const result of [text, json, token]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(CONTROL);
    }
    // Text output: still stripped (ESC with its sequence); NEL is a line break there, so a space.
    expect(text.stdout).toMatch(/^dana \u05d3\u05e0\u05d4evil x\t/);
    // JSON output: the characters are \u escapes, so parsing gives the values the ID token carried.
    const [account] = JSON.parse(json.stdout);
    expect(account).toMatchObject({ username, name: username, homeAccountId: username, localAccountId: username });
    expect(JSON.parse(token.stdout)).toMatchObject({ username, homeAccountId: username });
    expect(json.stdout).toContain('\\u200f\\u202eevil\\u001b[8m\\u007f\\u0085\\u2066x\\u2069');
  });
});
