import { CredentialUnavailableError } from './errors.js';
import type { AbortSignalLike, AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** Options of getBearerTokenProvider, as @azure/identity defines them. */
export interface GetBearerTokenProviderOptions {
  /** Aborts the token requests the provider makes (AbortError). */
  abortSignal?: AbortSignalLike;
  /** Accepted for compatibility; Tessera does not trace. */
  tracingOptions?: GetTokenOptions['tracingOptions'];
}

/** Renew ahead of expiry: from 2 minutes before it (or the token's refreshAfterTimestamp) in the background... */
const REFRESH_WINDOW_MS = 2 * 60_000;
/** ...and wait for a new token once the old one has less than a second left, as Azure's bearer policy does. */
const FORCED_REFRESH_WINDOW_MS = 1000;
/** Background renewals start at most this often (Azure's retryIntervalInMs): a failing authority is not asked on every call. */
const RETRY_INTERVAL_MS = 3000;

/**
 * A function returning an access token for `scopes`, for clients that take a token provider rather
 * than a TokenCredential (the `openai` SDK's `azureADTokenProvider`, fetch wrappers). As in
 * @azure/identity, the token is kept and reused: within 2 minutes of expiry, or after its
 * `refreshAfterTimestamp`, a renewal starts in the background while the current token is still
 * returned (a failed renewal is retried by a call at least 3 seconds later); once less than a second is left, calls
 * wait for the new token and fail with its error. Concurrent calls share one request.
 *
 * @example
 * ```ts
 * const getToken = getBearerTokenProvider(new DefaultAzureCredential(), 'https://cognitiveservices.azure.com/.default');
 * const client = new AzureOpenAI({ azureADTokenProvider: getToken, apiVersion });
 * ```
 */
export function getBearerTokenProvider(
  credential: TokenCredential,
  scopes: string | string[],
  options: GetBearerTokenProviderOptions = {},
): () => Promise<string> {
  const { abortSignal, tracingOptions } = options;
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  let lastStarted = -Infinity;
  const renew = (): Promise<AccessToken> => {
    if (pending) return pending;
    lastStarted = Date.now();
    const request = (async () => {
      const token = await credential.getToken(scopes, { abortSignal, tracingOptions });
      if (!token) throw new CredentialUnavailableError('getBearerTokenProvider: the credential returned no token');
      return (current = token);
    })();
    // Cleared once settled, never before it is set: a getToken that throws synchronously settles at once.
    const clear = () => {
      if (pending === request) pending = undefined;
    };
    request.then(clear, clear);
    return (pending = request);
  };
  return async () => {
    const now = Date.now();
    // Written so that an expiry that cannot be read (NaN) means expired, never "valid forever".
    if (!current || !(now < current.expiresOnTimestamp - FORCED_REFRESH_WINDOW_MS)) return (await renew()).token;
    const due = now >= current.expiresOnTimestamp - REFRESH_WINDOW_MS || now >= (current.refreshAfterTimestamp ?? Infinity);
    if (due && !(now < lastStarted + RETRY_INTERVAL_MS)) {
      // The current token still works: a failed renewal is not the caller's problem yet.
      renew().catch(() => {});
    }
    return current.token;
  };
}
