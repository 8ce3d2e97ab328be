// Silent-acquisition adapter for Tessera (@tessera/core) over the synthetic MSAL-format cache.
import { PublicClientApplication, TokenCache } from '@tessera/core';
import { refuse } from './no-network.mjs';
import { AUTHORITY, AUTHORITY_METADATA, CLIENT_ID, SCOPES } from './synthetic-cache.mjs';

export const library = { name: 'Tessera', packageName: '@tessera/core' };

export async function load(cacheJson) {
  const tokenCache = new TokenCache();
  tokenCache.deserialize(cacheJson);
  const httpClient = { send: async (request) => refuse('Tessera', request.url) };
  const app = new PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, authorityMetadata: AUTHORITY_METADATA, tokenCache, httpClient, retry: false });
  return {
    silent: (account) => app.acquireTokenSilent({ scopes: SCOPES, account }),
    listAccounts: () => app.getAccounts(),
  };
}
