// Options of the public entry points are checked by zod schemas: a wrong call fails before any
// request with a ConfigurationError that names the option and what to pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ConfidentialClientApplication, ConfigurationError, PublicClientApplication } from '../src/index.js';
import { BrowserClient } from '../../browser/src/browser-client.js';
import { plainSilentOptions, silentOptionsSchema } from '../src/flows/options.js';
import { LOOPBACK_REDIRECT, useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];

/** Awaits a ConfigurationError (`invalid_options`) whose message matches every pattern. */
async function misuse(work: () => unknown, ...patterns: RegExp[]): Promise<ConfigurationError> {
  let error: unknown;
  try {
    await work();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as ConfigurationError).code).toBe('invalid_options');
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  return error as ConfigurationError;
}

describe('options validation against the dev authority', () => {
  const idp = useDevAuthority();
  const confidential = () =>
    new ConfidentialClientApplication({ clientId: idp.current.clients.confidential.clientId, clientCredential: idp.current.clients.confidential.clientSecret, authority: idp.current.issuer });
  const native = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });

  it('acquireTokenForClient({ scopes: [] }) names the option and sends nothing; with a scope it works', async () => {
    const app = confidential();
    idp.current.clearRequests();
    for (const scopes of [[], '', ['  '], '   ']) {
      await misuse(() => app.acquireTokenForClient({ scopes }), /^acquireTokenForClient: options\.scopes: name at least one scope/);
    }
    await misuse(() => app.acquireTokenForClient({ scopes: [42] as never }), /options\.scopes/);
    await misuse(() => app.acquireTokenForClient(undefined as never), /^acquireTokenForClient: options: expected an object/);
    expect(idp.current.countRequests({})).toBe(0);
    expect((await app.acquireTokenForClient({ scopes: SCOPES })).fromCache).toBe(false);
  });

  it('initiateDeviceFlow({ scopes: [] }) names the option and sends nothing', async () => {
    const app = native();
    idp.current.clearRequests();
    await misuse(() => app.initiateDeviceFlow({ scopes: [] }), /^initiateDeviceFlow: options\.scopes: name at least one scope/);
    expect(idp.current.countRequests({})).toBe(0);
    expect((await app.initiateDeviceFlow({ scopes: SCOPES })).userCode).toBeTruthy();
  });

  it("acquireTokenSilent with the README's `const [account] = await app.getAccounts()` on an empty cache says to sign in first", async () => {
    const app = native();
    const [account] = await app.getAccounts();
    expect(account).toBeUndefined();
    idp.current.clearRequests();
    const error = await misuse(() => app.acquireTokenSilent({ scopes: SCOPES, account: account! }), /^acquireTokenSilent: options\.account: /, /getAccounts\(\)/, /sign in/);
    expect(error).not.toBeInstanceOf(TypeError);
    await misuse(() => app.acquireTokenSilent({ scopes: SCOPES, account: { homeAccountId: 7 } as never }), /options\.account\.homeAccountId/);
    await misuse(() => app.acquireTokenSilent({ scopes: [], account: { homeAccountId: 'h', environment: 'e', tenantId: 't' } as never }), /options\.scopes/);
    expect(idp.current.countRequests({})).toBe(0);
  });

  it('auth-code, device and refresh entry points check their arguments', async () => {
    const app = native();
    idp.current.clearRequests();
    await misuse(() => app.initiateAuthCodeFlow({ scopes: SCOPES } as never), /^initiateAuthCodeFlow: options\.redirectUri: expected the redirect URI/);
    await misuse(() => app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, prompt: 'always' as never }), /options\.prompt/);
    await misuse(() => app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: LOOPBACK_REDIRECT, maxAge: -1 }), /options\.maxAge/);
    await misuse(() => app.acquireTokenByAuthCodeFlow(undefined as never, 'http://127.0.0.1/?code=c&state=s'), /^acquireTokenByAuthCodeFlow \(flow\): options: expected the flow object initiateAuthCodeFlow returned/);
    await misuse(() => app.acquireTokenByDeviceFlow({} as never), /^acquireTokenByDeviceFlow \(flow\): options\.deviceCode/);
    await misuse(() => app.acquireTokenByRefreshToken('', { scopes: SCOPES }), /^acquireTokenByRefreshToken \(refreshToken\): options: expected the refresh token/);
    await misuse(() => app.acquireTokenByRefreshToken('rt', { scopes: [] }), /options\.scopes/);
    await misuse(() => app.acquireTokenByCode('code', { scopes: SCOPES } as never), /options\.redirectUri/);
    await misuse(() => app.acquireTokenSilent({ scopes: SCOPES, account: { homeAccountId: 'h', environment: 'e', tenantId: 't' } as never, tenant: 5 as never }), /options\.tenant/);
    await misuse(() => confidential().acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: '' }), /options\.userAssertion/);
    expect(idp.current.countRequests({})).toBe(0);
    // Signing in without resource scopes (OIDC scopes only) stays allowed.
    expect((await app.initiateAuthCodeFlow({ scopes: [], redirectUri: LOOPBACK_REDIRECT })).authUri).toContain('scope=openid');
  });
});

describe('client configuration', () => {
  it('a client without clientId is refused at construction, in core and in the browser package', async () => {
    const browser = (o: object) => new BrowserClient(o as never);
    for (const build of [(o: object) => new PublicClientApplication(o as never), (o: object) => new ConfidentialClientApplication({ clientCredential: 's', ...o } as never), browser]) {
      await misuse(() => build({ authority: 'https://login.microsoftonline.com/common' }), /^Client configuration: options\.clientId: expected the client id registered/);
      await misuse(() => build({ clientId: '' }), /options\.clientId/);
      await misuse(() => build({ clientId: 'c', authority: 42 }), /options\.authority/);
      if (build === browser) continue; // the browser client has its own settings, checked where it uses them
      await misuse(() => build({ clientId: 'c', clockSkewSeconds: 'five' }), /options\.clockSkewSeconds/);
      await misuse(() => build({ clientId: 'c', cachePartitioning: 'per-user' }), /options\.cachePartitioning: expected "single" or "perKey"/);
    }
    await misuse(() => new PublicClientApplication(undefined as never), /^Client configuration: options: expected an options object/);
  });
});

describe("acquireTokenSilent's quick options check (plainSilentOptions, used before zod on cache hits)", () => {
  const account = { homeAccountId: 'h', environment: 'e', tenantId: 't' };
  const anything = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(new AbortController().signal), fc.boolean(), fc.string());
  const scopes = fc.oneof(fc.string(), fc.array(fc.string()), fc.array(fc.oneof(fc.string(), fc.integer())), anything);
  const accounts = fc.oneof(fc.constant(account), fc.record({ homeAccountId: anything, environment: anything, tenantId: anything }, { requiredKeys: [] }), anything);
  const options = fc.oneof(
    fc.record({ scopes, account: accounts, signal: anything, claims: anything, tenant: anything, correlationId: anything, forceRefresh: anything }, { requiredKeys: [] }),
    anything,
  );

  it('never accepts what the schema refuses (so a wrong call still gets the schema\'s invalid_options error)', () => {
    fc.assert(
      fc.property(options, (o) => {
        if (plainSilentOptions(o)) expect(z.safeParse(silentOptionsSchema, o).success).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('checks every option the schema has: a wrong value of any of them goes to zod (an option added to the schema alone fails here)', () => {
    const keys = Object.keys(silentOptionsSchema.shape);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const o = { scopes: ['api.read'], account, [key]: Symbol('wrong') };
      expect(z.safeParse(silentOptionsSchema, o).success).toBe(false);
      expect(plainSilentOptions(o)).toBe(false);
    }
  });

  it('accepts options as apps pass them on every call, so cache hits skip the zod parse', () => {
    const signal = new AbortController().signal;
    for (const o of [
      { scopes: ['api.read'], account },
      { scopes: 'User.Read offline_access', account: Object.freeze({ ...account, username: 'u' }) },
      { scopes: ['a', ' '], account, correlationId: 'c', forceRefresh: false, signal, claims: undefined, tenant: undefined, extra: 1 },
    ]) {
      expect(plainSilentOptions(o)).toBe(true);
      expect(z.safeParse(silentOptionsSchema, o).success).toBe(true);
    }
    for (const o of [undefined, [], { scopes: [], account }, { scopes: ' ', account }, { scopes: ['a'], account: { ...account, tenantId: 1 } }, { scopes: ['a'], account, signal: {} }]) {
      expect(plainSilentOptions(o)).toBe(false);
    }
  });
});
