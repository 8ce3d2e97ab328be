// Property-based tests over every parser that reads attacker-controlled input: any input yields a
// result or a typed error (TesseraError), never an unhandled exception or a corrupted cache.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CacheFormatError,
  type HttpClient,
  InteractionRequiredError,
  NetworkError,
  PublicClientApplication,
  ServerError,
  TesseraError,
  TokenCache,
  ValidationError,
  parseAuthResponse,
} from '@tessera/core';
import { type AuthCodeFlow, checkAuthResponse } from '../../core/src/flows/auth-code.js';
import { decodeIdToken, validateIdTokenClaims } from '../../core/src/crypto/id-token.js';
import { oauthErrorFrom, requestJson } from '../../core/src/http/oauth-response.js';
import { parseRetryAfter } from '../../core/src/http/retry.js';
import { MAX_SERVER_SECONDS, seconds, tokenResponseSchema } from '../../core/src/http/schemas.js';

/** TESSERA_PROPERTY_RUNS_SCALE=20 for a deeper local search; CI runs the default. */
const SCALE = Math.max(1, Number(process.env.TESSERA_PROPERTY_RUNS_SCALE) || 1);
const runs = (n: number) => ({ numRuns: n * SCALE });
const RUNS = runs(300);

/** Runs `work`; returns its value, or the error after checking it is typed. */
function typedOrValue<T>(work: () => T, ...types: (abstract new (...args: never[]) => Error)[]): { ok: true; value: T } | { ok: false; error: Error } {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError);
    if (types.length) expect(types.some((t) => error instanceof t)).toBe(true);
    return { ok: false, error: error as Error };
  }
}

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('redirect response parsing (parseAuthResponse + checkAuthResponse)', () => {
  const flow: AuthCodeFlow = {
    authUri: 'https://idp.example/authorize',
    state: 'the-real-state',
    nonce: 'n',
    codeVerifier: 'v',
    redirectUri: 'http://127.0.0.1:1/',
    scopes: ['api.read'],
    responseMode: 'query',
    issuer: 'https://idp.example',
    issRequired: true,
    authority: 'https://idp.example',
  };

  const param = (real: string) => fc.option(fc.oneof(fc.constant(real), fc.string(), fc.constant('')), { nil: undefined });
  const params = fc.record(
    {
      state: param(flow.state),
      iss: param(flow.issuer),
      code: param('a-code'),
      error: param('access_denied'),
      error_description: fc.string(),
      __proto__: fc.string(),
      constructor: fc.string(),
    },
    { requiredKeys: [] },
  );
  const asInput = fc.oneof(
    fc.string(),
    fc.string().map((s) => `http://127.0.0.1:1/${s}`),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    params.map((p) => `http://127.0.0.1:1/?${new URLSearchParams(Object.entries(p).filter(([, v]) => v !== undefined) as [string, string][])}`),
    params.map((p) => `#${new URLSearchParams(Object.entries(p).filter(([, v]) => v !== undefined) as [string, string][])}`),
    params.map((p) => new URLSearchParams(Object.entries(p).filter(([, v]) => v !== undefined) as [string, string][])),
    params,
    fc.dictionary(fc.string(), fc.anything()),
    fc.anything(),
  );

  it('any input yields string parameters or a typed error, and never pollutes prototypes', () => {
    const before = prototypeNames();
    fc.assert(
      fc.property(asInput, (input) => {
        const parsed = typedOrValue(() => parseAuthResponse(input as never));
        if (parsed.ok) {
          for (const value of Object.values(parsed.value)) expect(typeof value).toBe('string');
        }
        expect(({} as Record<string, unknown>).state).toBeUndefined();
      }),
      RUNS,
    );
    expect(prototypeNames()).toBe(before);
  });

  it('returns a code only for a response with our state, our iss, a code and no error', () => {
    fc.assert(
      fc.property(asInput, fc.boolean(), (input, issRequired) => {
        const f = { ...flow, issRequired };
        const parsed = typedOrValue(() => parseAuthResponse(input as never));
        if (!parsed.ok) return;
        const p = parsed.value;
        const checked = typedOrValue(() => checkAuthResponse(f, p), ValidationError, ServerError, TesseraError);
        if (checked.ok) {
          expect(p.state).toBe(f.state);
          expect(p.iss === f.issuer || (p.iss === undefined && !issRequired)).toBe(true);
          expect(p.error).toBeFalsy();
          expect(checked.value).toBe(p.code);
          expect(checked.value.length).toBeGreaterThan(0);
        } else if (p.state !== f.state) {
          expect((checked.error as ValidationError).code).toBe('invalid_state');
        }
      }),
      RUNS,
    );
  });

  it('round-trips any code and state through a redirect URL', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.constantFrom('?', '#'), (code, state, sep) => {
        const url = `http://127.0.0.1:1/${sep}${new URLSearchParams({ code, state })}`;
        expect(parseAuthResponse(url)).toMatchObject({ code, state });
      }),
      RUNS,
    );
  });
});

describe('JWT decoding (decodeIdToken) and claim checks', () => {
  const header = fc.oneof(
    fc.record({ alg: fc.oneof(fc.constantFrom('none', 'NONE', 'nOnE', 'RS256', 'HS256', ''), fc.anything()), typ: fc.string() }, { requiredKeys: [] }).map((h) => JSON.stringify(h)),
    fc.json(),
    fc.string(),
  );
  const payload = fc.oneof(fc.json(), fc.string(), fc.object().map((o) => JSON.stringify(o)));
  const token = fc.oneof(
    fc.string(),
    fc.tuple(header, payload, fc.string()).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s}`),
    fc.tuple(header, payload).map(([h, p]) => `${b64(h)}.${b64(p)}`),
    fc.array(fc.base64String(), { maxLength: 5 }).map((parts) => parts.join('.')),
  );

  it('any string yields a claims object from a signed-looking JWS, or ValidationError', () => {
    fc.assert(
      fc.property(token, (t) => {
        const decoded = typedOrValue(() => decodeIdToken(t), ValidationError);
        if (decoded.ok) {
          const claims = decoded.value;
          expect(typeof claims).toBe('object');
          expect(Array.isArray(claims)).toBe(false);
          const alg = JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8')).alg;
          expect(typeof alg).toBe('string');
          expect(alg.toLowerCase()).not.toBe('none');
        } else {
          expect(['invalid_jwt', 'invalid_alg']).toContain((decoded.error as ValidationError).code);
        }
      }),
      runs(500),
    );
  });

  it('claim checks accept only tokens that satisfy every rule, whatever the claim types', () => {
    const now = 1_800_000_000;
    const claim = <T>(good: fc.Arbitrary<T>) => fc.option(fc.oneof(good, fc.anything()), { nil: undefined });
    const claims = fc.record(
      {
        iss: claim(fc.constant('https://idp')),
        aud: claim(fc.oneof(fc.constant('client'), fc.constant(['client', 'other']), fc.constant(['client']))),
        azp: claim(fc.constantFrom('client', 'other')),
        exp: claim(fc.integer({ min: now - 1000, max: now + 1000 })),
        nbf: claim(fc.integer({ min: now - 1000, max: now + 1000 })),
        nonce: claim(fc.constant('n1')),
        auth_time: claim(fc.integer({ min: now - 1000, max: now })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(claims, fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }), (c, maxAge) => {
        const result = typedOrValue(
          () => validateIdTokenClaims(c as never, { issuer: 'https://idp', clientId: 'client', nonce: 'n1', maxAge, now, clockSkew: 0 }),
          ValidationError,
        );
        if (result.ok) {
          const aud = typeof c.aud === 'string' ? [c.aud] : (c.aud as unknown[]);
          expect(c.iss).toBe('https://idp');
          expect(aud).toContain('client');
          if (aud.length > 1) expect(c.azp).toBe('client');
          expect(typeof c.exp === 'number' && c.exp >= now).toBe(true);
          expect(c.nonce).toBe('n1');
          if (maxAge !== undefined) expect(typeof c.auth_time === 'number' && c.auth_time + maxAge >= now).toBe(true);
        }
      }),
      runs(500),
    );
  });
});

describe('cache deserialization (TokenCache.deserialize / merge)', () => {
  const FIELDS = [
    'home_account_id', 'environment', 'realm', 'client_id', 'secret', 'target', 'expires_on', 'cached_at', 'credential_type',
    'family_id', 'user_assertion_hash', 'token_type', 'local_account_id', 'username', 'authority_type', '__proto__', 'constructor',
  ];
  const SECTIONS = ['Account', 'IdToken', 'AccessToken', 'RefreshToken', 'AppMetadata', 'Unknown', '__proto__'];
  const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
  const base = fc.record(Object.fromEntries(FIELDS.slice(0, 15).map((f) => [f, fc.string({ maxLength: 8 })])));
  // Mostly well-formed entities with a few fields replaced by anything: the cases that reach the indexes.
  const entity = fc.oneof(
    fc.tuple(base, fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 3 })).map(([b, o]) => ({ ...b, ...o })),
    fc.dictionary(fc.constantFrom(...FIELDS), value),
    value,
  );
  const section = fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), entity, { maxKeys: 4 }), value);
  const doc = fc.dictionary(fc.constantFrom(...SECTIONS), section, { maxKeys: 6 });
  const input = fc.oneof(
    fc.string(),
    fc.json(),
    doc.map((d) => JSON.stringify(d)),
    fc.tuple(doc, fc.nat()).map(([d, n]) => {
      const s = JSON.stringify(d);
      return s.slice(0, n % (s.length + 1));
    }),
  );

  /** A cache holding one signed-in account, so a failed load has something to destroy. */
  function populated(): TokenCache {
    const cache = new TokenCache();
    cache.upsert('Account', { home_account_id: 'uid.utid', environment: 'login.microsoftonline.com', realm: 'utid', local_account_id: 'uid', username: 'u@example.com', authority_type: 'MSSTS' });
    cache.upsert('AccessToken', {
      credential_type: 'AccessToken', secret: 'at', home_account_id: 'uid.utid', environment: 'login.microsoftonline.com', client_id: 'c',
      realm: 'utid', target: 'api.read', cached_at: '1', expires_on: '9999999999',
    });
    cache.upsert('RefreshToken', { credential_type: 'RefreshToken', secret: 'rt', home_account_id: 'uid.utid', environment: 'login.microsoftonline.com', client_id: 'c' });
    return cache;
  }

  /** The client's read paths (account listing, silent from cache) on whatever the cache holds: no network. */
  async function exerciseClient(cache: TokenCache): Promise<void> {
    const app = new PublicClientApplication({
      clientId: 'c',
      authority: 'https://login.microsoftonline.com/utid',
      tokenCache: cache,
      retry: false,
      instanceDiscovery: false,
      httpClient: { send: () => Promise.reject(new NetworkError('no network in this test')) },
    });
    for (const account of [...(await app.getAccounts()), ...(await app.getAccounts({ username: 'u@example.com' }))]) {
      await app.acquireTokenSilent({ scopes: ['api.read'], account }).catch((error: unknown) => expect(error).toBeInstanceOf(TesseraError));
    }
  }

  /** Every read path works on whatever the cache now holds. */
  function exercise(cache: TokenCache): void {
    for (const [, at] of cache.entries('AccessToken')) {
      cache.findAccessToken({ homeAccountId: at.home_account_id, environment: at.environment, clientId: at.client_id, realm: at.realm, scopes: [] });
    }
    for (const a of cache.getAccounts()) {
      cache.accountsOf(a.home_account_id);
      cache.findRefreshToken(a.home_account_id, a.environment, 'c');
      cache.findIdToken(a.home_account_id, a.environment, 'c', a.realm);
    }
    const again = new TokenCache();
    again.deserialize(cache.serialize());
    expect(again.serialize()).toBe(cache.serialize());
  }

  for (const method of ['deserialize', 'merge'] as const) {
    it(`${method}: any input is loaded or refused with CacheFormatError, leaving the cache as it was`, async () => {
      const protoBefore = prototypeNames();
      await fc.assert(
        fc.asyncProperty(input, async (json) => {
          const cache = populated();
          const before = cache.serialize();
          const outcome = typedOrValue(() => cache[method](json), CacheFormatError);
          if (!outcome.ok) expect(cache.serialize()).toBe(before);
          else if (method === 'merge') expect(cache.findRefreshToken('uid.utid', 'login.microsoftonline.com', 'c')).toBeDefined();
          exercise(cache);
          await exerciseClient(cache);
        }),
        runs(400),
      );
      expect(prototypeNames()).toBe(protoBefore);
    });
  }

  it('never serves a cached access token whose expiry cannot be read', async () => {
    for (const expires_on of ['never', '', 'NaN', 'Infinity', '-Infinity', '1e400']) {
      const cache = populated();
      const [key, at] = [...cache.entries('AccessToken')][0]!;
      cache.upsert('AccessToken', { ...at, expires_on }, key);
      const app = new PublicClientApplication({ clientId: 'c', authority: 'https://login.microsoftonline.com/utid', tokenCache: cache, retry: false, httpClient: { send: () => Promise.reject(new Error('no network in this test')) } });
      cache.remove('RefreshToken', [...cache.entries('RefreshToken')][0]![0]);
      const account = { homeAccountId: 'uid.utid', environment: 'login.microsoftonline.com', tenantId: 'utid', username: 'u@example.com', localAccountId: 'uid', authorityType: 'MSSTS' };
      await expect(app.acquireTokenSilent({ scopes: ['api.read'], account })).rejects.toBeInstanceOf(InteractionRequiredError);
    }
  });
});

describe('error-response parsing (oauthErrorFrom, requestJson)', () => {
  const errorLike = fc.record(
    {
      error: fc.oneof(fc.string(), fc.anything()),
      error_description: fc.oneof(fc.string(), fc.anything()),
      error_codes: fc.oneof(fc.array(fc.integer()), fc.anything()),
      suberror: fc.oneof(fc.constantFrom('bad_token', 'client_mismatch'), fc.anything()),
      claims: fc.anything(),
    },
    { requiredKeys: [] },
  );
  const tokenLike = fc.record(
    {
      access_token: fc.oneof(fc.string(), fc.anything()),
      token_type: fc.oneof(fc.constant('Bearer'), fc.anything()),
      expires_in: fc.oneof(fc.integer(), fc.string(), fc.anything()),
      scope: fc.oneof(fc.string(), fc.anything()),
    },
    { requiredKeys: [] },
  );

  it('oauthErrorFrom: any body yields undefined or a ServerError carrying its string error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), errorLike), fc.integer({ min: 0, max: 999 }), (body, status) => {
        const error = oauthErrorFrom(body, status);
        if (error !== undefined) {
          expect(error).toBeInstanceOf(ServerError);
          expect(error.error).toBe((body as { error: string }).error);
          expect(error.status).toBe(status);
        }
      }),
      runs(500),
    );
  });

  it('requestJson: any status and body yields a checked success or a typed error', async () => {
    const body = fc.oneof(fc.string(), fc.json(), errorLike.map((b) => JSON.stringify(b)), tokenLike.map((b) => JSON.stringify(b)), fc.string().map((s) => `<html>${s}`));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), body, async (status, text) => {
        const http: HttpClient = { send: async () => ({ status, headers: {}, body: text }) };
        try {
          const value = await requestJson(http, { method: 'POST', url: 'https://idp.example/token', body: 'grant_type=x' }, tokenResponseSchema, 'Token response');
          expect(status >= 200 && status < 300).toBe(true);
          expect(typeof value.access_token).toBe('string');
          expect(typeof value.token_type).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(TesseraError);
        }
      }),
      runs(500),
    );
  });

  it('durations: any value is refused or becomes whole seconds in [0, MAX_SERVER_SECONDS], never NaN or Infinity', () => {
    const value = fc.oneof(fc.anything(), fc.double(), fc.bigInt().map(String), fc.nat().map(String), fc.stringMatching(/^\d{1,400}$/), fc.constantFrom(Infinity, -0, 1e20, 2 ** 31, '0', ''));
    fc.assert(
      fc.property(value, (v) => {
        const result = seconds.safeParse(v);
        if (!result.success) return;
        expect(Number.isInteger(result.data)).toBe(true);
        expect(result.data).toBeGreaterThanOrEqual(0);
        expect(result.data).toBeLessThanOrEqual(MAX_SERVER_SECONDS);
        expect(typeof v === 'number' ? v >= 0 : /^\d+$/.test(String(v))).toBe(true);
      }),
      runs(500),
    );
  });

  it('access_token: a parsed token response only ever carries printable ASCII with a visible character', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(' ', 'a\r\nb', 'a b', '\u001b[2J')), (access_token) => {
        const result = tokenResponseSchema.safeParse({ access_token, token_type: 'Bearer' });
        expect(result.success).toBe(/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(access_token));
      }),
      runs(500),
    );
  });

  it('parseRetryAfter: any header yields a non-negative delay or none', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (header) => {
        const ms = parseRetryAfter(header);
        if (ms !== undefined) {
          expect(Number.isNaN(ms)).toBe(false);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });
});
