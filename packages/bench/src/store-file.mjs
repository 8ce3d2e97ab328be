// Cache-store adapter: @tessera/node FileCacheStore on a temporary folder (cross-process file lock).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { missingExport } from './versions.mjs';

export const library = { name: 'FileCacheStore', packageName: '@tessera/node' };

export const pending = () => missingExport('@tessera/node', 'FileCacheStore');

/** Parent: a fresh folder; returns what the writers need and how to clean up. */
export async function setup() {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  return { config: { directory }, teardown: async () => rmSync(directory, { recursive: true, force: true }), describe: `a file in ${tmpdir()}` };
}

/** Writer (child process): its own store instance. */
export async function open({ directory }) {
  const { FileCacheStore } = await import('@tessera/node');
  const store = new FileCacheStore({ directory, name: 'bench', allowUnencryptedStorage: true });
  return { store, close: async () => undefined };
}
