import { AbortError, CacheFormatError, type CacheStore, ConfigurationError, parseCacheJson } from '@tessera/core';
import { nodeCrypto } from '../node-builtins.js';
import { CacheStoreBusyError, CacheStoreRefusedError, CacheStoreUnavailableError, describeCause } from './errors.js';
import { KeyedQueue, corruptStamp, emitCacheWarning, isAccountPartition, partitionTag, showName, sleep, throwIfAborted, withDeadline } from './util.js';

/**
 * What the store needs of a Redis client. An `ioredis` `Redis` (or `Cluster`) instance fits as it is;
 * any other client can be adapted with these three commands.
 */
export interface RedisClientLike {
  /** Redis GET. */
  get(key: string): Promise<string | null>;
  /** Redis EVAL. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Redis EVALSHA. */
  evalsha(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** ioredis' connection state; when it says the connection is down, calls fail at once instead of queueing. */
  readonly status?: string;
  /** Closes the connection gracefully (used by close() when the store owns the client). */
  quit?(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect?(): void;
}

/** Options of RedisCacheStore. */
export interface RedisCacheStoreOptions {
  /** The ioredis client (Redis or Cluster) to use. */
  client: RedisClientLike;
  /** Keys are `<prefix>:<partitionKey>`. Default `tessera:cache`. */
  prefix?: string;
  /**
   * Lifetime of a partition that holds a refresh token (refresh tokens carry no expiry in the cache
   * schema). Default 90 days, Entra's refresh-token inactivity lifetime. See `ttlSeconds`.
   */
  minTtlSeconds?: number;
  /**
   * Each load, save or update fails with `CacheStoreUnavailableError` after this long (core then
   * answers from memory), so a dead or slow Redis node never stalls a token call for longer. Default 1,000 ms (a whole update, compare-and-set retries included: a busy machine needs headroom).
   */
  operationTimeoutMs?: number;
  /**
   * Circuit breaker: after this many Redis calls failed or timed out within 5 s (successes in
   * between do not reset the count: with one dead master of a Cluster, calls to the others still
   * succeed), the store fails at once (core answers from memory) for `breakerCooldownMs`, then lets
   * one probe through; the probe's success closes it again. Default 3.
   */
  breakerThreshold?: number;
  /** How long the breaker stays open before the next probe. Default 1,000 ms. */
  breakerCooldownMs?: number;
  /** Compare-and-set attempts before `update` fails with `CacheStoreBusyError`. Default 100. */
  maxAttempts?: number;
  /**
   * Expiry of the lease `lock` takes (clients take it around a refresh). The holder extends it every
   * lockLeaseMs/3 while it works; a holder that crashed keeps others waiting at most this long. Default 30,000 ms.
   */
  lockLeaseMs?: number;
  /** How long `lock` waits for the lease before failing with `CacheStoreBusyError`. Default lockLeaseMs + 5,000 ms. */
  lockTimeoutMs?: number;
  /** Close the client in `close()`; set by `createRedisCacheStore`. */
  ownsClient?: boolean;
  /**
   * What to do with a value at one of our keys that is not cache JSON, or not even UTF-8 text
   * (another application's data, a key collision, tampering, damage): `'refuse'` (default) leaves it
   * untouched and fails with `CacheStoreRefusedError` (reason `corrupt`) on load and write;
   * `'overwrite'` treats it as empty, and the next write copies it aside first (its exact bytes, to
   * `<key>:corrupt-<time>`, expiring after `minTtlSeconds`) with a warning and starts the partition
   * afresh, as FileCacheStore moves a corrupt file aside.
   */
  onCorrupt?: 'refuse' | 'overwrite';
  /** Receives warnings (a corrupt value copied aside). Default `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * Name per-account partitions' keys in full in warnings and errors. Their keys hold the home
   * account id (personal data, as in MSAL's logging), so by default such a key is named
   * `<prefix>:account:<redacted TAG>` (TAG: 12 hex of the SHA-256 of the partition key). Default
   * false; set it with the client's `piiLoggingEnabled`.
   */
  piiLoggingEnabled?: boolean;
}

/** Options of createRedisCacheStore: the store's options plus how to connect. */
export interface RedisConnectionOptions extends Omit<RedisCacheStoreOptions, 'client' | 'ownsClient'> {
  /** `redis://[user:password@]host:port/db` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Give up connecting after this long. Default 2,000 ms. */
  connectTimeoutMs?: number;
  /** Fail a command that got no answer after this long. Default 2,000 ms. */
  commandTimeoutMs?: number;
  /** More ioredis options (tls, username, retryStrategy, ...), applied after the ones above. */
  redisOptions?: Record<string, unknown>;
}

const STORE = 'redis';
const DAY = 86_400;
/** No key is written without an expiry, nor with one shorter than this. */
const FLOOR_TTL_SECONDS = 60;
const DOWN = new Set(['close', 'reconnecting', 'end']);
/** The breaker counts failures within this window. */
const FAILURE_WINDOW_MS = 5000;

/** The store's circuit breaker: `closed` (calls go to Redis), `open` (they fail at once), `half-open` (one probe is out). */
export type BreakerState = 'closed' | 'open' | 'half-open';

// Compare-and-set in one atomic step. ARGV[1]: SHA-1 of the value the caller read ('' when there was
// none, '*' to write unconditionally); ARGV[2]: new value; ARGV[3]: TTL in seconds.
// Returns {1} when written, {0, current, SHA-1 of current} (or {0} when the key is gone) when someone
// else wrote first.
const CAS_SCRIPT = `local current = redis.call('GET', KEYS[1])
if ARGV[1] ~= '*' then
  if current then
    if redis.sha1hex(current) ~= ARGV[1] then return {0, current, redis.sha1hex(current)} end
  elseif ARGV[1] ~= '' then
    return {0}
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return {1}`;
// The value with the SHA-1 of its bytes, in one step (see readValue); {} when there is none.
const INSPECT_SCRIPT = `local current = redis.call('GET', KEYS[1])
if current then return {current, redis.sha1hex(current)} end
return {}`;
// The value's exact bytes in hex (replies reach us decoded as UTF-8), if its SHA-1 is still ARGV[1].
const HEX_SCRIPT = `local current = redis.call('GET', KEYS[1])
if not current or redis.sha1hex(current) ~= ARGV[1] then return false end
return (string.gsub(current, '.', function(c) return string.format('%02x', string.byte(c)) end))`;
// Stores the bytes ARGV[1] gives in hex, expiring after ARGV[2] seconds.
const UNHEX_SCRIPT = `redis.call('SET', KEYS[1], (string.gsub(ARGV[1], '..', function(h) return string.char(tonumber(h, 16)) end)), 'EX', ARGV[2])
return 1`;
// A lease: taken only if free (NX), with an expiry (PX); ARGV[1] is the holder's random token.
const LEASE_SCRIPT = `return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])`;
// Compare-and-delete: a holder whose lease expired and was taken by another never frees the other's.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// Compare-and-extend: the holder keeps its lease alive while it works (only its own lease).
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * A value read from Redis. `bytesSha` (the SHA-1 of its bytes) is set only when they are not UTF-8:
 * `value` then has U+FFFD in their place, so its own hash never matches and a compare-and-set must
 * name the bytes' hash instead.
 */
interface Stored {
  value: string;
  bytesSha?: string;
}

/** RedisCacheStore's counters (see `stats`). */
export interface RedisStoreStats {
  /** Redis calls attempted. */
  calls: number;
  /** Calls that failed or missed their deadline. */
  failed: number;
  /** Calls refused at once because the breaker was open. */
  shortCircuited: number;
  /** How often the breaker opened. */
  breakerOpened: number;
  /** Probes sent while the breaker was open. */
  probes: number;
}

/**
 * Token cache in Redis for services on many machines: one string key per cache partition holding
 * the serialized TokenCache JSON (MSAL's unified schema).
 *
 * - `update` is an optimistic read-modify-write: read, mutate, then a Lua compare-and-set that writes
 *   only if the key still holds what was read; on conflict it retries with jitter (bounded), so two
 *   instances writing one partition never lose each other's entries.
 * - Every write sets the key's TTL (see `ttlSeconds`).
 * - A value at one of its keys that is not cache JSON (or not UTF-8 text) is refused
 *   (`CacheStoreRefusedError`), never overwritten, unless `onCorrupt: 'overwrite'`; then it is copied
 *   aside (`<key>:corrupt-<time>`) with a warning before the partition starts afresh.
 * - `lock(name)` is a lease `<prefix>:lock:<hash of name>` (SET NX PX with a random token,
 *   extended while its holder works, freed by compare-and-delete when the work ends or fails, expiring
 *   `lockLeaseMs` after its holder died), so
 *   instances on many machines make one refresh and never redeem a rotated refresh token.
 * - Redis being down or slow surfaces as `CacheStoreUnavailableError` within `operationTimeoutMs`;
 *   core's persistence logs it and keeps working from memory and the network.
 */
export class RedisCacheStore implements CacheStore {
  /** The Redis client in use. */
  readonly client: RedisClientLike;
  /** Keys are `<prefix>:<partitionKey>`. */
  readonly prefix: string;
  private readonly minTtlSeconds: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly ownsClient: boolean;
  private readonly queue = new KeyedQueue();
  private readonly refuseCorrupt: boolean;
  private readonly warn: (message: string) => void;
  private readonly pii: boolean;
  /** The last value seen valid at each key: an unchanged value is not parsed again. */
  private readonly valid = new Map<string, string>();
  private readonly lockLeaseMs: number;
  private readonly lockTimeoutMs: number;
  private readonly breakerThreshold: number;
  private readonly breakerCooldownMs: number;
  private failures = 0;
  private failuresSince = 0;
  private openUntil = 0;
  private probing = false;
  #breaker: BreakerState = 'closed';
  /**
   * For monitoring: Redis calls attempted and how many failed, calls refused at once because the
   * breaker was open, how often it opened, and probes sent while it was open.
   */
  readonly stats: RedisStoreStats = { calls: 0, failed: 0, shortCircuited: 0, breakerOpened: 0, probes: 0 };

  constructor(options: RedisCacheStoreOptions) {
    if (!options?.client) throw new ConfigurationError('RedisCacheStore needs `client`: an ioredis client (or use createRedisCacheStore)');
    this.client = options.client;
    this.prefix = options.prefix ?? 'tessera:cache';
    this.minTtlSeconds = options.minTtlSeconds ?? 90 * DAY;
    this.timeoutMs = options.operationTimeoutMs ?? 1_000;
    this.breakerThreshold = options.breakerThreshold ?? 3;
    this.breakerCooldownMs = options.breakerCooldownMs ?? 1000;
    if (!(this.breakerThreshold >= 1)) throw new ConfigurationError('RedisCacheStore: `breakerThreshold` must be at least 1');
    if (!(this.breakerCooldownMs > 0)) throw new ConfigurationError('RedisCacheStore: `breakerCooldownMs` must be positive');
    this.maxAttempts = options.maxAttempts ?? 100;
    this.ownsClient = options.ownsClient ?? false;
    this.refuseCorrupt = (options.onCorrupt ?? 'refuse') === 'refuse';
    this.warn = options.onWarning ?? emitCacheWarning;
    this.pii = options.piiLoggingEnabled === true;
    this.lockLeaseMs = options.lockLeaseMs ?? 30_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? this.lockLeaseMs + 5000;
    if (!(this.lockLeaseMs >= 1000)) throw new ConfigurationError('RedisCacheStore: `lockLeaseMs` must be at least 1000');
    if (!(this.lockTimeoutMs > 0)) throw new ConfigurationError('RedisCacheStore: `lockTimeoutMs` must be positive');
    if (!(this.minTtlSeconds > 0)) throw new ConfigurationError('RedisCacheStore: `minTtlSeconds` must be positive');
    if (!(this.timeoutMs > 0)) throw new ConfigurationError('RedisCacheStore: `operationTimeoutMs` must be positive');
    if (!(this.maxAttempts >= 1)) throw new ConfigurationError('RedisCacheStore: `maxAttempts` must be at least 1');
  }

  /** The circuit breaker's state (see `breakerThreshold`). */
  get breaker(): BreakerState {
    return this.#breaker;
  }

  /** The Redis key of a partition. */
  key(partitionKey: string): string {
    return `${this.prefix}:${partitionKey}`;
  }

  /**
   * The expiry a partition gets when written: the longer of (a) the time until its latest access
   * token's `expires_on`, (b) `minTtlSeconds` if it holds a refresh token, and (c) 60 seconds.
   * So a key never expires before the access tokens in it, a partition with a refresh token lives
   * `minTtlSeconds` after its last write, and nothing is kept forever.
   */
  ttlSeconds(data: string, nowSeconds = Date.now() / 1000): number {
    let latest = 0;
    let hasRefreshToken = false;
    try {
      const parsed = JSON.parse(data) as { AccessToken?: Record<string, { expires_on?: unknown }>; RefreshToken?: Record<string, unknown> };
      for (const at of Object.values(parsed?.AccessToken ?? {})) {
        const expiresOn = Number(at?.expires_on);
        if (Number.isFinite(expiresOn) && expiresOn > latest) latest = expiresOn;
      }
      hasRefreshToken = Object.keys(parsed?.RefreshToken ?? {}).length > 0;
    } catch {
      // Not ours to judge: keep it as long as a refresh token would be.
      hasRefreshToken = true;
    }
    return Math.ceil(Math.max(latest - nowSeconds, hasRefreshToken ? this.minTtlSeconds : 0, FLOOR_TTL_SECONDS));
  }

  async load(partitionKey: string, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + this.timeoutMs;
    const key = this.key(partitionKey);
    return this.checked(key, await this.readValue(key, deadline, signal)).value;
  }

  async save(partitionKey: string, data: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    await this.cas(partitionKey, '*', data, deadline, signal);
  }

  async update(partitionKey: string, mutate: (current: string | undefined) => string, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    const key = this.key(partitionKey);
    // Writes from this process to one partition take turns, so they do not race each other's
    // compare-and-set; conflicts then come only from other processes. The wait counts towards the timeout.
    return this.queue.run(
      key,
      (earlier) => withDeadline(earlier, deadline, signal, () => this.timedOut('wait for earlier writes to a partition')),
      async () => {
        let current = await this.readValue(key, deadline, signal);
        for (let attempt = 1; ; attempt++) {
          const { value, corrupt } = this.checked(key, current);
          // Corrupt (with onCorrupt 'overwrite'): kept aside before the partition starts afresh.
          if (corrupt) await this.keepAside(key, current!, corrupt, deadline, signal);
          const next = mutate(value);
          if (typeof next !== 'string') throw new TypeError('RedisCacheStore.update: `mutate` must return a string');
          const reply = await this.cas(partitionKey, current === undefined ? '' : bytesHash(current), next, deadline, signal);
          if (reply.written) return next;
          if (attempt >= this.maxAttempts) {
            throw new CacheStoreBusyError(
              STORE,
              `Redis cache store: other writers changed a partition during each of ${this.maxAttempts} compare-and-set attempts; nothing was written`,
            );
          }
          // The failed compare-and-set returned the value that won: retry on it at once. After a
          // second loss, back off with jitter and re-read, since a value read before sleeping is stale by then.
          current = reply.current;
          if (attempt > 1) {
            await sleep(Math.random() * Math.min(2 ** attempt, 50), signal);
            current = await this.readValue(key, deadline, signal);
          }
        }
      },
    );
  }

  /**
   * Runs `work` holding the lease `name` (see the class notes). Waits up to `lockTimeoutMs`, then
   * fails with CacheStoreBusyError. When Redis cannot be reached, `work` runs without the lease:
   * the cache is not shared then either, and refusing would only fail the caller.
   */
  async lock<T>(name: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = `${this.prefix}:lock:${nodeCrypto().createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
    const token = nodeCrypto().randomBytes(16).toString('hex');
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 5;
    for (;;) {
      let taken: unknown;
      try {
        const step = Math.min(deadline, Date.now() + this.timeoutMs);
        taken = await this.command('take a lock', step, signal, () => this.script(LEASE_SCRIPT, key, token, this.lockLeaseMs));
      } catch (error) {
        if (!(error instanceof CacheStoreUnavailableError)) throw error;
        // Redis unreachable: go ahead unlocked. A step cut short by the lock's own deadline is not
        // an outage, though: the lease stayed taken (CacheStoreBusyError below).
        if (Date.now() < deadline) return work();
      }
      if (taken === 'OK') break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CacheStoreBusyError(STORE, `Redis cache store: the lock ${key} stayed taken for ${this.lockTimeoutMs} ms (a lease expires ${this.lockLeaseMs} ms after it was taken)`);
      }
      await sleep(Math.min(remaining, delay / 2 + Math.random() * delay), signal);
      delay = Math.min(delay * 2, 50);
    }
    // While the holder lives its lease is extended (a slow refresh keeps it); if it dies, the lease
    // expires lockLeaseMs after the last extension.
    const renew = setInterval(() => {
      void this.command('extend a lock', Date.now() + this.timeoutMs, undefined, () => this.script(RENEW_SCRIPT, key, token, this.lockLeaseMs)).catch(() => undefined);
    }, this.lockLeaseMs / 3);
    renew.unref?.();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      // Best effort: if this fails the lease still expires after lockLeaseMs.
      await this.command('free a lock', Date.now() + this.timeoutMs, undefined, () => this.script(RELEASE_SCRIPT, key, token)).catch(() => undefined);
    }
  }

  /** Closes the client if this store created it (createRedisCacheStore). */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    try {
      await this.client.quit?.();
    } catch {
      this.client.disconnect?.();
    }
  }

  /**
   * The partition's value. Bytes that are not UTF-8 reach us as U+FFFD (which a cache may hold too):
   * only then is it read again with the SHA-1 of its bytes, in one step, to tell (Stored). Every time:
   * different bytes read as one text, so a text seen to be UTF-8 before proves nothing about these bytes.
   */
  private async readValue(key: string, deadline: number, signal?: AbortSignal): Promise<Stored | undefined> {
    const value = await this.command('load a partition', deadline, signal, () => this.client.get(key));
    if (value == null) return undefined;
    if (!value.includes('\uFFFD')) return { value };
    const [again, bytesSha] = (await this.command('load a partition', deadline, signal, () => this.script(INSPECT_SCRIPT, key))) as unknown[];
    return stored(again, bytesSha);
  }

  /**
   * The value if it is cache JSON. Otherwise (not UTF-8, or not cache JSON) it is refused (left as
   * it is), or, with `onCorrupt: 'overwrite'`, no value and `corrupt` says what it holds (update
   * keeps it aside first).
   */
  private checked(key: string, current: Stored | undefined): { value?: string; corrupt?: string } {
    if (current === undefined) return {};
    // Bytes that are not UTF-8 are told first: they may read as a value seen valid before (U+FFFD in both).
    const corrupt = current.bytesSha ? 'bytes that are not UTF-8 text' : this.notCache(key, current.value);
    if (corrupt === undefined) return { value: current.value };
    if (this.refuseCorrupt) throw this.refused(key, corrupt);
    return { corrupt };
  }

  /** What a value holds when it is not cache JSON; undefined when it is (a value seen valid is not parsed again). */
  private notCache(key: string, value: string): string | undefined {
    if (this.valid.get(key) === value) return undefined;
    try {
      parseCacheJson(value);
    } catch (error) {
      if (!(error instanceof CacheFormatError)) throw error;
      return `something that is not a token cache (${error.message})`;
    }
    this.valid.set(key, value);
    return undefined;
  }

  private refused(key: string, what: string): CacheStoreRefusedError {
    return new CacheStoreRefusedError(
      STORE,
      this.shown(key),
      'corrupt',
      this.about(
        key,
        `Redis key ${key} holds ${what}; it was neither used nor changed. ` +
          "To fix: delete the key if it is stale, give this store another `prefix` if another application owns it, or pass `onCorrupt: 'overwrite'`",
      ),
    );
  }

  /**
   * How warnings and errors name a key (see `piiLoggingEnabled`): an account partition's as
   * `<prefix>:account:<redacted TAG>`, which tells partitions apart without the account id.
   */
  private shown(key: string): string {
    const partitionKey = key.slice(this.prefix.length + 1);
    return this.pii || !isAccountPartition(partitionKey) ? key : `${this.prefix}:account:<redacted ${partitionTag(partitionKey)}>`;
  }

  /** A message about `key` as warnings and errors show it (see shown): keys made from it too, and how to see it in full. */
  private about(key: string, message: string): string {
    const shown = this.shown(key);
    return shown === key ? message : `${showName(message, key, shown)}. The key's account id is hidden: \`piiLoggingEnabled: true\` on the store shows it`;
  }

  /**
   * Copies a corrupt value (`what` it holds, see checked) to `<key>:corrupt-<time>` (its exact bytes,
   * through hex: a Cluster may keep that key on another node, so no one script can do both) and warns.
   * A value that changed meanwhile is not copied: the compare-and-set that follows fails and the update looks again.
   */
  private async keepAside(key: string, current: Stored, what: string, deadline: number, signal?: AbortSignal): Promise<void> {
    const hex = await this.command('copy aside a corrupt partition', deadline, signal, () => this.script(HEX_SCRIPT, key, bytesHash(current)));
    if (typeof hex !== 'string') return;
    const aside = `${key}:corrupt-${corruptStamp()}-${nodeCrypto().randomBytes(3).toString('hex')}`;
    await this.command('copy aside a corrupt partition', deadline, signal, () => this.script(UNHEX_SCRIPT, aside, hex, this.minTtlSeconds));
    this.warn(this.about(key, `Redis key ${key} held ${what}; copied it to ${aside} and starting the partition afresh`));
  }

  private async cas(
    partitionKey: string,
    expected: string,
    next: string,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<{ written: true } | { written: false; current: Stored | undefined }> {
    const args = [this.key(partitionKey), expected, next, this.ttlSeconds(next)] as const;
    const reply = await this.command('write a partition', deadline, signal, () => this.script(CAS_SCRIPT, ...args));
    if (!Array.isArray(reply)) throw new CacheStoreUnavailableError(STORE, 'Redis cache store: unexpected reply to the compare-and-set script');
    if (Number(reply[0]) === 1) return { written: true };
    return { written: false, current: stored(reply[1], reply[2]) };
  }

  /** Runs a Lua script on one key by its SHA-1, loading it when the server does not know it yet. */
  private async script(source: string, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(scriptSha(source), 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.client.eval(source, 1, key, ...args);
    }
  }

  /**
   * One Redis call, bounded by the operation's deadline and the caller's signal; errors become typed.
   * The breaker decides whether it goes to Redis at all: a Cluster client stays `ready` while one of
   * its masters is dead, so its status alone cannot tell.
   */
  private async command<T>(what: string, deadline: number, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const status = this.client.status;
    if (status !== undefined && DOWN.has(status)) {
      throw new CacheStoreUnavailableError(STORE, `Redis cache store is unavailable: could not ${what}, the connection is ${status}`);
    }
    if (Date.now() >= deadline) throw this.timedOut(what);
    const probe = this.admit(what);
    this.stats.calls++;
    try {
      const result = await withDeadline(call(), deadline, signal, () => this.timedOut(what));
      this.succeeded(probe);
      return result;
    } catch (error) {
      if (error instanceof AbortError) {
        if (probe) this.probing = false;
        throw error;
      }
      this.failed(probe);
      if (error instanceof CacheStoreUnavailableError) throw error;
      // Client errors may carry the command and its arguments (our data): keep only their first line.
      throw new CacheStoreUnavailableError(STORE, `Redis cache store is unavailable: could not ${what} (${describeCause(error)})`);
    }
  }

  /** Lets a call through (true when it is the half-open probe) or fails it at once while the breaker is open. */
  private admit(what: string): boolean {
    if (this.#breaker === 'closed') return false;
    if (this.#breaker === 'open' && Date.now() >= this.openUntil && !this.probing) {
      this.#breaker = 'half-open';
      this.probing = true;
      this.stats.probes++;
      return true;
    }
    this.stats.shortCircuited++;
    throw new CacheStoreUnavailableError(STORE, `Redis cache store is unavailable: could not ${what}, recent calls failed (circuit open; next probe within ${this.breakerCooldownMs} ms)`);
  }

  private succeeded(probe: boolean): void {
    // Only the probe closes an open breaker: a call sent before it opened says nothing about now.
    if (probe) {
      this.probing = false;
      this.#breaker = 'closed';
    }
  }

  private failed(probe: boolean): void {
    this.stats.failed++;
    if (probe) this.probing = false;
    const now = Date.now();
    if (now - this.failuresSince > FAILURE_WINDOW_MS) {
      this.failures = 0;
      this.failuresSince = now;
    }
    if (probe || ++this.failures >= this.breakerThreshold) {
      if (this.#breaker === 'closed') this.stats.breakerOpened++;
      this.#breaker = 'open';
      this.openUntil = now + this.breakerCooldownMs;
      this.failures = 0;
    }
  }

  private timedOut(what: string): CacheStoreUnavailableError {
    return new CacheStoreUnavailableError(STORE, `Redis cache store is unavailable: could not ${what} within ${this.timeoutMs} ms`);
  }
}

/**
 * Connects an ioredis client configured not to hang (connect and command timeouts, one retry per
 * command) and returns a store that owns it: `await store.close()` disconnects.
 */
export async function createRedisCacheStore(options: RedisConnectionOptions = {}): Promise<RedisCacheStore> {
  let mod: { Redis?: unknown; default?: unknown };
  try {
    mod = (await import('ioredis')) as { Redis?: unknown; default?: unknown };
  } catch {
    throw new ConfigurationError('createRedisCacheStore needs the `ioredis` package (a peer dependency): npm install ioredis');
  }
  const Redis = (mod.Redis ?? (mod.default as { Redis?: unknown } | undefined)?.Redis ?? mod.default) as new (
    url: string,
    options: Record<string, unknown>,
  ) => RedisClientLike & { on(event: string, listener: (...args: unknown[]) => void): unknown };
  const { url, connectTimeoutMs, commandTimeoutMs, redisOptions, ...storeOptions } = options;
  const client = new Redis(url ?? 'redis://127.0.0.1:6379', {
    connectTimeout: connectTimeoutMs ?? 2000,
    commandTimeout: commandTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    ...redisOptions,
  });
  // Failures reach callers as CacheStoreUnavailableError; without a listener ioredis prints each one.
  client.on('error', () => undefined);
  return new RedisCacheStore({ ...storeOptions, client, ownsClient: true });
}

const SCRIPT_SHAS = new Map<string, string>();
/** A script's SHA-1, hashed on first use: hashing at import would load node:crypto into every app. */
function scriptSha(source: string): string {
  let sha = SCRIPT_SHAS.get(source);
  if (sha === undefined) SCRIPT_SHAS.set(source, (sha = sha1(source)));
  return sha;
}

/** A value and the SHA-1 of its bytes as a script returned them (see Stored); undefined for none. */
function stored(value: unknown, bytesSha: unknown): Stored | undefined {
  if (value == null) return undefined;
  const text = String(value);
  return typeof bytesSha === 'string' && bytesSha !== sha1(text) ? { value: text, bytesSha } : { value: text };
}

/** The SHA-1 of a value's bytes in Redis, as its compare-and-set names them. */
function bytesHash(current: Stored): string {
  return current.bytesSha ?? sha1(current.value);
}

function sha1(text: string): string {
  return nodeCrypto().createHash('sha1').update(text, 'utf8').digest('hex');
}
