import { ConfidentialClientApplication, type ConfidentialClientOptions } from '@tessera/core';
import { decryptPrivateKey } from './credentials/certificate.js';
import { NodeHttpClient, type NodeHttpClientOptions } from './http/node-http-client.js';
import { withNodeTransport } from './node-client.js';

/** Options of {@link NodeConfidentialClientApplication}: core's, plus the Node transport's. */
export interface NodeConfidentialClientOptions extends ConfidentialClientOptions, NodeHttpClientOptions {}

/** MSAL's environment variable for `azureRegion: "TryAutoDetect"`. */
const REGION_VARIABLE = 'REGION_NAME';

/**
 * A confidential client for Node: the Node transport, encrypted PEM keys decrypted with
 * node:crypto, and for `azureRegion: "TryAutoDetect"` the region read from `REGION_NAME` (as
 * MSAL Python does: "West US 2" is `westus2`); when it is not set, core asks IMDS (directly, never
 * through a proxy).
 */
export class NodeConfidentialClientApplication extends ConfidentialClientApplication {
  constructor(options: NodeConfidentialClientOptions) {
    super({
      decryptPrivateKey,
      environmentRegion: process.env[REGION_VARIABLE]?.replace(/\s/g, '').toLowerCase() || undefined,
      // IMDS is link-local and unsupported behind a proxy: asked directly, as managed identity does.
      imdsHttpClient: options.azureRegion && !options.httpClient ? new NodeHttpClient({ proxy: false }) : undefined,
      ...(withNodeTransport(options) as ConfidentialClientOptions),
    });
  }
}
