// Bundle-size entry: redirect sign-in, silent acquisition, local-storage cache with @azure/msal-browser.
import { PublicClientApplication } from '@azure/msal-browser';

const scopes = ['api.read'];
const pca = new PublicClientApplication({
  auth: { clientId: 'spa', authority: 'https://id.example.com', knownAuthorities: ['id.example.com'], redirectUri: location.origin + '/' },
  cache: { cacheLocation: 'localStorage' },
});

export async function token() {
  await pca.initialize();
  const signedIn = await pca.handleRedirectPromise();
  const account = signedIn?.account ?? pca.getAllAccounts()[0];
  if (!account) return pca.loginRedirect({ scopes });
  return (await pca.acquireTokenSilent({ scopes, account })).accessToken;
}
