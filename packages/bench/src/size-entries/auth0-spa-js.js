// Bundle-size entry: redirect sign-in, silent acquisition (refresh tokens), local-storage cache with @auth0/auth0-spa-js.
import { createAuth0Client } from '@auth0/auth0-spa-js';

export async function token() {
  const auth0 = await createAuth0Client({
    domain: 'id.example.com',
    clientId: 'spa',
    authorizationParams: { redirect_uri: location.origin + '/', scope: 'openid offline_access api.read' },
    cacheLocation: 'localstorage',
    useRefreshTokens: true,
  });
  if (new URLSearchParams(location.search).has('code')) await auth0.handleRedirectCallback();
  if (!(await auth0.isAuthenticated())) return auth0.loginWithRedirect();
  return auth0.getTokenSilently();
}
