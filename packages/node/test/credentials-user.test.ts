import { readdir } from 'node:fs/promises';
import { ConfidentialClientApplication, PublicClientApplication } from '@tessera/core';
import { approveDeviceCode, completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationRequiredError,
  AuthorizationCodeCredential,
  CredentialUnavailableError,
  type DeviceCodeInfo,
  DeviceCodeCredential,
  InteractiveBrowserCredential,
  deserializeAuthenticationRecord,
  serializeAuthenticationRecord,
} from '../src/index.js';
import { browserAs, useDevAuthority, useTempDir } from './credentials-helpers.js';
import { freePort } from './support/redis-server.mjs';

const SCOPE = 'api.read';
const WEB_REDIRECT = 'http://127.0.0.1:3000/callback';

/** An authorization code for the confidential (web) client, as a web app's redirect handler would receive it. */
async function webAppCode(issuer: string, clientId: string, clientSecret: string, username: string, scopes = [SCOPE]): Promise<string> {
  const app = new ConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: issuer });
  const url = await app.getAuthorizationRequestUrl({ scopes, redirectUri: WEB_REDIRECT, state: 'web-state' });
  const { params } = await completeAuthorization(url, { username });
  return params.get('code')!;
}

describe('AuthorizationCodeCredential', () => {
  const idp = useDevAuthority();

  it('redeems the code once on the first getToken, then serves the cache', async () => {
    const c = idp.current.clients.confidential;
    const code = await webAppCode(idp.current.issuer, c.clientId, c.clientSecret, 'ada');
    const credential = new AuthorizationCodeCredential('', c.clientId, c.clientSecret, code, WEB_REDIRECT, { authority: idp.current.issuer });
    idp.current.clearRequests();
    const [first, concurrent] = await Promise.all([credential.getToken(SCOPE), credential.getToken(SCOPE)]);
    expect(concurrent.token).toBe(first.token);
    const second = await credential.getToken(SCOPE);
    expect(second.token).toBe(first.token);
    expect(idp.current.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(idp.current.countRequests({ path: '/token' })).toBe(1);
  });

  // Two SDK clients of one app asking at once, for two resources: one redeems the code, the other
  // must not be told the code is spent while the redemption that will give it a refresh token runs.
  it('serves a concurrent first getToken for other scopes with the refresh token of the code being redeemed', async () => {
    const c = idp.current.clients.confidential;
    const code = await webAppCode(idp.current.issuer, c.clientId, c.clientSecret, 'lin', ['api.read', 'api.write']);
    const credential = new AuthorizationCodeCredential('', c.clientId, c.clientSecret, code, WEB_REDIRECT, { authority: idp.current.issuer });
    idp.current.clearRequests();
    const [read, write] = await Promise.all([credential.getToken('api.read'), credential.getToken('api.write')]);
    expect([read.token, write.token].every(Boolean)).toBe(true);
    // One redemption; the other request was answered by the redemption's tokens (cache or refresh token).
    expect(idp.current.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(idp.current.requests.filter((r) => r.path === '/token').map((r) => r.status)).not.toContain(400);
  });

  it('works for a public client with PKCE (no secret overload)', async () => {
    const native = idp.current.clients.native.clientId;
    const app = new PublicClientApplication({ clientId: native, authority: idp.current.issuer });
    const flow = await app.initiateAuthCodeFlow({ scopes: [SCOPE], redirectUri: 'http://127.0.0.1:53682/' });
    const { params } = await completeAuthorization(flow.authUri, { username: 'pkce-user' });
    const credential = new AuthorizationCodeCredential('', native, params.get('code')!, flow.redirectUri, {
      authority: idp.current.issuer,
      codeVerifier: flow.codeVerifier,
    });
    expect((await credential.getToken(SCOPE)).token).toBeTruthy();
  });

  it('keeps a code the server rejected spent, and says how to recover', async () => {
    const c = idp.current.clients.confidential;
    const credential = new AuthorizationCodeCredential('', c.clientId, c.clientSecret, 'not-a-code', WEB_REDIRECT, { authority: idp.current.issuer });
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ error: 'invalid_grant' });
    const error = await credential.getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationRequiredError);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toContain('new authorization code');
  });
});

describe('AuthorizationCodeCredential with short-lived tokens', () => {
  // 3 s tokens are inside core's expiry margin (at least 5 s): every later getToken must refresh.
  const idp = useDevAuthority({ accessTokenTtl: 3 });

  it('refreshes silently with the refresh token of the redeemed code', async () => {
    const c = idp.current.clients.confidential;
    const code = await webAppCode(idp.current.issuer, c.clientId, c.clientSecret, 'grace');
    const credential = new AuthorizationCodeCredential('', c.clientId, c.clientSecret, code, WEB_REDIRECT, { authority: idp.current.issuer });
    idp.current.clearRequests();
    const first = await credential.getToken(SCOPE);
    const second = await credential.getToken(SCOPE);
    expect(second.token).not.toBe(first.token);
    expect(idp.current.countRequests({ grantType: 'authorization_code' })).toBe(1);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
  });
});

describe('DeviceCodeCredential', () => {
  const idp = useDevAuthority();

  it('prompts through userPromptCallback once, then answers from the cache', async () => {
    const prompts: DeviceCodeInfo[] = [];
    const credential = new DeviceCodeCredential({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      userPromptCallback: async (info) => {
        prompts.push(info);
        await approveDeviceCode(idp.current.issuer, info.userCode, { username: 'devon' });
      },
    });
    idp.current.clearRequests();
    // Two concurrent calls share one sign-in.
    const [first, other] = await Promise.all([credential.getToken(SCOPE), credential.getToken(SCOPE)]);
    expect(other.token).toBe(first.token);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]!.message).toContain(prompts[0]!.userCode);
    expect(prompts[0]!.verificationUri).toContain('/device');
    expect(prompts[0]!.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect((await credential.getToken(SCOPE)).token).toBe(first.token);
    expect(idp.current.countRequests({ path: '/device/auth' })).toBe(1);
  });

  it('one caller giving up does not end the sign-in the others share; a joiner that gives up leaves at once', async () => {
    const leaving = new AbortController();
    const joiner = new AbortController();
    const calls: Promise<unknown>[] = [];
    /** 'left' if the call has settled by the next turn of the event loop (an abort ends a wait at once), else 'waiting'. */
    const settledNow = (call: Promise<unknown>) =>
      Promise.race([call.then(() => 'resolved', () => 'left'), new Promise((resolve) => setImmediate(() => resolve('waiting')))]);
    let whileSigningIn: unknown[] = [];
    const credential = new DeviceCodeCredential({
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      userPromptCallback: async (info) => {
        // While the user is on their way, the caller that started the sign-in, then a joiner, give up.
        leaving.abort();
        joiner.abort();
        whileSigningIn = await Promise.all(calls.map(settledNow));
        await approveDeviceCode(idp.current.issuer, info.userCode, { username: 'stays' });
      },
    });
    const first = credential.getToken(SCOPE, { abortSignal: leaving.signal });
    const staying = credential.getToken(SCOPE);
    const joined = credential.getToken(SCOPE, { abortSignal: joiner.signal });
    calls.push(first, joined, staying);
    const [a, b, c] = await Promise.allSettled([first, joined, staying]);
    expect(whileSigningIn).toEqual(['left', 'left', 'waiting']);
    expect(a).toMatchObject({ status: 'rejected', reason: { code: 'aborted' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'aborted' } });
    expect(c.status).toBe('fulfilled');
    const token = (c as PromiseFulfilledResult<{ token: string }>).value.token;
    expect((await credential.getToken(SCOPE)).token).toBe(token);
  });

  it('prints the message to stderr without a callback', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const controller = new AbortController();
    try {
      const credential = new DeviceCodeCredential({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
      const pending = credential.getToken(SCOPE, { abortSignal: controller.signal });
      await vi.waitFor(() => expect(write).toHaveBeenCalled());
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'aborted' });
      expect(String(write.mock.calls[0]![0])).toMatch(/enter the code \S+/);
    } finally {
      write.mockRestore();
    }
  });

  it('needs a clientId for a generic OIDC authority (the Azure CLI id is Entra-only)', () => {
    expect(() => new DeviceCodeCredential({ authority: idp.current.issuer })).toThrow(/needs `clientId`/);
  });
});

describe('InteractiveBrowserCredential', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();

  it('signs in through the loopback helper, then answers silently', async () => {
    const browser = browserAs('iris');
    const opened = vi.fn(browser.open);
    const credential = new InteractiveBrowserCredential({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, openBrowser: opened });
    const first = await credential.getToken(SCOPE);
    await browser.done();
    expect(opened).toHaveBeenCalledTimes(1);
    // The browser gets only the one-time loopback start page, which forwards to the provider.
    expect(opened.mock.calls[0]![0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]{43}$/);
    expect((await credential.getToken(SCOPE)).token).toBe(first.token);
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('with disableAutomaticAuthentication: getToken throws until authenticate(); the record restores the account after a restart', async () => {
    const persistence = { enabled: true, name: 'browser-test', directory: tmp.path, unsafeAllowUnencryptedStorage: true };
    const browser = browserAs('june');
    const options = {
      clientId: idp.current.clients.native.clientId,
      authority: idp.current.issuer,
      openBrowser: browser.open,
      disableAutomaticAuthentication: true,
      tokenCachePersistenceOptions: persistence,
    };
    const credential = new InteractiveBrowserCredential(options);
    await expect(credential.getToken(SCOPE)).rejects.toBeInstanceOf(AuthenticationRequiredError);
    const record = await credential.authenticate(SCOPE);
    await browser.done();
    expect(record).toMatchObject({ username: 'june', clientId: idp.current.clients.native.clientId, homeAccountId: 'june' });
    const token = await credential.getToken(SCOPE);
    expect(await readdir(tmp.path)).toContain('browser-test.nocae.json');

    // A new process: the record and the persisted cache give the token without any prompt.
    const restored = deserializeAuthenticationRecord(serializeAuthenticationRecord(record));
    const later = new InteractiveBrowserCredential({ ...options, openBrowser: () => expect.fail('must not prompt'), authenticationRecord: restored });
    idp.current.clearRequests();
    expect((await later.getToken(SCOPE)).token).toBe(token.token);
    expect(idp.current.requests.filter((r) => r.path === '/token')).toHaveLength(0);
  });

  it('pins the port of a loopback redirectUri and refuses others', async () => {
    const clientId = idp.current.clients.native.clientId;
    const port = await freePort();
    const browser = browserAs('pinned');
    const opened = vi.fn(browser.open);
    const pinned = new InteractiveBrowserCredential({ clientId, authority: idp.current.issuer, redirectUri: `http://127.0.0.1:${port}/`, openBrowser: opened });
    await pinned.getToken(SCOPE);
    await browser.done();
    expect(new URL(opened.mock.calls[0]![0]).port).toBe(String(port));
    expect(() => new InteractiveBrowserCredential({ clientId, authority: idp.current.issuer, redirectUri: 'https://app.example/cb' })).toThrow(/loopback/);
    expect(() => new InteractiveBrowserCredential({ redirectUri: 'http://127.0.0.1:8400' })).toThrow(/localhost/);
  });
});

