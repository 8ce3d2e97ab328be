import { type AuthenticationResult, type ClientApplicationOptions, PublicClientApplication, type RetryOptions } from '@tessera/core';
import { type DeviceCodeOptions, acquireTokenByDeviceCode } from './device-code.js';
import { type NodeHttpClientOptions, createNodeHttpClient } from './http/node-http-client.js';
import { type InteractiveOptions, acquireTokenInteractive } from './interactive/acquire-token-interactive.js';

export interface NodePublicClientOptions extends ClientApplicationOptions, NodeHttpClientOptions {}

/** Who calls, for Entra's x-client-SKU/VER/OS headers: @tessera/node at its own package.json version (put in at build time). */
export const NODE_LIBRARY_INFO = { sku: 'tessera.js.node', version: '0.0.0-tessera-package-version' as string, os: process.platform } as const;

/**
 * Core's options with the Node transport: `proxy`, `noProxy`, `ca` and `timeoutMs` configure it
 * (`timeoutMs` also bounds each attempt of core's retry policy); an `httpClient` replaces it.
 */
export function withNodeTransport(options: NodePublicClientOptions): ClientApplicationOptions {
  const { proxy, noProxy, ca, timeoutMs, maxResponseBytes, httpClient, retry, ...rest } = options;
  return {
    libraryInfo: NODE_LIBRARY_INFO,
    ...rest,
    httpClient: createNodeHttpClient({ proxy, noProxy, ca, timeoutMs, maxResponseBytes, httpClient }),
    retry: retryWithTimeout(retry, timeoutMs),
  };
}

/** `timeoutMs` of the Node transport also bounds each attempt of core's retry policy (unless retries are off). */
export function retryWithTimeout(retry: RetryOptions | false | undefined, timeoutMs: number | undefined): RetryOptions | false | undefined {
  return retry === false || timeoutMs === undefined ? retry : { timeoutMs, ...retry };
}

/** A public client for Node: the Node transport, browser sign-in over a loopback redirect, and the device code flow. */
export class NodePublicClientApplication extends PublicClientApplication {
  constructor(options: NodePublicClientOptions) {
    super(withNodeTransport(options));
  }

  /** Signs the user in with the system browser over a loopback redirect (auth code + PKCE); see acquireTokenInteractive. */
  acquireTokenInteractive(options: InteractiveOptions): Promise<AuthenticationResult> {
    return acquireTokenInteractive(this, options);
  }

  /** Signs the user in with the device code flow, prompting through `onPrompt` (default: stderr); see acquireTokenByDeviceCode. */
  acquireTokenByDeviceCode(options: DeviceCodeOptions): Promise<AuthenticationResult> {
    return acquireTokenByDeviceCode(this, options);
  }
}
