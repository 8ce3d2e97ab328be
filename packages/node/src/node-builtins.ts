// Node built-ins that only some features use, loaded on first use (process.getBuiltinModule, or
// import() where the caller is async) rather than imported at module top, where every app would pay
// for them in `import('@tessera/node')` (budget: 30 ms).

/**
 * node:crypto, loaded on first use rather than imported at module top: loading it (and the streams
 * it pulls in) was a sixth of `import('@tessera/node')`, paid by every app, also those that use no
 * file or Redis store, keyring or certificate.
 */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}

/** The user's home folder; node:os loads on first use (importing it took ~1 ms of the package's import). */
export function homedir(): string {
  return process.getBuiltinModule('node:os').homedir();
}

/**
 * node:fs, for its synchronous calls. `import ... from 'node:fs'` is avoided: in ES modules it reads
 * every export of node:fs, and its stream getters load node:stream at import.
 */
export function nodeFs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs');
}
