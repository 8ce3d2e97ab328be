// ClientSecretCredential on Entra's sovereign clouds, External ID, Azure AD B2C and look-alike hosts,
// against core's stub that plays Microsoft's hosts under their real names.
import { describe, expect, it } from 'vitest';
import { ClientSecretCredential } from '../src/index.js';
import { CLIENT_ID, TID, useEntraCloudsStub } from '../../core/test/support/entra-clouds-stub.js';

const SCOPE = 'https://api.contoso.com/.default';
const entra = useEntraCloudsStub();
const paths = () => entra.paths();
const credential = (tenantId: string, options: ConstructorParameters<typeof ClientSecretCredential>[3]) =>
  new ClientSecretCredential(tenantId, CLIENT_ID, 'the-secret', { httpClient: entra.current.http, ...options });

describe('ClientSecretCredential on Entra clouds', () => {
  it.each(['https://login.sovcloud-identity.fr', 'https://login.sovcloud-identity.de', 'https://login.sovcloud-identity.sg', 'https://login-us.microsoftonline.com'])(
    'gets a token from the sovereign cloud %s (v2.0 endpoints, no instance discovery)',
    async (authorityHost) => {
      const host = new URL(authorityHost).host;
      const token = await credential(TID, { authorityHost }).getToken(SCOPE);
      expect(token.token).toBe(`app-token-${host}`);
      expect(paths()).toEqual([`${host}/${TID}/v2.0/.well-known/openid-configuration`, `${host}/${TID}/oauth2/v2.0/token`]);
      expect(entra.current.seen[1]!.body.get('client_secret')).toBe('the-secret');
    },
  );

  it('gets a token from an External ID tenant given as https://<t>.ciamlogin.com', async () => {
    const token = await credential('', { authority: 'https://contoso.ciamlogin.com' }).getToken(SCOPE);
    expect(token.token).toBe('app-token-contoso.ciamlogin.com');
    expect(paths()).toEqual([
      'contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration',
      `contoso.ciamlogin.com/${TID}/oauth2/v2.0/token`,
    ]);
  });

  it('gets a token from an Azure AD B2C policy authority', async () => {
    const token = await credential('', { authority: 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi' }).getToken(SCOPE);
    expect(token.token).toBe('app-token-contoso.b2clogin.com');
    expect(paths()[0]).toBe('contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration');
  });

  it('never sends the secret to a look-alike host that instance discovery refuses', async () => {
    const lookAlike = credential('', { authority: 'https://login.microsoftonline.com.evil.example/contoso.onmicrosoft.com' });
    await expect(lookAlike.getToken(SCOPE)).rejects.toThrow(/AADSTS50049: Unknown or invalid instance/);
    expect(entra.current.seen.map((s) => s.host)).toEqual(['login.microsoftonline.com']);
    expect(entra.current.seen.some((s) => s.body.toString().includes('the-secret'))).toBe(false);
  });

  it("shows Entra's AADSTS text when the tenant does not exist", async () => {
    await expect(credential('nosuchtenant.onmicrosoft.com', {}).getToken(SCOPE)).rejects.toThrow(/AADSTS90002: Tenant 'nosuchtenant.onmicrosoft.com' not found/);
  });
});
