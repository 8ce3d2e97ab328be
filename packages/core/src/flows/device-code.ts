import type { Authority } from '../authority/authority.js';
import { partitionKeys } from '../cache/cache-store.js';
import { ConfigurationError, ServerError } from '../errors.js';
import { sleep } from '../http/retry.js';
import { deviceAuthorizationSchema } from '../http/schemas.js';
import type { AuthenticationResult } from '../results.js';
import { normalizeScopes, withOidcScopes } from '../scopes.js';
import { mergeClaims } from './claims.js';
import { postAsClient } from './client-post.js';
import type { FlowContext, RequestOptions } from './context.js';
import * as z from 'zod/mini';
import { checkOptions, finiteNumber, nonEmpty, strings } from '../http/schemas.js';
import { requestOptionsSchema, requestOptions, requiredScopesOption } from './options.js';
import { requestToken } from './token-request.js';

/** A started device code flow (RFC 8628): show `message`, then pass the flow to acquireTokenByDeviceFlow. */
export interface DeviceCodeFlow {
  /** The code the user types at `verificationUri`. */
  userCode: string;
  /** The device code the client polls with (a secret: never show or log it). */
  deviceCode: string;
  /** Where the user enters the code. */
  verificationUri: string;
  /** The verification URI with the code filled in, when the server gives one. */
  verificationUriComplete?: string;
  /** Seconds the code stays valid, and the moment it expires (ms since epoch). */
  expiresIn: number;
  /** When the code expires, milliseconds since the epoch. */
  expiresAt: number;
  /** Seconds between polls (RFC 8628: 5 when the server does not say); grows by 5 on each `slow_down`. */
  interval: number;
  /** Text to show the user. */
  message: string;
  /** The scopes requested. */
  scopes: string[];
  /** The claims request sent, if any. */
  claims?: string;
  /** The correlation id of the flow, used again by the polls. */
  correlationId?: string;
}

const deviceFlowOptionsSchema = requestOptions({ scopes: requiredScopesOption });
/** A flow object as initiateDeviceFlow returned it. */
const deviceCodeFlowSchema = z.object(
  { deviceCode: nonEmpty(), interval: finiteNumber(), expiresAt: finiteNumber(), scopes: strings() },
  'expected the flow object initiateDeviceFlow returned',
);

const DEFAULT_INTERVAL = 5;
const SLOW_DOWN_STEP = 5;

/** RFC 8628 step 1: ask for a user code and the URL where the user enters it. */
export async function initiateDeviceFlow(
  ctx: FlowContext,
  authority: Authority,
  options: RequestOptions & { scopes: string | string[] },
): Promise<DeviceCodeFlow> {
  checkOptions(deviceFlowOptionsSchema, options, 'initiateDeviceFlow');
  const metadata = await ctx.metadata(authority, options.signal);
  const endpoint = metadata.device_authorization_endpoint;
  if (!endpoint) throw new ConfigurationError(`The authority ${authority.url} does not support the device code flow`);
  const scopes = normalizeScopes(options.scopes);
  const r = await postAsClient(
    ctx,
    ctx.http,
    metadata,
    { url: endpoint, params: { scope: withOidcScopes(scopes, ctx.excludeScopes).join(' '), claims: mergeClaims(options.claims, ctx.clientCapabilities) }, headers: { ...ctx.appHeaders }, signal: options.signal },
    deviceAuthorizationSchema,
    'Device authorization response',
  );
  // The schema requires one of the two, https (or loopback http), and clamps the durations.
  const verificationUri = (r.verification_uri ?? r.verification_url)!;
  const expiresIn = r.expires_in;
  return {
    userCode: r.user_code,
    deviceCode: r.device_code,
    verificationUri,
    verificationUriComplete: r.verification_uri_complete,
    expiresIn,
    expiresAt: Date.now() + expiresIn * 1000,
    // A server's interval below 1 s would have us poll back to back; RFC 8628's default is 5 s.
    interval: Math.max(r.interval ?? DEFAULT_INTERVAL, 1),
    message: r.message ?? `To sign in, open ${verificationUri} and enter the code ${r.user_code}`,
    scopes,
    claims: options.claims,
    correlationId: ctx.correlationId,
  };
}

/**
 * RFC 8628 step 2: poll until the user approves. `authorization_pending` waits,
 * `slow_down` adds 5 s to the interval, anything else (denied, expired) ends the flow.
 */
export async function acquireTokenByDeviceFlow(
  ctx: FlowContext,
  authority: Authority,
  flow: DeviceCodeFlow,
  options: RequestOptions = {},
): Promise<AuthenticationResult> {
  checkOptions(deviceCodeFlowSchema, flow, 'acquireTokenByDeviceFlow (flow)');
  checkOptions(requestOptionsSchema, options, 'acquireTokenByDeviceFlow');
  let interval = flow.interval;
  for (;;) {
    const remaining = flow.expiresAt - Date.now();
    if (remaining <= 0) throw new ServerError({ error: 'expired_token', errorDescription: 'The device code expired before the user approved it' });
    await sleep(Math.min(interval * 1000, remaining), options.signal);
    try {
      return await requestToken(ctx, {
        authority,
        params: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: flow.deviceCode },
        scopes: flow.scopes,
        claims: options.claims ?? flow.claims,
        partition: (home) => partitionKeys.account(ctx.partitioning, home),
        signal: options.signal,
        correlationId: options.correlationId,
      });
    } catch (error) {
      if (!(error instanceof ServerError)) throw error;
      if (error.error === 'authorization_pending') continue;
      if (error.error === 'slow_down') {
        // RFC 8628 3.5: slower for this and every later request, also when the app resumes polling
        // with this flow after an abort; recorded on the flow, which makes the step observable.
        interval += SLOW_DOWN_STEP;
        flow.interval = interval;
        continue;
      }
      throw error;
    }
  }
}
