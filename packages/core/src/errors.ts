/**
 * Typed errors. Every error has a stable string `code` that callers can switch on;
 * messages say what failed and what to fix, and never carry token or secret values.
 */
export class TesseraError extends Error {
  readonly code: string;
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
  /** When Entra saw the error (its `timestamp`, e.g. "2026-12-07 10:00:00Z"): support asks for it with the ids. */
  timestamp?: string;
}

/** The authorization server answered with an OAuth error. */
export class ServerError extends TesseraError {
  readonly error: string;
  readonly errorDescription?: string;
  readonly errorCodes?: number[];
  readonly correlationId?: string;
  readonly traceId?: string;
  readonly status?: number;
  readonly claims?: string;
  readonly suberror?: string;
  readonly timestamp?: string;
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
    this.timestamp = details.timestamp;
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
  /** `cause`: the server's own error (a ServerError with Entra's ids), when it sent one. */
  constructor(message: string, status?: number, code = 'invalid_response', options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** The request never got a usable HTTP answer (DNS, refused, reset, timeout). */
export class NetworkError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'network_error', message, options);
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
