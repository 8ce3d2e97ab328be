import { withQuery } from '@tessera/core';
import { NodeHttpClient } from '../../http/node-http-client.js';
import { type ManagedIdentitySource, type SourceContext, endpointFrom, refuseUserAssigned, send, tokenFrom } from './source.js';

/** The api-version of Service Fabric token requests. */
export const SERVICE_FABRIC_API_VERSION = '2019-07-01-preview';

/**
 * Service Fabric: `IDENTITY_ENDPOINT` over https with a self-signed certificate, the secret in the
 * `secret` header. Where @azure/identity accepts any certificate, the connection is pinned to
 * `IDENTITY_SERVER_THUMBPRINT`, so the secret never goes to another server. The cluster chooses
 * the identity: a user-assigned id is refused, as @azure/identity does.
 */
export function serviceFabricSource(ctx: SourceContext, injected: boolean): ManagedIdentitySource | undefined {
  const { IDENTITY_ENDPOINT, IDENTITY_HEADER, IDENTITY_SERVER_THUMBPRINT } = ctx.env;
  if (!IDENTITY_ENDPOINT || !IDENTITY_HEADER || !IDENTITY_SERVER_THUMBPRINT) return undefined;
  const endpoint = endpointFrom(ctx.env, 'IDENTITY_ENDPOINT', 'Service Fabric');
  // A caller's httpClient (tests, tracing) is used as given; ours is pinned to the thumbprint.
  const http = injected ? ctx.http : new NodeHttpClient({ pinnedCertificateThumbprint: IDENTITY_SERVER_THUMBPRINT });
  return {
    name: 'Service Fabric',
    async getToken(resource, _scope, signal) {
      refuseUserAssigned(ctx.id, 'Service Fabric', 'a user-assigned identity cannot be chosen at runtime; it is set in the cluster resource configuration (https://aka.ms/servicefabricmi). Omit clientId, objectId and resourceId.');
      const url = withQuery(endpoint, { 'api-version': SERVICE_FABRIC_API_VERSION, resource });
      const response = await send(http, 'Service Fabric', { method: 'GET', url, headers: { secret: IDENTITY_HEADER }, signal });
      return tokenFrom('Service Fabric', response, [IDENTITY_HEADER]);
    },
    close: async () => {
      if (http instanceof NodeHttpClient && http !== ctx.http) await http.close();
    },
  };
}
