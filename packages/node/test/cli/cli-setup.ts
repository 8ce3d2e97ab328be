import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DevAuthority, DevAuthorityOptions } from '@tessera/dev-authority';
import { afterAll, beforeAll } from 'vitest';
import { useDevAuthority } from '../../../core/test/helpers.js';

/**
 * A dev authority and a temporary folder for the enclosing describe block; `flags(file)` are the
 * options that point the CLI at both (the cache file: a path in that folder, or absolute).
 */
export function useCliSetup(options?: DevAuthorityOptions): { readonly idp: DevAuthority; readonly home: string; flags(cacheFile: string): string[] } {
  const authority = useDevAuthority(options);
  let home = '';
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  return {
    get idp() {
      return authority.current;
    },
    get home() {
      return home;
    },
    flags: (cacheFile) => ['--authority', authority.current.issuer, '--client-id', authority.current.clients.native.clientId, '--cache-file', resolve(home, cacheFile)],
  };
}
