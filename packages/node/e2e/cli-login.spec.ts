// `tessera login --no-browser` as a real process, with a real (headless) Chromium as the user's browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../test/cli/run-cli.js';
import { expect, signInAs, test } from './support/fixtures.js';

test.describe('tessera CLI in Chromium', () => {
  let home: string;
  test.beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  });
  test.afterAll(() => rmSync(home, { recursive: true, force: true }));

  test('signs in with --no-browser: prints the URL, a real browser follows it to the loopback redirect', async ({ idp, page }) => {
    const browserFlags = ['--authority', idp.issuer, '--client-id', idp.clients.native.clientId, '--cache-file', join(home, 'browser.json')];
    // -s api.read: a refresh token only covers the scopes granted at sign-in.
    const login = startCli(['login', '--no-browser', '-s', 'api.read', ...browserFlags]);
    try {
      // The whole line: the URL is complete once its newline is there.
      const [, url] = await login.waitForStderr(/^Open this URL to sign in: (\S+)\n/m);
      // Only the one-time loopback start page is printed; it forwards to the provider.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]{43}$/);
      page.setDefaultTimeout(15_000);
      await signInAs(page, url!, 'browser-user');
    } catch (error) {
      login.child.kill(); // not left waiting for a redirect that will not come
      throw error;
    }
    const signedIn = await login.done;
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(signedIn.stdout).toBe('Signed in as browser-user\n');
    expect(signedIn.stderr).not.toContain('Opening a browser');
    expect(signedIn.stderr.match(/^Open this URL to sign in: /gm)).toHaveLength(1);

    const accounts = await runCli(['accounts', ...browserFlags]);
    expect(accounts.code, accounts.stderr).toBe(0);
    expect(accounts.stdout).toMatch(/^browser-user\t127\.0\.0\.1:\d+\tbrowser-user\n$/);

    // From the cache file: no new sign-in, not even a token request.
    idp.clearRequests();
    const token = await runCli(['token', '-s', 'api.read', '-o', 'bare', ...browserFlags]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toMatch(/^[\w.~+/=-]{20,}\n$/);
    expect(token.stderr).toBe('');
    expect(idp.countRequests({ path: '/auth' })).toBe(0);
    expect(idp.countRequests({ path: '/token' })).toBe(0);
  });
});
