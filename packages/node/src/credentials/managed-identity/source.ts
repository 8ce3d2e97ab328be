import { type HttpClient, type HttpRequest, type HttpResponse, type LogLevel, NetworkError, redactor } from '@tessera/core';
import type { TokenAnswer } from '../answers.js';
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

/** The schemas of answers, loaded with the first answer. */
type Answers = typeof import('../answers.js');

/**
 * The token of a 2xx answer (and the answer, for the fields a source checks), or the typed error
 * of any other, with the server's message (`secrets` the request carried, such as the identity
 * header, replaced by <redacted>).
 */
export async function tokenFrom(source: string, response: HttpResponse, secrets: readonly string[] = [], now = Date.now()): Promise<SourceToken & { answer: TokenAnswer }> {
  const answers = await import('../answers.js');
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    // Described below.
  }
  if (response.status < 200 || response.status >= 300) throw refusal(answers, source, response, body, secrets);
  const invalid = (what: string) =>
    new AuthenticationError(`ManagedIdentityCredential (${source}): the answer (HTTP ${response.status}) is not a token: ${what}`, { statusCode: response.status, code: 'invalid_response' });
  if (body === undefined) throw invalid(`not JSON (${response.body.length} characters)`);
  const parsed = answers.parseAnswer(answers.tokenAnswerSchema, body);
  if (!parsed.ok) throw invalid(parsed.issue);
  const answer = parsed.data;
  // expires_on wins (exact), as in MSAL; an instant far ahead is clamped like a duration.
  const expiresOn = answers.clampExpiry(answer.expires_on ?? now + answer.expires_in! * 1000, now);
  const lifetime = (expiresOn - now) / 1000;
  // As MSAL: renew at refresh_in, else at half-life for tokens living 2 h or more; never after expiry.
  const refreshOn =
    answer.refresh_in !== undefined ? Math.min(now + answer.refresh_in * 1000, expiresOn) : lifetime >= TWO_HOURS_S ? now + (lifetime / 2) * 1000 : undefined;
  return { token: answer.access_token, expiresOn, ...(refreshOn !== undefined ? { refreshOn } : {}), answer };
}

function refusal(answers: Answers, source: string, response: HttpResponse, body: unknown, secrets: readonly string[]): AuthenticationError {
  // Every spelling of each secret, and any 12-character piece of one, before any text is cut (core's redaction).
  const redact = redactor(secrets);
  const fields = errorFields(answers, body);
  const detail = fields ? redact(`${fields.error}${fields.errorDescription ? `: ${fields.errorDescription}` : ''}`) : redact(response.body.trim()).slice(0, 200) || '(empty body)';
  return new AuthenticationError(`ManagedIdentityCredential (${source}): the endpoint answered HTTP ${response.status}: ${detail}`, {
    statusCode: response.status,
    errorResponse: fields && { error: redact(fields.error), errorDescription: fields.errorDescription && redact(fields.errorDescription) },
  });
}

/** The error and its description, if the body is one of the known error shapes; else the raw text describes it. */
function errorFields(answers: Answers, body: unknown): { error: string; errorDescription?: string } | undefined {
  const parsed = answers.parseAnswer(answers.errorAnswerSchema, body);
  if (!parsed.ok) return undefined;
  const { error, error_description, message, Message } = parsed.data;
  if (typeof error === 'string') return { error, errorDescription: error_description };
  if (error) return { error: error.code ?? 'error', errorDescription: error.message };
  const text = message ?? Message;
  return text ? { error: 'error', errorDescription: text } : undefined;
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
