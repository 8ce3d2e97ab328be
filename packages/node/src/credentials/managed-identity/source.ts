import { type HttpClient, type HttpRequest, type HttpResponse, type LogLevel, NetworkError } from '@tessera/core';
import { AuthenticationError, CredentialUnavailableError } from '../errors.js';

/** Which managed identity to use: the resource's own (system-assigned) or a user-assigned one. */
export type ManagedIdentityId =
  | { kind: 'system' }
  | { kind: 'clientId' | 'objectId' | 'resourceId'; value: string };

/** The environment variables a source reads (process.env unless the options give another). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** IMDS retry schedule; delays are options so that tests can shorten them. */
export interface ImdsRetrySchedule {
  /** Retries when the first failure is a retriable status other than 410 (throttling, server errors). */
  maxRetries: number;
  /** Retries when the first failure is 410 Gone (IMDS restarting). */
  maxRetriesOnGone: number;
  /** The first back-off delay; later ones grow exponentially. */
  minDelayMs: number;
  /** The longest back-off delay. */
  maxDelayMs: number;
  /** The delay after a 410 Gone. */
  goneDelayMs: number;
}

/** What a source needs from the credential. */
export interface SourceContext {
  env: Environment;
  http: HttpClient;
  id: ManagedIdentityId;
  log(level: LogLevel, message: string): void;
  imdsRetry: ImdsRetrySchedule;
  /** Probe IMDS before the first token request (DefaultAzureCredential sets it). */
  probeImds: boolean;
  probeTimeoutMs: number;
  /** Options handed to the token exchange's WorkloadIdentityCredential (transport, logging, authority host). */
  exchange: Record<string, unknown>;
}

/** A token from a managed identity endpoint; times in ms since the epoch. */
export interface SourceToken {
  token: string;
  expiresOn: number;
  refreshOn?: number;
}

/** One managed identity endpoint (IMDS, App Service, ...), chosen from the environment. */
export interface ManagedIdentitySource {
  /** Shown in errors and logs, e.g. "IMDS". */
  readonly name: string;
  /** `resource` is the scope without "/.default"; `scope` is the scope as given. */
  getToken(resource: string, scope: string, signal?: AbortSignal): Promise<SourceToken>;
  close?(): Promise<void>;
}

/** Query parameter names of a user-assigned identity; IMDS and Arc spell the resource id `msi_res_id`. */
export function userAssignedParam(id: ManagedIdentityId, resourceIdName: 'msi_res_id' | 'mi_res_id'): Record<string, string> {
  switch (id.kind) {
    case 'system':
      return {};
    case 'clientId':
      return { client_id: id.value };
    case 'objectId':
      return { object_id: id.value };
    case 'resourceId':
      return { [resourceIdName]: id.value };
  }
}

/**
 * Where the platform decides the identity, a user-assigned id is refused before any request:
 * sent anyway, it could be ignored and another identity's token come back. `allowed`: id kinds the source takes.
 */
export function refuseUserAssigned(id: ManagedIdentityId, source: string, why: string, allowed: readonly ManagedIdentityId['kind'][] = []): void {
  if (id.kind === 'system' || allowed.includes(id.kind)) return;
  throw new CredentialUnavailableError(`ManagedIdentityCredential (${source}): ${why}`, { code: 'user_assigned_not_supported' });
}

/** The endpoint URL with query parameters added. */
export function withQuery(endpoint: string, params: Record<string, string>): string {
  const url = new URL(endpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** Parses an endpoint from an environment variable; a bad value names the variable. */
export function endpointFrom(env: Environment, variable: string, source: string): string {
  const value = env[variable]!;
  try {
    return new URL(value).toString();
  } catch {
    throw new CredentialUnavailableError(`ManagedIdentityCredential (${source}): ${variable} is not a URL: "${value}"`, { code: 'invalid_endpoint' });
  }
}

/** Sends a request; a network failure means the source is not reachable here (a chain moves on). */
export async function send(http: HttpClient, source: string, request: HttpRequest): Promise<HttpResponse> {
  try {
    return await http.send(request);
  } catch (error) {
    if (error instanceof NetworkError) {
      throw new CredentialUnavailableError(`ManagedIdentityCredential (${source}): the endpoint is unreachable: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

const TWO_HOURS_S = 2 * 3600;

/**
 * The token of a 2xx answer, or the typed error of any other, with the server's message
 * (`secrets` the request carried, such as the identity header, replaced by <redacted>).
 */
export function tokenFrom(source: string, response: HttpResponse, secrets: readonly string[] = [], now = Date.now()): SourceToken {
  const redact = (text: string) => secrets.filter(Boolean).reduce((out, s) => out.split(s).join('<redacted>'), text);
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Described below from the raw text.
  }
  if (response.status < 200 || response.status >= 300) throw refusal(source, response, body, redact);
  const token = body?.access_token;
  if (typeof token !== 'string' || !token) {
    throw new AuthenticationError(`ManagedIdentityCredential (${source}): the answer (HTTP ${response.status}) has no access_token`, { statusCode: response.status, code: 'invalid_response' });
  }
  const expiresOn = expiry(body!.expires_on, body!.expires_in, now);
  if (expiresOn === undefined) {
    throw new AuthenticationError(`ManagedIdentityCredential (${source}): the answer has no readable expires_on or expires_in`, { statusCode: response.status, code: 'invalid_response' });
  }
  const refreshIn = seconds(body!.refresh_in);
  const lifetime = (expiresOn - now) / 1000;
  // As MSAL: renew at refresh_in, else at half-life for tokens living 2 h or more.
  const refreshOn = refreshIn !== undefined ? now + refreshIn * 1000 : lifetime >= TWO_HOURS_S ? now + (lifetime / 2) * 1000 : undefined;
  return { token, expiresOn, ...(refreshOn !== undefined ? { refreshOn } : {}) };
}

function refusal(source: string, response: HttpResponse, body: Record<string, unknown> | undefined, redact: (t: string) => string): AuthenticationError {
  const fields = errorFields(body);
  const detail = fields
    ? `${fields.error}${fields.errorDescription ? `: ${fields.errorDescription}` : ''}`
    : response.body.trim().slice(0, 200) || '(empty body)';
  return new AuthenticationError(`ManagedIdentityCredential (${source}): the endpoint answered HTTP ${response.status}: ${redact(detail)}`, {
    statusCode: response.status,
    errorResponse: fields && { error: redact(fields.error), errorDescription: fields.errorDescription && redact(fields.errorDescription) },
  });
}

/** The error of the bodies these endpoints send: OAuth (`error`, `error_description`), App Service (`message`), Service Fabric (`error.code/message`). */
function errorFields(body: Record<string, unknown> | undefined): { error: string; errorDescription?: string } | undefined {
  if (!body) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (typeof body.error === 'string') return { error: body.error, errorDescription: str(body.error_description) };
  if (body.error && typeof body.error === 'object') {
    const e = body.error as Record<string, unknown>;
    return { error: str(e.code) ?? 'error', errorDescription: str(e.message) };
  }
  const message = str(body.message) ?? str(body.Message);
  return message ? { error: 'error', errorDescription: message } : undefined;
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** expires_on as epoch seconds (number or string) or a date string (App Service), else expires_in. */
function expiry(expiresOn: unknown, expiresIn: unknown, now: number): number | undefined {
  const epoch = seconds(expiresOn);
  if (epoch !== undefined) return epoch * 1000;
  if (typeof expiresOn === 'string') {
    const date = Date.parse(expiresOn);
    if (!Number.isNaN(date)) return date;
  }
  const lifetime = seconds(expiresIn);
  return lifetime === undefined ? undefined : now + lifetime * 1000;
}

/** Resolves after `ms`, or rejects when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
