// Benchmark 5a: throughput. Client-credentials tokens per second over the network path (a new
// Tessera client, so an empty cache, for every token), and cache-hit silent acquisitions per second
// cycling through every account of a synthetic cache (silent-<adapter>.mjs). Each runs in a child.
import { networkAttempts } from './no-network.mjs';
import { perSecond } from './stats.mjs';
import { accountInfoOf, syntheticCache } from './synthetic-cache.mjs';
import { versionOf } from './versions.mjs';

export async function benchNetworkThroughput(seconds) {
  const { ConfidentialClientApplication } = await import('@tessera/core');
  const { startDevAuthority } = await import('@tessera/dev-authority');
  const idp = await startDevAuthority();
  try {
    const { clientId, clientSecret } = idp.clients.confidential;
    const options = { clientId, clientCredential: clientSecret, authority: idp.issuer };
    // Warm-up (discovery documents are fetched per client too; the provider's JIT).
    for (let i = 0; i < 20; i++) await new ConfidentialClientApplication(options).acquireTokenForClient({ scopes: ['api.read'] });
    idp.clearRequests();
    const rate = await perSecond(() => new ConfidentialClientApplication(options).acquireTokenForClient({ scopes: ['api.read'] }), { seconds });
    return { library: 'Tessera', version: versionOf('@tessera/core'), tokensPerSecond: rate, tokenRequests: idp.countRequests({ grantType: 'client_credentials' }) };
  } finally {
    await idp.close();
  }
}

export async function benchSilentThroughput(adapter, size, seconds) {
  const { library, load } = await import(`./silent-${adapter}.mjs`);
  const client = await load(syntheticCache(size));
  const accounts = Array.from({ length: size }, (_, i) => accountInfoOf(i));
  let next = 0;
  const call = () => client.silent(accounts[next++ % size]);
  const warmUntil = performance.now() + (seconds * 1000) / 4;
  for (let i = 0; i < 200 && performance.now() < warmUntil; i++) await call(); // warm-up
  const rate = await perSecond(call, { seconds });
  if (networkAttempts() > 0) throw new Error(`${library.name} attempted ${networkAttempts()} network call(s) during the cache-hit benchmark`);
  return { library: library.name, version: versionOf(library.packageName), size, perSecond: rate };
}

export async function runThroughputSuite({ seconds, silentSize }, log = () => {}, gate = { wait: async () => {} }) {
  const { inChild } = await import('./child.mjs');
  const self = new URL('./throughput.mjs', import.meta.url);
  await gate.wait();
  const network = await inChild(self, 'benchNetworkThroughput', [seconds]);
  log(network);
  const silent = [];
  for (const adapter of ['tessera', 'msal']) {
    await gate.wait();
    const r = await inChild(self, 'benchSilentThroughput', [adapter, silentSize, seconds]);
    silent.push(r);
    log(r);
  }
  return { seconds, network, silent };
}
