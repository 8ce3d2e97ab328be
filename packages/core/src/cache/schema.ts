// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.
import * as z from '../http/zod.js';

/** Fields every entry has as a string when MSAL (or we) wrote it. */
const str = z.string();
const opt = z.optional(z.string());
const credential = /* @__NO_SIDE_EFFECTS__ */ <T extends CredentialType>(type: T) => ({
  credential_type: z.custom<T>((v) => v === type),
  secret: str,
  home_account_id: str,
  environment: str,
  client_id: str,
});

// Loose objects: fields of other tools (and newer MSAL versions) are kept and written back.
// Required fields are those reads rely on (as MSAL requires them); optional ones read by lookups
// must be strings when present. An entry that does not conform is kept aside, untouched.
export const accountEntitySchema = z.looseObject({
  home_account_id: str,
  environment: str,
  realm: str,
  local_account_id: str,
  username: str,
  /** "MSSTS" for Entra, "Generic" for other OpenID Connect issuers. */
  authority_type: str,
  name: opt,
  client_info: opt,
  last_modified_time: opt,
});
export const accessTokenEntitySchema = z.looseObject({
  ...credential('AccessToken'),
  realm: str,
  target: str,
  token_type: opt,
  cached_at: opt,
  expires_on: str,
  extended_expires_on: opt,
  refresh_on: opt,
  user_assertion_hash: opt,
  /** msal-node's name for user_assertion_hash. */
  userAssertionHash: opt,
});
export const refreshTokenEntitySchema = z.looseObject({
  ...credential('RefreshToken'),
  family_id: opt,
  target: opt,
  /** Set for OIDC issuers only: several can share a host (see TokenCache.findRefreshToken). */
  realm: opt,
  last_modification_time: opt,
  user_assertion_hash: opt,
  userAssertionHash: opt,
});
export const idTokenEntitySchema = z.looseObject({ ...credential('IdToken'), realm: str });
export const appMetadataEntitySchema = z.looseObject({ client_id: str, environment: str, family_id: opt });

export type CredentialType = 'AccessToken' | 'RefreshToken' | 'IdToken';
export type AccountEntity = z.infer<typeof accountEntitySchema>;
export type AccessTokenEntity = z.infer<typeof accessTokenEntitySchema>;
export type RefreshTokenEntity = z.infer<typeof refreshTokenEntitySchema>;
export type IdTokenEntity = z.infer<typeof idTokenEntitySchema>;
export type AppMetadataEntity = z.infer<typeof appMetadataEntitySchema>;

/** The schema of each MSAL section's entries. */
export const ENTITY_SCHEMAS = {
  Account: accountEntitySchema,
  IdToken: idTokenEntitySchema,
  AccessToken: accessTokenEntitySchema,
  RefreshToken: refreshTokenEntitySchema,
  AppMetadata: appMetadataEntitySchema,
};

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
