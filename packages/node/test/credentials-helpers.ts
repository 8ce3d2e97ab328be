import { sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchHttpClient, type HttpClient, type HttpRequest } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { afterAll, beforeAll } from 'vitest';
import { authorizationUrlOf } from './interactive/net-probes.js';

// One definition for every package's tests.
export { useDevAuthority } from '../../core/test/helpers.js';

/** A temporary folder for the enclosing describe block. */
export function useTempDir(): { readonly path: string } {
  const holder = { path: '' };
  beforeAll(async () => {
    holder.path = await mkdtemp(join(tmpdir(), 'tessera-credentials-'));
  });
  afterAll(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/** The real transport, recording every request (to read what was sent). */
export function recordingHttpClient(): HttpClient & { requests: HttpRequest[] } {
  const inner = new FetchHttpClient();
  const requests: HttpRequest[] = [];
  return { requests, send: (request) => (requests.push(request), inner.send(request)) };
}

/** A transport that must not be used: records the attempt and fails. */
export function offlineHttpClient(): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    send: async (request) => {
      urls.push(request.url);
      throw new Error(`offline: ${request.url}`);
    },
  };
}

/** Claims of a JWT, without checking it (the tests only read what the authority issued). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Plays the user in the browser: signs in at the authority, then follows the redirect to the loopback listener. */
export function browserAs(username: string): { open: (url: string) => void; done: () => Promise<void> } {
  let driving: Promise<void> = Promise.resolve();
  return {
    open: (url) => {
      driving = (async () => {
        const { redirectUrl } = await completeAuthorization(await authorizationUrlOf(url), { username });
        await (await fetch(redirectUrl)).text();
      })();
    },
    done: () => driving,
  };
}

/** A private_key_jwt client assertion (RFC 7523) signed with the client's key, for `audience` (the token endpoint). */
export function signedAssertion(privateKeyPem: string, clientId: string, audience: string, lifetimeS = 300): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: clientId, sub: clientId, aud: audience, jti: crypto.randomUUID(), iat: now, exp: now + lifetimeS })}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKeyPem).toString('base64url')}`;
}
