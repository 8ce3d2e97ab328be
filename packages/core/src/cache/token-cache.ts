import { TesseraError } from '../errors.js';
import type { Authority } from '../authority/authority.js';
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
  assertionHashOf,
  keyOf,
  withTenantProfile,
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

/** An entry as the lookup index holds it; access tokens also carry their lower-cased scopes. */
interface IndexEntry {
  section: SectionName;
  key: string;
  entity: unknown;
  scopes?: ReadonlySet<string>;
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
  AccessToken: ['token_type', 'refresh_on', 'extended_expires_on', 'user_assertion_hash', 'userAssertionHash'],
  RefreshToken: ['family_id', 'realm', 'user_assertion_hash', 'userAssertionHash'],
  AppMetadata: ['family_id'],
};

/**
 * Fields a write of ours sets or clears: a credential's other fields (other tools' data) survive
 * our writes. Accounts and app metadata keep every field the new entity does not set.
 */
const OWN_FIELDS: Partial<Record<SectionName, ReadonlySet<string>>> = {
  AccessToken: new Set([...REQUIRED.AccessToken, ...OPTIONAL_STRINGS.AccessToken, 'credential_type', 'cached_at']),
  RefreshToken: new Set([...REQUIRED.RefreshToken, ...OPTIONAL_STRINGS.RefreshToken, 'credential_type', 'last_modification_time']),
  IdToken: new Set([...REQUIRED.IdToken, 'credential_type']),
};

/** A lookup-group key: the owner compared exactly (OIDC subjects are case-sensitive), the rest (hosts, ids, tenants) folded. */
const groupKey = (kind: string, who: string, ...rest: string[]) => `${kind}|${who}|${rest.join('|').toLowerCase()}`;
/** Whose token it is: the account, or for on-behalf-of tokens the incoming assertion. */
const owner = (homeAccountId: string, e: { user_assertion_hash?: unknown; userAssertionHash?: unknown }) => {
  const hash = assertionHashOf(e);
  return hash ? `uah:${hash}` : homeAccountId;
};

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
  readonly #passthrough = new Map<string, unknown>();
  /** Lookup groups (see groupsOf) to their entries in upsert order, by section and key (keys are unique only within a section). */
  readonly #groups = new Map<string, Map<string, IndexEntry>>();

  get size(): number {
    let n = 0;
    for (const s of SECTIONS) n += this.#sections[s].size;
    return n;
  }

  /**
   * Files an entity under exactly this key (loading what another tool wrote). New tokens and
   * accounts go through `store`, which also replaces and merges the entries they supersede.
   */
  upsert<S extends SectionName>(section: S, entity: Entity<S>, key = keyOf(section, entity)): string {
    this.#unindex(section, key);
    (this.#sections[section] as Map<string, Entity<S>>).set(key, entity);
    this.#index(section, key, entity, true);
    return key;
  }

  /**
   * Stores a new token, account or app metadata under the key msal-node 7 gives it. The same
   * credential or account filed under another key (older MSAL versions, MSAL Python, another
   * case) is removed, and fields of the entry it replaces that this write does not set (other
   * tools' data: `tenantProfiles`, `name`, unknown fields) survive.
   */
  store<S extends SectionName>(section: S, entity: Entity<S>): string {
    const key = keyOf(section, entity);
    const own = OWN_FIELDS[section];
    const kept: Record<string, unknown> = {};
    const atKey = this.get(section, key);
    for (const [oldKey, old] of atKey ? [...this.#sameAs(section, entity), [key, atKey] as const] : this.#sameAs(section, entity)) {
      for (const [field, value] of Object.entries(old as Record<string, unknown>)) if (!own?.has(field)) kept[field] = value;
      if (oldKey !== key) this.remove(section, oldKey);
    }
    const merged: Record<string, unknown> = { ...kept, ...entity };
    if (section === 'Account') merged.tenantProfiles = withTenantProfile(entity as AccountEntity, kept.tenantProfiles);
    return this.upsert(section, merged as Entity<S>, key);
  }

  /** Entries that hold the same credential or account as `entity` (under any key), with their keys. */
  #sameAs(section: SectionName, entity: unknown): [string, unknown][] {
    const e = entity as Record<string, string>;
    const out: [string, unknown][] = [];
    if (section === 'AppMetadata') {
      for (const [key, m] of this.#sections.AppMetadata) {
        if (m.client_id === e.client_id && canonicalEnvironment(m.environment) === canonicalEnvironment(e.environment!)) out.push([key, m]);
      }
      return out;
    }
    const scopes = section === 'AccessToken' ? scopeSet(e.target!) : undefined;
    const scheme = (e.token_type ?? 'Bearer').toLowerCase();
    const group = section === 'Account' ? groupKey('home', e.home_account_id!) : groupsOf(section, e)[1]!;
    for (const found of this.#groups.get(group)?.values() ?? []) {
      if (found.section !== section) continue;
      const old = found.entity as Record<string, string>;
      if (section === 'Account' && (canonicalEnvironment(old.environment!) !== canonicalEnvironment(e.environment!) || old.realm!.toLowerCase() !== e.realm!.toLowerCase())) continue;
      if (scopes && ((old.token_type ?? 'Bearer').toLowerCase() !== scheme || !sameSet(found.scopes!, scopes))) continue;
      out.push([found.key, found.entity]);
    }
    return out;
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
    const wantType = (q.tokenType ?? 'bearer').toLowerCase();
    for (const { entity, scopes } of this.#group('AccessToken', owner(q.homeAccountId, { user_assertion_hash: q.userAssertionHash }), q.environment, q.clientId, q.realm)) {
      const at = entity as AccessTokenEntity;
      if ((at.token_type ?? 'Bearer').toLowerCase() === wantType && q.scopes.every((s) => scopes!.has(s))) return at;
    }
    return undefined;
  }

  /** All access tokens of one account/client/realm; used to replace tokens whose scopes overlap. */
  accessTokensInGroup(homeAccountId: string, environment: string, clientId: string, realm: string, userAssertionHash?: string): { key: string; entity: AccessTokenEntity }[] {
    // With the keys they are stored under: a file written by another tool may key an entry differently than we would.
    return [...this.#group('AccessToken', owner(homeAccountId, { user_assertion_hash: userAssertionHash }), environment, clientId, realm)].map((e) => ({ key: e.key, entity: e.entity as AccessTokenEntity }));
  }

  /**
   * This client's own refresh token for the account (those of its family, FOCI, are not used).
   * `realm`: the issuer path for OIDC issuers (whose refresh tokens are filed per issuer, since
   * several issuers can share a host); leave it out for Entra, whose refresh tokens span tenants.
   */
  findRefreshToken(
    homeAccountId: string,
    environment: string,
    clientId: string,
    options: { userAssertionHash?: string; realm?: string } = {},
  ): RefreshTokenEntity | undefined {
    const who = owner(homeAccountId, { user_assertion_hash: options.userAssertionHash });
    const realm = options.realm ?? '';
    const found = latest(this.#group('RefreshToken', who, environment, clientId, realm)) as RefreshTokenEntity | undefined;
    if (found || !realm) return found;
    // Filed without a realm (msal-node, older Tessera): it can only be this issuer's when the account
    // has signed in on this host through this issuer path alone.
    const env = canonicalEnvironment(environment);
    const accounts = this.accountsOf(homeAccountId).filter((a) => canonicalEnvironment(a.environment) === env);
    if (accounts.length === 0 || accounts.some((a) => a.realm.toLowerCase() !== realm.toLowerCase())) return undefined;
    return latest(this.#group('RefreshToken', who, environment, clientId, '')) as RefreshTokenEntity | undefined;
  }

  findIdToken(homeAccountId: string, environment: string, clientId: string, realm: string): IdTokenEntity | undefined {
    return latest(this.#group('IdToken', homeAccountId, environment, clientId, realm)) as IdTokenEntity | undefined;
  }

  getAccounts(): AccountEntity[] {
    return [...this.#sections.Account.values()];
  }

  accountsOf(homeAccountId: string): AccountEntity[] {
    const out: AccountEntity[] = [];
    for (const e of this.#group('home', homeAccountId)) if (e.section === 'Account') out.push(e.entity as AccountEntity);
    return out;
  }

  /** Removes an account and every credential of it; returns how many entries went. */
  removeAccount(homeAccountId: string, environment: string): number {
    const env = canonicalEnvironment(environment);
    let removed = 0;
    for (const { section, key, entity } of [...this.#group('home', homeAccountId)]) {
      if (canonicalEnvironment((entity as { environment: string }).environment) === env && this.remove(section, key)) removed++;
    }
    return removed;
  }

  clear(): void {
    for (const s of SECTIONS) this.#sections[s].clear();
    this.#groups.clear();
    this.#passthrough.clear();
  }

  serialize(): string {
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of SECTIONS) out[s] = Object.fromEntries(this.#sections[s]);
    for (const [section, kept] of this.#passthrough) out[section] = isRecord(kept) ? { ...kept, ...out[section] } : (kept as Record<string, unknown>);
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
        // Another tool's section: kept as it is (merged when both copies are objects).
        const kept = this.#passthrough.get(section);
        this.#passthrough.set(section, isRecord(kept) && isRecord(entries) ? { ...kept, ...entries } : entries);
        continue;
      }
      const name = section as SectionName;
      for (const [key, entity] of Object.entries(entries)) {
        if (isWellFormed(name, entity)) this.upsert(name, entity as Entity<typeof name>, key);
        else {
          const bucket = (this.#passthrough.get(section) ?? {}) as Record<string, unknown>;
          bucket[key] = entity;
          this.#passthrough.set(section, bucket);
        }
      }
    }
  }

  /** The entries of one lookup group (see groupsOf), oldest first. */
  #group(kind: string, who: string, environment?: string, ...rest: string[]): Iterable<IndexEntry> {
    const group = environment === undefined ? groupKey(kind, who) : groupKey(kind, who, canonicalEnvironment(environment), ...rest);
    return this.#groups.get(group)?.values() ?? [];
  }

  /** Adds (`add`) or removes the lookup-index entries of an entity stored under `key`. */
  #index(section: SectionName, key: string, entity: unknown, add: boolean): void {
    const e = entity as Record<string, string>;
    const entry = add && { section, key, entity, scopes: section === 'AccessToken' ? scopeSet(e.target!) : undefined };
    for (const group of groupsOf(section, e)) editGroup(this.#groups, group, `${section}\n${key}`, entry);
  }

  #unindex(section: SectionName, key: string): void {
    const entity = this.#sections[section].get(key);
    if (entity) this.#index(section, key, entity, false);
  }
}

/**
 * The lookup groups of an entity: its home account (every section); access tokens by owner (the
 * account, or the assertion of on-behalf-of tokens), cloud, client and realm; refresh tokens by owner,
 * cloud, client and realm (set for OIDC issuers only); ID tokens by account, cloud, client and realm.
 */
function groupsOf(section: SectionName, e: Record<string, string | undefined>): string[] {
  // Sections that do not require home_account_id (AppMetadata) may hold anything there: index strings only.
  const groups = typeof e.home_account_id === 'string' ? [groupKey('home', e.home_account_id)] : [];
  const who = owner(e.home_account_id!, e);
  if (section === 'AccessToken') groups.push(groupKey(section, who, canonicalEnvironment(e.environment!), e.client_id!, e.realm!));
  if (section === 'RefreshToken') groups.push(groupKey(section, who, canonicalEnvironment(e.environment!), e.client_id!, e.realm ?? ''));
  if (section === 'IdToken') groups.push(groupKey(section, e.home_account_id!, canonicalEnvironment(e.environment!), e.client_id!, e.realm!));
  return groups;
}

/** The lower-cased scopes of a target. */
function scopeSet(target: string): Set<string> {
  return new Set(target.toLowerCase().split(/\s+/).filter(Boolean));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** The entity most recently stored in a group. */
function latest(entries: Iterable<IndexEntry>): unknown {
  let last: unknown;
  for (const e of entries) last = e.entity;
  return last;
}

/** Sets (`value`) or deletes `key` in the inner map of `group`, dropping inner maps that become empty. */
function editGroup<V>(byGroup: Map<string, Map<string, V>>, group: string, key: string, value: V | false): void {
  const inner = byGroup.get(group) ?? new Map<string, V>();
  if (value) inner.set(key, value);
  else inner.delete(key);
  if (inner.size) byGroup.set(group, inner);
  else byGroup.delete(group);
}

/**
 * The realm an authority's refresh tokens are filed under (see `findRefreshToken`): the issuer path
 * of an OIDC issuer; none for Entra, whose refresh tokens serve every tenant of the cloud.
 */
export function refreshTokenRealm(authority: Pick<Authority, 'kind' | 'tenant'>): string | undefined {
  return authority.kind === 'entra' ? undefined : authority.tenant || undefined;
}

/**
 * Parses serialized cache JSON: an object whose MSAL sections are objects of entries; sections of
 * other tools may hold anything. Throws CacheFormatError naming what is wrong.
 */
export function parseCacheJson(json: string): Record<string, Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = json.trim() === '' ? {} : JSON.parse(json);
  } catch {
    throw new CacheFormatError('The serialized token cache is not valid JSON');
  }
  if (!isRecord(parsed)) throw new CacheFormatError('The serialized token cache must be a JSON object');
  for (const section of SECTIONS) {
    if (section in parsed && !isRecord(parsed[section])) throw new CacheFormatError(`Cache section "${section}" must be an object of entries`);
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
