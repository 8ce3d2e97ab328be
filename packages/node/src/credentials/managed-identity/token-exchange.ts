import { WorkloadIdentityCredential, type WorkloadIdentityCredentialOptions } from '../workload-identity-credential.js';
import type { ManagedIdentitySource, SourceContext } from './source.js';

/**
 * AKS workload identity: when the pod has `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID` and a
 * client id (the credential's, else `AZURE_CLIENT_ID`), the projected service-account token is
 * exchanged at Entra, as @azure/identity does, through WorkloadIdentityCredential.
 */
export function tokenExchangeSource(ctx: SourceContext): ManagedIdentitySource | undefined {
  const { AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST } = ctx.env;
  const clientId = ctx.id.kind === 'clientId' ? ctx.id.value : AZURE_CLIENT_ID;
  if (!clientId || !AZURE_TENANT_ID || !AZURE_FEDERATED_TOKEN_FILE) return undefined;
  if (ctx.id.kind === 'objectId' || ctx.id.kind === 'resourceId') {
    ctx.log('warning', `ManagedIdentityCredential (token exchange): the ${ctx.id.kind} is ignored; the exchange is for AZURE_CLIENT_ID`);
  }
  const options: WorkloadIdentityCredentialOptions = {
    disableInstanceDiscovery: true,
    ...(AZURE_AUTHORITY_HOST ? { authorityHost: AZURE_AUTHORITY_HOST } : {}),
    ...ctx.exchange,
    clientId,
    tenantId: AZURE_TENANT_ID,
    tokenFilePath: AZURE_FEDERATED_TOKEN_FILE,
  };
  const credential = new WorkloadIdentityCredential(options);
  return {
    name: 'token exchange',
    async getToken(_resource, scope, signal) {
      const token = await credential.getToken(scope, { abortSignal: signal });
      return { token: token.token, expiresOn: token.expiresOnTimestamp, refreshOn: token.refreshAfterTimestamp };
    },
    close: () => credential.close(),
  };
}
