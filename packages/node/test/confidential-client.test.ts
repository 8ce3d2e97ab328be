import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeConfidentialClientApplication } from '../src/index.js';
import { useDevAuthority } from './credentials-helpers.js';

describe('NodeConfidentialClientApplication', () => {
  const idp = useDevAuthority();
  afterEach(() => vi.unstubAllEnvs());

  it('signs private_key_jwt with an encrypted bare PEM key (decrypted with node:crypto, kid from its thumbprint)', async () => {
    const c = idp.current.clients.ecKeyJwt;
    const encrypted = createPrivateKey(c.privateKeyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' }) as string;
    const app = new NodeConfidentialClientApplication({ clientId: c.clientId, authority: idp.current.issuer, clientCredential: { privateKey: encrypted, passphrase: 'pass-phrase' } });
    idp.current.clearRequests();
    const result = await app.acquireTokenForClient({ scopes: ['api.read'] });
    expect(result.accessToken.split('.')).toHaveLength(3);
    const token = idp.current.requests.find((r) => r.path === '/token')!;
    expect(token).toMatchObject({ status: 200, authMethod: 'private_key_jwt', assertionHeader: { alg: 'ES256', typ: 'JWT', kid: c.kid } });
  });

  /** A daemon for Entra with TryAutoDetect whose transport answers every request and records its URL. */
  const detectingDaemon = (sent: HttpRequest[], imdsEndpoint?: string) => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    return new NodeConfidentialClientApplication({
      clientId: 'daemon',
      clientCredential: 's3cret',
      authority: `https://login.microsoftonline.com/${tenant}`,
      azureRegion: 'TryAutoDetect',
      imdsEndpoint,
      instanceDiscovery: false,
      authorityMetadata: JSON.stringify({
        issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
        token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
      }),
      // Entra answers on the Internet: a canned token response, loopback-only tests; IMDS (when asked) names francecentral.
      httpClient: {
        send: async (request) => {
          sent.push(request);
          const body = request.method === 'GET' ? 'francecentral' : JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'app-token' });
          return { status: 200, headers: {}, body };
        },
      },
    });
  };
  const GRAPH = { scopes: ['https://graph.microsoft.com/.default'] };

  it('takes the region for azureRegion "TryAutoDetect" from REGION_NAME (as MSAL Python writes it), without asking IMDS', async () => {
    for (const [value, region] of [['centralus', 'centralus'], ['West US 2', 'westus2']]) {
      vi.stubEnv('REGION_NAME', value!);
      const sent: HttpRequest[] = [];
      expect((await detectingDaemon(sent, 'http://127.0.0.1:9/never').acquireTokenForClient(GRAPH)).accessToken).toBe('app-token');
      expect(sent.map((r) => r.url)).toEqual([`https://${region}.login.microsoft.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token`]);
    }
  });

  it('without REGION_NAME asks IMDS (at the endpoint given) and uses the region it names', async () => {
    vi.stubEnv('REGION_NAME', '');
    const sent: HttpRequest[] = [];
    await detectingDaemon(sent, 'http://127.0.0.1:9/metadata/instance/compute/location').acquireTokenForClient(GRAPH);
    expect(sent.map((r) => [r.method, r.url, r.headers?.Metadata])).toEqual([
      ['GET', 'http://127.0.0.1:9/metadata/instance/compute/location?api-version=2021-02-01&format=text', 'true'],
      ['POST', 'https://francecentral.login.microsoft.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token', undefined],
    ]);
  });
});

describe('NodeConfidentialClientApplication region detection through IMDS', () => {
  afterEach(() => vi.unstubAllEnvs());

  /** A loopback server that records what reaches it: plain requests (IMDS, or a proxy's) and CONNECT tunnels it refuses. */
  async function recorder(answer: string) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
    });
    server.on('connect', (req, socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { seen, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('asks IMDS directly, never through the proxy of the environment (IMDS is link-local; Azure does not support it behind a proxy)', async () => {
    const imds = await recorder('westeurope');
    const proxy = await recorder('eastus');
    vi.stubEnv('REGION_NAME', '');
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) vi.stubEnv(name, proxy.origin);
    for (const name of ['NO_PROXY', 'no_proxy']) vi.stubEnv(name, '');
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    try {
      const app = new NodeConfidentialClientApplication({
        clientId: 'daemon',
        clientCredential: 's3cret',
        authority: `https://login.microsoftonline.com/${tenant}`,
        azureRegion: 'TryAutoDetect',
        imdsEndpoint: `${imds.origin}/metadata/instance/compute/location`,
        instanceDiscovery: false,
        retry: false,
        authorityMetadata: JSON.stringify({ issuer: `https://login.microsoftonline.com/${tenant}/v2.0`, token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token` }),
      });
      // The token request goes through the proxy (which refuses the tunnel: loopback-only tests).
      await expect(app.acquireTokenForClient({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toThrow();
    } finally {
      await Promise.all([imds.close(), proxy.close()]);
    }
    expect(imds.seen).toEqual(['GET /metadata/instance/compute/location?api-version=2021-02-01&format=text']);
    expect(proxy.seen[0]).toBe('CONNECT westeurope.login.microsoft.com:443');
    expect(proxy.seen.filter((s) => !s.startsWith('CONNECT '))).toEqual([]);
  });
});
