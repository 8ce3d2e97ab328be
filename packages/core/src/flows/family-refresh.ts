import { type AppMetadataEntity, type RefreshTokenEntity, assertionHashOf } from '../cache/schema.js';
import { ServerError } from '../errors.js';
import type { SilentRefresh } from './context.js';
import { ownRefreshToken } from './silent.js';

/** The one family Entra has today (MSAL's THE_FAMILY_ID). */
const FAMILY_ID = '1';

/**
 * Family of client ids (FOCI), as MSAL Python does it: an app seen for the first time (no app
 * metadata) tries the family refresh token, as does an app whose metadata names its family; if
 * that fails (not in the family, `client_mismatch`, revoked), the app's own refresh token is used
 * (none: InteractionRequiredError `no_tokens_found`).
 * A family refresh token is one another app of the family stored with `family_id`; redeemed
 * with this app's client id, the answer is filed under this app (and the family, when `foci`).
 */
export const refreshWithFamily: SilentRefresh = async (ctx, authority, { account }, refreshOwn, redeem) => {
  const cache = ctx.persistence.cache;
  const environment = account.environment.toLowerCase();
  let metadata: AppMetadataEntity | undefined;
  for (const [, m] of cache.entries('AppMetadata')) if (m.client_id === ctx.clientId && m.environment.toLowerCase() === environment) metadata = m;
  const familyId = metadata ? metadata.family_id : FAMILY_ID;
  if (familyId) {
    const frt = familyRefreshToken(cache.entries('RefreshToken'), account.homeAccountId, environment, familyId);
    if (frt) {
      try {
        return await redeem(frt.secret, frt.target);
      } catch (error) {
        // The provider's answer (e.g. invalid_grant, client_mismatch): this app may use only its own token,
        // unless that is the token just refused (a member's own token is the family's): not presented twice.
        if (!(error instanceof ServerError) || ownRefreshToken(ctx, authority, account)?.secret === frt.secret) throw error;
        // The code only: a description may name the user (see SECURITY.md, coresec).
        ctx.log.log('info', `The family refresh token was refused (${error.error}${error.suberror ? `, ${error.suberror}` : ''}); trying the app's own`);
      }
    }
  }
  return refreshOwn();
};

/** The newest refresh token of the account's family on this cloud (whichever app stored it). */
function familyRefreshToken(entries: Iterable<[string, RefreshTokenEntity]>, homeAccountId: string, environment: string, familyId: string): RefreshTokenEntity | undefined {
  let found: RefreshTokenEntity | undefined;
  for (const [, rt] of entries) {
    if (rt.family_id === familyId && rt.home_account_id === homeAccountId && rt.environment.toLowerCase() === environment && !assertionHashOf(rt)) {
      if (!found || Number(rt.last_modification_time ?? 0) >= Number(found.last_modification_time ?? 0)) found = rt;
    }
  }
  return found;
}
