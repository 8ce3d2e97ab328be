import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A request as a managed identity endpoint saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };
export type Handler = (request: SeenRequest, index: number) => Reply | Promise<Reply>;

export interface MsiServer {
  /** e.g. http://127.0.0.1:4321 */
  origin: string;
  requests: SeenRequest[];
  /** Replaces the answer (default: a token). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** A token answer as IMDS and App Service send it: numbers as strings, expires_on in epoch seconds. */
export function tokenReply(token = `token-${Math.random().toString(36).slice(2)}`, expiresInS = 3600, extra: Record<string, unknown> = {}): Reply {
  const now = Math.floor(Date.now() / 1000);
  return {
    status: 200,
    body: { access_token: token, expires_in: String(expiresInS), expires_on: String(now + expiresInS), not_before: String(now), resource: 'https://vault.azure.net', token_type: 'Bearer', ...extra },
  };
}

/** A loopback HTTP (or, given a key and certificate, HTTPS) server playing a managed identity endpoint. */
export async function startMsiServer(tls?: { key: string; cert: string }): Promise<MsiServer> {
  let handler: Handler = () => tokenReply();
  const requests: SeenRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      requests.push(seen);
      const reply = await handler(seen, requests.length - 1);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scheme = tls ? 'https' : 'http';
  return {
    origin: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    handle: (h) => {
      handler = h;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTTPS endpoint with a fresh self-signed certificate (as Service Fabric's), and the certificate's SHA-1 thumbprint. */
export async function startSelfSignedMsiServer(): Promise<MsiServer & { thumbprint: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-msi-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=sf', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const pem = readFileSync(cert, 'utf8');
    const server = await startMsiServer({ key: readFileSync(key, 'utf8'), cert: pem });
    return Object.assign(server, { thumbprint: new X509Certificate(pem).fingerprint.replace(/:/g, '') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
