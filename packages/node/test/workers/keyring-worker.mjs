// Child process for credentials-persistence-keyring.test.ts (bundled with the sources by cache-helpers.ts).
//   <directory> <name> <partition> <startAtMs>  at startAtMs, the first write of <partition> to an
//   encrypted FileCacheStore (keyringEncryption) of <name>; prints "saved"
import { FileCacheStore } from '../../src/cache/file-cache-store.ts';
import { keyringEncryption } from '../../src/cache/keyring-encryption.ts';

const [directory, name, partition, startAt] = process.argv.slice(2);
const store = new FileCacheStore({ name, directory, encryption: keyringEncryption({ name }) });
const data = JSON.stringify({ AccessToken: {}, Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: { [`appmetadata-${partition}`]: { client_id: partition, environment: 'e' } } });
// Warm up first (the keyring binding and its D-Bus connection, the lock module), then every worker
// starts its write at the same moment: the first writes meet at the key.
const { AsyncEntry } = await import('@napi-rs/keyring');
await new AsyncEntry('tessera-warm-up', name, { linux: { store: 'secret-service' } }).getPassword();
await store.lock('warm-up', async () => {});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
await store.save(partition, data);
console.log('saved');
