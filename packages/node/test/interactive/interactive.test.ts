import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError, ConfigurationError, PublicClientApplication, ServerError, TesseraError } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { authorizationUrlOf, isRefused, offlineEntraApp, redirectPort } from './net-probes.js';
import { useDevAuthority } from '../../../core/test/helpers.js';

// Interactive sign-in without a browser: the dev authority's HTTP driver plays the user, and the
// test itself follows the final redirect to the listener. The Chromium test is in browser.test.ts.

describe('acquireTokenInteractive', () => {
  const idp = useDevAuthority();
  const app = () => new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });

  it('ignores unrelated requests and forged states, then finishes with the real redirect', async () => {
    let port = 0;
    const statuses: Record<string, number> = {};
    const play = async (startUrl: string) => {
      port = redirectPort(startUrl);
      const url = await authorizationUrlOf(startUrl);
      expect(new URL(url).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/`);
      for (const path of ['/favicon.ico', '/', '/other?code=x&state=y', '/?state=forged&code=stolen']) {
        statuses[path] = (await fetch(`http://127.0.0.1:${port}${path}`)).status;
      }
      const { redirectUrl } = await completeAuthorization(url, { username: 'loopback-user' });
      const answer = await fetch(redirectUrl);
      statuses.redirect = answer.status;
      expect(await answer.text()).toContain('Signed in');
    };
    let driving: Promise<void> | undefined;
    // The flow ends with the redirect, not with the opener: the "browser" runs apart.
    const result = await acquireTokenInteractive(app(), { scopes: ['api.read'], openBrowser: (url) => void (driving = play(url)) });
    await driving;
    expect(statuses).toEqual({ '/favicon.ico': 404, '/': 404, '/other?code=x&state=y': 404, '/?state=forged&code=stolen': 400, redirect: 200 });
    expect(result.account?.username).toBe('loopback-user');
    expect(result.idTokenClaims?.sub).toBe('loopback-user');
    expect(await isRefused('127.0.0.1', port)).toBe(true);
  });

  it('reports an error redirect (access denied) and shows the failure page', async () => {
    let page: Promise<string> | undefined;
    const deny = async (startUrl: string) => {
      const { redirectUrl } = await completeAuthorization(await authorizationUrlOf(startUrl), { consent: false });
      return (await fetch(redirectUrl)).text();
    };
    const error = await acquireTokenInteractive(app(), { scopes: ['api.read'], openBrowser: (url) => void (page = deny(url)) }).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.error).toBe('access_denied');
    expect(await page).toContain('Sign-in failed');
    expect(await page).toContain('access_denied');
  });

  it('times out with code interaction_timeout and frees the port', async () => {
    let port = 0;
    const error = await acquireTokenInteractive(app(), {
      scopes: ['api.read'],
      timeoutMs: 300,
      openBrowser: (url) => void (port = redirectPort(url)),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(TesseraError);
    expect(error.code).toBe('interaction_timeout');
    expect(await isRefused('127.0.0.1', port)).toBe(true);
  });

  it('stops on abort with AbortError and frees the port', async () => {
    const controller = new AbortController();
    let port = 0;
    const error = await acquireTokenInteractive(app(), {
      scopes: ['api.read'],
      signal: controller.signal,
      openBrowser: (url) => {
        port = redirectPort(url);
        setTimeout(() => controller.abort(), 100);
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await isRefused('127.0.0.1', port)).toBe(true);
    await expect(acquireTokenInteractive(app(), { scopes: ['api.read'], signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
  });

  it('listens on the requested port, and says so when it is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const error = await acquireTokenInteractive(app(), { scopes: ['api.read'], port: taken, openBrowser: () => {} }).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.code).toBe('port_in_use');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // Now free: the flow uses exactly that port.
    const controller = new AbortController();
    let seen = 0;
    await acquireTokenInteractive(app(), {
      scopes: ['api.read'],
      port: taken,
      signal: controller.signal,
      openBrowser: (url) => {
        seen = redirectPort(url);
        controller.abort();
      },
    }).catch(() => undefined);
    expect(seen).toBe(taken);
  });

  it('uses http://localhost:<port>/ for Entra authorities', async () => {
    const entra = offlineEntraApp();
    const controller = new AbortController();
    let redirectUri = '';
    await acquireTokenInteractive(entra, {
      scopes: ['User.Read'],
      signal: controller.signal,
      openBrowser: async (url) => {
        redirectUri = new URL(await authorizationUrlOf(url)).searchParams.get('redirect_uri')!;
        controller.abort();
      },
    }).catch(() => undefined);
    expect(redirectUri).toMatch(/^http:\/\/localhost:\d+\/$/);
  });
});
