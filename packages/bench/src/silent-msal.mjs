// Silent-acquisition adapter for @azure/msal-node over the synthetic MSAL-format cache.
// Given authorityMetadata, cloudDiscoveryMetadata and knownAuthorities, MSAL needs no network;
// its network client throws, so a network call fails the run instead of skewing it.
import { PublicClientApplication } from '@azure/msal-node';
import { refuse } from './no-network.mjs';
import { AUTHORITY, AUTHORITY_METADATA, CLIENT_ID, ENVIRONMENT, SCOPES } from './synthetic-cache.mjs';

export const library = { name: '@azure/msal-node', packageName: '@azure/msal-node' };

const CLOUD_DISCOVERY_METADATA = JSON.stringify({
  tenant_discovery_endpoint: `${AUTHORITY}/v2.0/.well-known/openid-configuration`,
  'api-version': '1.1',
  metadata: [{ preferred_network: ENVIRONMENT, preferred_cache: ENVIRONMENT, aliases: [ENVIRONMENT] }],
});

export async function load(cacheJson) {
  const networkClient = {
    sendGetRequestAsync: async (url) => refuse('@azure/msal-node', url),
    sendPostRequestAsync: async (url) => refuse('@azure/msal-node', url),
  };
  const pca = new PublicClientApplication({
    auth: {
      clientId: CLIENT_ID,
      authority: AUTHORITY,
      knownAuthorities: [ENVIRONMENT],
      authorityMetadata: AUTHORITY_METADATA,
      cloudDiscoveryMetadata: CLOUD_DISCOVERY_METADATA,
    },
    system: { networkClient },
  });
  const cache = pca.getTokenCache();
  cache.deserialize(cacheJson);
  return {
    silent: (account) => pca.acquireTokenSilent({ scopes: SCOPES, account }),
    listAccounts: () => cache.getAllAccounts(),
  };
}
