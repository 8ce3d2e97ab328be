import { CompactEncrypt, SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { resolveAuthority, forTenant } from '../src/authority/authority.js';
import { entraIssuerMatches, parseClientInfo } from '../src/authority/entra.js';
import { createPkce, sha256Base64Url, base64UrlEncode } from '../src/crypto/encoding.js';
import { decodeIdToken, validateIdTokenClaims } from '../src/crypto/id-token.js';
import { ConfigurationError, ValidationError } from '../src/errors.js';
import { mergeClaims } from '../src/flows/claims.js';
import { checkAuthResponse, parseAuthResponse, type AuthCodeFlow } from '../src/flows/auth-code.js';
import { parseRetryAfter } from '../src/http/retry.js';
import { normalizeScopes, resourceScopes } from '../src/scopes.js';

describe('PKCE', () => {
  it('uses S256 over a 43-character verifier', async () => {
    const pkce = await createPkce();
    expect(pkce.method).toBe('S256');
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkce.challenge).toBe(await sha256Base64Url(pkce.verifier));
  });
  it('matches the RFC 7636 appendix B example', async () => {
    expect(await sha256Base64Url('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('authority resolution', () => {
  it('recognises Entra clouds, tenants and the v2.0 metadata URL', () => {
    const a = resolveAuthority({ authority: 'https://login.microsoftonline.com/organizations/' });
    expect(a).toMatchObject({ kind: 'entra', tenant: 'organizations', multiTenant: true, environment: 'login.microsoftonline.com' });
    expect(a.metadataUrl).toBe('https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration');
    expect(forTenant(a, 'contoso.onmicrosoft.com').url).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com');
  });
  it('treats any other issuer as generic OIDC, and oidcAuthority forces it', () => {
    expect(resolveAuthority({ authority: 'https://id.example.com/realms/x' })).toMatchObject({ kind: 'oidc', tenant: 'realms/x' });
    expect(resolveAuthority({ oidcAuthority: 'https://login.microsoftonline.com/t/v2.0' }).kind).toBe('oidc');
  });
  it('refuses plain http except on loopback, and bad URLs', () => {
    expect(() => resolveAuthority({ authority: 'http://id.example.com' })).toThrow(ConfigurationError);
    expect(() => resolveAuthority({ authority: 'not a url' })).toThrow(/absolute URL/);
    expect(resolveAuthority({ authority: 'http://127.0.0.1:3000' }).kind).toBe('oidc');
  });
  it('refuses an authority with a query, fragment, user name or password, without echoing them', () => {
    for (const authority of ['https://id.example.com/r?x=secret', 'https://id.example.com/r#secret', 'https://secret@id.example.com/r', 'https://u:secret@id.example.com/r']) {
      for (const options of [{ authority }, { oidcAuthority: authority }]) {
        let error: unknown;
        try {
          resolveAuthority(options);
        } catch (e) {
          error = e;
        }
        expect(error, authority).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toContain('https://id.example.com/r must not have a query, fragment, user name or password');
        expect((error as Error).message).not.toContain('secret');
      }
    }
  });
  it('fills the {tenantid} issuer template from tid', () => {
    expect(entraIssuerMatches('https://login.microsoftonline.com/{tenantid}/v2.0', 'https://login.microsoftonline.com/abc/v2.0', 'abc')).toBe(true);
    expect(entraIssuerMatches('https://login.microsoftonline.com/{tenantid}/v2.0', 'https://login.microsoftonline.com/abc/v2.0', 'xyz')).toBe(false);
  });
  it('reads client_info into uid and utid', () => {
    const info = base64UrlEncode(new TextEncoder().encode('{"uid":"u1","utid":"t1"}'));
    expect(parseClientInfo(info)).toEqual({ uid: 'u1', utid: 't1' });
    expect(parseClientInfo('%%%')).toBeUndefined();
  });
});

describe('ID token claim validation', () => {
  const now = 1_800_000_000;
  const base = { iss: 'https://idp', aud: 'client', sub: 's', exp: now + 600, iat: now, nonce: 'n1', auth_time: now - 10 };
  const expect_ = { issuer: 'https://idp', clientId: 'client', nonce: 'n1', now, clockSkew: 0 };
  const fails = (claims: object, check: string, extra: object = {}) => {
    try {
      validateIdTokenClaims(claims as never, { ...expect_, ...extra });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).check).toBe(check);
      return;
    }
    throw new Error(`expected the ${check} check to fail`);
  };
  it('accepts a valid token', () => validateIdTokenClaims(base, expect_));
  it('names each failed check', () => {
    fails({ ...base, iss: 'https://evil' }, 'iss');
    fails({ ...base, aud: 'other' }, 'aud');
    fails({ ...base, aud: ['client', 'other'] }, 'azp');
    fails({ ...base, aud: ['client', 'other'], azp: 'other' }, 'azp');
    fails({ ...base, exp: now - 1 }, 'exp');
    fails({ ...base, nbf: now + 100 }, 'nbf');
    fails({ ...base, nonce: 'n2' }, 'nonce');
    fails({ ...base, nonce: undefined }, 'nonce');
    fails({ ...base, auth_time: now - 4000 }, 'auth_time', { maxAge: 3600 });
    fails({ ...base, auth_time: undefined }, 'auth_time', { maxAge: 3600 });
  });
  it('refuses alg none and malformed JWTs when decoding', async () => {
    const none = `${base64UrlEncode(new TextEncoder().encode('{"alg":"none"}'))}.${base64UrlEncode(new TextEncoder().encode('{"sub":"x"}'))}.`;
    expect(() => decodeIdToken(none)).toThrow(expect.objectContaining({ check: 'alg' }));
    expect(() => decodeIdToken('garbage')).toThrow(expect.objectContaining({ check: 'jwt' }));
    const { privateKey } = await generateKeyPair('RS256');
    const jwt = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect(decodeIdToken(jwt).sub).toBe('x');
  });
  it('refuses an encrypted ID token (JWE, nested as providers send it) saying how to turn encryption off', async () => {
    const signing = await generateKeyPair('RS256');
    const encryption = await generateKeyPair('RSA-OAEP-256');
    const jws = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256' }).sign(signing.privateKey);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' }).encrypt(encryption.publicKey);
    expect(jwe.split('.')).toHaveLength(5);
    expect(() => decodeIdToken(jwe)).toThrow(
      expect.objectContaining({ name: 'ValidationError', check: 'jwt', message: 'ID token is encrypted (unsupported): turn off ID token encryption for this client at the provider' }),
    );
  });
});

describe('authorization response checks', () => {
  const flow = { state: 'st', issuer: 'https://idp', issRequired: true } as AuthCodeFlow;
  it('reads query, fragment and form_post responses', () => {
    expect(parseAuthResponse('http://127.0.0.1/cb?code=c&state=s')).toEqual({ code: 'c', state: 's' });
    expect(parseAuthResponse('http://127.0.0.1/cb#code=c&state=s')).toEqual({ code: 'c', state: 's' });
    expect(parseAuthResponse({ code: 'c', state: 's' })).toEqual({ code: 'c', state: 's' });
  });
  it('checks state, then iss, then error, then code', () => {
    expect(checkAuthResponse(flow, { state: 'st', iss: 'https://idp', code: 'abc' })).toBe('abc');
    expect(() => checkAuthResponse(flow, { iss: 'https://idp', code: 'abc' })).toThrow(expect.objectContaining({ check: 'state' }));
    expect(() => checkAuthResponse(flow, { state: 'x', iss: 'https://idp', code: 'abc' })).toThrow(expect.objectContaining({ check: 'state' }));
    expect(() => checkAuthResponse(flow, { state: 'st', code: 'abc' })).toThrow(expect.objectContaining({ check: 'iss' }));
    expect(() => checkAuthResponse(flow, { state: 'st', iss: 'https://evil', error: 'access_denied' })).toThrow(expect.objectContaining({ check: 'iss' }));
    expect(() => checkAuthResponse(flow, { state: 'st', iss: 'https://idp', error: 'access_denied' })).toThrow(/access_denied/);
    expect(checkAuthResponse({ ...flow, issRequired: false }, { state: 'st', code: 'abc' })).toBe('abc');
  });
});

describe('small protocol helpers', () => {
  it('parses Retry-After as seconds or HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
  it('merges client capabilities into a claims challenge', () => {
    const merged = JSON.parse(mergeClaims('{"access_token":{"nbf":{"essential":true,"value":"1"}}}', ['CP1'])!);
    expect(merged).toEqual({ access_token: { nbf: { essential: true, value: '1' }, xms_cc: { values: ['CP1'] } } });
    expect(mergeClaims(undefined, [])).toBeUndefined();
    expect(() => mergeClaims('not json', [])).toThrow(ConfigurationError);
  });
  it('normalises scopes and drops OIDC scopes for matching', () => {
    expect(normalizeScopes(' a  b a ')).toEqual(['a', 'b']);
    expect(resourceScopes(['openid', 'API.Read', 'offline_access'])).toEqual(['api.read']);
  });
});

describe('RFC 9207 iss against an Entra multi-tenant issuer template', () => {
  const flow = { state: 'st', issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', issRequired: true } as AuthCodeFlow;
  it('accepts the template filled with one tenant and refuses anything else', () => {
    expect(checkAuthResponse(flow, { state: 'st', iss: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0', code: 'c' })).toBe('c');
    expect(() => checkAuthResponse(flow, { state: 'st', iss: 'https://evil.example/72f988bf/v2.0', code: 'c' })).toThrow(expect.objectContaining({ check: 'iss' }));
    expect(() => checkAuthResponse(flow, { state: 'st', iss: 'https://login.microsoftonline.com/a/b/v2.0', code: 'c' })).toThrow(expect.objectContaining({ check: 'iss' }));
  });
});
