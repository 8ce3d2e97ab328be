// Child process for redis-cache-store.test.ts (bundled with the sources by cache-helpers.ts).
//   write <redis url> <prefix> <partition> <worker> <count>
//     writes <count> distinct access tokens into one partition through core's CachePersistence
import { CachePersistence } from '../../../core/src/cache/cache-store.ts';
import { TokenCache } from '../../../core/src/cache/token-cache.ts';
import { LogSink } from '../../../core/src/logger.ts';
import { createRedisCacheStore } from '../../src/cache/redis-cache-store.ts';

const [mode, url, prefix, partition, worker, count] = process.argv.slice(2);
if (mode !== 'write') throw new Error(`unknown mode ${mode}`);

const warnings = [];
const store = await createRedisCacheStore({ url, prefix, maxAttempts: 100 });
const persistence = new CachePersistence(new TokenCache(), store, new LogSink({ logger: { log: (_l, m) => warnings.push(m) }, level: 'warning' }));
const now = Math.floor(Date.now() / 1000);
for (let i = 0; i < Number(count); i++) {
  await persistence.write(partition, (cache) =>
    cache.upsert('AccessToken', {
      credential_type: 'AccessToken',
      secret: `at-w${worker}-${i}`,
      home_account_id: '',
      environment: 'login.example.com',
      client_id: `client-${worker}`,
      realm: 'tenant',
      target: `api://scope${i}`,
      token_type: 'Bearer',
      cached_at: String(now),
      expires_on: String(now + 3600),
    }),
  );
}
await store.close();
// A store failure would have been logged and swallowed by CachePersistence: make it fail the test.
if (warnings.length) throw new Error(`unexpected warnings: ${warnings.join('; ')}`);
process.stdout.write('done\n');
