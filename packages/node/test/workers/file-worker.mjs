// Child process for file-cache-store.test.ts (bundled with the sources by cache-helpers.ts).
//   write <file> <worker> <count>  writes <count> distinct access tokens through core's CachePersistence
//   hold-lock <file>               takes the lock, says "locked", then hangs (the parent SIGKILLs it)
//   churn <file>                   rewrites a large (~17 MB) cache forever (the parent SIGKILLs it mid-write)
import { writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CachePersistence } from '../../../core/src/cache/cache-store.ts';
import { TokenCache } from '../../../core/src/cache/token-cache.ts';
import { LogSink } from '../../../core/src/logger.ts';
import { FileCacheStore } from '../../src/cache/file-cache-store.ts';

const [mode, file, ...rest] = process.argv.slice(2);
const warnings = [];
const store = new FileCacheStore({
  directory: dirname(file),
  name: basename(file).replace(/\.json$/, ''),
  allowUnencryptedStorage: true,
  staleLockMs: 2000,
  onWarning: (m) => warnings.push(m),
});

export function accessToken(owner, i, size = 40) {
  const now = Math.floor(Date.now() / 1000);
  return {
    credential_type: 'AccessToken',
    secret: `at-${owner}-${i}-`.padEnd(size, 'x'),
    home_account_id: `${owner}.tenant`,
    environment: 'login.example.com',
    client_id: 'client',
    realm: 'tenant',
    target: `api://${owner}/scope${i}`,
    token_type: 'Bearer',
    cached_at: String(now),
    expires_on: String(now + 3600),
  };
}

if (mode === 'write') {
  const [worker, count] = rest;
  const persistence = new CachePersistence(new TokenCache(), store, new LogSink({ logger: { log: (_l, m) => warnings.push(m) }, level: 'warning' }));
  for (let i = 0; i < Number(count); i++) {
    await persistence.write('default', (cache) => cache.upsert('AccessToken', accessToken(`w${worker}`, i)));
  }
  if (warnings.length) throw new Error(`unexpected warnings: ${warnings.join('; ')}`);
  process.stdout.write('done\n');
} else if (mode === 'hold-lock') {
  await store.update('default', () => {
    writeSync(1, 'locked\n');
    for (;;); // never returns; the lock is never refreshed or released
  });
} else if (mode === 'churn') {
  // Version n holds 2000 + n access tokens and records n, so a torn or mixed file is detectable.
  const doc = { AccessToken: {}, Version: { current: { n: 0 } } };
  for (let i = 0; i < 2000; i++) doc.AccessToken[`k${i}`] = accessToken('churn', i, 8000);
  for (let n = 0; ; n++) {
    if (n > 0) doc.AccessToken[`k${2000 + n - 1}`] = accessToken('churn', 2000 + n - 1, 8000);
    doc.Version.current.n = n;
    await store.save('default', JSON.stringify(doc));
    if (n === 0) writeSync(1, 'started\n');
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
