// Secret capture for the hygiene tests: a transport that remembers every secret value that crosses
// it (request parameters, Basic credentials, token response fields), and a scan of logs and errors.
import { expect } from 'vitest';
import { FetchHttpClient, type HttpClient, type HttpRequest, type HttpResponse } from '@tessera/core';

/** Form parameters whose values are secrets. */
const SECRET_PARAMS = ['code', 'code_verifier', 'refresh_token', 'client_secret', 'client_assertion', 'password', 'assertion', 'device_code'];
/** Token response fields whose values are secrets. */
const SECRET_FIELDS = ['access_token', 'refresh_token', 'id_token', 'device_code'];

/** Values shorter than this are too likely to occur by chance in any text. */
const MIN_SECRET_LENGTH = 8;

export class SecretRecorder implements HttpClient {
  /** value -> what it is (for failure messages). */
  readonly secrets = new Map<string, string>();
  private readonly inner = new FetchHttpClient();

  add(kind: string, value: string | undefined | null): void {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) this.secrets.set(value, kind);
  }

  kinds(): Set<string> {
    return new Set(this.secrets.values());
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.harvestRequest(request);
    const response = await this.inner.send(request);
    try {
      const body = JSON.parse(response.body) as Record<string, unknown>;
      for (const field of SECRET_FIELDS) if (typeof body[field] === 'string') this.add(field, body[field] as string);
    } catch {
      // not JSON: nothing to harvest
    }
    return response;
  }

  private harvestRequest(request: HttpRequest): void {
    if (request.body) {
      const params = new URLSearchParams(request.body);
      for (const name of SECRET_PARAMS) this.add(name, params.get(name));
    }
    const auth = request.headers?.authorization;
    if (auth?.startsWith('Basic ')) {
      const encoded = auth.slice(6);
      this.add('basic_credentials', encoded);
      const decoded = atob(encoded);
      const secret = decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1).replace(/\+/g, ' '));
      this.add('client_secret', secret);
    }
  }
}

/** Every piece of text an error exposes: message, string form, own fields, causes. */
export function errorTexts(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      out.push(current.message, String(current), current.stack ?? '');
      try {
        out.push(JSON.stringify(current));
      } catch {
        // circular: the message and fields above are enough
      }
      for (const value of Object.values(current)) if (typeof value === 'string') out.push(value);
      current = (current as { cause?: unknown }).cause;
    } else {
      out.push(String(current));
      current = undefined;
    }
  }
  return out;
}

/**
 * The spellings a request gives a secret, written independently of the SDK's redactor: as is,
 * URL-encoded, form-urlencoded (URLSearchParams: `+` for space, `~!'()*` escaped), JSON-escaped.
 */
export function encodings(value: string): string[] {
  return [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)];
}

/** Fails naming each kind of secret found in `texts` (in any of its encodings), and where. */
export function expectNoSecrets(recorder: SecretRecorder, texts: string[]): void {
  const leaks: string[] = [];
  for (const [value, kind] of recorder.secrets) {
    for (const spelling of new Set(encodings(value))) {
      const where = texts.find((t) => t.includes(spelling));
      if (where !== undefined) leaks.push(`${kind} (${spelling === value ? 'raw' : 'encoded'}) in: ${where.slice(0, 200)}`);
    }
  }
  expect(leaks).toEqual([]);
}

/** Runs a call that must fail and keeps its error for the scan. */
export async function failing(errors: unknown[], work: Promise<unknown>): Promise<unknown> {
  const error = await work.then(
    () => {
      throw new Error('expected this call to fail');
    },
    (e: unknown) => e,
  );
  errors.push(error);
  return error;
}
