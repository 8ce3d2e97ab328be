// End-to-end harness: the sample SPA and the CDN file built once per source state, a real dev
// authority, static servers on 127.0.0.1, and Debian's Chromium driven by playwright-core.
import { expiryMarginSeconds } from '../../../core/src/flows/silent.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { rollup } from 'rollup';
import { afterAll, beforeAll, expect } from 'vitest';
import { startDevAuthority, type DevAuthority, type DevAuthorityOptions } from '@tessera/dev-authority';
import { bundleConfigs } from '../../rollup.bundles.mjs';
import { type SampleServer, startSampleServer } from '../../sample/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Browser tests run wherever Chromium is; CI must have it (there a missing browser fails). */
export const skipBrowserTests = !existsSync(CHROMIUM) && !process.env.CI;

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
 * named by a hash of their sources, once for all test files (workers race harmlessly: the first
 * rename wins).
 */
export async function buildBundles(): Promise<{ appFile: string; cdnFile: string }> {
  const hash = createHash('sha256');
  for (const dir of [join(packages, 'core', 'src'), join(browserPackage, 'src'), join(browserPackage, 'sample')]) {
    for (const file of [...files(dir)].sort()) hash.update(file).update(readFileSync(file));
  }
  hash.update(readFileSync(join(browserPackage, 'rollup.bundles.mjs')));
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

export interface E2E {
  idp: DevAuthority;
  app: SampleServer;
  browser: Browser;
  /** A fresh browser profile (own IndexedDB, storage, cookies): one user's browser. */
  newContext(): Promise<BrowserContext>;
}

/** Starts the sample server, a dev authority that knows its redirect URIs, and Chromium. */
export function useE2E(options: { idp?: DevAuthorityOptions; cdnOrigin?: boolean } = {}): E2E {
  const env = {} as E2E & { cdn?: SampleServer };
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    const bundles = await buildBundles();
    env.app = await startSampleServer({ ...bundles });
    if (options.cdnOrigin) {
      // A second origin serves the CDN file, as a CDN would.
      env.cdn = await startSampleServer({ ...bundles });
      env.app.config.cdnUrl = `${env.cdn.origin}/tessera-browser.min.js`;
    }
    env.idp = await startDevAuthority({ ...options.idp, spaRedirectUris: env.app.redirectUris });
    env.app.config.authority = env.idp.issuer;
    // Playwright gives the browser a fresh temporary profile; each context is a separate user.
    env.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    env.newContext = async () => {
      const context = await env.browser.newContext();
      contexts.push(context);
      return context;
    };
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await env.browser?.close();
    await Promise.all([env.app?.close(), env.cdn?.close(), env.idp?.close()]);
  });
  return env;
}

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
export function storedCache(page: Page): Promise<Record<string, Record<string, unknown>> | undefined> {
  return page.evaluate(
    () =>
      new Promise<Record<string, Record<string, unknown>> | undefined>((resolve, reject) => {
        const open = indexedDB.open('tessera-tessera-spa');
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
  );
}

/** Number of accounts and refresh tokens in the stored cache. */
export async function storedSession(page: Page): Promise<{ accounts: number; refreshTokens: number }> {
  const cache = await storedCache(page);
  return { accounts: Object.keys(cache?.Account ?? {}).length, refreshTokens: Object.keys(cache?.RefreshToken ?? {}).length };
}
