import { ConfidentialClientApplication, type ConfidentialClientOptions } from '@tessera/core';
import { decryptPrivateKey } from './credentials/certificate.js';
import type { NodeHttpClientOptions } from './http/node-http-client.js';
import { withNodeTransport } from './node-client.js';

/** Options of {@link NodeConfidentialClientApplication}: core's, plus the Node transport's. */
export interface NodeConfidentialClientOptions extends ConfidentialClientOptions, NodeHttpClientOptions {}

/** MSAL's environment variable for `azureRegion: "TryAutoDetect"`. */
const REGION_VARIABLE = 'REGION_NAME';

/**
 * A confidential client for Node: the Node transport, encrypted PEM keys decrypted with
 * node:crypto, and the region for `azureRegion: "TryAutoDetect"` read from `REGION_NAME`
 * (as MSAL does; IMDS is not asked).
 */
export class NodeConfidentialClientApplication extends ConfidentialClientApplication {
  constructor(options: NodeConfidentialClientOptions) {
    super({
      decryptPrivateKey,
      environmentRegion: process.env[REGION_VARIABLE] || undefined,
      ...(withNodeTransport(options) as ConfidentialClientOptions),
    });
  }
}
