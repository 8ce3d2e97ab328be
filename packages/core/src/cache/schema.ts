// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.

export type CredentialType = 'AccessToken' | 'RefreshToken' | 'IdToken';

export interface AccountEntity {
  home_account_id: string;
  environment: string;
  realm: string;
  local_account_id: string;
  username: string;
  /** "MSSTS" for Entra, "Generic" for other OpenID Connect issuers. */
  authority_type: string;
  name?: string;
  client_info?: string;
  last_modified_time?: string;
  [extra: string]: unknown;
}

interface CredentialBase {
  credential_type: CredentialType;
  secret: string;
  home_account_id: string;
  environment: string;
  client_id: string;
  [extra: string]: unknown;
}

export interface AccessTokenEntity extends CredentialBase {
  credential_type: 'AccessToken';
  realm: string;
  target: string;
  token_type?: string;
  cached_at: string;
  expires_on: string;
  extended_expires_on?: string;
  refresh_on?: string;
}

export interface RefreshTokenEntity extends CredentialBase {
  credential_type: 'RefreshToken';
  family_id?: string;
  target?: string;
  last_modification_time?: string;
}

export interface IdTokenEntity extends CredentialBase {
  credential_type: 'IdToken';
  realm: string;
}

export interface AppMetadataEntity {
  client_id: string;
  environment: string;
  family_id?: string;
  [extra: string]: unknown;
}

export interface CacheSections {
  Account: Record<string, AccountEntity>;
  IdToken: Record<string, IdTokenEntity>;
  AccessToken: Record<string, AccessTokenEntity>;
  RefreshToken: Record<string, RefreshTokenEntity>;
  AppMetadata: Record<string, AppMetadataEntity>;
}

export type SectionName = keyof CacheSections;
export const SECTIONS: readonly SectionName[] = ['Account', 'IdToken', 'AccessToken', 'RefreshToken', 'AppMetadata'];

/**
 * The key an account is filed under, as msal-node 7 writes it: home account id, cloud, home tenant
 * (from `uid.utid`, else the realm). Accounts of other tenants than the home one (guests) are filed
 * as MSAL Python files them, under their realm, so one tenant's entry never overwrites another's.
 * The home account id keeps its case: only hosts and tenant ids are case-insensitive by definition.
 */
export function accountKey(a: Pick<AccountEntity, 'home_account_id' | 'environment' | 'realm'>): string {
  const homeTenant = a.home_account_id.split('.')[1];
  const tenant = homeTenant && homeTenant.toLowerCase() === a.realm.toLowerCase() ? homeTenant : a.realm;
  return `${a.home_account_id}-${[a.environment, tenant].join('-').toLowerCase()}`;
}

/** What a credential key is made of (the entity's own fields). */
export interface CredentialKeyFields {
  home_account_id: string;
  environment: string;
  credential_type: CredentialType;
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
  const target = c.credential_type === 'AccessToken' ? (c.target ?? '') : '';
  const scheme = c.credential_type === 'AccessToken' && c.token_type && c.token_type.toLowerCase() !== 'bearer' ? c.token_type : '';
  const folded = [c.environment, c.credential_type, client, c.realm ?? '', target, scheme].join('-').toLowerCase();
  const assertion = assertionHashOf(c);
  return `${c.home_account_id}-${folded}${assertion ? `-${assertion}` : ''}`;
}

/** The on-behalf-of assertion hash of an entity: MSAL Python and Tessera write `user_assertion_hash`, msal-node `userAssertionHash`. */
export function assertionHashOf(e: { user_assertion_hash?: unknown; userAssertionHash?: unknown }): string | undefined {
  const hash = e.user_assertion_hash ?? e.userAssertionHash;
  return typeof hash === 'string' && hash ? hash : undefined;
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
      return credentialKey(entity as CredentialKeyFields);
  }
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
