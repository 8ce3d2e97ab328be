// RP-initiated logout for a Node web app (OpenID Connect RP-Initiated Logout 1.0): getLogoutUrl
// gives the provider's end_session_endpoint with the account's ID token as id_token_hint,
// client_id, post_logout_redirect_uri and state. The dev authority (oidc-provider) then ends the
// browser's session there: the same browser's prompt=none sign-in, accepted before, is refused after.
import { BrowserSession, completeAuthorization, completeLogout } from '@tessera/dev-authority';
import { ConfigurationError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { NodeConfidentialClientApplication } from '../src/index.js';
import { useDevAuthority } from './credentials-helpers.js';

const CALLBACK = 'http://127.0.0.1:3000/callback';
const SCOPES = ['api.read'];

describe('sign-out at the provider (getLogoutUrl)', () => {
  const idp = useDevAuthority();

  const webApp = (options: { authorityMetadata?: string } = {}) => {
    const { clientId, clientSecret } = idp.current.clients.confidential;
    return new NodeConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: idp.current.issuer, ...options });
  };

  /** Signs `username` in with the browser `session`; `prompt: 'none'` asks without any UI. */
  async function signIn(app: NodeConfidentialClientApplication, session: BrowserSession, prompt?: 'none') {
    const flow = await app.initiateAuthCodeFlow({ scopes: SCOPES, redirectUri: CALLBACK, prompt });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada', session });
    return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  }

  it("ends the provider's session with the account's ID token as id_token_hint, and comes back with state", async () => {
    const app = webApp();
    const session = new BrowserSession();
    const { account } = await signIn(app, session);
    // The provider's session signs the same browser in again without a login.
    await expect(signIn(app, session, 'none')).resolves.toMatchObject({ fromCache: false });

    const url = await app.getLogoutUrl({ account: account!, postLogoutRedirectUri: CALLBACK, state: 'back-to-home' });
    const { end_session_endpoint } = await app.getAuthorityMetadata();
    expect(url!.startsWith(`${end_session_endpoint}?`)).toBe(true);
    const sent = new URL(url!).searchParams;
    expect(sent.get('client_id')).toBe(idp.current.clients.confidential.clientId);
    // The ID token of the sign-in (the cache's, which the prompt=none sign-in replaced by its own).
    const cached = app.tokenCache.findIdToken(account!.homeAccountId, account!.environment, app.clientId, account!.tenantId)?.secret;
    expect(cached).toBeTruthy();
    expect(sent.get('id_token_hint')).toBe(cached);

    const back = await completeLogout(url!, { session });
    expect(back.redirectUrl?.startsWith(CALLBACK)).toBe(true);
    expect(back.params?.get('state')).toBe('back-to-home');
    // The session is gone: prompt=none now needs a login.
    await expect(signIn(app, session, 'none')).rejects.toMatchObject({ error: 'login_required' });
  });

  it('takes idTokenHint instead of the cache (an ID token kept in the web session)', async () => {
    const app = webApp();
    const { idToken } = await signIn(app, new BrowserSession());
    const url = new URL((await app.getLogoutUrl({ idTokenHint: idToken, postLogoutRedirectUri: CALLBACK }))!);
    expect(url.searchParams.get('id_token_hint')).toBe(idToken);
    expect(url.searchParams.has('state')).toBe(false);
    expect((await completeLogout(url.href)).redirectUrl?.startsWith(CALLBACK)).toBe(true);
  });

  it('the dev authority refuses a post_logout_redirect_uri the app did not register (the driver reports it)', async () => {
    const app = webApp();
    const { account } = await signIn(app, new BrowserSession());
    const url = await app.getLogoutUrl({ account: account!, postLogoutRedirectUri: 'http://127.0.0.1:3999/elsewhere' });
    await expect(completeLogout(url!)).rejects.toThrow(/post_logout_redirect_uri/);
  });

  it('is undefined when the provider publishes no end_session_endpoint (as Google)', async () => {
    const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    delete discovery.end_session_endpoint;
    const app = webApp({ authorityMetadata: JSON.stringify(discovery) });
    await expect(app.getLogoutUrl({ postLogoutRedirectUri: CALLBACK })).resolves.toBeUndefined();
  });

  it("keeps the endpoint's own query (B2C's policy `p`), and sends logoutHint as logout_hint", async () => {
    const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const app = webApp({ authorityMetadata: JSON.stringify({ ...discovery, end_session_endpoint: `${discovery.end_session_endpoint}?p=b2c_1_susi` }) });
    const url = new URL((await app.getLogoutUrl({ idTokenHint: 'hint', state: 's', logoutHint: 'ada@example.com' }))!);
    expect(Object.fromEntries(url.searchParams)).toEqual({ p: 'b2c_1_susi', client_id: app.clientId, id_token_hint: 'hint', state: 's', logout_hint: 'ada@example.com' });
  });

  it('refuses options of the wrong type, naming the option', async () => {
    await expect(webApp().getLogoutUrl({ state: 42 as unknown as string })).rejects.toSatisfy(
      (e) => e instanceof ConfigurationError && /getLogoutUrl: options\.state/.test(e.message),
    );
  });
});
