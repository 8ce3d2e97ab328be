import { ConfigurationError } from '../errors.js';

/**
 * The `claims` request parameter: the caller's claims challenge merged with client capabilities
 * (`xms_cc`), which tell Entra the app can handle claims challenges (CAE).
 */
export function mergeClaims(claims: string | undefined, capabilities: readonly string[]): string | undefined {
  if (!claims && capabilities.length === 0) return undefined;
  let merged: Record<string, unknown> = {};
  if (claims) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claims);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigurationError('`claims` must be a JSON object (a claims challenge from the resource)');
    }
    merged = parsed as Record<string, unknown>;
  }
  if (capabilities.length > 0) {
    const accessToken = (merged.access_token ?? {}) as Record<string, unknown>;
    merged = { ...merged, access_token: { ...accessToken, xms_cc: { values: [...capabilities] } } };
  }
  return JSON.stringify(merged);
}
