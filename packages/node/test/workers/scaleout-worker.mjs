// Child process for scale-out.test.ts (bundled with the sources by cache-helpers.ts): one service
// instance of several sharing a Redis Cluster through RedisCacheStore.
//   <cluster nodes JSON> <issuer> <client id> <client secret> <start at, ms since epoch> <assertions file>
// Waits until <start at> (so the instances ask at the same moment), then asks, all at once, for an
// app-only token per scope set and an on-behalf-of token per assertion in the file (a JSON array),
// and prints `result <what> <sha-256 of the access token> <fromCache>` for each.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { ConfidentialClientApplication } from '../../../core/src/index.ts';
import { RedisCacheStore } from '../../src/cache/redis-cache-store.ts';

const [nodes, issuer, clientId, clientSecret, startAt, assertionsFile] = process.argv.slice(2);
const client = new Redis.Cluster(JSON.parse(nodes), { redisOptions: { maxRetriesPerRequest: 1 } });
client.on('error', () => undefined);
const store = new RedisCacheStore({ client, prefix: 'scaleout', operationTimeoutMs: 2000 });
const app = new ConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: issuer, cacheStore: store, cachePartitioning: 'perKey' });
const assertions = JSON.parse(await readFile(assertionsFile, 'utf8'));
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
// Shuffled, so the instances do not take the locks in one order.
const asks = [
  // Scope sets that do not overlap: a token replaces cached ones whose scopes overlap its own (as MSAL's cache does).
  ...[['api.read'], ['api.write']].map((scopes) => [`cc:${scopes.join('+')}`, () => app.acquireTokenForClient({ scopes })]),
  ...assertions.map((userAssertion, i) => [`obo:${i}`, () => app.acquireTokenOnBehalfOf({ scopes: ['api.read'], userAssertion })]),
].sort(() => Math.random() - 0.5);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const results = await Promise.all(asks.map(async ([what, ask]) => [what, await ask()]));
for (const [what, result] of results) process.stdout.write(`result ${what} ${sha256(result.accessToken)} ${result.fromCache}\n`);
client.disconnect();
