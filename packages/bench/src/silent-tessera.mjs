// Cache-hit acquireTokenSilent and getAccounts on Tessera at a given cache size.
import { PublicClientApplication, TokenCache } from '@tessera/core';
import { AUTHORITY, AUTHORITY_METADATA, CLIENT_ID, SCOPES, syntheticCache, userOf } from './synthetic-cache.mjs';
import { summarize, timeBatches } from './stats.mjs';

export async function benchTesseraSilent(size, iterations) {
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const tokenCache = new TokenCache();
  tokenCache.deserialize(syntheticCache(size));
  const app = new PublicClientApplication({ clientId: CLIENT_ID, authority: AUTHORITY, authorityMetadata: AUTHORITY_METADATA, tokenCache });
  globalThis.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

  const target = userOf(Math.floor(size / 2));
  const account = await app.getAccount(target.homeAccountId);
  const check = await app.acquireTokenSilent({ scopes: SCOPES, account });
  if (!check.fromCache || check.accessToken !== `access-token-${Math.floor(size / 2)}`) throw new Error('Tessera did not return the cached token');

  const silent = await timeBatches(() => app.acquireTokenSilent({ scopes: SCOPES, account }), iterations);
  const listings = [];
  for (let i = 0; i < 2; i++) await app.getAccounts(); // warm-up, as for the silent calls
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    const accounts = await app.getAccounts();
    listings.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (accounts.length !== size) throw new Error(`getAccounts returned ${accounts.length}, expected ${size}`);
  }
  return { silent, getAccountsMs: summarize(listings), heapMb };
}
