import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import { findAccount } from '../accounts.js';
import { API_RESOURCE, API_SCOPES, OIDC_SCOPES, isApiScope } from '../scopes.js';
import type { ResourceServerInfo } from '../provider-config.js';

// Token issuance shared by the custom grants. oidc-provider hands its internal grant helpers
// only to built-in grants, so this mirrors what its authorization_code grant does.

const KNOWN_SCOPES = new Set<string>([...OIDC_SCOPES, ...API_SCOPES]);

export interface IssueOptions {
  accountId: string;
  /** Requested scopes; unknown ones are dropped like the authorization endpoint does. */
  scopes: string[];
  gty: string;
  apiInfo: ResourceServerInfo;
  /** The sign-in's `acr` (DevAuthorityOptions.acr): in the ID token, and kept by the refresh token for later ones. */
  acr?: string;
}

/** Issues access (+ refresh, + ID) tokens for `accountId` to the authenticated client. */
export async function issueUserTokens(ctx: KoaContextWithOIDC, options: IssueOptions): Promise<void> {
  const { provider, client } = ctx.oidc;
  if (!client) throw new Error('client authentication is required');

  const scopes = options.scopes.filter((s) => KNOWN_SCOPES.has(s));
  const apiScopes = scopes.filter(isApiScope);
  const account = (await findAccount(ctx, options.accountId)) as Account;
  ctx.oidc.entity('Account', account);

  const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
  grant.addOIDCScope(scopes.join(' '));
  if (apiScopes.length) grant.addResourceScope(API_RESOURCE, apiScopes.join(' '));
  const grantId = await grant.save();
  ctx.oidc.entity('Grant', grant);

  // Same split as oidc-provider: with `openid` the token is an opaque (userinfo) token carrying
  // every scope; without it an API-only request gets a JWT for the API resource.
  const forApi = apiScopes.length > 0 && !scopes.includes('openid');
  const at = new provider.AccessToken({ accountId: account.accountId, client, grantId, gty: options.gty });
  if (forApi) {
    at.resourceServer = new provider.ResourceServer(API_RESOURCE, options.apiInfo);
    at.scope = apiScopes.join(' ');
  } else {
    at.scope = scopes.join(' ') || undefined;
  }
  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  let refreshToken: string | undefined;
  if (client.grantTypeAllowed('refresh_token') && scopes.includes('offline_access')) {
    const rt = new provider.RefreshToken({
      accountId: account.accountId,
      client,
      grantId,
      gty: options.gty,
      acr: options.acr,
      rotations: 0,
      scope: scopes.join(' '),
      resource: forApi ? API_RESOURCE : undefined,
      expiresWithSession: false,
    });
    ctx.oidc.entity('RefreshToken', rt);
    refreshToken = await rt.save();
  }

  let idToken: string | undefined;
  if (scopes.includes('openid')) {
    const claims = await account.claims('id_token', scopes.join(' '), {}, []);
    const token = new provider.IdToken({ ...claims, acr: options.acr, auth_time: Math.floor(Date.now() / 1000) }, { ctx });
    // Claims are filtered by `scope`, a runtime member the type definitions do not declare.
    Object.assign(token, { scope: scopes.join(' ') });
    idToken = await token.issue({ use: 'idtoken' });
  }

  ctx.body = Object.fromEntries(
    Object.entries({
      access_token: accessToken,
      expires_in: at.expiration,
      id_token: idToken,
      refresh_token: refreshToken,
      scope: at.scope,
      token_type: at.tokenType,
    }).filter(([, value]) => value !== undefined),
  );
}
