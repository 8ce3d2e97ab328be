// A provider moves its keys to another jwks_uri: the dev authority (issuer: a loopback proxy's
// origin) is restarted with a new signing key, and the proxy's discovery document names the new
// URI from then on, while the old URI still serves the old key (a copy left behind). After the
// document ages out (METADATA_MAX_AGE_SECONDS; the client's clock is injected, tokens live three
// days), ID tokens must verify against the new URI's keys, and a token signed with the key that is
// only at the old URI (replayed by the proxy: someone holding the retired key) must be refused,
// although the verifier still has the old set cached.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevAuthority, type DevAuthority } from '@tessera/dev-authority';
import { afterEach, describe, expect, it } from 'vitest';
import { METADATA_MAX_AGE_SECONDS, PublicClientApplication, ValidationError, clearMetadataCache, jwksSignatureVerifier } from '../src/index.js';

const DISCOVERY = '/.well-known/openid-configuration';
const NEW_JWKS = '/keys/v2';

/**
 * A loopback proxy in front of the dev authority (keeping the Host header, as the dev authority
 * builds its URLs from it). It records the paths asked, the old JWKS and the first token response;
 * once `moved`, discovery names NEW_JWKS (served by the dev authority's JWKS), the old jwks_uri
 * serves the recorded old JWKS, and with `replayToken` the token endpoint answers the recorded response.
 */
async function startProxy() {
  const state = { port: 0, moved: false, replayToken: false, paths: [] as string[], oldJwks: '', firstToken: '' };
  const server: Server = createServer((req, res) => {
    const path = req.url!.split('?')[0]!;
    state.paths.push(path);
    if (state.moved && path === '/jwks') return void res.writeHead(200, { 'content-type': 'application/json' }).end(state.oldJwks);
    if (state.replayToken && path === '/token') return void res.writeHead(200, { 'content-type': 'application/json' }).end(state.firstToken);
    const upstream = request({ host: '127.0.0.1', port: state.port, method: req.method, path: state.moved && path === NEW_JWKS ? '/jwks' : req.url, headers: req.headers }, (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => (body += chunk));
      answer.on('end', () => {
        if (path === '/jwks' && !state.moved) state.oldJwks = body;
        if (path === '/token' && !state.firstToken) state.firstToken = body;
        if (path === DISCOVERY && state.moved) body = JSON.stringify({ ...JSON.parse(body), jwks_uri: `${origin}${NEW_JWKS}` });
        const headers = { ...answer.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        res.writeHead(answer.statusCode ?? 502, headers).end(body);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin, state, close };
}

describe('jwksSignatureVerifier: a moved jwks_uri', () => {
  let idp: DevAuthority | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  afterEach(async () => {
    await idp?.close();
    await proxy?.close();
  });

  it('after the document ages out, tokens verify against the new URI and the key left at the old one is no longer trusted', async () => {
    proxy = await startProxy();
    const options = { issuer: proxy.origin, idTokenTtl: 3 * 86_400 };
    idp = await startDevAuthority(options);
    proxy.state.port = idp.port;
    clearMetadataCache();
    const clock = { offset: 0 };
    const app = new PublicClientApplication({
      clientId: idp.clients.native.clientId,
      authority: proxy.origin,
      now: () => Math.floor(Date.now() / 1000) + clock.offset,
      idTokenSignatureVerifier: jwksSignatureVerifier,
    });
    const signIn = (username: string) => app.acquireTokenByUsernamePassword({ scopes: ['api.read'], username, password: 'pw' });
    const asked = (path: string) => proxy!.state.paths.filter((p) => p === path).length;

    expect((await signIn('ada')).idTokenClaims?.sub).toBe('ada');
    expect(asked('/jwks')).toBe(1);

    // The provider moves its keys: a new signing key, published only at the new URI.
    const { port } = idp;
    await idp.close();
    idp = await startDevAuthority({ ...options, port });
    proxy.state.moved = true;

    // A day later the document has aged: fetched again, it names the new URI, whose keys verify the new token.
    clock.offset = METADATA_MAX_AGE_SECONDS + 60;
    expect((await signIn('bob')).idTokenClaims?.sub).toBe('bob');
    expect(asked(DISCOVERY)).toBe(2);
    expect(asked(NEW_JWKS)).toBe(1);
    expect(asked('/jwks')).toBe(1);

    // A token signed with the retired key (at the old URI only, and still in the verifier's cache): refused.
    proxy.state.replayToken = true;
    const error = await signIn('ada').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'invalid_signature', message: 'The ID token is signed with a key the issuer does not publish' });
    // Checked against the new URI (fetched again for the unknown kid), never against the old one.
    expect(asked(NEW_JWKS)).toBe(2);
    expect(asked('/jwks')).toBe(1);
  });
});
