import * as z from 'zod/mini';
import { TesseraError } from '../errors.js';
import type { Authority } from '../authority/authority.js';
import { custom, isRecord, optional, parseOrThrow } from '../http/schemas.js';
import { canonicalEnvironment } from '../authority/entra.js';
import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  type CacheSections,
  type IdTokenEntity,
  type RefreshTokenEntity,
  ENTITY_SCHEMAS,
  type SectionName,
  SECTIONS,
  assertionHashOf,
  keyOf,
  withTenantProfile,
} from './schema.js';
import { KeyedEntries, type StoredEntry, compactKey, keyOfEntry } from './keyed-entries.js';

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
  /** Lower-cased resource scopes; the token's target must contain them all (none: the target must be empty). */
  scopes: readonly string[];
  /** `Bearer` (default) or `DPoP`: a token is served only for requests of its own type. */
  tokenType?: string;
  /** DPoP: the key's thumbprint; a token bound to another key is not served. */
  keyId?: string;
}

/** Narrows a refresh-token lookup. */
export interface RefreshTokenQuery {
  /** On-behalf-of: the hash of the incoming assertion. */
  userAssertionHash?: string;
  /** The issuer path of an OIDC issuer (see findRefreshToken). */
  realm?: string;
  /** The DPoP key's thumbprint (see findRefreshToken). */
  keyId?: string;
}

/** A cache entry with its key. */
export interface KeyedEntry<E> {
  /** The entry's key in its section. */
  key: string;
  /** The entry. */
  entity: E;
}

/** The entries of one owner (an account, or an on-behalf-of assertion), in the order they were stored. */
class OwnerGroup extends Set<StoredEntry> {
  constructor(readonly who: string) {
    super();
  }
}

/** Fields whose few distinct values (clouds, clients, tenants, types) are shared by every entity instead of copied. */
const SHARED_VALUES = ['environment', 'client_id', 'realm', 'credential_type', 'token_type', 'authority_type', 'target'];
const MAX_SHARED_VALUES = 4096;

type Entity<S extends SectionName> = CacheSections[S][string];

/**
 * Fields a write of ours sets or clears: a credential's other fields (other tools' data, such as
 * MSAL Python's `target` on refresh tokens) survive our writes. Accounts and app metadata keep
 * every field the new entity does not set.
 */
const CREDENTIAL_FIELDS = ['credential_type', 'secret', 'home_account_id', 'environment', 'client_id', 'realm', 'user_assertion_hash', 'userAssertionHash'];
const OWN_FIELDS: Partial<Record<SectionName, ReadonlySet<string>>> = {
  AccessToken: new Set([...CREDENTIAL_FIELDS, 'target', 'token_type', 'cached_at', 'expires_on', 'extended_expires_on', 'refresh_on']),
  RefreshToken: new Set([...CREDENTIAL_FIELDS, 'family_id', 'last_modification_time']),
  IdToken: new Set(CREDENTIAL_FIELDS),
};

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
  readonly #sections: Record<SectionName, KeyedEntries> = {
    Account: new KeyedEntries(),
    IdToken: new KeyedEntries(),
    AccessToken: new KeyedEntries(),
    RefreshToken: new KeyedEntries(),
    AppMetadata: new KeyedEntries(),
  };
  /** Entries we do not understand (unknown sections, malformed entries), written back untouched. */
  readonly #passthrough = new Map<string, unknown>();
  /**
   * The lookup index: each owner's entries (a handful per account, so lookups cost the same at 1 or
   * 10,000 accounts; MSAL scans every entry). Owners compare exactly: OIDC subjects are case-sensitive.
   */
  readonly #owners = new Map<string, OwnerGroup>();
  /** One copy of each repeated field value (see SHARED_VALUES). */
  readonly #shared = new Map<string, string>();

  /** The number of entries in all sections. */
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
    this.remove(section, key);
    const shared = this.#share(entity);
    const entry: StoredEntry = { section, key: compactKey(section, key, shared), entity: shared };
    this.#sections[section].add(key, entry);
    for (const who of ownersOf(entity)) {
      let group = this.#owners.get(who);
      if (!group) this.#owners.set(who, (group = new OwnerGroup(who)));
      group.add(entry);
    }
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
      for (const entry of this.#sections.AppMetadata) {
        const meta = entry.entity as AppMetadataEntity;
        if (meta.client_id === e.client_id && canonicalEnvironment(meta.environment) === canonicalEnvironment(e.environment!)) out.push([keyOfEntry(entry), meta]);
      }
      return out;
    }
    const scopes = section === 'AccessToken' ? scopeSet(e.target!) : undefined;
    const scheme = (e.token_type ?? 'Bearer').toLowerCase();
    // Accounts are the same by cloud and realm; credentials by owner, cloud, client and realm (a refresh token's is set for OIDC issuers only).
    const clientId = section === 'Account' ? undefined : e.client_id;
    const realm = section === 'RefreshToken' ? (e.realm ?? '') : e.realm;
    for (const found of this.#matching(section, owner(e.home_account_id!, e), e.environment!, clientId, realm)) {
      const old = found.entity as Record<string, string>;
      if (scopes && ((old.token_type ?? 'Bearer').toLowerCase() !== scheme || !sameSet(scopesOf(found), scopes))) continue;
      out.push([keyOfEntry(found), found.entity]);
    }
    return out;
  }

  /** Removes an entry; whether it was there. */
  remove(section: SectionName, key: string): boolean {
    const entry = this.#sections[section].delete(key);
    if (!entry) return false;
    for (const who of ownersOf(entry.entity)) {
      const group = this.#owners.get(who);
      if (group?.delete(entry) && group.size === 0) this.#owners.delete(who);
    }
    return true;
  }

  /** The entry with this key, if any. */
  get<S extends SectionName>(section: S, key: string): Entity<S> | undefined {
    return this.#sections[section].get(key)?.entity as Entity<S> | undefined;
  }

  /** The entries of a section, as [key, entry] pairs. */
  *entries<S extends SectionName>(section: S): IterableIterator<[string, Entity<S>]> {
    for (const entry of this.#sections[section]) yield [keyOfEntry(entry), entry.entity as Entity<S>];
  }

  /** The access token for the account, client, tenant and scopes, if one is cached (indexed: O(1) in the number of accounts). */
  findAccessToken(q: AccessTokenQuery): AccessTokenEntity | undefined {
    const wantType = (q.tokenType ?? 'bearer').toLowerCase();
    const hash = q.userAssertionHash;
    for (const entry of this.#matching('AccessToken', hash ? `uah:${hash}` : q.homeAccountId, q.environment, q.clientId, q.realm)) {
      const at = entry.entity as AccessTokenEntity;
      if ((at.token_type ?? 'Bearer').toLowerCase() !== wantType) continue;
      const scopes = scopesOf(entry);
      // No resource scope (an OIDC-only ask) selects only a token issued for no resource, never any token.
      if (at.key_id !== q.keyId) continue;
      if (q.scopes.length === 0 ? scopes.size === 0 : q.scopes.every((s) => scopes.has(s))) return at;
    }
    return undefined;
  }

  /** All access tokens of one account/client/realm; used to replace tokens whose scopes overlap. */
  accessTokensInGroup(homeAccountId: string, environment: string, clientId: string, realm: string, userAssertionHash?: string): KeyedEntry<AccessTokenEntity>[] {
    // With the keys they are stored under: a file written by another tool may key an entry differently than we would.
    return this.#matching('AccessToken', owner(homeAccountId, { user_assertion_hash: userAssertionHash }), environment, clientId, realm).map((e) => ({ key: keyOfEntry(e), entity: e.entity as AccessTokenEntity }));
  }

  /**
   * This client's own refresh token for the account (those of its family, FOCI, are not used).
   * `realm`: the issuer path for OIDC issuers (whose refresh tokens are filed per issuer, since
   * several issuers can share a host); leave it out for Entra, whose refresh tokens span tenants.
   * With `keyId` in the options (undefined: no DPoP key), only a refresh token obtained with that
   * key (undefined: without one) qualifies: a key-bound refresh token is useless with another key.
   */
  findRefreshToken(
    homeAccountId: string,
    environment: string,
    clientId: string,
    options: RefreshTokenQuery = {},
  ): RefreshTokenEntity | undefined {
    const who = owner(homeAccountId, { user_assertion_hash: options.userAssertionHash });
    const realm = options.realm ?? '';
    const ofKey = (entries: StoredEntry[]) => ('keyId' in options ? entries.filter((e) => (e.entity as RefreshTokenEntity).key_id === options.keyId) : entries);
    const found = ofKey(this.#matching('RefreshToken', who, environment, clientId, realm)).pop()?.entity as RefreshTokenEntity | undefined;
    if (found || !realm) return found;
    // Filed without a realm (msal-node, older Tessera): it can only be this issuer's when the account
    // has signed in on this host through this issuer path alone.
    const env = canonicalEnvironment(environment);
    const accounts = this.accountsOf(homeAccountId).filter((a) => canonicalEnvironment(a.environment) === env);
    if (accounts.length === 0 || accounts.some((a) => a.realm.toLowerCase() !== realm.toLowerCase())) return undefined;
    return ofKey(this.#matching('RefreshToken', who, environment, clientId, '')).pop()?.entity as RefreshTokenEntity | undefined;
  }

  /** The ID token of the account for this client and tenant, if cached. */
  findIdToken(homeAccountId: string, environment: string, clientId: string, realm: string): IdTokenEntity | undefined {
    return this.#matching('IdToken', homeAccountId, environment, clientId, realm).pop()?.entity as IdTokenEntity | undefined;
  }

  /** Every cached account. */
  getAccounts(): AccountEntity[] {
    return Array.from(this.#sections.Account, (e) => e.entity as AccountEntity);
  }

  /** The cached accounts with this home account id (one per tenant). */
  accountsOf(homeAccountId: string): AccountEntity[] {
    const out: AccountEntity[] = [];
    for (const e of this.#owners.get(homeAccountId) ?? []) if (e.section === 'Account') out.push(e.entity as AccountEntity);
    return out;
  }

  /** Removes an account and every credential of it; returns how many entries went. */
  removeAccount(homeAccountId: string, environment: string): number {
    const env = canonicalEnvironment(environment);
    let removed = 0;
    for (const entry of [...(this.#owners.get(homeAccountId) ?? [])]) {
      if (canonicalEnvironment((entry.entity as { environment: string }).environment) === env && this.remove(entry.section, keyOfEntry(entry))) removed++;
    }
    return removed;
  }

  /** Removes every entry. */
  clear(): void {
    for (const s of SECTIONS) this.#sections[s].clear();
    this.#owners.clear();
    this.#shared.clear();
    this.#passthrough.clear();
  }

  /** MSAL's cache JSON of every entry (unknown sections and fields included). */
  serialize(): string {
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of SECTIONS) out[s] = Object.fromEntries(Array.from(this.#sections[s], (e) => [keyOfEntry(e), e.entity]));
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
        const checked = z.safeParse(ENTITY_SCHEMAS[name], entity);
        // The parsed object itself, not zod's copy (the schemas transform nothing): JSON.parse's objects are the compact ones (memory).
        if (checked.success) this.upsert(name, entity as Entity<typeof name>, key);
        else {
          const bucket = (this.#passthrough.get(section) ?? {}) as Record<string, unknown>;
          bucket[key] = entity;
          this.#passthrough.set(section, bucket);
        }
      }
    }
  }

  /**
   * The entries of `section` that `who` owns in `environment`'s cloud, for `clientId` and `realm`
   * when given (compared case-insensitively: client ids, tenants and hosts are), oldest first.
   */
  #matching(section: SectionName, who: string, environment: string, clientId?: string, realm?: string): StoredEntry[] {
    const out: StoredEntry[] = [];
    const group = this.#owners.get(who);
    if (!group) return out;
    const env = canonicalEnvironment(environment);
    for (const entry of group) {
      if (entry.section !== section) continue;
      const e = entry.entity as Record<string, string | undefined>;
      // An owner's group also holds the on-behalf-of tokens filed for that user: those are the assertion's.
      if (owner(e.home_account_id!, e) !== group.who) continue;
      if (canonicalEnvironment(e.environment!) !== env) continue;
      if (clientId !== undefined && !sameFolded(e.client_id!, clientId)) continue;
      if (realm !== undefined && !sameFolded(e.realm ?? '', realm)) continue;
      out.push(entry);
    }
    return out;
  }

  /** The entity with its repeated values shared (memory: one copy per cloud, client, tenant), and its owner's id string. */
  #share<T>(entity: T): T {
    const e = entity as Record<string, unknown>;
    if (Object.isFrozen(e)) return entity;
    for (const field of SHARED_VALUES) {
      const value = e[field];
      if (typeof value !== 'string') continue;
      const known = this.#shared.get(value);
      if (known !== undefined) e[field] = known;
      else if (this.#shared.size < MAX_SHARED_VALUES) this.#shared.set(value, value);
    }
    const home = this.#owners.get(e.home_account_id as string)?.who;
    if (home !== undefined) e.home_account_id = home;
    return entity;
  }
}

/** Who owns an entity: its owner (account or assertion), and its account too for on-behalf-of tokens with one. */
function ownersOf(entity: unknown): string[] {
  const e = entity as Record<string, unknown>;
  // Sections that do not require home_account_id (AppMetadata) may hold anything there: index strings only.
  if (typeof e.home_account_id !== 'string') return [];
  const who = owner(e.home_account_id, e);
  return who === e.home_account_id || !e.home_account_id ? [who] : [who, e.home_account_id];
}

const sameFolded = (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase();

/** An access token's lower-cased scopes, worked out on first use (not at load: memory). */
function scopesOf(entry: StoredEntry): ReadonlySet<string> {
  return (entry.scopes ??= scopeSet((entry.entity as AccessTokenEntity).target));
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
  parseOrThrow(cacheDocumentSchema, parsed, (path) => new CacheFormatError(path ? `Cache section "${path.split('.')[0]}" must be an object of entries` : 'The serialized token cache must be a JSON object'));
  return parsed as Record<string, Record<string, unknown>>;
}

/** A cache document: an object whose MSAL sections are objects of entries (checked one by one on load). */
const entries = optional(custom<Record<string, unknown>>(isRecord));
const cacheDocumentSchema = z.looseObject(Object.fromEntries(SECTIONS.map((section) => [section, entries])));

export type { AccessTokenEntity, AccountEntity, AppMetadataEntity, IdTokenEntity, RefreshTokenEntity };
