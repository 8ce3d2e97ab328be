import type { ClientMetadata } from 'oidc-provider';
import type { DevClients } from './types.js';
import type { BareClientKey, FixtureClientKey } from './keys.js';
import { JWT_BEARER, PASSWORD } from './grants/names.js';

export const SPA_CLIENT_ID = 'tessera-spa';
export const NATIVE_CLIENT_ID = 'tessera-native';
export const CONFIDENTIAL_CLIENT_ID = 'tessera-confidential';
export const PRIVATE_KEY_JWT_CLIENT_ID = 'tessera-private-key-jwt';
/** App-only client registered for client_secret_post. */
export const SECRET_POST_CLIENT_ID = 'tessera-secret-post';
/** App-only client registered for client_secret_jwt (HS256). */
export const SECRET_JWT_CLIENT_ID = 'tessera-secret-jwt';
/** App-only client registered for private_key_jwt with a bare P-256 key (ES256). */
export const EC_KEY_JWT_CLIENT_ID = 'tessera-ec-key-jwt';
/** App-only client registered for private_key_jwt with a bare Ed25519 key (EdDSA). */
export const ED25519_KEY_JWT_CLIENT_ID = 'tessera-ed25519-key-jwt';
/** Development-only secret, published on purpose. */
export const CONFIDENTIAL_CLIENT_SECRET = 'tessera-dev-secret-DEVELOPMENT-ONLY';
/** Development-only secret of the client_secret_post and client_secret_jwt clients (HS256 wants 32+ bytes). */
export const SECRET_JWT_CLIENT_SECRET = 'tessera-dev-hmac-secret-DEVELOPMENT-ONLY-0123456789';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

export interface ClientSetup {
  spaRedirectUris: string[];
  confidentialRedirectUris: string[];
  postLogoutRedirectUris: string[];
  fixtureKey: FixtureClientKey;
  /** Client ids registered with dpop_bound_access_tokens. */
  dpopBoundClients?: string[];
  /** Clients registered with `require_pushed_authorization_requests: true`. */
  parRequired?: ReadonlyArray<'spa' | 'native' | 'confidential'>;
  ecKey: BareClientKey;
  ed25519Key: BareClientKey;
}

const APP_ONLY = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
/** Client credentials and user sign-in (auth code, refresh) at the web client's redirect URIs: assertion authentication at PAR and token endpoints. */
const webWith = (setup: ClientSetup) => ({ grant_types: ['client_credentials', 'authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: setup.confidentialRedirectUris });

export function clientMetadata(setup: ClientSetup): ClientMetadata[] {
  const bound = new Set(setup.dpopBoundClients ?? []);
  const par = (name: 'spa' | 'native' | 'confidential') => (setup.parRequired?.includes(name) ? { require_pushed_authorization_requests: true } : {});
  return withDpopBinding(bound, [
    {
      client_id: SPA_CLIENT_ID,
      ...par('spa'),
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: setup.spaRedirectUris,
      post_logout_redirect_uris: [...setup.spaRedirectUris, ...setup.postLogoutRedirectUris],
    },
    {
      client_id: NATIVE_CLIENT_ID,
      ...par('native'),
      // Native + http loopback: oidc-provider ignores the port when matching (RFC 8252 7.3).
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE, PASSWORD],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/', 'http://localhost/'],
      post_logout_redirect_uris: ['http://127.0.0.1/', 'http://localhost/'],
    },
    {
      client_id: CONFIDENTIAL_CLIENT_ID,
      ...par('confidential'),
      client_secret: CONFIDENTIAL_CLIENT_SECRET,
      application_type: 'web',
      // oidc-provider accepts the secret via basic or post for either registered method.
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE, PASSWORD, JWT_BEARER],
      response_types: ['code'],
      redirect_uris: setup.confidentialRedirectUris,
      post_logout_redirect_uris: [...setup.confidentialRedirectUris, ...setup.postLogoutRedirectUris],
    },
    {
      client_id: PRIVATE_KEY_JWT_CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      // On-behalf-of too: a middle-tier API authenticating with its certificate.
      grant_types: ['client_credentials', JWT_BEARER],
      response_types: [],
      redirect_uris: [],
      jwks: { keys: [setup.fixtureKey.publicJwk] },
    },
    { client_id: SECRET_POST_CLIENT_ID, client_secret: SECRET_JWT_CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_post', ...APP_ONLY },
    {
      client_id: SECRET_JWT_CLIENT_ID,
      client_secret: SECRET_JWT_CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      ...webWith(setup),
    },
    {
      client_id: EC_KEY_JWT_CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [setup.ecKey.publicJwk] },
      ...webWith(setup),
    },
    {
      client_id: ED25519_KEY_JWT_CLIENT_ID,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'EdDSA',
      jwks: { keys: [setup.ed25519Key.publicJwk] },
      ...APP_ONLY,
    },
  ] as ClientMetadata[]);
}

/** Registers the named clients with `dpop_bound_access_tokens` (RFC 9449 5.2). */
function withDpopBinding(bound: Set<string>, clients: ClientMetadata[]): ClientMetadata[] {
  return clients.map((c) => (bound.has(c.client_id) ? { ...c, dpop_bound_access_tokens: true } : c));
}

export function describeClients(setup: ClientSetup): DevClients {
  const { privateKeyPem, certificatePem, thumbprint, thumbprintSha256 } = setup.fixtureKey;
  return {
    spa: { clientId: SPA_CLIENT_ID, redirectUris: [...setup.spaRedirectUris] },
    native: { clientId: NATIVE_CLIENT_ID },
    confidential: {
      clientId: CONFIDENTIAL_CLIENT_ID,
      clientSecret: CONFIDENTIAL_CLIENT_SECRET,
      redirectUris: [...setup.confidentialRedirectUris],
    },
    secretPost: { clientId: SECRET_POST_CLIENT_ID, clientSecret: SECRET_JWT_CLIENT_SECRET },
    secretJwt: { clientId: SECRET_JWT_CLIENT_ID, clientSecret: SECRET_JWT_CLIENT_SECRET },
    ecKeyJwt: bareKeyClient(EC_KEY_JWT_CLIENT_ID, setup.ecKey),
    ed25519KeyJwt: bareKeyClient(ED25519_KEY_JWT_CLIENT_ID, setup.ed25519Key),
    privateKeyJwt: { clientId: PRIVATE_KEY_JWT_CLIENT_ID, privateKeyPem, certificatePem, thumbprint, thumbprintSha256 },
  };
}

function bareKeyClient(clientId: string, key: BareClientKey): DevClients['ecKeyJwt'] {
  return { clientId, privateJwk: { ...key.privateJwk }, privateKeyPem: key.privateKeyPem, kid: key.kid };
}
