#!/usr/bin/env node
// `pnpm size`: sizes of the CDN file (built from the sources) against its gzip budget, and of an
// SPA bundled against the package builds (after `pnpm build`), with a check that the SPA bundle
// carries no device-code, client-credential, credential/JWT-signing or Node code (zod/mini is
// inside: it validates every response and stored value). Exits non-zero above a budget.
// `pnpm size --modules`: also each module's share of the CDN file (minified and gzipped alone).
import {
  CDN_GZIP_BUDGET,
  SPA_GZIP_BUDGET,
  FORBIDDEN,
  PUBLIC_CLIENT_ENTRY,
  SPA_ENTRY,
  appCode,
  cdnCode,
  forbiddenIn,
  moduleSizes,
  packageBuildsExist,
  sizes,
} from './bundle-check.mjs';

const row = (name, s) => `${name.padEnd(54)} ${String(s.min).padStart(7)} ${String(s.gzip).padStart(7)} ${String(s.brotli).padStart(7)}`;
let failed = false;
let spaGzip;

console.log(`${'bytes'.padEnd(54)} ${'min'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}`);
const cdn = sizes(await cdnCode());
console.log(row('tessera-browser.min.js (CDN file, whole API)', cdn));

if (packageBuildsExist()) {
  const spa = await appCode(SPA_ENTRY);
  spaGzip = sizes(spa).gzip;
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

const budget = (name, gzip, limit) => {
  const over = gzip - limit;
  console.log(`${name} budget: ${gzip} of ${limit} bytes gzipped: ${over > 0 ? `OVER by ${over}` : 'within budget'}`);
  return over > 0;
};
if (process.argv.includes('--modules')) {
  console.log(`\n${'CDN file by module (alone)'.padEnd(54)} ${'min'.padStart(7)} ${'gzip'.padStart(7)}`);
  for (const m of await moduleSizes()) console.log(`${m.module.padEnd(54)} ${String(m.min).padStart(7)} ${String(m.gzip).padStart(7)}`);
}
console.log('');
failed = budget('CDN file', cdn.gzip, CDN_GZIP_BUDGET) || failed;
if (spaGzip !== undefined) failed = budget('SPA bundle', spaGzip, SPA_GZIP_BUDGET) || failed;
process.exitCode = failed ? 1 : 0;
