// The options every client (core's and @tessera/browser's) checks when it is built. Its own module:
// the browser bundle takes this schema without ClientApplication's flows and their option schemas.
import * as z from '../http/zod.js';
import { checkOptions, nonEmpty, oneOf } from '../http/schemas.js';

const strings = z.optional(z.array(z.string('expected a string')));
/** The options every client checks when it is built (its own fields; the rest pass through). */
const clientOptionsSchema = z.object(
  {
    clientId: nonEmpty('expected the application (client) id registered with the provider, a non-empty string'),
    authority: z.optional(z.string('expected the authority URL as a string')),
    oidcAuthority: z.optional(z.string('expected the issuer URL as a string')),
    knownEntraHosts: strings,
    clientCapabilities: strings,
    excludeScopes: strings,
    authorityMetadata: z.optional(z.string('expected the discovery document as a JSON string')),
    clockSkewSeconds: z.optional(z.custom<number>((v) => typeof v === 'number' && v >= 0, 'expected seconds (a number, 0 or more)')),
    cachePartitioning: z.optional(oneOf(['single', 'perKey'], 'expected "single" or "perKey"')),
    instanceDiscovery: z.optional(z.boolean('expected true or false')),
    validateAuthority: z.optional(z.boolean('expected true or false')),
  },
  'expected an options object with at least clientId',
);
/** Checks a client's options (clientId and the shared settings); ConfigurationError names the wrong one. */
export function checkClientOptions<T>(options: T): T {
  return checkOptions(clientOptionsSchema, options, 'Client configuration');
}

