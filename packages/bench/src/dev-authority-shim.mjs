// The peers (MSAL, @azure/identity) accept only https:// authorities; the dev authority listens on
// plain http://127.0.0.1. This shim is the peers' transport: it sends each request to the dev
// authority over http on loopback (https://127.0.0.1:PORT/... -> http://127.0.0.1:PORT/...), and
// serves any `.well-known/openid-configuration` path from the dev authority's own discovery
// document with its URLs made https. Token requests still reach the dev authority, which counts
// them (countRequests({ grantType: 'client_credentials' })); the shim counts them too, as a check.
// Each peer adapter wraps `send` in its library's own transport interface (no other change).

export class DevAuthorityShim {
  constructor(idp) {
    this.idp = idp;
    this.httpOrigin = idp.issuer; // http://127.0.0.1:PORT
    this.httpsOrigin = idp.issuer.replace(/^http:/, 'https:');
    this.tokenRequests = 0;
  }

  /** The dev authority's discovery document with https URLs, for `authorityMetadata`. */
  async metadata() {
    const response = await fetch(`${this.httpOrigin}/.well-known/openid-configuration`);
    return (await response.text()).replaceAll(this.httpOrigin, this.httpsOrigin);
  }

  /** { method, url, headers, body } -> { status, headers (lower-case names), body } */
  async send({ method, url, headers = {}, body }) {
    if (!url.startsWith(this.httpsOrigin)) throw new Error(`shim: unexpected request outside the dev authority: ${method} ${url}`);
    if (/\/\.well-known\/openid-configuration$/.test(new URL(url).pathname)) {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: await this.metadata() };
    }
    const target = this.httpOrigin + url.slice(this.httpsOrigin.length);
    if (method === 'POST' && /grant_type=client_credentials/.test(String(body))) this.tokenRequests++;
    const response = await fetch(target, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: Object.fromEntries(response.headers), body: text.replaceAll(this.httpOrigin, this.httpsOrigin) };
  }
}
