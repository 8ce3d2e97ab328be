// Fidelity: on the same B2C, External ID and sovereign-cloud answers, Tessera's account and its
// cache key are the ones the real @azure/msal-node builds (MSAL needs `knownAuthorities` for B2C,
// and for External ID's GUID-host issuer behind a domain-named authority; Tessera trusts both hosts).
import { ConfidentialClientApplication as MsalConfidentialClient, type INetworkModule } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication } from '../src/index.js';
import { CLIENT_ID, TID, useEntraCloudsStub } from './support/entra-clouds-stub.js';

const entra = useEntraCloudsStub();
const SCOPES = ['https://api.contoso.com/read'];
const REDIRECT = 'http://localhost:8400';
const FIELDS = ['homeAccountId', 'environment', 'tenantId', 'localAccountId', 'authorityType', 'name'] as const;

/** msal-node's network module over the stub's routing client. */
const msalNetwork = (): INetworkModule => {
  const send = async (method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }) => {
    const r = await entra.current.http.send({ method, url, headers: options?.headers ?? {}, body: options?.body });
    return { status: r.status, headers: r.headers, body: JSON.parse(r.body) };
  };
  return { sendGetRequestAsync: (url, options) => send('GET', url, options), sendPostRequestAsync: (url, options) => send('POST', url, options) } as INetworkModule;
};

const pick = (account: Record<string, unknown>) => Object.fromEntries(FIELDS.map((f) => [f, account[f]]));

describe('Entra-family accounts match @azure/msal-node', () => {
  it.each([
    ['B2C policy path', 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi', ['contoso.b2clogin.com']],
    ['B2C tfp path', 'https://contoso.b2clogin.com/tfp/contoso.onmicrosoft.com/B2C_1_susi', ['contoso.b2clogin.com']],
    ['External ID, no path', 'https://contoso.ciamlogin.com', [`${TID}.ciamlogin.com`]],
    ['External ID, tenant GUID', `https://contoso.ciamlogin.com/${TID}`, []],
    ['sovereign cloud', `https://login.sovcloud-identity.fr/${TID}`, []],
  ])('%s', async (_name, authority, knownAuthorities) => {
    // The stub's code carries no nonce: neither library is checking one here.
    const msal = new MsalConfidentialClient({ auth: { clientId: CLIENT_ID, clientSecret: 's', authority, knownAuthorities }, system: { networkClient: msalNetwork() } });
    const theirs = await msal.acquireTokenByCode({ code: 'plain', scopes: SCOPES, redirectUri: REDIRECT });
    const app = new ConfidentialClientApplication({ clientId: CLIENT_ID, clientCredential: 's', authority, httpClient: entra.current.http });
    const ours = await app.acquireTokenByCode('plain', { scopes: SCOPES, redirectUri: REDIRECT });
    expect(pick(ours.account as never)).toEqual(pick(theirs.account as never));
    const accountKeys = (serialized: string) => Object.keys(JSON.parse(serialized).Account);
    expect(accountKeys(app.tokenCache.serialize())).toEqual(accountKeys(msal.getTokenCache().serialize()));
  });
});
