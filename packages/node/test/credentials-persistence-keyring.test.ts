// Encrypted token cache persistence (tokenCachePersistenceOptions) against a real Secret Service:
// GNOME Keyring on a private D-Bus session bus that this file starts, and a bus without it.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import { describe, expect, it } from 'vitest';
import { CacheStoreUnavailableError, FileCacheStore, keyringEncryption } from '../src/index.js';
import { finished, startWorker } from './cache-helpers.js';
import { useDevAuthority, useTempDir } from './credentials-helpers.js';
import { persistentCredential, secretServiceMissing, useSessionBus } from './support/secret-service.js';

const SCOPE = 'api.read';
const PREFIX = 'TESSERA-AES256GCM-1:';
const missing = secretServiceMissing();
if (missing) console.warn(`Skipping the Secret Service tests: ${missing}`);

describe.skipIf(missing !== undefined)('encrypted token cache persistence (OS secret store)', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();
  // The keyring binding keeps its D-Bus connection for the process: one bus per test file
  // (credentials-persistence-no-keyring.test.ts has the bus without a Secret Service).
  useSessionBus({ keyring: true });
  const credential = (name: string) => persistentCredential(idp.current, tmp.path, name);
  const cacheFile = (name: string) => join(tmp.path, `${name}.nocae.json`);
  const keyEntry = (name: string) => new AsyncEntry('tessera-token-cache', `${name}.nocae`, { linux: { store: 'secret-service' } });
  const tokenRequests = () => idp.current.countRequests({ grantType: 'client_credentials' });

  it('writes only ciphertext, and a second credential reads the token back without a request', async () => {
    idp.current.clearRequests();
    const first = await credential('enc').getToken(SCOPE);
    expect(tokenRequests()).toBe(1);
    const onDisk = await readFile(cacheFile('enc'), 'utf8');
    expect(onDisk.startsWith(PREFIX)).toBe(true);
    expect(onDisk).not.toContain(first.token);
    expect(onDisk).not.toContain(first.token.split('.')[1]);
    expect(onDisk).not.toContain('AccessToken');
    expect(() => JSON.parse(onDisk)).toThrow();
    // The key is in the Secret Service, not on disk.
    const key = await keyEntry('enc').getPassword();
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('enc'))).toEqual(['enc.nocae.json']);

    idp.current.clearRequests();
    const second = await credential('enc').getToken(SCOPE);
    expect(second.token).toBe(first.token);
    expect(tokenRequests()).toBe(0);
  });

  it('refuses a file encrypted under another key, and leaves it untouched', async () => {
    await credential('rekeyed').getToken(SCOPE);
    const before = await readFile(cacheFile('rekeyed'));
    await keyEntry('rekeyed').setPassword(randomBytes(32).toString('base64'));
    const error = await credential('rekeyed').getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(CacheStoreUnavailableError);
    expect(error.message).toMatch(/cannot be decrypted with the key "tessera-token-cache\/rekeyed\.nocae".*delete it to start over/);
    expect(await readFile(cacheFile('rekeyed'))).toEqual(before);
  });

  it('refuses a file whose key was removed from the secret store', async () => {
    await credential('orphan').getToken(SCOPE);
    const before = await readFile(cacheFile('orphan'));
    expect(await keyEntry('orphan').deletePassword()).toBe(true);
    const error = await credential('orphan').getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(CacheStoreUnavailableError);
    expect(error.message).toContain('its key "tessera-token-cache/orphan.nocae" is not in the OS secret store');
    expect(await readFile(cacheFile('orphan'))).toEqual(before);
  });

  it('refuses a plain JSON file planted where an encrypted cache is expected', async () => {
    await writeFile(cacheFile('planted'), JSON.stringify({ AccessToken: {}, Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: {} }));
    await expect(credential('planted').getToken(SCOPE)).rejects.toThrow(/not encrypted, but encryption is required/);
  });

  it('FileCacheStore with keyringEncryption round-trips any text and keeps other entries', async () => {
    const store = () => new FileCacheStore({ name: 'direct', directory: tmp.path, encryption: keyringEncryption({ name: 'direct' }) });
    const data = JSON.stringify({ AccessToken: {}, Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: { 'appmetadata-x': { client_id: 'x', environment: 'e' } } });
    await store().save('default', data);
    expect(await store().load('default')).toBe(data);
    expect(await readFile(join(tmp.path, 'direct.json'), 'utf8')).not.toContain('appmetadata');
  });

  it('creates one key when the first writes of several partitions run at once: every file stays readable after a restart', async () => {
    // Per-account partitions are separate files under separate locks: their first writes meet only at the key.
    const store = () => new FileCacheStore({ name: 'racing', directory: tmp.path, encryption: keyringEncryption({ name: 'racing' }) });
    const data = (n: number) => JSON.stringify({ AccessToken: {}, Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: { [`appmetadata-${n}`]: { client_id: `c${n}`, environment: 'e' } } });
    const partitions = Array.from({ length: 6 }, (_, n) => `account:${n}`);
    // Two stores (two credentials with the same persistence name), each with its own encryption instance.
    const [a, b] = [store(), store()];
    await Promise.all(partitions.map((p, n) => (n % 2 ? a : b).save(p, data(n))));
    // A new process: a new encryption instance, which knows only the key in the secret store.
    const later = store();
    for (const [n, p] of partitions.entries()) expect(await later.load(p)).toBe(data(n));
  });

  it('creates one key when processes that start together write their first partitions at once', async () => {
    // Separate processes share no memory: only the secret store and the cache folder.
    const partitions = Array.from({ length: 4 }, (_, n) => `account:${n}`);
    const startAt = Date.now() + 1500;
    const workers = await Promise.all(partitions.map((p) => startWorker('keyring-worker.mjs', [tmp.path, 'processes', p, String(startAt)])));
    await Promise.all(workers.map(finished));
    const later = new FileCacheStore({ name: 'processes', directory: tmp.path, encryption: keyringEncryption({ name: 'processes' }) });
    for (const p of partitions) expect(await later.load(p)).toContain(`"client_id":"${p}"`);
  }, 30_000);
});
