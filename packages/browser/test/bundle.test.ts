// What the browser bundles carry: no device code, client credentials, credential/JWT-signing,
// zod or Node code in an SPA; and the CDN file's size.
import { describe, expect, it } from 'vitest';
import {
  FORBIDDEN,
  PUBLIC_CLIENT_ENTRY,
  SPA_ENTRY,
  appCode,
  cdnCode,
  forbiddenIn,
  packageBuildsExist,
  sizes,
} from '../scripts/bundle-check.mjs';

/**
 * A ceiling against regressions. The target is CDN_GZIP_BUDGET (12,000), which `pnpm size`
 * checks and reports; core's share alone is about 10 kB gzipped today (see the README).
 */
const CDN_GZIP_CEILING = 13_500;

describe('browser bundles', () => {
  it('the CDN file carries none of the code an SPA does not use, and stays under the ceiling', async () => {
    const code = await cdnCode();
    expect(forbiddenIn(code)).toEqual([]);
    expect(code).toContain('interaction_required'); // sanity: the marker search sees core's strings
    expect(sizes(code).gzip).toBeLessThanOrEqual(CDN_GZIP_CEILING);
  }, 60_000);

  // `pnpm test` builds the packages first; a bare `vitest run` on a fresh clone has no dist.
  describe.skipIf(!packageBuildsExist())('against the package builds, as an app bundler sees them', () => {
    it('an SPA with redirect sign-in, silent acquisition and the IndexedDB cache tree-shakes the rest away', async () => {
      const code = await appCode(SPA_ENTRY);
      expect(forbiddenIn(code)).toEqual([]);
      expect(Object.keys(FORBIDDEN).length).toBeGreaterThan(5);
    }, 60_000);

    it('an app importing only core PublicClientApplication gets no confidential-client, credential or jose code', async () => {
      const code = await appCode(PUBLIC_CLIENT_ENTRY);
      expect(forbiddenIn(code, ['client credentials flow', 'on-behalf-of flow', 'client assertions (credential code)', 'jose (JWT signing/verification)', 'Node built-ins'])).toEqual([]);
    }, 60_000);

    it('the markers do find that code where it is used (confidential client)', async () => {
      const code = await appCode(
        "import { ConfidentialClientApplication } from '@tessera/core'; export const app = new ConfidentialClientApplication({ clientId: 'c', clientCredential: 's' });",
      );
      expect(forbiddenIn(code)).toEqual(expect.arrayContaining(['client credentials flow', 'client assertions (credential code)', 'jose (JWT signing/verification)']));
    }, 60_000);
  });
});
