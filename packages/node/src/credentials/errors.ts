import { ConfigurationError, TesseraError } from '@tessera/core';

/**
 * The credential cannot even try in this environment (no cached account, no code to redeem,
 * missing configuration). ChainedTokenCredential moves on to its next source only on this error.
 */
export class CredentialUnavailableError extends TesseraError {
  /** The errors of each source when a ChainedTokenCredential found none available. */
  readonly errors: readonly Error[];
  constructor(message: string, options: { cause?: unknown; errors?: readonly Error[]; code?: string } = {}) {
    super(options.code ?? 'credential_unavailable', message, { cause: options.cause });
    this.errors = options.errors ?? [];
  }
}

/**
 * Signing the user in needs interaction the credential may not start on its own
 * (`disableAutomaticAuthentication`), or cannot start again (a spent authorization code).
 * It is a CredentialUnavailableError so that a chain tries its next source, as in @azure/identity.
 */
export class AuthenticationRequiredError extends CredentialUnavailableError {
  /** The scopes the sign-in is needed for (pass them to `authenticate`). */
  readonly scopes: readonly string[];
  constructor(message: string, scopes: readonly string[], cause?: unknown) {
    super(message, { cause, code: 'authentication_required' });
    this.scopes = scopes;
  }
}

/** getToken asked for a tenant the credential was not configured to reach. Raised before any request. */
export class TenantNotAllowedError extends ConfigurationError {
  /** The tenant that was refused. */
  readonly tenantId: string;
  constructor(tenantId: string) {
    super(
      `The credential is not configured to acquire tokens for tenant "${tenantId}". To allow it, add the tenant to ` +
        '`additionallyAllowedTenants` in the credential options, or add "*" to allow any tenant the application can access.',
      'tenant_not_allowed',
    );
    this.tenantId = tenantId;
  }
}

/**
 * A token source answered and refused (a managed identity endpoint, an authority): unlike
 * CredentialUnavailableError, the source is there, so a chain stops and reports this error.
 * The message carries the server's own error text with any secret the request held redacted.
 */
export class AuthenticationError extends TesseraError {
  /** HTTP status of the refusal; undefined when the answer could not be used at all. */
  readonly statusCode?: number;
  /** The server's error fields, redacted, when its body had them. */
  readonly errorResponse?: {
    /** The OAuth `error` value. */
    error: string;
    /** The server's `error_description`. */
    errorDescription?: string;
  };
  constructor(
    message: string,
    options: { statusCode?: number; errorResponse?: { error: string; errorDescription?: string }; cause?: unknown; code?: string } = {},
  ) {
    super(options.code ?? 'authentication_failed', message, { cause: options.cause });
    this.statusCode = options.statusCode;
    this.errorResponse = options.errorResponse;
  }
}

/**
 * No credential of a chain (ChainedTokenCredential, DefaultAzureCredential) could give a token:
 * `errors` holds each one's reason, in order, and the message lists them by credential name.
 * A CredentialUnavailableError, so that a chain nested in another moves on.
 */
export class AggregateAuthenticationError extends CredentialUnavailableError {
  constructor(message: string, errors: readonly Error[]) {
    super(message, { errors });
  }
}

/** `error.name` of a CredentialUnavailableError (its subclasses have their own names), as @azure/identity exports it. */
export const CredentialUnavailableErrorName = 'CredentialUnavailableError';
/** `error.name` of an AuthenticationError, as @azure/identity exports it. */
export const AuthenticationErrorName = 'AuthenticationError';
/** `error.name` of an AggregateAuthenticationError, as @azure/identity exports it. */
export const AggregateAuthenticationErrorName = 'AggregateAuthenticationError';
