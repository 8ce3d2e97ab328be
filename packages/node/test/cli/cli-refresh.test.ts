// Two `tessera token` processes at once on one cache file whose access token expired, against a
// provider that rotates refresh tokens and revokes the grant when a rotated one is reused (issue 9):
// the file's refresh lock lets one refresh request through, the other process uses its tokens.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicClientApplication } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDevAuthority } from '../../../core/test/helpers.js';
import { FileCacheStore } from '../../src/cache/file-cache-store.js';
import { expireAccessTokens } from '../cache-helpers.js';
import { runCli } from './run-cli.js';

describe('two concurrent `tessera token` processes, rotating refresh tokens', { timeout: 60_000 }, () => {
  // The token endpoint answers after 1.5 s, so the two processes (started ~together, each ~1 s to start) overlap.
  const idp = useDevAuthority({ rotateRefreshTokens: true, tokenEndpointDelayMs: 1500 });
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tessera-cli-refresh-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('make exactly one refresh request; both print the new token; the grant stays alive', async () => {
    const cacheFile = join(home, 'cache.json');
    const app = new PublicClientApplication({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      cacheStore: new FileCacheStore({ path: cacheFile, allowUnencryptedStorage: true }),
    });
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: 'http://127.0.0.1:53682/' });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'cli-racer' });
    const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    await writeFile(cacheFile, expireAccessTokens(await readFile(cacheFile, 'utf8')));
    idp.current.clearRequests();

    const flags = ['token', '-s', 'api.read', '--authority', idp.current.issuer, '--client-id', idp.current.clients.native.clientId, '--cache-file', cacheFile];
    const [a, b] = await Promise.all([runCli(flags), runCli(flags)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.trim()).not.toBe(signedIn.accessToken);

    const later = await app.acquireTokenSilent({ scopes: ['api.read'], account: signedIn.account!, forceRefresh: true });
    expect(later.fromCache).toBe(false);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(2);
  });
});
