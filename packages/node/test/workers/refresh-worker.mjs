// Child process for refresh-lock.test.ts (bundled with the sources by cache-helpers.ts): one process
// of several sharing a cache store, whose cached access token has expired.
//   silent <file|redis> <cache file path | redis url> <issuer> <client id> <start at, ms since epoch> [<DPoP private JWK, JSON>]
// Waits until <start at> (so the processes refresh at the same moment), makes one silent call and
// prints `result <sha-256 of the access token> <fromCache>`.
import { createHash } from 'node:crypto';
import { PublicClientApplication } from '../../../core/src/index.ts';
import { FileCacheStore } from '../../src/cache/file-cache-store.ts';
import { createRedisCacheStore } from '../../src/cache/redis-cache-store.ts';

const [mode, kind, location, issuer, clientId, startAt, dpopJwk] = process.argv.slice(2);
if (mode !== 'silent') throw new Error(`unknown mode ${mode}`);

const store = kind === 'file' ? new FileCacheStore({ path: location, allowUnencryptedStorage: true }) : await createRedisCacheStore({ url: location });
// With a DPoP key: the one the signed-in tokens are bound to (this process has no nonce yet).
const app = new PublicClientApplication({ clientId, authority: issuer, cacheStore: store, ...(dpopJwk && { dpop: { key: JSON.parse(dpopJwk) } }) });
const [account] = await app.getAccounts();
if (!account) throw new Error('no account in the shared cache');
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const result = await app.acquireTokenSilent({ scopes: ['api.read'], account });
process.stdout.write(`result ${createHash('sha256').update(result.accessToken).digest('hex')} ${result.fromCache}\n`);
await store.close?.();
