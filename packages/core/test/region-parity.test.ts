// Regional token endpoints as the real @azure/msal-node builds them (its network client is
// replaced: nothing leaves the process), side by side with ours for the same authority and region.
import { ConfidentialClientApplication as MsalConfidentialClient } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, type HttpClient } from '../src/index.js';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TOKEN = { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'app-token' };

/** Discovery for any Entra host, naming that host's endpoints. */
function discovery(url: string): Record<string, unknown> | undefined {
  const u = new URL(url);
  if (u.pathname.endsWith('/discovery/instance')) {
    return { tenant_discovery_endpoint: `${u.origin}/${TID}/v2.0/.well-known/openid-configuration`, metadata: [{ preferred_network: u.host, preferred_cache: u.host, aliases: [u.host] }] };
  }
  if (u.pathname.endsWith('/.well-known/openid-configuration')) {
    return {
      issuer: `${u.origin}/${TID}/v2.0`,
      authorization_endpoint: `${u.origin}/${TID}/oauth2/v2.0/authorize`,
      token_endpoint: `${u.origin}/${TID}/oauth2/v2.0/token`,
      jwks_uri: `${u.origin}/${TID}/discovery/v2.0/keys`,
      end_session_endpoint: `${u.origin}/${TID}/oauth2/v2.0/logout`,
    };
  }
  return undefined;
}

async function msalTokenUrl(authority: string, region: string): Promise<string> {
  const posts: string[] = [];
  const app = new MsalConfidentialClient({
    auth: { clientId: 'daemon', clientSecret: 's3cret', authority },
    system: {
      networkClient: {
        sendGetRequestAsync: async <T>(url: string) => ({ status: 200, headers: {}, body: discovery(url) as T }),
        sendPostRequestAsync: async <T>(url: string) => (posts.push(url), { status: 200, headers: {}, body: TOKEN as T }),
      },
    },
  });
  await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], azureRegion: region });
  expect(posts).toHaveLength(1);
  // msal-node adds its own query parameters (telemetry) and a trailing slash (its URL
  // canonicalization; Entra takes both): the endpoint is what we compare.
  return posts[0]!.split('?')[0]!.replace(/\/$/, '');
}

async function ourTokenUrl(authority: string, region: string): Promise<string> {
  const posts: string[] = [];
  const httpClient: HttpClient = {
    send: async (request) => {
      if (request.method === 'POST') return (posts.push(request.url), { status: 200, headers: {}, body: JSON.stringify(TOKEN) });
      return { status: 200, headers: {}, body: JSON.stringify(discovery(request.url)) };
    },
  };
  await new ConfidentialClientApplication({ clientId: 'daemon', clientCredential: 's3cret', authority, azureRegion: region, httpClient }).acquireTokenForClient({
    scopes: ['https://graph.microsoft.com/.default'],
  });
  return posts[0]!;
}

// (China is left out: msal-node swaps login.chinacloudapi.cn for its preferred network host from
// built-in metadata before the region is applied; that is cloud aliasing, not region logic.)
describe('regional token endpoints equal @azure/msal-node\'s', () => {
  const cases: [string, string][] = [
    [`https://login.microsoftonline.com/${TID}`, 'westus2'],
    [`https://login.windows.net/${TID}`, 'eastus'],
    [`https://login.microsoftonline.us/${TID}`, 'usgovvirginia'],
  ];
  it.each(cases)('%s in %s', async (authority, region) => {
    const theirs = await msalTokenUrl(authority, region);
    expect(theirs).toContain(`${region}.`);
    expect(await ourTokenUrl(authority, region)).toBe(theirs);
  });
});
