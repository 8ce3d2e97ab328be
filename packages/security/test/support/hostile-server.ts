// A programmable, deliberately misbehaving authorization server for the security suite.
// Real providers never misbehave on purpose, so every refusal is provoked here instead.
// Listens on 127.0.0.1 only, on a fresh port per instance; counts every request it sees.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload } from 'jose';

export type Route = 'discovery' | 'jwks' | 'token' | 'device' | 'other';

/** What the server does with one request. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Wait this long before answering (the socket is destroyed when the server closes). */
  delayMs?: number;
  /** Send the status line, headers and half the body, then destroy the socket. */
  resetAfterHeaders?: boolean;
  /** Destroy the socket without answering. */
  resetImmediately?: boolean;
  /** Send the body in chunks without Content-Length (chunked encoding). */
  chunked?: boolean;
}

export interface SeenRequest {
  route: Route;
  method: string;
  path: string;
  /** The form body of a POST. */
  params: URLSearchParams;
  /** The body as it arrived (what a gateway that echoes requests quotes). */
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** Date.now() when the request arrived. */
  at: number;
}

export type Responder = Reply | ((request: SeenRequest, index: number) => Reply | Promise<Reply>);

export interface SigningKeys {
  /** Published in the JWKS under `kid`. */
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
  kid: string;
  /** Not published anywhere: signatures made with it must be refused. */
  rogueKey: CryptoKey;
}

let sharedKeys: Promise<SigningKeys> | undefined;

/** One RSA key pair per test file (key generation is the slowest part of a stub). */
export function signingKeys(): Promise<SigningKeys> {
  sharedKeys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const rogue = await generateKeyPair('RS256');
    const kid = 'stub-key-1';
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { privateKey, publicJwk, publicPem: await exportSPKI(publicKey), kid, rogueKey: rogue.privateKey };
  })();
  return sharedKeys;
}

export interface HostileServerOptions {
  /**
   * Path of the authority under the origin. For an Entra-shaped stub ('entra: true') this is the
   * tenant; discovery then lives at /<tenant>/v2.0/.well-known/openid-configuration.
   */
  tenant?: string;
  entra?: boolean;
  clientId?: string;
}

export class HostileServer {
  readonly requests: SeenRequest[] = [];
  /** The discovery document; tests change it freely before the first request. */
  discovery: Record<string, unknown>;
  jwks: { keys: JWK[] };
  private readonly responders = new Map<Route, Responder[]>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    /** What to configure as the client's `authority`. */
    readonly authority: string,
    /** The issuer the discovery document and ID tokens name. */
    readonly issuer: string,
    readonly keys: SigningKeys,
    readonly clientId: string,
    readonly entra: boolean,
  ) {
    this.discovery = {
      issuer,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      device_authorization_endpoint: `${origin}/devicecode`,
      jwks_uri: `${origin}/jwks`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      authorization_response_iss_parameter_supported: true,
    };
    this.jwks = { keys: [keys.publicJwk] };
  }

  static async start(options: HostileServerOptions = {}): Promise<HostileServer> {
    const keys = await signingKeys();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    const entra = options.entra ?? false;
    const tenant = options.tenant ?? (entra ? 'stub-tenant' : '');
    const authority = tenant ? `${origin}/${tenant}` : origin;
    const issuer = entra ? `${authority}/v2.0` : authority;
    const stub = new HostileServer(server, origin, authority, issuer, keys, options.clientId ?? 'stub-client', entra);
    server.on('connection', (socket) => {
      stub.sockets.add(socket);
      socket.on('close', () => stub.sockets.delete(socket));
    });
    server.on('request', (req, res) => void stub.handle(req, res));
    return stub;
  }

  /** Answers `route` with these replies in turn; the last one repeats. */
  on(route: Route, ...replies: Responder[]): this {
    this.responders.set(route, replies);
    return this;
  }

  count(route?: Route): number {
    return route ? this.requests.filter((r) => r.route === route).length : this.requests.length;
  }

  seen(route: Route): SeenRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** A signed ID token; by default valid for this stub's issuer and client, signed with the published key. */
  async idToken(
    claims: JWTPayload & Record<string, unknown> = {},
    options: { alg?: string; kid?: string | null; key?: CryptoKey | Uint8Array; omit?: string[] } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      aud: this.clientId,
      sub: 'user-1',
      iat: now,
      exp: now + 3600,
      preferred_username: 'user1@example.com',
      name: 'User One',
      ...(this.entra ? { tid: 'stub-tenant-id', oid: 'oid-1' } : {}),
      ...claims,
    };
    for (const name of options.omit ?? []) delete payload[name];
    const header: Record<string, unknown> = { alg: options.alg ?? 'RS256', typ: 'JWT' };
    if (options.kid !== null) header.kid = options.kid ?? this.keys.kid;
    return new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(options.key ?? this.keys.privateKey);
  }

  /** A token endpoint success body; `id_token` only when given. */
  tokenResponse(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const body: Record<string, unknown> = {
      access_token: `stub-at-${Math.random().toString(36).slice(2)}`,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `stub-rt-${Math.random().toString(36).slice(2)}`,
      scope: 'api.read openid profile offline_access',
      ...overrides,
    };
    for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
    return body;
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private route(method: string, path: string): Route {
    if (method === 'GET' && path.endsWith('/.well-known/openid-configuration')) return 'discovery';
    if (method === 'GET' && path === '/jwks') return 'jwks';
    if (method === 'POST' && path === '/token') return 'token';
    if (method === 'POST' && path === '/devicecode') return 'device';
    return 'other';
  }

  private defaultReply(route: Route): Reply {
    switch (route) {
      case 'discovery':
        return { body: this.discovery };
      case 'jwks':
        return { body: this.jwks };
      case 'token':
        return { body: this.tokenResponse() };
      case 'device':
        return {
          body: {
            device_code: 'stub-device-code',
            user_code: 'ABCD-EFGH',
            verification_uri: `${this.origin}/device`,
            expires_in: 600,
            interval: 5,
          },
        };
      default:
        return { status: 404, body: { error: 'not_found' } };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.origin);
    const route = this.route(req.method ?? 'GET', url.pathname);
    const body = Buffer.concat(chunks).toString('utf8');
    const seen: SeenRequest = {
      route,
      method: req.method ?? 'GET',
      path: url.pathname,
      params: new URLSearchParams(req.method === 'POST' ? body : url.search),
      body,
      headers: req.headers,
      at: Date.now(),
    };
    const index = this.count(route);
    this.requests.push(seen);
    const list = this.responders.get(route);
    const responder = list ? list[Math.min(index, list.length - 1)]! : this.defaultReply(route);
    let reply: Reply;
    try {
      reply = typeof responder === 'function' ? await responder(seen, index) : responder;
    } catch (error) {
      reply = { status: 500, body: `stub responder failed: ${(error as Error).message}` };
    }
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, reply.delayMs);
        this.timers.add(t);
      });
      if (res.destroyed || req.socket.destroyed) return;
    }
    if (reply.resetImmediately) {
      req.socket.destroy();
      return;
    }
    const payload =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), 'utf8');
    const headers: Record<string, string> = {
      'content-type': typeof reply.body === 'object' && !Buffer.isBuffer(reply.body) ? 'application/json' : 'text/plain',
      ...reply.headers,
    };
    if (reply.resetAfterHeaders) {
      // Promise a full body, deliver half of it, then cut the connection.
      res.writeHead(reply.status ?? 200, { ...headers, 'content-length': String(Math.max(payload.length, 64)) });
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (reply.chunked) {
      res.writeHead(reply.status ?? 200, headers);
      const size = 64 * 1024;
      for (let i = 0; i < payload.length && !res.destroyed; i += size) {
        if (!res.write(payload.subarray(i, i + size))) {
          await new Promise<void>((r) => {
            res.once('drain', () => r());
            res.once('close', () => r());
          });
        }
      }
      res.end();
      return;
    }
    res.writeHead(reply.status ?? 200, { ...headers, 'content-length': String(payload.length) });
    res.end(payload);
  }
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An unsigned token (`alg: none`), built by hand since no library will make one. */
export function unsignedToken(payload: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
}
