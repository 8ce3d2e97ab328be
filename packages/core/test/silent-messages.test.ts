// What a silent call that cannot be answered tells the developer to do (real dev authority).
import { describe, expect, it } from 'vitest';
import { InteractionRequiredError, PublicClientApplication } from '../src/index.js';
import { useDevAuthority } from './helpers.js';

const SCOPES = ['api.read'];

describe('a silent call without a cached refresh token', () => {
  const idp = useDevAuthority();

  it('after a sign-out: says to sign in interactively (the consent hint only for a sign-in that got none)', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const { account } = await app.acquireTokenByUsernamePassword({ scopes: SCOPES, username: 'ada', password: 'pw' });
    await app.removeAccount(account!);
    const error = await app.acquireTokenSilent({ scopes: SCOPES, account: account! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredError);
    expect(error).toMatchObject({ code: 'no_tokens_found' });
    expect((error as Error).message).toMatch(/sign in interactively/i);
    expect((error as Error).message).toMatch(/prompt: 'consent'/);
  });
});
