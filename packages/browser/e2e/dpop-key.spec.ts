// The browser's DPoP key (issue 12) in Chromium: a non-extractable ES256 CryptoKey kept in
// IndexedDB, the same key after a reload, and proofs that verify with the key they carry.
import { type JsonWebKey, verify } from 'node:crypto';
import { expect, openSample, storedDpopKey, test } from './support/e2e.js';

/** Checks a proof's ES256 signature with the key in its header; returns its header and payload. */
function verifyProof(proof: string) {
  const [h, p, sig] = proof.split('.') as [string, string, string];
  const protectedHeader = JSON.parse(Buffer.from(h, 'base64url').toString()) as { typ: string; alg: string; jwk: JsonWebKey };
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: protectedHeader.jwk, format: 'jwk', dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  expect(ok).toBe(true);
  expect(protectedHeader).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
  return { protectedHeader, payload };
}

test('dpop: browserDpop keeps a non-extractable key in IndexedDB and signs proofs with it, across reloads', async ({ idp, app, page }) => {
  const makeProof = async () => {
    const proof = await page.evaluate(async (authority): Promise<string> => {
      const { client, lib } = (window as unknown as { sample: { client: { constructor: unknown }; lib: { browserDpop: unknown } } }).sample;
      const Client = client.constructor as new (o: object) => { dpopHeaders(r: object, q: object): Promise<{ dpop: string }> };
      const dpopClient = new Client({ clientId: 'tessera-spa', authority, dpop: lib.browserDpop });
      const result = { accessToken: 'token', tokenType: 'DPoP', expiresOn: new Date(), scopes: [], fromCache: false };
      return (await dpopClient.dpopHeaders(result, { method: 'GET', url: 'https://api.example/orders?x=1' })).dpop;
    }, idp.issuer);
    const stored = await storedDpopKey(page);
    return { proof, extractable: stored?.extractable ?? true, stored: stored?.cryptoKey ?? false };
  };

  await openSample(page, `${app.origin}/`);
  const first = await makeProof();
  expect(first.stored).toBe(true);
  expect(first.extractable).toBe(false);
  const verified = verifyProof(first.proof);
  expect(verified.payload).toMatchObject({ htm: 'GET', htu: 'https://api.example/orders' });
  expect(typeof verified.payload.ath).toBe('string');

  // A reload (a new client) signs with the same stored key.
  await openSample(page, `${app.origin}/`);
  const second = await makeProof();
  const again = verifyProof(second.proof);
  expect(again.protectedHeader.jwk).toEqual(verified.protectedHeader.jwk);
});
