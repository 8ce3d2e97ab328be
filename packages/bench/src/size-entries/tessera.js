// Bundle-size entry: redirect sign-in, silent acquisition, IndexedDB cache with @tessera/browser.
import { createBrowserClient } from '@tessera/browser';

const scopes = ['api.read'];
const client = createBrowserClient({ clientId: 'spa', authority: 'https://id.example.com', redirectUri: location.origin + '/' });

export async function token() {
  const signedIn = await client.handleRedirect();
  const account = signedIn?.account ?? (await client.getAccounts())[0];
  if (!account) return client.loginRedirect({ scopes });
  return (await client.acquireTokenSilent({ scopes, account })).accessToken;
}
