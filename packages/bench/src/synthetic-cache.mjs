// A cache of N signed-in users in MSAL's unified schema, the same for every library measured.
export const CLIENT_ID = '6e0a5d5c-0a2b-4c4f-9b3c-1d2e3f4a5b6c';
export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const ENVIRONMENT = 'login.microsoftonline.com';
export const AUTHORITY = `https://${ENVIRONMENT}/${TENANT_ID}`;
export const SCOPES = ['https://graph.microsoft.com/User.Read'];

const b64url = (s) => Buffer.from(s).toString('base64url');

export function userOf(i) {
  const uid = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
  return { uid, homeAccountId: `${uid}.${TENANT_ID}`, username: `user${i}@contoso.com` };
}

/** The account as an app holds it after sign-in (AuthenticationResult.account), in MSAL's AccountInfo shape. */
export function accountInfoOf(i) {
  const { uid, homeAccountId, username } = userOf(i);
  return { homeAccountId, environment: ENVIRONMENT, tenantId: TENANT_ID, username, localAccountId: uid, name: `User ${i}`, authorityType: 'MSSTS' };
}

export function syntheticCache(n) {
  const now = Math.floor(Date.now() / 1000);
  const cache = { Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} };
  for (let i = 0; i < n; i++) {
    const { uid, homeAccountId, username } = userOf(i);
    const idToken = [
      b64url('{"alg":"RS256","typ":"JWT"}'),
      b64url(JSON.stringify({ iss: `https://${ENVIRONMENT}/${TENANT_ID}/v2.0`, aud: CLIENT_ID, sub: uid, oid: uid, tid: TENANT_ID, preferred_username: username, exp: now + 3600, iat: now })),
      'c2ln',
    ].join('.');
    const base = { home_account_id: homeAccountId, environment: ENVIRONMENT, client_id: CLIENT_ID };
    cache.Account[`${homeAccountId}-${ENVIRONMENT}-${TENANT_ID}`.toLowerCase()] = {
      home_account_id: homeAccountId, environment: ENVIRONMENT, realm: TENANT_ID, local_account_id: uid, username,
      authority_type: 'MSSTS', name: `User ${i}`, client_info: b64url(JSON.stringify({ uid, utid: TENANT_ID })),
    };
    cache.IdToken[`${homeAccountId}-${ENVIRONMENT}-idtoken-${CLIENT_ID}-${TENANT_ID}-`.toLowerCase()] = {
      ...base, credential_type: 'IdToken', secret: idToken, realm: TENANT_ID,
    };
    const target = SCOPES.join(' ');
    cache.AccessToken[`${homeAccountId}-${ENVIRONMENT}-accesstoken-${CLIENT_ID}-${TENANT_ID}-${target}`.toLowerCase()] = {
      ...base, credential_type: 'AccessToken', secret: `access-token-${i}`, realm: TENANT_ID, target, token_type: 'Bearer',
      cached_at: String(now), expires_on: String(now + 3600), extended_expires_on: String(now + 3600),
    };
    cache.RefreshToken[`${homeAccountId}-${ENVIRONMENT}-refreshtoken-${CLIENT_ID}--`.toLowerCase()] = {
      ...base, credential_type: 'RefreshToken', secret: `refresh-token-${i}`,
    };
  }
  cache.AppMetadata[`appmetadata-${ENVIRONMENT}-${CLIENT_ID}`] = { client_id: CLIENT_ID, environment: ENVIRONMENT };
  return JSON.stringify(cache);
}

/** A discovery document so no library makes a network call during cache-hit measurements. */
export const AUTHORITY_METADATA = JSON.stringify({
  issuer: `https://${ENVIRONMENT}/${TENANT_ID}/v2.0`,
  authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`,
  token_endpoint: `${AUTHORITY}/oauth2/v2.0/token`,
  jwks_uri: `https://${ENVIRONMENT}/${TENANT_ID}/discovery/v2.0/keys`,
  end_session_endpoint: `${AUTHORITY}/oauth2/v2.0/logout`,
  device_authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/devicecode`,
  response_modes_supported: ['query', 'fragment', 'form_post'],
  token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
});
