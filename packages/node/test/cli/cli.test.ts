import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevAuthority, approveDeviceCode, startDevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, startCli } from './run-cli.js';

// Each run is a real process (tsx compiles the source on start: about a second each). The
// `login --no-browser` test with a real browser is a Playwright spec: packages/node/e2e/cli-login.spec.ts.

describe('tessera CLI', { timeout: 60_000 }, () => {
  let idp: DevAuthority;
  let home: string;
  let flags: string[];
  beforeAll(async () => {
    idp = await startDevAuthority();
    home = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    flags = ['--authority', idp.issuer, '--client-id', idp.clients.native.clientId, '--cache-file', join(home, 'cache.json')];
  });
  afterAll(async () => {
    await idp?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('exits 2 on usage errors, before starting anything', async () => {
    const cases = [[], ['frobnicate'], ['token'], ['token', '-s', 'api.read', '-o', 'yaml'], ['login', '--bogus'], ['login'], ['token', '-s', 'x', '--authority', idp.issuer]];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    for (const [i, result] of results.entries()) {
      expect(result.code, `tessera ${cases[i]!.join(' ')}`).toBe(2);
      expect(result.stdout).toBe('');
    }
    expect(results[0]!.stderr).toContain('Usage: tessera <command>');
    expect(results[1]!.stderr).toBe('tessera: unknown command "frobnicate" (see tessera --help)\n');
    expect(results[2]!.stderr).toContain('token needs at least one --scope');
    expect(results[3]!.stderr).toContain('--output must be one of bare, json, header');
    expect(results[4]!.stderr).toBe("tessera: Unknown option '--bogus' (see tessera --help)\n");
    expect(results[5]!.stderr).toContain('no authority is configured');
    expect(results[6]!.stderr).toContain('--client-id (or TESSERA_CLIENT_ID) is needed');
    expect((await runCli(['--help'])).code).toBe(0);
  });

  it('exits 3 with a token request before anyone signed in', async () => {
    const result = await runCli(['token', '-s', 'api.read', ...flags]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('tessera: Not signed in: run `tessera login` first\n');
  });

  it('signs in with the device code, then serves tokens from the file cache in later processes', async () => {
    const login = startCli(['login', '--device', '--poll-interval', '0.2', '-s', 'api.read', ...flags]);
    const [, userCode] = await login.waitForStderr(/enter the code (\S+)/);
    await login.waitForStderr(/Waiting for you to approve the sign-in/);
    await approveDeviceCode(idp.issuer, userCode!, { username: 'cli-user' });
    const signedIn = await login.done;
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(signedIn.stdout).toBe('Signed in as cli-user\n');
    expect(signedIn.stderr).toMatch(/Waiting for you to approve the sign-in\.+\n/); // dots: stderr is not a terminal

    idp.clearRequests();
    const bare = await runCli(['token', '-s', 'api.read', ...flags]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^[\w.~+/=-]{20,}\n$/);
    const token = bare.stdout.trim();

    const json = await runCli(['token', '--scope', 'api.read', '--output', 'json', ...flags]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ accessToken: token, tokenType: 'Bearer', username: 'cli-user' });
    expect(parsed.scopes).toContain('api.read');
    // Milliseconds, as the library's AccessToken.expiresOnTimestamp.
    expect(new Date(parsed.expiresOn).getTime()).toBe(parsed.expiresOnTimestamp);
    expect(parsed.expiresOnTimestamp).toBeGreaterThan(Date.now());

    const header = await runCli(['token', '-s', 'api.read', '-o', 'header', ...flags]);
    expect(header.stdout).toBe(`Authorization: Bearer ${token}\n`);
    // All three came from the cache file: the authority saw no token request.
    expect(idp.countRequests({ path: '/token' })).toBe(0);

    const accounts = await runCli(['accounts', ...flags]);
    expect(accounts.stdout).toMatch(/^cli-user\t127\.0\.0\.1:\d+\tcli-user\n$/);
    const accountsJson = JSON.parse((await runCli(['accounts', '-o', 'json', ...flags])).stdout);
    expect(accountsJson).toEqual([expect.objectContaining({ username: 'cli-user', homeAccountId: 'cli-user' })]);

    const logout = await runCli(['logout', ...flags]);
    expect(logout).toMatchObject({ code: 0, stdout: 'Signed out cli-user\n' });
    expect((await runCli(['token', '-s', 'api.read', ...flags])).code).toBe(3);
    expect((await runCli(['accounts', '-o', 'json', ...flags])).stdout).toBe('[]\n');
  });

  it('reads the authority and client id from the environment, and exits 130 on Ctrl-C', async () => {
    const env = cleanEnv({ TESSERA_AUTHORITY: idp.issuer, TESSERA_CLIENT_ID: idp.clients.native.clientId, TESSERA_CACHE_FILE: join(home, 'env.json') });
    const login = startCli(['login', '--device', '-s', 'api.read'], env);
    await login.waitForStderr(/Waiting for you to approve/);
    login.child.kill('SIGINT');
    const result = await login.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('tessera: The operation was aborted');
  });

  it('gets a token from the embedded dev authority only with --dev-authority', async () => {
    const result = await runCli(['token', '--dev-authority', '-s', 'api.read', '-o', 'json', '-u', 'demo']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'demo', tokenType: 'Bearer' });
    expect(result.stderr).toContain('Embedded development authority at http://127.0.0.1:');
  });
});
