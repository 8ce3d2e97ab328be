import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublicClientApplication, clearMetadataCache } from '@tessera/core';
import { acquireTokenInteractive } from '@tessera/node';
import { expect, finishSignIn, test } from './support/fixtures.js';

// Issue 10 item 1 in a real Chromium: a web page open in the user's browser fires no-cors requests
// at the loopback port during the sign-in (`GET //`, forged responses, an error without state).
// The listener answers them and the user's sign-in still completes.

let site: Server;
let siteUrl = '';
test.beforeAll(async () => {
  clearMetadataCache();
  // The hostile page: fires at the port given in its query string and reports when done.
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><title>hostile</title><script>
      const port = new URLSearchParams(location.search).get('port');
      const targets = ['//', '//evil.example/', '/?state=forged&code=planted', '/?error=access_denied', '/%zz?state=%', '/?code=x'];
      Promise.allSettled(targets.map((t) => fetch('http://127.0.0.1:' + port + t, { mode: 'no-cors' })))
        .then((results) => { document.title = 'done ' + results.map((r) => r.status).join(','); });
    </script>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
});
test.afterAll(async () => {
  await new Promise((resolve) => site?.close(resolve));
});

test('no-cors requests from a web page neither crash nor end the loopback sign-in', async ({ idp, context }) => {
  const hostile = await context.newPage();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const app = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer });
  let titleBefore = '';
  let titleAfter = '';
  let driving: Promise<void> | undefined;
  const result = await acquireTokenInteractive(app, {
    scopes: ['api.read'],
    timeoutMs: 30_000,
    openBrowser: (url) => {
      const port = new URL(url).port;
      driving = (async () => {
        // Before the browser reaches the provider, and again after (while the code is on its way).
        await hostile.goto(`${siteUrl}?port=${port}`);
        await hostile.waitForFunction(() => document.title.startsWith('done'));
        titleBefore = await hostile.title();
        await page.goto(url);
        await hostile.reload();
        await hostile.waitForFunction(() => document.title.startsWith('done'));
        titleAfter = await hostile.title();
        await finishSignIn(page, 'survivor');
      })();
      driving.catch(() => undefined);
    },
  });
  await driving;
  // Every request got an (opaque) answer: the listener was up for all of them.
  expect(titleBefore).toBe('done fulfilled,fulfilled,fulfilled,fulfilled,fulfilled,fulfilled');
  expect(titleAfter).toBe('done fulfilled,fulfilled,fulfilled,fulfilled,fulfilled,fulfilled');
  expect(result.idTokenClaims?.sub).toBe('survivor');
});
