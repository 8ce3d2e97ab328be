// The real @azure/msal-node as a peer sharing a cache file with Tessera. msal-node accepts only
// https:// authorities and the dev authority listens on http://127.0.0.1: its network client (an
// in-process INetworkModule) sends each request to the dev authority over http and makes the
// URLs in answers https. Its cache plugin reads and writes the file itself, as msal-node's
// persistence extension does (plain JSON), so both libraries meet only in the file.
import { readFile, writeFile } from 'node:fs/promises';
import {
  type AccountInfo,
  type AuthenticationResult,
  ConfidentialClientApplication,
  type Configuration,
  CryptoProvider,
  type ICachePlugin,
  type INetworkModule,
  type ProtocolMode,
  PublicClientApplication,
} from '@azure/msal-node';
import { type DevAuthority, completeAuthorization } from '@tessera/dev-authority';

export const REDIRECT_URI = 'http://127.0.0.1:53682/';

/** Requests msal-node sent, by grant type (token endpoint) or 'GET'. */
export type PeerRequests = Map<string, number>;

/** `beforeWrite`: awaited before each write of the file (a test holds msal-node's write back with it). */
function filePlugin(path: string, beforeWrite?: () => Promise<void>): ICachePlugin {
  return {
    beforeCacheAccess: async (context) => {
      const text = await readFile(path, 'utf8').catch(() => '');
      if (text) context.tokenCache.deserialize(text);
    },
    afterCacheAccess: async (context) => {
      if (!context.cacheHasChanged) return;
      await beforeWrite?.();
      await writeFile(path, context.tokenCache.serialize(), { mode: 0o600 });
    },
  };
}

/** msal-node's transport to an http origin on loopback (the dev authority, or a stub playing Entra). */
function networkClient(origin: string, requests: PeerRequests): INetworkModule {
  const https = origin.replace(/^http:/, 'https:');
  const send = async (method: 'GET' | 'POST', url: string, options: { headers?: Record<string, string>; body?: string } = {}) => {
    if (!url.startsWith(https)) throw new Error(`msal-node peer: request outside the dev authority: ${url}`);
    const grant = method === 'POST' ? new URLSearchParams(options.body).get('grant_type') ?? 'POST' : 'GET';
    requests.set(grant, (requests.get(grant) ?? 0) + 1);
    const response = await fetch(origin + url.slice(https.length), { method, headers: options.headers, body: options.body });
    const text = (await response.text()).replaceAll(origin, https);
    return { status: response.status, headers: Object.fromEntries(response.headers) as Record<string, string>, body: JSON.parse(text || '{}') };
  };
  return { sendGetRequestAsync: (url, options) => send('GET', url, options), sendPostRequestAsync: (url, options) => send('POST', url, options) };
}

/**
 * msal-node's configuration for the authority `origin` + `path` (http on loopback), with the file as
 * its cache. `discovery`: where the authority's OpenID configuration is.
 */
async function configuration(
  origin: string,
  path: string,
  discovery: string,
  cachePath: string,
  requests: PeerRequests,
  auth: Pick<Configuration['auth'], 'clientId'> & Partial<Configuration['auth']>,
  system: Omit<NonNullable<Configuration['system']>, 'networkClient'> = {},
  beforeWrite?: () => Promise<void>,
): Promise<Configuration> {
  const https = origin.replace(/^http:/, 'https:');
  const host = new URL(https).host;
  const metadata = (await (await fetch(discovery)).text()).replaceAll(origin, https);
  return {
    auth: {
      ...auth,
      authority: `${https}${path}`,
      knownAuthorities: [host],
      authorityMetadata: metadata,
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: discovery.replace(origin, https),
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
    cache: { cachePlugin: filePlugin(cachePath, beforeWrite) },
    system: { ...system, networkClient: networkClient(origin, requests) },
  };
}

/**
 * A msal-node public client (the dev authority's native client) on the cache file. `protocolMode`:
 * msal-node's (default `AAD`, which files accounts as MSSTS; `OIDC` files them as Generic).
 * `beforeWrite`: awaited before each write of the file (to hold msal-node's write back).
 */
export async function msalPublicClient(idp: DevAuthority, cachePath: string, protocolMode?: ProtocolMode, beforeWrite?: () => Promise<void>) {
  const requests: PeerRequests = new Map();
  const discovery = `${idp.issuer}/.well-known/openid-configuration`;
  const app = new PublicClientApplication(await configuration(idp.issuer, '/', discovery, cachePath, requests, { clientId: idp.clients.native.clientId }, { protocolMode }, beforeWrite));
  return {
    app,
    requests,
    /** Signs `username` in with the authorization code flow (PKCE), as a desktop app would; `resource`: an RFC 8707 resource indicator (msal-node's MCP requests). */
    async signIn(username: string, scopes: string[], resource?: string): Promise<AuthenticationResult> {
      const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
      const url = await app.getAuthCodeUrl({ scopes, resource, redirectUri: REDIRECT_URI, codeChallenge: challenge, codeChallengeMethod: 'S256' });
      const { params } = await completeAuthorization(url.replace(/^https:/, 'http:'), { username });
      return app.acquireTokenByCode({ code: params.get('code')!, scopes, resource, redirectUri: REDIRECT_URI, codeVerifier: verifier });
    },
    async account(username: string): Promise<AccountInfo> {
      const found = (await app.getAllAccounts()).find((a) => a.username === username);
      if (!found) throw new Error(`msal-node lists no account ${username}`);
      return found;
    },
  };
}

/** A msal-node confidential client (the dev authority's confidential client) on the cache file. */
export async function msalConfidentialClient(idp: DevAuthority, cachePath: string) {
  const requests: PeerRequests = new Map();
  const { clientId, clientSecret } = idp.clients.confidential;
  const discovery = `${idp.issuer}/.well-known/openid-configuration`;
  return { app: new ConfidentialClientApplication(await configuration(idp.issuer, '/', discovery, cachePath, requests, { clientId, clientSecret })), requests };
}

/** A msal-node public client of an Entra-shaped stub at `origin` (tenant `tenant`) on the cache file. */
export async function msalEntraClient(origin: string, tenant: string, clientId: string, cachePath: string) {
  const requests: PeerRequests = new Map();
  const discovery = `${origin}/${tenant}/v2.0/.well-known/openid-configuration`;
  return { app: new PublicClientApplication(await configuration(origin, `/${tenant}`, discovery, cachePath, requests, { clientId })), requests };
}
