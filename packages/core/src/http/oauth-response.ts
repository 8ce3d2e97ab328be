import { InteractionRequiredError, InvalidResponseError, ServerError } from '../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import { capText, redactor, requestSecrets } from './redaction.js';
import { type Schema, errorResponseSchema, parseJson, parseOrThrow, parseShape } from './schemas.js';

/** Parses a JSON body, naming the endpoint when it is not JSON (an HTML error page, a truncated body). */
export function parseJsonBody(response: HttpResponse, what: string): unknown {
  const value = parseJson(response.body);
  if (value !== undefined) return value;
  const kind = /^\s*</.test(response.body) ? 'an HTML or XML page' : 'a body that is not valid JSON';
  throw new InvalidResponseError(`${what} returned ${kind} (HTTP ${response.status})`, response.status);
}

/** Validates a parsed body against a schema; the error names the first wrong field. */
export function checkShape<T>(schema: Schema<T>, value: unknown, what: string, status?: number): T {
  return parseOrThrow(schema, value, (path, message) => new InvalidResponseError(`${what} has an invalid field "${path || '(body)'}": ${message}`, status));
}

/**
 * Turns an OAuth error body into the typed error, if the body is one. `redact` cleans every text
 * that ends up in the message and fields (the error type is chosen on the server's own values);
 * by default it only caps their length.
 */
export function oauthErrorFrom(body: unknown, status: number, redact: (text: string) => string = capText): ServerError | undefined {
  const e = parseShape(errorResponseSchema, body);
  if (!e) return undefined;
  const clean = (text?: string) => (text === undefined ? text : redact(text));
  // A claims challenge is handed back to the server whole: one that had to be cut is dropped.
  const claims = clean(e.claims);
  const details = {
    error: redact(e.error),
    errorDescription: clean(e.error_description),
    errorCodes: e.error_codes,
    correlationId: clean(e.correlation_id),
    traceId: clean(e.trace_id),
    status,
    claims: claims === e.claims ? claims : undefined,
    suberror: clean(e.suberror),
    timestamp: clean(e.timestamp),
  };
  return InteractionRequiredError.matches(e.error, e.suberror) ? new InteractionRequiredError(details) : new ServerError(details);
}

/**
 * Sends a request to an OAuth endpoint and returns the checked JSON body of a success.
 * Error bodies (whatever the status, including 200 with `error`) become ServerError.
 * `secrets`: raw secret values the request carries beyond its secret form parameters, e.g. Basic
 * credentials (see ClientAuthentication.secrets).
 */
export async function requestJson<T>(
  http: HttpClient,
  request: HttpRequest,
  schema: Schema<T>,
  what: string,
  secrets: readonly string[] = [],
): Promise<T> {
  const response = await http.send(request);
  const body = parseJsonBody(response, what);
  // A server that quotes the request back (e.g. "code XYZ is invalid") must not put a secret into
  // our error messages and logs, in whatever encoding it quotes it (see redactor).
  // Built only when the body is an error: successes pay nothing for it.
  let redact: ((text: string) => string) | undefined;
  const error = oauthErrorFrom(body, response.status, (text) => (redact ??= redactor([...secrets, ...requestSecrets(request)]))(text));
  if (error) throw error;
  if (response.status < 200 || response.status >= 300) {
    throw new InvalidResponseError(`${what} answered HTTP ${response.status} without an OAuth error`, response.status);
  }
  return checkShape(schema, body, what, response.status);
}

export function formPost(url: string, params: Record<string, string | undefined>, headers: Record<string, string> = {}, signal?: AbortSignal): HttpRequest {
  // Unset and empty parameters are left out.
  const body = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => !!entry[1]));
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json', ...headers },
    body: body.toString(),
    signal,
  };
}
