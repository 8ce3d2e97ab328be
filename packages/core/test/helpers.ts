import { startDevAuthority, type DevAuthority, type DevAuthorityOptions } from '@tessera/dev-authority';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Answers a stub request with a JSON body. */
export type JsonReply = (status: number, body: unknown) => void;

/**
 * Starts an HTTP stub on 127.0.0.1 for shapes no local product serves (Entra's); `handle` gets
 * each request with its URL and whole body. Close `server` when done.
 */
export async function startJsonStub(
  handle: (req: IncomingMessage, url: URL, body: string, json: JsonReply) => void | Promise<void>,
): Promise<{ server: Server; origin: string; host: string }> {
  let origin = '';
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const json: JsonReply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      void handle(req, new URL(req.url!, origin), raw, json);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = `http://${host}`;
  return { server, origin, host };
}

/**
 * One loopback origin in front of several servers (path issuers `/realms/a`, an API under `/api`):
 * a request whose path starts with a routed prefix is forwarded to that server's port, keeping
 * the `Host` header (the dev authority builds its URLs from it); anything else is a 404.
 */
export async function startFrontDoor(): Promise<{ origin: string; route(prefix: string, port: number): void; close(): Promise<void> }> {
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

/**
 * A loopback proxy in front of a dev authority (`port`) for a slow network: while `state.hold` is
 * set, a /token answer the authority has given waits until `state.release()` (the provider has
 * processed the request; the client has not heard back). Listen on `server`, close it when done.
 */
export function holdingProxy(port: () => number) {
  const held: Array<() => void> = [];
  let arrived: (() => void) | undefined;
  const state = {
    hold: false,
    /** Resolves once a held answer has come back from the authority. */
    answerHeld: () => new Promise<void>((resolve) => (held.length ? resolve() : (arrived = resolve))),
    release: () => held.splice(0).forEach((send) => send()),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const up = request({ host: '127.0.0.1', port: port(), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const body: Buffer[] = [];
      answer.on('data', (c: Buffer) => body.push(c));
      answer.on('end', () => {
        const send = () => void (res.destroyed || res.writeHead(answer.statusCode!, answer.headers).end(Buffer.concat(body)));
        if (!(state.hold && req.url?.endsWith('/token'))) return send();
        held.push(send);
        arrived?.();
      });
    });
    req.pipe(up);
  });
  return { server, state };
}

/** Issuers `http://127.0.0.1:<port>/realms/<name>` on one host: a front door forwarding each path to its dev authority. */
export function usePathIssuers(names: string[]): { readonly current: Record<string, DevAuthority> } {
  const holder = { current: {} as Record<string, DevAuthority> };
  let front: Awaited<ReturnType<typeof startFrontDoor>>;
  beforeAll(async () => {
    front = await startFrontDoor();
    for (const name of names) {
      const idp = await startDevAuthority({ issuer: `${front.origin}/realms/${name}` });
      front.route(`/realms/${name}`, idp.port);
      holder.current[name] = idp;
    }
    clearMetadataCache();
  });
  afterAll(async () => {
    await Promise.all(Object.values(holder.current).map((idp) => idp.close()));
    await front.close();
  });
  return holder;
}
