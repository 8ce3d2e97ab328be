import type { AuthenticationResult, DeviceCodeFlow, PublicClientApplication, RequestOptions } from '@tessera/core';
import { terminalSafe } from './terminal-text.js';

/** Options of acquireTokenByDeviceCode. */
export interface DeviceCodeOptions extends RequestOptions {
  /** Scopes to request. */
  scopes: string | string[];
  /**
   * Shows the user where to go and which code to enter; polling starts when it returns.
   * Default: writes the provider's message to stderr, cleaned of terminal control sequences.
   */
  onPrompt?: (flow: DeviceCodeFlow) => void | Promise<void>;
}

/** The device code flow (RFC 8628) for devices without a browser: prompt, then poll until approved. */
export async function acquireTokenByDeviceCode(app: PublicClientApplication, options: DeviceCodeOptions): Promise<AuthenticationResult> {
  const { onPrompt = printPrompt, ...request } = options;
  const flow = await app.initiateDeviceFlow(request);
  await onPrompt(flow);
  return app.acquireTokenByDeviceFlow(flow, request);
}

function printPrompt(flow: DeviceCodeFlow): void {
  // Server text on the user's terminal: no escape sequences (clear screen, title, clipboard writes), controls or bidi overrides.
  process.stderr.write(`${terminalSafe(flow.message)}\n`);
}
