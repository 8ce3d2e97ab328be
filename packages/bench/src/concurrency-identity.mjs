// Client-credentials adapter for @azure/identity's ClientSecretCredential: authorityHost is the dev
// authority (https, through the loopback shim as the credential's httpClient), instance discovery
// off. Its MSAL fetches the discovery document through the shim.
import { ClientSecretCredential } from '@azure/identity';
import { DevAuthorityShim } from './dev-authority-shim.mjs';

export const library = { name: '@azure/identity ClientSecretCredential', packageName: '@azure/identity' };

/** An @azure/core-rest-pipeline HttpClient over the shim. */
export function azureHttpClient(shim) {
  return {
    async sendRequest(request) {
      const headers = Object.fromEntries([...request.headers].map(([k, v]) => [k, v]));
      const r = await shim.send({ method: request.method, url: request.url, headers, body: request.body });
      const map = new Map(Object.entries(r.headers));
      return {
        request,
        status: r.status,
        bodyAsText: r.body,
        headers: {
          get: (name) => map.get(name.toLowerCase()),
          has: (name) => map.has(name.toLowerCase()),
          set: (name, value) => map.set(name.toLowerCase(), String(value)),
          delete: (name) => map.delete(name.toLowerCase()),
          toJSON: () => Object.fromEntries(map),
          [Symbol.iterator]: () => map[Symbol.iterator](),
        },
      };
    },
  };
}

export async function createClient(idp) {
  const shim = new DevAuthorityShim(idp);
  const { clientId, clientSecret } = idp.clients.confidential;
  const credential = new ClientSecretCredential('dev', clientId, clientSecret, {
    authorityHost: shim.httpsOrigin,
    disableInstanceDiscovery: true,
    httpClient: azureHttpClient(shim),
  });
  return { shim, acquire: async () => (await credential.getToken('api.read')).token };
}
