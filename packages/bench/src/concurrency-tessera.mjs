// 100 concurrent identical requests on an empty cache: how many reach the token endpoint?
import { ConfidentialClientApplication } from '@tessera/core';

export async function benchTesseraConcurrency(idp, concurrency = 100) {
  const app = new ConfidentialClientApplication({
    clientId: idp.clients.confidential.clientId,
    clientCredential: idp.clients.confidential.clientSecret,
    authority: idp.issuer,
  });
  idp.clearRequests();
  const results = await Promise.all(Array.from({ length: concurrency }, () => app.acquireTokenForClient({ scopes: ['api.read'] })));
  if (new Set(results.map((r) => r.accessToken)).size !== 1) throw new Error('concurrent callers got different tokens');
  return idp.countRequests({ grantType: 'client_credentials' });
}

/** Client-credentials tokens per second over the network path (a fresh cache for every call). */
export async function benchTesseraThroughput(idp, seconds) {
  const options = { clientId: idp.clients.confidential.clientId, clientCredential: idp.clients.confidential.clientSecret, authority: idp.issuer };
  const deadline = Date.now() + seconds * 1000;
  let count = 0;
  while (Date.now() < deadline) {
    await new ConfidentialClientApplication(options).acquireTokenForClient({ scopes: ['api.read'] });
    count++;
  }
  return count / seconds;
}
