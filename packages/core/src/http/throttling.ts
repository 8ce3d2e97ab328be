import { ThrottledError } from '../errors.js';

/**
 * MSAL's throttling cache: request shapes (client, authority, scopes, account or grant) a server
 * throttled, and until when. A call of a remembered shape fails fast with ThrottledError and
 * sends nothing, so a throttled app does not keep the server busy (and its throttle long).
 */
export class ThrottleMemory {
  private readonly until = new Map<string, ThrottledError>();

  /** Throws the remembered ThrottledError while `shape` is throttled at `nowMs`. */
  check(shape: string, nowMs: number): void {
    if (this.until.size === 0) return;
    const known = this.until.get(shape);
    if (!known) return;
    if (known.retryAfter.getTime() > nowMs) throw new ThrottledError(known.message, known.retryAfter, known.status);
    this.until.delete(shape);
  }

  /** Remembers `error` for `shape` until its retry time. */
  record(shape: string, error: ThrottledError): void {
    this.until.set(shape, error);
  }
}
