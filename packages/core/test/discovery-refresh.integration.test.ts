// Discovery documents age out after METADATA_MAX_AGE_SECONDS (24 h), against the dev authority
// restarted on the same port with changed metadata (PAR now required). The client's clock is
// injected: it starts a day and a minute behind the real one and is set to it when the document
// should have aged (no waiting; tokens issued later are checked at the real time). A discovery
// outage when the document has aged keeps the old one in use with a warning (the outage is a
// transport fault: the provider's token endpoint keeps working); an httpCache's copy ages the
// same; a silent cache hit a day later does no discovery work.
import { completeAuthorization, startDevAuthority, type DevAuthority, type DevAuthorityOptions } from '@tessera/dev-authority';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientApplicationOptions,
  FetchHttpClient,
  type HttpCache,
  InvalidResponseError,
  type LogLevel,
  METADATA_MAX_AGE_SECONDS,
  METADATA_RETRY_SECONDS,
  PublicClientApplication,
  ServerError,
  clearMetadataCache,
} from '../src/index.js';
import { LOOPBACK_REDIRECT } from './helpers.js';

const DISCOVERY = '/.well-known/openid-configuration';
/** Seconds the injected clock starts behind the real one: the document fetched then has aged by now. */
const A_DAY_AGO = METADATA_MAX_AGE_SECONDS + 60;
const realNow = () => Math.floor(Date.now() / 1000);
const pushed = (authUri: string) => new URL(authUri).searchParams.has('request_uri');

describe('discovery metadata ages out after METADATA_MAX_AGE_SECONDS', () => {
  let idp: DevAuthority | undefined;
  afterEach(async () => {
    await idp?.close();
    idp = undefined;
  });

  /** The dev authority restarted on its port and issuer with `options` (changed metadata). */
  async function restart(options: DevAuthorityOptions) {
    const { port } = idp!;
    await idp!.close();
    idp = await startDevAuthority({ port, ...options });
  }

  /**
   * A native-client app of the running authority with a clock `clock.offset` seconds from the real one,
   * its warnings, and a transport that answers discovery with HTTP 503 while `net.discoveryDown`
   * (counting those attempts).
   */
  function client(clock: { offset: number }, options: Partial<ClientApplicationOptions> = {}) {
    const net = { discoveryDown: false, refused: 0 };
    const warnings: string[] = [];
    const transport = new FetchHttpClient();
    const app = new PublicClientApplication({
      clientId: idp!.clients.native.clientId,
      authority: idp!.issuer,
      now: () => realNow() + clock.offset,
      retry: false,
      logger: { log: (level: LogLevel, message: string) => level === 'warning' && warnings.push(message) },
      httpClient: {
        send: async (request) => {
          if (net.discoveryDown && request.url.endsWith(DISCOVERY)) {
            net.refused++;
            return { status: 503, headers: {}, body: 'down for maintenance' };
          }
          return transport.send(request);
        },
      },
      ...options,
    });
    return { app, net, warnings };
  }

  const startFlow = (app: PublicClientApplication) => app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: LOOPBACK_REDIRECT });

  it('a provider now requiring PAR: the cached document serves for a day, then the next use fetches the new one and pushes', async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    const clock = { offset: -A_DAY_AGO };
    const { app } = client(clock);
    expect(pushed((await startFlow(app)).authUri)).toBe(false);

    await restart({ requirePushedAuthorizationRequests: true });
    // Still within the day: the document fetched before is used, and the provider refuses the unpushed request.
    clock.offset = -120;
    const stale = await startFlow(app);
    expect(pushed(stale.authUri)).toBe(false);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(0);
    const refused = await completeAuthorization(stale.authUri, { username: 'ada' });
    expect(refused.params.get('error')).toBe('invalid_request');

    // A day and a minute after the fetch: the next use fetches the document again and pushes the request.
    clock.offset = 0;
    const flow = await startFlow(app);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
    expect(pushed(flow.authUri)).toBe(true);
    expect(idp!.countRequests({ path: '/request' })).toBe(1);
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const result = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(result.idTokenClaims?.sub).toBe('ada');
    // Fresh again for a day: no further discovery.
    await startFlow(app);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
  });

  it('a sign-in refused for want of PAR (invalid_request, not pushed) has the next one fetch discovery again, also past an httpCache', async () => {
    idp = await startDevAuthority();
    const kept = new Map<string, string>();
    const httpCache: HttpCache = { get: (k) => kept.get(k), set: (k, v) => void kept.set(k, v) };
    clearMetadataCache();
    const { app } = client({ offset: 0 }, { httpCache });
    const stale = await startFlow(app);
    await restart({ requirePushedAuthorizationRequests: true });

    const refused = await completeAuthorization(stale.authUri, { username: 'ada' });
    const error = await app.acquireTokenByAuthCodeFlow(stale, refused.redirectUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ error: 'invalid_request', errorDescription: 'Pushed Authorization Request must be used' });
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(0);

    // Minutes later, not a day: the next sign-in fetches the document again and pushes.
    const flow = await startFlow(app);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
    expect(pushed(flow.authUri)).toBe(true);
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    expect((await app.acquireTokenByAuthCodeFlow(flow, redirectUrl)).idTokenClaims?.sub).toBe('ada');
    expect(JSON.parse([...kept.values()][0]!)).toMatchObject({ doc: { require_pushed_authorization_requests: true } });
    // Another error does not: the document was just fetched.
    const deniedFlow = await startFlow(app);
    const denied = await completeAuthorization(deniedFlow.authUri, { username: 'ada', consent: false });
    await expect(app.acquireTokenByAuthCodeFlow(deniedFlow, denied.redirectUrl)).rejects.toMatchObject({ error: 'access_denied' });
    await startFlow(app);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
  });

  it('discovery down when the document has aged: the old one keeps tokens coming, with a warning, and is fetched again later', async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    const clock = { offset: -A_DAY_AGO };
    const { app, net, warnings } = client(clock);
    await app.getAuthorityMetadata();
    await restart({ requirePushedAuthorizationRequests: true });
    idp!.clearRequests();

    net.discoveryDown = true;
    clock.offset = 0;
    const signIn = (username: string) => app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username, password: 'pw' });
    expect((await signIn('ada')).idTokenClaims?.sub).toBe('ada');
    expect(net.refused).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/^Discovery failed, using the answer fetched before: .*HTTP 503/)]);
    expect(idp!.countRequests({ path: '/token', grantType: 'password' })).toBe(1);
    // Within the retry interval no call waits for discovery again.
    expect((await signIn('bob')).idTokenClaims?.sub).toBe('bob');
    expect(net.refused).toBe(1);
    expect((await app.getAuthorityMetadata()).require_pushed_authorization_requests).toBeUndefined();

    // Discovery is back: the first use after the retry interval gets the provider's new document.
    net.discoveryDown = false;
    clock.offset = METADATA_RETRY_SECONDS;
    expect((await app.getAuthorityMetadata()).require_pushed_authorization_requests).toBe(true);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('discovery down with no document fetched before: the call fails (nothing to fall back on)', async () => {
    idp = await startDevAuthority();
    clearMetadataCache();
    const { app, net } = client({ offset: 0 });
    net.discoveryDown = true;
    const error = await app.getAuthorityMetadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).message).toMatch(/answered HTTP 503/);
    // The failure is not remembered: the next call fetches.
    net.discoveryDown = false;
    await expect(app.getAuthorityMetadata()).resolves.toMatchObject({ issuer: idp.issuer });
  });

  it("an httpCache's copy ages the same: used across a restart for a day, then fetched again; during an outage it stands in", async () => {
    idp = await startDevAuthority();
    const kept = new Map<string, string>();
    const httpCache: HttpCache = { get: (k) => kept.get(k), set: (k, v) => void kept.set(k, v) };
    clearMetadataCache();
    await client({ offset: -A_DAY_AGO }, { httpCache }).app.getAuthorityMetadata();
    expect(idp.countRequests({ path: DISCOVERY })).toBe(1);
    await restart({ requirePushedAuthorizationRequests: true });

    // A new process an hour later: the kept document, no discovery.
    clearMetadataCache();
    const hourLater = await client({ offset: -A_DAY_AGO + 3600 }, { httpCache }).app.getAuthorityMetadata();
    expect(hourLater.require_pushed_authorization_requests).toBeUndefined();
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(0);

    // A new process while discovery is down, a day later: the kept document stands in, with a warning.
    clearMetadataCache();
    const down = client({ offset: 0 }, { httpCache });
    down.net.discoveryDown = true;
    expect((await down.app.getAuthorityMetadata()).require_pushed_authorization_requests).toBeUndefined();
    expect(down.net.refused).toBe(1);
    expect(down.warnings).toEqual([expect.stringMatching(/Discovery failed, using the answer fetched before/)]);

    // A new process with discovery up, a day later: fetched again, and kept with its time.
    clearMetadataCache();
    const dayLater = await client({ offset: 0 }, { httpCache }).app.getAuthorityMetadata();
    expect(dayLater.require_pushed_authorization_requests).toBe(true);
    expect(idp!.countRequests({ path: DISCOVERY })).toBe(1);
    const [value] = [...kept.values()];
    expect(JSON.parse(value!)).toMatchObject({ at: expect.any(Number), doc: { require_pushed_authorization_requests: true } });
    expect(Math.abs(JSON.parse(value!).at - realNow())).toBeLessThan(60);
  });

  it('a silent cache hit a day after discovery does no discovery work; the refresh after it fetches the aged document again', async () => {
    idp = await startDevAuthority({ accessTokenTtl: 3 * 86_400, idTokenTtl: 3 * 86_400 });
    clearMetadataCache();
    const clock = { offset: 0 };
    const { app } = client(clock);
    const flow = await startFlow(app);
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
    const { account } = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    idp.clearRequests();

    clock.offset = A_DAY_AGO;
    const hit = await app.acquireTokenSilent({ scopes: ['api.read'], account: account! });
    expect(hit.fromCache).toBe(true);
    expect(idp.requests).toEqual([]);

    const refreshed = await app.acquireTokenSilent({ scopes: ['api.read'], account: account!, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(idp.countRequests({ path: DISCOVERY })).toBe(1);
    expect(idp.countRequests({ path: '/token', grantType: 'refresh_token' })).toBe(1);
  });
});
