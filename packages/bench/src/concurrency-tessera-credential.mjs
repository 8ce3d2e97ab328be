// Client-credentials adapter for Tessera's azure-identity-shaped ClientSecretCredential (@tessera/node).
// Reports "pending" while @tessera/node does not export it yet.
export const library = { name: 'Tessera ClientSecretCredential', packageName: '@tessera/node' };

export async function pending() {
  try {
    const node = await import('@tessera/node');
    return node.ClientSecretCredential ? undefined : '@tessera/node does not export ClientSecretCredential yet';
  } catch (error) {
    return `@tessera/node cannot be imported (${error.code ?? error.message})`;
  }
}

export async function createClient(idp) {
  const { ClientSecretCredential } = await import('@tessera/node');
  const { clientId, clientSecret } = idp.clients.confidential;
  const credential = new ClientSecretCredential('', clientId, clientSecret, { authority: idp.issuer });
  return { acquire: async () => (await credential.getToken('api.read')).token };
}
