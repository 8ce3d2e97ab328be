import type { KoaContextWithOIDC } from 'oidc-provider';
import { pushedParameters } from './pushed-request.js';

/** OAuth response modes an authorization-code request can ask for. */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

/**
 * Makes the authority support only `modes`, like providers that require `form_post`: discovery
 * lists only them in `response_modes_supported`, and an authorization request asking for another
 * (or, with no `response_mode`, for the code flow's default `query`) gets a 400 page. A pushed
 * request (PAR) is checked where its parameters arrive, at the PAR endpoint (an OAuth error
 * answer); the browser's `/auth` query then holds only its `request_uri`.
 */
export function restrictResponseModes(modes: readonly ResponseMode[]) {
  const refusal = (mode: string | null) =>
    (modes as readonly string[]).includes(mode ?? 'query') ? undefined : `this authority accepts response_mode ${modes.join(', ')} only`;
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.path === '/auth' && ctx.method === 'GET' && ctx.query.request_uri === undefined) {
      const refused = refusal(typeof ctx.query.response_mode === 'string' ? ctx.query.response_mode : null);
      if (refused) {
        ctx.status = 400;
        ctx.type = 'text/plain';
        ctx.body = `unsupported_response_mode: ${refused}`;
        return;
      }
    }
    const pushed = await pushedParameters(ctx);
    const refused = pushed && refusal(pushed.get('response_mode'));
    if (refused) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `unsupported response_mode: ${refused}` };
      return;
    }
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
      (ctx.body as Record<string, unknown>).response_modes_supported = [...modes];
    }
  };
}
