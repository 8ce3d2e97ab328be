// Client-credentials adapter for Tessera's azure-identity-shaped ClientSecretCredential (@tessera/node).
// Reports "pending" while @tessera/node does not export it yet.
import { missingExport } from './versions.mjs';

export const library = { name: 'Tessera ClientSecretCredential', packageName: '@tessera/node' };

export const pending = () => missingExport('@tessera/node', 'ClientSecretCredential');

export async function createClient(idp) {
  const { ClientSecretCredential } = await import('@tessera/node');
  const { clientId, clientSecret } = idp.clients.confidential;
  const credential = new ClientSecretCredential('', clientId, clientSecret, { authority: idp.issuer });
  return { acquire: async () => (await credential.getToken('api.read')).token };
}
