// @tessera/node tells Entra who calls (issue 15 item 6): x-client-SKU tessera.js.node and the OS,
// from the public client and the credentials. Entra's answers come from an in-memory stub
// transport (Entra-specific shapes; nothing leaves the process).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type HttpClient, type HttpRequest, LIBRARY_VERSION, PublicClientApplication } from '@tessera/core';
import { ClientSecretCredential, NodePublicClientApplication } from '../src/index.js';
import { PACKAGE_VERSION_PLACEHOLDER, packageVersion } from '../../../scripts/package-version.mjs';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

function entraStub(): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const answer = (body: unknown, status = 200) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const http: HttpClient = {
    send: async (request) => {
      sent.push(request);
      const base = `https://login.microsoftonline.com/${TID}`;
      if (request.url.endsWith('/.well-known/openid-configuration')) {
        return answer({ issuer: `${base}/v2.0`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, token_endpoint: `${base}/oauth2/v2.0/token`, jwks_uri: `${base}/discovery/v2.0/keys` });
      }
      if (new URLSearchParams(request.body).get('grant_type') === 'client_credentials') return answer({ token_type: 'Bearer', expires_in: 3599, access_token: 'app-token' });
      return answer({ error: 'invalid_grant', error_description: 'AADSTS70008: expired' }, 400);
    },
  };
  return { http, sent };
}

const expectNodeHeaders = (request: HttpRequest) =>
  expect(request.headers).toMatchObject({
    'x-client-SKU': 'tessera.js.node',
    'x-client-OS': process.platform,
    'x-ms-lib-capability': 'retry-after, h429',
    'return-client-request-id': 'true',
  });

describe('@tessera/node diagnostics headers', () => {
  it('a credential sends them on discovery and token requests', async () => {
    const { http, sent } = entraStub();
    const credential = new ClientSecretCredential(TID, CLIENT_ID, 'secret', { httpClient: http });
    expect((await credential.getToken('https://graph.microsoft.com/.default'))?.token).toBe('app-token');
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const r of sent) expectNodeHeaders(r);
  });

  it('the public client sends them, and its errors carry the call id', async () => {
    const { http, sent } = entraStub();
    const app = new NodePublicClientApplication({ clientId: CLIENT_ID, authority: `https://login.microsoftonline.com/${TID}`, httpClient: http });
    const error = await app.acquireTokenByCode('code', { scopes: ['User.Read'], redirectUri: 'http://localhost', correlationId: 'node-call' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ error: 'invalid_grant', correlationId: 'node-call' });
    for (const r of sent) {
      expectNodeHeaders(r);
      expect(r.headers?.['client-request-id']).toBe('node-call');
    }
  });
});

const packagesDir = fileURLToPath(new URL('../..', import.meta.url));
/** A package's package.json version. */
const versionOf = (pkg: string) => (JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** The x-client-VER a client sends to Entra. */
async function sentVersion(create: (http: HttpClient) => { acquireTokenByCode(code: string, o: object): Promise<unknown> }): Promise<string | undefined> {
  const { http, sent } = entraStub();
  await create(http).acquireTokenByCode('code', { scopes: ['User.Read'], redirectUri: 'http://localhost' }).catch(() => undefined);
  expect(sent.length).toBeGreaterThan(0);
  return sent.at(-1)!.headers?.['x-client-VER'];
}

const AUTHORITY = `https://login.microsoftonline.com/${TID}`;

describe('x-client-VER is the sending package\'s package.json version', () => {
  it('in the sources (as Vitest runs them): core and node each send their own', async () => {
    expect(LIBRARY_VERSION).toBe(versionOf('core'));
    expect(await sentVersion((http) => new PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, httpClient: http, retry: false }))).toBe(versionOf('core'));
    expect(await sentVersion((http) => new NodePublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, httpClient: http }))).toBe(versionOf('node'));
  });

  it('comes from the build: each source names the placeholder, which the plugin makes its own package.json version', async () => {
    for (const [pkg, file] of [['core', 'client/client-application.ts'], ['node', 'node-client.ts'], ['browser', 'browser-client.ts']] as const) {
      const id = join(packagesDir, pkg, 'src', file);
      const source = readFileSync(id, 'utf8');
      expect(source, file).toContain(PACKAGE_VERSION_PLACEHOLDER);
      const plugin = packageVersion({ versionOf: (f) => (f === id ? `9.8.7-${pkg}` : undefined) }) as unknown as { transform(code: string, id: string): { code: string } };
      const out = plugin.transform(source, id).code;
      expect(out).toContain(`'9.8.7-${pkg}'`);
      expect(out).not.toContain(PACKAGE_VERSION_PLACEHOLDER);
    }
  });

  it('in the built packages (pnpm build): dist carries no placeholder, and core, node and the CDN file their own versions', async () => {
    const dist = (pkg: string) => join(packagesDir, pkg, 'dist');
    expect(existsSync(join(dist('core'), 'index.js')), 'run `pnpm build` first').toBe(true);
    for (const pkg of ['core', 'node', 'browser']) {
      const files = readdirSync(dist(pkg), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(c?js)$/.test(f));
      for (const f of files) expect(readFileSync(join(dist(pkg), f), 'utf8'), `${pkg}/dist/${f}`).not.toContain(PACKAGE_VERSION_PLACEHOLDER);
    }
    const core = (await import(join(dist('core'), 'index.js'))) as typeof import('@tessera/core');
    expect(core.LIBRARY_VERSION).toBe(versionOf('core'));
    expect(await sentVersion((http) => new core.PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, httpClient: http, retry: false }))).toBe(versionOf('core'));
    const node = (await import(join(dist('node'), 'index.js'))) as typeof import('../src/index.js');
    expect(await sentVersion((http) => new node.NodePublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, httpClient: http }))).toBe(versionOf('node'));
    const cdn = readFileSync(join(dist('browser'), 'tessera-browser.min.js'), 'utf8');
    expect(/"tessera\.js\.browser",version:"([^"]+)"/.exec(cdn)?.[1]).toBe(versionOf('browser'));
  });
});

describe('the API reference (pnpm docs)', () => {
  it('shows LIBRARY_VERSION as core\'s package.json version, not the build placeholder', async () => {
    const { Application, TSConfigReader, TypeDocReader } = await import('typedoc');
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    // typedoc.json as `pnpm docs` reads it (its plugins included), for core's entry point only.
    const app = await Application.bootstrapWithPlugins(
      { options: join(root, 'typedoc.json'), entryPoints: [join(root, 'packages/core/src/index.ts')], validation: false, treatWarningsAsErrors: false, logLevel: 'Error' },
      [new TypeDocReader(), new TSConfigReader()],
    );
    const project = await app.convert();
    expect(project?.getChildByName('LIBRARY_VERSION')).toMatchObject({ defaultValue: `'${versionOf('core')}'` });
  }, 60_000);
});
