/**
 * Typed errors. Every error has a stable string `code` that callers can switch on;
 * messages say what failed and what to fix, and never carry token or secret values.
 */
export class TesseraError extends Error {
  readonly code: string;
  /**
   * The correlation id of the call that failed (sent as `client-request-id`): quote it to the
   * identity provider's support. Set by the client on every error a token method throws.
   */
  correlationId?: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The library was configured or called wrongly; the message says what to change. */
export class ConfigurationError extends TesseraError {
  constructor(message: string, code = 'configuration_error') {
    super(code, message);
  }
}

/** Fields of an OAuth error response (RFC 6749 section 5.2, plus Entra extensions). */
export interface ServerErrorDetails {
  error: string;
  errorDescription?: string;
  errorCodes?: number[];
  correlationId?: string;
  traceId?: string;
  status?: number;
  /** A claims challenge the caller must satisfy (Entra `claims`, CAE). */
  claims?: string;
  suberror?: string;
}

/** The authorization server answered with an OAuth error. */
export class ServerError extends TesseraError {
  readonly error: string;
  readonly errorDescription?: string;
  readonly errorCodes?: number[];
  readonly traceId?: string;
  readonly status?: number;
  readonly claims?: string;
  readonly suberror?: string;
  constructor(details: ServerErrorDetails, code = 'server_error') {
    super(code, `${details.error}${details.errorDescription ? `: ${details.errorDescription}` : ''}`);
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorCodes = details.errorCodes;
    this.correlationId = details.correlationId;
    this.traceId = details.traceId;
    this.status = details.status;
    this.claims = details.claims;
    this.suberror = details.suberror;
  }
}

const INTERACTION_ERRORS = new Set(['interaction_required', 'login_required', 'consent_required', 'invalid_grant']);

/** Only the user can help: call an interactive method (or the device flow). */
export class InteractionRequiredError extends ServerError {
  constructor(details: ServerErrorDetails) {
    super(details, 'interaction_required');
  }
  static matches(error: string, suberror?: string): boolean {
    // `bad_token`/`token_expired` suberrors of invalid_grant are interaction too; `client_mismatch` is not.
    return INTERACTION_ERRORS.has(error) && suberror !== 'client_mismatch';
  }
}

/** A protocol check failed (state, nonce, iss, aud, azp, exp, nbf, auth_time, signature, ...). */
export class ValidationError extends TesseraError {
  /** The name of the check that failed. */
  readonly check: string;
  constructor(check: string, message: string) {
    super(`invalid_${check}`, message);
    this.check = check;
  }
}

/** The server's response was not what the protocol allows (bad JSON, missing or mistyped field). */
export class InvalidResponseError extends TesseraError {
  readonly status?: number;
  constructor(message: string, status?: number, code = 'invalid_response') {
    super(code, message);
    this.status = status;
  }
}

/** The request never got a usable HTTP answer (DNS, refused, reset, timeout). */
export class NetworkError extends TesseraError {
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

/** The caller's AbortSignal fired. */
export class AbortError extends TesseraError {
  constructor(reason?: unknown) {
    super('aborted', 'The operation was aborted', { cause: reason });
  }
}

/** Throws AbortError when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
