import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, PublicClientApplication, TesseraError } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { LoopbackListener, MAX_FORM_BYTES } from '../../src/interactive/loopback-listener.js';
import { useDevAuthority } from '../../../core/test/helpers.js';
import { OTHER_USER, otherUid } from '../support/other-user.js';
import { authorizationUrlOf, isRefused, offlineEntraApp, redirectPort } from './net-probes.js';

// Issue 10 items 1, 2 and 4 and the Host-header question, against real sockets: whatever a local
// program or a web page sends to the loopback port, only the real redirect ends the sign-in.

/** Sends raw bytes on a fresh TCP connection and returns everything the server answered. */
function raw(port: number, bytes: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(answer) : reject(error)));
    // Like a browser, keep our side open until the server answers and closes; bytes that are not a
    // whole request get no answer, so give up on a connection that stays silent.
    socket.setTimeout(1500, () => socket.destroy());
    socket.write(bytes);
  });
}

const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

function request(port: number, line: string, headers: string[] = [`Host: 127.0.0.1:${port}`], body = ''): Promise<string> {
  return raw(port, `${line}\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n${body}`);
}

/** Every odd request the review (and a hostile web page with `fetch(..., {mode: 'no-cors'})`) can send. */
function hostileRequests(port: number): Array<() => Promise<string>> {
  const host = `Host: 127.0.0.1:${port}`;
  return [
    () => request(port, 'GET // HTTP/1.1'),
    () => request(port, 'GET //evil.example/?code=x&state=y HTTP/1.1'),
    () => request(port, `GET http://127.0.0.1:${port}/?code=x&state=y HTTP/1.1`),
    () => request(port, 'GET http://[::1 HTTP/1.1'),
    () => request(port, 'GET /?state=%E0%A4%A&code=%zz%&error=% HTTP/1.1'),
    () => request(port, 'GET /%00%ff?%% HTTP/1.1'),
    () => request(port, 'GET * HTTP/1.1'),
    () => request(port, 'OPTIONS * HTTP/1.1'),
    () => request(port, 'HEAD /?state=x&code=y HTTP/1.1'),
    () => request(port, 'OPTIONS /?state=x&code=y HTTP/1.1'),
    () => request(port, 'CONNECT 127.0.0.1:80 HTTP/1.1'),
    () => request(port, 'DELETE /start/x HTTP/1.1'),
    () => request(port, 'POST /?state=x&code=y HTTP/1.1', [host, 'Content-Type: text/plain', 'Content-Length: 3'], 'a=b'),
    () => request(port, 'GET / HTTP/9.9'),
    () => request(port, 'GET /?state=x&code=y HTTP/1.1', [host, `X-Big: ${'a'.repeat(64 * 1024)}`]),
    () => request(port, 'GET /?state=x&code=y HTTP/1.1', [host, 'Content-Length: -1']),
    () => request(port, 'GET /?state=x&code=y HTTP/1.1', []),
    () => request(port, 'GET /?state=x&code=y HTTP/1.1', ['Host: evil.example']),
    // A body that never arrives whole, then the connection drops.
    () => raw(port, `POST / HTTP/1.1\r\n${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nstate=`),
    () => raw(port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'),
    () => raw(port, 'GET /\r\n\r\n'),
    () => raw(port, '\r\n\r\n\r\n'),
  ];
}

describe('loopback listener under hostile requests', () => {
  const idp = useDevAuthority();
  const app = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });

  it('survives odd request lines, absolute-form, huge headers, bad encodings and other methods; then the real redirect completes', async () => {
    const answers: number[] = [];
    let port = 0;
    const result = await acquireTokenInteractive(app(), {
      scopes: ['api.read'],
      timeoutMs: 30_000,
      openBrowser: async (startUrl) => {
        port = redirectPort(startUrl);
        // Before the browser arrives, and again while it signs in.
        // All at once, as a page firing no-cors requests would.
        const volley = async () => answers.push(...(await Promise.all(hostileRequests(port).map(async (send) => status(await send())))));
        await volley();
        const url = await authorizationUrlOf(startUrl);
        await volley();
        const { redirectUrl } = await completeAuthorization(url, { username: 'hostile-survivor' });
        expect((await fetch(redirectUrl)).status).toBe(200);
      },
    });
    expect(result.idTokenClaims?.sub).toBe('hostile-survivor');
    // Each got an error answer (or a closed connection for bytes that are not HTTP), none a success.
    expect(answers.every((s) => s === 0 || (s >= 400 && s < 500))).toBe(true);
    expect(await isRefused('127.0.0.1', port)).toBe(true);
  });

  it('answers only Host values naming the loopback on its port (no DNS rebinding)', async () => {
    const listener = await LoopbackListener.listen();
    const { port } = listener;
    try {
      const start = listener.serveStartPage('https://idp.example/authorize');
      const path = new URL(start).pathname;
      const hosts = ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, `127.0.0.1`];
      for (const host of hosts) expect(status(await request(port, `GET ${path} HTTP/1.1`, [`Host: ${host}`]))).toBe(421);
      // The link is still unused: the real browser gets the redirect.
      expect(status(await request(port, `GET ${path} HTTP/1.1`, [`Host: LOCALHOST:${port}`]))).toBe(302);
    } finally {
      await listener.close();
    }
  });

  it('refuses a response delivered before the browser was sent to the provider, then accepts the real one', async () => {
    const listener = await LoopbackListener.listen();
    const seen: string[] = [];
    try {
      const start = listener.serveStartPage('https://idp.example/authorize?state=s');
      const waiting = listener.waitForRedirect('query', async (params) => {
        seen.push(params.get('code')!);
        return { status: 200, html: 'ok', outcome: { value: params.get('code') } };
      });
      const early = await fetch(`http://127.0.0.1:${listener.port}/?state=s&code=planted`);
      expect(early.status).toBe(400);
      expect(await early.text()).toContain('before the sign-in began');
      expect(seen).toEqual([]);
      expect((await fetch(start, { redirect: 'manual' })).headers.get('location')).toBe('https://idp.example/authorize?state=s');
      expect((await fetch(`http://127.0.0.1:${listener.port}/?state=s&code=real`)).status).toBe(200);
      expect(await waiting).toBe('real');
      expect(seen).toEqual(['real']);
    } finally {
      await listener.close();
    }
  });

  it('is not wedged by a client that goes away while its redirect is being handled', async () => {
    const listener = await LoopbackListener.listen();
    try {
      await fetch(listener.serveStartPage('https://idp.example/authorize'), { redirect: 'manual' });
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const waiting = listener.waitForRedirect('query', async (params) => {
        const code = params.get('code')!;
        handled.push(code);
        if (code === 'first') {
          await slow; // e.g. the token request
          return { status: 400, html: 'forged' };
        }
        return { status: 200, html: 'ok', outcome: { value: code } };
      });
      const gone = connect(listener.port, '127.0.0.1');
      gone.write(`GET /?state=s&code=first HTTP/1.1\r\nHost: 127.0.0.1:${listener.port}\r\n\r\n`);
      while (handled.length === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise<void>((resolve) => gone.destroy() && gone.once('close', () => resolve()));
      await new Promise((r) => setTimeout(r, 20)); // let the server see the reset
      release();
      expect((await fetch(`http://127.0.0.1:${listener.port}/?state=s&code=second`)).status).toBe(200);
      expect(await waiting).toBe('second');
    } finally {
      await listener.close();
    }
  });

  it('stops the sign-in when the one-time start link is fetched a second time', async () => {
    let statuses: Promise<number[]> | undefined;
    const error = await acquireTokenInteractive(app(), {
      scopes: ['api.read'],
      timeoutMs: 30_000,
      openBrowser: (startUrl) => {
        // The first fetch stands for an eavesdropper, the second for the real browser arriving late.
        const get = async () => (await fetch(startUrl, { redirect: 'manual' })).status;
        statuses = (async () => [await get(), await get()])();
      },
    }).catch((e) => e);
    expect(await statuses).toEqual([302, 410]);
    expect(error).toBeInstanceOf(TesseraError);
    expect(error.code).toBe('sign_in_link_reused');
  });

  it('accepts form_post responses (size-capped, forms only) when the flow uses form_post', async () => {
    const listener = await LoopbackListener.listen();
    const base = `http://127.0.0.1:${listener.port}/`;
    try {
      await fetch(listener.serveStartPage('https://idp.example/authorize'), { redirect: 'manual' });
      const waiting = listener.waitForRedirect('form_post', async (params) =>
        params.get('state') === 's' ? { status: 200, html: 'ok', outcome: { value: params.get('code') } } : { status: 400, html: 'forged' },
      );
      const form = (body: string, type = 'application/x-www-form-urlencoded') => fetch(base, { method: 'POST', headers: { 'content-type': type }, body });
      expect((await fetch(`${base}?state=s&code=by-query`)).status).toBe(405);
      expect((await form('state=s&code=json', 'application/json')).status).toBe(415);
      expect((await form(`state=s&code=${'x'.repeat(MAX_FORM_BYTES)}`)).status).toBe(413);
      expect((await form('state=forged&code=x')).status).toBe(400);
      expect((await form('state=s&code=posted')).status).toBe(200);
      expect(await waiting).toBe('posted');
    } finally {
      await listener.close();
    }
  });
});

describe('the browser launcher never sees the request secrets', () => {
  const idp = useDevAuthority();
  let dir = '';
  let savedBrowser: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-launcher-'));
    // xdg-open (used by `open` on Linux) hands the URL to $BROWSER: our fake launcher records
    // its own arguments and those of its parent (the xdg-open script), as /proc shows them to anyone.
    await writeFile(
      join(dir, 'fake-browser'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args.txt"\ntr '\\000' ' ' < /proc/$PPID/cmdline >> "${dir}/args.txt"\n`,
    );
    await chmod(join(dir, 'fake-browser'), 0o755);
    savedBrowser = process.env.BROWSER;
    process.env.BROWSER = join(dir, 'fake-browser');
  });
  afterAll(async () => {
    if (savedBrowser === undefined) delete process.env.BROWSER;
    else process.env.BROWSER = savedBrowser;
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(process.platform !== 'linux')('the default launcher gets only the one-time loopback URL; the sign-in goes on through it', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const signingIn = acquireTokenInteractive(app, { scopes: ['api.read'], timeoutMs: 30_000 });
    let args = '';
    for (let i = 0; i < 200 && !args.includes('\n'); i++) {
      args = await readFile(join(dir, 'args.txt'), 'utf8').catch(() => '');
      await new Promise((r) => setTimeout(r, 25));
    }
    const startUrl = args.split('\n')[0]!;
    expect(startUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start\/[\w-]{43}$/);
    // What the browser does: fetch the start page, sign in at the provider, follow the redirect.
    const authorizationUrl = await authorizationUrlOf(startUrl);
    const { redirectUrl } = await completeAuthorization(authorizationUrl, { username: 'launched-user' });
    await fetch(redirectUrl);
    expect((await signingIn).idTokenClaims?.sub).toBe('launched-user');

    const request = new URL(authorizationUrl).searchParams;
    for (const secret of ['state', 'nonce', 'code_challenge']) {
      expect(request.get(secret)?.length).toBeGreaterThan(20);
      expect(args).not.toContain(request.get(secret));
    }
    expect(args).not.toContain(idp.current.issuer);
  });
});

describe('IPv6 squatting on the Entra localhost redirect', () => {
  const ipv6 = (async () => {
    const probe = createServer();
    return new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => probe.close(() => resolve(true)));
    });
  })();
  const entra = offlineEntraApp;

  it('listens on [::1] too, so no other process can take the port there', async (context) => {
    if (!(await ipv6)) return context.skip('IPv6 loopback (::1) is not available on this machine');
    const controller = new AbortController();
    const probes: Record<string, unknown> = {};
    await acquireTokenInteractive(entra(), {
      scopes: ['User.Read'],
      signal: controller.signal,
      openBrowser: async (startUrl) => {
        const port = redirectPort(startUrl);
        const squatter = createServer();
        probes.squat = await new Promise((resolve) => {
          squatter.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
          squatter.listen(port, '::1', () => squatter.close(() => resolve('listening')));
        });
        // The browser resolving localhost to ::1 reaches this listener: the start page answers there.
        probes.v6 = status(await raw(port, `GET ${new URL(startUrl).pathname} HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`, '::1'));
        controller.abort();
      },
    }).catch(() => undefined);
    expect(probes).toEqual({ squat: 'EADDRINUSE', v6: 302 });
  });

  it('refuses a port another process holds on [::1] instead of listening on 127.0.0.1 alone', async (context) => {
    if (!(await ipv6)) return context.skip('IPv6 loopback (::1) is not available on this machine');
    const squatter: Server = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nsquatter'));
    await new Promise<void>((resolve) => squatter.listen(0, '::1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const error = await acquireTokenInteractive(entra(), { scopes: ['User.Read'], port, openBrowser: () => expect.fail('must not open') }).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.code).toBe('port_in_use');
      expect(error.message).toContain('::1');
      // And nothing was left listening on 127.0.0.1.
      expect(await isRefused('127.0.0.1', port)).toBe(true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe.skipIf(process.platform !== 'linux')('another local user at the loopback port', () => {
  /** GETs a URL as the second OS user (a real process of theirs) and returns the status. */
  const fetchAs = (user: string, url: string) =>
    new Promise<number>((resolve, reject) => {
      const script = "fetch(process.argv[1], { redirect: 'manual' }).then((r) => console.log(r.status), (e) => console.log('error ' + e.message))";
      execFile('runuser', ['-u', user, '--', process.execPath, '-e', script, url], { cwd: '/' }, (error, stdout) =>
        error ? reject(error) : resolve(Number(stdout.trim())),
      );
    });

  it('answers 403 to another user: they can neither take the start page nor deliver a code', async (context) => {
    if (otherUid() === undefined) return context.skip(`needs root to run a process as ${OTHER_USER}`);
    const listener = await LoopbackListener.listen();
    try {
      const start = listener.serveStartPage('https://idp.example/authorize?state=s');
      const waiting = listener.waitForRedirect('query', async (params) => ({ status: 200, html: 'ok', outcome: { value: params.get('code') } }));
      expect(await fetchAs(OTHER_USER, start)).toBe(403);
      // The link is still unused: the user's own browser gets the redirect.
      expect((await fetch(start, { redirect: 'manual' })).status).toBe(302);
      expect(await fetchAs(OTHER_USER, `http://127.0.0.1:${listener.port}/?state=s&code=attacker`)).toBe(403);
      expect((await fetch(`http://127.0.0.1:${listener.port}/?state=s&code=mine`)).status).toBe(200);
      expect(await waiting).toBe('mine');
    } finally {
      await listener.close();
    }
  });

  /**
   * Another user's process sends one request and closes its socket at once, before the listener
   * looks up who connected: the kernel then lists the client end as orphaned or TIME_WAIT, owned by
   * uid 0, which passed for root.
   */
  const sendAndCloseAs = (user: string, port: number, target: string) =>
    new Promise<void>((resolve, reject) => {
      const request = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
      const script = `const s = require('node:net').connect(${port}, '127.0.0.1', () => { s.write(${JSON.stringify(request)}); s.destroy(); });`;
      execFile('runuser', ['-u', user, '--', process.execPath, '-e', script], { cwd: '/' }, (error) => (error ? reject(error) : resolve()));
    });

  it('refuses a request whose sender closed its socket at once (its owner cannot be told): another user cannot burn the start link or deliver a code that way', async (context) => {
    if (otherUid() === undefined) return context.skip(`needs root to run a process as ${OTHER_USER}`);
    const listener = await LoopbackListener.listen();
    try {
      const start = listener.serveStartPage('https://idp.example/authorize?state=s');
      const delivered: string[] = [];
      const waiting = listener.waitForRedirect('query', async (params) => {
        delivered.push(params.get('code')!);
        return { status: 200, html: 'ok', outcome: { value: params.get('code') } };
      });
      await sendAndCloseAs(OTHER_USER, listener.port, new URL(start).pathname);
      // The link is still unused: the user's own browser gets the redirect, not 410.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await fetch(start, { redirect: 'manual' })).status).toBe(302);
      await sendAndCloseAs(OTHER_USER, listener.port, '/?state=s&code=attacker');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(delivered).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${listener.port}/?state=s&code=mine`)).status).toBe(200);
      expect(await waiting).toBe('mine');
      expect(delivered).toEqual(['mine']);
    } finally {
      await listener.close();
    }
  });
});
