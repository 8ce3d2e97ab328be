// Entra's instance discovery ages like a discovery document (METADATA_MAX_AGE_SECONDS, the same
// mechanism): a private cloud accepted once is asked about again on the first use a day later; while
// instance discovery is down, the acceptance from before stands (with a warning) and is asked for
// again after METADATA_RETRY_SECONDS; a refusal (Entra withdrew the instance) ends it. No local
// product serves instance discovery: the Entra clouds stub plays it. The client's clock is injected.
import { describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, type HttpClient, type LogLevel, METADATA_MAX_AGE_SECONDS, METADATA_RETRY_SECONDS } from '../src/index.js';
import { CLIENT_ID, TID, useEntraCloudsStub } from './support/entra-clouds-stub.js';

const PRIVATE_CLOUD = 'login.private-cloud.example';
const INSTANCE_DISCOVERY = 'login.microsoftonline.com/common/discovery/instance';

describe('instance discovery ages out after METADATA_MAX_AGE_SECONDS', () => {
  const entra = useEntraCloudsStub();
  const asked = () => entra.paths().filter((p) => p === INSTANCE_DISCOVERY).length;

  /** A daemon on the private cloud with a clock `clock.t` seconds from the start, its warnings, and a switch that makes instance discovery answer 503. */
  function daemon() {
    const clock = { t: 0 };
    /** `body`: what the 503 says (Entra's transient-error JSON, or a gateway's text). */
    const net = { instanceDiscoveryDown: false, body: 'Service Unavailable' };
    const warnings: string[] = [];
    const start = Math.floor(Date.now() / 1000);
    const http: HttpClient = {
      send: (request) =>
        net.instanceDiscoveryDown && request.url.includes('/common/discovery/instance')
          ? Promise.resolve({ status: 503, headers: {}, body: net.body })
          : entra.current.http.send(request),
    };
    const app = new ConfidentialClientApplication({
      clientId: CLIENT_ID,
      clientCredential: 's3cret',
      authority: `https://${PRIVATE_CLOUD}/${TID}`,
      knownEntraHosts: [PRIVATE_CLOUD],
      httpClient: http,
      retry: false,
      now: () => start + clock.t,
      logger: { log: (level: LogLevel, message: string) => level === 'warning' && warnings.push(message) },
    });
    return { app, clock, net, warnings };
  }

  it('is asked once a day: the next use after the day asks Entra again, and a withdrawn instance is refused from then on', async () => {
    const { app, clock } = daemon();
    await app.getAuthorityMetadata();
    expect(asked()).toBe(1);
    clock.t = METADATA_MAX_AGE_SECONDS - 60;
    await app.getAuthorityMetadata();
    expect(asked()).toBe(1);

    clock.t = METADATA_MAX_AGE_SECONDS;
    await app.getAuthorityMetadata();
    expect(asked()).toBe(2);

    // Entra no longer serves the cloud: the day after, the refusal stands (no secret goes to the host).
    entra.current.withdrawn.add(PRIVATE_CLOUD);
    clock.t = 2 * METADATA_MAX_AGE_SECONDS;
    entra.current.seen.length = 0;
    await expect(app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] })).rejects.toMatchObject({
      code: 'invalid_instance',
      message: expect.stringContaining('AADSTS50049'),
    });
    expect(entra.paths()).toEqual([INSTANCE_DISCOVERY]);
    // Not remembered as accepted: the next call asks again, and is refused again.
    await expect(app.getAuthorityMetadata()).rejects.toMatchObject({ code: 'invalid_instance' });
    expect(asked()).toBe(2);
  });

  it('down when the acceptance has aged: it stands, with a warning, and Entra is asked again after the retry interval', async () => {
    const { app, clock, net, warnings } = daemon();
    await app.getAuthorityMetadata();
    net.instanceDiscoveryDown = true;
    clock.t = METADATA_MAX_AGE_SECONDS;
    const token = await app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] });
    expect(token.accessToken).toBe(`app-token-${PRIVATE_CLOUD}`);
    expect(warnings).toEqual([expect.stringMatching(/^Instance discovery failed, using the answer fetched before: .*HTTP 503/)]);
    // Within the retry interval no call waits for instance discovery again.
    clock.t += METADATA_RETRY_SECONDS - 1;
    entra.current.seen.length = 0;
    net.instanceDiscoveryDown = false;
    await app.getAuthorityMetadata();
    expect(asked()).toBe(0);

    clock.t += 1;
    await app.getAuthorityMetadata();
    expect(asked()).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it("down with Entra's own transient-error answer (503 temporarily_unavailable): an outage, not a refusal; the acceptance stands", async () => {
    const { app, clock, net, warnings } = daemon();
    await app.getAuthorityMetadata();
    net.instanceDiscoveryDown = true;
    net.body = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.' });
    clock.t = METADATA_MAX_AGE_SECONDS;
    const token = await app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] });
    expect(token.accessToken).toBe(`app-token-${PRIVATE_CLOUD}`);
    expect(warnings).toEqual([expect.stringMatching(/^Instance discovery failed, using the answer fetched before: temporarily_unavailable/)]);
  });

  it('down with no acceptance before: the call fails before anything goes to the host, and the next one asks again', async () => {
    const { app, net } = daemon();
    net.instanceDiscoveryDown = true;
    await expect(app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] })).rejects.toThrow(/Instance discovery returned a body that is not valid JSON \(HTTP 503\)/);
    expect(entra.paths().filter((p) => p.startsWith(PRIVATE_CLOUD))).toEqual([]);
    net.instanceDiscoveryDown = false;
    await expect(app.acquireTokenForClient({ scopes: ['https://api.contoso.com/.default'] })).resolves.toMatchObject({ accessToken: `app-token-${PRIVATE_CLOUD}` });
    expect(asked()).toBe(1);
  });
});
