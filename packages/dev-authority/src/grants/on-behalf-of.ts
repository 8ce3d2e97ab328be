import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { splitScope } from '../scopes.js';
import type { ResourceServerInfo } from '../provider-config.js';
import { issueUserTokens } from './issue.js';
import { JWT_BEARER } from './names.js';

export const onBehalfOfParameters = ['assertion', 'requested_token_use', 'scope'];

export interface OnBehalfOfSetup {
  issuer: string;
  /** Public signing keys, to verify JWT-formatted access tokens before looking them up. */
  publicJwks: JSONWebKeySet;
  apiInfo: ResourceServerInfo;
  /** jti of every JWT user access token issued; JWT tokens are not stored by the provider. */
  userJwtIds: ReadonlySet<string>;
}

interface Subject {
  accountId: string;
  scope?: string;
}

/**
 * On-behalf-of (jwt-bearer + requested_token_use=on_behalf_of): exchanges a user access
 * token this authority issued, to any client, for a new token for the calling client.
 */
export function onBehalfOfGrant(setup: OnBehalfOfSetup) {
  const keys = createLocalJWKSet(setup.publicJwks);

  /** The user behind a token this authority issued; undefined for anything else. */
  async function subjectOf(ctx: KoaContextWithOIDC, assertion: string): Promise<Subject | undefined> {
    if (assertion.split('.').length === 3) {
      try {
        const { payload } = await jwtVerify(assertion, keys, { issuer: setup.issuer, typ: 'at+jwt' });
        if (!payload.jti || !setup.userJwtIds.has(payload.jti) || !payload.sub) return undefined;
        return { accountId: payload.sub, scope: typeof payload.scope === 'string' ? payload.scope : undefined };
      } catch {
        return undefined;
      }
    }
    // Opaque: find() checks expiry; client_credentials tokens are another model, never found here.
    const token = await ctx.oidc.provider.AccessToken.find(assertion);
    return token?.accountId ? { accountId: token.accountId, scope: token.scope } : undefined;
  }

  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const { assertion, requested_token_use: use, scope } = ctx.oidc.params as Record<string, string | undefined>;
    if (use !== 'on_behalf_of') {
      throw new errors.InvalidRequest(`${JWT_BEARER} is only supported with requested_token_use=on_behalf_of`);
    }
    if (!assertion) throw new errors.InvalidRequest('missing required parameter assertion');

    const incoming = await subjectOf(ctx, assertion);
    if (!incoming) throw new errors.InvalidGrant('assertion is not a valid user access token');

    const scopes = scope ? splitScope(scope) : splitScope(incoming.scope);
    await issueUserTokens(ctx, { accountId: incoming.accountId, scopes, gty: JWT_BEARER, apiInfo: setup.apiInfo });
  };
}
