// UserInfo (OpenID Connect Core 5.3) through getUserInfo: against the dev authority (oidc-provider's
// userinfo endpoint: the claims it releases, Bearer and DPoP-bound tokens, its nonce challenge), and
// against a loopback stub for answers a real provider never gives (another user's sub, a JWT, no sub,
// an error quoting the token).
import { completeAuthorization } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, InvalidResponseError, ServerError, ValidationError } from '@tessera/core';
import { NodePublicClientApplication } from '../src/index.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from '../../core/test/helpers.js';

const SCOPES = ['openid', 'email'];

describe('getUserInfo (OpenID Connect Core 5.3)', () => {
  const idp = useDevAuthority();

  const native = (options: { dpop?: true; authorityMetadata?: string } = {}) => new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, ...options });

  async function signIn(app: NodePublicClientApplication, username = 'ada') {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  }

  const userinfoRequests = () => idp.current.requests.filter((r) => r.path.endsWith('/me'));

  it("returns the provider's claims for the account's token (Bearer)", async () => {
    const app = native();
    const { account, tokenType } = await signIn(app);
    expect(tokenType).toBe('Bearer');
    idp.current.clearRequests();
    const claims = await app.getUserInfo(account!, { scopes: SCOPES, correlationId: 'ui-1' });
    expect(claims).toEqual({ sub: 'ada', email: 'ada@example.com', email_verified: true, name: 'ada', preferred_username: 'ada' });
    // From the cache: no token request, one UserInfo request, which the provider answered.
    expect(idp.current.requests.map((r) => r.path)).toEqual([expect.stringMatching(/\/me$/)]);
    expect(userinfoRequests()).toMatchObject([{ method: 'GET', status: 200, clientRequestId: 'ui-1' }]);
    expect(userinfoRequests()[0]!.dpopProof).toBeFalsy();
  });

  it('sends a DPoP-bound token with a proof of the client key (the provider refuses it as Bearer)', async () => {
    const app = native({ dpop: true });
    const result = await signIn(app, 'grace');
    expect(result.tokenType).toBe('DPoP');
    idp.current.clearRequests();
    await expect(app.getUserInfo(result.account!, { scopes: SCOPES })).resolves.toMatchObject({ sub: 'grace', email: 'grace@example.com' });
    expect(userinfoRequests()).toMatchObject([{ status: 200, dpopProof: true }]);
    // Control: the provider's answer to the same token without a proof.
    const userinfoEndpoint = (await app.getAuthorityMetadata()).userinfo_endpoint as string;
    expect((await fetch(userinfoEndpoint, { headers: { authorization: `Bearer ${result.accessToken}` } })).status).toBe(401);
  });

  describe('a provider that wants a DPoP nonce', () => {
    const nonceIdp = useDevAuthority({ dpop: { requireNonce: true } });

    it("is sent once more with the nonce of the provider's use_dpop_nonce challenge", async () => {
      const app = new NodePublicClientApplication({ clientId: nonceIdp.current.clients.native.clientId, authority: nonceIdp.current.issuer, dpop: true });
      const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT });
      const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada' });
      const { account } = await app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
      nonceIdp.current.clearRequests();
      await expect(app.getUserInfo(account!, { scopes: SCOPES })).resolves.toMatchObject({ sub: 'ada' });
      const seen = nonceIdp.current.requests.filter((r) => r.path.endsWith('/me'));
      // The first proof has no nonce (the token endpoint's are kept apart): refused, then sent with the challenge's.
      expect(seen).toMatchObject([
        { status: 401, dpopProof: true },
        { status: 200, dpopProof: true, dpopNonce: expect.any(String) },
      ]);
      expect(seen[0]!.dpopNonce).toBeUndefined();
    });
  });

  it('an account without an ID token is refused before any request', async () => {
    const app = native();
    const { account } = await signIn(app);
    const { idTokenClaims: _, ...withoutIdToken } = account!;
    app.tokenCache.deserialize(JSON.stringify({ ...JSON.parse(app.tokenCache.serialize()), IdToken: {} }));
    idp.current.clearRequests();
    await expect(app.getUserInfo(withoutIdToken, { scopes: SCOPES })).rejects.toThrow(ConfigurationError);
    expect(userinfoRequests()).toEqual([]);
  });

  it('no userinfo_endpoint in discovery: a ConfigurationError userinfo_unsupported', async () => {
    const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    delete discovery.userinfo_endpoint;
    const app = native({ authorityMetadata: JSON.stringify(discovery) });
    const { account } = await signIn(app);
    await expect(app.getUserInfo(account!, { scopes: SCOPES })).rejects.toMatchObject({ code: 'userinfo_unsupported' });
  });

  describe('answers a real provider never gives (loopback stub as the userinfo_endpoint)', () => {
    let stub: Server;
    let origin = '';
    let answer: (res: ServerResponse) => void;
    const seen: Array<string | undefined> = [];
    const json = (status: number, body: unknown) => (res: ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    beforeAll(async () => {
      stub = createServer((req, res) => {
        seen.push(req.headers.authorization);
        answer(res);
      });
      await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    });
    afterAll(() => stub.close());

    async function appWithStub() {
      const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      const app = native({ authorityMetadata: JSON.stringify({ ...discovery, userinfo_endpoint: `${origin}/userinfo` }) });
      const result = await signIn(app);
      seen.length = 0;
      return { app, result, get: () => app.getUserInfo(result.account!, { scopes: SCOPES }), refused: () => refusal(app.getUserInfo(result.account!, { scopes: SCOPES })) };
    }

    /** The error `call` rejects with (it must reject). */
    const refusal = (call: Promise<unknown>) => call.then((claims) => expect.unreachable(`accepted ${JSON.stringify(claims)}`), (e: unknown) => e as Error);

    const noToken = (error: Error, token: string) => {
      for (let e: unknown = error; e instanceof Error; e = e.cause) expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(token);
    };

    it("another user's sub: refused with a ValidationError naming the check (5.3.4), neither sub in the message", async () => {
      answer = json(200, { sub: 'mallory', email: 'mallory@example.com', email_verified: true });
      const { result, refused } = await appWithStub();
      const error = await refused();
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ check: 'userinfo_sub', code: 'invalid_userinfo_sub', message: expect.stringMatching(/5\.3\.4/) });
      expect(error.message).not.toMatch(/mallory|ada/);
      noToken(error, result.accessToken);
      // The stub got the account's token: the refusal is of its answer, not of a request never sent.
      expect(seen).toEqual([`Bearer ${result.accessToken}`]);
    });

    it('the same sub is accepted (the check compares, it does not refuse stubs)', async () => {
      answer = json(200, { sub: 'ada', nickname: 'countess' });
      const { get } = await appWithStub();
      await expect(get()).resolves.toEqual({ sub: 'ada', nickname: 'countess' });
    });

    it('no sub, or not an object: an InvalidResponseError naming the field', async () => {
      answer = json(200, { email: 'ada@example.com' });
      const { refused } = await appWithStub();
      expect(await refused()).toMatchObject({ code: 'invalid_response', message: expect.stringMatching(/"sub"/) });
      answer = json(200, ['ada']);
      expect(await refused()).toBeInstanceOf(InvalidResponseError);
    });

    it('a signed (application/jwt) answer: userinfo_jwt_unsupported', async () => {
      answer = (res) => res.writeHead(200, { 'content-type': 'application/jwt' }).end('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.');
      const { refused } = await appWithStub();
      expect(await refused()).toMatchObject({ code: 'userinfo_jwt_unsupported' });
    });

    it('a refusal that quotes the token: a ServerError without it', async () => {
      const { result, refused } = await appWithStub();
      const token = result.accessToken;
      answer = json(401, { error: 'invalid_token', error_description: `token ${token} is not valid here` });
      const error = await refused();
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ code: 'invalid_token', status: 401 });
      noToken(error, token);
    });
  });
});
