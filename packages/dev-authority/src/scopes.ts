/** Resource indicator of the sample API; client_credentials tokens are JWTs for it. */
export const API_RESOURCE = 'urn:tessera:api';
export const API_SCOPES = ['api.read', 'api.write'] as const;
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;

export function isApiScope(scope: string): boolean {
  return (API_SCOPES as readonly string[]).includes(scope);
}

export function splitScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}
