import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, TesseraError } from '@tessera/core';
import { nodeCrypto } from '../node-builtins.js';
import { plainPage } from './pages.js';
import { isOtherUser } from './peer-user.js';

/** How to answer one redirect, and whether it ends the wait. */
export interface CallbackAnswer<T> {
  status: number;
  html: string;
  /** Absent: the request was not ours (e.g. a forged state); keep listening. */
  outcome?: { value: T } | { error: unknown };
}

/** Where the start page sends the browser: a URL, or a function resolving to it when the browser arrives. */
export type StartTarget = string | (() => Promise<string>);

/** How the provider returns the response: a GET with a query, or a POSTed form (`form_post`). */
export type LoopbackResponseMode = 'query' | 'form_post';

export interface LoopbackListenOptions {
  /** Default 0: the system picks a port that is free on every address. */
  port?: number;
  /** Loopback addresses to listen on, all on the same port. Default `127.0.0.1` only. */
  addresses?: string[];
}

/** A form_post body larger than this is refused (a real response is a few KB). */
export const MAX_FORM_BYTES = 64 * 1024;
/** Attempts to find a system-chosen port free on every address before giving up. */
const PORT_ATTEMPTS = 20;
const NOT_FOUND = plainPage('Not found', 'There is nothing here.');

/**
 * A one-shot HTTP listener for an OAuth redirect, on loopback addresses only (RFC 8252 §7.3).
 *
 * - Nothing a client sends ends or crashes it: odd request lines, unknown paths and methods get an
 *   error page; only a redirect whose answer has an outcome (the right `state`) ends the wait.
 * - It answers only `Host` values naming the loopback on its own port (no DNS rebinding), and on
 *   Linux only connections of the same user (or root).
 * - The browser is given a one-time start URL (`startUrl`) that forwards to the provider, so the
 *   authorization URL (state, nonce, PKCE challenge) never appears in a process's arguments.
 *   Responses that arrive before the start page was fetched are refused; a second fetch of the
 *   start page means someone else used the link, and fails the sign-in.
 */
export class LoopbackListener {
  private queue: Promise<void> = Promise.resolve();
  private settled = false;
  private opened = false;
  private start?: { path: string; target: StartTarget; used: boolean };
  private mode: LoopbackResponseMode = 'query';
  private onRedirect?: (params: URLSearchParams, res: ServerResponse) => void;
  private fail?: (error: unknown) => void;
  private readonly hosts: Set<string>;

  private constructor(
    private readonly servers: Server[],
    readonly port: number,
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    for (const server of servers) server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
  }

  static async listen(options: LoopbackListenOptions = {}): Promise<LoopbackListener> {
    const wanted = options.port ?? 0;
    const addresses = options.addresses?.length ? options.addresses : ['127.0.0.1'];
    const { createServer } = await import('node:http');
    for (let attempt = 1; ; attempt++) {
      const servers: Server[] = [];
      let port = wanted;
      let address = addresses[0]!;
      try {
        for (address of addresses) {
          const server = createServer();
          try {
            await listenOn(server, port, address);
          } catch (error) {
            // No IPv6 on this machine: nobody else can listen on ::1 either.
            if (servers.length > 0 && (errorCode(error) === 'EADDRNOTAVAIL' || errorCode(error) === 'EAFNOSUPPORT')) continue;
            throw error;
          }
          servers.push(server);
          port = (server.address() as AddressInfo).port;
        }
        return new LoopbackListener(servers, port);
      } catch (error) {
        await Promise.all(servers.map(closeServer));
        if (errorCode(error) !== 'EADDRINUSE') throw error;
        // The system's port was free on the first address but taken on another: try a new one.
        if (wanted === 0 && servers.length > 0 && attempt < PORT_ATTEMPTS) continue;
        throw new ConfigurationError(
          `Port ${port} on ${address} is in use: choose another \`port\` or let the system pick one`,
          'port_in_use',
        );
      }
    }
  }

  /**
   * Serves `target` (the authorization URL, or a function giving it when the browser arrives: a
   * pushed request_uri may need pushing again by then) once, as a redirect from an unguessable path; returns
   * the URL of that path, which is all the browser launcher gets to see.
   */
  serveStartPage(target: StartTarget): string {
    const path = `/start/${nodeCrypto().randomBytes(32).toString('base64url')}`;
    this.start = { path, target, used: false };
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves with the first redirect whose answer has an outcome. */
  waitForRedirect<T>(mode: LoopbackResponseMode, handle: (params: URLSearchParams) => Promise<CallbackAnswer<T>>): Promise<T> {
    this.mode = mode;
    return new Promise<T>((resolve, reject) => {
      this.fail = (error) => {
        this.settled = true;
        reject(error);
      };
      this.onRedirect = (params, res) => {
        this.queue = this.queue.then(async () => {
          if (this.settled) return send(res, 404, NOT_FOUND);
          let answer: CallbackAnswer<T>;
          try {
            answer = await handle(params);
          } catch (error) {
            answer = { status: 500, html: plainPage('Sign-in failed', 'Return to the application for details.'), outcome: { error } };
          }
          if (answer.outcome) {
            this.settled = true;
            res.setHeader('connection', 'close');
          }
          await send(res, answer.status, answer.html);
          if (!answer.outcome) return;
          if ('value' in answer.outcome) resolve(answer.outcome.value);
          else reject(answer.outcome.error);
        });
      };
    });
  }

  /** Stops listening and drops every connection; resolves once the port is free. */
  async close(): Promise<void> {
    this.settled = true;
    await Promise.all(this.servers.map(closeServer));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // Another local user may neither fetch the start page nor deliver a code (Linux).
      if (await isOtherUser(req.socket)) return void send(res, 403, plainPage('Forbidden', 'This sign-in belongs to another user.'));
      this.route(req, res);
    } catch {
      // Whatever a client sent, the listener goes on.
      if (!res.headersSent) void send(res, 400, plainPage('Bad request', 'The request was not understood.'));
      else res.destroy();
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    // DNS rebinding: a page on another name that now resolves to 127.0.0.1 sends its own Host.
    if (!this.hosts.has((req.headers.host ?? '').toLowerCase())) {
      return void send(res, 421, plainPage('Wrong host', 'This sign-in listener answers only on the loopback address.'));
    }
    // The raw target, never parsed as a URL: "//", absolute-form and odd encodings just do not match.
    const target = req.url ?? '';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    if (this.start && path === this.start.path) return this.serveStart(req, res);
    if (path !== '/' || this.settled || !this.onRedirect) return void send(res, 404, NOT_FOUND);
    if (this.mode === 'query' && req.method === 'GET') {
      const params = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
      if (!params.has('state') && !params.has('code') && !params.has('error')) return void send(res, 404, NOT_FOUND);
      return this.deliver(params, res);
    }
    if (this.mode === 'form_post' && req.method === 'POST') {
      return void readForm(req)
        .then(
          (params) => this.deliver(params, res),
          (error: FormError) => {
            res.setHeader('connection', 'close');
            void send(res, error.status, plainPage('Bad request', error.message));
          },
        )
        .catch(() => res.destroy()); // never an unhandled rejection: that would end the process
    }
    void send(res, 405, plainPage('Method not allowed', `The sign-in response is expected as ${this.mode === 'query' ? 'a GET' : 'a form POST'}.`));
  }

  private serveStart(req: IncomingMessage, res: ServerResponse): void {
    const start = this.start!;
    if (req.method !== 'GET') return void send(res, 405, NOT_FOUND);
    if (start.used) {
      // The browser arrived after someone else fetched its link: they may be signing in in its place.
      const fail = this.fail;
      this.settled = true;
      res.setHeader('connection', 'close');
      const error = new TesseraError(
        'sign_in_link_reused',
        'The one-time sign-in link was opened twice, so another program may have intercepted it; the sign-in was stopped. Start it again.',
      );
      void send(res, 410, plainPage('Sign-in link already used', 'This sign-in was stopped for safety. Start it again from the application.')).then(() => fail?.(error));
      return;
    }
    if (this.settled) return void send(res, 404, NOT_FOUND);
    start.used = true;
    this.opened = true;
    void Promise.resolve(typeof start.target === 'string' ? start.target : start.target()).then(
      (location) => {
        res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
      },
      (error: unknown) => {
        // No URL to send the browser to (e.g. pushing the request again failed): the sign-in ends.
        const fail = this.fail;
        this.settled = true;
        res.setHeader('connection', 'close');
        void send(res, 502, plainPage('Sign-in failed', 'Return to the application for details.')).then(() => fail?.(error));
      },
    );
  }

  private deliver(params: URLSearchParams, res: ServerResponse): void {
    // A code delivered before the browser was sent to the provider cannot be our user's.
    if (!this.opened) return void send(res, 400, plainPage('Sign-in not started', 'This response came before the sign-in began; it was ignored.'));
    if (this.settled || !this.onRedirect) return void send(res, 404, NOT_FOUND);
    this.onRedirect(params, res);
  }
}

class FormError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The fields of an `application/x-www-form-urlencoded` body of at most MAX_FORM_BYTES. */
function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return reject(new FormError(415, 'The sign-in response must be a form.'));
    const tooLarge = () => new FormError(413, 'The sign-in response is too large.');
    if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume(); // drain without keeping it
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => reject(new FormError(400, 'The sign-in response was cut off.')));
  });
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function send(res: ServerResponse, status: number, html: string): Promise<void> {
  return new Promise((resolve) => {
    // The client left already (its 'close' has fired): waiting for it would wedge the queue.
    if (res.destroyed || res.req.socket.destroyed) return resolve();
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The address bar holds the code: never leak it to anything the page might load.
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    // 'close' also fires when the browser goes away before the page is sent.
    res.once('close', resolve);
    res.end(html);
  });
}
