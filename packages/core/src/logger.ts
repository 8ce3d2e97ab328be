import { ServerError } from './errors.js';

/** Injectable logging. Messages pass through `pii()` so secrets show only when PII logging is on. */
export type LogLevel = 'error' | 'warning' | 'info' | 'verbose';

/** Receives log lines; plug in console, pino, winston, ... */
export interface Logger {
  /** Writes one line at `level`. */
  log(level: LogLevel, message: string): void;
}

/** Logging options of every client. */
export interface LoggerOptions {
  /** Where log lines go (none by default). */
  logger?: Logger;
  /** The most verbose level written (default `info`). */
  level?: LogLevel;
  /** Include personal data and secrets (tokens, codes, usernames) in log lines. Off by default. */
  piiLoggingEnabled?: boolean;
}

const RANK: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, verbose: 3 };

/** The logger flows write to: filters by level, builds messages lazily, redacts personal data unless PII logging is on. */
export class LogSink {
  readonly #target?: Logger;
  readonly #max: number;
  /** Whether personal data and secrets may appear in log lines. */
  readonly piiLoggingEnabled: boolean;
  /** @param options - the client's logging options. */
  constructor(options: LoggerOptions = {}) {
    this.#target = options.logger;
    this.#max = RANK[options.level ?? 'info'];
    this.piiLoggingEnabled = options.piiLoggingEnabled ?? false;
  }
  /** Writes a line at `level` if that level is logged; a function message is called only when the line is written. */
  log(level: LogLevel, message: string | (() => string)): void {
    if (this.#target && RANK[level] <= this.#max) this.#target.log(level, typeof message === 'function' ? message() : message);
  }
  /** A value that is personal or secret: shown only with PII logging on. */
  pii(value: string | undefined): string {
    if (value === undefined) return '';
    return this.piiLoggingEnabled ? value : '<redacted>';
  }
  /**
   * An error for a log line. With PII logging off, a server error shows its code and ids only
   * (its description may name the user, e.g. an email, or quote the request), and email
   * addresses in any other message are replaced.
   */
  describeError(error: unknown): string {
    const message = String((error as Error)?.message ?? error);
    if (this.piiLoggingEnabled) return message;
    if (error instanceof ServerError) return `${error.error} (codes ${error.errorCodes ?? []}, correlation id ${error.correlationId}; description needs PII logging)`;
    return message.replace(/[^\s"'<>@]+@[^\s"'<>@]+\.\w+/g, '<email>');
  }
  /** A cache partition name for a log line: the account in `account:<home account id>` is personal. */
  partition(name: string): string {
    return this.piiLoggingEnabled ? name : name.replace(/^account:.*/s, 'account:<redacted>');
  }
}
