// Client-credentials adapter for Tessera's ConfidentialClientApplication (@tessera/core), straight to
// the dev authority over http (Tessera accepts a plain-http loopback issuer).
import { ConfidentialClientApplication } from '@tessera/core';

export const library = { name: 'Tessera acquireTokenForClient', packageName: '@tessera/core' };

export async function createClient(idp) {
  const app = new ConfidentialClientApplication({
    clientId: idp.clients.confidential.clientId,
    clientCredential: idp.clients.confidential.clientSecret,
    authority: idp.issuer,
  });
  return { acquire: async () => (await app.acquireTokenForClient({ scopes: ['api.read'] })).accessToken };
}
