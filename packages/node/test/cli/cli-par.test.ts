import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { authorizationUrlOf } from '../interactive/net-probes.js';
import { useCliSetup } from './cli-setup.js';
import { deviceLogin, runCli, startCli } from './run-cli.js';

// `tessera login --par` against a client registered to require pushed authorization requests
// (RFC 9126), which discovery does not tell: without the option the user only sees the provider's
// error page and the CLI waits for a redirect that never comes. And a DPoP-bound client, which
// the CLI cannot serve: the error says so instead of "sign in again".

describe('tessera CLI: a client that requires PAR', { timeout: 60_000 }, () => {
  const setup = useCliSetup({ pushedAuthorizationRequestsRequiredFor: ['native'] });

  it('login --par pushes the request; the browser gets only client_id and request_uri; --par with --device is refused', async () => {
    const flags = setup.flags('par.json');
    setup.idp.clearRequests();
    const login = startCli(['login', '--no-browser', '--par', '-s', 'api.read', ...flags]);
    try {
      const [, startUrl] = await login.waitForStderr(/^Open this URL to sign in: (\S+)\n/m);
      const url = await authorizationUrlOf(startUrl!);
      expect([...new URL(url).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const { redirectUrl } = await completeAuthorization(url, { username: 'par-cli' });
      // The browser's last step: the redirect back to the CLI's loopback listener.
      await fetch(redirectUrl);
    } catch (error) {
      login.child.kill();
      throw error;
    }
    const done = await login.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toBe('Signed in as par-cli\n');
    expect(setup.idp.countRequests({ path: '/request', clientId: setup.idp.clients.native.clientId })).toBe(1);

    const device = await runCli(['login', '--device', '--par', ...flags]);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('--par is for the browser sign-in');
  });
});

describe('tessera CLI: a DPoP-bound client', { timeout: 60_000 }, () => {
  const setup = useCliSetup({ dpop: { boundClients: ['tessera-native'], exposeErrorDetail: true } });

  it('login says the client needs DPoP, which the CLI does not send, not "sign in again"', async () => {
    const done = await deviceLogin(setup.idp.issuer, setup.flags('dpop.json'), 'dpop-cli');
    expect(done.code).toBe(3);
    expect(done.stderr).toContain('tessera: invalid_grant: DPoP proof JWT not provided (this client requires DPoP-bound tokens, which the tessera CLI does not request');
    expect(done.stderr).not.toContain('sign in again');
  });
});
