// A Node app's DPoP key kept in a file (the `dpop: { key }` option; @tessera/node has no key store of
// its own): a record whose private and public halves come from two different P-256 keys is refused
// with a ConfigurationError before any request, instead of proofs the provider (oidc-provider, with
// DPoP-bound clients) refuses one by one. A record of one key is used and the token bound to it.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, generateDpopKeyPair } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { NodeConfidentialClientApplication } from '../src/index.js';
import { jwtClaims, useDevAuthority, useTempDir } from './credentials-helpers.js';

const APP_ONLY = ['urn:tessera:api/.default'];
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The app's own key file: both halves as JWKs. */
interface KeyRecord {
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

/** What an app's key loader does: reads the record and imports each half. */
const loadPair = (file: string) => async (): Promise<CryptoKeyPair> => {
  const record = JSON.parse(await readFile(file, 'utf8')) as KeyRecord;
  return {
    privateKey: await crypto.subtle.importKey('jwk', record.privateJwk, P256, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', record.publicJwk, P256, true, ['verify']),
  };
};

const exported = async (pair: CryptoKeyPair): Promise<KeyRecord> => ({
  privateJwk: await crypto.subtle.exportKey('jwk', pair.privateKey),
  publicJwk: await crypto.subtle.exportKey('jwk', pair.publicKey),
});

describe('a DPoP key record loaded from a file', () => {
  const idp = useDevAuthority({ dpop: { boundClients: ['tessera-confidential'] } });
  const tmp = useTempDir();
  const app = (key: NonNullable<ConstructorParameters<typeof NodeConfidentialClientApplication>[0]['dpop']>) =>
    new NodeConfidentialClientApplication({
      clientId: idp.current.clients.confidential.clientId,
      clientCredential: idp.current.clients.confidential.clientSecret,
      authority: idp.current.issuer,
      dpop: key,
    });
  const tokenRequests = () => idp.current.requests.filter((r) => r.path === '/token').length;

  it('of one key is used: the token is bound to it', async () => {
    const record = await exported(await generateDpopKeyPair(true));
    const file = join(tmp.path, 'dpop-key.json');
    await writeFile(file, JSON.stringify(record));
    const result = await app({ key: loadPair(file) }).acquireTokenForClient({ scopes: APP_ONLY });
    expect(result.tokenType).toBe('DPoP');
    // RFC 7638 thumbprint of the stored public key.
    const { crv, kty, x, y } = record.publicJwk;
    const jkt = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
    expect((jwtClaims(result.accessToken).cnf as { jkt: string }).jkt).toBe(jkt);
  });

  it('whose halves come from two P-256 keys is refused before any request, naming what to fix; the file is left as it was', async () => {
    const [a, b] = [await exported(await generateDpopKeyPair(true)), await exported(await generateDpopKeyPair(true))];
    const file = join(tmp.path, 'mixed-dpop-key.json');
    const text = JSON.stringify({ privateJwk: a.privateJwk, publicJwk: b.publicJwk });
    await writeFile(file, text);
    idp.current.clearRequests();
    const error = await app({ key: loadPair(file) }).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe('dpop.key: privateKey and publicKey are of two different keys; load both from the same stored key');
    expect((error as Error).message).not.toContain(a.privateJwk.d!);
    expect(tokenRequests()).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(text);

    // A public key made without the `verify` usage is checked all the same.
    const sign = (await crypto.subtle.generateKey(P256, true, ['sign'])) as CryptoKeyPair;
    const other = await generateDpopKeyPair(true);
    const mixed = { privateKey: sign.privateKey, publicKey: other.publicKey };
    await expect(app({ key: mixed }).acquireTokenForClient({ scopes: APP_ONLY })).rejects.toThrow(/of two different keys/);
    const ok = { privateKey: sign.privateKey, publicKey: sign.publicKey };
    expect(sign.publicKey.usages).toEqual([]);
    expect((await app({ key: ok }).acquireTokenForClient({ scopes: APP_ONLY })).tokenType).toBe('DPoP');
  });

  it('a private JWK whose x and y are of another key is refused before any request', async () => {
    const [a, b] = [await exported(await generateDpopKeyPair(true)), await exported(await generateDpopKeyPair(true))];
    idp.current.clearRequests();
    const error = await app({ key: { ...a.privateJwk, x: b.publicJwk.x, y: b.publicJwk.y } }).acquireTokenForClient({ scopes: APP_ONLY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^dpop\.key: the private P-256 JWK could not be imported \(.*\); check that x, y and d are its base64url members, all of one key$/);
    expect(tokenRequests()).toBe(0);
  });
});
