// azureRegion "TryAutoDetect" as MSAL does it (msal-node's RegionDiscovery, MSAL Python's
// ATTEMPT_REGION_DISCOVERY): the environment's region first, else Azure's Instance Metadata Service
// (IMDS), whose answers a loopback stub plays (tests never contact 169.254.169.254); the token
// request then goes to the regional endpoint of the Entra-shaped stub, or to the global one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_REGION_AUTO_DETECT, ConfidentialClientApplication, FetchHttpClient, type HttpClient, IMDS_REGION_ENDPOINT } from '../src/index.js';
import { CLIENT_ID, TID, useEntraCloudsStub } from './support/entra-clouds-stub.js';

const GRAPH = ['https://graph.microsoft.com/.default'];
const LOCATION_PATH = '/metadata/instance/compute/location';

interface ImdsSeen {
  path: string;
  query: Record<string, string>;
  metadata: string | undefined;
}

/** A loopback IMDS: `answer` decides each reply (undefined: never answers). */
function useImdsStub() {
  const seen: ImdsSeen[] = [];
  let answer: (query: URLSearchParams) => { status: number; body: string } | undefined = () => ({ status: 404, body: '' });
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://imds');
    seen.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), metadata: req.headers.metadata as string | undefined });
    const reply = url.pathname === LOCATION_PATH ? answer(url.searchParams) : { status: 404, body: '' };
    if (!reply) return void hanging.add(res);
    res.writeHead(reply.status, { 'content-type': reply.body.startsWith('{') ? 'application/json' : 'text/plain' }).end(reply.body);
  });
  const stub = {
    seen,
    endpoint: '',
    answer: (fn: typeof answer) => void (answer = fn),
  };
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${LOCATION_PATH}`;
  });
  afterEach(() => {
    seen.length = 0;
    for (const res of hanging) res.destroy();
    hanging.clear();
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return stub;
}

describe('azureRegion "TryAutoDetect"', () => {
  const entra = useEntraCloudsStub();
  const imds = useImdsStub();
  const warnings: string[] = [];
  afterEach(() => void (warnings.length = 0));

  /** https goes to the Entra stub (keeping its host name), the loopback IMDS directly; nothing else. */
  const transport = (): HttpClient => {
    const direct = new FetchHttpClient();
    return { send: (request) => (request.url.startsWith('http://127.0.0.1:') ? direct.send(request) : entra.current.http.send(request)) };
  };
  const daemon = (options: { environmentRegion?: string; imdsEndpoint?: string } = {}) =>
    new ConfidentialClientApplication({
      clientId: CLIENT_ID,
      clientCredential: 's3cret',
      authority: `https://login.microsoftonline.com/${TID}`,
      azureRegion: AZURE_REGION_AUTO_DETECT,
      imdsEndpoint: imds.endpoint,
      httpClient: transport(),
      retry: false,
      logger: { log: (level, message) => void (level === 'warning' && warnings.push(message)) },
      ...options,
    });
  /** The hosts the Entra stub received token requests on. */
  const tokenHosts = () => entra.current.seen.filter((s) => s.path.endsWith('/oauth2/v2.0/token')).map((s) => s.host);

  it('takes the environment region first and does not ask IMDS', async () => {
    imds.answer(() => ({ status: 200, body: 'westeurope' }));
    const result = await daemon({ environmentRegion: 'eastus' }).acquireTokenForClient({ scopes: GRAPH });
    expect(result.accessToken).toBe('app-token-eastus.login.microsoft.com');
    expect(tokenHosts()).toEqual(['eastus.login.microsoft.com']);
    expect(imds.seen).toEqual([]);
  });

  it('asks IMDS (Metadata: true, format=text) when the environment names none, once per client', async () => {
    imds.answer(() => ({ status: 200, body: 'westeurope\n' }));
    const app = daemon();
    expect((await app.acquireTokenForClient({ scopes: GRAPH })).accessToken).toBe('app-token-westeurope.login.microsoft.com');
    expect(imds.seen).toEqual([{ path: LOCATION_PATH, query: { 'api-version': '2021-02-01', format: 'text' }, metadata: 'true' }]);
    // The detected region is kept: a new token from the same region without asking IMDS again.
    await app.acquireTokenForClient({ scopes: GRAPH, forceRefresh: true });
    expect(tokenHosts()).toEqual(['westeurope.login.microsoft.com', 'westeurope.login.microsoft.com']);
    expect(imds.seen).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('an api-version IMDS refuses (400): asks for its newest versions and retries with the first', async () => {
    imds.answer((query) => {
      if (query.get('api-version') === '2021-02-01') return { status: 400, body: '{"error":"Bad request. api-version is invalid or was not specified in the request."}' };
      if (!query.has('api-version')) return { status: 400, body: '{"error":"Bad request. api-version was not specified in the request","newest-versions":["2023-07-01","2023-04-02"]}' };
      return query.get('api-version') === '2023-07-01' ? { status: 200, body: 'uksouth' } : { status: 400, body: '{}' };
    });
    await daemon().acquireTokenForClient({ scopes: GRAPH });
    expect(imds.seen.map((s) => s.query)).toEqual([{ 'api-version': '2021-02-01', format: 'text' }, { format: 'json' }, { 'api-version': '2023-07-01', format: 'text' }]);
    expect(imds.seen.every((s) => s.metadata === 'true')).toBe(true);
    expect(tokenHosts()).toEqual(['uksouth.login.microsoft.com']);
  });

  it('IMDS unreachable: the global endpoint, with a warning that says why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await daemon({ imdsEndpoint: `http://127.0.0.1:${port}${LOCATION_PATH}` }).acquireTokenForClient({ scopes: GRAPH });
    expect(result.accessToken).toBe('app-token-login.microsoftonline.com');
    expect(tokenHosts()).toEqual(['login.microsoftonline.com']);
    expect(warnings).toEqual([expect.stringMatching(/^No Azure region detected \(REGION_NAME is not set; IMDS is unreachable \(.*ECONNREFUSED.*\)\); using the global token endpoint$/)]);
  });

  it('IMDS that does not answer in time: the global endpoint, with a warning; not asked again by this client', async () => {
    imds.answer(() => undefined);
    const app = daemon();
    expect((await app.acquireTokenForClient({ scopes: GRAPH })).accessToken).toBe('app-token-login.microsoftonline.com');
    expect(warnings).toEqual(['No Azure region detected (REGION_NAME is not set; IMDS did not answer within 2000 ms); using the global token endpoint']);
    await app.acquireTokenForClient({ scopes: GRAPH, forceRefresh: true });
    expect(imds.seen).toHaveLength(1);
    expect(tokenHosts()).toEqual(['login.microsoftonline.com', 'login.microsoftonline.com']);
  });

  it('an IMDS answer that is no region name (an error page, a host injection) is not used', async () => {
    for (const body of ['<html>Not Found</html>', 'evil.example/x', 'westus2.attacker.example', '']) {
      imds.answer(() => ({ status: 200, body }));
      await daemon().acquireTokenForClient({ scopes: GRAPH });
    }
    expect(tokenHosts()).toEqual(Array(4).fill('login.microsoftonline.com'));
    expect(warnings).toEqual(Array(4).fill('No Azure region detected (REGION_NAME is not set; IMDS answered something that is not a region name); using the global token endpoint'));
  });

  it('asks the real IMDS address by default', () => {
    expect(IMDS_REGION_ENDPOINT).toBe('http://169.254.169.254/metadata/instance/compute/location');
  });
});
