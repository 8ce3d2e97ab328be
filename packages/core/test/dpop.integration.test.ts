// DPoP (RFC 9449, issue 12) end to end against the dev authority: the provider checks our proofs
// (oidc-provider's validation), binds tokens to the key (cnf.jkt), demands nonces, and refuses
// requests without a proof for clients registered DPoP-bound. The resource-request helper is
// checked by a loopback resource server that verifies proofs with jose (its code, not ours).
import type { AddressInfo } from 'node:net';
import { completeAuthorization } from '@tessera/dev-authority';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthenticationResult,
  ConfidentialClientApplication,
  ConfigurationError,
  DpopSession,
  type DpopKeySource,
  InteractionRequiredError,
  InvalidResponseError,
  PublicClientApplication,
  ServerError,
  TokenCache,
  generateDpopKeyPair,
} from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';
import { startResourceServer } from './support/dpop-resource-server.js';

const API = ['api.read'];
const APP_ONLY = ['urn:tessera:api/.default'];

describe('DPoP with a provider that requires nonces and DPoP-bound clients', () => {
  const idp = useDevAuthority({ dpop: { requireNonce: true, boundClients: ['tessera-confidential', 'tessera-native'], exposeErrorDetail: true } });
  const confidential = (extra: { tokenCache?: TokenCache; dpop?: boolean | { key: DpopKeySource } } = {}) =>
    new ConfidentialClientApplication({
      clientId: idp.current.clients.confidential.clientId,
      clientCredential: idp.current.clients.confidential.clientSecret,
      authority: idp.current.issuer,
      ...extra,
    });
  const cc = { path: '/token', grantType: 'client_credentials' };

  it('client credentials: the nonce is fetched once, then remembered; the token is bound to the key and cached as MSAL files it', async () => {
    const cache = new TokenCache();
    const app = confidential({ tokenCache: cache, dpop: true });
    idp.current.clearRequests();
    const first = await app.acquireTokenForClient({ scopes: APP_ONLY });
    // The provider demanded a nonce (use_dpop_nonce) and the retry with it succeeded.
    expect(idp.current.countRequests({ ...cc, dpopProof: true })).toBe(2);
    expect(first.tokenType).toBe('DPoP');

    const [entry] = [...cache.entries('AccessToken')].map(([key, e]) => ({ key, e }));
    expect(entry!.e).toMatchObject({ credential_type: 'AccessToken_With_AuthScheme', token_type: 'DPoP' });
    expect(entry!.key.endsWith('-dpop')).toBe(true);
    // The provider bound the token to the key whose thumbprint the cache holds.
    expect((decodeJwt(first.accessToken).cnf as { jkt: string }).jkt).toBe(entry!.e.key_id);

    // The nonce is remembered for the server: a new request needs no retry.
    await app.acquireTokenForClient({ scopes: APP_ONLY, forceRefresh: true });
    expect(idp.current.countRequests(cc)).toBe(3);
    // A cache hit: no request at all.
    const hit = await app.acquireTokenForClient({ scopes: APP_ONLY });
    expect(hit.fromCache).toBe(true);
    expect(hit.tokenType).toBe('DPoP');
    expect(idp.current.countRequests(cc)).toBe(3);
  });

  it('never serves a DPoP token for a Bearer request, nor one of another key; the provider\'s refusal keeps its reason', async () => {
    const cache = new TokenCache();
    const dpopResult = await confidential({ tokenCache: cache, dpop: true }).acquireTokenForClient({ scopes: APP_ONLY });
    idp.current.clearRequests();

    // A Bearer client sharing the cache asks the provider (which refuses this DPoP-bound client).
    const error = await confidential({ tokenCache: cache }).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(idp.current.countRequests({ ...cc, dpopProof: false })).toBe(1);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).not.toBeInstanceOf(InteractionRequiredError);
    expect((error as ServerError).error).toBe('invalid_grant');
    expect((error as ServerError).errorDescription).toBe('DPoP proof JWT not provided');

    // A client with another key gets its own token, bound to its own key.
    const other = await confidential({ tokenCache: cache, dpop: { key: await generateDpopKeyPair() } }).acquireTokenForClient({ scopes: APP_ONLY });
    expect(other.fromCache).toBe(false);
    expect(other.accessToken).not.toBe(dpopResult.accessToken);
  });

  it('a supplied private JWK is the key the provider binds tokens to; a key that is not P-256 is refused by name', async () => {
    const pair = await generateDpopKeyPair(true);
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const result = await confidential({ dpop: { key: jwk } }).acquireTokenForClient({ scopes: APP_ONLY });
    const { kty, crv, x, y } = jwk;
    expect((decodeJwt(result.accessToken).cnf as { jkt: string }).jkt).toBe(await calculateJwkThumbprint({ kty: kty!, crv: crv!, x: x!, y: y! }));

    idp.current.clearRequests();
    const rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const wrong = await confidential({ dpop: { key: await crypto.subtle.exportKey('jwk', rsa.privateKey) } }).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining('dpop.key: expected a CryptoKeyPair or a private EC P-256 JWK') });
    // A CryptoKeyPair of another algorithm (as a pair, a promise or a function) is refused by name too.
    for (const key of [rsa, Promise.resolve(rsa), async () => rsa]) {
      const wrongPair = await confidential({ dpop: { key } }).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
      expect(wrongPair).toMatchObject({ name: 'ConfigurationError', message: 'dpop.key: expected an ECDSA P-256 (ES256) key pair, got RSASSA-PKCS1-v1_5' });
    }
    expect(idp.current.countRequests(cc)).toBe(0);
  });

  it('a DpopSession made directly (as browserDpop makes it) refuses a pair that is not ES256 with the same error, before any proof or request', async () => {
    const rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const ecdh = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
    const cases: [CryptoKeyPair, string][] = [
      [rsa, 'RSASSA-PKCS1-v1_5'],
      [p384, 'ECDSA P-384'],
      [ecdh, 'ECDH P-256'],
    ];
    for (const [pair, got] of cases) {
      const message = `dpop.key: expected an ECDSA P-256 (ES256) key pair, got ${got}`;
      const session = new DpopSession(async () => pair);
      await expect(session.proof({ method: 'GET', url: 'https://api.example/items' }, 0)).rejects.toMatchObject({ name: 'ConfigurationError', message });
      expect(session.keyId).toBeUndefined();
      // The client's `dpop: { key }` option goes through the same check: no request is sent.
      idp.current.clearRequests();
      await expect(confidential({ dpop: { key: pair } }).acquireTokenForClient({ scopes: APP_ONLY })).rejects.toBeInstanceOf(ConfigurationError);
      expect(idp.current.countRequests(cc)).toBe(0);
    }
  });

  it('a client without the dpop option: dpopHeaders and fetchWithDpop reject with a ConfigurationError naming the option, sending nothing', async () => {
    const app = confidential();
    const bound = { accessToken: 'at', tokenType: 'DPoP', expiresOn: new Date(), scopes: [], fromCache: false } as unknown as AuthenticationResult;
    const sent: string[] = [];
    const fetch = async (url: string | URL | Request) => {
      sent.push(String(url));
      return new Response('');
    };
    for (const call of [() => app.dpopHeaders(bound, { method: 'GET', url: 'https://api.example/items' }), () => app.fetchWithDpop(bound, 'https://api.example/items', { fetch })]) {
      await expect(call()).rejects.toMatchObject({ name: 'ConfigurationError', message: 'No DPoP key: set the `dpop` client option' });
    }
    expect(sent).toEqual([]);
  });

  it('with pushed authorization requests the pushed request carries dpop_jkt: another key cannot redeem the code', async () => {
    const native = idp.current.clients.native.clientId;
    const holder = new PublicClientApplication({ clientId: native, authority: idp.current.issuer, dpop: true, pushedAuthorizationRequests: 'always' });
    idp.current.clearRequests();
    const flow = await holder.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    expect(flow.pushedParameters?.dpop_jkt).toMatch(/^[\w-]{43}$/);
    expect(idp.current.countRequests({ path: '/request' })).toBe(1);
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'dora' });
    const thief = new PublicClientApplication({ clientId: native, authority: idp.current.issuer, dpop: true });
    await expect(thief.acquireTokenByAuthCodeFlow({ ...flow }, redirectUrl)).rejects.toMatchObject({ errorDescription: 'DPoP proof key thumbprint does not match dpop_jkt' });
  });

  it('a P-256 JWK that WebCrypto cannot import (damaged x/y/d) is a ConfigurationError naming dpop.key, at sign-in start (dpop_jkt) too, with the call\'s id', async () => {
    const jwk = await crypto.subtle.exportKey('jwk', (await generateDpopKeyPair(true)).privateKey);
    const damaged = { ...jwk, x: jwk.x!.slice(0, 10) };
    idp.current.clearRequests();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, dpop: { key: damaged } });
    const error = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT, correlationId: 'bad-key-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigurationError', correlationId: 'bad-key-1', message: expect.stringMatching(/^dpop\.key: the private P-256 JWK could not be imported/) });
    const app2 = confidential({ dpop: { key: damaged } });
    await expect(app2.acquireTokenForClient({ scopes: APP_ONLY })).rejects.toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining('dpop.key:') });
    expect(idp.current.countRequests({ path: '/token' })).toBe(0);
  });

  it('auth code and refresh: a public DPoP-bound client signs in and refreshes with proofs; the refresh token is filed with the key', async () => {
    const cache = new TokenCache();
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, tokenCache: cache, dpop: true });
    const flow = await app.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'dora' });
    const signedIn = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
    expect(signedIn.tokenType).toBe('DPoP');
    const [rt] = [...cache.entries('RefreshToken')].map(([, e]) => e);
    const [at] = [...cache.entries('AccessToken')].map(([, e]) => e);
    expect(rt!.key_id).toBeTruthy();
    expect(rt!.key_id).toBe(at!.key_id);

    idp.current.clearRequests();
    const refreshed = await app.acquireTokenSilent({ scopes: API, account: signedIn.account!, forceRefresh: true });
    expect(idp.current.countRequests({ path: '/token', grantType: 'refresh_token', dpopProof: true })).toBe(1);
    expect(refreshed.tokenType).toBe('DPoP');
    expect(refreshed.accessToken).not.toBe(signedIn.accessToken);

    // The same cache without the key: no DPoP token is served and the key-bound refresh token is not used.
    const bearer = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, tokenCache: cache });
    await expect(bearer.acquireTokenSilent({ scopes: API, account: signedIn.account! })).rejects.toMatchObject({ code: 'no_tokens_found' });
    expect(idp.current.countRequests({ path: '/token', grantType: 'refresh_token' })).toBe(1);
  });
  it('binds the authorization code to the key (dpop_jkt, RFC 9449 10): another key cannot redeem it, the provider says so', async () => {
    const native = idp.current.clients.native.clientId;
    const holder = new PublicClientApplication({ clientId: native, authority: idp.current.issuer, dpop: true });
    const flow = await holder.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    const jkt = new URL(flow.authUri).searchParams.get('dpop_jkt');
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'dora' });

    // A thief with the code (and even the PKCE verifier) but another key: the provider refuses.
    const thief = new PublicClientApplication({ clientId: native, authority: idp.current.issuer, dpop: true });
    const stolen = await thief.acquireTokenByAuthCodeFlow({ ...flow }, redirectUrl).catch((e: unknown) => e);
    expect(stolen).toBeInstanceOf(ServerError);
    expect((stolen as ServerError).errorDescription).toBe('DPoP proof key thumbprint does not match dpop_jkt');

    const minted = await holder.initiateAuthCodeFlow({ scopes: API, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl: second } = await completeAuthorization(minted.authUri, { username: 'dora' });
    expect((await holder.acquireTokenByAuthCodeFlow(minted, second)).tokenType).toBe('DPoP');
    // The dpop_jkt sent is the thumbprint of the key the tokens are bound to.
    const at = [...holder.tokenCache.entries('AccessToken')][0]?.[1];
    expect(jkt).toBe(at?.key_id);
  });
});

describe('DPoP with a provider that ignores it for unbound clients', () => {
  const idp = useDevAuthority();

  it('without a proof a Bearer token; with one a DPoP token, and a DPoP answer to a Bearer request is refused', async () => {
    const base = { clientId: idp.current.clients.confidential.clientId, clientCredential: idp.current.clients.confidential.clientSecret, authority: idp.current.issuer };
    const bearer = await new ConfidentialClientApplication(base).acquireTokenForClient({ scopes: APP_ONLY });
    expect(bearer.tokenType).toBe('Bearer');
    expect(decodeJwt(bearer.accessToken).cnf).toBeUndefined();
    const bound = await new ConfidentialClientApplication({ ...base, dpop: true }).acquireTokenForClient({ scopes: APP_ONLY });
    expect(bound.tokenType).toBe('DPoP');
    expect(idp.current.countRequests({ path: '/token', grantType: 'client_credentials', dpopProof: true })).toBe(1); // no nonce required here

    // A transport that adds a proof behind the client's back: the DPoP answer is refused, not cached as Bearer.
    const sneaky = new ConfidentialClientApplication({
      ...base,
      httpClient: {
        send: async (request) => {
          const { FetchHttpClient } = await import('../src/index.js');
          const keyed = new ConfidentialClientApplication({ ...base, dpop: true });
          const proof = await (keyed as unknown as { context: { dpop: { proof(r: object, iat: number): Promise<string> } } }).context.dpop.proof({ method: 'POST', url: request.url }, Math.floor(Date.now() / 1000));
          return new FetchHttpClient().send({ ...request, headers: { ...request.headers, DPoP: proof } });
        },
      },
    });
    await expect(sneaky.acquireTokenForClient({ scopes: APP_ONLY, forceRefresh: true })).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('a context with a DPoP session but without its token requests (dpop without dpopContext) sends nothing and never files a Bearer token as DPoP', async () => {
    const base = { clientId: idp.current.clients.confidential.clientId, clientCredential: idp.current.clients.confidential.clientSecret, authority: idp.current.issuer };
    // As a platform package would assemble it with `dpop: session` alone (FlowContext.dpop before dpopContext).
    const app = new ConfidentialClientApplication({ ...base, dpop: true });
    const context = (app as unknown as { context: { dpop: { key(): Promise<unknown> }; sendWithDpop?: unknown } }).context;
    delete context.sendWithDpop;
    await context.dpop.key();
    idp.current.clearRequests();
    const outcome = await app.acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    // Not an unbound (Bearer) token reported and cached as DPoP-bound.
    expect(outcome).toBeInstanceOf(ConfigurationError);
    expect((outcome as Error).message).toContain('dpopContext');
    expect(idp.current.countRequests({ path: '/token' })).toBe(0);
  });
});

describe('calling an API with a DPoP-bound token', () => {
  const idp = useDevAuthority();
  const rs = startResourceServer();
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => rs.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(rs.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => rs.server.close(() => resolve())));

  it("fetchWithDpop retries once for the resource server's nonce, then remembers it; dpopHeaders refuses a Bearer token", async () => {
    const app = new ConfidentialClientApplication({
      clientId: idp.current.clients.confidential.clientId,
      clientCredential: idp.current.clients.confidential.clientSecret,
      authority: idp.current.issuer,
      dpop: true,
    });
    const result = await app.acquireTokenForClient({ scopes: APP_ONLY });
    const response = await app.fetchWithDpop(result, `${base}/orders?id=7`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'dpop' });
    expect(rs.seen).toEqual([{ nonce: undefined, ok: false }, { nonce: 'rs-nonce-1', ok: true }]);

    const again = await app.fetchWithDpop(result, `${base}/orders`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(again.status).toBe(200);
    expect(rs.seen).toHaveLength(3); // no retry: the nonce was remembered

    const headers = await app.dpopHeaders(result, { method: 'GET', url: `${base}/x` });
    expect(headers.authorization).toBe(`DPoP ${result.accessToken}`);
    const bearer: AuthenticationResult = { ...result, tokenType: 'Bearer' };
    await expect(app.dpopHeaders(bearer, { method: 'GET', url: base })).rejects.toMatchObject({ code: 'configuration_error' });
  });
});
