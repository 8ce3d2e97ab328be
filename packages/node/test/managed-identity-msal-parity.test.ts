// Fidelity: for each source, the request Tessera sends is the one the real @azure/msal-node
// (which @azure/identity uses) sends to the same loopback endpoint with the same environment.
// MSAL picks its source once per process, so it runs in a child process per case.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential, type ManagedIdentityCredentialOptions } from '../src/index.js';
import { type MsiServer, type SeenRequest, startMsiServer, startSelfSignedMsiServer } from './support/msi-server.js';

const run = promisify(execFile);
const NODE_PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const RESOURCE = 'https://vault.azure.net';
// Headers that carry the protocol (MSAL adds telemetry headers of its own besides).
const PROTOCOL_HEADERS = ['metadata', 'x-identity-header', 'secret', 'content-type', 'authorization'];

let server: MsiServer;
let tls: MsiServer & { thumbprint: string };
beforeAll(async () => {
  [server, tls] = await Promise.all([startMsiServer(), startSelfSignedMsiServer()]);
});
afterAll(() => Promise.all([server.close(), tls.close()]));

/**
 * What an endpoint saw of a request, restricted to the protocol. MSAL's own artifacts are left out:
 * a Content-Type on GETs without a body, and a trailing "/" it adds to the endpoint's path.
 */
function protocol(r: SeenRequest) {
  const sent = PROTOCOL_HEADERS.filter((h) => r.headers[h] !== undefined && (h !== 'content-type' || r.body));
  const headers = Object.fromEntries(sent.map((h) => [h, String(r.headers[h]).split(';')[0]]));
  return { method: r.method, path: r.path.replace(/\/$/, ''), query: r.query, headers, body: Object.fromEntries(new URLSearchParams(r.body)) };
}

/** The first request MSAL's ManagedIdentityApplication sends with this environment and identity. */
async function msalRequest(env: Record<string, string>, id: Record<string, string>, at = server): Promise<SeenRequest> {
  at.requests.length = 0;
  const script = `
    const { ManagedIdentityApplication } = await import('@azure/msal-node');
    const app = new ManagedIdentityApplication({ managedIdentityIdParams: ${JSON.stringify(id)} });
    await app.acquireToken({ resource: ${JSON.stringify(RESOURCE)} });`;
  await run(process.execPath, ['--input-type=module', '-e', script], { cwd: NODE_PACKAGE, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });
  return at.requests[0]!;
}

async function tesseraRequest(env: Record<string, string>, options: ManagedIdentityCredentialOptions, at = server): Promise<SeenRequest> {
  at.requests.length = 0;
  const credential = new ManagedIdentityCredential({ ...options, environment: env });
  await credential.getToken(`${RESOURCE}/.default`);
  await credential.close();
  return at.requests[0]!;
}

const RESOURCE_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi';
const cases: [string, () => Record<string, string>, Record<string, string>, ManagedIdentityCredentialOptions][] = [
  ['IMDS, system-assigned', () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }), {}, {}],
  ['IMDS, client id', () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }), { userAssignedClientId: 'cid' }, { clientId: 'cid' }],
  ['IMDS, object id', () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }), { userAssignedObjectId: 'oid' }, { objectId: 'oid' }],
  ['IMDS, resource id', () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: server.origin }), { userAssignedResourceId: RESOURCE_ID }, { resourceId: RESOURCE_ID }],
  ['App Service, system-assigned', () => ({ IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'h1' }), {}, {}],
  ['App Service, client id', () => ({ IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'h1' }), { userAssignedClientId: 'cid' }, { clientId: 'cid' }],
  ['App Service, object id', () => ({ IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'h1' }), { userAssignedObjectId: 'oid' }, { objectId: 'oid' }],
  ['App Service, resource id', () => ({ IDENTITY_ENDPOINT: `${server.origin}/msi/token`, IDENTITY_HEADER: 'h1' }), { userAssignedResourceId: RESOURCE_ID }, { resourceId: RESOURCE_ID }],
  ['Azure Machine Learning, system-assigned', () => ({ MSI_ENDPOINT: `${server.origin}/ml`, MSI_SECRET: 's1', DEFAULT_IDENTITY_CLIENT_ID: 'dcid' }), {}, {}],
  ['Azure Machine Learning, client id', () => ({ MSI_ENDPOINT: `${server.origin}/ml`, MSI_SECRET: 's1' }), { userAssignedClientId: 'cid' }, { clientId: 'cid' }],
  ['Cloud Shell', () => ({ MSI_ENDPOINT: `${server.origin}/cloudshell` }), {}, {}],
  ['Azure Arc (the challenge request)', () => ({ IDENTITY_ENDPOINT: `${server.origin}/metadata/identity/oauth2/token`, IMDS_ENDPOINT: server.origin }), {}, {}],
];

describe('requests match @azure/msal-node', () => {
  it.each(cases)('%s', async (_name, env, msalId, options) => {
    const ours = protocol(await tesseraRequest(env(), options));
    const theirs = protocol(await msalRequest(env(), msalId));
    expect(ours).toEqual(theirs);
    expect(ours.query.resource ?? ours.body.resource).toBe(RESOURCE);
  });

  it('Service Fabric', async () => {
    const env = { IDENTITY_ENDPOINT: `${tls.origin}/metadata/identity/oauth2/token`, IDENTITY_HEADER: 'sf1', IDENTITY_SERVER_THUMBPRINT: tls.thumbprint };
    const ours = protocol(await tesseraRequest(env, {}, tls));
    // MSAL accepts any certificate here only with certificate checks off (in its child process only).
    const theirs = protocol(await msalRequest({ ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, {}, tls));
    expect(ours).toEqual(theirs);
    expect(ours.headers.secret).toBe('sf1');
  });
});
