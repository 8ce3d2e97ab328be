import * as z from 'zod/mini';
import { TesseraError } from '../errors.js';
import { type Authority, resolveAuthority } from '../authority/authority.js';
import { decodeIdToken } from '../crypto/id-token.js';
import { custom, isRecord, optional, parseJson, parseOrThrow } from '../http/schemas.js';
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

/** Fields whose few distinct values (clouds, clients, tenants, types) are shared by every entity instead of copied. */
const SHARED_VALUES = 'environment client_id realm credential_type token_type authority_type target'.split(' ');
const MAX_SHARED_VALUES = 4096;

type Entity<S extends SectionName> = CacheSections[S][string];
type Fields = Record<string, string | undefined>;

/**
 * Fields a write of ours sets or clears: a credential's other fields (other tools' data, such as
 * MSAL Python's `target` on refresh tokens) survive our writes. Accounts and app metadata keep
 * every field the new entity does not set.
 */
const CREDENTIAL_FIELDS = 'credential_type secret home_account_id environment client_id realm user_assertion_hash userAssertionHash ';
const fieldSet = (fields: string) => new Set(fields.split(' '));
const OWN_FIELDS: Partial<Record<SectionName, ReadonlySet<string>>> = {
  // key_id too: a token written without a key (DPoP turned off) must not keep the old token's key;
  // resource too: msal-node 7 records the RFC 8707 resource a token was asked for and serves it only to that resource.
  AccessToken: fieldSet(CREDENTIAL_FIELDS + 'target token_type key_id cached_at expires_on extended_expires_on refresh_on resource'),
  RefreshToken: fieldSet(CREDENTIAL_FIELDS + 'key_id family_id last_modification_time'),
  IdToken: fieldSet(CREDENTIAL_FIELDS),
};

/** Whose token it is: the account, or for on-behalf-of tokens (and queries) the incoming assertion. */
const owner = (homeAccountId: string, e: { user_assertion_hash?: unknown; userAssertionHash?: unknown }) => {
  const hash = assertionHashOf(e);
  return hash ? `uah:${hash}` : homeAccountId;
};

/** A token's scheme, lower-cased: `bearer` unless stated. */
const schemeOf = (e: { token_type?: string }) => (e.token_type ?? 'bearer').toLowerCase();

/**
 * A token in msal-node's partition of a request with attribute tokens (additionalCacheKeyComponents):
 * msal-node serves it only to such requests and never replaces it with another, so neither do we.
 */
const partitioned = (e: unknown) => {
  const components = (e as { additionalCacheKeyComponents?: unknown }).additionalCacheKeyComponents;
  // As msal-node reads it: an empty object is no partition.
  return isRecord(components) && Object.keys(components).length > 0;
};

/**
 * The token cache in memory: MSAL's sections, plus indexes so a lookup costs the same
 * at 1 account or 10,000 (MSAL scans every entry). Unknown sections and fields are kept
 * and written back, so other tools' data survives a round trip.
 */
export class TokenCache {
  readonly #sections = Object.fromEntries(SECTIONS.map((s) => [s, new KeyedEntries()])) as Record<SectionName, KeyedEntries>;
  /** Entries we do not understand (unknown sections, malformed entries), written back untouched. */
  readonly #passthrough = new Map<string, unknown>();
  /**
   * The lookup index: each owner's entries (a handful per account, so lookups cost the same at 1 or
   * 10,000 accounts; MSAL scans every entry). Owners compare exactly: OIDC subjects are case-sensitive.
   */
  readonly #owners = new Map<string, Set<StoredEntry>>();
  /** One copy of each repeated field value (see SHARED_VALUES). */
  readonly #shared = new Map<string, string>();

  /** The number of entries in all sections. */
  get size(): number {
    return SECTIONS.reduce((n, s) => n + this.#sections[s].size, 0);
  }

  /**
   * Files an entity under exactly this key (loading what another tool wrote). New tokens and
   * accounts go through `store`, which also replaces and merges the entries they supersede.
   */
  upsert<S extends SectionName>(section: S, entity: Entity<S>, key = keyOf(section, entity)): string {
    this.remove(section, key);
    const shared = this.#share(entity as Fields);
    const entry: StoredEntry = { section, key: compactKey(section, key, shared), entity: shared };
    this.#sections[section].add(key, entry);
    for (const who of ownersOf(shared)) {
      const group = this.#owners.get(who) ?? new Set();
      this.#owners.set(who, group.add(entry));
    }
    return key;
  }

  /**
   * Stores a new token, account or app metadata under the key msal-node 7 gives it. The same
   * credential or account filed under another key (older MSAL versions, MSAL Python, another
   * case) is removed, and fields of the entry it replaces that this write does not set (other
   * tools' data: `tenantProfiles`, `name`, unknown fields) survive. A new access token also
   * replaces those of its scheme (Bearer, DPoP: of any key) whose scopes overlap its own, as MSAL
   * does, so lookups stay unambiguous.
   */
  store<S extends SectionName>(section: S, entity: Entity<S>): string {
    const e = entity as Fields;
    const key = keyOf(section, e);
    const own = OWN_FIELDS[section];
    const kept: Record<string, unknown> = {};
    // By owner, cloud, client (not for accounts) and realm (a refresh token's is set for OIDC issuers only).
    const scopes = section === 'AccessToken' && scopeSet(e.target!);
    const replaced = this.#matching(section, owner(e.home_account_id!, e), e.environment!, section === 'Account' ? undefined : e.client_id, section === 'RefreshToken' ? (e.realm ?? '') : e.realm).filter(
      (found) => !scopes || (schemeOf(found.entity as Fields) === schemeOf(e) && !partitioned(found.entity) && overlap(scopesOf(found), scopes)),
    );
    // The entry at our key too (a family refresh token of another client of the family).
    const atKey = this.#sections[section].get(key);
    for (const found of atKey ? [...replaced, atKey] : replaced) {
      // Fields of the same credential survive; those of tokens whose scopes only overlap do not.
      if (!scopes || sameSet(scopesOf(found), scopes)) for (const [field, value] of Object.entries(found.entity as Fields)) if (!own?.has(field)) kept[field] = value;
      this.remove(section, keyOfEntry(found));
    }
    const merged: Record<string, unknown> = { ...kept, ...e };
    if (section === 'Account') merged.tenantProfiles = withTenantProfile(e as AccountEntity, kept.tenantProfiles);
    return this.upsert(section, merged as Entity<S>, key);
  }

  /** Removes an entry; whether it was there. */
  remove(section: SectionName, key: string): boolean {
    const entry = this.#sections[section].delete(key);
    for (const who of entry ? ownersOf(entry.entity as Fields) : []) {
      const group = this.#owners.get(who);
      if (group?.delete(entry!) && !group.size) this.#owners.delete(who);
    }
    return !!entry;
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
    const scheme = (q.tokenType ?? 'bearer').toLowerCase();
    for (const entry of this.#matching('AccessToken', owner(q.homeAccountId, q), q.environment, q.clientId, q.realm)) {
      const at = entry.entity as AccessTokenEntity;
      const scopes = scopesOf(entry);
      // No resource scope (an OIDC-only ask) selects only a token issued for no resource, never any token.
      if (schemeOf(at) === scheme && at.key_id === q.keyId && !partitioned(at) && (q.scopes.length ? q.scopes.every((s) => scopes.has(s)) : !scopes.size)) return at;
    }
    return undefined;
  }

  /**
   * This client's own refresh token for the account (those of its family, FOCI, are not used).
   * `realm`: the issuer path for OIDC issuers (whose refresh tokens are filed per issuer, since
   * several issuers can share a host); leave it out for Entra, whose refresh tokens span tenants.
   * With `keyId` in the options (undefined: no DPoP key), only a refresh token obtained with that
   * key (undefined: without one) qualifies: a key-bound refresh token is useless with another key.
   */
  findRefreshToken(homeAccountId: string, environment: string, clientId: string, options: RefreshTokenQuery = {}): RefreshTokenEntity | undefined {
    const { realm = '' } = options;
    const find = (realm: string) =>
      this.#last<RefreshTokenEntity>('RefreshToken', owner(homeAccountId, options), environment, clientId, realm, (rt) => !('keyId' in options) || rt.key_id === options.keyId);
    // Filed without a realm (msal-node, older Tessera): it can only be this issuer's when the account
    // has signed in on this host through this issuer alone.
    const found = find(realm);
    if (found || !realm) return found;
    const accounts = this.#matching('Account', homeAccountId, environment);
    return accounts.length && accounts.every((a) => this.knownOfIssuer(a.entity as AccountEntity, { environment, tenant: realm })) ? find('') : undefined;
  }

  /** The ID token of the account for this client and tenant, if cached. */
  findIdToken(homeAccountId: string, environment: string, clientId: string, realm: string): IdTokenEntity | undefined {
    return this.#last<IdTokenEntity>('IdToken', homeAccountId, environment, clientId, realm);
  }

  /**
   * Whether an account is known to be the OIDC issuer's: filed under its path (Tessera's accounts),
   * or, filed under another realm, with an ID token (of any client) that `issuer` issued. msal-node's
   * OIDC protocol mode files a generic issuer's account as Generic under a claim of its ID token
   * (tid, tfp or acr: Keycloak's acr "1"), not under the issuer's path. ID tokens are decoded once
   * each, and never on cache hits (listing, refresh and sign-out ask).
   */
  knownOfIssuer(account: AccountEntity, issuer: IssuerId): boolean {
    const key = issuerKey(issuer);
    return sameFolded(account.realm, issuer.tenant) || this.#matching('IdToken', account.home_account_id, account.environment, undefined, account.realm).some((e) => issuerOf(e) === key);
  }

  /** Every cached account. */
  getAccounts(): AccountEntity[] {
    return Array.from(this.#sections.Account, (e) => e.entity as AccountEntity);
  }

  /** The cached accounts with this home account id (one per tenant). */
  accountsOf(homeAccountId: string): AccountEntity[] {
    return [...(this.#owners.get(homeAccountId) ?? [])].filter((e) => e.section === 'Account').map((e) => e.entity as AccountEntity);
  }

  /**
   * Removes an account and every credential of it in `environment`'s cloud; returns how many
   * entries went. `realm`: an OIDC issuer's path (see removeAccountOf): what is filed under the
   * paths of the user's accounts at other issuers on the host stays (signing out of one issuer
   * must not sign the user out of another); everything else of the user there goes: this issuer's
   * entries (msal-node's too, whose realm may be an ID-token claim: see ofIssuer), other tools'
   * accounts that name no issuer (every issuer's, see ofIssuer: else still listed here) and
   * realmless tokens (whose issuer is unknown: one issuer left alone would take them for its own,
   * see findRefreshToken). Leave `realm` out for Entra, whose accounts and tokens of every tenant go together.
   */
  removeAccount(homeAccountId: string, environment: string, realm?: string): number {
    const env = canonicalEnvironment(environment);
    const realmOf = (entry: StoredEntry) => (entry.entity as Fields).realm ?? '';
    const entries = [...(this.#owners.get(homeAccountId) ?? [])].filter((entry) => canonicalEnvironment((entry.entity as Fields).environment!) === env);
    // The realms of the user's accounts at other issuers on this host (none for Entra): what is filed under them stays.
    const others =
      realm === undefined ? [] : entries.filter((entry) => entry.section === 'Account' && !ofIssuer(this, entry.entity as AccountEntity, { kind: 'oidc', environment, tenant: realm })).map(realmOf);
    return entries.filter((entry) => !(filedByIssuer(entry.entity as Fields) && others.some((r) => sameFolded(r, realmOf(entry)))) && this.remove(entry.section, keyOfEntry(entry))).length;
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
    const out: Record<string, unknown> = {};
    for (const s of SECTIONS) out[s] = Object.fromEntries(Array.from(this.#sections[s], (e) => [keyOfEntry(e), e.entity]));
    for (const [section, kept] of this.#passthrough) out[section] = isRecord(kept) ? { ...kept, ...(out[section] as object) } : kept;
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
      // Another tool's section: kept as it is.
      if (!SECTIONS.includes(section as SectionName)) this.#keep(section, entries);
      else
        for (const [key, entity] of Object.entries(entries)) {
          // The parsed object itself, not zod's copy (the schemas transform nothing): JSON.parse's objects are the compact ones (memory).
          if (z.safeParse(ENTITY_SCHEMAS[section as SectionName], entity).success) this.upsert(section as SectionName, entity as never, key);
          else this.#keep(section, { [key]: entity });
        }
    }
  }

  /** Keeps entries we do not understand, merged with those kept before when both are objects. */
  #keep(section: string, entries: unknown): void {
    const kept = this.#passthrough.get(section);
    this.#passthrough.set(section, isRecord(kept) && isRecord(entries) ? Object.assign(kept, entries) : entries);
  }

  /**
   * The entries of `section` that `who` owns in `environment`'s cloud, for `clientId` and `realm`
   * when given (compared case-insensitively: client ids, tenants and hosts are), oldest first.
   * App metadata, owned by nobody, is searched in its section.
   */
  #matching(section: SectionName, who: string | undefined, environment: string, clientId?: string, realm?: string): StoredEntry[] {
    const env = canonicalEnvironment(environment);
    const appMetadata = section === 'AppMetadata';
    return [...((appMetadata ? this.#sections[section] : this.#owners.get(who!)) ?? [])].filter((entry) => {
      const e = entry.entity as Fields;
      // An owner's group also holds the on-behalf-of tokens filed for that user: those are the assertion's.
      return (
        entry.section === section &&
        (appMetadata || owner(e.home_account_id!, e) === who) &&
        canonicalEnvironment(e.environment!) === env &&
        (clientId === undefined || sameFolded(e.client_id!, clientId)) &&
        (realm === undefined || sameFolded(e.realm ?? '', realm))
      );
    });
  }

  /** The newest of #matching's entries that passes `test`. */
  #last<E>(section: SectionName, who: string, environment: string, clientId: string, realm: string, test: (e: E) => boolean = () => true): E | undefined {
    return this.#matching(section, who, environment, clientId, realm).map((e) => e.entity as E).filter(test).pop();
  }

  /** The entity with its repeated values shared (memory: one copy per cloud, client, tenant, and per owner's id). */
  #share<T extends Fields>(e: T): T {
    if (Object.isFrozen(e)) return e;
    for (const field of SHARED_VALUES) {
      const value = e[field];
      if (typeof value !== 'string') continue;
      const known = this.#shared.get(value);
      if (known !== undefined) (e as Fields)[field] = known;
      else if (this.#shared.size < MAX_SHARED_VALUES) this.#shared.set(value, value);
    }
    // The owner's entries already hold its id string (an equal one, as their group is found by it).
    const home = (this.#owners.get(e.home_account_id!)?.values().next().value?.entity as Fields | undefined)?.home_account_id;
    if (home && home === e.home_account_id) (e as Fields).home_account_id = home;
    return e;
  }
}

/** Who owns an entity: its owner (account or assertion), and its account too for on-behalf-of tokens with one. */
function ownersOf(e: Fields): string[] {
  const home = e.home_account_id;
  // Sections that do not require home_account_id (AppMetadata) may hold anything there: index strings only.
  if (typeof home !== 'string') return [];
  const who = owner(home, e);
  return who === home || !home ? [who] : [who, home];
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

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));
/** Whether two scope sets share a scope (or are both empty). */
const overlap = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size + b.size === 0 || [...a].some((x) => b.has(x));

/**
 * The realm an authority's access and ID tokens for an account are filed under: an Entra tenant's
 * (the account's tenant profile, `tenantId`); for an OIDC issuer its issuer path, whichever issuer's
 * profile the account object names (several issuers on one host share the account).
 */
export function tokenRealm(authority: Pick<Authority, 'kind' | 'tenant'>, tenantId: string): string {
  return authority.kind === 'entra' ? tenantId : authority.tenant;
}

/**
 * The realm an authority's refresh tokens are filed under (see `findRefreshToken`): the issuer path
 * of an OIDC issuer; none for Entra, whose refresh tokens serve every tenant of the cloud.
 */
export function refreshTokenRealm(authority: Pick<Authority, 'kind' | 'tenant'>): string | undefined {
  return authority.kind === 'entra' ? undefined : authority.tenant || undefined;
}

/** The client's authority, as far as whose accounts it sees depends on it (see ofIssuer). */
export type AccountAuthority = Pick<Authority, 'kind' | 'environment' | 'tenant'>;

/** An OIDC issuer as accounts are filed under it: its host (`environment`) and path (`tenant`). */
export type IssuerId = Pick<Authority, 'environment' | 'tenant'>;

/**
 * Whether an account is one a client of `authority` lists, uses and signs out (the one rule for
 * all of them): for an OIDC issuer, one on its host that is known to be its (see
 * TokenCache.knownOfIssuer) or that names no issuer (see filedByIssuer), as several issuers can
 * share a host (`/realms/a` and `/realms/b`), each with its own users; for Entra any, as one host
 * serves every tenant and a user's accounts in all of them are one account.
 */
export function ofIssuer(cache: TokenCache, account: AccountEntity, authority: AccountAuthority): boolean {
  return authority.kind === 'entra' || (sameFolded(account.environment, authority.environment) && (!filedByIssuer(account) || cache.knownOfIssuer(account, authority)));
}

/** An OIDC issuer's host and path, lower-cased: how issuers are compared (see issuerOf). */
const issuerKey = (issuer: IssuerId) => `${issuer.environment}/${issuer.tenant}`.toLowerCase();

/** The issuer (issuerKey) an ID token's `iss` names, as a client of that URL resolves it: decoded on first use (not at load), once. */
function issuerOf(entry: StoredEntry): string {
  try {
    return (entry.issuer ??= issuerKey(resolveAuthority({ oidcAuthority: String(decodeIdToken((entry.entity as IdTokenEntity).secret).iss) })));
  } catch {
    // Not a JWT, or not an issuer URL a client could have (http off loopback, a query): names none.
    return (entry.issuer = '');
  }
}

/**
 * Whether an entry is filed under an OIDC issuer's realm: generic accounts are (Tessera's under its
 * path, msal-node's OIDC mode's under an ID-token claim, see TokenCache.knownOfIssuer), and credentials (no
 * authority_type) by their realm. msal-node's default mode files a generic issuer's account as
 * MSSTS (realm = the ID token's tid, tfp or acr): such an account is any issuer's on its host, as
 * before issuers were told apart.
 */
const filedByIssuer = (entity: { authority_type?: string }) => (entity.authority_type ?? 'Generic') === 'Generic';

/**
 * Signs a user out of a client of `authority` (see TokenCache.removeAccount): for an OIDC issuer
 * what is filed under its host and path; for Entra the user's accounts and tokens in every tenant
 * of the account's cloud.
 */
export function removeAccountOf(cache: TokenCache, account: { homeAccountId: string; environment: string }, authority: AccountAuthority): number {
  const entra = authority.kind === 'entra';
  return cache.removeAccount(account.homeAccountId, entra ? account.environment : authority.environment, entra ? undefined : authority.tenant);
}

/**
 * Parses serialized cache JSON: an object whose MSAL sections are objects of entries; sections of
 * other tools may hold anything. Throws CacheFormatError naming what is wrong.
 */
export function parseCacheJson(json: string): Record<string, Record<string, unknown>> {
  const parsed = json.trim() === '' ? {} : parseJson(json);
  if (parsed === undefined) throw new CacheFormatError('The token cache is not valid JSON');
  parseOrThrow(cacheDocumentSchema, parsed, (path) => new CacheFormatError(`The token cache${path ? ` section "${path.split('.')[0]}"` : ''} must be a JSON object`));
  return parsed as Record<string, Record<string, unknown>>;
}

/** A cache document: an object whose MSAL sections are objects of entries (checked one by one on load). */
const entries = optional(custom<Record<string, unknown>>(isRecord));
const cacheDocumentSchema = z.looseObject(Object.fromEntries(SECTIONS.map((section) => [section, entries])));

export type { AccessTokenEntity, AccountEntity, AppMetadataEntity, IdTokenEntity, RefreshTokenEntity };
