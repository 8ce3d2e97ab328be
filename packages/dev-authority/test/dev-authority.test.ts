import { SignJWT, importPKCS8, jwtVerify, createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEV_PASSWORD_REJECTED,
  approveDeviceCode,
  completeAuthorization,
  denyDeviceCode,
  startDevAuthority,
  type DevAuthority,
} from '../src/index.js';
import { jwtPayload, pkce, postToken } from './helpers.js';

let authority: DevAuthority;

beforeAll(async () => {
  authority = await startDevAuthority({
    accessTokenTtl: 60,
    spaRedirectUris: ['http://127.0.0.1:5174/cb'],
    spaOrigins: ['http://127.0.0.1:5175'],
    postLogoutRedirectUris: ['http://127.0.0.1:5174/bye'],
  });
});
afterAll(async () => {
  await authority?.close();
});

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${authority.issuer}/auth`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** Native client auth code + PKCE on a random loopback port; returns the token response. */
async function nativeLogin(scope = 'openid profile email offline_access api.read', extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const redirectUri = `http://127.0.0.1:${40000 + Math.floor(Math.random() * 20000)}/`;
  const { params, redirectUrl } = await completeAuthorization(
    authorizeUrl({
      client_id: authority.clients.native.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      state: 'st4te',
      nonce: 'n0nce',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    }),
    { username: 'Alice' },
  );
  const code = params.get('code');
  expect(code, redirectUrl).toBeTruthy();
  const tokens = await postToken(authority.issuer, {
    grant_type: 'authorization_code',
    client_id: authority.clients.native.clientId,
    code: code!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return { params, redirectUrl, redirectUri, tokens };
}

describe('dev authority', () => {
  it('publishes discovery with RFC 9207 iss and the device endpoint', async () => {
    const response = await fetch(`${authority.issuer}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(authority.issuer);
    expect(authority.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(discovery.device_authorization_endpoint).toBe(`${authority.issuer}/device/auth`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'api.read', 'api.write']));
    expect(discovery.end_session_endpoint).toBeTruthy();
  });

  it('completes a native PKCE auth-code flow on any loopback port', async () => {
    const { params, redirectUrl, redirectUri, tokens } = await nativeLogin();
    expect(redirectUrl.startsWith(redirectUri)).toBe(true);
    expect(params.get('iss')).toBe(authority.issuer);
    expect(params.get('state')).toBe('st4te');
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(String(tokens.body.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'api.read', 'offline_access']));

    const jwks = createRemoteJWKSet(new URL(`${authority.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(tokens.body.id_token), jwks, {
      issuer: authority.issuer,
      audience: authority.clients.native.clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'alice', preferred_username: 'alice', name: 'alice', email: 'alice@example.com', nonce: 'n0nce' });

    const userinfo = await fetch(`${authority.issuer}/me`, { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    expect(await userinfo.json()).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it('supports fragment and form_post response modes and consent denial', async () => {
    const base = { client_id: authority.clients.native.clientId, response_type: 'code', scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const fragment = await completeAuthorization(authorizeUrl({ ...base, redirect_uri: 'http://localhost:5999/', response_mode: 'fragment' }));
    expect(new URL(fragment.redirectUrl).hash).toContain('code=');
    expect(fragment.params.get('code')).toBeTruthy();

    const formPost = await completeAuthorization(authorizeUrl({ ...base, redirect_uri: 'http://127.0.0.1:5998/', response_mode: 'form_post', state: 'a&b' }));
    expect(formPost.redirectUrl).toBe('http://127.0.0.1:5998/');
    expect(formPost.params.get('code')).toBeTruthy();
    expect(formPost.params.get('state')).toBe('a&b');
    expect(formPost.params.get('iss')).toBe(authority.issuer);

    const denied = await completeAuthorization(authorizeUrl({ ...base, redirect_uri: 'http://127.0.0.1:5997/' }), { consent: false });
    expect(denied.params.get('error')).toBe('access_denied');
  });

  it('rotates refresh tokens and rejects reuse of a rotated one', async () => {
    const { tokens } = await nativeLogin();
    const first = String(tokens.body.refresh_token);
    const refreshed = await postToken(authority.issuer, { grant_type: 'refresh_token', client_id: authority.clients.native.clientId, refresh_token: first });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeTruthy();
    expect(refreshed.body.refresh_token).not.toBe(first);
    expect(refreshed.body.scope).toBeTruthy();

    const reused = await postToken(authority.issuer, { grant_type: 'refresh_token', client_id: authority.clients.native.clientId, refresh_token: first });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
  });

  it('issues client_credentials tokens with client_secret_basic and client_secret_post', async () => {
    const { clientId, clientSecret } = authority.clients.confidential;
    const basic = await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read' }, { id: clientId, secret: clientSecret });
    expect(basic.status).toBe(200);
    expect(basic.body.scope).toBe('api.read');
    expect(jwtPayload(basic.body.access_token)).toMatchObject({ aud: 'urn:tessera:api', client_id: clientId, iss: authority.issuer });

    const post = await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read api.write', client_id: clientId, client_secret: clientSecret });
    expect(post.status).toBe(200);
    expect(post.body.scope).toBe('api.read api.write');

    const wrong = await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read' }, { id: clientId, secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('authenticates the private_key_jwt client with the fixture key', async () => {
    const { clientId, privateKeyPem, thumbprint, thumbprintSha256 } = authority.clients.privateKeyJwt;
    expect(thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(thumbprintSha256).toMatch(/^[0-9a-f]{64}$/);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(authority.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(await importPKCS8(privateKeyPem, 'RS256'));
    const response = await postToken(authority.issuer, {
      grant_type: 'client_credentials',
      scope: 'api.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe('api.read');
    expect(authority.countRequests({ path: '/token', clientId, grantType: 'client_credentials' })).toBe(1);
  });

  async function startDevice(scope = 'openid offline_access api.read') {
    const response = await fetch(`${authority.issuer}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: authority.clients.native.clientId, scope }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { device_code: string; user_code: string; verification_uri: string };
  }
  const pollDevice = (deviceCode: string) =>
    postToken(authority.issuer, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: authority.clients.native.clientId,
      device_code: deviceCode,
    });

  it('runs the device flow: pending, approve, deny', async () => {
    const approved = await startDevice();
    expect((await pollDevice(approved.device_code)).body.error).toBe('authorization_pending');
    await approveDeviceCode(authority.issuer, approved.user_code, { username: 'bob' });
    const tokens = await pollDevice(approved.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(String(tokens.body.scope)).toContain('api.read');
    expect(jwtPayload(tokens.body.id_token).sub).toBe('bob');

    const denied = await startDevice();
    await denyDeviceCode(authority.issuer, denied.user_code);
    const error = await pollDevice(denied.device_code);
    expect(error.body.error).toBe('access_denied');
  });

  it('supports the password grant and rejects the documented password', async () => {
    const ok = await postToken(authority.issuer, {
      grant_type: 'password',
      client_id: authority.clients.native.clientId,
      username: 'Carol',
      password: 'anything',
      scope: 'openid profile offline_access api.read',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeTruthy();
    expect(ok.body.scope).toBe('openid profile offline_access api.read');
    expect(jwtPayload(ok.body.id_token)).toMatchObject({ sub: 'carol', aud: authority.clients.native.clientId });

    const refreshed = await postToken(authority.issuer, { grant_type: 'refresh_token', client_id: authority.clients.native.clientId, refresh_token: String(ok.body.refresh_token) });
    expect(refreshed.status).toBe(200);

    const rejected = await postToken(authority.issuer, {
      grant_type: 'password',
      client_id: authority.clients.native.clientId,
      username: 'carol',
      password: DEV_PASSWORD_REJECTED,
      scope: 'openid',
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toBe('invalid_grant');
  });

  it('exchanges a user access token on behalf of the user', async () => {
    const { clientId, clientSecret } = authority.clients.confidential;
    const obo = (assertion: string, scope = 'api.read offline_access') =>
      postToken(
        authority.issuer,
        { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of', assertion, scope },
        { id: clientId, secret: clientSecret },
      );
    // An API (JWT) token of another client, and an opaque userinfo token.
    const apiToken = await postToken(authority.issuer, { grant_type: 'password', client_id: authority.clients.native.clientId, username: 'dave', password: 'x', scope: 'api.read' });
    const userinfoToken = await postToken(authority.issuer, { grant_type: 'password', client_id: authority.clients.native.clientId, username: 'erin', password: 'x', scope: 'openid api.read' });

    const fromJwt = await obo(String(apiToken.body.access_token));
    expect(fromJwt.status).toBe(200);
    expect(fromJwt.body.scope).toBe('api.read');
    expect(fromJwt.body.refresh_token).toBeTruthy();
    expect(jwtPayload(fromJwt.body.access_token)).toMatchObject({ sub: 'dave', client_id: clientId, aud: 'urn:tessera:api' });

    const fromOpaque = await obo(String(userinfoToken.body.access_token), 'api.write');
    expect(fromOpaque.status).toBe(200);
    expect(jwtPayload(fromOpaque.body.access_token).sub).toBe('erin');

    const garbage = await obo('not-a-token');
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toBe('invalid_grant');
    const cc = await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read' }, { id: clientId, secret: clientSecret });
    expect((await obo(String(cc.body.access_token))).body.error).toBe('invalid_grant');
  });

  it('serves the SPA client: exact redirect, CORS, rotation and RP-initiated logout', async () => {
    const { verifier, challenge } = pkce();
    const spa = authority.clients.spa;
    expect(spa.redirectUris).toContain('http://127.0.0.1:5174/cb');
    const base = { client_id: spa.clientId, response_type: 'code', scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256' };
    await expect(completeAuthorization(authorizeUrl({ ...base, redirect_uri: 'http://127.0.0.1:5999/cb' }))).rejects.toThrow(/invalid_redirect_uri/);

    const { params } = await completeAuthorization(authorizeUrl({ ...base, redirect_uri: 'http://127.0.0.1:5174/cb' }));
    const response = await fetch(`${authority.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:5175' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: spa.clientId, code: params.get('code')!, redirect_uri: 'http://127.0.0.1:5174/cb', code_verifier: verifier }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5175');
    const tokens = (await response.json()) as Record<string, string>;
    expect(tokens.refresh_token).toBeTruthy();

    const blocked = await fetch(`${authority.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: spa.clientId, refresh_token: tokens.refresh_token! }),
    });
    expect(blocked.headers.get('access-control-allow-origin')).toBeNull();

    const logoutUrl = `${authority.issuer}/session/end?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:5174/bye', state: 'x' })}`;
    const page = await fetch(logoutUrl);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const html = await page.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    expect(xsrf && action).toBeTruthy();
    const done = await fetch(new URL(action!, authority.issuer), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
    });
    expect(done.headers.get('location')).toBe('http://127.0.0.1:5174/bye?state=x');
  });

  it('runs the confidential auth-code flow and rejects the documented password at login', async () => {
    const { clientId, clientSecret, redirectUris } = authority.clients.confidential;
    const url = authorizeUrl({ client_id: clientId, response_type: 'code', scope: 'openid profile offline_access api.write', redirect_uri: redirectUris[0]! });
    await expect(completeAuthorization(url, { password: DEV_PASSWORD_REJECTED })).rejects.toThrow(/rejected the password/);
    const { params } = await completeAuthorization(url, { username: 'frank' });
    const tokens = await postToken(authority.issuer, { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: redirectUris[0]! }, { id: clientId, secret: clientSecret });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('openid profile offline_access api.write');
    expect(jwtPayload(tokens.body.id_token)).toMatchObject({ sub: 'frank', preferred_username: 'frank' });

    expect(await authority.revokeSubject('frank')).toBeGreaterThan(0);
    const refresh = await postToken(authority.issuer, { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) }, { id: clientId, secret: clientSecret });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('counts requests without recording secrets', async () => {
    authority.clearRequests();
    const { clientId, clientSecret } = authority.clients.confidential;
    await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read' }, { id: clientId, secret: clientSecret });
    await postToken(authority.issuer, { grant_type: 'client_credentials', scope: 'api.read', client_id: clientId, client_secret: clientSecret });
    await fetch(`${authority.issuer}/.well-known/openid-configuration`);
    expect(authority.countRequests({ path: '/token', grantType: 'client_credentials', clientId })).toBe(2);
    expect(authority.countRequests({ path: '/.well-known/openid-configuration' })).toBe(1);
    expect(authority.requests).toHaveLength(3);
    expect(JSON.stringify(authority.requests)).not.toContain(clientSecret);
  });
});

describe('short TTLs', () => {
  it('honours a short access token TTL', async () => {
    const short = await startDevAuthority({ accessTokenTtl: 2 });
    try {
      const { clientId, clientSecret } = short.clients.confidential;
      const cc = await postToken(short.issuer, { grant_type: 'client_credentials', scope: 'api.read' }, { id: clientId, secret: clientSecret });
      expect(cc.body.expires_in).toBe(2);
      const pw = await postToken(short.issuer, { grant_type: 'password', client_id: short.clients.native.clientId, username: 'u', password: 'p', scope: 'openid' });
      expect(pw.body.expires_in).toBe(2);
    } finally {
      await short.close();
    }
  });

  it('expires device codes', async () => {
    const short = await startDevAuthority({ deviceCodeTtl: 1 });
    try {
      const response = await fetch(`${short.issuer}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: short.clients.native.clientId, scope: 'openid' }),
      });
      const { device_code: deviceCode } = (await response.json()) as { device_code: string };
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const expired = await postToken(short.issuer, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: short.clients.native.clientId,
        device_code: deviceCode,
      });
      expect(expired.body.error).toBe('expired_token');
    } finally {
      await short.close();
    }
  });
});

describe('acr', () => {
  it("every ID token carries the configured acr (password grant and its refreshes; auth code's in the msal-node interop tests); none by default", async () => {
    const keycloakLike = await startDevAuthority({ acr: '1' });
    try {
      const discovery = (await (await fetch(`${keycloakLike.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery.acr_values_supported).toEqual(['1']);
      const clientId = keycloakLike.clients.native.clientId;
      const signedIn = await postToken(keycloakLike.issuer, { grant_type: 'password', client_id: clientId, username: 'u', password: 'p', scope: 'openid offline_access' });
      expect(jwtPayload(signedIn.body.id_token)).toMatchObject({ sub: 'u', acr: '1' });
      const refreshed = await postToken(keycloakLike.issuer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(signedIn.body.refresh_token) });
      expect(jwtPayload(refreshed.body.id_token)).toMatchObject({ sub: 'u', acr: '1' });
    } finally {
      await keycloakLike.close();
    }
    const plain = await postToken(authority.issuer, { grant_type: 'password', client_id: authority.clients.native.clientId, username: 'u', password: 'p', scope: 'openid' });
    expect(jwtPayload(plain.body.id_token)).not.toHaveProperty('acr');
  });
});

describe('crossOriginOpenerPolicy', () => {
  it("sends the header on the authorization endpoint, the login page and the end-session page, on no other endpoint; no header by default", async () => {
    const coop = await startDevAuthority({ crossOriginOpenerPolicy: 'same-origin' });
    try {
      for (const idp of [coop, authority]) {
        const expected = idp === coop ? 'same-origin' : null;
        const { challenge } = pkce();
        const spa = idp.clients.spa;
        const auth = await fetch(
          `${idp.issuer}/auth?${new URLSearchParams({ client_id: spa.clientId, response_type: 'code', scope: 'openid', redirect_uri: spa.redirectUris[0]!, code_challenge: challenge, code_challenge_method: 'S256' })}`,
          { redirect: 'manual' },
        );
        expect(auth.status).toBe(303);
        expect(auth.headers.get('cross-origin-opener-policy')).toBe(expected);
        const cookie = auth.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        const login = await fetch(new URL(auth.headers.get('location')!, idp.issuer), { headers: { cookie } });
        expect(login.status).toBe(200);
        expect(await login.text()).toContain('login-form');
        expect(login.headers.get('cross-origin-opener-policy')).toBe(expected);
        expect((await fetch(`${idp.issuer}/session/end`)).headers.get('cross-origin-opener-policy')).toBe(expected);
        // Not on what no window shows: discovery, the token endpoint.
        expect((await fetch(`${idp.issuer}/.well-known/openid-configuration`)).headers.get('cross-origin-opener-policy')).toBeNull();
        expect((await fetch(`${idp.issuer}/token`, { method: 'POST' })).headers.get('cross-origin-opener-policy')).toBeNull();
      }
    } finally {
      await coop.close();
    }
  });
});
