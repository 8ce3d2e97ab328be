#!/usr/bin/env node
// `pnpm size`: sizes of the CDN file (built from the sources) against its gzip budget, and of an
// SPA bundled against the package builds (after `pnpm build`), with a check that the SPA bundle
// carries no device-code, client-credential, credential/JWT-signing, zod or Node code.
import {
  CDN_GZIP_BUDGET,
  FORBIDDEN,
  PUBLIC_CLIENT_ENTRY,
  SPA_ENTRY,
  appCode,
  cdnCode,
  forbiddenIn,
  packageBuildsExist,
  sizes,
} from './bundle-check.mjs';

const row = (name, s) => `${name.padEnd(54)} ${String(s.min).padStart(7)} ${String(s.gzip).padStart(7)} ${String(s.brotli).padStart(7)}`;
let failed = false;

console.log(`${'bytes'.padEnd(54)} ${'min'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}`);
const cdn = sizes(await cdnCode());
console.log(row('tessera-browser.min.js (CDN file, whole API)', cdn));

if (packageBuildsExist()) {
  const spa = await appCode(SPA_ENTRY);
  console.log(row('SPA: redirect + silent + IndexedDB (package builds)', sizes(spa)));
  const publicOnly = await appCode(PUBLIC_CLIENT_ENTRY);
  console.log(row('core PublicClientApplication only', sizes(publicOnly)));
  const inSpa = forbiddenIn(spa);
  const inPublic = forbiddenIn(publicOnly, ['client credentials flow', 'on-behalf-of flow', 'client assertions (credential code)', 'jose (JWT signing/verification)', 'Node built-ins']);
  console.log(`\nSPA bundle free of: ${Object.keys(FORBIDDEN).join(', ')}: ${inSpa.length ? `NO (found ${inSpa.join(', ')})` : 'yes'}`);
  console.log(`PublicClientApplication bundle free of confidential-client, credential and jose code: ${inPublic.length ? `NO (found ${inPublic.join(', ')})` : 'yes'}`);
  failed ||= inSpa.length > 0 || inPublic.length > 0;
} else {
  console.log('(run `pnpm build` first to also measure an SPA bundled against the package builds)');
}

const over = cdn.gzip - CDN_GZIP_BUDGET;
console.log(`\nCDN file budget: ${cdn.gzip} of ${CDN_GZIP_BUDGET} bytes gzipped: ${over > 0 ? `OVER by ${over}` : 'within budget'}`);
process.exitCode = failed || over > 0 ? 1 : 0;
