/**
 * Typed errors. Every error has a stable string `code` that callers can switch on (the table of codes
 * is in core's README, "Error codes"); messages say what failed and what to fix, and never carry
 * token or secret values.
 */

/**
 * Base class of every error Tessera throws on purpose.
 *
 * `code` is the most specific stable code: the OAuth `error` value for server errors (`invalid_grant`,
 * `access_denied`, ...), otherwise one of Tessera's own codes (`network_error`, `timeout`,
 * `invalid_state`, `configuration_error`, ...). Switch on `code`, or test the class with `instanceof`.
 */
export class TesseraError extends Error {
  /** The stable code to switch on; see the table in core's README. */
  readonly code: string;
  /**
   * The correlation id of the call that failed (sent as `client-request-id`): quote it to the
   * identity provider's support. Set by the client on every error a token method throws.
   */
  correlationId?: string;
  /**
   * @param code - the stable code.
   * @param message - what failed and what to fix (never a token or secret).
   * @param options - `cause`: the underlying error, kept for diagnostics.
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The library was configured or called wrongly; the message says what to change. */
export class ConfigurationError extends TesseraError {
  /**
   * @param message - what is wrong and what to change.
   * @param code - a more specific code than `configuration_error` (e.g. `port_in_use`).
   */
  constructor(message: string, code = 'configuration_error') {
    super(code, message);
  }
}

/** Fields of an OAuth error response (RFC 6749 section 5.2, plus Entra extensions). */
export interface ServerErrorDetails {
  /** The OAuth `error` value, e.g. `invalid_grant`. */
  error: string;
  /** The server's `error_description`. */
  errorDescription?: string;
  /** Entra's numeric `error_codes` (AADSTS numbers). */
  errorCodes?: number[];
  /** Entra's `correlation_id`, for support requests. */
  correlationId?: string;
  /** Entra's `trace_id`, for support requests. */
  traceId?: string;
  /** The HTTP status of the error response, when there was one. */
  status?: number;
  /** A claims challenge the caller must satisfy (Entra `claims`, CAE). */
  claims?: string;
  /** Entra's `suberror`, e.g. `bad_token`. */
  suberror?: string;
  /** When Entra saw the error (its `timestamp`, e.g. "2026-12-07 10:00:00Z"): support asks for it with the ids. */
  timestamp?: string;
}

/**
 * An OAuth `error` value is a stable code when it is a plain snake_case token (every value in RFC 6749,
 * RFC 8628, OpenID Connect and Entra is); anything else a server sends stays in `error` only.
 */
const OAUTH_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** The fields a ServerError copies from its details (named, so an error passed as details brings no name or code). */
const DETAIL_FIELDS = ['error', 'errorDescription', 'errorCodes', 'correlationId', 'traceId', 'status', 'claims', 'suberror', 'timestamp'] as const;

/**
 * The authorization server answered with an OAuth error. `code` is the OAuth `error` value itself
 * (`invalid_grant`, `access_denied`, `invalid_scope`, `expired_token`, ...), or `server_error` when the
 * server sent something that is not a plain code.
 */
export class ServerError extends TesseraError {
  /** The OAuth `error` value as the server sent it. */
  readonly error!: string;
  /** The server's `error_description`. */
  readonly errorDescription?: string;
  /** Entra's numeric `error_codes` (AADSTS numbers). */
  readonly errorCodes?: number[];
  /** Entra's `trace_id`, for support requests. */
  readonly traceId?: string;
  /** The HTTP status of the error response, when there was one. */
  readonly status?: number;
  /** A claims challenge the caller must satisfy (Entra `claims`, CAE). */
  readonly claims?: string;
  /** Entra's `suberror`, e.g. `bad_token`. */
  readonly suberror?: string;
  /** Entra's `timestamp` of the error, for support requests. */
  readonly timestamp?: string;
  /**
   * @param details - the fields of the error response.
   * @param code - overrides the code taken from `details.error`.
   */
  constructor(details: ServerErrorDetails, code = OAUTH_ERROR_CODE.test(details.error) ? details.error : 'server_error') {
    super(code, `${details.error}${details.errorDescription ? `: ${details.errorDescription}` : ''}`);
    for (const key of DETAIL_FIELDS) (this as Record<string, unknown>)[key] = details[key];
  }
}

// OpenID Connect Core 3.1.2.6's "the user must interact" errors (account_selection_required: an
// account chooser, several sessions), and RFC 6749's invalid_grant.
const INTERACTION_ERRORS = new Set(['interaction_required', 'login_required', 'consent_required', 'account_selection_required', 'invalid_grant']);

/**
 * Only the user can help: call an interactive method (or the device flow). `code` says why, e.g.
 * `interaction_required`, `login_required`, `consent_required`, `account_selection_required`, `invalid_grant`, or Tessera's
 * `no_tokens_found` (nothing cached to refresh with) and `no_account` (nobody signed in).
 */
export class InteractionRequiredError extends ServerError {
  /** Whether an OAuth error (and Entra suberror) means that only the user can help. */
  static matches(error: string, suberror?: string): boolean {
    // `bad_token`/`token_expired` suberrors of invalid_grant are interaction too; `client_mismatch` is not.
    return INTERACTION_ERRORS.has(error) && suberror !== 'client_mismatch';
  }
}

/** A protocol check failed (state, nonce, iss, aud, azp, exp, nbf, auth_time, signature, ...). */
export class ValidationError extends TesseraError {
  /** The name of the check that failed. */
  readonly check: string;
  /**
   * @param check - the check that failed; the code is `invalid_<check>`.
   * @param message - what did not match.
   */
  constructor(check: string, message: string) {
    super(`invalid_${check}`, message);
    this.check = check;
  }
}

/** The server's response was not what the protocol allows (bad JSON, missing or mistyped field). */
export class InvalidResponseError extends TesseraError {
  /** The HTTP status of the response. */
  readonly status?: number;
  /**
   * @param message - what was wrong with the response.
   * @param status - its HTTP status.
   * @param code - a more specific code than `invalid_response` (e.g. `response_too_large`).
   * @param options - `cause`: the server's own error (a ServerError with Entra's ids), when it sent one.
   */
  constructor(message: string, status?: number, code = 'invalid_response', options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/**
 * The request never got a usable HTTP answer (DNS, refused, reset, timeout). `code` is `timeout` or
 * `network_error`; the message names the reason (e.g. `connect ECONNREFUSED 127.0.0.1:443`), and
 * `cause` holds the underlying error.
 */
export class NetworkError extends TesseraError {
  /**
   * @param message - the request and the reason it failed.
   * @param options - `cause`: the underlying error; `code`: `timeout` instead of `network_error`.
   */
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'network_error', message, options);
  }
}

/**
 * The server throttles this request (HTTP 429, or 5xx with Retry-After) and asked for a wait
 * longer than the client blocks a caller (RetryOptions.maxDelayMs), or still refused after the
 * one retry. Calls of the same shape fail fast with this error, sending nothing, until `retryAfter`.
 */
export class ThrottledError extends TesseraError {
  /** When the server accepts this request again. */
  readonly retryAfter: Date;
  /** The HTTP status that throttled (429, 503, ...). */
  readonly status: number;
  constructor(message: string, retryAfter: Date, status: number) {
    super('throttled', message);
    this.retryAfter = retryAfter;
    this.status = status;
  }
}

/**
 * removeAccount with `revokeRefreshToken`: the account WAS removed from the cache (the app is signed
 * out), but the provider did not confirm that it revoked the account's refresh token, which may then
 * still be valid at the provider until it expires. `cause` says why (a ServerError with the
 * provider's answer, a NetworkError, a ConfigurationError when the provider publishes no
 * revocation_endpoint); code `revocation_failed`. The message never carries the token.
 */
export class TokenRevocationError extends TesseraError {
  /** @param cause - why the revocation failed. */
  constructor(cause: unknown) {
    super('revocation_failed', `The account was removed from the cache, but its refresh token was not revoked at the provider: ${describeCause(cause)}`, { cause });
  }
}

/** The caller's AbortSignal fired (code `aborted`); `cause` is the signal's reason. */
export class AbortError extends TesseraError {
  /** @param reason - the signal's reason. */
  constructor(reason?: unknown) {
    super('aborted', 'The operation was aborted', { cause: reason });
  }
}

/** Throws AbortError when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/**
 * A short, data-free description of why an operation failed: the innermost cause's code and first
 * line. Runtimes wrap the real reason ("fetch failed" around `connect ECONNREFUSED 127.0.0.1:443`).
 */
export function describeCause(error: unknown): string {
  let e = error;
  for (let depth = 0; depth < 8 && e instanceof Error && e.cause instanceof Error; depth++) e = e.cause;
  if (!(e instanceof Error)) return String(e).slice(0, 200);
  const code = (e as { code?: unknown }).code;
  // Node's happy-eyeballs failure is an AggregateError with an empty message and one error per address.
  const inner = e instanceof AggregateError && !e.message ? e.errors.find((x) => x instanceof Error) : undefined;
  const first = (e.message || (inner instanceof Error ? inner.message : '')).split('\n', 1)[0] ?? '';
  const prefix = typeof code === 'string' && !first.includes(code) ? (first ? `${code}: ` : code) : '';
  return `${prefix}${first}`.slice(0, 200);
}
