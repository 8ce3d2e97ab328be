import { PublicClientApplication } from '@tessera/core';
import { completeAuthorization } from '@tessera/dev-authority';
import { describe, expect, it } from 'vitest';
import { acquireTokenInteractive } from '../../src/index.js';
import { useDevAuthority } from '../../../core/test/helpers.js';
import { authorizationUrlOf } from './net-probes.js';

// Issue 9 §3: a provider that requires form_post (the dev authority started that way). The HTTP
// driver plays the browser here; e2e/form-post.spec.ts does the same in Chromium.

describe('loopback sign-in with a provider that requires form_post', () => {
  const idp = useDevAuthority({ responseModes: ['form_post'] });

  it('the dev authority advertises only form_post and refuses a query-mode request', async () => {
    const discovery = (await (await fetch(`${idp.current.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.response_modes_supported).toEqual(['form_post']);
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const url = await app.getAuthorizationRequestUrl({ scopes: ['api.read'], redirectUri: 'http://127.0.0.1:1/' });
    const answer = await fetch(url);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('unsupported_response_mode');
  });

  it('picks form_post from discovery and finishes with the POSTed response', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const seen: Record<string, unknown> = {};
    let driving: Promise<void> | undefined;
    const result = await acquireTokenInteractive(app, {
      scopes: ['api.read'],
      timeoutMs: 30_000,
      // The browser runs apart from the flow, which ends with the POST, not with the page.
      openBrowser: (startUrl) => void (driving = (async () => {
        const url = await authorizationUrlOf(startUrl);
        seen.mode = new URL(url).searchParams.get('response_mode');
        const { redirectUrl, params } = await completeAuthorization(url, { username: 'form-poster' });
        // A GET with the same fields is not how this flow answers: refused, and the flow goes on.
        seen.get = (await fetch(`${redirectUrl}?${params}`)).status;
        const posted = await fetch(redirectUrl, { method: 'POST', body: params });
        seen.post = posted.status;
        seen.page = await posted.text();
      })()),
    });
    await driving;
    expect(seen).toMatchObject({ mode: 'form_post', get: 405, post: 200, page: expect.stringContaining('Signed in') });
    expect(result.idTokenClaims?.sub).toBe('form-poster');
    expect(result.accessToken.length).toBeGreaterThan(10);
  });
});
