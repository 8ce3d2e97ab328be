import { startDevAuthority, startPathIssuers, type DevAuthority, type DevAuthorityOptions, type PathIssuers } from '@tessera/dev-authority';
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

// The front door (path issuers and an API on one loopback origin) lives in the dev authority: Playwright specs use it too.
export { startFrontDoor } from '@tessera/dev-authority';

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

/** Issuers `http://127.0.0.1:<port>/realms/<name>` on one host (dev authorities behind one front door) for the enclosing describe block. */
export function usePathIssuers(names: string[]): { readonly current: Record<string, DevAuthority> } {
  const holder = { current: {} as Record<string, DevAuthority> };
  let issuers: PathIssuers | undefined;
  beforeAll(async () => {
    issuers = await startPathIssuers(names);
    holder.current = issuers.authorities;
    clearMetadataCache();
  });
  afterAll(async () => {
    await issuers?.close();
  });
  return holder;
}
