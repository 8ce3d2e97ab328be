// `pnpm demo`: every step talks to a real OpenID provider (the dev authority) on 127.0.0.1.
import { ConfidentialClientApplication, PublicClientApplication } from '@tessera/core';
import { approveDeviceCode, startDevAuthority } from '@tessera/dev-authority';
import { startSampleServer } from '../../browser/sample/serve.mjs';

const SCOPES = ['api.read'];
// By default the demo ends by serving the sample single-page app; `--once` stops after the console part.
const keepRunning = !process.argv.includes('--once');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const show = (title) => console.log(`\n${bold(`== ${title}`)}`);
// What a token is, never any of its characters: terminals and logs must not show tokens.
const preview = (token) => {
  const [header, , signature] = token.split('.');
  let kind = 'opaque';
  try {
    if (signature !== undefined) kind = `JWT, ${JSON.parse(Buffer.from(header, 'base64url').toString()).alg}`;
  } catch {}
  return `(${kind}, ${token.length} chars)`;
};
const when = (date) => date.toISOString().replace('.000Z', 'Z');

// The sample SPA's origin must be registered with the provider before it starts (exact redirect URIs).
const sample = keepRunning ? await startSampleServer({ port: await freePort(5173) }) : undefined;
const idp = await startDevAuthority({ spaRedirectUris: sample?.redirectUris ?? [] });
if (sample) sample.config.authority = idp.issuer;
console.log(`Development identity provider: ${idp.issuer}`);

show('1. Client credentials (confidential client with a secret)');
const service = new ConfidentialClientApplication({
  clientId: idp.clients.confidential.clientId,
  clientCredential: idp.clients.confidential.clientSecret,
  authority: idp.issuer,
});
const app = await service.acquireTokenForClient({ scopes: SCOPES });
console.log(`access token ${preview(app.accessToken)}, scopes "${app.scopes.join(' ')}", expires ${when(app.expiresOn)}`);
const again = await Promise.all(Array.from({ length: 50 }, () => service.acquireTokenForClient({ scopes: SCOPES })));
console.log(`50 more calls: ${again.filter((r) => r.fromCache).length} from cache; token requests seen by the provider: ${idp.countRequests({ grantType: 'client_credentials' })}`);

show('2. Device code sign-in (public client)');
let now = Math.floor(Date.now() / 1000);
const cli = new PublicClientApplication({ clientId: idp.clients.native.clientId, authority: idp.issuer, now: () => now });
const flow = await cli.initiateDeviceFlow({ scopes: SCOPES });
console.log(flow.message);
flow.interval = 1; // the provider suggests none; RFC 8628 says 5 s, the demo is impatient
const pending = cli.acquireTokenByDeviceFlow(flow);
console.log(`(demo) the dev authority's login driver now approves code ${flow.userCode} as user "ada", as a person would in the browser`);
await approveDeviceCode(idp.issuer, flow.userCode, { username: 'ada' });
const signedIn = await pending;
console.log(`signed in as ${signedIn.account.username} (home account id ${signedIn.account.homeAccountId}); ID token claims: sub=${signedIn.idTokenClaims.sub}, iss=${signedIn.idTokenClaims.iss}`);

show('3. Silent acquisition: a cache hit');
const [account] = await cli.getAccounts();
const hit = await cli.acquireTokenSilent({ scopes: SCOPES, account });
console.log(`fromCache=${hit.fromCache}, same token as the sign-in: ${hit.accessToken === signedIn.accessToken}`);

show('4. Silent acquisition after expiry: a refresh');
now += 3600; // an hour later, as far as the client can tell
const before = idp.countRequests({ grantType: 'refresh_token' });
const refreshed = await cli.acquireTokenSilent({ scopes: SCOPES, account });
console.log(`fromCache=${refreshed.fromCache}, new token: ${refreshed.accessToken !== signedIn.accessToken}, refresh requests at the provider: ${idp.countRequests({ grantType: 'refresh_token' }) - before}`);

const cache = JSON.parse(cli.tokenCache.serialize());
show('5. The token cache (MSAL unified schema)');
for (const [section, entries] of Object.entries(cache)) console.log(`${section}: ${Object.keys(entries).length} entr${Object.keys(entries).length === 1 ? 'y' : 'ies'}`);

if (sample) {
  show('6. The sample single-page app (@tessera/browser), signed in through this provider');
  const page = await fetch(`${sample.origin}/`);
  console.log(`open ${sample.origin}/ (bundled app, HTTP ${page.status}) or ${sample.origin}/cdn.html (CDN file); any username and password sign in`);
  console.log('Ctrl-C stops the provider and the app.');
  const stop = () => void Promise.all([sample.close(), idp.close()]).finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await idp.close();
  console.log('\nDone.');
}

/** The preferred port when it is free, else one the system picks. */
async function freePort(preferred) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(0));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}
