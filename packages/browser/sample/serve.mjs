#!/usr/bin/env node
// A tiny static server for the sample SPA (127.0.0.1 only). It serves
//   /            the bundled sample (sample/dist/app.js, built by `pnpm build`),
//   /cdn.html    the same UI on the CDN file, imported with <script type="module"> from `cdnUrl`,
//   /tessera-browser.min.js  the CDN file itself (CORS open, so another origin can act as the CDN).
//
//   node packages/browser/sample/serve.mjs                       # starts a dev authority too
//   node packages/browser/sample/serve.mjs --authority http://127.0.0.1:4000 --port 5173
//
// Programmatic use (tests, the demo): `startSampleServer({ port, authority, ... })`.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';

/**
 * @param {{ port?: number, authority?: string, clientId?: string, scopes?: string[], cdnUrl?: string,
 *           appFile?: string, cdnFile?: string, cacheControl?: string, crossOriginOpenerPolicy?: string }} [options]
 * `authority` and `cdnUrl` may also be set later on the returned `config` (before pages load).
 */
export async function startSampleServer(options = {}) {
  const appFile = options.appFile ?? join(here, 'dist', 'app.js');
  const cdnFile = options.cdnFile ?? join(here, '..', 'dist', 'tessera-browser.min.js');
  // no-store: a rebuilt bundle is always picked up (it also keeps Chromium from putting a page that
  // fetched tokens into the back-forward cache; the bfcache tests serve `no-cache`, as SPA hosts do).
  const cacheControl = options.cacheControl ?? 'no-store';
  const config = {
    authority: options.authority,
    clientId: options.clientId ?? 'tessera-spa',
    scopes: options.scopes ?? ['api.read'],
    cdnUrl: options.cdnUrl ?? '/tessera-browser.min.js',
    /** 'query' or 'fragment' (the client's default). */
    responseMode: undefined,
    /** Bind tokens to a DPoP key (the client's `dpop` option). */
    dpop: undefined,
    /** Where the client keeps its cache (the client's `cache` option; default IndexedDB). */
    cache: undefined,
  };

  const page = async (title, script) =>
    (await readFile(join(here, 'page.html'), 'utf8'))
      .replaceAll('%TITLE%', title)
      .replace('%CONFIG%', JSON.stringify({ ...config, cdnUrl: undefined }).replaceAll('<', '\\u003c'))
      .replace('%SCRIPT%', script);

  const routes = {
    '/': async () => ['text/html', await page('bundled with rollup', '<script type="module" src="/app.js"></script>')],
    '/cdn.html': async () => [
      'text/html',
      await page(
        `CDN file from ${config.cdnUrl}`,
        `<script type="module">
    import * as tessera from ${JSON.stringify(config.cdnUrl)};
    import { start } from '/ui.js';
    start(tessera, JSON.parse(document.getElementById('tessera-config').textContent));
  </script>`,
      ),
    ],
    '/ui.js': async () => ['text/javascript', await readFile(join(here, 'ui.js'))],
    '/app.js': async () => ['text/javascript', await readFile(appFile)],
    '/tessera-browser.min.js': async () => ['text/javascript', await readFile(cdnFile)],
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    try {
      if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const [type, body] = await route();
      const coop = type === 'text/html' && options.crossOriginOpenerPolicy ? { 'cross-origin-opener-policy': options.crossOriginOpenerPolicy } : {};
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': cacheControl, 'access-control-allow-origin': '*', ...coop });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.message ?? error));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, resolve);
  });
  const { port } = server.address();
  const origin = `http://${HOST}:${port}`;
  return {
    origin,
    port,
    config,
    /** Redirect URIs to register for the SPA client. */
    redirectUris: [`${origin}/`, `${origin}/cdn.html`],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name) => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? undefined : args[i + 1];
  };
  const port = Number(arg('port') ?? 5173);
  const sample = await startSampleServer({ port, authority: arg('authority') });
  let authority;
  if (!sample.config.authority) {
    // No authority given: run the dev authority in this process, with the sample's URIs registered.
    const { startDevAuthority } = await import('@tessera/dev-authority');
    authority = await startDevAuthority({ spaRedirectUris: sample.redirectUris, accessTokenTtl: Number(arg('access-token-ttl') ?? 3600) });
    sample.config.authority = authority.issuer;
  }
  console.log(`Tessera sample SPA
  bundled app:  ${sample.origin}/
  CDN page:     ${sample.origin}/cdn.html
  authority:    ${sample.config.authority}${authority ? ' (dev authority; any username and password)' : ''}
Press Ctrl-C to stop.`);
  const stop = () => void Promise.all([sample.close(), authority?.close()]).finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
