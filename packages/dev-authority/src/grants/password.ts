import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { isPasswordAccepted, subjectFor } from '../accounts.js';
import { splitScope } from '../scopes.js';
import type { ResourceServerInfo } from '../provider-config.js';
import { issueUserTokens } from './issue.js';
import { PASSWORD } from './names.js';

export const passwordParameters = ['username', 'password', 'scope'];

/** ROPC (dev/test only): any username with any password but DEV_PASSWORD_REJECTED. */
export function passwordGrant(apiInfo: ResourceServerInfo, subject: (username: string) => string = subjectFor, acr?: string) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const { username, password, scope } = ctx.oidc.params as Record<string, string | undefined>;
    if (!username) throw new errors.InvalidRequest('missing required parameter username');
    if (!isPasswordAccepted(password)) throw new errors.InvalidGrant('invalid username or password');
    await issueUserTokens(ctx, { accountId: subject(username), scopes: splitScope(scope), gty: PASSWORD, apiInfo, acr });
  };
}
