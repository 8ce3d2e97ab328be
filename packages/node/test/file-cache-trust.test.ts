import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, open, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicClientApplication } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheStoreRefusedError, FileCacheStore } from '../src/index.js';
import { OTHER_USER, otherUid } from './support/other-user.js';

// Issue 10 item 8 and the file-size and lock questions: the file cache refuses what another user
// could have written or planted, with a real second OS user owning the files.

const posix = process.platform !== 'win32';

/** A cache holding one account: what an attacker would plant to make the victim use their account. */
const ATTACKER_CACHE = JSON.stringify({
  Account: {
    'attacker.home-127.0.0.1-attacker': {
      home_account_id: 'attacker.home',
      environment: '127.0.0.1',
      realm: 'attacker',
      local_account_id: 'attacker',
      username: 'attacker@example.com',
      authority_type: 'MSSTS',
    },
  },
  IdToken: {},
  AccessToken: {},
  RefreshToken: {},
  AppMetadata: {},
});

async function refusal(promise: Promise<unknown>): Promise<CacheStoreRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CacheStoreRefusedError);
  return error as CacheStoreRefusedError;
}

describe.skipIf(!posix)('FileCacheStore trusts only files of its own user', () => {
  let root: string;
  let n = 0;
  let other: number | undefined;
  /** A fresh private folder and a store on `<folder>/cache.json`. */
  const setup = async (options: { lockTimeoutMs?: number; staleLockMs?: number } = {}) => {
    const dir = join(root, `case-${++n}`);
    await mkdir(dir, { mode: 0o700 });
    const path = join(dir, 'cache.json');
    return { dir, path, store: new FileCacheStore({ path, allowUnencryptedStorage: true, ...options }) };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-file-trust-'));
    other = otherUid();
    if (other === undefined) console.warn(`file-cache-trust: not root, so the cases with a second user (${OTHER_USER}) are skipped`);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("refuses another user's world-writable file: the attacker's account never shows up, the file is untouched", async (context) => {
    if (other === undefined) return context.skip(`needs root to chown files to ${OTHER_USER}`);
    const { path, store } = await setup();
    await writeFile(path, ATTACKER_CACHE);
    await chown(path, other, other);
    await chmod(path, 0o666);

    const error = await refusal(store.load('default'));
    expect(error.reason).toBe('owner');
    expect(error.code).toBe('cache_store_refused');
    expect(error.target).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/another user \(uid \d+\).*To fix: remove it, or `chown 0 /s);
    // A write is refused too: the file is neither replaced nor re-moded.
    expect((await refusal(store.save('default', '{}'))).reason).toBe('owner');

    // Through a client: the account is not listed, and the log says why.
    const logged: string[] = [];
    const app = new PublicClientApplication({ clientId: 'c', authority: 'http://127.0.0.1:1', cacheStore: store, logger: { log: (_l, m) => logged.push(m) } });
    expect(await app.getAccounts()).toEqual([]);
    expect(logged.join('\n')).toContain(`Token cache file ${path} belongs to another user`);
    const st = await stat(path);
    expect([st.uid, st.mode & 0o777]).toEqual([other, 0o666]);
    expect(await readFile(path, 'utf8')).toBe(ATTACKER_CACHE);
  });

  it('refuses its own file when group or others may write it, and tightens one others may only read', async () => {
    const { path, store } = await setup();
    await writeFile(path, ATTACKER_CACHE);
    await chmod(path, 0o646);
    const error = await refusal(store.load('default'));
    expect(error.reason).toBe('mode');
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect((await stat(path)).mode & 0o777).toBe(0o646);

    await chmod(path, 0o620);
    expect((await refusal(store.load('default'))).reason).toBe('mode');

    await chmod(path, 0o644);
    expect(await store.load('default')).toBe(ATTACKER_CACHE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('does not follow a symlink at the cache path, on load or on save; the target keeps its mode and contents', async () => {
    const { dir, path, store } = await setup();
    const target = join(dir, 'elsewhere.json');
    await writeFile(target, ATTACKER_CACHE);
    await chmod(target, 0o644);
    await symlink(target, path);

    const error = await refusal(store.load('default'));
    expect(error.reason).toBe('symlink');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/symbolic link.*To fix: replace the link/s);
    expect((await refusal(store.save('default', '{}'))).reason).toBe('symlink');

    expect((await stat(target)).mode & 0o777).toBe(0o644);
    expect(await readFile(target, 'utf8')).toBe(ATTACKER_CACHE);
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(target);
  });

  it('refuses a FIFO planted at the cache path without blocking on it', async () => {
    const { path, store } = await setup();
    execFileSync('mkfifo', ['-m', '600', path]);
    expect((await refusal(store.load('default'))).reason).toBe('not_a_file');
  });

  it('refuses a 300 MB cache file instead of reading it whole', async () => {
    const { path, store } = await setup();
    const handle = await open(path, 'w', 0o600);
    await handle.truncate(300 * 1024 * 1024); // sparse: no disk used
    await handle.close();
    const error = await refusal(store.load('default'));
    expect(error.reason).toBe('too_large');
    expect(error.message).toMatch(/314572800 bytes, more than the 67108864-byte limit.*maxFileBytes/s);
    expect((await refusal(store.save('default', '{}'))).reason).toBe('too_large');
    expect((await stat(path)).size).toBe(300 * 1024 * 1024);
  });

  it("says at once that another user's lock blocks writes, instead of waiting and timing out", async (context) => {
    if (other === undefined) return context.skip(`needs root to chown files to ${OTHER_USER}`);
    // A lock timeout far beyond the test's: only an immediate refusal passes.
    const { path, store } = await setup({ lockTimeoutMs: 10 * 60_000 });
    await mkdir(`${path}.lock`);
    await chown(`${path}.lock`, other, other);
    const error = await refusal(store.save('default', '{}'));
    expect(error.reason).toBe('lock_owner');
    expect(error.message).toContain(`${path}.lock`);
    expect(error.message).toMatch(/another user \(uid \d+ owns .*\).*To fix: if no process of that user is writing this cache, remove/s);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 20_000);

  it("refuses another user's MSAL lock file (<file>.lockfile) at once; one left by a crashed MSAL process is broken after staleLockMs", async (context) => {
    if (other === undefined) return context.skip(`needs root to chown files to ${OTHER_USER}`);
    const { path, store } = await setup({ lockTimeoutMs: 10 * 60_000, staleLockMs: 2000 });
    await writeFile(`${path}.lockfile`, '4242');
    await chown(`${path}.lockfile`, other, other);
    const error = await refusal(store.save('default', '{}'));
    expect(error.reason).toBe('lock_owner');
    expect(error.message).toContain(`${path}.lockfile`);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    // Our own, untouched for longer than staleLockMs: left by a process that crashed mid-write.
    await chown(`${path}.lockfile`, 0, 0);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lockfile`, old, old);
    await store.save('default', '{"AccessToken":{}}');
    expect(await readFile(path, 'utf8')).toBe('{"AccessToken":{}}');
    await expect(stat(`${path}.lockfile`)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 20_000);
});
