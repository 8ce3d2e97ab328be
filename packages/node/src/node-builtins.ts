/**
 * node:crypto, loaded on first use rather than imported at module top: loading it (and the streams
 * it pulls in) was a sixth of `import('@tessera/node')`, paid by every app, also those that use no
 * file or Redis store, keyring or certificate.
 */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}

/**
 * node:fs, for its synchronous calls. `import … from 'node:fs'` is avoided: in ES modules it reads
 * every export of node:fs, and its stream getters load node:stream at import.
 */
export function nodeFs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs');
}
