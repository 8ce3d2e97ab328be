import { withQuery } from '@tessera/core';
import { type ManagedIdentitySource, type SourceContext, endpointFrom, refuseUserAssigned, send, tokenFrom } from './source.js';

/** The api-version of Azure Machine Learning token requests (the 2017 protocol). */
export const MACHINE_LEARNING_API_VERSION = '2017-09-01';

/**
 * Azure Machine Learning compute: `MSI_ENDPOINT` with `MSI_SECRET` in the `secret` header, the 2017
 * protocol (`clientid`; the system identity is `DEFAULT_IDENTITY_CLIENT_ID`). Only client ids name
 * a user-assigned identity there, as in MSAL.
 */
export function machineLearningSource(ctx: SourceContext): ManagedIdentitySource | undefined {
  const { MSI_ENDPOINT, MSI_SECRET, DEFAULT_IDENTITY_CLIENT_ID } = ctx.env;
  if (!MSI_ENDPOINT || !MSI_SECRET) return undefined;
  const endpoint = endpointFrom(ctx.env, 'MSI_ENDPOINT', 'Azure Machine Learning');
  return {
    name: 'Azure Machine Learning',
    async getToken(resource, _scope, signal) {
      const id = ctx.id;
      refuseUserAssigned(id, 'Azure Machine Learning', `only a client id names a user-assigned identity here, not a ${id.kind}`, ['clientId']);
      const clientId = id.kind === 'clientId' ? id.value : DEFAULT_IDENTITY_CLIENT_ID;
      const url = withQuery(endpoint, { 'api-version': MACHINE_LEARNING_API_VERSION, resource, ...(clientId ? { clientid: clientId } : {}) });
      const response = await send(ctx.http, 'Azure Machine Learning', { method: 'GET', url, headers: { Metadata: 'true', secret: MSI_SECRET }, signal });
      return tokenFrom('Azure Machine Learning', response, [MSI_SECRET]);
    },
  };
}
