import { AbortError, ConfigurationError, InteractionRequiredError, InvalidResponseError, ServerError, TesseraError } from '@tessera/core';
import { CacheStoreBusyError, CacheStoreUnavailableError } from '../cache/errors.js';

export const ExitCode = { ok: 0, error: 1, usage: 2, signInRequired: 3, interrupted: 130 } as const;

/** A failure the CLI itself reports, with the exit code that goes with it. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(`${message} (see tessera --help)`, ExitCode.usage);
export const notSignedIn = (message: string) => new CliError(message, ExitCode.signInRequired);

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof AbortError) return ExitCode.interrupted;
  if (error instanceof InteractionRequiredError) return ExitCode.signInRequired;
  return ExitCode.error;
}

/** What the command line said, so that errors can name the option the user typed. */
export interface ErrorContext {
  /** The authority as configured (flag or environment); undefined: core's default (Entra). */
  authority?: string;
  /** The port option as typed, e.g. `--port`. */
  portFlag?: string;
  /** The port asked for. */
  port?: number;
  /** The timeout option as typed, e.g. `--timeout`. */
  timeoutFlag?: string;
}

/** The message of a library error in the CLI's terms: options as the user typed them, with the fix. */
function explain(e: Error, context: ErrorContext): string {
  if (e instanceof ConfigurationError && e.code === 'port_in_use' && context.port !== undefined) {
    const flag = context.portFlag ?? '--port';
    return `port ${context.port} on the loopback interface is in use: choose another ${flag}, or leave ${flag} out to let the system pick a free port`;
  }
  if (e instanceof TesseraError && e.code === 'interaction_timeout') return `${e.message} (wait longer with ${context.timeoutFlag ?? '--timeout'} <seconds>)`;
  if (e instanceof InvalidResponseError) {
    const authority = context.authority ? `the authority ${context.authority}` : 'the default (Entra) authority';
    return `${e.message}: ${authority} did not answer as an OpenID Connect provider; check --authority (or TESSERA_AUTHORITY): it must be the issuer URL of an OpenID Connect provider or an Entra authority`;
  }
  if (e instanceof ServerError && e.error === 'invalid_scope') {
    return `${e.message} (a scope in --scope is unknown to the authority or not allowed for this client: check the scope names and the client's registration)`;
  }
  if (e instanceof CacheStoreUnavailableError || e instanceof CacheStoreBusyError) {
    return `${e.message} (check --cache-file or TESSERA_CACHE_FILE: the token cache must be a file in a folder you can write)`;
  }
  // A DPoP-bound client (the provider names DPoP): signing in again cannot help, the CLI sends no proofs.
  if (e instanceof TesseraError && /\bDPoP\b/.test(e.message) && !/use_dpop_nonce/.test(e.message)) {
    return `${e.message} (this client requires DPoP-bound tokens, which the tessera CLI does not request: use a client id registered without dpop_bound_access_tokens)`;
  }
  if (e instanceof InteractionRequiredError) return `${e.message} (sign in again with \`tessera login\`)`;
  return e.message;
}

/** One readable line; with `verbose`, the code, server details and cause chain follow. */
export function describeError(error: unknown, verbose: boolean, context: ErrorContext = {}): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const line = `tessera: ${explain(e, context)}`;
  if (!verbose) return line;
  const details = [line];
  if (e instanceof TesseraError) details.push(`  code: ${e.code}`);
  const server = e as { correlationId?: string; traceId?: string; status?: number };
  if (server.status) details.push(`  http status: ${server.status}`);
  if (server.correlationId) details.push(`  correlation id: ${server.correlationId}`);
  if (server.traceId) details.push(`  trace id: ${server.traceId}`);
  for (let cause = e.cause; cause instanceof Error; cause = cause.cause) details.push(`  caused by: ${cause.message}`);
  if (e.stack) details.push(e.stack.split('\n').slice(1).join('\n'));
  return details.join('\n');
}
