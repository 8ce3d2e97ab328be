// constants from node:fs/promises: importing node:fs itself loads node:stream (see node-builtins.ts).
import type { BigIntStats } from 'node:fs';
import { type FileHandle, chmod, constants, lstat, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AbortError, CacheFormatError, type CacheStore, ConfigurationError, parseCacheJson } from '@tessera/core';
import type * as ProperLockfile from 'proper-lockfile';
import { homedir, nodeCrypto } from '../node-builtins.js';
import { CacheStoreBusyError, type CacheStoreRefusal, CacheStoreRefusedError, CacheStoreUnavailableError, describeCause } from './errors.js';
import type { CacheEncryption } from './keyring-encryption.js';
import { KeyedQueue, corruptStamp, emitCacheWarning, partitionTag, showName, sleep, throwIfAborted, withDeadline } from './util.js';

/** The partition that core's default `'single'` partitioning uses for everything. */
export const DEFAULT_PARTITION = 'default';

/** Options of FileCacheStore (and tokenCachePersistence). */
export interface FileCacheStoreOptions {
  /**
   * File name (without `.json`) of the cache in `directory`: `<directory>/<name>.json`.
   * Default `tessera.cache`. Ignored when `path` is set.
   */
  name?: string;
  /** Folder of the cache file. Default `~/.tessera` (created with mode 0700). */
  directory?: string;
  /**
   * Full path of the cache file, e.g. `~/.IdentityService/msal.cache` to share a cache with other
   * MSAL-schema tools. A leading `~` means the home directory. Overrides `name` and `directory`.
   */
  path?: string;
  /**
   * Must be `true` unless `encryption` is set: the file is then plain JSON protected only by its
   * permissions (0600 in a 0700 folder).
   */
  allowUnencryptedStorage?: boolean;
  /**
   * Encrypts the file, e.g. `keyringEncryption({ name })` (AES-256-GCM under a key in the OS secret
   * store). A file that cannot be decrypted is never moved aside or overwritten: reads and writes fail
   * with CacheStoreUnavailableError.
   */
  encryption?: CacheEncryption;
  /**
   * What to do with a file that is not cache JSON (nor UTF-8 text): `'quarantine'` (default) moves
   * it aside and goes on empty; `'refuse'` leaves it untouched and fails with CacheStoreRefusedError
   * (reason `corrupt`), for files that belong to other tools (a shared cache another tool may have encrypted).
   */
  onCorrupt?: 'quarantine' | 'refuse';
  /** Receives warnings (a corrupted file moved aside). Default `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * A lock whose holder has not refreshed it for this long is taken to be left by a crashed
   * process and is broken (MSAL's `<file>.lockfile` too). Default 10,000 ms; at least 2,000 (the
   * holder refreshes it every stale/2).
   */
  staleLockMs?: number;
  /** How long `update` waits for the lock before failing with `CacheStoreBusyError`. Default 3 x staleLockMs. */
  lockTimeoutMs?: number;
  /**
   * A cache file larger than this is refused (`CacheStoreRefusedError`, reason `too_large`) rather
   * than read into memory. Default 64 MiB (about 15,000 accounts with their tokens).
   */
  maxFileBytes?: number;
  /**
   * Name per-account partitions' files in full in warnings and errors. Their names hold the home
   * account id (personal data, as in MSAL's logging), so by default such a file is named
   * `<folder>/<stem>.account_*-<tag>.json`: a pattern that matches that file alone, without the id.
   * Default false; set it with the client's `piiLoggingEnabled`.
   */
  piiLoggingEnabled?: boolean;
}

type Contents =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'data'; data: string }
  | { kind: 'corrupt'; reason: string };

interface Snapshot {
  /** dev, ino, size, mtime and ctime (ns) of the file the contents came from. */
  signature: string;
  contents: Contents;
  /** The file's mtime, in ms since the epoch. */
  modifiedMs?: number;
  /** A corrupt file we already warned about and could not move aside. */
  warned?: boolean;
}

interface LockState {
  compromised?: Error;
}

const STORE = 'file';
/** One queue per file for the whole process, whichever store instance writes it. */
const queue = new KeyedQueue();
const isWindows = process.platform === 'win32';
/** Never follow a symlink at the cache path; never block on a FIFO planted there. */
const READ_FLAGS = isWindows ? 'r' : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * A file found empty or not cache JSON this soon after it changed may be half-written by a peer
 * that rewrites it in place (msal-node's cache plugins truncate, then write): it is read again.
 */
const SETTLE_MS = 1000;
/** How long a read waits for such a file to be whole, or still, before giving up (CacheStoreBusyError). */
const MAX_SETTLE_WAIT_MS = 3000;

/**
 * Token cache in JSON files, in MSAL's unified schema (the same text `TokenCache.serialize()` makes),
 * for desktop apps, CLIs and single-machine services.
 *
 * - Partition `default` (core's `'single'` partitioning) is the file at `path`
 *   (default `~/.tessera/tessera.cache.json`); any other partition key `k` is the file
 *   `<stem>.<sanitized k>-<hash of k>.json` beside it.
 * - `update` holds a cross-process lock (`proper-lockfile`, `<file>.lock`) for its read-modify-write,
 *   and MSAL's lock file (`<file>.lockfile`, as msal-node-extensions takes it), so MSAL tools sharing
 *   the file (@azure/identity's persistent cache) and Tessera never lose each other's writes;
 *   a lock left by a crashed process is broken once it is `staleLockMs` old.
 * - Writes go to a temporary file in the same folder, are fsynced, then renamed over the file,
 *   so readers and crashed writers only ever see the old or the new contents.
 * - `load` re-reads only when the file changed and otherwise returns the very same string.
 * - A corrupt file (not UTF-8 text, not cache JSON) is moved aside to `<file>.corrupt-<timestamp>`
 *   with a warning; the store goes on empty.
 *   A file that is empty or not JSON within a second of changing is read again first: a peer that
 *   rewrites it in place (msal-node's cache plugins) may be halfway through.
 * - A file another user could have written or planted (owned by someone else, group/other-writable,
 *   a symlink, not a regular file, over `maxFileBytes`) and a lock held by another user are refused
 *   with `CacheStoreRefusedError`, untouched.
 * - `lock(name)` (taken by clients around a refresh) is the cross-process lock
 *   `<file>.<hash of name>.lock`, beside the cache and apart from the write lock.
 */
export class FileCacheStore implements CacheStore {
  /** The file of the `default` partition. */
  readonly path: string;
  /** The folder of the cache file. */
  readonly directory: string;
  private readonly stem: string;
  private readonly warn: (message: string) => void;
  private readonly refuseCorrupt: boolean;
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;
  private readonly maxFileBytes: number;
  /** The folder is ours alone (the default folder, or one we created): its mode may be tightened. */
  private readonly dedicatedDirectory: boolean;
  private directoryChecked = false;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly tempsSwept = new Set<string>();
  private readonly encryption?: CacheEncryption;
  /** The encryption key was found or created once, under the lock (see encrypt). */
  private keyChecked = false;
  private readonly pii: boolean;

  constructor(options: FileCacheStoreOptions = {}) {
    if (options.allowUnencryptedStorage !== true && !options.encryption) {
      throw new ConfigurationError(
        'FileCacheStore would store tokens unencrypted. Pass `encryption: keyringEncryption({ name })` to encrypt the file ' +
          'with a key kept in the OS secret store (Keychain, Credential Manager, Secret Service; needs @napi-rs/keyring), ' +
          'or `allowUnencryptedStorage: true` to store it as a plain JSON file readable only by your user (mode 0600 in a 0700 folder).',
      );
    }
    this.encryption = options.encryption;
    if (options.path !== undefined && (options.name !== undefined || options.directory !== undefined)) {
      throw new ConfigurationError('FileCacheStore: set either `path`, or `name` and/or `directory`, not both');
    }
    const staleLockMs = options.staleLockMs ?? 10_000;
    if (!(staleLockMs >= 2000)) throw new ConfigurationError('FileCacheStore: `staleLockMs` must be at least 2000');
    this.staleLockMs = staleLockMs;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 3 * staleLockMs;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!(this.maxFileBytes > 0)) throw new ConfigurationError('FileCacheStore: `maxFileBytes` must be positive');
    this.refuseCorrupt = options.onCorrupt === 'refuse';
    this.warn = options.onWarning ?? emitCacheWarning;
    this.pii = options.piiLoggingEnabled === true;

    if (options.path !== undefined) {
      if (options.path.trim() === '') throw new ConfigurationError('FileCacheStore: `path` must not be empty');
      this.path = resolve(expandHome(options.path));
      this.directory = dirname(this.path);
      this.dedicatedDirectory = false;
    } else {
      const name = options.name ?? 'tessera.cache';
      if (!name || /[/\\]/.test(name) || name === '.' || name === '..') {
        throw new ConfigurationError(`FileCacheStore: \`name\` must be a plain file name, not "${name}"`);
      }
      this.directory = resolve(expandHome(options.directory ?? join(homedir(), '.tessera')));
      this.path = join(this.directory, `${name}.json`);
      this.dedicatedDirectory = options.directory === undefined;
    }
    this.stem = basename(this.path).replace(/\.json$/i, '');
  }

  /** The file that holds a partition. */
  filePath(partitionKey: string): string {
    if (partitionKey === DEFAULT_PARTITION) return this.path;
    return join(this.directory, `${this.stem}.${partitionFileKey(partitionKey)}.json`);
  }

  async load(partitionKey: string, signal?: AbortSignal): Promise<string | undefined> {
    throwIfAborted(signal);
    const file = this.filePath(partitionKey);
    const snapshot = await this.readWhole(file, signal);
    const { contents } = snapshot;
    if (contents.kind === 'data') return contents.data;
    if (contents.kind === 'corrupt' && this.refuseCorrupt) throw this.refused(file, contents.reason);
    if (contents.kind !== 'corrupt' || snapshot.warned) return undefined;
    // Move it aside under the lock, so a writer replacing it at this moment is not disturbed.
    return this.withLock(file, signal, { msal: true }, async () => {
      const again = await this.readWhole(file, signal);
      if (again.contents.kind === 'data') return again.contents.data;
      if (again.contents.kind === 'corrupt' && !again.warned) await this.quarantine(file, again, false);
      return undefined;
    });
  }

  async save(partitionKey: string, data: string, signal?: AbortSignal): Promise<void> {
    await this.update(partitionKey, () => data, signal);
  }

  async update(partitionKey: string, mutate: (current: string | undefined) => string, signal?: AbortSignal): Promise<string> {
    throwIfAborted(signal);
    const file = this.filePath(partitionKey);
    await this.ensureDirectory();
    return this.withLock(file, signal, { msal: true }, async (lock) => {
      await this.sweepTemps(file);
      const current = await this.readWhole(file, signal);
      if (current.contents.kind === 'corrupt') {
        if (this.refuseCorrupt) throw this.refused(file, current.contents.reason);
        await this.quarantine(file, current, true);
      }
      const next = mutate(current.contents.kind === 'data' ? current.contents.data : undefined);
      if (typeof next !== 'string') throw new TypeError('FileCacheStore.update: `mutate` must return a string');
      await this.replace(file, next, lock);
      return next;
    });
  }

  /**
   * Runs `work` holding the cross-process lock `name` (`<file>.<hash of name>.lock`; clients take it
   * around a refresh, so processes sharing this file make one refresh and never redeem a refresh
   * token another process rotated). Waits up to `lockTimeoutMs`, then fails with CacheStoreBusyError;
   * a lock left by a crashed process is broken after `staleLockMs`.
   */
  async lock<T>(name: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    await this.ensureDirectory();
    const target = `${this.path}.${nodeCrypto().createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
    return this.withLock(target, signal, { msal: false }, () => work());
  }

  /**
   * Reads a file, re-reading one that is empty or not cache JSON while it was changed within the
   * last SETTLE_MS: a peer that writes in place (no lock of ours, no atomic rename) may be halfway.
   * Such a file is taken as it is once it has been still that long; one that keeps changing
   * without ever being whole is CacheStoreBusyError, never an empty cache or a file to move aside.
   */
  private async readWhole(file: string, signal?: AbortSignal): Promise<Snapshot> {
    const giveUp = Date.now() + MAX_SETTLE_WAIT_MS;
    for (let delay = 4; ; delay = Math.min(delay * 2, 40)) {
      const snapshot = await this.read(file);
      const { kind } = snapshot.contents;
      if (kind === 'data' || kind === 'missing' || !(Math.abs(Date.now() - (snapshot.modifiedMs ?? 0)) < SETTLE_MS)) return snapshot;
      if (Date.now() >= giveUp) {
        throw new CacheStoreBusyError(
          STORE,
          this.about(file, `${file} kept changing for ${MAX_SETTLE_WAIT_MS} ms without holding whole cache JSON (another program is writing it in place); it was neither used nor changed`),
        );
      }
      await sleep(delay / 2 + Math.random() * delay, signal);
    }
  }

  /** Reads a file unless its signature is the one we saw last time. */
  private async read(file: string): Promise<Snapshot> {
    let handle: FileHandle;
    try {
      // Windows has no O_NOFOLLOW: check for a link first (a race there only makes us read the target).
      if (isWindows && (await lstat(file).catch(() => undefined))?.isSymbolicLink()) throw Object.assign(new Error('symbolic link'), { code: 'ELOOP' });
      handle = await open(file, READ_FLAGS);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        this.snapshots.delete(file);
        return { signature: '', contents: { kind: 'missing' } };
      }
      if (errorCode(error) === 'ELOOP') {
        throw this.refusal(file, 'symlink', 'is a symbolic link; a token cache must be a regular file', `replace the link with the file itself, or point \`path\` at the real file`);
      }
      throw this.unavailable('read', file, error);
    }
    try {
      let st = await handle.stat({ bigint: true });
      st = await this.checkFile(file, handle, st);
      const signature = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const known = this.snapshots.get(file);
      if (known?.signature === signature) return known;
      const bytes = await this.readAtMost(handle, file);
      const text = strictUtf8(bytes);
      // Encryption judges the file first, as it judges any text (one it must refuse stays untouched);
      // bytes that are not UTF-8 are then corrupt, never the cache JSON their lossy decoding may be.
      const plain = this.encryption ? await this.encryption.decrypt(text ?? bytes.toString('utf8')) : text;
      const snapshot: Snapshot = {
        signature,
        contents: text === undefined ? { kind: 'corrupt', reason: 'not UTF-8 text' } : classify(plain!),
        modifiedMs: Number(st.mtimeNs / 1_000_000n),
      };
      this.snapshots.set(file, snapshot);
      return snapshot;
    } catch (error) {
      throw this.unavailable('read', file, error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private refused(file: string, reason: string): CacheStoreRefusedError {
    return new CacheStoreRefusedError(STORE, this.shown(file), 'corrupt', this.about(file, `${file} is not a plain cache JSON file (${reason}); it was left untouched`));
  }

  private refusal(file: string, reason: CacheStoreRefusal, problem: string, fix: string): CacheStoreRefusedError {
    return new CacheStoreRefusedError(STORE, this.shown(file), reason, this.about(file, `Token cache file ${file} ${problem}; it was neither read nor changed. To fix: ${fix}`));
  }

  private unavailable(action: string, file: string, error: unknown): Error {
    if (error instanceof CacheStoreUnavailableError || error instanceof CacheStoreBusyError || error instanceof AbortError) return error;
    // The cause (a file system error) may name the file, or one named after it, too.
    return new CacheStoreUnavailableError(STORE, this.about(file, `File cache store could not ${action} ${file}: ${describeCause(error)}`));
  }

  /**
   * How warnings and errors name a file (see `piiLoggingEnabled`): an account partition's as
   * `<stem>.account_*-<tag>.json` in its folder, which matches it alone and holds no account id.
   */
  private shown(file: string): string {
    const name = basename(file);
    const prefix = `${this.stem}.account_`;
    const tag = /-([0-9a-f]{12})\.json$/.exec(name)?.[1];
    if (this.pii || !tag || !name.startsWith(prefix) || dirname(file) !== this.directory) return file;
    return join(this.directory, `${prefix}*-${tag}.json`);
  }

  /** A message about `file` as warnings and errors show it (see shown), with names made from it (lock, temporary and aside files) too. */
  private about(file: string, message: string): string {
    return showName(message, basename(file), basename(this.shown(file)));
  }

  /**
   * Refuses a file another user could have written (or planted): not a regular file, owned by
   * someone else, writable by group or others, or too large. A file others may only read (another
   * tool's umask) is tightened to 0600, and a failure to do so is an error, not ignored.
   */
  private async checkFile(file: string, handle: FileHandle, st: BigIntStats): Promise<BigIntStats> {
    if (!st.isFile()) throw this.refusal(file, 'not_a_file', 'is not a regular file', 'remove it; the store creates the file itself');
    if (st.size > BigInt(this.maxFileBytes)) {
      throw this.refusal(
        file,
        'too_large',
        `is ${st.size} bytes, more than the ${this.maxFileBytes}-byte limit`,
        'move it aside (it is not a cache this store wrote) or raise `maxFileBytes`',
      );
    }
    if (isWindows) return st;
    const uid = process.getuid?.();
    if (uid !== undefined && Number(st.uid) !== uid) {
      throw this.refusal(file, 'owner', `belongs to another user (uid ${st.uid}), who could have put tokens of their choosing in it`, `remove it, or \`chown ${uid} ${file}\` if its contents are yours`);
    }
    const mode = Number(st.mode) & 0o777;
    if (mode & 0o022) {
      throw this.refusal(file, 'mode', `is writable by ${mode & 0o020 ? 'its group' : 'other users'} (mode ${mode.toString(8).padStart(4, '0')})`, `if its contents are yours, \`chmod 600 ${file}\`; otherwise remove it`);
    }
    if (mode & 0o077) {
      try {
        await handle.chmod(0o600);
      } catch (error) {
        throw this.refusal(file, 'mode', `is readable by other users (mode ${mode.toString(8).padStart(4, '0')}) and could not be made private (${describeCause(error)})`, `\`chmod 600 ${file}\``);
      }
      return handle.stat({ bigint: true });
    }
    return st;
  }

  /** Moves a corrupt file to `<file>.corrupt-<timestamp>` and warns. Called with the lock held. */
  private async quarantine(file: string, snapshot: Snapshot, mustMove: boolean): Promise<void> {
    const reason = snapshot.contents.kind === 'corrupt' ? snapshot.contents.reason : 'unreadable';
    let target = `${file}.corrupt-${corruptStamp()}`;
    if (await exists(target)) target += `-${nodeCrypto().randomBytes(3).toString('hex')}`;
    try {
      await rename(file, target);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      snapshot.warned = true;
      this.warn(this.about(file, `Token cache file ${file} is corrupt (${reason}) and could not be moved aside (${describeCause(error)}); it is ignored`));
      if (mustMove) throw this.unavailable('move aside the corrupt', file, error);
      return;
    }
    this.snapshots.delete(file);
    this.warn(this.about(file, `Token cache file ${file} was corrupt (${reason}); moved it to ${target} and continuing with an empty cache`));
  }

  /** Writes a temporary file beside the target, fsyncs it and renames it over the target. Lock held. */
  private async replace(file: string, data: string, lock: LockState): Promise<void> {
    const stored = this.encryption ? await this.encrypt(this.encryption, data) : data;
    const temp = join(this.directory, `${basename(file)}.tmp-${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        if (!isWindows) await handle.chmod(0o600); // the umask may have taken bits from 0600
        await handle.writeFile(stored, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (lock.compromised) {
        throw new CacheStoreBusyError(STORE, this.about(file, `Lost the lock on ${file} before writing it (${describeCause(lock.compromised)}); nothing was written`));
      }
      await renameWithRetry(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof CacheStoreBusyError) throw error;
      throw this.unavailable('write', file, error);
    }
    await fsyncDirectory(this.directory);
    try {
      const st = await stat(file, { bigint: true });
      this.snapshots.set(file, { signature: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, contents: { kind: 'data', data } });
    } catch {
      this.snapshots.delete(file);
    }
  }

  /**
   * The first encryption of this store may create the key: it holds the lock `encryption key`, so
   * that processes whose first writes (of different partitions, under different locks) meet create
   * one key; a second would overwrite the first, and the files encrypted under it be lost.
   */
  private async encrypt(encryption: CacheEncryption, data: string): Promise<string> {
    if (this.keyChecked) return encryption.encrypt(data);
    const stored = await this.lock('encryption key', () => encryption.encrypt(data));
    this.keyChecked = true;
    return stored;
  }

  private async ensureDirectory(): Promise<void> {
    let created: string | undefined;
    try {
      created = await mkdir(this.directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw this.unavailable('create the folder of', this.path, error);
    }
    if (this.directoryChecked && created === undefined) return;
    this.directoryChecked = true;
    if (isWindows || (created === undefined && !this.dedicatedDirectory)) return;
    try {
      const st = await stat(this.directory);
      if ((st.mode & 0o777) !== 0o700) await chmod(this.directory, 0o700);
    } catch {
      // Not ours to change (another owner): the file's own 0600 mode still protects it.
    }
  }

  /** Removes temporary files left by writers that crashed (once per file per store). Lock held. */
  private async sweepTemps(file: string): Promise<void> {
    if (this.tempsSwept.has(file)) return;
    this.tempsSwept.add(file);
    const prefix = `${basename(file)}.tmp-`;
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const cutoff = Date.now() - this.staleLockMs;
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const temp = join(this.directory, name);
      const st = await lstat(temp).catch(() => undefined);
      if (st?.isFile() && st.mtimeMs < cutoff) await unlink(temp).catch(() => undefined);
    }
  }

  /** `msal`: the cache file itself (not a refresh lock), so MSAL's `<file>.lockfile` is taken too. */
  private withLock<T>(file: string, signal: AbortSignal | undefined, { msal }: { msal: boolean }, body: (lock: LockState) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.lockTimeoutMs;
    // Callers in this process queue here; other processes meet us at the lock directory.
    // The wait in either place counts towards lockTimeoutMs.
    return queue.run(
      file,
      (earlier) => withDeadline(earlier, deadline, signal, () => this.busy(file)),
      async () => {
        const lock: LockState = {};
        const release = await this.acquire(file, lock, deadline, signal);
        try {
          const releaseMsal = msal ? await this.acquireMsalLock(file, deadline, signal) : undefined;
          try {
            return await body(lock);
          } finally {
            await releaseMsal?.().catch(() => undefined);
          }
        } finally {
          await release().catch(() => undefined);
        }
      },
    );
  }

  /**
   * The lock of msal-node-extensions (the persistence of @azure/identity and other MSAL tools)
   * around its read-modify-write of the same file: `<file>.lockfile`, created exclusively, holding
   * the pid, deleted when done. MSAL holds it for one file write, so one untouched for
   * `staleLockMs` was left by a crashed process and is removed; another user's is refused.
   */
  private async acquireMsalLock(file: string, deadline: number, signal?: AbortSignal): Promise<() => Promise<void>> {
    const path = `${file}.lockfile`;
    let delay = 2;
    for (;;) {
      throwIfAborted(signal);
      try {
        const handle = await open(path, 'wx', 0o600); // O_EXCL: never follows a link planted there
        let ino: bigint;
        try {
          await handle.write(String(process.pid));
          ino = (await handle.stat({ bigint: true })).ino;
        } finally {
          await handle.close();
        }
        // Only our own lock file goes (a peer that took a stale one over keeps its own).
        return async () => {
          if ((await lstat(path, { bigint: true }).catch(() => undefined))?.ino === ino) await unlink(path);
        };
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw this.unavailable('lock', file, error);
      }
      const st = await lstat(path).catch(() => undefined);
      if (st) {
        const uid = isWindows ? undefined : process.getuid?.();
        if (!st.isFile() || (uid !== undefined && st.uid !== uid)) {
          throw this.refusal(file, 'lock_owner', `cannot be locked: ${path} is ${st.isFile() ? `another user's (uid ${st.uid})` : 'not a lock file'}`, `remove ${path} if no program of that user is writing this cache`);
        }
        if (Date.now() - st.mtimeMs > this.staleLockMs) {
          await unlink(path).catch(() => undefined);
          continue;
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CacheStoreBusyError(STORE, this.about(file, `Could not lock ${file} within ${this.lockTimeoutMs} ms: ${path} is held by another program (an MSAL tool sharing this cache)`));
      }
      await sleep(Math.min(remaining, delay / 2 + Math.random() * delay), signal);
      delay = Math.min(delay * 2, 25);
    }
  }

  private busy(file: string): CacheStoreBusyError {
    return new CacheStoreBusyError(
      STORE,
      this.about(
        file,
        `Could not lock ${file} within ${this.lockTimeoutMs} ms: ${file}.lock is held by another process ` +
          `(a lock not refreshed for ${this.staleLockMs} ms is treated as left by a crashed process and broken)`,
      ),
    );
  }

  private async acquire(file: string, state: LockState, deadline: number, signal?: AbortSignal): Promise<() => Promise<void>> {
    let delay = 2;
    for (;;) {
      throwIfAborted(signal);
      try {
        return await (await loadLockfile()).lock(file, {
          realpath: false,
          lockfilePath: `${file}.lock`,
          stale: this.staleLockMs,
          retries: 0,
          onCompromised: (error) => {
            // The default throws from a timer (crashing the process); we refuse to write instead.
            state.compromised = error;
          },
        });
      } catch (error) {
        if (errorCode(error) !== 'ELOCKED') throw this.unavailable('lock', file, error);
        await this.checkLockOwner(file);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.busy(file);
      await sleep(Math.min(remaining, delay / 2 + Math.random() * delay), signal);
      delay = Math.min(delay * 2, 25);
    }
  }

  /**
   * A lock that another user holds (or planted) would block every write until the timeout, and a
   * crashed process of theirs would never release it: say so at once, with the fix.
   */
  private async checkLockOwner(file: string): Promise<void> {
    const uid = isWindows ? undefined : process.getuid?.();
    const lock = `${file}.lock`;
    const st = await lstat(lock).catch(() => undefined);
    if (!st) return;
    if (!st.isDirectory()) {
      throw this.refusal(file, 'lock_owner', `cannot be locked: ${lock} is not a lock directory`, `remove ${lock}`);
    }
    if (uid !== undefined && st.uid !== uid) {
      throw this.refusal(
        file,
        'lock_owner',
        `is locked by another user (uid ${st.uid} owns ${lock}), so this user can never write it`,
        `if no process of that user is writing this cache, remove ${lock}; better, give each user their own cache file`,
      );
    }
  }

  /** The file's bytes, refusing it if it grew past the limit after it was checked. */
  private async readAtMost(handle: FileHandle, file: string): Promise<Buffer> {
    const max = this.maxFileBytes;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw this.refusal(file, 'too_large', `is more than the ${max}-byte limit`, 'move it aside or raise `maxFileBytes`');
    }
    return Buffer.concat(chunks, total);
  }
}

/** A FileCacheStore from options shaped like azure-identity's `TokenCachePersistenceOptions`. */
export function tokenCachePersistence(options: FileCacheStoreOptions): FileCacheStore {
  return new FileCacheStore(options);
}

/** A file-name-safe, collision-free and case-insensitive-safe form of a partition key. */
export function partitionFileKey(partitionKey: string): string {
  const readable = partitionKey
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  const hash = partitionTag(partitionKey);
  return readable ? `${readable}-${hash}` : hash;
}

let utf8Decoder: TextDecoder | undefined;
/**
 * The bytes as text, or undefined when they are not UTF-8: decoded lossily (U+FFFD in their place),
 * they could still parse and be written back changed, other tools' sections included. A BOM is kept,
 * so such a file stays what it was before (not JSON to JSON.parse, as to MSAL's own readers).
 */
function strictUtf8(bytes: Buffer): string | undefined {
  try {
    return (utf8Decoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })).decode(bytes);
  } catch {
    return undefined;
  }
}

function classify(text: string): Contents {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    parseCacheJson(text); // the same rule TokenCache reads by
    return { kind: 'data', data: text };
  } catch (error) {
    if (error instanceof CacheFormatError) return { kind: 'corrupt', reason: error.message };
    throw error;
  }
}


function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? join(homedir(), p.slice(1)) : p;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

async function renameWithRetry(from: string, to: string): Promise<void> {
  // Windows refuses to replace a file another process has open for a moment (a reader); retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      const code = errorCode(error);
      if (!isWindows || attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw error;
      await sleep(10 + attempt * 10);
    }
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  // Makes the rename durable; not possible on Windows (and some file systems), where it is skipped.
  if (isWindows) return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

// proper-lockfile (and graceful-fs under it) loads with the first write: reading needs no lock.
let lockfileModule: Promise<typeof ProperLockfile> | undefined;
function loadLockfile(): Promise<typeof ProperLockfile> {
  return (lockfileModule ??= import('proper-lockfile').then((m) => ((m as { default?: typeof ProperLockfile }).default ?? m) as typeof ProperLockfile));
}
