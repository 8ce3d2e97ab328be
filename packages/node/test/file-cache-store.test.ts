import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AbortError, ConfigurationError, TokenCache } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheStoreRefusedError, CacheStoreUnavailableError, FileCacheStore, type FileCacheStoreOptions, keyringEncryption, tokenCachePersistence } from '../src/index.js';
import { PERSONAL_HOME, finished, hasPersonalHome, perAccountLoadLog, sleep, startWorker } from './cache-helpers.js';

const posix = process.platform !== 'win32';

describe('FileCacheStore', () => {
  let root: string;
  let n = 0;
  /** A fresh, not yet existing folder for each test. */
  const folder = () => join(root, `case-${++n}`, 'cache');
  const store = (options: FileCacheStoreOptions = {}) =>
    new FileCacheStore({ directory: folder(), allowUnencryptedStorage: true, staleLockMs: 2000, ...options });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-file-store-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses to store unencrypted unless told to, and says how to opt in', () => {
    const error = (() => {
      try {
        tokenCachePersistence({ directory: folder() });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toMatch(/keyring.*allowUnencryptedStorage: true/s);
    expect(tokenCachePersistence({ directory: folder(), allowUnencryptedStorage: true })).toBeInstanceOf(FileCacheStore);
  });

  it('names files: default partition at path, other partitions beside it, sanitized and distinct', () => {
    const s = new FileCacheStore({ path: join(root, 'id', 'msal.cache'), allowUnencryptedStorage: true });
    expect(s.filePath('default')).toBe(join(root, 'id', 'msal.cache'));
    const a = s.filePath('account:Uid.Utid');
    const b = s.filePath('account:uid.utid');
    expect(a).toMatch(/msal\.cache\.account_uid_utid-[0-9a-f]{12}\.json$/);
    expect(a).not.toBe(b);
    expect(s.filePath('obo:../../etc/passwd')).toMatch(new RegExp(`^${join(root, 'id').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[/\\\\]msal\\.cache\\.obo_etc_passwd-[0-9a-f]{12}\\.json$`));
    const named = new FileCacheStore({ directory: join(root, 'd'), name: 'app', allowUnencryptedStorage: true });
    expect(named.path).toBe(join(root, 'd', 'app.json'));
    expect(named.filePath('app:client.tenant')).toMatch(/app\.app_client_tenant-[0-9a-f]{12}\.json$/);
  });

  it('8 processes x 50 writes into one file lose nothing; the file is valid JSON, 0600 in a 0700 folder', async () => {
    const s = store({ name: 'shared' });
    const workers = await Promise.all(Array.from({ length: 8 }, (_, w) => startWorker('file-worker.mjs', ['write', s.path, String(w), '50'])));
    await Promise.all(workers.map(finished));

    const text = await readFile(s.path, 'utf8');
    const cache = new TokenCache();
    cache.deserialize(text);
    const secrets = new Set([...cache.entries('AccessToken')].map(([, at]) => at.secret));
    expect(secrets.size).toBe(400);
    for (let w = 0; w < 8; w++) for (let i = 0; i < 50; i++) expect(secrets.has(`at-w${w}-${i}-`.padEnd(40, 'x'))).toBe(true);
    if (posix) {
      expect((await stat(s.path)).mode & 0o777).toBe(0o600);
      expect((await stat(s.directory)).mode & 0o777).toBe(0o700);
    }
    // No lock or temporary file is left behind.
    expect((await readdir(s.directory)).sort()).toEqual(['shared.json']);
  }, 60_000);

  it('takes concurrent writes of two instances in one process in turn', async () => {
    const a = store();
    const b = new FileCacheStore({ path: a.path, allowUnencryptedStorage: true });
    const add = (s: FileCacheStore, id: string) =>
      s.update('default', (current) => {
        const doc = current ? (JSON.parse(current) as { Account: Record<string, object> }) : { Account: {} };
        doc.Account[id] = {};
        return JSON.stringify(doc);
      });
    await Promise.all(Array.from({ length: 60 }, (_, i) => add(i % 2 ? a : b, `a${i}`)));
    expect(Object.keys((JSON.parse((await a.load('default'))!) as { Account: object }).Account)).toHaveLength(60);
  });

  it('load returns the identical string while the file is unchanged, and re-reads after a change', async () => {
    const s = store();
    expect(await s.load('default')).toBeUndefined();
    const written = await s.update('default', () => '{"AccessToken":{}}');
    const first = await s.load('default');
    expect(first).toBe(written);
    expect(await s.load('default')).toBe(first);

    // Another instance (as another process would) writes: the change is seen.
    const other = new FileCacheStore({ path: s.path, allowUnencryptedStorage: true });
    const otherFirst = await other.load('default');
    expect(otherFirst).toBe('{"AccessToken":{}}');
    await other.update('default', () => '{"AccessToken":{},"Account":{}}');
    const changed = await s.load('default');
    expect(changed).toBe('{"AccessToken":{},"Account":{}}');
    expect(await s.load('default')).toBe(changed);
  });

  it('keeps other partitions in their own files', async () => {
    const s = store();
    await s.save('app:client.tenant', '{"AccessToken":{"a":{}}}');
    await s.save('default', '{}');
    expect(await s.load('app:client.tenant')).toBe('{"AccessToken":{"a":{}}}');
    expect(await readFile(s.filePath('app:client.tenant'), 'utf8')).toBe('{"AccessToken":{"a":{}}}');
    expect(await s.load('account:someone')).toBeUndefined();
  });

  it('moves a corrupted file aside with one warning and keeps working', async () => {
    const warnings: string[] = [];
    const s = store({ onWarning: (m) => warnings.push(m) });
    await mkdir(s.directory, { recursive: true });
    await writeFile(s.path, '{"AccessToken": {"trunc');

    expect(await s.load('default')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/corrupt \(.*not valid JSON\); moved it to .*\.corrupt-\d{8}T\d{9}Z/);
    const aside = (await readdir(s.directory)).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(s.directory, aside[0]!), 'utf8')).toBe('{"AccessToken": {"trunc');

    expect(await s.load('default')).toBeUndefined();
    expect(await s.update('default', (current) => current ?? '{"Account":{}}')).toBe('{"Account":{}}');
    expect(await s.load('default')).toBe('{"Account":{}}');

    // Valid JSON that is not a cache object is corrupt too; update moves it aside and starts empty.
    await writeFile(s.path, '[1,2,3]');
    expect(await s.update('default', (current) => `{"seen":{"${current === undefined ? 'nothing' : 'something'}":{}}}`)).toBe(
      '{"seen":{"nothing":{}}}',
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/must be a JSON object/);
    expect((await readdir(s.directory)).filter((f) => f.includes('.corrupt-'))).toHaveLength(2);
  });

  // Bytes that are not UTF-8 (another tool's section damaged, or no text at all) must not be decoded
  // lossily: the U+FFFD text of the first still parses, and would be used and written back changed.
  const DAMAGED = Buffer.concat([Buffer.from('{"Account":{},"OtherTool":{"x":{"secret":"abc'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}}')]);
  const BINARY = Buffer.from([0x80, 0x00, 0xc3, 0x28, 0xff]);
  // A BOM is kept as it was (JSON.parse, and MSAL's readers, take it for no JSON): corrupt, as before.
  const BOM = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Account":{}}')]);
  /** Writes a file last changed a while ago: no peer is halfway through it, so no wait to settle. */
  const plant = async (path: string, bytes: Buffer) => {
    await writeFile(path, bytes);
    await utimes(path, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
  };

  it('moves a file that is not UTF-8 aside (its exact bytes) with a warning, as any corrupt file, and starts afresh', async () => {
    for (const bytes of [DAMAGED, BINARY, BOM]) {
      const warnings: string[] = [];
      const s = store({ onWarning: (m) => warnings.push(m) });
      await mkdir(s.directory, { recursive: true });
      await plant(s.path, bytes);

      expect(await s.load('default')).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(bytes === BOM ? /corrupt \(.*not valid JSON\); moved it to / : /corrupt \(not UTF-8 text\); moved it to .*\.corrupt-\d{8}T\d{9}Z/);
      expect(warnings[0]).not.toContain('abc');
      const aside = (await readdir(s.directory)).filter((f) => f.includes('.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(await readFile(join(s.directory, aside[0]!))).toEqual(bytes);

      // update on such a file (no load first) moves it aside too and hands mutate nothing.
      await plant(s.path, bytes);
      const seen: Array<string | undefined> = [];
      expect(await s.update('default', (current) => (seen.push(current), '{"Account":{}}'))).toBe('{"Account":{}}');
      expect(seen).toEqual([undefined]);
      expect(await readFile(s.path, 'utf8')).toBe('{"Account":{}}');
      expect(warnings).toHaveLength(2);
      expect((await readdir(s.directory)).filter((f) => f.includes('.corrupt-'))).toHaveLength(2);
    }
  });

  it("with onCorrupt: 'refuse' leaves a file that is not UTF-8 untouched and fails with CacheStoreRefusedError", async () => {
    for (const bytes of [DAMAGED, BINARY]) {
      const s = store({ onCorrupt: 'refuse', onWarning: () => expect.unreachable('no warning') });
      await mkdir(s.directory, { recursive: true });
      await plant(s.path, bytes);
      for (const attempt of [() => s.load('default'), () => s.update('default', () => '{}')]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CacheStoreRefusedError);
        expect(error).toMatchObject({ reason: 'corrupt', target: s.path });
        expect((error as Error).message).toContain(`${s.path} is not a plain cache JSON file (not UTF-8 text); it was left untouched`);
      }
      expect(await readFile(s.path)).toEqual(bytes);
      expect((await readdir(s.directory)).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    }
  });

  it('with encryption, the encryption judges a file that is not UTF-8 first: refused untouched where plain files are not allowed, moved aside where they are', async () => {
    // Only loads: a plain file never reaches the OS secret store.
    const strict = store({ encryption: keyringEncryption({ name: 'tessera-test-not-utf8' }) });
    await mkdir(strict.directory, { recursive: true });
    await plant(strict.path, DAMAGED);
    await expect(strict.load('default')).rejects.toThrow(/not encrypted, but encryption is required; it was left untouched/);
    expect(await readFile(strict.path)).toEqual(DAMAGED);

    const warnings: string[] = [];
    const plainAllowed = store({ encryption: keyringEncryption({ name: 'tessera-test-not-utf8', allowPlaintextFallback: true }), onWarning: (m) => warnings.push(m) });
    await mkdir(plainAllowed.directory, { recursive: true });
    await plant(plainAllowed.path, DAMAGED);
    expect(await plainAllowed.load('default')).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/corrupt \(not UTF-8 text\); moved it to /)]);
    const aside = (await readdir(plainAllowed.directory)).filter((f) => f.includes('.corrupt-'));
    expect(await readFile(join(plainAllowed.directory, aside[0]!))).toEqual(DAMAGED);
  });

  // A per-account partition's file is named after the home account id, personal data in MSAL's
  // logging model: warnings and errors (and so the client's log lines quoting them) name the file by
  // its folder, partition kind and tag, a pattern only it matches, unless the store's piiLoggingEnabled is on.
  const ACCOUNT = `account:${PERSONAL_HOME}`;
  /** The one file a shell pattern (`*` only) matches in `dir`. */
  const matching = async (pattern: string, dir: string) => {
    const re = new RegExp(`^${pattern.replace(/[\\^$.+?()[\]{}|]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return (await readdir(dir)).filter((name) => re.test(name));
  };

  it("names a per-account partition's file without the home account id in warnings, errors and the client's log, unless piiLoggingEnabled", async () => {
    for (const pii of [false, true]) {
      const warnings: string[] = [];
      const quarantining = store({ onWarning: (m) => warnings.push(m), piiLoggingEnabled: pii });
      const dir = quarantining.directory;
      const file = quarantining.filePath(ACCOUNT);
      expect(hasPersonalHome(file)).toBe(true); // why it is hidden
      const shown = pii ? file : join(dir, `tessera.cache.account_*-${file.match(/-([0-9a-f]{12})\.json$/)![1]}.json`);
      await mkdir(dir, { recursive: true });
      await plant(file, Buffer.from('not json'));
      expect(await quarantining.load(ACCOUNT)).toBeUndefined();
      expect(warnings).toEqual([expect.stringMatching(/^Token cache file .* was corrupt \(.*\); moved it to .*\.corrupt-\d{8}T\d{9}Z and continuing with an empty cache$/)]);
      expect(warnings[0]).toContain(`Token cache file ${shown} was corrupt`);
      expect(warnings[0]).toContain(`moved it to ${shown}.corrupt-`);
      expect(hasPersonalHome(warnings[0])).toBe(pii);
      // The pattern finds the file, and its aside copy, alone (a shell expands it so).
      expect(await matching(`${basename(shown)}.corrupt-*`, dir)).toEqual((await readdir(dir)).filter((name) => name.includes('.corrupt-')));
      await plant(file, Buffer.from('{}'));
      expect(await matching(basename(shown), dir)).toEqual([basename(file)]);

      // Refused: the error's message, stack and target; a fix to copy (chmod on the pattern) included.
      const refusing = store({ onCorrupt: 'refuse', piiLoggingEnabled: pii });
      const refusingShown = shown.replace(dir, refusing.directory);
      await mkdir(refusing.directory, { recursive: true });
      await plant(refusing.filePath(ACCOUNT), Buffer.from('not json'));
      const corrupt = (await refusing.load(ACCOUNT).catch((e: unknown) => e)) as CacheStoreRefusedError;
      expect(corrupt).toBeInstanceOf(CacheStoreRefusedError);
      expect(corrupt).toMatchObject({ reason: 'corrupt', target: pii ? refusing.filePath(ACCOUNT) : refusingShown });
      expect(corrupt.message).toContain(`${corrupt.target} is not a plain cache JSON file`);
      expect([hasPersonalHome(corrupt.message), hasPersonalHome(corrupt.stack)]).toEqual([pii, pii]);
      if (posix) {
        await chmod(refusing.filePath(ACCOUNT), 0o664);
        const mode = (await refusing.update(ACCOUNT, () => '{}').catch((e: unknown) => e)) as CacheStoreRefusedError;
        expect(mode).toMatchObject({ reason: 'mode', target: corrupt.target });
        expect(mode.message).toContain(`\`chmod 600 ${corrupt.target}\``);
        expect(hasPersonalHome(mode.message)).toBe(pii);
      }

      // A file system error names the file too (ENOTDIR: the folder is a file).
      const notDir = join(refusing.directory, 'not-a-folder');
      await writeFile(notDir, '');
      const broken = new FileCacheStore({ directory: notDir, allowUnencryptedStorage: true, piiLoggingEnabled: pii });
      const unreadable = (await broken.load(ACCOUNT).catch((e: unknown) => e)) as Error;
      expect(unreadable).toBeInstanceOf(CacheStoreUnavailableError);
      expect(unreadable.message).toMatch(/could not read .*ENOTDIR/);
      expect(hasPersonalHome(unreadable.message)).toBe(pii);

      // Through a client with per-account partitions: its warning quotes the store's error.
      const logged = await perAccountLoadLog(refusing, pii);
      expect(logged).toEqual([expect.stringContaining(`Cache store could not load partition`)]);
      expect(logged[0]).toContain(`${corrupt.target} is `);
      expect(hasPersonalHome(logged[0])).toBe(pii);
    }
  });

  it('breaks a stale lock left behind by a crashed holder', async () => {
    const s = store();
    await mkdir(`${s.path}.lock`, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await utimes(`${s.path}.lock`, old, old);
    const started = Date.now();
    await s.save('default', '{}');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await s.load('default')).toBe('{}');
  });

  it('waits for a live lock and recovers when its holder is SIGKILLed', async () => {
    const s = store({ name: 'held' });
    await s.save('default', '{}');
    const holder = await startWorker('file-worker.mjs', ['hold-lock', s.path]);
    await holder.line('locked');
    const started = Date.now();
    const waiting = s.update('default', () => '{"Account":{}}');
    await sleep(300);
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(await waiting).toBe('{"Account":{}}');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1500); // it did wait for the stale threshold (2 s)
    expect(waited).toBeLessThan(8000);
  });

  it('gives up waiting for a lock on abort, and rejects an aborted call at once', async () => {
    const s = store();
    await expect(s.load('default', AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    await mkdir(s.directory, { recursive: true });
    await mkdir(`${s.path}.lock`); // fresh: held by "someone"
    const started = Date.now();
    await expect(s.save('default', '{}', AbortSignal.timeout(200))).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a writer SIGKILLed mid-write leaves the old or the new file, never a torn one', async () => {
    const s = store({ name: 'churn' });
    const temps = async () => {
      const found: { name: string; size: number }[] = [];
      for (const name of await readdir(s.directory)) {
        if (!name.includes('.tmp-')) continue;
        const st = await stat(join(s.directory, name)).catch(() => undefined);
        if (st) found.push({ name, size: st.size });
      }
      return found;
    };
    for (let round = 0; round < 2; round++) {
      const before = new Set((await temps().catch(() => [])).map((t) => t.name));
      const writer = await startWorker('file-worker.mjs', ['churn', s.path]);
      await writer.line('started', 30_000);
      // Kill it while a temporary file is being written: between open and rename.
      const deadline = Date.now() + 20_000;
      while (!(await temps()).some((t) => !before.has(t.name) && t.size > 0)) {
        if (Date.now() > deadline) throw new Error('the writer never started a write');
        await sleep(2);
      }
      writer.child.kill('SIGKILL');
      await writer.exited;
      expect((await temps()).filter((t) => !before.has(t.name))).not.toHaveLength(0); // it died mid-write

      const parsed = JSON.parse(await readFile(s.path, 'utf8')) as { AccessToken: object; Version: { current: { n: number } } };
      expect(Object.keys(parsed.AccessToken)).toHaveLength(2000 + parsed.Version.current.n);
      if (posix) expect((await stat(s.path)).mode & 0o777).toBe(0o600);
    }
    // The next writer breaks the dead writer's lock and sweeps its temporary files (once they are stale).
    await sleep(2100);
    await s.save('default', '{}');
    expect(await temps()).toEqual([]);
    expect(await s.load('default')).toBe('{}');
  }, 60_000);

  // msal-node keeps its cache through a plugin that rewrites the file in place (truncate, then
  // write; the msal-node peer of msal-interop.test.ts, and msal-node-extensions' FilePersistence,
  // do so). A reader that comes in between sees an empty or cut-off file: that is a peer's write
  // in progress, not a corrupt or empty cache.
  it('a peer rewriting the file in place (as msal-node\'s cache plugin does): never read as empty, never moved aside', async () => {
    const path = join(folder(), 'msal.cache');
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    const entries: Record<string, unknown> = {};
    for (let i = 0; i < 4000; i++) {
      entries[`k${i}`] = { credential_type: 'AccessToken', secret: `${'s'.repeat(200)}${i}`, home_account_id: 'peer', environment: 'e', client_id: 'c', realm: 'r', target: `t${i}`, cached_at: '1', expires_on: '9999999999' };
    }
    const text = JSON.stringify({ Account: {}, IdToken: {}, RefreshToken: {}, AppMetadata: {}, AccessToken: entries }); // ~1.5 MB: several write() calls
    await writeFile(path, text, { mode: 0o600 });
    const script = `const { writeFile } = require('node:fs/promises'); const text = require('node:fs').readFileSync(process.argv[1], 'utf8');
      (async () => { for (let i = 0; i < 150; i++) { await writeFile(process.argv[1], text, { mode: 0o600 }); await new Promise((r) => setTimeout(r, 10)); } })();`;
    const peer = new Promise<void>((resolve, reject) => execFile(process.execPath, ['-e', script, path], (error) => (error ? reject(error) : resolve())));
    let peerDone = false;
    void peer.finally(() => (peerDone = true));

    const warnings: string[] = [];
    const s = new FileCacheStore({ path, allowUnencryptedStorage: true, onWarning: (m) => warnings.push(m) });
    const reads: (string | undefined)[] = [];
    while (!peerDone) {
      reads.push(await s.load('default'));
      // A write of ours in between: it reads the file under its lock, and must not move it aside either.
      if (reads.length % 20 === 0) await s.update('default', (current) => current ?? '{}');
    }
    await peer;
    expect(warnings).toEqual([]);
    expect((await readdir(join(path, '..'))).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r !== text)).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  // msal-node-extensions (the persistence of @azure/identity's token cache, VS Code's Azure
  // extensions, ...) guards its read-modify-write of a shared cache file with `<file>.lockfile`:
  // created exclusively, holding the pid, deleted when done; it writes the file in place. This
  // peer does exactly that (@azure/msal-node-extensions' CrossPlatformLock, PersistenceCachePlugin
  // and FilePersistence, with its configurable retry delay shortened), 100 times, while Tessera
  // writes 100 entries of its own through update(): every entry of both must be in the file.
  it('a peer using msal-node-extensions\' lock file (<file>.lockfile) and Tessera writing at once lose none of each other\'s entries', async () => {
    const path = join(folder(), 'msal.cache');
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    await writeFile(path, '', { mode: 0o600 }); // FilePersistence.create makes an empty file
    const entry = (id: string) => ({ credential_type: 'AccessToken', secret: `secret-${id}`, home_account_id: id, environment: 'e', client_id: 'c', realm: 'r', target: id, cached_at: '1', expires_on: '9999999999' });
    const script = `
      const fs = require('node:fs/promises');
      const [path, count] = [process.argv[1], Number(process.argv[2])];
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      async function lock() {
        for (let i = 0; i < 500; i++) {
          try { const h = await fs.open(path + '.lockfile', 'wx+'); await h.write(String(process.pid)); return h; }
          catch (e) { if (e.code !== 'EEXIST') throw e; await sleep(5); }
        }
        throw new Error('peer: lock not acquired');
      }
      (async () => {
        for (let i = 0; i < count; i++) {
          const h = await lock();
          try {
            const text = await fs.readFile(path, 'utf-8');
            const cache = text ? JSON.parse(text) : {};
            cache.AccessToken = { ...cache.AccessToken, ['peer-' + i]: ${JSON.stringify(entry('ID'))} };
            await fs.writeFile(path, JSON.stringify(cache), { encoding: 'utf-8', mode: 0o600 });
          } finally { await fs.unlink(path + '.lockfile'); await h.close(); }
          await sleep(1);
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const peer = new Promise<void>((resolve, reject) => execFile(process.execPath, ['-e', script, path, '100'], (error, _o, stderr) => (error ? reject(new Error(stderr)) : resolve())));
    const warnings: string[] = [];
    const s = new FileCacheStore({ path, allowUnencryptedStorage: true, onWarning: (m) => warnings.push(m) });
    for (let i = 0; i < 100; i++) {
      await s.update('default', (current) => {
        const cache = current ? (JSON.parse(current) as { AccessToken?: Record<string, unknown> }) : {};
        return JSON.stringify({ ...cache, AccessToken: { ...cache.AccessToken, [`tessera-${i}`]: entry(`tessera-${i}`) } });
      });
    }
    await peer;
    const final = JSON.parse(await readFile(path, 'utf8')) as { AccessToken: Record<string, unknown> };
    const keys = Object.keys(final.AccessToken);
    expect(keys.filter((k) => k.startsWith('peer-'))).toHaveLength(100);
    expect(keys.filter((k) => k.startsWith('tessera-'))).toHaveLength(100);
    expect(warnings).toEqual([]);
    expect((await readdir(join(path, '..'))).filter((f) => f.endsWith('.lockfile'))).toEqual([]);
  });
});
