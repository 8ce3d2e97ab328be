// Plays Microsoft's identity hosts on 127.0.0.1 for shapes no local product serves: Entra clouds
// (public, sovereign), Azure AD B2C (`<t>.b2clogin.com`, policy paths, `tfp`), External ID
// (`<t>.ciamlogin.com`), instance discovery and its `invalid_instance` refusal, and Entra's error
// bodies (AADSTS text, error_codes, timestamp, trace_id, correlation_id). Requests keep their https
// host name: `stubRouting` sends them here with the host in `x-stub-host`, so discovery documents,
// issuers and endpoints carry the real host names. Shapes follow Microsoft's documentation where it
// says; elsewhere msal-node's handling (noted below). Browsers reach it through Playwright routes
// (packages/browser/e2e/support/entra.ts): the authorize endpoint redirects back with a code, and
// SPA codes are redeemed only cross-origin and with the PKCE verifier, as Entra requires.
import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FetchHttpClient, type HttpClient, clearMetadataCache } from '../../src/index.js';
import { base64UrlEncode, sha256Base64Url } from '../../src/crypto/encoding.js';

export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const OID = '9f4880d8-80ba-4c40-97bc-f7a23c703084';
export const EMAIL = 'ada@contoso.com';

/** Hosts Entra's instance discovery accepts (its built-in clouds and one private cloud). */
const ENTRA_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login-us.microsoftonline.com',
  'login.partner.microsoftonline.cn',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg',
  'login.private-cloud.example',
]);
/** Tenants the Entra hosts know. */
const TENANTS = new Set([TID, 'contoso.onmicrosoft.com', 'common', 'organizations', 'consumers']);

export interface SeenRequest {
  method: string;
  host: string;
  path: string;
  query: URLSearchParams;
  body: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface EntraCloudsStub {
  seen: SeenRequest[];
  /** An HttpClient that sends every https request to the stub, keeping the host name. */
  http: HttpClient;
  /** Where the stub listens (http://127.0.0.1:port); send a request there with its https host in `x-stub-host`. */
  origin: string;
  /** Refresh tokens the stub refuses from now on (`invalid_grant`, as Entra answers a revoked grant). */
  revoked: Set<string>;
  /** Hosts instance discovery refuses from now on (`invalid_instance`), as Entra does for a cloud it no longer serves. */
  withdrawn: Set<string>;
  close(): Promise<void>;
}

/** What the authorize endpoint remembers of a code it issued, to check its redemption. */
interface IssuedCode {
  nonce: string;
  challenge: string;
  redirectUri: string;
  /** The authority path the code was issued at (a B2C policy's code is redeemed at that policy). */
  base: string;
}

/**
 * An Entra error answer. Entra names the request by the `client-request-id` the client sent (header
 * or query), or by its own id when none came.
 */
function entraError(status: number, error: string, description: string, code: number, correlationId = '6f1d2c3b-0000-4000-8000-000000000002') {
  return {
    status,
    body: {
      error,
      error_description: `${description}\r\nTrace ID: 0b5f4c1e-1c2d-4e5f-8a9b-000000000001\r\nCorrelation ID: ${correlationId}\r\nTimestamp: 2026-12-07 10:00:00Z`,
      error_codes: [code],
      timestamp: '2026-12-07 10:00:00Z',
      trace_id: '0b5f4c1e-1c2d-4e5f-8a9b-000000000001',
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

export async function startEntraCloudsStub(): Promise<EntraCloudsStub> {
  const { privateKey } = await generateKeyPair('RS256');
  const seen: SeenRequest[] = [];
  const codes = new Map<string, IssuedCode>();
  const revoked = new Set<string>();
  const withdrawn = new Set<string>();
  let issued = 0;

  const idToken = (issuer: string, nonce: string | undefined, claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, nonce })
      .setProtectedHeader({ alg: 'RS256', kid: 'stub' })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
  };
  const clientInfo = (uid: string) => base64UrlEncode(new TextEncoder().encode(JSON.stringify({ uid, utid: TID })));

  /** What a host serves: a discovery document for a path, and the ID token it issues there. */
  const route = (host: string, path: string, requestId?: string): { doc?: Record<string, unknown>; error?: { status: number; body: unknown } } => {
    const https = `https://${host}`;
    const endpoints = (base: string) => ({
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    });
    if (host.endsWith('.b2clogin.com') || host === 'login.contoso.com') {
      // B2C serves metadata per policy, only under .../<policy>/v2.0 (with or without `tfp/`); its
      // issuer holds the tenant GUID, not the name, and ends with a slash (Azure AD B2C token reference).
      const m = /^\/(?:tfp\/)?([^/]+)\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i.exec(path);
      if (!m) return { error: { status: 404, body: 'The resource you are looking for has been removed' } };
      return { doc: { issuer: `${https}/${TID}/v2.0/`, ...endpoints(`${https}/${m[1]}/${m[2]}`) } };
    }
    if (host.endsWith('.ciamlogin.com')) {
      // External ID: discovery under /<tenant>/v2.0 (domain or GUID); the issuer host is the tenant GUID's.
      const m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (!m) return { error: { status: 404, body: { error: 'not_found' } } };
      return { doc: { issuer: `https://${TID}.ciamlogin.com/${TID}/v2.0`, ...endpoints(`${https}/${TID}`) } };
    }
    if (ENTRA_HOSTS.has(host)) {
      const m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (!m) return { error: { status: 404, body: { error: 'not_found' } } };
      const tenant = m[1]!;
      if (!TENANTS.has(tenant)) {
        return {
          error: entraError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, 90002, requestId),
        };
      }
      const issuerTenant = ['common', 'organizations', 'consumers'].includes(tenant) ? '{tenantid}' : TID;
      return { doc: { issuer: `${https}/${issuerTenant}/v2.0`, ...endpoints(`${https}/${tenant}`) } };
    }
    // A look-alike host: answers like a plain OpenID provider for whatever it is asked.
    return { doc: { issuer: `${https}${path.replace(/\/(v2\.0\/)?\.well-known\/openid-configuration$/, '')}`, ...endpoints(`${https}/x`) } };
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const host = String(req.headers['x-stub-host'] ?? '');
      const url = new URL(req.url!, `https://${host}`);
      const body = new URLSearchParams(raw);
      const requestId = (req.headers['client-request-id'] as string | undefined) ?? url.searchParams.get('client-request-id') ?? undefined;
      seen.push({ method: req.method!, host, path: url.pathname, query: url.searchParams, body, headers: req.headers });
      // Entra's discovery and token endpoints answer browsers' cross-origin requests (CORS).
      const cors = { 'access-control-allow-origin': '*' };
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { ...cors, 'content-type': typeof payload === 'string' ? 'text/html' : 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '') });
        return res.end();
      }
      if (host === 'login.microsoftonline.com' && url.pathname === '/common/discovery/instance') {
        // Instance discovery: known clouds get their metadata; anything else invalid_instance (AADSTS50049).
        const endpoint = new URL(url.searchParams.get('authorization_endpoint') ?? 'https://invalid.invalid');
        if (!ENTRA_HOSTS.has(endpoint.host) || withdrawn.has(endpoint.host)) {
          const e = entraError(400, 'invalid_instance', 'AADSTS50049: Unknown or invalid instance.', 50049, requestId);
          return send(e.status, e.body);
        }
        return send(200, {
          tenant_discovery_endpoint: `https://${endpoint.host}/${endpoint.pathname.split('/')[1]}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: endpoint.host, preferred_cache: endpoint.host, aliases: [endpoint.host] }],
        });
      }
      if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        const r = route(host, url.pathname, requestId);
        return r.doc ? send(200, r.doc) : send(r.error!.status, r.error!.body);
      }
      const authorize = /^(\/.*)\/oauth2\/v2\.0\/authorize$/.exec(url.pathname);
      if (authorize) {
        // The user signs in at once: a code for this request, back to redirect_uri. An SPA's request
        // must carry a PKCE S256 challenge (Microsoft identity platform: SPAs use the code flow with PKCE).
        const q = url.searchParams;
        const redirectUri = q.get('redirect_uri') ?? '';
        if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !/^http:\/\/127\.0\.0\.1:\d+\//.test(redirectUri)) {
          return send(400, 'AADSTS50011 / AADSTS900144: bad authorization request');
        }
        const code = `spa.${randomBytes(16).toString('hex')}`;
        codes.set(code, { nonce: q.get('nonce') ?? '', challenge: q.get('code_challenge')!, redirectUri, base: authorize[1]! });
        const response = new URLSearchParams({ code, state: q.get('state') ?? '' });
        res.writeHead(302, { location: `${redirectUri}${q.get('response_mode') === 'query' ? '?' : '#'}${response}` });
        return res.end();
      }
      const token = /^(\/.*)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (token) {
        const code = body.get('code');
        const spa = code === null ? undefined : codes.get(code);
        if (code === 'bad-code' || (code?.startsWith('spa.') && !spa)) {
          const e = entraError(400, 'invalid_grant', 'AADSTS70000: The provided value for the code parameter is not valid.', 70000, requestId);
          return send(e.status, e.body);
        }
        if (spa) {
          codes.delete(code!);
          if (!req.headers.origin) {
            const e = entraError(400, 'invalid_request', "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.", 9002327, requestId);
            return send(e.status, e.body);
          }
          const verifier = body.get('code_verifier') ?? '';
          if (spa.base !== token[1] || spa.redirectUri !== body.get('redirect_uri') || (await sha256Base64Url(verifier)) !== spa.challenge) {
            const e = entraError(400, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.', 501481, requestId);
            return send(e.status, e.body);
          }
        }
        const refreshToken = body.get('refresh_token');
        if (refreshToken !== null && revoked.has(refreshToken)) {
          const e = entraError(400, 'invalid_grant', 'AADSTS50173: The provided grant has expired due to it being revoked.', 50173, requestId);
          return send(e.status, e.body);
        }
        // The stub keeps no sessions for core's tests: their code `code.<nonce>` carries the nonce.
        const nonce = spa ? spa.nonce : code?.startsWith('code.') ? code.slice(5) : undefined;
        if (body.get('grant_type') === 'client_credentials') {
          return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `app-token-${host}` });
        }
        issued++;
        const base = { token_type: 'Bearer', scope: 'https://api.contoso.com/read', expires_in: 3600, access_token: `user-token-${issued}`, refresh_token: `rt-${issued}` };
        const b2c = host.endsWith('.b2clogin.com') || host === 'login.contoso.com';
        if (b2c) {
          // B2C: the policy is the last segment before /oauth2; client_info's uid is `<oid>-<policy>`
          // in lower case (what MSAL keys B2C accounts by); no preferred_username, the address in `emails`.
          const policy = token[1]!.split('/').at(-1)!;
          const issuer = `https://${host}/${TID}/v2.0/`;
          const id = await idToken(issuer, nonce, { sub: OID, oid: OID, tid: TID, tfp: policy, emails: [EMAIL], name: 'Ada', ver: '1.0' });
          return send(200, { ...base, id_token: id, client_info: clientInfo(`${OID}-${policy.toLowerCase()}`) });
        }
        const issuer = host.endsWith('.ciamlogin.com') ? `https://${TID}.ciamlogin.com/${TID}/v2.0` : `https://${host}/${TID}/v2.0`;
        // An empty preferred_username (External ID users without one): the email claim names them.
        const id = await idToken(issuer, nonce, { sub: 'pairwise-sub', oid: OID, tid: TID, preferred_username: '', email: EMAIL, name: 'Ada', ver: '2.0' });
        return send(200, { ...base, id_token: id, client_info: clientInfo(OID) });
      }
      send(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = new FetchHttpClient();
  const http: HttpClient = {
    send: (request) => {
      const u = new URL(request.url);
      if (u.protocol !== 'https:') throw new Error(`The stub routes https only, not ${request.url}`);
      return transport.send({ ...request, url: `${origin}${u.pathname}${u.search}`, headers: { ...request.headers, 'x-stub-host': u.host } });
    },
  };
  return { seen, http, origin, revoked, withdrawn, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Starts the stub for the enclosing file; each test starts with no recorded requests and no cached
 * metadata. `paths()`: the requests so far as host + path.
 */
export function useEntraCloudsStub(): { readonly current: EntraCloudsStub; paths(): string[] } {
  const holder = {
    current: undefined as unknown as EntraCloudsStub,
    paths: () => holder.current.seen.map((s) => `${s.host}${s.path}`),
  };
  beforeAll(async () => {
    holder.current = await startEntraCloudsStub();
  });
  afterAll(() => holder.current?.close());
  beforeEach(() => {
    holder.current.seen.length = 0;
    holder.current.revoked.clear();
    holder.current.withdrawn.clear();
    clearMetadataCache();
  });
  return holder;
}
