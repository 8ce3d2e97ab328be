import { ConfigurationError } from '../errors.js';
import { isRecord, parseJson } from '../http/schemas.js';

/**
 * The `claims` request parameter: the caller's claims challenge merged with client capabilities
 * (`xms_cc`), which tell Entra the app can handle claims challenges (CAE).
 */
export function mergeClaims(claims: string | undefined, capabilities: readonly string[]): string | undefined {
  if (!claims && !capabilities.length) return undefined;
  const merged = claims ? parseJson(claims) : {};
  if (!isRecord(merged)) throw new ConfigurationError('`claims` must be a JSON object (the claims challenge)');
  // A fresh object (parsed above, or new): adding to it changes nothing of the caller's.
  if (capabilities.length) merged.access_token = { ...(merged.access_token as object), xms_cc: { values: capabilities } };
  return JSON.stringify(merged);
}
