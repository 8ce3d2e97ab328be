// Client-credentials adapter for @azure/msal-node's ConfidentialClientApplication, pointed at the
// dev authority as a known authority with its discovery document as authorityMetadata, over the
// loopback shim (dev-authority-shim.mjs) as MSAL's network client.
import { ConfidentialClientApplication } from '@azure/msal-node';
import { DevAuthorityShim } from './dev-authority-shim.mjs';

export const library = { name: '@azure/msal-node acquireTokenByClientCredential', packageName: '@azure/msal-node' };

/** MSAL's INetworkModule over the shim. */
export function msalNetworkClient(shim) {
  const send = async (method, url, options = {}) => {
    const r = await shim.send({ method, url, headers: options.headers, body: options.body });
    return { status: r.status, headers: r.headers, body: JSON.parse(r.body || '{}') };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

export async function createClient(idp) {
  const shim = new DevAuthorityShim(idp);
  const host = new URL(shim.httpsOrigin).host;
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: idp.clients.confidential.clientId,
      clientSecret: idp.clients.confidential.clientSecret,
      authority: `${shim.httpsOrigin}/`,
      knownAuthorities: [host],
      authorityMetadata: await shim.metadata(),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${shim.httpsOrigin}/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
    system: { networkClient: msalNetworkClient(shim) },
  });
  return { shim, acquire: async () => (await app.acquireTokenByClientCredential({ scopes: ['api.read'] })).accessToken };
}
