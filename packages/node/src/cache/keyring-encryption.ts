import { nodeCrypto } from '../node-builtins.js';
import { CacheStoreUnavailableError, describeCause } from './errors.js';
import { emitCacheWarning } from './util.js';

/**
 * Encrypts a cache file's contents on their way to disk and decrypts them on the way back
 * (FileCacheStore's `encryption` option). Either method may throw CacheStoreUnavailableError,
 * which leaves the file untouched.
 */
export interface CacheEncryption {
  /** The text to write to disk for the cache JSON `plain`. */
  encrypt(plain: string): Promise<string>;
  /** The cache JSON back from what `encrypt` wrote. */
  decrypt(stored: string): Promise<string>;
}

/** Options of keyringEncryption. */
export interface KeyringEncryptionOptions {
  /** Name of the key in the OS secret store: the cache's name (its keyring "account"). */
  name: string;
  /** Keyring service of the key (default `tessera-token-cache`). */
  service?: string;
  /**
   * When the OS secret store cannot be used, store plain JSON (readable only by the user) instead
   * of failing, and read plain JSON files; as @azure/identity's `unsafeAllowUnencryptedStorage`.
   */
  allowPlaintextFallback?: boolean;
  /** Receives the one warning of a plaintext fallback. Default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

const STORE = 'file';
const DEFAULT_SERVICE = 'tessera-token-cache';
/** Prefix of an encrypted file: format version 1, AES-256-GCM, base64 of iv (12) | tag (16) | ciphertext. */
const PREFIX = 'TESSERA-AES256GCM-1:';
const AAD = Buffer.from('tessera token cache v1');

interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
}
type KeyringModule = { AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: string } }) => KeyringEntry };

// The native binding loads on the first read or write of an encrypted cache, never at import time.
let keyringModule: Promise<KeyringModule> | undefined;
function loadKeyring(): Promise<KeyringModule> {
  keyringModule ??= import('@napi-rs/keyring').then((m) => ((m as { default?: KeyringModule }).default ?? m) as unknown as KeyringModule);
  keyringModule.catch(() => (keyringModule = undefined));
  return keyringModule;
}

/** The secret store could not be used (not installed, no Secret Service, locked, access denied). */
class SecretStoreUnavailable extends Error {}

/**
 * Key creations under way in this process, by service and account, whichever instance started
 * them: two first writes (per-account partitions are separate files under separate locks, or two
 * credentials of one name) would each store a key of their own, and the files written under the
 * overwritten one could never be read again.
 */
const creating = new Map<string, Promise<Buffer>>();

/**
 * Cache encryption with AES-256-GCM under a random 256-bit key that the OS secret store keeps
 * (Keychain on macOS, the Credential Manager / DPAPI on Windows, the Secret Service (GNOME Keyring,
 * KWallet) on Linux) through the optional peer dependency `@napi-rs/keyring`. The key is created
 * on the first write; the file on disk holds only ciphertext, and GCM refuses a file that was altered
 * or written under another key. On Linux the key is kept in the Secret Service only (the kernel
 * keyring forgets it at reboot).
 *
 * @example
 * ```ts
 * const store = new FileCacheStore({ name: 'my-app', encryption: keyringEncryption({ name: 'my-app' }) });
 * ```
 */
export function keyringEncryption(options: KeyringEncryptionOptions): CacheEncryption {
  const service = options.service ?? DEFAULT_SERVICE;
  const account = options.name;
  const fallback = options.allowPlaintextFallback === true;
  const warn = options.onWarning ?? emitCacheWarning;
  let key: Buffer | undefined;
  let warned = false;

  const entry = async (): Promise<KeyringEntry> => {
    let module: KeyringModule;
    try {
      module = await loadKeyring();
    } catch (error) {
      throw new SecretStoreUnavailable(`@napi-rs/keyring cannot be loaded (${describeCause(error)}); install it beside @tessera/node`);
    }
    try {
      return new module.AsyncEntry(service, account, { linux: { store: 'secret-service' } });
    } catch (error) {
      throw new SecretStoreUnavailable(describeCause(error));
    }
  };

  /** The stored key, checked; undefined when there is none. */
  const readKey = async (e: KeyringEntry): Promise<Buffer | undefined> => {
    let stored: string | null;
    try {
      stored = await e.getPassword();
    } catch (error) {
      throw new SecretStoreUnavailable(describeCause(error));
    }
    if (stored === null) return undefined;
    const bytes = Buffer.from(stored, 'base64');
    if (bytes.length !== 32) throw new CacheStoreUnavailableError(STORE, `The token cache key "${service}/${account}" in the OS secret store is not a 256-bit key; remove it and the cache file to start over`);
    return bytes;
  };

  const create = async (): Promise<Buffer> => {
    const e = await entry();
    const found = await readKey(e);
    if (found) return found;
    try {
      await e.setPassword(nodeCrypto().randomBytes(32).toString('base64'));
    } catch (error) {
      throw new SecretStoreUnavailable(describeCause(error));
    }
    // Another process may have stored its own key meanwhile: use the one the secret store kept.
    const kept = await readKey(e);
    if (!kept) throw new SecretStoreUnavailable('the secret store did not keep the new key');
    return kept;
  };

  /** The key from the secret store; created there when `mayCreate` and absent. Undefined when absent. */
  const getKey = async (mayCreate: boolean): Promise<Buffer | undefined> => {
    if (key) return key;
    const id = `${service}\n${account}`;
    const pending = creating.get(id);
    if (!mayCreate) return (key = await (pending ?? readKey(await entry())));
    if (pending) return (key = await pending);
    const created = create().finally(() => creating.delete(id));
    creating.set(id, created);
    return (key = await created);
  };

  const unavailable = (error: SecretStoreUnavailable): CacheStoreUnavailableError =>
    new CacheStoreUnavailableError(
      STORE,
      `The token cache is encrypted with a key kept in the OS secret store, which cannot be used here: ${error.message}. ` +
        'On Linux, run a Secret Service (GNOME Keyring or KWallet) in the session (DBUS_SESSION_BUS_ADDRESS set, keyring unlocked); ' +
        'or set `unsafeAllowUnencryptedStorage: true` (credentials) or `allowPlaintextFallback: true` (keyringEncryption) to store the cache as plain JSON readable only by your user',
    );

  return {
    async encrypt(plain) {
      let k: Buffer;
      try {
        k = (await getKey(true))!;
      } catch (error) {
        if (!(error instanceof SecretStoreUnavailable)) throw error;
        if (!fallback) throw unavailable(error);
        if (!warned) {
          warned = true;
          warn(`The OS secret store cannot be used (${error.message}): the token cache is stored unencrypted, as unsafeAllowUnencryptedStorage allows`);
        }
        return plain;
      }
      const iv = nodeCrypto().randomBytes(12);
      const cipher = nodeCrypto().createCipheriv('aes-256-gcm', k, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },

    async decrypt(stored) {
      if (stored.trim() === '') return stored;
      if (!stored.startsWith(PREFIX)) {
        // A plain file is accepted only where plain files may be written; otherwise anyone able to
        // write the folder could plant tokens of their choosing.
        if (fallback) return stored;
        throw new CacheStoreUnavailableError(STORE, 'The token cache file is not encrypted, but encryption is required; it was left untouched (delete it, or set `unsafeAllowUnencryptedStorage: true`)');
      }
      let k: Buffer | undefined;
      try {
        k = await getKey(false);
      } catch (error) {
        if (error instanceof SecretStoreUnavailable) throw unavailable(error);
        throw error;
      }
      if (!k) {
        throw new CacheStoreUnavailableError(
          STORE,
          `The token cache file is encrypted, but its key "${service}/${account}" is not in the OS secret store (removed, or another user or machine); delete the cache file to start over`,
        );
      }
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      try {
        if (raw.length < 28) throw new Error('too short');
        const decipher = nodeCrypto().createDecipheriv('aes-256-gcm', k, raw.subarray(0, 12));
        decipher.setAAD(AAD);
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new CacheStoreUnavailableError(
          STORE,
          `The token cache file cannot be decrypted with the key "${service}/${account}" from the OS secret store (the key changed, or the file was altered); it was left untouched: delete it to start over`,
        );
      }
    },
  };
}
