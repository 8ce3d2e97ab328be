import { withQuery } from '@tessera/core';
import { type ManagedIdentitySource, type SourceContext, endpointFrom, send, tokenFrom, userAssignedParam } from './source.js';

/** The api-version of App Service token requests. */
export const APP_SERVICE_API_VERSION = '2019-08-01';

/**
 * App Service, Functions and Container Apps: `IDENTITY_ENDPOINT` with the `IDENTITY_HEADER`
 * secret in `X-IDENTITY-HEADER`. https://learn.microsoft.com/azure/app-service/overview-managed-identity
 */
export function appServiceSource(ctx: SourceContext): ManagedIdentitySource | undefined {
  const { IDENTITY_ENDPOINT, IDENTITY_HEADER } = ctx.env;
  if (!IDENTITY_ENDPOINT || !IDENTITY_HEADER) return undefined;
  const endpoint = endpointFrom(ctx.env, 'IDENTITY_ENDPOINT', 'App Service');
  return {
    name: 'App Service',
    async getToken(resource, _scope, signal) {
      const url = withQuery(endpoint, { 'api-version': APP_SERVICE_API_VERSION, resource, ...userAssignedParam(ctx.id, 'mi_res_id') });
      const response = await send(ctx.http, 'App Service', { method: 'GET', url, headers: { 'X-IDENTITY-HEADER': IDENTITY_HEADER }, signal });
      return tokenFrom('App Service', response, [IDENTITY_HEADER]);
    },
  };
}
