import { InteractionRequiredError } from '../errors.js';
import type { SilentRefresh } from './context.js';
import { ownRefreshToken, refreshDue, silentCacheReady, silentHit } from './silent.js';

/**
 * A silent refresh (`refresh`, else the app's own refresh token) that may lose a race with a peer
 * sharing the cache store but not its lock (msal-node or @azure/identity on the same file, in another
 * process). The store is read before redeeming (inside the refresh lock), but the peer may rotate the
 * refresh token or sign the user in again while our redemption is on the wire: the provider answers
 * invalid_grant. Then the store is read again, once: a valid access token for the request there (not
 * yet due for refresh) is served; a refresh token other than the refused one is redeemed (once);
 * otherwise the refusal stands, and the refused token is not presented again. (A provider with reuse
 * detection revokes the grant, the peer's refresh token with it: the peer's access token is still
 * served.) Browsers need none: their tabs all take the Web Lock.
 */
export const refreshRacingPeers =
  (refresh?: SilentRefresh): SilentRefresh =>
  async (ctx, authority, options, refreshOwn, redeem) => {
    const attempt = () => (refresh ? refresh(ctx, authority, options, refreshOwn, redeem) : refreshOwn());
    const refused = ownRefreshToken(ctx, authority, options.account)?.secret;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof InteractionRequiredError && error.code === 'invalid_grant')) throw error;
      await silentCacheReady(ctx, options);
      // Not the token whose refresh_on passed (a background refresh): that failure is the caller's to log.
      const hit = silentHit(ctx, options);
      if (hit && !refreshDue(ctx, hit)) return hit;
      const stored = ownRefreshToken(ctx, authority, options.account)?.secret;
      if (stored === undefined || stored === refused) throw error;
      ctx.log.log('info', 'The refresh token was refused and the cache store now holds another (a peer refreshed or signed in meanwhile): redeeming it');
      return attempt();
    }
  };
