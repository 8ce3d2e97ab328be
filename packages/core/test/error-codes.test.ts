// Error codes and messages a caller sees for failures that happen before any OAuth answer.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, FetchHttpClient, NetworkError, ServerError, describeCause } from '../src/index.js';

/** A loopback port that refuses connections: bound once by us, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('error codes', () => {
  it('a refused connection is a network_error whose message names the reason, not "fetch failed"', async () => {
    const port = await refusedPort();
    const app = new ConfidentialClientApplication({
      clientId: 'c',
      clientCredential: 's',
      authority: `http://127.0.0.1:${port}`,
      retry: false,
    });
    const error = await app.acquireTokenForClient({ scopes: ['api.read'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('network_error');
    expect((error as NetworkError).message).toContain(`127.0.0.1:${port}`);
    expect((error as NetworkError).message).toMatch(/ECONNREFUSED/);
    expect((error as NetworkError).message).not.toMatch(/fetch failed/);
    expect((error as NetworkError).cause).toBeInstanceOf(Error);
  });

  it('FetchHttpClient names the reason for a refused request too', async () => {
    const port = await refusedPort();
    const error = await new FetchHttpClient().send({ url: `http://127.0.0.1:${port}/token`, method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', message: expect.stringMatching(new RegExp(`^GET http://127.0.0.1:${port}/token failed: .*ECONNREFUSED`)) });
  });

  it('describeCause reaches the innermost cause and keeps its code', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeCause(new TypeError('fetch failed', { cause: inner }))).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeCause(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('ECONNRESET: socket hang up');
    const aggregate = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:1')], ''), { code: 'ECONNREFUSED' });
    expect(describeCause(new TypeError('fetch failed', { cause: aggregate }))).toBe('connect ECONNREFUSED ::1:1');
    expect(describeCause('plain')).toBe('plain');
  });

  it("a ServerError's code is the OAuth error when it is a plain code, else server_error", () => {
    expect(new ServerError({ error: 'invalid_scope' }).code).toBe('invalid_scope');
    expect(new ServerError({ error: 'Not a code!' })).toMatchObject({ code: 'server_error', error: 'Not a code!' });
  });
});
