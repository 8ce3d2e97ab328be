// Entra-shaped hosts for Chromium: core's Entra stub (Azure AD B2C and External ID as Microsoft
// documents them, see core/test/support/entra-clouds-stub.ts) behind Playwright routes. The page
// talks to https://<t>.b2clogin.com and https://<t>.ciamlogin.com by name (issuers, endpoints and
// CORS as the real hosts), while every request is answered on 127.0.0.1: those names do not resolve
// here, and the real hosts must never be contacted.
import { request as httpRequest } from 'node:http';
import type { BrowserContext, Page } from '@playwright/test';
import { CLIENT_ID, type EntraCloudsStub, startEntraCloudsStub } from '../../../core/test/support/entra-clouds-stub.js';
import { type SampleServer, startSampleServer } from '../../sample/serve.mjs';
import { buildBundles, test as base } from './e2e.js';

/** The scope the stub grants. */
export const ENTRA_SCOPES = ['https://api.contoso.com/read'];

/** Microsoft's B2C and External ID hosts; nothing else is routed (a request to any other https host fails). */
const STUB_HOSTS = /^https:\/\/[a-z0-9-]+\.(b2clogin|ciamlogin)\.com\//;

/** Hop-by-hop and length headers, which the forwarded request sets itself. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding']);

/** Sends the context's requests for the stubbed hosts to the stub, with their host in `x-stub-host`, and returns its answer as the host's. */
export async function routeToStub(context: BrowserContext, stub: EntraCloudsStub): Promise<void> {
  const { hostname, port } = new URL(stub.origin);
  await context.route(STUB_HOSTS, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const headers = Object.fromEntries(Object.entries(await request.allHeaders()).filter(([name]) => !NOT_FORWARDED.has(name) && !name.startsWith(':')));
    const answer = await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const forwarded = httpRequest({ hostname, port, method: request.method(), path: url.pathname + url.search, headers: { ...headers, 'x-stub-host': url.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      });
      forwarded.on('error', reject);
      forwarded.end(request.postDataBuffer() ?? undefined);
    });
    await route.fulfill(answer);
  });
}

/** The Entra stub and a sample server whose SPA is registered with it (CLIENT_ID); set `app.config.authority` per test. */
export interface EntraServers {
  stub: EntraCloudsStub;
  app: SampleServer;
}

/**
 * Playwright Test with the Entra stub and its own sample server (worker fixtures, separate from the
 * dev authority's), and each test's browser context routed to the stub.
 */
export const test = base.extend<{ routed: void }, { entra: EntraServers }>({
  entra: [
    async ({}, use) => {
      const stub = await startEntraCloudsStub();
      const app = await startSampleServer({ ...(await buildBundles()), clientId: CLIENT_ID, scopes: ENTRA_SCOPES });
      try {
        await use({ stub, app });
      } finally {
        await Promise.all([app.close(), stub.close()]);
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  routed: [
    async ({ context, entra }, use) => {
      await routeToStub(context, entra.stub);
      entra.stub.seen.length = 0;
      entra.stub.revoked.clear();
      await use();
    },
    { auto: true },
  ],
});

/**
 * Signs in with the sample's redirect button: the stub's authorize endpoint redirects straight back
 * with a code; resolves when the page has redeemed it and rendered.
 */
export async function redirectSignIn(page: Page): Promise<void> {
  const redeemed = page.waitForResponse((r) => r.url().includes('/oauth2/v2.0/token'));
  await page.click('#login-redirect');
  await redeemed;
  await page.waitForSelector('body[data-ready="true"]');
}
