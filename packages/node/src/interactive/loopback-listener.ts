import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '@tessera/core';

/** How to answer one redirect, and whether it ends the wait. */
export interface CallbackAnswer<T> {
  status: number;
  html: string;
  /** Absent: the request was not ours (e.g. a forged state); keep listening. */
  outcome?: { value: T } | { error: unknown };
}

const LOOPBACK = '127.0.0.1';

/**
 * A one-shot HTTP listener for an OAuth redirect, on the loopback interface only (RFC 8252 §7.3).
 * Only `GET /` with `state`, `code` or `error` counts as a redirect; anything else (favicon, probes)
 * gets a 404 and does not disturb the wait. Redirects are handled one at a time.
 */
export class LoopbackListener {
  private queue: Promise<void> = Promise.resolve();
  private settled = false;
  private onRedirect?: (params: URLSearchParams, res: ServerResponse) => void;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const params = redirectParams(req);
      // Until someone waits (and after the one answer), every request is "not found".
      if (!params || !this.onRedirect || this.settled) return void send(res, 404, 'Not found');
      this.onRedirect(params, res);
    });
  }

  static async listen(port = 0): Promise<LoopbackListener> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new ConfigurationError(`Port ${port} on ${LOOPBACK} is in use: choose another \`port\` or let the system pick one`, 'port_in_use')
            : error,
        );
      });
      server.listen({ port, host: LOOPBACK }, resolve);
    });
    return new LoopbackListener(server, (server.address() as AddressInfo).port);
  }

  /** Resolves with the first redirect whose answer has an outcome. */
  waitForRedirect<T>(handle: (params: URLSearchParams) => Promise<CallbackAnswer<T>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.onRedirect = (params, res) => {
        this.queue = this.queue.then(async () => {
          if (this.settled) return send(res, 404, 'Not found');
          let answer: CallbackAnswer<T>;
          try {
            answer = await handle(params);
          } catch (error) {
            answer = { status: 500, html: 'Sign-in failed', outcome: { error } };
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
  close(): Promise<void> {
    this.settled = true;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function redirectParams(req: IncomingMessage): URLSearchParams | undefined {
  if (req.method !== 'GET') return undefined;
  const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
  if (url.pathname !== '/') return undefined;
  const params = url.searchParams;
  return params.has('state') || params.has('code') || params.has('error') ? params : undefined;
}

function send(res: ServerResponse, status: number, html: string): Promise<void> {
  return new Promise((resolve) => {
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
