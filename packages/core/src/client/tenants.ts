import type { Authority } from '../authority/authority.js';
import type { IdTokenClaims } from '../crypto/id-token.js';
import type { FlowContext } from '../flows/context.js';
import { type AccountInfo, type AuthenticationResult, userView } from '../results.js';

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Entra tenant id (GUID) a `tenant` option names, which is what tokens are cached under: a
 * domain (`contoso.onmicrosoft.com`) is resolved once, from a token's `tid` (see learnTenantId) or
 * else its discovery document's issuer (`https://<host>/<tenant id>/v2.0`); common/organizations/
 * consumers stay as they are.
 */
export async function tenantIdOf(ctx: FlowContext, authority: Authority, tenant: string, signal?: AbortSignal): Promise<string> {
  if (authority.kind !== 'entra' || TENANT_ID.test(tenant)) return tenant;
  const key = tenant.toLowerCase();
  const known = ctx.tenantIds?.get(key);
  if (known) return known;
  const id = new URL((await ctx.metadata(authority, signal)).issuer).pathname.split('/').find((segment) => TENANT_ID.test(segment));
  if (!id) return tenant;
  ctx.tenantIds?.set(key, id);
  return id;
}

/**
 * Remembers the tenant id of an Entra tenant named by domain from a token's `tid` (see tenantIdOf):
 * silent calls find its tokens by either from now on.
 */
export function learnTenantId(ctx: FlowContext, authority: Authority, claims: IdTokenClaims | undefined): void {
  const tid = claims?.tid;
  if (authority.kind === 'entra' && tid && authority.tenant.includes('.')) ctx.tenantIds?.set(authority.tenant.toLowerCase(), tid);
}

/**
 * A cache hit for another tenant than the account's, as that tenant's view of the user (its oid,
 * ID-token claims and tenant profiles), as msal-node returns it. Other results are returned as they are.
 */
export function inTenantView(ctx: FlowContext, account: AccountInfo, result: AuthenticationResult): AuthenticationResult {
  if (!result.fromCache || !result.tenantId || result.tenantId === account.tenantId) return result;
  const view = userView(ctx.persistence.cache, ctx.clientId, account.homeAccountId, account.environment, result.tenantId, ctx.authority);
  return view ? { ...result, account: view } : result;
}
