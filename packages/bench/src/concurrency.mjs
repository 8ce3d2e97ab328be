// Benchmark 2: 100 concurrent identical client-credentials requests on an empty cache. How many
// token requests reach the token endpoint? Counted by the dev authority itself
// (countRequests({ grantType: 'client_credentials' })); peers behind the loopback shim are also
// counted at the shim, and the two counts must agree.
import { versionOf } from './versions.mjs';

export const CONCURRENCY_ADAPTERS = ['tessera', 'tessera-credential', 'msal', 'identity'];

/**
 * Runs in one child process with one dev authority; each adapter gets a new client (so an empty
 * cache) and a cleared request log.
 */
export async function benchConcurrency(adapters, concurrency = 100) {
  const { startDevAuthority } = await import('@tessera/dev-authority');
  const idp = await startDevAuthority();
  try {
    const rows = [];
    for (const adapter of adapters) rows.push(await burst(idp, adapter, concurrency));
    return rows;
  } finally {
    await idp.close();
  }
}

async function burst(idp, adapter, concurrency) {
  const mod = await import(`./concurrency-${adapter}.mjs`);
  const { library } = mod;
  const base = { library: library.name, packageName: library.packageName, version: versionOf(library.packageName) };
  const pending = await mod.pending?.();
  if (pending) return { ...base, pending };
  const client = await mod.createClient(idp);
  idp.clearRequests();
  const started = performance.now();
  const tokens = await Promise.all(Array.from({ length: concurrency }, () => client.acquire()));
  const ms = performance.now() - started;
  if (tokens.some((t) => typeof t !== 'string' || t.length < 20)) throw new Error(`${library.name}: a caller got no access token`);
  const atAuthority = idp.countRequests({ grantType: 'client_credentials' });
  const atShim = client.shim?.tokenRequests;
  if (atShim !== undefined && atShim !== atAuthority) throw new Error(`${library.name}: shim counted ${atShim} token requests, the authority ${atAuthority}`);
  // Once the cache is warm, a further call must not reach the network (checks the setup is sane).
  await client.acquire();
  const afterWarm = idp.countRequests({ grantType: 'client_credentials' }) - atAuthority;
  if (afterWarm !== 0) throw new Error(`${library.name}: a call after the burst reached the provider (cache not used); the setup is wrong`);
  return { ...base, concurrency, tokenRequests: atAuthority, distinctTokens: new Set(tokens).size, ms };
}

export async function runConcurrencySuite(log = () => {}) {
  const { inChild } = await import('./child.mjs');
  const rows = await inChild(new URL('./concurrency.mjs', import.meta.url), 'benchConcurrency', [CONCURRENCY_ADAPTERS]);
  rows.forEach((r) => log(r));
  return rows;
}
