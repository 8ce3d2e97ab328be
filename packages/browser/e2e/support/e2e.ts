// End-to-end harness for Playwright Test: the sample SPA and the CDN file built from the sources once
// per source state, a real dev authority and static servers on 127.0.0.1 (worker fixtures), and
// Playwright's own browser, context and page fixtures (Debian's Chromium, see playwright.config.ts).
import { expiryMarginSeconds } from '../../../core/src/flows/silent.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, test as base, expect } from '@playwright/test';
import { rollup } from 'rollup';
import { completeAuthorization, startDevAuthority, type DevAuthority, type DevAuthorityOptions, type RecordedRequest } from '@tessera/dev-authority';
import { bundleConfigs } from '../../rollup.bundles.mjs';
import { type SampleServer, startSampleServer } from '../../sample/serve.mjs';

const browserPackage = fileURLToPath(new URL('../..', import.meta.url));
const packages = resolve(browserPackage, '..');

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'dist' && name !== 'node_modules') yield* files(path);
    } else yield path;
  }
}

/**
 * Builds the sample (app.js) and the CDN file (tessera-browser.min.js) into a temporary directory
 * named by a hash of their sources, once for all workers and runs (workers race harmlessly: the
 * first rename wins).
 */
export async function buildBundles(): Promise<{ appFile: string; cdnFile: string }> {
  const hash = createHash('sha256');
  for (const dir of [join(packages, 'core', 'src'), join(browserPackage, 'src'), join(browserPackage, 'sample')]) {
    for (const file of [...files(dir)].sort()) hash.update(file).update(readFileSync(file));
  }
  hash.update(readFileSync(join(browserPackage, 'rollup.bundles.mjs')));
  // The bundles carry the packages' versions (x-client-VER).
  for (const dir of [join(packages, 'core'), browserPackage]) hash.update(readFileSync(join(dir, 'package.json')));
  const dir = join(tmpdir(), `tessera-browser-e2e-${hash.digest('hex').slice(0, 16)}`);
  const result = { appFile: join(dir, 'app.js'), cdnFile: join(dir, 'tessera-browser.min.js') };
  if (existsSync(join(dir, 'done'))) return result;
  const work = mkdtempSync(join(tmpdir(), 'tessera-browser-build-'));
  for (const config of bundleConfigs({ outDir: work })) {
    const build = await rollup({ ...config, onwarn: () => {} });
    await build.write(config.output as object);
    await build.close();
  }
  writeFileSync(join(work, 'done'), '');
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another worker was first
  }
  return result;
}

/** Per-file settings of the servers (`test.use({ idpOptions, cdnOrigin })`); a worker serves one combination. */
export interface E2EOptions {
  /** Options of the dev authority (its redirect URIs are the sample server's). */
  idpOptions: DevAuthorityOptions;
  /** A second origin serves the CDN file, as a CDN would. */
  cdnOrigin: boolean;
  /** The sample server's `cache-control` (default `no-store`). */
  cacheControl?: string;
  /** The sample server's `Cross-Origin-Opener-Policy` on its pages (default none). */
  appCrossOriginOpenerPolicy?: string;
}

/** The servers of one worker: the sample app and the dev authority that knows its redirect URIs. */
export interface E2EServers {
  idp: DevAuthority;
  app: SampleServer;
}

/**
 * Playwright Test with the end-to-end servers as worker fixtures (started once per worker and
 * settings, shared by the file's tests). Each test gets Playwright's fresh `context` and `page`: a
 * separate browser profile (own IndexedDB, storage, cookies), one user's browser.
 */
export const test = base.extend<object, E2EOptions & E2EServers & { servers: E2EServers }>({
  idpOptions: [{}, { scope: 'worker', option: true }],
  cdnOrigin: [false, { scope: 'worker', option: true }],
  cacheControl: [undefined, { scope: 'worker', option: true }],
  appCrossOriginOpenerPolicy: [undefined, { scope: 'worker', option: true }],
  servers: [
    async ({ idpOptions, cdnOrigin, cacheControl, appCrossOriginOpenerPolicy }, use) => {
      const bundles = await buildBundles();
      const app = await startSampleServer({ ...bundles, cacheControl, crossOriginOpenerPolicy: appCrossOriginOpenerPolicy });
      const cdn = cdnOrigin ? await startSampleServer({ ...bundles }) : undefined;
      if (cdn) app.config.cdnUrl = `${cdn.origin}/tessera-browser.min.js`;
      // Also the origin alone, without the path's `/` (as MSAL's samples register `http://localhost:3000`).
      const idp = await startDevAuthority({ ...idpOptions, spaRedirectUris: [...app.redirectUris, app.origin] });
      app.config.authority = idp.issuer;
      try {
        await use({ idp, app });
      } finally {
        await Promise.all([app.close(), cdn?.close(), idp.close()]);
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  idp: [async ({ servers }, use) => use(servers.idp), { scope: 'worker' }],
  app: [async ({ servers }, use) => use(servers.app), { scope: 'worker' }],
});

export { expect };

/** Opens a sample page and waits until it has handled a possible redirect. */
export async function openSample(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Signs in on the dev authority's pages (login, then consent when asked; a popup may close right after). */
export async function signInAtAuthority(page: Page, idp: DevAuthority, username = 'alice'): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(idp.issuer));
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', 'password');
  await page.click('#login-form button[type="submit"]');
  const consent = page.locator('#consent-form button[type="submit"]');
  const asked = consent.waitFor().then(
    () => true,
    () => false,
  );
  const back = page.waitForURL((url) => !url.href.startsWith(idp.issuer)).then(
    () => false,
    () => false,
  );
  if (!(await Promise.race([asked, back]))) return;
  try {
    await consent.click();
  } catch (error) {
    if (!page.isClosed()) throw error; // the popup closed as soon as it was back on the app
  }
}

export const text = (page: Page, selector: string) => page.locator(selector).innerText();

/**
 * Runs `start`, which sends the page to the provider's authorization endpoint, but keeps the page
 * where it is (a 204 answers the navigation); resolves to the authorization URL it was sent to.
 */
export async function authorizeUrlOf(page: Page, idp: DevAuthority, start: () => Promise<unknown>): Promise<string> {
  let authorizeUrl = '';
  await page.route(
    (url) => url.href.startsWith(`${idp.issuer}/auth?`),
    (route) => {
      authorizeUrl = route.request().url();
      return route.fulfill({ status: 204 });
    },
  );
  await start();
  await expect.poll(() => authorizeUrl).not.toBe('');
  await page.unrouteAll();
  return authorizeUrl;
}

/**
 * A redirect sign-in started with the sample's button (its flow stored in the page's tab), completed
 * at the provider over HTTP for `username` (the dev authority's driver): the provider's redirect
 * back, not followed.
 */
export async function authorizationResponse(page: Page, idp: DevAuthority, username = 'mallory'): Promise<URL> {
  const authorizeUrl = await authorizeUrlOf(page, idp, () => page.click('#login-redirect'));
  return new URL((await completeAuthorization(authorizeUrl, { username })).redirectUrl);
}

/**
 * Redirect sign-in through the sample's button, back on the app with no error shown; resolves
 * to the access token the page shows.
 */
export async function signInWithRedirect(page: Page, idp: DevAuthority, username: string): Promise<string> {
  await page.click('#login-redirect');
  await signInAtAuthority(page, idp, username);
  await page.waitForSelector('body[data-ready="true"]');
  expect(await text(page, '#error')).toBe('');
  expect(await text(page, '#status')).toBe(`Signed in as ${username}`);
  return text(page, '#token');
}

/**
 * The sample client's DPoP key as IndexedDB holds it (record `dpop-key`): whether the private half
 * is a CryptoKey and extractable, and the public JWK; undefined when none is stored.
 */
export function storedDpopKey(page: Page): Promise<{ cryptoKey: boolean; extractable: boolean; jwk: JsonWebKey } | undefined> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('tessera-tessera-spa');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const pair = await new Promise<CryptoKeyPair | undefined>((resolve, reject) => {
      const get = db.transaction('cache').objectStore('cache').get('dpop-key');
      get.onsuccess = () => resolve(get.result as CryptoKeyPair | undefined);
      get.onerror = () => reject(get.error);
    });
    db.close();
    if (!pair) return undefined;
    return { cryptoKey: pair.privateKey instanceof CryptoKey, extractable: pair.privateKey.extractable, jwk: await crypto.subtle.exportKey('jwk', pair.publicKey) };
  });
}

/** The access token works at the authority's userinfo endpoint. */
export async function expectWorkingToken(idp: DevAuthority, token: string): Promise<void> {
  const response = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
}

/** Waits until core would treat a token expiring at `expiresOn` as expired (300 s margin). */
/** Waits until core no longer serves a token of `lifetimeSeconds` expiring at `expiresOnIso` from the cache. */
export async function waitUntilExpired(expiresOnIso: string, lifetimeSeconds: number): Promise<void> {
  const due = Date.parse(expiresOnIso) - expiryMarginSeconds(lifetimeSeconds) * 1000 + 250;
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
}


/** The sample's cache record in IndexedDB (as the page's origin sees it), parsed; undefined when none. */
export function storedCache(page: Page, clientId = 'tessera-spa'): Promise<Record<string, Record<string, unknown>> | undefined> {
  return page.evaluate(
    (clientId) =>
      new Promise<Record<string, Record<string, unknown>> | undefined>((resolve, reject) => {
        const open = indexedDB.open(`tessera-${clientId}`);
        open.onupgradeneeded = () => open.result.createObjectStore('cache');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('cache').objectStore('cache').get('default');
          get.onsuccess = () => {
            open.result.close();
            resolve(typeof get.result === 'string' ? JSON.parse(get.result) : undefined);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    clientId,
  );
}

/** Number of accounts and refresh tokens in the stored cache. */
export async function storedSession(page: Page): Promise<{ accounts: number; refreshTokens: number }> {
  const cache = await storedCache(page);
  return { accounts: Object.keys(cache?.Account ?? {}).length, refreshTokens: Object.keys(cache?.RefreshToken ?? {}).length };
}

/** RFC 7638 thumbprint of an EC public JWK, computed here rather than by Tessera. */
export const thumbprint = ({ crv, kty, x, y }: JsonWebKey) => createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
/**
 * What the authority says about an (opaque) access token, asked as a resource server would: RFC 7662
 * introspection by a confidential client. A DPoP-bound token is active with `cnf.jkt` and token_type DPoP.
 */
export async function introspect(idp: DevAuthority, token: string): Promise<{ active: boolean; token_type?: string; cnf?: { jkt?: string }; client_id?: string }> {
  const { clientId, clientSecret } = idp.clients.confidential;
  const response = await fetch(`${idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { active: boolean };
}
/** The `cnf.jkt` the authority bound an active access token to. */
export const jktOf = async (idp: DevAuthority, token: string) => {
  const info = await introspect(idp, token);
  expect(info).toMatchObject({ active: true, token_type: 'DPoP', client_id: 'tessera-spa' });
  return info.cnf?.jkt;
};

/** The token requests of a grant type the authority saw. */
export const tokenRequests = (idp: DevAuthority, grantType: string): RecordedRequest[] => idp.requests.filter((r) => r.path === '/token' && r.grantType === grantType);
