import type { KoaContextWithOIDC } from 'oidc-provider';
import { pushedParameters, setPushedParameters } from './pushed-request.js';

/**
 * oidc-provider follows OIDC Core 11 strictly and silently drops `offline_access` from an
 * authorization request unless `prompt` contains `consent`. Most production IdPs issue a
 * refresh token for `offline_access` alone, and SDKs rely on that, so for such requests we
 * add `consent` to `prompt` (the dev consent page is one click; the login driver submits it),
 * in the browser's `/auth` query and in a pushed request (PAR), whose parameters never pass the
 * browser. `prompt=none` is left untouched: it cannot be combined with consent.
 */
export async function keepOfflineAccess(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> {
  if (ctx.method === 'GET' && ctx.path === '/auth') {
    const prompt = withConsent(ctx.query.scope, ctx.query.prompt);
    if (prompt) ctx.query = { ...ctx.query, prompt };
  }
  const pushed = await pushedParameters(ctx);
  const prompt = pushed && withConsent(pushed.get('scope'), pushed.get('prompt'));
  if (prompt) {
    pushed.set('prompt', prompt);
    setPushedParameters(ctx, pushed);
  }
  await next();
}

/** The `prompt` to send instead, when a request asks for offline_access without consent (and without none). */
function withConsent(scope: unknown, prompt: unknown): string | undefined {
  const prompts = new Set(String(prompt ?? '').split(' ').filter(Boolean));
  if (!String(scope ?? '').split(' ').includes('offline_access') || prompts.has('none') || prompts.has('consent')) return undefined;
  return [...prompts, 'consent'].join(' ');
}
