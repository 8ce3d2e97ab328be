// A refresh race lost to a peer that shares the cache file but not Tessera's lock: the real
// @azure/msal-node (another instance, as another process would be) writes the file while Tessera's
// own redemption is on the wire, so Tessera's read of the file before redeeming could not see it.
// Tessera's transport is the real one; it only holds the refresh answer back until the peer's write
// is done (a slow network). The dev authority rotates refresh tokens with reuse detection.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FetchHttpClient, type HttpClient, InteractionRequiredError, PublicClientApplication } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { FileCacheStore } from '../src/index.js';
import { useDevAuthority, useTempDir } from './credentials-helpers.js';
import { msalPublicClient } from './support/msal-node-peer.js';

const SCOPES = ['api.read'];

/** The real transport; `beforeRefreshAnswer`, when set, runs (once) before a refresh answer reaches Tessera. */
function slowRefreshAnswers(): HttpClient & { beforeRefreshAnswer?: () => Promise<unknown> } {
  const inner = new FetchHttpClient();
  const transport: HttpClient & { beforeRefreshAnswer?: () => Promise<unknown> } = {
    async send(request) {
      const response = await inner.send(request);
      const hold = transport.beforeRefreshAnswer;
      if (hold && new URLSearchParams(request.body ?? '').get('grant_type') === 'refresh_token') {
        transport.beforeRefreshAnswer = undefined;
        await hold();
      }
      return response;
    },
  };
  return transport;
}

/** msal-node's writes of the file, held back: `reached` resolves when one waits, `release()` lets it go. */
function heldWrites() {
  let reached!: () => void;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    reached: new Promise<void>((resolve) => (reached = resolve)),
    release,
    beforeWrite: async () => {
      reached();
      await gate;
    },
  };
}

describe('a refresh race lost to @azure/msal-node sharing the cache file (no shared lock)', () => {
  const idp = useDevAuthority({ rotateRefreshTokens: true });
  const tmp = useTempDir();
  let n = 0;

  async function setup() {
    const path = join(tmp.path, `race-${n++}.json`);
    const transport = slowRefreshAnswers();
    const app = new PublicClientApplication({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      httpClient: transport,
      cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }),
    });
    const username = `user${n}`;
    const account = (await app.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' })).account!;
    const writes = heldWrites();
    const msal = await msalPublicClient(idp.current, path, undefined, writes.beforeWrite);
    return { path, transport, app, account, writes, msal, username };
  }

  /** The refresh requests the provider saw since the last clearRequests: status, or error if refused. */
  const refreshesSeen = () => idp.current.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error ?? r.status);

  /** An hour later: the access tokens in the file are expired (for Tessera and msal-node alike). */
  async function expireAccessTokens(path: string) {
    const cache = JSON.parse(await readFile(path, 'utf8')) as { AccessToken: Record<string, Record<string, string>> };
    const past = String(Math.floor(Date.now() / 1000) - 60);
    for (const at of Object.values(cache.AccessToken)) Object.assign(at, { expires_on: past, extended_expires_on: past, refresh_on: undefined });
    await writeFile(path, JSON.stringify(cache));
  }

  /** The refresh token in the file for `home`. */
  const storedRefreshToken = async (path: string, home: string) =>
    Object.values((JSON.parse(await readFile(path, 'utf8')) as { RefreshToken: Record<string, { home_account_id: string; secret: string }> }).RefreshToken).find(
      (rt) => rt.home_account_id === home,
    )?.secret;

  it("msal-node rotated the refresh token while Tessera redeemed it (invalid_grant): Tessera re-reads the file and serves msal-node's new access token", async () => {
    const { path, transport, app, account, writes, msal, username } = await setup();
    await expireAccessTokens(path);
    idp.current.clearRequests();
    // msal-node refreshes: the provider rotates the refresh token; msal-node's write of the file waits.
    const theirs = msal.app.acquireTokenSilent({ account: await msal.account(username), scopes: SCOPES });
    await writes.reached;
    // Tessera read the file before; its refresh presents the spent token; msal-node's write lands meanwhile.
    transport.beforeRefreshAnswer = () => (writes.release(), theirs);
    const mine = await app.acquireTokenSilent({ account, scopes: SCOPES });
    expect(mine.accessToken).toBe((await theirs).accessToken);
    // msal-node's refresh, Tessera's refused one; no second refresh (the grant is revoked: reuse detection).
    expect(refreshesSeen()).toEqual([200, 'invalid_grant']);
  });

  it("the provider refused Tessera's refresh token (grant revoked) while msal-node signed the user in again: Tessera re-reads the file and refreshes once with msal-node's refresh token", async () => {
    const { path, transport, app, account, writes, msal, username } = await setup();
    await idp.current.revokeSubject(username);
    idp.current.clearRequests();
    // msal-node signs the user in again (a new grant); its write of the file waits.
    const theirs = msal.signIn(username, SCOPES);
    await writes.reached;
    transport.beforeRefreshAnswer = () => (writes.release(), theirs);
    const mine = await app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true });
    expect(mine.accessToken).not.toBe((await theirs).accessToken);
    expect(refreshesSeen()).toEqual(['invalid_grant', 200]);
    // The file holds the refresh token the provider rotated for Tessera, which msal-node then redeems.
    const rotated = await storedRefreshToken(path, account.homeAccountId);
    expect(rotated).toBe(app.tokenCache.findRefreshToken(account.homeAccountId, account.environment, app.clientId)?.secret);
    idp.current.clearRequests();
    await msal.app.acquireTokenSilent({ account: await msal.account(username), scopes: SCOPES, forceRefresh: true });
    expect(refreshesSeen()).toEqual([200]);
  });

  it('invalid_grant with nothing new in the file: InteractionRequiredError after one refresh (the refused token is not presented again)', async () => {
    const { app, account, username } = await setup();
    await idp.current.revokeSubject(username);
    idp.current.clearRequests();
    await expect(app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true })).rejects.toBeInstanceOf(InteractionRequiredError);
    expect(refreshesSeen()).toEqual(['invalid_grant']);
  });
});
