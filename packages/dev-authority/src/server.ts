import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Named import: the CJS build gets the ESM-only package's namespace via require(esm).
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import { subjectFor } from './accounts.js';
import { MemoryStore } from './adapter.js';
import { clientMetadata, describeClients, type ClientSetup } from './clients.js';
import { JWT_BEARER, PASSWORD } from './grants/names.js';
import { onBehalfOfGrant, onBehalfOfParameters } from './grants/on-behalf-of.js';
import { passwordGrant, passwordParameters } from './grants/password.js';
import { keepOfflineAccess } from './offline-access.js';
import { INTERACTION_PREFIX, handleInteraction, type MountedRequest } from './interactions.js';
import { generateBareClientKey, generateSigningJwks, loadFixtureClientKey } from './keys.js';
import { apiResourceInfo, providerConfiguration, type Ttls } from './provider-config.js';
import { RequestLog, basicClientId, clientAuthentication } from './request-log.js';
import { restrictResponseModes } from './response-modes.js';
import type { DevAuthority, DevAuthorityOptions } from './types.js';

const HOST = '127.0.0.1';
/** The pages a browser shows the user (DevAuthorityOptions.crossOriginOpenerPolicy): authorization, login and consent, sign-out. */
const INTERACTIVE_PATH = /^\/(auth|interaction|session\/end)(?=[/?]|$)/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

/** Starts a development OpenID Provider on 127.0.0.1. */
export async function startDevAuthority(options: DevAuthorityOptions = {}): Promise<DevAuthority> {
  const log = new RequestLog();
  let provider: Provider | undefined;
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const subject = (username: string) => subjectFor(username, options.caseSensitiveSubjects);
  const mountPath = options.issuer ? new URL(options.issuer).pathname.replace(/\/+$/, '') : '';
  const server = createServer((req, res) => {
    if (mountPath && (req.url === mountPath || req.url?.startsWith(`${mountPath}/`))) {
      // The provider (and the login pages) build their URLs below baseUrl, the mount point, as under
      // Express; the log records paths below it. Not originalUrl: oidc-provider takes the mount point
      // to be originalUrl minus url, which is lost once a middleware rewrites the query (keepOfflineAccess).
      (req as MountedRequest).baseUrl = mountPath;
      req.url = req.url.slice(mountPath.length) || '/';
    }
    log.start(req);
    if (options.crossOriginOpenerPolicy && INTERACTIVE_PATH.test(req.url ?? '')) res.setHeader('cross-origin-opener-policy', options.crossOriginOpenerPolicy);
    if (!provider || !providerCallback) {
      res.writeHead(503).end();
    } else if (req.url?.startsWith(INTERACTION_PREFIX)) {
      void handleInteraction(provider, req, res, subject, options.acr);
    } else if (options.tokenEndpointDelayMs && req.url?.startsWith('/token')) {
      const handle = providerCallback;
      setTimeout(() => handle(req, res), options.tokenEndpointDelayMs);
    } else {
      providerCallback(req, res);
    }
  });

  // Listen first: the issuer must contain the (possibly system-chosen) port.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = (options.issuer?.replace(/\/+$/, '') ?? `http://${HOST}:${port}`) + (options.issuerTrailingSlash ? '/' : '');

  try {
    const ttls: Ttls = {
      accessToken: options.accessTokenTtl ?? 3600,
      idToken: options.idTokenTtl ?? 3600,
      refreshToken: options.refreshTokenTtl ?? 14 * 24 * 3600,
      deviceCode: options.deviceCodeTtl ?? 600,
    };
    const spaRedirectUris = [...new Set(['http://127.0.0.1:5173/', 'http://localhost:5173/', ...(options.spaRedirectUris ?? [])])];
    const clientSetup: ClientSetup = {
      spaRedirectUris,
      confidentialRedirectUris: [
        ...new Set(['http://127.0.0.1:3000/callback', 'http://localhost:3000/callback', ...(options.confidentialRedirectUris ?? [])]),
      ],
      postLogoutRedirectUris: options.postLogoutRedirectUris ?? [],
      fixtureKey: await loadFixtureClientKey(),
      dpopBoundClients: options.dpop?.boundClients,
      parRequired: options.pushedAuthorizationRequestsRequiredFor,
      ecKey: await generateBareClientKey('ES256'),
      ed25519Key: await generateBareClientKey('EdDSA'),
    };
    const spaOrigins = new Set([...spaRedirectUris.map((u) => new URL(u).origin), ...(options.spaOrigins ?? [])]);
    const jwks = await generateSigningJwks(options.signingKeyId, options.idTokenSigningAlg);
    const store = new MemoryStore();

    const created = new Provider(
      issuer,
      providerConfiguration({
        ttls,
        jwks,
        clients: clientMetadata(clientSetup),
        spaOrigins,
        adapter: (model: string) => store.adapterFor(model),
        rotateRefreshTokens: options.rotateRefreshTokens ?? true,
        refreshTokensAlways: options.refreshTokens === 'always',
        dpopRequireNonce: options.dpop?.requireNonce ?? false,
        requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests === true,
        mountPath,
        acr: options.acr,
        idTokenSigningAlg: options.idTokenSigningAlg,
        accountSelectionWithoutHint: options.accountSelectionWithoutHint,
      }),
    );
    const apiInfo = apiResourceInfo(ttls);
    const publicJwks = {
      keys: jwks.keys.map((k) => Object.fromEntries(Object.entries(k).filter(([name]) => !PRIVATE_JWK_MEMBERS.includes(name)))),
    };
    created.registerGrantType(PASSWORD, passwordGrant(apiInfo, subject, options.acr), passwordParameters);
    const userJwtIds = new Set<string>();
    created.on('access_token.issued', (token: { jti: string }) => userJwtIds.add(token.jti));
    created.registerGrantType(JWT_BEARER, onBehalfOfGrant({ issuer, publicJwks, apiInfo, userJwtIds }), onBehalfOfParameters);
    created.use(recordParsedRequest(log));
    if (options.offlineAccess !== 'consent') created.use(keepOfflineAccess);
    if (options.responseModes) created.use(restrictResponseModes(options.responseModes));
    if (options.dpop?.exposeErrorDetail) created.on('grant.error', exposeErrorDetail);
    // Expected provider errors reach the client as OAuth errors; keep the console quiet.
    created.on('server_error', (_ctx, error) => console.error('[dev-authority] server_error', error));

    provider = created;
    providerCallback = created.callback();

    return {
      issuer,
      port,
      clients: describeClients(clientSetup),
      requests: log.requests,
      countRequests: (filter) => log.count(filter),
      clearRequests: () => log.clear(),
      revokeSubject: async (subject) => store.revokeSubject(subject),
      close: () => closeServer(server),
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

/** Adds grant_type and client_id to the request's log entry once the provider parsed them. */
function recordParsedRequest(log: RequestLog) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    try {
      await next();
    } finally {
      const entry = log.entryFor(ctx.req);
      const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
      const params = (oidc?.params ?? {}) as Record<string, unknown>;
      if (entry) {
        if (typeof params.grant_type === 'string') entry.grantType = params.grant_type;
        const clientId = oidc?.client?.clientId ?? params.client_id ?? basicClientId(ctx.get('authorization') || undefined);
        if (typeof clientId === 'string') entry.clientId = clientId;
        // The PAR endpoint keeps client authentication out of its (authorization) params: read the body.
        const sent = (oidc as { body?: Record<string, unknown> } | undefined)?.body;
        Object.assign(entry, clientAuthentication({ ...sent, ...params }, ctx.get('authorization')));
        entry.status = ctx.status;
        const body = ctx.body as { error?: unknown } | undefined;
        if (body && typeof body === 'object' && typeof body.error === 'string') entry.error = body.error;
      }
    }
  };
}

/**
 * oidc-provider answers token-endpoint errors with a generic description ("grant request is
 * invalid") and keeps the reason in error_detail; this puts the reason in the answer, as most
 * providers do. The event fires after the error body is set and before it is sent.
 */
function exposeErrorDetail(ctx: KoaContextWithOIDC, error: { error_detail?: unknown }): void {
  const body = ctx.body as { error_description?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof error.error_detail === 'string') body.error_description = error.error_detail;
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
