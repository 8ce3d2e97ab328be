import { AbortError, InteractionRequiredError, TesseraError } from '@tessera/core';

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

/** One readable line; with `verbose`, the code, server details and cause chain follow. */
export function describeError(error: unknown, verbose: boolean): string {
  const e = error instanceof Error ? error : new Error(String(error));
  let line = `tessera: ${e.message}`;
  if (error instanceof InteractionRequiredError) line += ' (sign in again with `tessera login`)';
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
