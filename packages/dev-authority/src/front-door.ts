import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevAuthority } from './server.js';
import type { DevAuthority, DevAuthorityOptions } from './types.js';

/** One loopback origin that forwards path prefixes to servers on other ports (see {@link startFrontDoor}). */
export interface FrontDoor {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  origin: string;
  /** Forwards requests whose path is `prefix` or starts with `prefix/` to `port` on 127.0.0.1. */
  route(prefix: string, port: number): void;
  close(): Promise<void>;
}

/**
 * One loopback origin in front of several servers (path issuers `/realms/a`, an API under `/api`),
 * as a reverse proxy puts several realms of one provider on one host: a request whose path starts
 * with a routed prefix is forwarded, path unchanged, to that server's port, keeping the `Host`
 * header (the dev authority builds its URLs from it); anything else is a 404.
 */
export async function startFrontDoor(): Promise<FrontDoor> {
  const routes = new Map<string, number>();
  const front = createServer((req: IncomingMessage, res: ServerResponse) => {
    const prefix = [...routes.keys()].find((p) => req.url === p || req.url?.startsWith(`${p}/`));
    if (prefix === undefined) return void res.writeHead(404).end();
    const upstream = request({ host: '127.0.0.1', port: routes.get(prefix), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    route: (prefix, port) => void routes.set(prefix, port),
    close: () => {
      front.closeAllConnections();
      return new Promise((resolve) => front.close(() => resolve()));
    },
  };
}

/** Dev authorities at path issuers of one host (see {@link startPathIssuers}). */
export interface PathIssuers {
  /** The host's origin, shared by every issuer. */
  origin: string;
  /** The authority of each name, at issuer `<origin>/realms/<name>`. */
  authorities: Record<string, DevAuthority>;
  /** Stops the authorities and the front door. */
  close(): Promise<void>;
}

/**
 * Starts a dev authority per name at issuer `<origin>/realms/<name>`, all behind one front door
 * (Keycloak realms on one host), each with `options` (its `issuer` aside). Sign-in pages, cookies
 * and endpoints of each stay below its own path.
 */
export async function startPathIssuers(names: string[], options: Omit<DevAuthorityOptions, 'issuer'> = {}): Promise<PathIssuers> {
  const front = await startFrontDoor();
  const authorities: Record<string, DevAuthority> = {};
  const close = async () => {
    await Promise.all(Object.values(authorities).map((idp) => idp.close()));
    await front.close();
  };
  try {
    for (const name of names) {
      authorities[name] = await startDevAuthority({ ...options, issuer: `${front.origin}/realms/${name}` });
      front.route(`/realms/${name}`, authorities[name].port);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { origin: front.origin, authorities, close };
}
