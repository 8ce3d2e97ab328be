// A DPoP resource server for tests (RFC 9449 7): jose checks the proofs, not Tessera's code.
import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbeddedJWK, calculateJwkThumbprint, decodeJwt, jwtVerify } from 'jose';
import { expect } from 'vitest';

/**
 * A resource server that accepts DPoP tokens only, verifying proofs with jose, and demands its own
 * nonce. `publicOrigin`: the origin clients reach it at (behind a front door), for the `htu` check.
 */
export function startResourceServer(publicOrigin?: () => string) {
  const nonce = 'rs-nonce-1';
  const seen: Array<{ nonce?: unknown; ok: boolean }> = [];
  const server: Server = createServer(async (req, res) => {
    const url = `${publicOrigin?.() ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`}${req.url}`;
    try {
      const [scheme, token] = (req.headers.authorization ?? '').split(' ');
      if (scheme !== 'DPoP' || !token) throw new Error('not DPoP');
      const { payload, protectedHeader } = await jwtVerify(String(req.headers.dpop), EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      expect(payload.htm).toBe(req.method);
      expect(payload.htu).toBe(url.split('?')[0]);
      expect(payload.ath).toBe(createHash('sha256').update(token).digest('base64url'));
      expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe((decodeJwt(token).cnf as { jkt: string }).jkt);
      if (payload.nonce !== nonce) {
        seen.push({ nonce: payload.nonce, ok: false });
        res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"', 'dpop-nonce': nonce }).end();
        return;
      }
      seen.push({ nonce: payload.nonce, ok: true });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'dpop' }));
    } catch (error) {
      seen.push({ ok: false });
      res.writeHead(401, { 'www-authenticate': 'DPoP error="invalid_token"' }).end(String(error));
    }
  });
  return { server, seen };
}
