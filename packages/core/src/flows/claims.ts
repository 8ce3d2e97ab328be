import { ConfigurationError } from '../errors.js';

/**
 * The `claims` request parameter: the caller's claims challenge merged with client capabilities
 * (`xms_cc`), which tell Entra the app can handle claims challenges (CAE).
 */
export function mergeClaims(claims: string | undefined, capabilities: readonly string[]): string | undefined {
  if (!claims && capabilities.length === 0) return undefined;
  let merged: Record<string, unknown> = {};
  if (claims) {
    try {
      merged = JSON.parse(claims) as Record<string, unknown>;
    } catch {
      throw new ConfigurationError('`claims` must be a JSON object (a claims challenge from the resource)');
    }
    if (typeof merged !== 'object' || merged === null || Array.isArray(merged)) {
      throw new ConfigurationError('`claims` must be a JSON object (a claims challenge from the resource)');
    }
  }
  if (capabilities.length > 0) {
    const accessToken = (merged.access_token ?? {}) as Record<string, unknown>;
    merged = { ...merged, access_token: { ...accessToken, xms_cc: { values: [...capabilities] } } };
  }
  return JSON.stringify(merged);
}
