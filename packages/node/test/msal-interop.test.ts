// One cache file shared with the real @azure/msal-node, both ways: what one library writes, the
// other lists, answers silently from, and refreshes with; neither loses the other's data.
import { readFile, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ConfidentialClientApplication, PublicClientApplication } from '@tessera/core';
import { API_RESOURCE, completeAuthorization } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCacheStore, SharedTokenCacheCredential } from '../src/index.js';
import { useDevAuthority, useTempDir } from './credentials-helpers.js';
import { REDIRECT_URI, msalConfidentialClient, msalEntraClient, msalPublicClient } from './support/msal-node-peer.js';

const SCOPES = ['api.read'];

type CacheJson = Record<string, Record<string, Record<string, unknown>>>;
const readCache = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as CacheJson;
/** The entries of one section that belong to `home`. */
const entriesOf = (cache: CacheJson, section: string, home: string) => Object.entries(cache[section] ?? {}).filter(([, e]) => e.home_account_id === home);

describe('a cache file shared with @azure/msal-node', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();
  const tessera = (path: string) =>
    new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });
  const tesseraSignIn = async (app: PublicClientApplication, username: string) => {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: REDIRECT_URI });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username });
    return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  };

  it('Tessera writes into msal-node\'s file: one ID token and refresh token per account, msal-node\'s fields and sections kept; msal-node answers silently, then refreshes with the newest refresh token', async () => {
    const path = join(tmp.path, 'tessera-writes.json');
    const msal = await msalPublicClient(idp.current, path);
    await msal.signIn('ada', SCOPES);
    // Another tool's section and an unknown field on msal-node's account entry.
    const seeded = await readCache(path);
    const [accountKey] = Object.keys(seeded.Account!);
    seeded.Account![accountKey!]!.x_other_tool = 'kept';
    await writeFile(path, JSON.stringify({ ...seeded, OtherTool: { setting: [1, 2] } }));

    const app = tessera(path);
    const [account] = await app.getAccounts();
    expect(account?.username).toBe('ada');
    // Tessera refreshes with msal-node's refresh token: the dev authority rotates it, so only the new one works from now on.
    const refreshed = await app.acquireTokenSilent({ account: account!, scopes: SCOPES, forceRefresh: true });

    const after = await readCache(path);
    expect(after.OtherTool).toEqual({ setting: [1, 2] });
    expect(entriesOf(after, 'IdToken', 'ada')).toHaveLength(1);
    expect(entriesOf(after, 'RefreshToken', 'ada')).toHaveLength(1);
    expect(entriesOf(after, 'AccessToken', 'ada').map(([, e]) => e.secret)).toEqual([refreshed.accessToken]);
    const entry = after.Account![accountKey!]!;
    expect(Object.keys(after.Account!)).toEqual([accountKey]);
    expect(entry).toMatchObject({ x_other_tool: 'kept', name: 'ada', home_account_id: 'ada' });
    expect(entry.tenantProfiles).toEqual(seeded.Account![accountKey!]!.tenantProfiles);

    // msal-node lists the account with its claims and answers from Tessera's token without a request.
    msal.requests.clear();
    const msalAccount = await msal.account('ada');
    expect(msalAccount.name).toBe('ada');
    expect(msalAccount.idTokenClaims?.sub).toBe('ada');
    const silent = await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES });
    expect(silent.accessToken).toBe(refreshed.accessToken);
    expect(msal.requests.size).toBe(0);
    // A refresh with the refresh token msal-node first held would fail (rotated); it succeeds with Tessera's.
    idp.current.clearRequests();
    const forced = await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES, forceRefresh: true });
    expect(forced.accessToken).not.toBe(refreshed.accessToken);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
    expect(entriesOf(await readCache(path), 'RefreshToken', 'ada')).toHaveLength(1);
  });

  it('msal-node refreshes in a file Tessera wrote, and Tessera answers from msal-node\'s tokens without a request', async () => {
    const path = join(tmp.path, 'msal-writes.json');
    const app = tessera(path);
    await tesseraSignIn(app, 'grace');
    await writeFile(path, JSON.stringify({ ...(await readCache(path)), OtherTool: { v: 1 } }));

    const msal = await msalPublicClient(idp.current, path);
    const msalAccount = await msal.account('grace');
    expect(msalAccount.idTokenClaims?.name).toBe('grace');
    // Tessera's access token, found by msal-node without a request.
    const fromCache = await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES });
    expect(msal.requests.size).toBe(0);
    const forced = await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES, forceRefresh: true });
    expect(forced.accessToken).not.toBe(fromCache.accessToken);

    // Tessera (another process: a fresh instance) answers from msal-node's token, then refreshes with msal-node's rotated refresh token.
    const second = tessera(path);
    const [account] = await second.getAccounts();
    idp.current.clearRequests();
    expect((await second.acquireTokenSilent({ account: account!, scopes: SCOPES })).accessToken).toBe(forced.accessToken);
    expect(idp.current.requests).toHaveLength(0);
    await second.acquireTokenSilent({ account: account!, scopes: SCOPES, forceRefresh: true });
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);

    const after = await readCache(path);
    expect(after.OtherTool).toEqual({ v: 1 });
    expect(entriesOf(after, 'RefreshToken', 'grace')).toHaveLength(1);
    expect(entriesOf(after, 'IdToken', 'grace')).toHaveLength(1);
    expect(entriesOf(after, 'Account', 'grace')).toHaveLength(1);
  });

  it('an access token Tessera writes over msal-node\'s of the same key keeps none of the fields that described the old token (resource)', async () => {
    const path = join(tmp.path, 'resource.json');
    const msal = await msalPublicClient(idp.current, path);
    // msal-node's MCP-style request (RFC 8707 resource indicator): its access token entry records the resource.
    const theirs = await msal.signIn('lin', SCOPES, API_RESOURCE);
    const [, seeded] = entriesOf(await readCache(path), 'AccessToken', 'lin')[0]!;
    expect(seeded).toMatchObject({ secret: theirs.accessToken, target: 'api.read', resource: API_RESOURCE });

    // Tessera refreshes (no resource indicator): a new token under the same key.
    const app = tessera(path);
    const [account] = await app.getAccounts();
    const mine = await app.acquireTokenSilent({ account: account!, scopes: SCOPES, forceRefresh: true });
    const written = entriesOf(await readCache(path), 'AccessToken', 'lin');
    expect(written.map(([, e]) => e.secret)).toEqual([mine.accessToken]);
    expect(written[0]![1]).not.toHaveProperty('resource');

    // So msal-node, asked for that resource, does not take Tessera's token for one requested for it: it refreshes.
    msal.requests.clear();
    const again = await msal.app.acquireTokenSilent({ account: await msal.account('lin'), scopes: SCOPES, resource: API_RESOURCE });
    expect(again.accessToken).not.toBe(mine.accessToken);
    expect(msal.requests.get('refresh_token')).toBe(1);
  });

  it('app tokens (client credentials) both ways', async () => {
    const { clientId, clientSecret } = idp.current.clients.confidential;
    const tesseraApp = (path: string) =>
      new ConfidentialClientApplication({ clientId, clientCredential: { clientSecret }, authority: idp.current.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });

    const first = join(tmp.path, 'app-tessera-first.json');
    const mine = await tesseraApp(first).acquireTokenForClient({ scopes: SCOPES });
    const msal = await msalConfidentialClient(idp.current, first);
    expect((await msal.app.acquireTokenByClientCredential({ scopes: SCOPES }))?.accessToken).toBe(mine.accessToken);
    expect(msal.requests.size).toBe(0);

    const second = join(tmp.path, 'app-msal-first.json');
    const peer = await msalConfidentialClient(idp.current, second);
    const theirs = await peer.app.acquireTokenByClientCredential({ scopes: SCOPES });
    idp.current.clearRequests();
    const read = await tesseraApp(second).acquireTokenForClient({ scopes: SCOPES });
    expect(read).toMatchObject({ accessToken: theirs!.accessToken, fromCache: true });
    expect(idp.current.requests).toHaveLength(0);
  });
});

describe('SharedTokenCacheCredential on a msal.cache msal-node produced', () => {
  // 3 s tokens are inside both libraries' expiry margins (Tessera's is at least 5 s): every call refreshes.
  const idp = useDevAuthority({ accessTokenTtl: 3 });
  const tmp = useTempDir();

  it('refreshes and writes back: msal-node\'s entries and sections intact, one refresh token, which msal-node then redeems', async () => {
    const path = join(tmp.path, 'msal.cache');
    const msal = await msalPublicClient(idp.current, path);
    await msal.signIn('ada', SCOPES);
    const client = await msalConfidentialClient(idp.current, path);
    await client.app.acquireTokenByClientCredential({ scopes: SCOPES });
    await writeFile(path, JSON.stringify({ ...(await readCache(path)), OtherTool: { kept: true } }));
    const before = await readCache(path);

    idp.current.clearRequests();
    const credential = new SharedTokenCacheCredential({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cachePath: path });
    const token = await credential.getToken(SCOPES[0]!);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);

    const after = await readCache(path);
    expect(after.OtherTool).toEqual({ kept: true });
    expect(after.AppMetadata).toMatchObject(before.AppMetadata ?? {});
    // msal-node's app token (no account) is untouched.
    expect(entriesOf(after, 'AccessToken', '')).toEqual(entriesOf(before, 'AccessToken', ''));
    expect(entriesOf(after, 'AccessToken', 'ada').map(([, e]) => e.secret)).toEqual([token.token]);
    expect(entriesOf(after, 'RefreshToken', 'ada')).toHaveLength(1);
    expect(entriesOf(after, 'IdToken', 'ada')).toHaveLength(1);
    expect(Object.keys(after.Account!)).toEqual(Object.keys(before.Account!));
    const [[key, old]] = Object.entries(before.Account!) as [[string, Record<string, unknown>]];
    expect(after.Account![key]).toMatchObject({ name: old.name, username: old.username, tenantProfiles: old.tenantProfiles });

    // msal-node redeems the refresh token the credential wrote (the one it first held was rotated away).
    idp.current.clearRequests();
    await msal.app.acquireTokenSilent({ account: await msal.account('ada'), scopes: SCOPES });
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);
  });
});

describe('an Entra account (client_info, family refresh token) shared with @azure/msal-node', () => {
  // Entra's shapes (client_info, foci, tid/oid) that no local product serves: a stub on 127.0.0.1 plays Entra.
  const CLIENT = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const UID = '9f4880d8-80ba-4c40-97bc-f7a23c703084';
  const HOME = `${UID}.${TID}`;
  const tmp = useTempDir();
  const entra = { origin: '', issued: [] as string[], redeemed: [] as string[] };
  let server: Server;
  beforeAll(async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url!.endsWith('/v2.0/.well-known/openid-configuration')) {
          return json({
            issuer: `${entra.origin}/${TID}/v2.0`,
            authorization_endpoint: `${entra.origin}/${TID}/oauth2/v2.0/authorize`,
            token_endpoint: `${entra.origin}/${TID}/oauth2/v2.0/token`,
            jwks_uri: `${entra.origin}/${TID}/discovery/v2.0/keys`,
          });
        }
        const body = new URLSearchParams(raw);
        if (body.get('grant_type') === 'refresh_token') entra.redeemed.push(body.get('refresh_token')!);
        const n = entra.issued.length;
        entra.issued.push(`rt-${n}`);
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: `${entra.origin}/${TID}/v2.0`, aud: CLIENT, sub: 'pairwise', oid: UID, tid: TID, preferred_username: 'ada@contoso.com', name: 'Ada', iat: now, exp: now + 3600 };
        json({
          token_type: 'Bearer', scope: 'https://graph.microsoft.com/User.Read', expires_in: 3599, ext_expires_in: 3599,
          access_token: `at-${n}`, refresh_token: `rt-${n}`, id_token: `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`,
          client_info: b64({ uid: UID, utid: TID }), foci: '1',
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    entra.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("Tessera refreshes in msal-node's file: one family refresh token, one ID token, the account keeps msal-node's tenant profiles; msal-node then uses Tessera's tokens", async () => {
    const path = join(tmp.path, 'entra.json');
    const msal = await msalEntraClient(entra.origin, TID, CLIENT, path);
    await msal.app.acquireTokenByCode({ code: 'code', scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: REDIRECT_URI });
    const before = await readCache(path);

    const app = new PublicClientApplication({
      clientId: CLIENT, authority: `${entra.origin}/${TID}`, knownEntraHosts: [new URL(entra.origin).host], instanceDiscovery: false,
      cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }),
    });
    const [account] = await app.getAccounts();
    expect(account).toMatchObject({ homeAccountId: HOME, username: 'ada@contoso.com', tenantId: TID });
    const refreshed = await app.acquireTokenSilent({ account: account!, scopes: ['https://graph.microsoft.com/User.Read'], forceRefresh: true });
    expect(entra.redeemed).toEqual(['rt-0']);

    const after = await readCache(path);
    expect(entriesOf(after, 'RefreshToken', HOME).map(([key, e]) => [key, e.secret])).toEqual([[`${HOME}-${new URL(entra.origin).host}-refreshtoken-1---`, 'rt-1']]);
    expect(entriesOf(after, 'IdToken', HOME)).toHaveLength(1);
    expect(Object.keys(after.Account!)).toEqual(Object.keys(before.Account!));
    expect(Object.values(after.Account!)[0]).toMatchObject({ tenantProfiles: Object.values(before.Account!)[0]!.tenantProfiles, client_info: expect.any(String) });

    msal.requests.clear();
    const [msalAccount] = await msal.app.getAllAccounts();
    expect(msalAccount?.idTokenClaims?.name).toBe('Ada');
    const silent = await msal.app.acquireTokenSilent({ account: msalAccount!, scopes: ['https://graph.microsoft.com/User.Read'] });
    expect(silent.accessToken).toBe(refreshed.accessToken);
    expect(msal.requests.size).toBe(0);
    await msal.app.acquireTokenSilent({ account: msalAccount!, scopes: ['https://graph.microsoft.com/User.Read'], forceRefresh: true });
    expect(entra.redeemed).toEqual(['rt-0', 'rt-1']);
  });
});

describe('msal-node access tokens partitioned by attribute tokens (additionalCacheKeyComponents)', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();

  it("stay msal-node's partition: Tessera neither serves them to its requests nor replaces them with its tokens", async () => {
    const path = join(tmp.path, 'partitioned.json');
    const msal = await msalPublicClient(idp.current, path);
    await msal.signIn('ada', SCOPES);
    const msalAccount = await msal.account('ada');
    // msal-node's token for the same scopes in its attribute-token partition (it replaces the plain one).
    const partitioned = await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES, attributeTokens: ['attr-1'] });
    const withComponents = (cache: CacheJson) => Object.values(cache.AccessToken ?? {}).filter((e) => e.additionalCacheKeyComponents !== undefined);
    expect(withComponents(await readCache(path)).map((e) => e.secret)).toEqual([partitioned.accessToken]);

    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });
    const [account] = await app.getAccounts();
    // A plain request is no request of that partition: it refreshes rather than take that token.
    idp.current.clearRequests();
    const mine = await app.acquireTokenSilent({ account: account!, scopes: SCOPES });
    expect(mine.accessToken).not.toBe(partitioned.accessToken);
    expect(idp.current.countRequests({ grantType: 'refresh_token' })).toBe(1);

    // Tessera's plain token sits beside msal-node's partitioned one, which keeps its components; each library's requests find their own.
    const after = await readCache(path);
    expect(withComponents(after).map((e) => e.secret)).toEqual([partitioned.accessToken]);
    expect(Object.values(after.AccessToken!).map((e) => e.secret).sort()).toEqual([mine.accessToken, partitioned.accessToken].sort());
    msal.requests.clear();
    expect((await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES, attributeTokens: ['attr-1'] })).accessToken).toBe(partitioned.accessToken);
    expect((await msal.app.acquireTokenSilent({ account: msalAccount, scopes: SCOPES })).accessToken).toBe(mine.accessToken);
    expect(msal.requests.size).toBe(0);
  });
});

describe('on-behalf-of tokens in a cache file shared with @azure/msal-node', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();

  it("Tessera answers msal-node's exchange of the same assertion from the file, and another assertion's exchange is not answered with it", async () => {
    const path = join(tmp.path, 'obo.json');
    const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const assertion = async (username: string) => (await native.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' })).accessToken;
    const { clientId, clientSecret } = idp.current.clients.confidential;
    const msal = await msalConfidentialClient(idp.current, path);
    const [ada, bob] = [await assertion('ada'), await assertion('bob')];
    const theirs = await msal.app.acquireTokenOnBehalfOf({ scopes: SCOPES, oboAssertion: ada });

    idp.current.clearRequests();
    const api = new ConfidentialClientApplication({ clientId, clientCredential: { clientSecret }, authority: idp.current.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });
    expect(await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: ada })).toMatchObject({ accessToken: theirs!.accessToken, fromCache: true });
    expect(idp.current.requests).toHaveLength(0);
    // Another assertion is another user's: exchanged, not answered with ada's token.
    expect((await api.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: bob })).accessToken).not.toBe(theirs!.accessToken);
  });

  it("msal-node answers its exchange of the same assertion from Tessera's token (no request), exchanges another assertion, and Tessera then reads msal-node's", async () => {
    const path = join(tmp.path, 'obo-tessera-first.json');
    const native = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const assertion = async (username: string) => (await native.acquireTokenByUsernamePassword({ scopes: SCOPES, username, password: 'pw' })).accessToken;
    const [ada, bob] = [await assertion('ada'), await assertion('bob')];
    const { clientId, clientSecret } = idp.current.clients.confidential;
    const api = () => new ConfidentialClientApplication({ clientId, clientCredential: { clientSecret }, authority: idp.current.issuer, cacheStore: new FileCacheStore({ path, allowUnencryptedStorage: true }) });
    const mine = await api().acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: ada });
    // Still MSAL Python's spelling too (its readers match `user_assertion_hash`).
    const written = Object.values((await readCache(path)).AccessToken!);
    expect(written.map((e) => [e.secret, e.user_assertion_hash === e.userAssertionHash && typeof e.userAssertionHash === 'string'])).toEqual([[mine.accessToken, true]]);

    const msal = await msalConfidentialClient(idp.current, path);
    // msal-node's on-behalf-of lookup does not call the cache plugin (msal-node issue #5502): its documented
    // way to load the file first (docs/performance.md).
    await msal.app.getTokenCache().getAllAccounts();
    const found = await msal.app.acquireTokenOnBehalfOf({ scopes: SCOPES, oboAssertion: ada });
    expect(found).toMatchObject({ accessToken: mine.accessToken, fromCache: true });
    expect(msal.requests.size).toBe(0);
    // Another assertion is not answered with ada's token: msal-node exchanges it.
    const bobs = await msal.app.acquireTokenOnBehalfOf({ scopes: SCOPES, oboAssertion: bob });
    expect(bobs!.accessToken).not.toBe(mine.accessToken);
    expect(msal.requests.get('urn:ietf:params:oauth:grant-type:jwt-bearer')).toBe(1);

    // The other way: msal-node's new exchange of ada's assertion replaces Tessera's token, and Tessera answers from msal-node's tokens.
    const theirs = await msal.app.acquireTokenOnBehalfOf({ scopes: SCOPES, oboAssertion: ada, skipCache: true });
    expect(theirs!.accessToken).not.toBe(mine.accessToken);
    idp.current.clearRequests();
    const reader = api();
    expect(await reader.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: ada })).toMatchObject({ accessToken: theirs!.accessToken, fromCache: true });
    expect(await reader.acquireTokenOnBehalfOf({ scopes: SCOPES, userAssertion: bob })).toMatchObject({ accessToken: bobs!.accessToken, fromCache: true });
    expect(idp.current.requests).toHaveLength(0);
  });
});
