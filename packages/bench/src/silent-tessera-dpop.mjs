// Silent-acquisition adapter: Tessera with DPoP (`dpop: { key }`), its cache holding DPoP-bound
// tokens (MSAL's AccessToken_With_AuthScheme entries, `key_id` = the key's thumbprint), to show a
// DPoP-bound cache hit costs what a Bearer hit does: the key is loaded once, a hit signs nothing.
import { createHash, webcrypto } from 'node:crypto';
import { PublicClientApplication, generateDpopKeyPair } from '@tessera/core';
import { refuse } from './no-network.mjs';
import { AUTHORITY, AUTHORITY_METADATA, CLIENT_ID, SCOPES } from './synthetic-cache.mjs';

export const library = { name: 'Tessera (DPoP-bound)', packageName: '@tessera/core' };

/** The synthetic cache with every access token bound to the key with this thumbprint. */
function bindTokens(cacheJson, keyId) {
  const cache = JSON.parse(cacheJson);
  const bound = {};
  for (const [key, at] of Object.entries(cache.AccessToken ?? {})) {
    bound[`${key.replace('-accesstoken-', '-accesstoken_with_authscheme-')}-dpop`] = { ...at, credential_type: 'AccessToken_With_AuthScheme', token_type: 'DPoP', key_id: keyId };
  }
  cache.AccessToken = bound;
  return JSON.stringify(cache);
}

export async function load(cacheJson) {
  const key = await generateDpopKeyPair();
  const { crv, kty, x, y } = await webcrypto.subtle.exportKey('jwk', key.publicKey);
  const keyId = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  const tokenCache = new (await import('@tessera/core')).TokenCache();
  tokenCache.deserialize(bindTokens(cacheJson, keyId));
  const httpClient = { send: async (request) => refuse('Tessera', request.url) };
  const app = new PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, authorityMetadata: AUTHORITY_METADATA, tokenCache, httpClient, retry: false, dpop: { key } });
  return {
    silent: (account) => app.acquireTokenSilent({ scopes: SCOPES, account }),
    listAccounts: () => app.getAccounts(),
  };
}
