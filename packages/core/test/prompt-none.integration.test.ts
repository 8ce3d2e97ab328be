// prompt=none sign-ins (a web app's silent SSO check) against a provider that answers them with
// each of OpenID Connect Core 3.1.2.6's "the user must interact" errors: every one is an
// InteractionRequiredError, so the app falls back to an interactive sign-in. The dev authority
// holds a session for the browser and, like a provider with several sessions (an account chooser),
// cannot pick one for a prompt=none request without login_hint.
import { BrowserSession, completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, InteractionRequiredError } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

// A web app: oidc-provider asks native clients to interact on every prompt=none request.
const CALLBACK = 'http://127.0.0.1:3000/callback';

describe('prompt=none answered with an interaction error', () => {
  const idp = useDevAuthority({ accountSelectionWithoutHint: true });

  const webApp = () => {
    const { clientId, clientSecret } = idp.current.clients.confidential;
    return new ConfidentialClientApplication({ clientId, clientCredential: clientSecret, authority: idp.current.issuer });
  };

  async function signIn(app: ConfidentialClientApplication, session: BrowserSession, options: { prompt?: 'none'; loginHint?: string } = {}) {
    const flow = await app.initiateAuthCodeFlow({ scopes: ['api.read'], redirectUri: CALLBACK, ...options });
    const { redirectUrl } = await completeAuthorization(flow.authUri, { username: 'ada', session });
    return app.acquireTokenByAuthCodeFlow(flow, redirectUrl);
  }

  it('account_selection_required (several sessions, no login_hint) is an InteractionRequiredError', async () => {
    const app = webApp();
    const session = new BrowserSession();
    await signIn(app, session);
    // With the hint the provider signs the browser in silently: the session is there.
    await expect(signIn(app, session, { prompt: 'none', loginHint: 'ada' })).resolves.toMatchObject({ fromCache: false });
    const error = await signIn(app, session, { prompt: 'none' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredError);
    expect(error).toMatchObject({ error: 'account_selection_required', code: 'account_selection_required' });
  });

  it('login_required (no session) is an InteractionRequiredError', async () => {
    const app = webApp();
    const error = await signIn(app, new BrowserSession(), { prompt: 'none', loginHint: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredError);
    expect(error).toMatchObject({ error: 'login_required' });
  });
});
