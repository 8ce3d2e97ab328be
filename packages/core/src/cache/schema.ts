// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.

/** The kinds of credential entries in MSAL's cache. */
export type CredentialType = 'AccessToken' | 'RefreshToken' | 'IdToken';

/** An `Account` entry of MSAL's unified cache, as MSAL writes it. */
export interface AccountEntity {
  /** `<uid>.<utid>` for Entra (from client_info), the ID token's `sub` for other issuers. */
  home_account_id: string;
  /** The authority's host (and port), e.g. `login.microsoftonline.com`. */
  environment: string;
  /** The tenant (Entra) or the issuer's path (other issuers). */
  realm: string;
  /** Entra's `oid`, else `sub`. */
  local_account_id: string;
  /** `preferred_username` (or `upn`/`email`) from the ID token. */
  username: string;
  /** "MSSTS" for Entra, "Generic" for other OpenID Connect issuers. */
  authority_type: string;
  /** The display name from the ID token. */
  name?: string;
  /** Entra's `client_info` as received (base64url JSON of uid and utid). */
  client_info?: string;
  /** Seconds since the epoch, as a string. */
  last_modified_time?: string;
  [extra: string]: unknown;
}

/** Fields every credential entry has. */
interface CredentialBase {
  /** Which kind of credential this entry is. */
  credential_type: CredentialType;
  /** The token itself. */
  secret: string;
  /** The account's home account id (empty for app-only tokens). */
  home_account_id: string;
  /** The authority's host (and port). */
  environment: string;
  /** The client the token was issued to. */
  client_id: string;
  [extra: string]: unknown;
}

/** An `AccessToken` entry of MSAL's unified cache. */
export interface AccessTokenEntity extends CredentialBase {
  credential_type: 'AccessToken';
  /** The tenant the token is for. */
  realm: string;
  /** The granted scopes, space-separated. */
  target: string;
  /** `Bearer` unless stated. */
  token_type?: string;
  /** When it was cached, seconds since the epoch (a string, as MSAL writes it). */
  cached_at: string;
  /** When it expires, seconds since the epoch. */
  expires_on: string;
  /** Entra's extended expiry, seconds since the epoch. */
  extended_expires_on?: string;
  /** When to refresh it proactively, seconds since the epoch. */
  refresh_on?: string;
}

/** A `RefreshToken` entry of MSAL's unified cache. */
export interface RefreshTokenEntity extends CredentialBase {
  credential_type: 'RefreshToken';
  /** The FOCI family (`1`) when the token is a family refresh token. */
  family_id?: string;
  /** The scopes it was issued for, space-separated. */
  target?: string;
  /** Seconds since the epoch. */
  last_modification_time?: string;
}

/** An `IdToken` entry of MSAL's unified cache. */
export interface IdTokenEntity extends CredentialBase {
  credential_type: 'IdToken';
  /** The tenant (Entra) or the issuer's path. */
  realm: string;
}

/** An `AppMetadata` entry of MSAL's unified cache (the client's FOCI family). */
export interface AppMetadataEntity {
  /** The client this entry describes. */
  client_id: string;
  /** The authority's host (and port). */
  environment: string;
  /** The client's FOCI family, if any. */
  family_id?: string;
  [extra: string]: unknown;
}

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
  credential_type: CredentialType;
  client_id: string;
  realm?: string;
  target?: string;
}): string {
  const realm = c.credential_type === 'RefreshToken' ? '' : (c.realm ?? '');
  const target = c.credential_type === 'AccessToken' ? (c.target ?? '') : '';
  return [c.home_account_id, c.environment, c.credential_type, c.client_id, realm, target].join('-').toLowerCase();
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
