// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.
import * as z from 'zod/mini';
import { custom, optionalString, text } from '../http/schemas.js';

/** MSAL's credential type of access tokens bound to a key (token_type `DPoP` or `pop`). */
export const ACCESS_TOKEN_WITH_AUTH_SCHEME = 'AccessToken_With_AuthScheme';

/** Fields every entry has as a string when MSAL (or we) wrote it. */
const str = text;
const opt = optionalString;
const credential = /* @__NO_SIDE_EFFECTS__ */ <T extends CredentialType | typeof ACCESS_TOKEN_WITH_AUTH_SCHEME>(...types: T[]) => ({
  /** Which kind of credential this entry is (access tokens bound to a key: `AccessToken_With_AuthScheme`). */
  credential_type: custom<T>((v) => types.includes(v as T)),
  /** The token itself. */
  secret: str,
  /** The account's home account id: `<uid>.<utid>` for Entra, the ID token's `sub` for other issuers (empty for app-only tokens). */
  home_account_id: str,
  /** The authority's host (and port), e.g. `login.microsoftonline.com`. */
  environment: str,
  /** The client the entry belongs to. */
  client_id: str,
});

// Loose objects: fields of other tools (and newer MSAL versions) are kept and written back.
// Required fields are those reads rely on (as MSAL requires them); optional ones read by lookups
// must be strings when present. An entry that does not conform is kept aside, untouched.
export const accountEntitySchema = z.looseObject({
  /** The account's home account id: `<uid>.<utid>` for Entra, the ID token's `sub` for other issuers (empty for app-only tokens). */
  home_account_id: str,
  /** The authority's host (and port), e.g. `login.microsoftonline.com`. */
  environment: str,
  /** The tenant (Entra) or the issuer's path (other issuers). */
  realm: str,
  /** Entra's `oid`, else `sub`. */
  local_account_id: str,
  /** `preferred_username` (or `upn`/`email`) from the ID token. */
  username: str,
  /** "MSSTS" for Entra, "Generic" for other OpenID Connect issuers. */
  authority_type: str,
  /** The display name from the ID token. */
  name: opt,
  /** Entra's `client_info` as received (base64url JSON of uid and utid). */
  client_info: opt,
  /** Seconds since the epoch, as a string. */
  last_modified_time: opt,
});
export const accessTokenEntitySchema = z.looseObject({
  ...credential('AccessToken', ACCESS_TOKEN_WITH_AUTH_SCHEME),
  /** The tenant (Entra) or the issuer's path (other issuers). */
  realm: str,
  /** The scopes, space-separated. */
  target: str,
  /** `Bearer` unless stated; `DPoP` for tokens bound to a DPoP key. */
  token_type: opt,
  /** DPoP-bound tokens: the RFC 7638 thumbprint of the key (MSAL's `key_id`). */
  key_id: opt,
  /** When it was cached, seconds since the epoch. */
  cached_at: opt,
  /** When it expires, seconds since the epoch. */
  expires_on: str,
  /** Entra's extended expiry, seconds since the epoch. */
  extended_expires_on: opt,
  /** When to refresh it proactively, seconds since the epoch. */
  refresh_on: opt,
  /** On-behalf-of entries: the hash of the incoming assertion. */
  user_assertion_hash: opt,
  /** msal-node's name for user_assertion_hash. */
  userAssertionHash: opt,
});
export const refreshTokenEntitySchema = z.looseObject({
  ...credential('RefreshToken'),
  /** The FOCI family (`1`) of a family refresh token or client. */
  family_id: opt,
  /** The scopes, space-separated. */
  target: opt,
  /** Set for OIDC issuers only: several can share a host (see TokenCache.findRefreshToken). */
  realm: opt,
  /** Seconds since the epoch. */
  last_modification_time: opt,
  /** On-behalf-of entries: the hash of the incoming assertion. */
  user_assertion_hash: opt,
  /** A refresh token obtained with a DPoP proof: the key's thumbprint (it may be bound to that key). */
  key_id: opt,
  /** msal-node's name for user_assertion_hash. */
  userAssertionHash: opt,
});
export const idTokenEntitySchema = z.looseObject({
  ...credential('IdToken'),
  /** The tenant (Entra) or the issuer's path. */
  realm: str,
});
export const appMetadataEntitySchema = z.looseObject({
  /** The client this entry describes. */
  client_id: str,
  /** The authority's host (and port). */
  environment: str,
  /** The client's FOCI family, if any. */
  family_id: opt,
});

/** The kinds of credential entries in MSAL's cache. */
export type CredentialType = 'AccessToken' | 'RefreshToken' | 'IdToken';
/** An `Account` entry of MSAL's unified cache, as MSAL writes it (other fields kept). */
export type AccountEntity = z.infer<typeof accountEntitySchema>;
/** An `AccessToken` entry of MSAL's unified cache. */
export type AccessTokenEntity = z.infer<typeof accessTokenEntitySchema>;
/** A `RefreshToken` entry of MSAL's unified cache. */
export type RefreshTokenEntity = z.infer<typeof refreshTokenEntitySchema>;
/** An `IdToken` entry of MSAL's unified cache. */
export type IdTokenEntity = z.infer<typeof idTokenEntitySchema>;
/** An `AppMetadata` entry of MSAL's unified cache (the client's FOCI family). */
export type AppMetadataEntity = z.infer<typeof appMetadataEntitySchema>;

/** The schema of each MSAL section's entries. */
export const ENTITY_SCHEMAS = {
  Account: accountEntitySchema,
  IdToken: idTokenEntitySchema,
  AccessToken: accessTokenEntitySchema,
  RefreshToken: refreshTokenEntitySchema,
  AppMetadata: appMetadataEntitySchema,
};

/** The sections of MSAL's cache JSON, each a map from the entry's key to the entry. */
export interface CacheSections {
  /** Accounts by key. */
  Account: Record<string, AccountEntity>;
  /** ID tokens by key. */
  IdToken: Record<string, IdTokenEntity>;
  /** Access tokens by key. */
  AccessToken: Record<string, AccessTokenEntity>;
  /** Refresh tokens by key. */
  RefreshToken: Record<string, RefreshTokenEntity>;
  /** App metadata by key. */
  AppMetadata: Record<string, AppMetadataEntity>;
}

/** The name of a cache section. */
export type SectionName = keyof CacheSections;
export const SECTIONS = Object.keys(ENTITY_SCHEMAS) as readonly SectionName[];

/**
 * The key an account is filed under, as msal-node 7 writes it: home account id, cloud, tenant (for
 * the home tenant's entry, its home tenant). Accounts of other tenants (guests) are filed as MSAL
 * Python files them, under their realm, so one tenant's entry never overwrites another's. The home
 * account id keeps its case: only hosts and tenant ids are case-insensitive by definition.
 */
export function accountKey(a: Pick<AccountEntity, 'home_account_id' | 'environment' | 'realm'>): string {
  // A home-tenant entry's realm is its home tenant (at most in another case, and the key is lower-cased).
  return `${a.home_account_id}-${`${a.environment}-${a.realm}`.toLowerCase()}`;
}

/** What a credential key is made of (the entity's own fields). */
export interface CredentialKeyFields {
  home_account_id: string;
  environment: string;
  credential_type: CredentialType | typeof ACCESS_TOKEN_WITH_AUTH_SCHEME;
  client_id: string;
  realm?: string;
  target?: string;
  token_type?: string;
  family_id?: string;
  user_assertion_hash?: unknown;
  userAssertionHash?: unknown;
}

/**
 * The key a credential is filed under, as msal-node 7 writes it: home account id, cloud, type,
 * client (a family refresh token: its family id), realm, target (access tokens), scheme (empty for
 * Bearer). Two departures keep different owners apart where msal-node's key would not: the home
 * account id keeps its case (OIDC subjects are case-sensitive), and on-behalf-of tokens end with
 * the assertion hash (one middle tier holds tokens of many users, often without an ID token).
 */
export function credentialKey(c: CredentialKeyFields): string {
  const rt = c.credential_type === 'RefreshToken';
  const client = (rt && c.family_id) || c.client_id;
  // `AccessToken`, or `AccessToken_With_AuthScheme` for key-bound tokens.
  const at = c.credential_type.startsWith('AccessToken');
  const target = at ? (c.target ?? '') : '';
  // A key-bound token (MSAL's AccessToken_With_AuthScheme) ends with its scheme, `dpop`.
  const scheme = at && c.token_type && c.token_type.toLowerCase() !== 'bearer' ? c.token_type : '';
  const folded = [c.environment, c.credential_type, client, c.realm ?? '', target, scheme].join('-').toLowerCase();
  const assertion = assertionHashOf(c);
  return `${c.home_account_id}-${folded}${assertion ? `-${assertion}` : ''}`;
}

/** The on-behalf-of assertion hash of an entity: MSAL Python writes `user_assertion_hash`, msal-node `userAssertionHash`, Tessera both. */
export function assertionHashOf(e: { user_assertion_hash?: unknown; userAssertionHash?: unknown }): string | undefined {
  const hash = e.user_assertion_hash ?? e.userAssertionHash;
  return typeof hash === 'string' && hash ? hash : undefined;
}

/** The key app metadata is filed under: `appmetadata-<cloud>-<client>`. */
export function appMetadataKey(m: Pick<AppMetadataEntity, 'environment' | 'client_id'>): string {
  return `appmetadata-${m.environment}-${m.client_id}`.toLowerCase();
}

/** The key an entity of `section` is filed under, as msal-node 7 writes it. */
export function keyOf(section: SectionName, entity: unknown): string {
  return section === 'Account' ? accountKey(entity as AccountEntity) : section === 'AppMetadata' ? appMetadataKey(entity as AppMetadataEntity) : credentialKey(entity as CredentialKeyFields);
}

/**
 * The `tenantProfiles` of an account entry: msal-node 7 lists an account once per tenant profile
 * (JSON strings) and lists none for an entry without profiles and an empty realm (OIDC issuers).
 * Profiles already there (msal-node's, richer) are kept as they are.
 */
export function withTenantProfile(account: AccountEntity, existing: unknown): unknown {
  if (existing !== undefined) return existing;
  const profile = {
    tenantId: account.realm,
    localAccountId: account.local_account_id,
    name: account.name,
    username: account.username,
    isHomeTenant: !!account.realm && account.realm === account.home_account_id.split('.')[1],
  };
  return [JSON.stringify(profile)];
}
