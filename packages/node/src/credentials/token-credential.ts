// The TokenCredential contract of @azure/core-auth, restated structurally so that Azure SDK
// clients accept our credentials (and ours accept theirs) without depending on @azure packages.

/** What Azure's AbortSignalLike requires; a WHATWG AbortSignal satisfies it. */
export interface AbortSignalLike {
  /** Whether the signal has fired. */
  readonly aborted: boolean;
  /** Why it fired. */
  readonly reason?: unknown;
  /** Registers an abort listener. */
  addEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: any) => any, options?: any): void;
  /** Removes an abort listener. */
  removeEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: any) => any, options?: any): void;
}

/** Options of getToken, as @azure/core-auth defines them. */
export interface GetTokenOptions {
  /** Aborts the call (AbortError). */
  abortSignal?: AbortSignalLike;
  /** Per-request settings. */
  requestOptions?: {
    /** Milliseconds before the request is abandoned. */
    timeout?: number;
  };
  /** Accepted for compatibility; Tessera does not trace. */
  tracingOptions?: {
    /** Ignored. */
    tracingContext?: unknown;
  };
  /** A claims challenge (JSON) from a resource, e.g. after a CAE 401. */
  claims?: string;
  /** Ask for a CAE token: the request declares the `CP1` client capability. */
  enableCae?: boolean;
  /** Another tenant than the credential's; must be allowed by `additionallyAllowedTenants`. */
  tenantId?: string;
  /** Proof-of-possession tokens are not supported: a request for one fails. */
  proofOfPossessionOptions?: {
    /** The resource's PoP nonce. */
    nonce: string;
    /** The HTTP method of the resource request. */
    resourceRequestMethod: string;
    /** The URL of the resource request. */
    resourceRequestUrl: string;
  };
}

/** A token getToken returns, as @azure/core-auth defines it. */
export interface AccessToken {
  /** The access token to send as `Authorization: Bearer <token>`. */
  token: string;
  /** Milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When the token should be renewed ahead of expiry (Entra's refresh_in), ms since the epoch. */
  refreshAfterTimestamp?: number;
  /** Always `Bearer` from Tessera. */
  tokenType?: 'Bearer' | 'pop';
}

/** Anything that hands out access tokens: every Azure SDK client takes one. */
export interface TokenCredential {
  /** An access token for the scopes, or null when the credential has none (Azure SDK clients then fail). */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}
