// MSAL's unified cache schema: section names, field names and key formats as MSAL writes them,
// so a cache file is shared with MSAL Python, MSAL Node and the Azure CLI.
import * as z from 'zod/mini';
import { optionalString } from '../http/schemas.js';

/** Fields every entry has as a string when MSAL (or we) wrote it. */
const str = z.string();
const opt = optionalString;
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
});
export const refreshTokenEntitySchema = z.looseObject({
  ...credential('RefreshToken'),
  family_id: opt,
  target: opt,
  last_modification_time: opt,
  user_assertion_hash: opt,
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
