import * as z from 'zod/mini';
import { TesseraError } from '../errors.js';
import { describeIssue, isRecord } from '../http/schemas.js';
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

/** An entry as the lookup index holds it; access tokens also carry their lower-cased scopes. */
interface IndexEntry {
  section: SectionName;
  key: string;
  entity: unknown;
  scopes?: ReadonlySet<string>;
}

type Entity<S extends SectionName> = CacheSections[S][string];

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
  readonly #passthrough = new Map<string, unknown>();
  /** Lookup groups (see groupsOf) to their entries in upsert order, by section and key (keys are unique only within a section). */
  readonly #groups = new Map<string, Map<string, IndexEntry>>();

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
    const wantType = (q.tokenType ?? 'bearer').toLowerCase();
    for (const { entity, scopes } of this.#group('AccessToken', owner(q.homeAccountId, q.userAssertionHash), q.environment, q.clientId, q.realm)) {
      const at = entity as AccessTokenEntity;
      if ((at.token_type ?? 'Bearer').toLowerCase() === wantType && q.scopes.every((s) => scopes!.has(s))) return at;
    }
    return undefined;
  }

  /** All access tokens of one account/client/realm; used to replace tokens whose scopes overlap. */
  accessTokensInGroup(homeAccountId: string, environment: string, clientId: string, realm: string, userAssertionHash?: string): { key: string; entity: AccessTokenEntity }[] {
    // With the keys they are stored under: a file written by another tool may key an entry differently than we would.
    return [...this.#group('AccessToken', owner(homeAccountId, userAssertionHash), environment, clientId, realm)].map((e) => ({ key: e.key, entity: e.entity as AccessTokenEntity }));
  }

  /** This client's own refresh token for the account (those of its family, FOCI, are not used). */
  findRefreshToken(homeAccountId: string, environment: string, clientId: string, options: { userAssertionHash?: string } = {}): RefreshTokenEntity | undefined {
    return latest(this.#group('RefreshToken', owner(homeAccountId, options.userAssertionHash), environment, clientId)) as RefreshTokenEntity | undefined;
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
        const checked = z.safeParse(ENTITY_SCHEMAS[name], entity);
        if (checked.success) this.upsert(name, checked.data as Entity<typeof name>, key);
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
    const entry = add && { section, key, entity, scopes: section === 'AccessToken' ? new Set(e.target!.toLowerCase().split(/\s+/).filter(Boolean)) : undefined };
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
 * cloud and client; ID tokens by account, cloud, client and realm.
 */
function groupsOf(section: SectionName, e: Record<string, string | undefined>): string[] {
  // Sections that do not require home_account_id (AppMetadata) may hold anything there: index strings only.
  const groups = typeof e.home_account_id === 'string' ? [groupKey('home', e.home_account_id)] : [];
  const who = owner(e.home_account_id!, e.user_assertion_hash);
  if (section === 'AccessToken') groups.push(groupKey(section, who, canonicalEnvironment(e.environment!), e.client_id!, e.realm!));
  if (section === 'RefreshToken') groups.push(groupKey(section, who, canonicalEnvironment(e.environment!), e.client_id!));
  if (section === 'IdToken') groups.push(groupKey(section, e.home_account_id!, canonicalEnvironment(e.environment!), e.client_id!, e.realm!));
  return groups;
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
  const checked = z.safeParse(cacheDocumentSchema, parsed);
  if (!checked.success) {
    const [path] = describeIssue(checked.error);
    throw new CacheFormatError(path ? `Cache section "${path.split('.')[0]}" must be an object of entries` : 'The serialized token cache must be a JSON object');
  }
  return parsed as Record<string, Record<string, unknown>>;
}

/** A cache document: an object whose MSAL sections are objects of entries (checked one by one on load). */
const entries = z.optional(z.custom<Record<string, unknown>>(isRecord));
const cacheDocumentSchema = z.looseObject(Object.fromEntries(SECTIONS.map((section) => [section, entries])));

export type { AccessTokenEntity, AccountEntity, AppMetadataEntity, IdTokenEntity, RefreshTokenEntity };
