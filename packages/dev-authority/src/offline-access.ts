import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * oidc-provider follows OIDC Core 11 strictly and silently drops `offline_access` from an
 * authorization request unless `prompt` contains `consent`. Most production IdPs issue a
 * refresh token for `offline_access` alone, and SDKs rely on that, so for such requests we
 * add `consent` to `prompt` (the dev consent page is one click; the login driver submits it).
 * `prompt=none` is left untouched: it cannot be combined with consent.
 */
export async function keepOfflineAccess(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> {
  if (ctx.method === 'GET' && ctx.path === '/auth') {
    const query = { ...ctx.query };
    const scopes = String(query.scope ?? '').split(' ');
    const prompts = new Set(String(query.prompt ?? '').split(' ').filter(Boolean));
    if (scopes.includes('offline_access') && !prompts.has('none') && !prompts.has('consent')) {
      prompts.add('consent');
      ctx.query = { ...query, prompt: [...prompts].join(' ') };
    }
  }
  await next();
}
