// Encrypted token cache persistence on a session bus without a Secret Service (a Linux server or
// container): a clear error, or plain JSON when the user opts in. Its own file: the keyring binding
// keeps the D-Bus connection of the first bus it meets for the whole process.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CacheStoreUnavailableError } from '../src/index.js';
import { useDevAuthority, useTempDir } from './credentials-helpers.js';
import { persistentCredential, secretServiceMissing, useSessionBus } from './support/secret-service.js';

const SCOPE = 'api.read';

describe.skipIf(secretServiceMissing() !== undefined)('token cache persistence without a Secret Service', () => {
  const idp = useDevAuthority();
  const tmp = useTempDir();
  useSessionBus({ keyring: false });
  const credential = (name: string, extra?: { unsafeAllowUnencryptedStorage?: boolean }) => persistentCredential(idp.current, tmp.path, name, extra);
  const cacheFile = (name: string) => join(tmp.path, `${name}.nocae.json`);
  const tokenRequests = () => idp.current.countRequests({ grantType: 'client_credentials' });

  it('fails clearly without a Secret Service, and writes nothing', async () => {
    const error = await credential('nobody').getToken(SCOPE).catch((e) => e);
    expect(error).toBeInstanceOf(CacheStoreUnavailableError);
    expect(error.message).toMatch(/OS secret store, which cannot be used here: .*run a Secret Service.*unsafeAllowUnencryptedStorage: true/s);
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('nobody'))).toEqual([]);
  });

  it('stores plain JSON without a Secret Service only with unsafeAllowUnencryptedStorage, and warns', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const token = await credential('plain', { unsafeAllowUnencryptedStorage: true }).getToken(SCOPE);
    const onDisk = await readFile(cacheFile('plain'), 'utf8');
    expect(onDisk).toContain(token.token);
    expect(warning).toHaveBeenCalledWith(expect.stringContaining('stored unencrypted'), expect.anything());
    warning.mockRestore();
    idp.current.clearRequests();
    expect((await credential('plain', { unsafeAllowUnencryptedStorage: true }).getToken(SCOPE)).token).toBe(token.token);
    expect(tokenRequests()).toBe(0);
  });

});
