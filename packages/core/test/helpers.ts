import { startDevAuthority, type DevAuthority, type DevAuthorityOptions } from '@tessera/dev-authority';
import { afterAll, beforeAll } from 'vitest';
import { clearMetadataCache } from '../src/index.js';

/** Starts a real dev authority for the enclosing describe block. */
export function useDevAuthority(options: DevAuthorityOptions = {}): { readonly current: DevAuthority } {
  const holder = {} as { current: DevAuthority };
  beforeAll(async () => {
    holder.current = await startDevAuthority(options);
    clearMetadataCache();
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}

/** A loopback redirect URI for the native client; nothing listens there, the driver stops before it. */
export const LOOPBACK_REDIRECT = 'http://127.0.0.1:53682/';
