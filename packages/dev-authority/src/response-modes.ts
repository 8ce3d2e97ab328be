import type { KoaContextWithOIDC } from 'oidc-provider';

/** OAuth response modes an authorization-code request can ask for. */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

/**
 * Makes the authority support only `modes`, like providers that require `form_post`: discovery
 * lists only them in `response_modes_supported`, and an authorization request asking for another
 * (or, with no `response_mode`, for the code flow's default `query`) gets a 400 page.
 */
export function restrictResponseModes(modes: readonly ResponseMode[]) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      const requested = typeof ctx.query.response_mode === 'string' ? ctx.query.response_mode : 'query';
      if (!(modes as readonly string[]).includes(requested)) {
        ctx.status = 400;
        ctx.type = 'text/plain';
        ctx.body = `unsupported_response_mode: this authority accepts response_mode ${modes.join(', ')} only`;
        return;
      }
    }
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
      (ctx.body as Record<string, unknown>).response_modes_supported = [...modes];
    }
  };
}
