// The browser client's fetch transport, run on Node's fetch against a local server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError, NetworkError } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTransport } from '../src/transport.js';

describe('fetchTransport', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/hang')) return; // never answers
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.writeHead(201, { 'X-Echo': req.method ?? '' }).end(`${req.headers['content-type']}|${body}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends the request and returns status, lower-case headers and the body', async () => {
    const response = await fetchTransport().send({ method: 'POST', url: `${base}/token`, headers: { 'content-type': 'text/plain' }, body: 'a=1' });
    expect(response).toMatchObject({ status: 201, body: 'text/plain|a=1' });
    expect(response.headers['x-echo']).toBe('POST');
  });

  it('gives up after the time limit with a NetworkError coded timeout', async () => {
    const error = await fetchTransport(150).send({ method: 'GET', url: `${base}/hang?secret=1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as Error).message).not.toContain('secret');
  });

  it("turns the caller's abort into AbortError, also when already aborted", async () => {
    const controller = new AbortController();
    const pending = fetchTransport().send({ method: 'GET', url: `${base}/hang`, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(fetchTransport().send({ method: 'GET', url: `${base}/hang`, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('reports a refused connection as a NetworkError', async () => {
    const error = await fetchTransport().send({ method: 'GET', url: 'http://127.0.0.1:9/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_error' });
  });
});
