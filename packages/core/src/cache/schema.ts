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
