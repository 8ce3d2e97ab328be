import type { IdTokenSigningAlg } from './keys.js';
import type { ResponseMode } from './response-modes.js';

/** Options for {@link startDevAuthority}. Every TTL is in seconds. */
export interface DevAuthorityOptions {
  /** Port on 127.0.0.1; default 0 lets the system choose. */
  port?: number;
  /** Default 3600. */
  accessTokenTtl?: number;
  /** Default 3600. */
  idTokenTtl?: number;
  /** Default 14 days. */
  refreshTokenTtl?: number;
  /** Default 600. */
  deviceCodeTtl?: number;
  /** Extra exact redirect URIs for the SPA client (e.g. http://127.0.0.1:5173/). */
  spaRedirectUris?: string[];
  /** CORS origins allowed for the SPA client (its redirect URI origins are always allowed). */
  spaOrigins?: string[];
  /** Extra post-logout redirect URIs (SPA and confidential clients). */
  postLogoutRedirectUris?: string[];
  /** Extra exact redirect URIs for the confidential (web) client. */
  confidentialRedirectUris?: string[];
  /** Subjects keep the username's case ("Alice" and "alice" are two users), as many providers' do. Default false: lower-cased. */
  caseSensitiveSubjects?: boolean;
  /**
   * The issuer URL clients see, when they reach this authority through a proxy, e.g.
   * `http://127.0.0.1:8080/realms/a` (several issuers on one host). Requests under its path are
   * served with the path as mount point. Default `http://127.0.0.1:<port>`.
   */
  issuer?: string;
  /**
   * The issuer ends with a slash (`http://127.0.0.1:<port>/`, or the `issuer` option's path with a
   * slash appended), as Auth0's and some others' do: discovery and every token name it so. Default false.
   */
  issuerTrailingSlash?: boolean;
  /**
   * Refresh-token rotation with reuse detection (default true): every refresh returns a new refresh
   * token, and redeeming an already-rotated one fails with invalid_grant and revokes the whole grant.
   * `false`: a refresh token stays the same until it expires.
   */
  rotateRefreshTokens?: boolean;
  /**
   * When `offline_access` is granted. `'always'` (default): whenever asked for (the authority adds
   * `prompt=consent` itself, as most production IdPs behave). `'consent'`: only with `prompt=consent`
   * in the authorization request, as OpenID Connect Core 11 says; otherwise it is dropped silently.
   */
  offlineAccess?: 'always' | 'consent';
  /**
   * When refresh tokens are issued to a client allowed to refresh. `'offline_access'` (default): only
   * when `offline_access` was granted. `'always'`: also without it (as Keycloak and others do); the
   * refresh token's grant then lacks `offline_access`, and a refresh asking for it gets invalid_scope.
   */
  refreshTokens?: 'offline_access' | 'always';
  /**
   * The `kid` of the authority's signing key (a new key every start). Default: the key's RFC 7638
   * thumbprint. A fixed kid lets a test restart the authority (same `port`) with a new key under the
   * same kid, as providers do that rotate keys without changing kid.
   */
  signingKeyId?: string;
  /**
   * Milliseconds the token endpoint waits before handling a request (default 0): widens the window in
   * which concurrent clients race, so tests of concurrent refreshes do not depend on process timing.
   */
  tokenEndpointDelayMs?: number;
  /**
   * Support only these response modes (e.g. `['form_post']` for a provider that requires it):
   * discovery lists only them and other authorization requests are refused. Default: all three.
   */
  responseModes?: ResponseMode[];
  /**
   * DPoP (RFC 9449) configurations. DPoP itself is always on (oidc-provider's default: a request
   * with a proof gets a DPoP-bound token). `requireNonce`: every proof must carry a server nonce
   * (`use_dpop_nonce` + `DPoP-Nonce` otherwise). `boundClients`: these clients (ids) are registered
   * with `dpop_bound_access_tokens: true`, so a token request without a proof is refused.
   * `exposeErrorDetail`: token-endpoint errors carry oidc-provider's specific reason (e.g.
   * "DPoP proof JWT not provided") as error_description, as most providers do.
   */
  dpop?: { requireNonce?: boolean; boundClients?: string[]; exposeErrorDetail?: boolean };
  /**
   * Pushed Authorization Requests (RFC 9126; the endpoint is always on, at `/request`). `true`:
   * every client must push its authorization requests, and discovery says
   * `require_pushed_authorization_requests: true`. Default false.
   */
  requirePushedAuthorizationRequests?: boolean;
  /**
   * These clients must push their authorization requests (their registration says
   * `require_pushed_authorization_requests: true`; discovery does not tell). Default none.
   */
  pushedAuthorizationRequestsRequiredFor?: Array<'spa' | 'native' | 'confidential'>;
  /**
   * The authentication context class (`acr`) every sign-in gets, e.g. `'1'` as Keycloak's: ID tokens
   * then carry it (every flow, refreshes too) and discovery lists it in `acr_values_supported`.
   * MSAL files accounts under an ID token's `tid`, `tfp` or `acr`. Default: no `acr` claim.
   */
  acr?: string;
  /**
   * The algorithm every ID token is signed with (each client's `id_token_signed_response_alg`), and
   * the only one discovery lists in `id_token_signing_alg_values_supported`, as a provider configured
   * for it; the JWKS gets a key for it beside the RS256 key. Default `'RS256'`.
   */
  idTokenSigningAlg?: IdTokenSigningAlg;
  /**
   * Like a provider holding several sessions in the browser (an account chooser, as Google's): a
   * `prompt=none` authorization request without `login_hint` fails with `account_selection_required`
   * (OpenID Connect Core 3.1.2.6), even when the user is signed in. Default false.
   */
  accountSelectionWithoutHint?: boolean;
  /**
   * A `Cross-Origin-Opener-Policy` header (e.g. `'same-origin'`, as Microsoft Entra sends) on the
   * interactive pages: the authorization endpoint, the login and consent pages, the end-session page.
   * A popup that navigates to such a page leaves its opener's browsing context group: the opener
   * sees it closed and can no longer read its location. Default: no header.
   */
  crossOriginOpenerPolicy?: string;
}

export interface DevClients {
  /** Public browser client: auth code + PKCE, rotating refresh tokens, CORS. */
  spa: { clientId: string; redirectUris: string[] };
  /** Public native client: loopback redirects on any port, device code, password, refresh. */
  native: { clientId: string };
  /** Web client with a secret (basic or post): every grant incl. on-behalf-of. */
  confidential: { clientId: string; clientSecret: string; redirectUris: string[] };
  /** client_credentials with client_secret_post. */
  secretPost: { clientId: string; clientSecret: string };
  /** client_credentials with client_secret_jwt (HS256 assertion signed with the secret). */
  secretJwt: { clientId: string; clientSecret: string };
  /**
   * client_credentials with private_key_jwt (ES256) using an EC P-256 key generated per authority,
   * registered as a bare JWK whose kid is its RFC 7638 thumbprint.
   */
  ecKeyJwt: { clientId: string; privateJwk: Record<string, unknown>; privateKeyPem: string; kid: string };
  /** The same with an Ed25519 key (EdDSA). */
  ed25519KeyJwt: { clientId: string; privateJwk: Record<string, unknown>; privateKeyPem: string; kid: string };
  /** client_credentials with private_key_jwt (RS256) using the public fixture key. */
  privateKeyJwt: {
    clientId: string;
    privateKeyPem: string;
    certificatePem: string;
    /** SHA-1 of the DER certificate, hex. */
    thumbprint: string;
    /** SHA-256 of the DER certificate, hex. */
    thumbprintSha256: string;
  };
}

/** How a request authenticated its client (see {@link RecordedRequest}). */
export interface ClientAuthSeen {
  /** client_secret_basic / client_secret_post / client_secret_jwt (HS* assertion) / private_key_jwt. */
  authMethod?: string;
  /** The client assertion's JOSE header (alg, kid, x5t, x5t#S256, x5c...). */
  assertionHeader?: Record<string, unknown>;
}

/** One request received by the authority; never holds secrets, codes or tokens. */
export interface RecordedRequest extends ClientAuthSeen {
  method: string;
  path: string;
  grantType?: string;
  clientId?: string;
  /** Whether the request carried a DPoP proof header. */
  dpopProof?: boolean;
  /** The RFC 7638 thumbprint of the proof's key (`jkt`): the key the answer binds tokens to. */
  dpopJkt?: string;
  /** The server nonce the proof carried, if any (nonces are public). */
  dpopNonce?: string;
  /** The names (never the values) of a GET request's query parameters, e.g. of `/auth`. */
  queryParameters?: string[];
  /** HTTP status of the provider's answer (requests the provider handled). */
  status?: number;
  /** The OAuth `error` of the answer, if it was one. */
  error?: string;
  /** The client's correlation id: the `client-request-id` header, or query parameter (authorize). */
  clientRequestId?: string;
  /** Whether the client asked for it back (`return-client-request-id: true`). */
  returnClientRequestId?: boolean;
}

export interface RequestFilter {
  /** Only requests with (true) or without (false) a DPoP proof. */
  dpopProof?: boolean;
  path?: string;
  grantType?: string;
  clientId?: string;
}

export interface DevAuthority {
  /** e.g. http://127.0.0.1:41234 (no trailing slash, unless `issuerTrailingSlash`). */
  issuer: string;
  port: number;
  clients: DevClients;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  countRequests(filter: RequestFilter): number;
  clearRequests(): void;
  /** Revokes every grant (and so its tokens) of a subject; resolves to the number revoked. */
  revokeSubject(subject: string): Promise<number>;
  close(): Promise<void>;
}
