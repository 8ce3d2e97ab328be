// Transports that refuse to be used: cache-hit measurements must never reach the network.
export class NetworkUsedError extends Error {}

export function refuse(library, url) {
  throw new NetworkUsedError(`${library} tried a network call during a cache-hit benchmark: ${url}`);
}
