// Managed identity: 100 concurrent getToken calls on an empty cache (how many requests reach the
// IMDS endpoint?) and the cost of a cache hit. IMDS is played by a loopback server (never
// 169.254.169.254), given to both libraries as AZURE_POD_IDENTITY_AUTHORITY_HOST; it counts requests.
import { createServer } from 'node:http';
import { measure } from './stats.mjs';
import { versionOf } from './versions.mjs';

export const MI_ADAPTERS = ['tessera', 'identity'];
const SCOPE = 'https://vault.azure.net/.default';

const ADAPTERS = {
  tessera: {
    library: { name: 'Tessera ManagedIdentityCredential', packageName: '@tessera/node' },
    async create(host) {
      const { ManagedIdentityCredential } = await import('@tessera/node');
      return new ManagedIdentityCredential({ environment: { AZURE_POD_IDENTITY_AUTHORITY_HOST: host } });
    },
  },
  identity: {
    library: { name: '@azure/identity ManagedIdentityCredential', packageName: '@azure/identity' },
    async create(host) {
      // @azure/identity (through MSAL) reads the variable when the credential is built.
      process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = host;
      const { ManagedIdentityCredential } = await import('@azure/identity');
      return new ManagedIdentityCredential();
    },
  },
};

/** Runs in a child process: one IMDS stand-in, a new credential (empty cache) per adapter. */
export async function benchManagedIdentity(adapters, { concurrency = 100, budgetMs = 1000 } = {}) {
  let requests = 0;
  const server = createServer((req, res) => {
    const seq = ++requests;
    const now = Math.floor(Date.now() / 1000);
    // A little latency, as a real endpoint has, so that concurrent callers overlap.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `mi-token-${seq}-${'x'.repeat(40)}`, expires_in: '86399', expires_on: String(now + 86399), resource: 'https://vault.azure.net', token_type: 'Bearer' }));
    }, 20);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${server.address().port}`;
  try {
    const rows = [];
    for (const name of adapters) {
      const { library, create } = ADAPTERS[name];
      const base = { library: library.name, packageName: library.packageName, version: versionOf(library.packageName) };
      const credential = await create(host);
      requests = 0;
      const tokens = await Promise.all(Array.from({ length: concurrency }, () => credential.getToken(SCOPE)));
      const tokenRequests = requests;
      if (tokens.some((t) => !t?.token)) throw new Error(`${library.name}: a caller got no token`);
      const hitUs = await measure(() => credential.getToken(SCOPE), { budgetMs });
      if (requests !== tokenRequests) throw new Error(`${library.name}: a cache hit reached the endpoint; the setup is wrong`);
      rows.push({ ...base, concurrency, tokenRequests, distinctTokens: new Set(tokens.map((t) => t.token)).size, hitUs });
      await credential.close?.();
    }
    return rows;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function runManagedIdentitySuite(plan) {
  const { inChild } = await import('./child.mjs');
  return inChild(new URL('./managed-identity.mjs', import.meta.url), 'benchManagedIdentity', [MI_ADAPTERS, plan]);
}
