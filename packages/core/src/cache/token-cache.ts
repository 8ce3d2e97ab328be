import { TesseraError } from '../errors.js';
import { canonicalEnvironment } from '../authority/entra.js';
import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  type CacheSections,
  type IdTokenEntity,
  type RefreshTokenEntity,
  type SectionName,
  SECTIONS,
  keyOf,
} from './schema.js';

/** The serialized cache could not be read; nothing was changed. */
export class CacheFormatError extends TesseraError {
  constructor(message: string) {
    super('invalid_cache', message);
  }
}

export interface AccessTokenQuery {
  homeAccountId: string;
  environment: string;
  clientId: string;
  realm: string;
  /** On-behalf-of tokens belong to the incoming assertion, not to an account. */
  userAssertionHash?: string;
  /** Lower-cased resource scopes; the token's target must contain them all. */
  scopes: readonly string[];
  tokenType?: string;
}

interface IndexedAccessToken {
  entity: AccessTokenEntity;
  scopes: ReadonlySet<string>;
}

type Entity<S extends SectionName> = CacheSections[S][string];

const REQUIRED: Record<SectionName, readonly string[]> = {
  // As MSAL requires of an account; reads (getAccounts, accountInfo) rely on them.
  Account: ['home_account_id', 'environment', 'realm', 'local_account_id', 'username', 'authority_type'],
  IdToken: ['home_account_id', 'environment', 'client_id', 'secret', 'realm'],
  AccessToken: ['home_account_id', 'environment', 'client_id', 'secret', 'realm', 'target', 'expires_on'],
  RefreshToken: ['home_account_id', 'environment', 'client_id', 'secret'],
  AppMetadata: ['client_id', 'environment'],
};

/** Optional fields that lookups read: when present they must be strings, or the entry is kept aside. */
const OPTIONAL_STRINGS: Record<SectionName, readonly string[]> = {
  Account: ['name', 'client_info'],
  IdToken: [],
  AccessToken: ['token_type', 'refresh_on', 'extended_expires_on', 'user_assertion_hash'],
  RefreshToken: ['family_id', 'user_assertion_hash'],
  AppMetadata: ['family_id'],
};

const groupKey = (...parts: string[]) => parts.join('|').toLowerCase();
/** Whose token it is: the account, or for on-behalf-of tokens the incoming assertion. */
const owner = (homeAccountId: string, userAssertionHash?: unknown) =>
  typeof userAssertionHash === 'string' && userAssertionHash ? `uah:${userAssertionHash}` : homeAccountId;

/**
 * The token cache in memory: MSAL's sections, plus indexes so a lookup costs the same
 * at 1 account or 10,000 (MSAL scans every entry). Unknown sections and fields are kept
 * and written back, so other tools' data survives a round trip.
 */
export class TokenCache {
  readonly #sections: { [S in SectionName]: Map<string, Entity<S>> } = {
    Account: new Map(),
    IdToken: new Map(),
    AccessToken: new Map(),
    RefreshToken: new Map(),
    AppMetadata: new Map(),
  };
  /** Entries we do not understand (unknown sections, malformed entries), written back untouched. */
  readonly #passthrough = new Map<string, Record<string, unknown>>();
  readonly #atByGroup = new Map<string, Map<string, IndexedAccessToken>>();
  readonly #rtByGroup = new Map<string, string>();
  readonly #idByGroup = new Map<string, string>();
  /** Per home account id, its entries in every section (keys are unique only within a section). */
  readonly #keysByHome = new Map<string, Map<string, { section: SectionName; key: string }>>();

  get size(): number {
    let n = 0;
    for (const s of SECTIONS) n += this.#sections[s].size;
    return n;
  }

  upsert<S extends SectionName>(section: S, entity: Entity<S>, key = keyOf(section, entity)): string {
    this.#unindex(section, key);
    (this.#sections[section] as Map<string, Entity<S>>).set(key, entity);
    this.#index(section, key, entity, true);
    return key;
  }

  remove(section: SectionName, key: string): boolean {
    if (!this.#sections[section].has(key)) return false;
    this.#unindex(section, key);
    this.#sections[section].delete(key);
    return true;
  }

  get<S extends SectionName>(section: S, key: string): Entity<S> | undefined {
    return this.#sections[section].get(key) as Entity<S> | undefined;
  }

  entries<S extends SectionName>(section: S): IterableIterator<[string, Entity<S>]> {
    return (this.#sections[section] as Map<string, Entity<S>>).entries();
  }

  findAccessToken(q: AccessTokenQuery): AccessTokenEntity | undefined {
    const group = this.#atByGroup.get(groupKey(owner(q.homeAccountId, q.userAssertionHash), canonicalEnvironment(q.environment), q.clientId, q.realm));
    if (!group) return undefined;
    const wantType = (q.tokenType ?? 'bearer').toLowerCase();
    for (const { entity, scopes } of group.values()) {
      if ((entity.token_type ?? 'Bearer').toLowerCase() !== wantType) continue;
      if (q.scopes.every((s) => scopes.has(s))) return entity;
    }
    return undefined;
  }

  /** All access tokens of one account/client/realm; used to replace tokens whose scopes overlap. */
  accessTokensInGroup(homeAccountId: string, environment: string, clientId: string, realm: string, userAssertionHash?: string): AccessTokenEntity[] {
    const group = this.#atByGroup.get(groupKey(owner(homeAccountId, userAssertionHash), canonicalEnvironment(environment), clientId, realm));
    return group ? [...group.values()].map((g) => g.entity) : [];
  }

  findRefreshToken(
    homeAccountId: string,
    environment: string,
    clientId: string,
    options: { userAssertionHash?: string } = {},
  ): RefreshTokenEntity | undefined {
    // Only this client's own refresh token: those of its family (FOCI) are not used.
    const key = this.#rtByGroup.get(groupKey(owner(homeAccountId, options.userAssertionHash), canonicalEnvironment(environment), clientId));
    return key ? this.#sections.RefreshToken.get(key) : undefined;
  }

  findIdToken(homeAccountId: string, environment: string, clientId: string, realm: string): IdTokenEntity | undefined {
    const key = this.#idByGroup.get(groupKey(homeAccountId, canonicalEnvironment(environment), clientId, realm));
    return key ? this.#sections.IdToken.get(key) : undefined;
  }

  getAccounts(): AccountEntity[] {
    return [...this.#sections.Account.values()];
  }

  accountsOf(homeAccountId: string): AccountEntity[] {
    const out: AccountEntity[] = [];
    for (const ref of this.#keysByHome.get(homeAccountId.toLowerCase())?.values() ?? []) {
      if (ref.section === 'Account') out.push(this.#sections.Account.get(ref.key)!);
    }
    return out;
  }

  /** Removes an account and every credential of it; returns how many entries went. */
  removeAccount(homeAccountId: string, environment: string): number {
    const env = canonicalEnvironment(environment);
    let removed = 0;
    for (const { section, key } of [...(this.#keysByHome.get(homeAccountId.toLowerCase())?.values() ?? [])]) {
      const e = this.#sections[section].get(key) as { environment: string } | undefined;
      if (e && canonicalEnvironment(e.environment) === env && this.remove(section, key)) removed++;
    }
    return removed;
  }

  clear(): void {
    for (const s of SECTIONS) for (const key of [...this.#sections[s].keys()]) this.remove(s, key);
    this.#passthrough.clear();
  }

  serialize(): string {
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of SECTIONS) out[s] = Object.fromEntries(this.#sections[s]);
    for (const [section, entries] of this.#passthrough) out[section] = { ...entries, ...out[section] };
    return JSON.stringify(out);
  }

  /** Replaces the contents. Invalid input throws CacheFormatError and leaves the cache as it was. */
  deserialize(json: string): void {
    const parsed = parseCacheJson(json);
    this.clear();
    this.#mergeParsed(parsed);
  }

  /** Adds or replaces entries from serialized data, keeping entries it does not mention. */
  merge(json: string): void {
    this.#mergeParsed(parseCacheJson(json));
  }

  #mergeParsed(parsed: Record<string, Record<string, unknown>>): void {
    for (const [section, entries] of Object.entries(parsed)) {
      if (!(SECTIONS as readonly string[]).includes(section)) {
        this.#passthrough.set(section, { ...this.#passthrough.get(section), ...entries });
        continue;
      }
      const name = section as SectionName;
      for (const [key, entity] of Object.entries(entries)) {
        if (isWellFormed(name, entity)) this.upsert(name, entity as Entity<typeof name>, key);
        else {
          const bucket = this.#passthrough.get(section) ?? {};
          bucket[key] = entity;
          this.#passthrough.set(section, bucket);
        }
      }
    }
  }

  /** Adds (`add`) or removes the lookup-index entries of an entity stored under `key`. */
  #index(section: SectionName, key: string, entity: unknown, add: boolean): void {
    // Sections that do not require home_account_id (AppMetadata) may hold anything there: index strings only.
    const home = (entity as { home_account_id?: unknown }).home_account_id;
    if (typeof home === 'string') editGroup(this.#keysByHome, home.toLowerCase(), `${section}\n${key}`, add && { section, key });
    if (section === 'AccessToken') {
      const at = entity as AccessTokenEntity;
      const g = groupKey(owner(at.home_account_id, at.user_assertion_hash), canonicalEnvironment(at.environment), at.client_id, at.realm);
      editGroup(this.#atByGroup, g, key, add && { entity: at, scopes: new Set(at.target.toLowerCase().split(/\s+/).filter(Boolean)) });
      return;
    }
    // One refresh token per account, cloud and client; one ID token per account, cloud, client and realm.
    let byGroup: Map<string, string>;
    let g: string;
    if (section === 'RefreshToken') {
      const rt = entity as RefreshTokenEntity;
      byGroup = this.#rtByGroup;
      g = groupKey(owner(rt.home_account_id, rt.user_assertion_hash), canonicalEnvironment(rt.environment), rt.client_id);
    } else if (section === 'IdToken') {
      const id = entity as IdTokenEntity;
      byGroup = this.#idByGroup;
      g = groupKey(id.home_account_id, canonicalEnvironment(id.environment), id.client_id, id.realm);
    } else return;
    if (add) byGroup.set(g, key);
    else if (byGroup.get(g) === key) byGroup.delete(g);
  }

  #unindex(section: SectionName, key: string): void {
    const entity = this.#sections[section].get(key);
    if (entity) this.#index(section, key, entity, false);
  }
}

/** Sets (`value`) or deletes `key` in the inner map of `group`, dropping inner maps that become empty. */
function editGroup<V>(byGroup: Map<string, Map<string, V>>, group: string, key: string, value: V | false): void {
  const inner = byGroup.get(group) ?? new Map<string, V>();
  if (value) inner.set(key, value);
  else inner.delete(key);
  if (inner.size) byGroup.set(group, inner);
  else byGroup.delete(group);
}

function parseCacheJson(json: string): Record<string, Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = json.trim() === '' ? {} : JSON.parse(json);
  } catch {
    throw new CacheFormatError('The serialized token cache is not valid JSON');
  }
  if (!isRecord(parsed)) throw new CacheFormatError('The serialized token cache must be a JSON object');
  for (const [section, entries] of Object.entries(parsed)) {
    if (!isRecord(entries)) throw new CacheFormatError(`Cache section "${section}" must be an object of entries`);
  }
  return parsed as Record<string, Record<string, unknown>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isWellFormed(section: SectionName, entity: unknown): boolean {
  return (
    isRecord(entity) &&
    REQUIRED[section].every((f) => typeof entity[f] === 'string') &&
    OPTIONAL_STRINGS[section].every((f) => entity[f] === undefined || typeof entity[f] === 'string')
  );
}

export type { AccessTokenEntity, AccountEntity, AppMetadataEntity, IdTokenEntity, RefreshTokenEntity };
