// Transports that refuse to be used: cache-hit measurements must never reach the network. Every
// attempt is also counted, so a library that swallowed the error still fails the run afterwards.
export class NetworkUsedError extends Error {}

let attempts = 0;

export function refuse(library, url) {
  attempts++;
  throw new NetworkUsedError(`${library} tried a network call during a cache-hit benchmark: ${url}`);
}

export const networkAttempts = () => attempts;
