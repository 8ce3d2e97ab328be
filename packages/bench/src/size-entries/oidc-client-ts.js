// Bundle-size entry: redirect sign-in, silent renewal (refresh token), local-storage user store with oidc-client-ts.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

const manager = new UserManager({
  authority: 'https://id.example.com',
  client_id: 'spa',
  redirect_uri: location.origin + '/',
  scope: 'openid offline_access api.read',
  userStore: new WebStorageStateStore({ store: window.localStorage }),
});

export async function token() {
  if (new URLSearchParams(location.search).has('code')) await manager.signinRedirectCallback();
  const user = await manager.getUser();
  if (!user) return manager.signinRedirect();
  return (user.expired ? await manager.signinSilent() : user)?.access_token;
}
