import { type AccountAuthority, type TokenCache, ofIssuer } from './cache/token-cache.js';
import type { AccessTokenEntity, AccountEntity, IdTokenEntity } from './cache/schema.js';
import type { IdTokenClaims } from './crypto/id-token.js';
import { decodeIdToken } from './crypto/id-token.js';

/** A signed-in user, as the cache knows them. */
export interface AccountInfo {
  /**
   * Stable across tenants of one user: `<uid>.<utid>` from Entra's client_info, or the ID token's
   * `sub` for other OpenID Connect issuers (unique per issuer; `environment` tells issuers apart).
   */
  homeAccountId: string;
  /** Host of the authority that signed the user in. */
  environment: string;
  /** Entra tenant id, or the OIDC issuer path. */
  tenantId: string;
  /** The user's sign-in name (`preferred_username`, `upn` or `email`). */
  username: string;
  /** `oid` in Entra, `sub` elsewhere. */
  localAccountId: string;
  /** The display name from the ID token. */
  name?: string;
  /** `MSSTS` for Entra, `Generic` for other OpenID Connect issuers. */
  authorityType: string;
  /** The claims of the cached ID token, if any. */
  idTokenClaims?: IdTokenClaims;
  /**
   * The user in each tenant they signed in to with this client (as msal-node's AccountInfo):
   * tenant id -> profile. Filled on accounts the cache lists; the account itself is the home
   * tenant's view, or the requested tenant's on a silent result for another tenant.
   */
  tenantProfiles?: Map<string, TenantProfile>;
}

/** One user in one tenant (msal-node's TenantProfile). */
export interface TenantProfile {
  tenantId: string;
  /** `oid` in that tenant. */
  localAccountId: string;
  name?: string;
  /** The tenant of the home account id (where the user comes from). */
  isHomeTenant: boolean;
}

/** What every token method returns. */
export interface AuthenticationResult {
  /** The access token to send as `Authorization: Bearer <token>`. */
  accessToken: string;
  /** The token type, `Bearer`. */
  tokenType: string;
  /** When the access token expires. */
  expiresOn: Date;
  /** Entra's extended expiry (usable during an outage of the authority). */
  extExpiresOn?: Date;
  /** When a proactive refresh is due (Entra's refresh_in). */
  refreshOn?: Date;
  /** Scopes the token was granted for. */
  scopes: string[];
  /** The raw ID token, for sign-ins. */
  idToken?: string;
  /** The ID token's claims (checked), for sign-ins. */
  idTokenClaims?: IdTokenClaims;
  /** The signed-in account (user flows). */
  account?: AccountInfo;
  /** The tenant that issued the token. */
  tenantId?: string;
  /** Whether the token came from the cache without a request. */
  fromCache: boolean;
  /** The call's correlation id (sent as client-request-id), also on cache hits: quote it to the provider's support. */
  correlationId?: string;
}

/** The result an access-token entity gives (cached, or just issued; the latter adds what the response says). */
export function tokenResult(at: AccessTokenEntity, account: AccountInfo | undefined, fromCache: boolean, correlationId?: string): AuthenticationResult {
  const date = (seconds?: string) => (seconds ? new Date(+seconds * 1000) : undefined);
  return {
    accessToken: at.secret,
    tokenType: at.token_type ?? 'Bearer',
    expiresOn: date(at.expires_on)!,
    extExpiresOn: date(at.extended_expires_on),
    refreshOn: date(at.refresh_on),
    scopes: at.target.split(' '),
    account,
    tenantId: at.realm,
    fromCache,
    correlationId,
  };
}

// One AccountInfo per cache entity, ID token and tenant group: listing accounts again builds no new views.
const views = new WeakMap<AccountEntity, [IdTokenEntity | undefined, readonly AccountEntity[], AccountInfo]>();

/** The view of `entity` (one tenant of a user) with the tenant profiles of its `group` (all of the user's tenants). */
export function accountInfo(entity: AccountEntity, idToken?: IdTokenEntity, group: readonly AccountEntity[] = [entity]): AccountInfo {
  const [knownIdToken, knownGroup = [], known] = views.get(entity) ?? [];
  if (known && knownIdToken === idToken && knownGroup.length === group.length && knownGroup.every((e, i) => e === group[i])) return known;
  const info = accountFields(entity);
  info.tenantProfiles = new Map(group.map((e) => [e.realm, { tenantId: e.realm, localAccountId: e.local_account_id, name: e.name, isHomeTenant: isHomeTenant(e) }]));
  if (idToken) {
    // Decoded on first read: listing 10,000 accounts must not decode 10,000 JWTs.
    let claims: IdTokenClaims | undefined;
    Object.defineProperty(info, 'idTokenClaims', {
      enumerable: true,
      configurable: true,
      get: () => {
        try {
          return (claims ??= decodeIdToken(idToken.secret));
        } catch {
          return undefined;
        }
      },
    });
  }
  views.set(entity, [idToken, group, Object.freeze(info)]);
  return info;
}

/** Whether an account entity is its user's home tenant: Entra's home account id ends with `.<home tenant id>`. */
function isHomeTenant(entity: AccountEntity): boolean {
  if (entity.authority_type !== 'MSSTS') return true;
  const home = entity.home_account_id;
  return home.slice(home.lastIndexOf('.') + 1).toLowerCase() === entity.realm.toLowerCase();
}

/**
 * The view of one user's accounts: `realm`'s entity when given (undefined if the user has none
 * there), else the home tenant's (or the first), with the tenant profiles of them all.
 */
export function accountView(cache: TokenCache, clientId: string, group: readonly AccountEntity[], realm?: string): AccountInfo | undefined {
  const entity = realm === undefined ? (group.find(isHomeTenant) ?? group[0]) : group.find((e) => e.realm.toLowerCase() === realm.toLowerCase());
  return entity && accountInfo(entity, cache.findIdToken(entity.home_account_id, entity.environment, clientId, entity.realm), group);
}

/**
 * The view of the user `homeAccountId` at `environment` (see accountView): what getAccounts,
 * cache hits and network results all return, so each carries the tenant profiles. `authority`:
 * the client's; an OIDC issuer's client shows only its issuer's profile of the user (see ofIssuer).
 */
export function userView(cache: TokenCache, clientId: string, homeAccountId: string, environment: string, realm: string | undefined, authority: AccountAuthority): AccountInfo | undefined {
  return accountView(
    cache,
    clientId,
    cache.accountsOf(homeAccountId).filter((e) => e.environment === environment && ofIssuer(cache, e, authority)),
    realm,
  );
}

/** The AccountInfo fields of an account entity (without its ID-token claims). */
export function accountFields(entity: AccountEntity): AccountInfo {
  return {
    homeAccountId: entity.home_account_id,
    environment: entity.environment,
    tenantId: entity.realm,
    username: entity.username,
    localAccountId: entity.local_account_id,
    name: entity.name,
    authorityType: entity.authority_type,
  };
}

/**
 * The cached accounts that have tokens of this client (an ID token or a refresh token): one per
 * user (home account id and environment), in its home tenant's view with its tenant profiles.
 * `authority`: the client's; an OIDC issuer's client lists only the accounts filed under its
 * issuer, as other issuers on its host have their own users (see ofIssuer).
 */
export function accountsOf(cache: TokenCache, clientId: string, authority: AccountAuthority): AccountInfo[] {
  const groups = new Map<string, AccountEntity[]>();
  for (const a of cache.getAccounts()) {
    if (!ofIssuer(cache, a, authority)) continue;
    const idToken = cache.findIdToken(a.home_account_id, a.environment, clientId, a.realm);
    // OIDC issuers file refresh tokens per issuer path (realm); Entra's serve every tenant.
    const realm = a.authority_type === 'MSSTS' ? undefined : a.realm;
    if (!idToken && !cache.findRefreshToken(a.home_account_id, a.environment, clientId, { realm })) continue;
    const key = `${a.home_account_id}\n${a.environment}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return Array.from(groups.values(), (group) => accountView(cache, clientId, group)!);
}
