// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.
import * as z from '../http/zod.js';

/** MSAL's credential type of access tokens bound to a key (token_type `DPoP` or `pop`). */
export const ACCESS_TOKEN_WITH_AUTH_SCHEME = 'AccessToken_With_AuthScheme';

/** Fields every entry has as a string when MSAL (or we) wrote it. */
const str = z.string();
const opt = z.optional(z.string());
const credential = /* @__NO_SIDE_EFFECTS__ */ <T extends CredentialType>(type: T) => ({
  /** Which kind of credential this entry is. */
  credential_type: z.custom<T>((v) => v === type),
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
  ...credential('AccessToken'),
  /** `AccessToken`, or as MSAL files tokens bound to a key (DPoP) `AccessToken_With_AuthScheme`. */
  credential_type: z.custom<'AccessToken' | typeof ACCESS_TOKEN_WITH_AUTH_SCHEME>((v) => v === 'AccessToken' || v === ACCESS_TOKEN_WITH_AUTH_SCHEME),
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
});
export const refreshTokenEntitySchema = z.looseObject({
  ...credential('RefreshToken'),
  /** The FOCI family (`1`) of a family refresh token or client. */
  family_id: opt,
  /** The scopes, space-separated. */
  target: opt,
  /** Seconds since the epoch. */
  last_modification_time: opt,
  /** On-behalf-of entries: the hash of the incoming assertion. */
  user_assertion_hash: opt,
  /** A refresh token obtained with a DPoP proof: the key's thumbprint (it may be bound to that key). */
  key_id: opt,
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
export type AccountEntity = z.Infer<typeof accountEntitySchema>;
/** An `AccessToken` entry of MSAL's unified cache. */
export type AccessTokenEntity = z.Infer<typeof accessTokenEntitySchema>;
/** A `RefreshToken` entry of MSAL's unified cache. */
export type RefreshTokenEntity = z.Infer<typeof refreshTokenEntitySchema>;
/** An `IdToken` entry of MSAL's unified cache. */
export type IdTokenEntity = z.Infer<typeof idTokenEntitySchema>;
/** An `AppMetadata` entry of MSAL's unified cache (the client's FOCI family). */
export type AppMetadataEntity = z.Infer<typeof appMetadataEntitySchema>;

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
export const SECTIONS: readonly SectionName[] = ['Account', 'IdToken', 'AccessToken', 'RefreshToken', 'AppMetadata'];

export function accountKey(a: Pick<AccountEntity, 'home_account_id' | 'environment' | 'realm'>): string {
  return [a.home_account_id, a.environment, a.realm].join('-').toLowerCase();
}

export function credentialKey(c: {
  home_account_id: string;
  environment: string;
  credential_type: CredentialType | typeof ACCESS_TOKEN_WITH_AUTH_SCHEME;
  client_id: string;
  realm?: string;
  target?: string;
  token_type?: string;
}): string {
  const realm = c.credential_type === 'RefreshToken' ? '' : (c.realm ?? '');
  const bound = c.credential_type === ACCESS_TOKEN_WITH_AUTH_SCHEME;
  const target = c.credential_type === 'AccessToken' || bound ? (c.target ?? '') : '';
  // MSAL appends the scheme (`dpop`) to the key of a key-bound token.
  const parts = [c.home_account_id, c.environment, c.credential_type, c.client_id, realm, target];
  if (bound && c.token_type) parts.push(c.token_type);
  return parts.join('-').toLowerCase();
}

export function appMetadataKey(m: Pick<AppMetadataEntity, 'environment' | 'client_id'>): string {
  return ['appmetadata', m.environment, m.client_id].join('-').toLowerCase();
}

export function keyOf(section: SectionName, entity: unknown): string {
  switch (section) {
    case 'Account':
      return accountKey(entity as AccountEntity);
    case 'AppMetadata':
      return appMetadataKey(entity as AppMetadataEntity);
    default:
      return credentialKey(entity as AccessTokenEntity);
  }
}
