import { InteractionRequiredError } from '../errors.js';
import type { PeerRefresh } from './context.js';
import { ownRefreshToken, silentCacheReady, silentHit } from './silent.js';

/**
 * A silent refresh that may lose a race with a peer sharing the cache store but not its lock
 * (msal-node or @azure/identity on the same file, in another process). The store is read before
 * redeeming (inside the refresh lock), but the peer may rotate the refresh token while our
 * redemption is on the wire: the provider then answers invalid_grant. So on invalid_grant the store
 * is read again, once: a valid access token for the request there is served; a refresh token other
 * than the refused one is redeemed (once); otherwise the refusal stands, and the refused token is
 * not presented again. (With reuse detection the peer's refresh token is revoked with the grant;
 * its access token is still served.) ClientApplication sets it; browsers do not need it.
 */
export const refreshRacingPeers: PeerRefresh = async (ctx, authority, options, refresh) => {
  const refused = ownRefreshToken(ctx, authority, options.account)?.secret;
  try {
    return await refresh();
  } catch (error) {
    if (!(error instanceof InteractionRequiredError && error.code === 'invalid_grant')) throw error;
    await silentCacheReady(ctx, options);
    const hit = silentHit(ctx, options);
    if (hit) return hit;
    const stored = ownRefreshToken(ctx, authority, options.account)?.secret;
    if (stored === undefined || stored === refused) throw error;
    ctx.log.log('info', 'The refresh token was refused; the cache store holds another (a peer refreshed or signed in meanwhile): redeeming it');
    return refresh();
  }
};
