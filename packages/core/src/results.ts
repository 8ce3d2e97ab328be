import type { TokenCache } from './cache/token-cache.js';
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
  /** The request's correlation id, when one was sent. */
  correlationId?: string;
}

/** The result an access-token entity gives (cached, or just issued; the latter adds what the response says). */
export function tokenResult(at: AccessTokenEntity, account: AccountInfo | undefined, fromCache: boolean): AuthenticationResult {
  const date = (seconds: string | undefined) => (seconds === undefined ? undefined : new Date(Number(seconds) * 1000));
  return {
    accessToken: at.secret,
    tokenType: at.token_type ?? 'Bearer',
    expiresOn: date(at.expires_on)!,
    extExpiresOn: date(at.extended_expires_on || undefined),
    refreshOn: date(at.refresh_on),
    scopes: at.target.split(' '),
    account,
    tenantId: at.realm,
    fromCache,
  };
}

// One AccountInfo per cache entity (and ID token): listing accounts again allocates nothing.
const views = new WeakMap<AccountEntity, { idToken?: IdTokenEntity; info: AccountInfo }>();

export function accountInfo(entity: AccountEntity, idToken?: IdTokenEntity): AccountInfo {
  const known = views.get(entity);
  if (known && known.idToken === idToken) return known.info;
  const info = createAccountInfo(entity, idToken);
  views.set(entity, { idToken, info });
  return info;
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

function createAccountInfo(entity: AccountEntity, idToken?: IdTokenEntity): AccountInfo {
  const info = accountFields(entity);
  if (idToken) {
    // Decoded on first read: listing 10,000 accounts must not decode 10,000 JWTs.
    let claims: IdTokenClaims | undefined | null = null;
    Object.defineProperty(info, 'idTokenClaims', {
      enumerable: true,
      configurable: true,
      get: () => (claims === null ? (claims = decodeQuietly(idToken.secret)) : claims),
    });
  }
  return Object.freeze(info);
}

function decodeQuietly(idToken: string): IdTokenClaims | undefined {
  try {
    return decodeIdToken(idToken);
  } catch {
    return undefined;
  }
}

/** The cached accounts that have tokens of this client (an ID token or a refresh token). */
export function accountsOf(cache: TokenCache, clientId: string): AccountInfo[] {
  const out: AccountInfo[] = [];
  for (const a of cache.getAccounts()) {
    const idToken = cache.findIdToken(a.home_account_id, a.environment, clientId, a.realm);
    // OIDC issuers file refresh tokens per issuer path (realm); Entra's serve every tenant.
    const realm = a.authority_type === 'MSSTS' ? undefined : a.realm;
    if (idToken || cache.findRefreshToken(a.home_account_id, a.environment, clientId, { realm })) out.push(accountInfo(a, idToken));
  }
  return out;
}
