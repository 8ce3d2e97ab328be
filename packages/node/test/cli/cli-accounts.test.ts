import { join } from 'node:path';
import { approveDeviceCode } from '@tessera/dev-authority';
import { FileCacheStore, NodePublicClientApplication } from '@tessera/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrlOf } from '../interactive/net-probes.js';
import { useCliSetup } from './cli-setup.js';
import { runCli, startCli } from './run-cli.js';

// Issue 9 section 3, CLI parts: --prompt, and accounts whose ID tokens carry no username claim.

describe('tessera CLI: prompts and accounts without a username', { timeout: 60_000 }, () => {
  const setup = useCliSetup();
  let flags: string[];
  beforeAll(() => {
    flags = setup.flags('cache.json');
  });

  it('passes --prompt to the browser sign-in, and refuses a prompt it does not know', async () => {
    const login = startCli(['login', '--no-browser', '--prompt', 'consent', '-s', 'api.read', ...flags]);
    const [, startUrl] = await login.waitForStderr(/^Open this URL to sign in: (\S+)\n/m);
    // The printed URL is the one-time loopback start page; it forwards to the authorization request.
    const url = await authorizationUrlOf(startUrl!);
    login.child.kill('SIGINT');
    expect((await login.done).code).toBe(130);
    expect(new URL(url).searchParams.get('prompt')).toBe('consent');

    const [bogus, device] = await Promise.all([
      runCli(['login', '--prompt', 'always', ...flags]),
      runCli(['login', '--device', '--prompt', 'consent', ...flags]),
    ]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--prompt must be one of login, consent, select_account, none, create, not "always"');
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('--prompt is for the browser sign-in');
  });

  it('lists accounts without a username readably and selects them with --account', async () => {
    // Without the `profile` scope the dev authority's ID tokens carry `sub` only, as many providers'.
    const { idp, home } = setup;
    const app = new NodePublicClientApplication({
      clientId: idp.clients.native.clientId,
      authority: idp.issuer,
      excludeScopes: ['profile'],
      cacheStore: new FileCacheStore({ path: join(home, 'cache.json'), allowUnencryptedStorage: true }),
    });
    for (const user of ['alice', 'bob']) {
      const result = await app.acquireTokenByDeviceCode({
        scopes: ['api.read'],
        onPrompt: async (flow) => {
          await approveDeviceCode(idp.issuer, flow.userCode, { username: user });
          flow.interval = 0.1;
        },
      });
      expect(result.account?.username).toBe('');
      expect(result.idTokenClaims).not.toHaveProperty('preferred_username');
    }

    const accounts = await runCli(['accounts', ...flags]);
    expect(accounts.code, accounts.stderr).toBe(0);
    expect(accounts.stdout).toMatch(/^-\t127\.0\.0\.1:\d+\talice\n-\t127\.0\.0\.1:\d+\tbob\n$/);

    const ambiguous = await runCli(['token', '-s', 'api.read', ...flags]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(
      'several accounts are signed in (no username, account alice: --account alice; no username, account bob: --account bob): choose one with --username or --account',
    );

    const bob = await runCli(['token', '-s', 'api.read', '-o', 'json', '--account', 'bob', ...flags]);
    expect(bob.code, bob.stderr).toBe(0);
    const parsed = JSON.parse(bob.stdout);
    expect(parsed).toMatchObject({ homeAccountId: 'bob' });
    expect(parsed.username).toBeUndefined();
    const cached = await app.acquireTokenSilent({ scopes: ['api.read'], account: (await app.getAccounts()).find((a) => a.homeAccountId === 'bob')! });
    expect(parsed.accessToken).toBe(cached.accessToken);

    // Subjects are compared exactly: "BOB" is someone else.
    const other = await runCli(['token', '-s', 'api.read', '--account', 'BOB', ...flags]);
    expect(other.code).toBe(3);
    expect(other.stdout).toBe('');

    const logout = await runCli(['logout', '--account', 'alice', ...flags]);
    expect(logout).toMatchObject({ code: 0, stdout: 'Signed out no username, account alice\n' });
    expect((await runCli(['accounts', ...flags])).stdout).toMatch(/^-\t127\.0\.0\.1:\d+\tbob\n$/);
  });

  it('prints one line of three fields per account whatever tabs or line breaks the ID token puts in its names', async () => {
    const { idp, home } = setup;
    const file = join(home, 'hostile-names.json');
    const app = new NodePublicClientApplication({
      clientId: idp.clients.native.clientId,
      authority: idp.issuer,
      cacheStore: new FileCacheStore({ path: file, allowUnencryptedStorage: true }),
    });
    // The dev authority uses the user name as sub and preferred_username.
    const forged = 'eve\tlogin.example\tadmin\nroot';
    await app.acquireTokenByDeviceCode({
      scopes: ['api.read'],
      onPrompt: async (flow) => {
        await approveDeviceCode(idp.issuer, flow.userCode, { username: forged });
        flow.interval = 0.1;
      },
    });
    expect((await app.getAccounts())[0]?.username).toBe(forged);
    const listed = await runCli(['accounts', ...setup.flags('hostile-names.json')]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split('\t')).toEqual(['eve login.example admin root', expect.stringMatching(/^127\.0\.0\.1:\d+$/), 'eve login.example admin root']);
  });
});
