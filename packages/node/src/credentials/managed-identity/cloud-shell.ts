import { type ManagedIdentitySource, type SourceContext, endpointFrom, refuseUserAssigned, send, tokenFrom } from './source.js';

/**
 * Azure Cloud Shell: a form POST of `resource` to `MSI_ENDPOINT` with `Metadata: true`. Only the
 * signed-in user's identity exists there, so a user-assigned id is refused (as @azure/identity does).
 */
export function cloudShellSource(ctx: SourceContext): ManagedIdentitySource | undefined {
  if (!ctx.env.MSI_ENDPOINT) return undefined;
  const endpoint = endpointFrom(ctx.env, 'MSI_ENDPOINT', 'Cloud Shell');
  return {
    name: 'Cloud Shell',
    async getToken(resource, _scope, signal) {
      refuseUserAssigned(ctx.id, 'Cloud Shell', 'a user-assigned managed identity is not supported in Cloud Shell; omit clientId, objectId and resourceId');
      const response = await send(ctx.http, 'Cloud Shell', {
        method: 'POST',
        url: endpoint,
        headers: { Metadata: 'true', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ resource }).toString(),
        signal,
      });
      return tokenFrom('Cloud Shell', response);
    },
  };
}
