// The browser's DPoP key record (`dpop-key` in IndexedDB) when it is not a usable ES256 key pair:
// replaced by a new key with a warning, and DPoP works again without clearing the site's data. The
// dev authority registers the sample DPoP-bound and checks every proof; the tests assert on what it
// saw and on what IndexedDB holds afterwards.
import type { Page } from '@playwright/test';
import { expect, jktOf, openSample, signInAtAuthority, signInWithRedirect, storedCache, storedDpopKey, test, thumbprint, tokenRequests } from './support/e2e.js';

test.use({ idpOptions: { dpop: { requireNonce: true, boundClients: ['tessera-spa'], exposeErrorDetail: true } } });

/** Records that are not a usable DPoP key pair, as another script, an older version or a half-done write may leave them. */
const BAD_RECORDS = {
  'a string': 'not a key',
  'a public JWK (not a CryptoKey)': 'jwk',
  'half a pair (the private key only)': 'half',
  'an ECDSA P-384 key pair': 'p384',
  'an RSA key pair': 'rsa',
  'a P-256 private key with a P-384 public key': 'mixed',
  // Both halves usable on their own: only a signature tells (core's isOneKeyPair); the proofs would fail at the provider.
  'the halves of two P-256 key pairs': 'two-keys',
  'the non-extractable halves of two P-256 key pairs, as Tessera stores its own': 'two-stored-keys',
} as const;
type BadRecord = (typeof BAD_RECORDS)[keyof typeof BAD_RECORDS];

/** Writes the `dpop-key` record of the sample's database; resolves to the private `d` when the record holds key material (to show it is not logged). */
function writeDpopRecord(page: Page, kind: BadRecord): Promise<string | undefined> {
  return page.evaluate(async (kind) => {
    const extractable = async (params: EcKeyGenParams | RsaHashedKeyGenParams) => (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
    const p256 = () => extractable({ name: 'ECDSA', namedCurve: 'P-256' });
    let record: unknown = kind;
    let d: string | undefined;
    if (kind === 'jwk') {
      const jwk = await crypto.subtle.exportKey('jwk', (await p256()).privateKey);
      record = { ...jwk };
      d = jwk.d;
    } else if (kind === 'half') record = { privateKey: (await p256()).privateKey };
    else if (kind === 'p384') record = await extractable({ name: 'ECDSA', namedCurve: 'P-384' });
    else if (kind === 'mixed') record = { privateKey: (await p256()).privateKey, publicKey: (await extractable({ name: 'ECDSA', namedCurve: 'P-384' })).publicKey };
    else if (kind === 'two-keys') record = { privateKey: (await p256()).privateKey, publicKey: (await p256()).publicKey };
    else if (kind === 'two-stored-keys') {
      const stored = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;
      record = { privateKey: (await stored()).privateKey, publicKey: (await stored()).publicKey };
    }
    else if (kind === 'rsa') record = await extractable({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' });
    if (record && typeof record === 'object' && 'privateKey' in record && (record as CryptoKeyPair).privateKey.extractable) d = (await crypto.subtle.exportKey('jwk', (record as CryptoKeyPair).privateKey)).d;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('tessera-tessera-spa');
      open.onupgradeneeded = () => open.result.createObjectStore('cache');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('cache', 'readwrite');
      tx.objectStore('cache').put(record, 'dpop-key');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    return d;
  }, kind);
}

type PageClient = {
  loginPopup(r: object): Promise<{ accessToken: string; tokenType: string }>;
  dpopHeaders(result: object, request: object): Promise<{ dpop: string }>;
};
type SampleWindow = {
  sample: { client: { constructor: unknown }; config: { scopes: string[] }; lib: { browserDpop: unknown; browserPopup: unknown } };
  logs: Array<[string, string]>;
  clients: PageClient[];
};

/** Makes `count` DPoP clients of the sample's client id in the page, all logging into `window.logs`. */
function makeClients(page: Page, authority: string, count: number): Promise<void> {
  return page.evaluate(
    ({ authority, count }) => {
      const w = window as unknown as SampleWindow;
      const Client = w.sample.client.constructor as new (o: object) => PageClient;
      w.logs = [];
      const logger = { log: (level: string, message: string) => w.logs.push([level, message]) };
      w.clients = Array.from({ length: count }, () => new Client({ clientId: 'tessera-spa', authority, scopes: w.sample.config.scopes, dpop: w.sample.lib.browserDpop, popup: w.sample.lib.browserPopup, logger, level: 'warning' }));
    },
    { authority, count },
  );
}

const proofJwk = (proof: string) => (JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString()) as { jwk: JsonWebKey }).jwk;
const warnings = (page: Page) => page.evaluate(() => (window as unknown as SampleWindow).logs.filter(([level]) => level === 'warning').map(([, message]) => message));

for (const [name, kind] of Object.entries(BAD_RECORDS)) {
  test(`a dpop-key record that is ${name} is replaced by a new key, with a warning; a DPoP sign-in then works`, async ({ idp, app, page }) => {
    await openSample(page, `${app.origin}/`);
    const secret = await writeDpopRecord(page, kind);
    await makeClients(page, idp.issuer, 1);
    idp.clearRequests();

    const popupOpened = page.context().waitForEvent('page');
    const signIn = page.evaluate(() => {
      const w = window as unknown as SampleWindow;
      return w.clients[0]!.loginPopup({ scopes: w.sample.config.scopes }).then(
        (r) => ({ accessToken: r.accessToken, tokenType: r.tokenType }),
        (e: Error & { code?: string }) => ({ error: `${e.code}: ${e.message}` }),
      );
    });
    await signInAtAuthority(await popupOpened, idp, 'recovered');
    const result = await signIn;
    expect(result).toMatchObject({ tokenType: 'DPoP' });

    // IndexedDB now holds a usable key: a non-extractable P-256 CryptoKey pair.
    const key = await storedDpopKey(page);
    expect(key).toMatchObject({ cryptoKey: true, extractable: false, jwk: { kty: 'EC', crv: 'P-256' } });
    const jkt = thumbprint(key!.jwk);
    // The provider checked the proofs (the first asked for a nonce) and bound the code and the token to that key.
    expect(tokenRequests(idp, 'authorization_code').map((r) => [r.status, r.error ?? null, r.dpopJkt])).toEqual([
      [400, 'use_dpop_nonce', jkt],
      [200, null, jkt],
    ]);
    expect(await jktOf(idp, (result as { accessToken: string }).accessToken)).toBe(jkt);

    // One warning that says what happened, without the record's content.
    const logged = await warnings(page);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('dpop-key');
    expect(logged[0]).toContain('not a usable ES256 key pair');
    if (secret) expect(JSON.stringify(await page.evaluate(() => (window as unknown as SampleWindow).logs))).not.toContain(secret);
  });
}

test('after the key is replaced, tokens bound to the old key are not served: the app must sign in again', async ({ idp, app, page }) => {
  app.config.dpop = true;
  try {
    await openSample(page, `${app.origin}/`);
    const first = await signInWithRedirect(page, idp, 'old-key');
    const oldJkt = await jktOf(idp, first);
    await writeDpopRecord(page, 'not a key');

    // A reload: the sample's client loads the key, finds the record unusable and replaces it.
    await openSample(page, `${app.origin}/`);
    idp.clearRequests();
    const silent = await page.evaluate(async () => {
      const { client, config } = (window as unknown as { sample: { client: { acquireTokenSilent(r: object): Promise<unknown> }; config: { scopes: string[] } } }).sample;
      return client.acquireTokenSilent({ scopes: config.scopes }).then(
        () => 'served',
        (e: Error & { code?: string; name: string }) => `${e.name} ${e.code}`,
      );
    });
    expect(silent).toBe('InteractionRequiredError no_tokens_found');
    // The old refresh token was not sent with a proof of the new key; the old tokens stay cached under the old key.
    expect(idp.requests.filter((r) => r.path === '/token')).toEqual([]);
    const key = await storedDpopKey(page);
    expect(key).toMatchObject({ cryptoKey: true, extractable: false });
    expect(thumbprint(key!.jwk)).not.toBe(oldJkt);
    const cache = await storedCache(page);
    expect(Object.values(cache!.AccessToken!).map((at) => (at as { key_id: string }).key_id)).toEqual([oldJkt]);
    expect(Object.values(cache!.RefreshToken!).map((rt) => (rt as { key_id: string }).key_id)).toEqual([oldJkt]);
  } finally {
    app.config.dpop = undefined;
  }
});

for (const kind of ['half', 'two-keys'] as const) test(`two tabs replacing an unusable record (${kind}) at once end with one key, stored, that both sign with`, async ({ idp, app, context, page }) => {
  const other = await context.newPage();
  for (const tab of [page, other]) await openSample(tab, `${app.origin}/`);
  await writeDpopRecord(page, kind);
  // Two clients in each tab: four loads that all read the unusable record before any replaces it.
  for (const tab of [page, other]) await makeClients(tab, idp.issuer, 2);
  const proofs = (tab: Page) =>
    tab.evaluate(() => {
      const w = window as unknown as SampleWindow;
      const result = { accessToken: 'token', tokenType: 'DPoP', expiresOn: new Date(), scopes: [], fromCache: false };
      return Promise.all(w.clients.map(async (c) => (await c.dpopHeaders(result, { method: 'GET', url: 'https://api.example/orders' })).dpop));
    });
  const signed = (await Promise.all([proofs(page), proofs(other)])).flat();
  const stored = await storedDpopKey(page);
  expect(stored).toMatchObject({ cryptoKey: true, extractable: false });
  expect(signed.map((proof) => thumbprint(proofJwk(proof)))).toEqual(Array(4).fill(thumbprint(stored!.jwk)));
  // Only the load that replaced the record warns.
  expect([...(await warnings(page)), ...(await warnings(other))]).toHaveLength(1);
});
