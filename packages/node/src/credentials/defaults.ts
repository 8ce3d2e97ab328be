import { ConfigurationError } from '@tessera/core';
import type { CredentialAuthority } from './options.js';

/**
 * The Azure CLI's public client id, which @azure/identity uses for developer sign-ins when the
 * application names none. Entra only: a generic OpenID Connect issuer has no such client.
 */
export const DEVELOPER_SIGN_ON_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** Refuses the Entra default client id for a generic issuer, where it cannot be registered. */
export function checkDefaultClientId(credential: string, clientId: string | undefined, authority: CredentialAuthority): void {
  if (clientId === undefined && !authority.entra) {
    throw new ConfigurationError(`${credential} needs \`clientId\` with a generic OpenID Connect authority (${authority.url})`);
  }
}
