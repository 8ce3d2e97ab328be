import { randomBytes } from 'node:crypto';
import { errors, interactionPolicy, type ClientMetadata, type Configuration, type JWKS, type ResourceServer } from 'oidc-provider';
import { findAccount } from './accounts.js';
import { SPA_CLIENT_ID } from './clients.js';
import { INTERACTION_PREFIX } from './interactions.js';
import {
  deviceSuccessSource,
  logoutSource,
  postLogoutSuccessSource,
  renderError,
  userCodeConfirmSource,
  userCodeInputSource,
} from './pages.js';
import type { IdTokenSigningAlg } from './keys.js';
import { API_RESOURCE, API_SCOPES, OIDC_SCOPES } from './scopes.js';

export type ResourceServerInfo = ResourceServer;

export interface Ttls {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  deviceCode: number;
}

export interface ConfigSetup {
  ttls: Ttls;
  jwks: JWKS;
  clients: ClientMetadata[];
  spaOrigins: Set<string>;
  adapter: Configuration['adapter'];
  rotateRefreshTokens: boolean;
  /** Issue refresh tokens without offline_access granted. */
  refreshTokensAlways: boolean;
  /** DPoP proofs must carry a server nonce. */
  dpopRequireNonce: boolean;
  /** Every client must use Pushed Authorization Requests (RFC 9126). */
  requirePushedAuthorizationRequests?: boolean;
  /** The issuer's path (`/realms/a`) when it has one: the login pages live under it too. */
  mountPath?: string;
  /** The `acr` of every sign-in (see DevAuthorityOptions.acr). */
  acr?: string;
  /** See DevAuthorityOptions.idTokenSigningAlg. */
  idTokenSigningAlg?: IdTokenSigningAlg;
  /** See DevAuthorityOptions.accountSelectionWithoutHint. */
  accountSelectionWithoutHint?: boolean;
}

/**
 * oidc-provider's prompts (login, consent), and with `accountSelection` a `select_account` prompt
 * between them that a `prompt=none` request without `login_hint` cannot pass (the provider cannot
 * tell which of several sessions to use): it fails with `account_selection_required`. Requests that
 * may show pages never trigger it, so the sign-in pages stay as they are.
 */
function interactionPrompts(accountSelection: boolean) {
  const { Check, Prompt, base } = interactionPolicy;
  const policy = base();
  if (accountSelection) {
    const ambiguous = new Check('ambiguous_account', 'several sessions, no login_hint', (ctx) => ctx.oidc.prompts.has('none') && !ctx.oidc.params?.login_hint);
    policy.add(new Prompt({ name: 'select_account' }, ambiguous), 1);
  }
  return policy;
}

export function apiResourceInfo(ttls: Ttls): ResourceServerInfo {
  return {
    scope: API_SCOPES.join(' '),
    audience: API_RESOURCE,
    accessTokenTTL: ttls.accessToken,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

export function providerConfiguration(setup: ConfigSetup): Configuration {
  const { ttls, idTokenSigningAlg: idTokenAlg = 'RS256' } = setup;
  const apiInfo = apiResourceInfo(ttls);
  return {
    adapter: setup.adapter,
    clients: setup.clients,
    jwks: setup.jwks,
    findAccount,
    // The API scopes are also plain scopes so that an `openid api.read` request yields one
    // (opaque, userinfo) access token whose `scope` lists every granted scope.
    scopes: [...OIDC_SCOPES, ...API_SCOPES],
    // An acr value makes oidc-provider keep the claim; listed under openid, every ID token carries it.
    acrValues: setup.acr ? [setup.acr] : [],
    claims: {
      openid: setup.acr ? ['sub', 'acr'] : ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    // Put profile/email claims in the ID token too (oidc-provider defaults to userinfo-only).
    conformIdTokenClaims: false,
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // The session cookie stays below a path issuer (as Keycloak's per realm): another issuer on the
      // host neither receives nor overwrites it. Interaction cookies are path-scoped already.
      ...(setup.mountPath ? { long: { path: setup.mountPath } } : {}),
    },
    clientDefaults: { id_token_signed_response_alg: idTokenAlg },
    // Discovery lists only the configured ID-token algorithm, as a provider set up for it.
    enabledJWA: { idTokenSigningAlgValues: [idTokenAlg] },
    interactions: {
      url: (_ctx, interaction) => `${setup.mountPath ?? ''}${INTERACTION_PREFIX}${interaction.uid}`,
      policy: interactionPrompts(setup.accountSelectionWithoutHint === true),
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: setup.requirePushedAuthorizationRequests === true },
      clientCredentials: { enabled: true },
      // A caller learns of or revokes only its own client's tokens (a confidential client may introspect
      // any): oidc-provider's defaults, stated so it does not warn on every use.
      introspection: { enabled: true, allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      // On by default in oidc-provider 9; a nonce secret lets it issue nonces (and require them).
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => setup.dpopRequireNonce },
      deviceFlow: {
        enabled: true,
        userCodeInputSource,
        userCodeConfirmSource,
        successSource: deviceSuccessSource,
      },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        // Only applied when a request names no resource: client_credentials then gets an API JWT.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? API_RESOURCE,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget();
          return apiInfo;
        },
      },
    },
    // Public clients must use PKCE (S256 is the only method oidc-provider 9 supports).
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Refresh tokens whenever the client may refresh and offline_access was granted (or always).
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (setup.refreshTokensAlways || code.scopes.has('offline_access')),
    // Rotation: oidc-provider refuses a rotated (consumed) refresh token and revokes its grant.
    rotateRefreshToken: setup.rotateRefreshTokens,
    clientBasedCORS: (_ctx, origin, client) => client.clientId === SPA_CLIENT_ID && setup.spaOrigins.has(origin),
    renderError,
    ttl: {
      AccessToken: ttls.accessToken,
      ClientCredentials: ttls.accessToken,
      IdToken: ttls.idToken,
      RefreshToken: ttls.refreshToken,
      DeviceCode: ttls.deviceCode,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: ttls.refreshToken,
      Grant: ttls.refreshToken,
    },
  };
}
