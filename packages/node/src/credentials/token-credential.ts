// The TokenCredential contract of @azure/core-auth, restated structurally so that Azure SDK
// clients accept our credentials (and ours accept theirs) without depending on @azure packages.

/** What Azure's AbortSignalLike requires; a WHATWG AbortSignal satisfies it. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: any) => any, options?: any): void;
  removeEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: any) => any, options?: any): void;
}

export interface GetTokenOptions {
  abortSignal?: AbortSignalLike;
  requestOptions?: {
    /** Milliseconds before the request is abandoned. */
    timeout?: number;
  };
  /** Accepted for compatibility; Tessera does not trace. */
  tracingOptions?: { tracingContext?: unknown };
  /** A claims challenge (JSON) from a resource, e.g. after a CAE 401. */
  claims?: string;
  /** Ask for a CAE token: the request declares the `CP1` client capability. */
  enableCae?: boolean;
  /** Another tenant than the credential's; must be allowed by `additionallyAllowedTenants`. */
  tenantId?: string;
  /** Proof-of-possession tokens are not supported: a request for one fails. */
  proofOfPossessionOptions?: { nonce: string; resourceRequestMethod: string; resourceRequestUrl: string };
}

export interface AccessToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When the token should be renewed ahead of expiry (Entra's refresh_in), ms since the epoch. */
  refreshAfterTimestamp?: number;
  tokenType?: 'Bearer' | 'pop';
}

export interface TokenCredential {
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}
