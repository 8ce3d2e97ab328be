import { AbortError, ConfigurationError } from '@tessera/core';
import { AuthenticationError, CredentialUnavailableError } from './errors.js';
import { checkTenantId, requestTenant } from './options.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/** Options of the developer-tool credentials (Azure CLI, Azure Developer CLI). */
export interface CliCredentialOptions {
  /** Tenant to ask the CLI for; default: the CLI's current tenant. */
  tenantId?: string;
  /** Tenants besides `tenantId` that getToken may ask for; "*" allows any. Without `tenantId`, any tenant is allowed. */
  additionallyAllowedTenants?: string[];
  /** Milliseconds the CLI may run before it is killed (default 10,000). */
  processTimeoutInMs?: number;
}

/** What the CLI printed, or why it could not run. */
interface CliOutcome {
  stdout: string;
  stderr: string;
  /** Exit code; undefined when it did not exit by itself. */
  exitCode?: number;
  failure?: 'missing' | 'timeout' | 'aborted' | 'error';
  /** The signal that ended the CLI when we did not (a crash, the OOM killer). */
  signal?: string;
  errorMessage?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
// As @azure/identity's dev-time check: the scope becomes a command argument, so no spaces, quotes or shell metacharacters.
const SCOPE = /^[0-9a-zA-Z\-_.:/]+$/;
// Access tokens (JWTs) and long opaque strings a CLI might echo into its error output.
const SECRETS = [/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, /("(?:accessToken|access_token|token|refreshToken|refresh_token)"\s*:\s*")[^"]*"/gi, /[A-Za-z0-9+/_-]{80,}={0,2}/g];

/** Removes anything that looks like a token from a CLI's error output, and shortens it. */
export function sanitizeCliOutput(text: string): string {
  let out = text.trim();
  for (const pattern of SECRETS) out = out.replace(pattern, (_m, prefix?: string) => (typeof prefix === 'string' ? `${prefix}<redacted>"` : '<redacted>'));
  return out.length > 600 ? `${out.slice(0, 600)}...` : out;
}

/** A folder to run the CLI in that holds no project files it could pick up (as @azure/identity does). */
function safeWorkingDirectory(): string {
  if (process.platform !== 'win32') return '/bin';
  const root = process.env.SystemRoot;
  if (!root) throw new CredentialUnavailableError('The SystemRoot environment variable is not set: cannot choose a safe folder to run the CLI in');
  return root;
}

/**
 * Runs the CLI directly (never through a shell: arguments cannot be reinterpreted), killed after
 * `timeoutMs`. node:child_process loads with the first run, not with the package.
 */
async function run(command: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<CliOutcome> {
  const { execFile } = await import('node:child_process');
  const cwd = safeWorkingDirectory();
  return new Promise((resolve) => {
    try {
      execFile(
        command,
        args,
        { cwd, shell: false, timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8', signal },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr, exitCode: 0 });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number; signal?: string | null };
          if (e.code === 'ENOENT') return resolve({ stdout, stderr, failure: 'missing' });
          if (e.name === 'AbortError') return resolve({ stdout, stderr, failure: 'aborted' });
          if (e.killed) return resolve({ stdout, stderr, failure: 'timeout' });
          if (typeof e.code === 'number') return resolve({ stdout, stderr, exitCode: e.code });
          // Ended by a signal: e.message is "Command failed: <command line>\n<stderr>", never to be quoted as it is.
          if (e.signal) return resolve({ stdout, stderr, signal: e.signal });
          resolve({ stdout, stderr, failure: 'error', errorMessage: e.message });
        },
      );
    } catch (error) {
      // Thrown before the process started (bad cwd, a Windows .cmd file): no output to read.
      resolve({ stdout: '', stderr: '', failure: 'error', errorMessage: (error as Error).message });
    }
  });
}

/** How one CLI is asked for a token and how its answers read. */
export interface CliDialect {
  /** Credential name for messages, e.g. "AzureCliCredential". */
  name: string;
  /** The executable, e.g. "az". */
  command: string;
  /** What to tell the user when the executable is not on PATH. */
  install: string;
  /** What to tell the user when it is not signed in. */
  login: string;
  /** The CLI takes one scope per call (the Azure CLI takes a resource). */
  singleScope: boolean;
  args(scopes: string[], tenant: string | undefined): string[];
  /** The stderr of a CLI that is installed but not signed in. */
  notSignedIn(stderr: string): boolean;
  /** The schema (in ./answers.ts, loaded on first use) of a successful answer's JSON. */
  answer: 'azAnswerSchema' | 'azdAnswerSchema';
}

/** The CLI credentials DefaultAzureCredential made (see inDefaultChain). */
const inChain = new WeakSet<CliCredential>();

/**
 * Marks a CLI credential as one of DefaultAzureCredential's: there, as in azure-identity, any failure
 * of the tool (a refusal, an answer it cannot read) is CredentialUnavailableError, so the chain
 * goes on to the next tool; alone, the credential reports it as AuthenticationError.
 */
export function inDefaultChain<T extends CliCredential>(credential: T): T {
  inChain.add(credential);
  return credential;
}

/**
 * Base of the developer-tool credentials: validates the scopes and tenant (they become command
 * arguments), runs the CLI without a shell under a timeout, and turns its answer into a token or a
 * typed error: CredentialUnavailableError when the CLI is missing, not signed in or too slow (a
 * chain moves on), AuthenticationError for any other failure (CredentialUnavailableError in
 * DefaultAzureCredential, see inDefaultChain), its output stripped of tokens.
 * The CLIs cache their own tokens, so every getToken runs the CLI, as in @azure/identity.
 */
export abstract class CliCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  abstract readonly credentialName: string;
  protected abstract readonly dialect: CliDialect;
  private readonly tenantId?: string;
  private readonly allowedTenants: readonly string[];
  private readonly timeoutMs: number;

  constructor(options: CliCredentialOptions = {}) {
    if (options.tenantId) checkTenantId(options.tenantId);
    this.tenantId = options.tenantId || undefined;
    this.allowedTenants = options.additionallyAllowedTenants ?? [];
    const timeout = options.processTimeoutInMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeout > 0)) throw new ConfigurationError('`processTimeoutInMs` must be a positive number of milliseconds');
    this.timeoutMs = timeout;
  }

  /** A token from the CLI's signed-in account for the scopes. */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const d = this.dialect;
    const list = (typeof scopes === 'string' ? [scopes] : scopes).flatMap((s) => s.split(/\s+/)).filter(Boolean);
    if (list.length === 0) throw new ConfigurationError(`${d.name}.getToken needs at least one scope`);
    for (const scope of list) {
      if (!SCOPE.test(scope)) throw new ConfigurationError(`${d.name}: invalid scope "${scope}": only letters, digits and - _ . : / are allowed`, 'invalid_scope');
    }
    if (d.singleScope && list.length > 1) {
      throw new ConfigurationError(`${d.name}: ${d.command} gives a token for one scope at a time; got ${list.length}`, 'invalid_scope');
    }
    const authority = { url: '', entra: true, tenantId: this.tenantId, tenantExplicit: this.tenantId !== undefined };
    const tenant = requestTenant(authority, this.allowedTenants, options.tenantId) ?? this.tenantId;
    const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
    const { file, prefix } = await this.executable();
    const outcome = await run(file, [...prefix, ...d.args(list, tenant), ...this.extraArgs()], this.timeoutMs, signal);
    // The caller gave up: not a reason for a chain to try the next credential.
    if (outcome.failure === 'aborted') throw new AbortError(signal?.reason);
    try {
      return await this.interpret(outcome);
    } catch (error) {
      if (!(error instanceof AuthenticationError) || !inChain.has(this)) throw error;
      throw new CredentialUnavailableError(error.message, { cause: error, code: error.code });
    }
  }

  /** The program to start and its leading arguments: the dialect's command, found on PATH. */
  protected async executable(): Promise<{ file: string; prefix: string[] }> {
    return { file: this.dialect.command, prefix: [] };
  }

  /** Arguments a credential adds to every run (the Azure CLI's `--subscription`). */
  protected extraArgs(): string[] {
    return [];
  }

  private async interpret(o: CliOutcome): Promise<AccessToken> {
    const d = this.dialect;
    if (o.failure === 'missing') throw new CredentialUnavailableError(`${d.name}: ${d.command} not found on PATH: ${d.install}`, { code: 'cli_not_found' });
    if (o.failure === 'timeout') {
      throw new CredentialUnavailableError(`${d.name}: ${d.command} did not answer within ${this.timeoutMs} ms and was stopped (raise processTimeoutInMs if it is just slow)`, {
        code: 'cli_timeout',
      });
    }
    if (o.failure === 'error') throw new AuthenticationError(`${d.name}: could not run ${d.command}: ${sanitizeCliOutput(o.errorMessage ?? '')}`);
    if (o.signal) {
      throw new AuthenticationError(`${d.name}: ${d.command} was stopped by signal ${o.signal}: ${sanitizeCliOutput(o.stderr) || '(no error output)'}`, { code: 'cli_failed' });
    }
    if (d.notSignedIn(o.stderr)) throw new CredentialUnavailableError(`${d.name}: not signed in: ${d.login}`, { code: 'cli_not_signed_in' });
    if (o.exitCode !== 0) {
      throw new AuthenticationError(`${d.name}: ${d.command} failed (exit code ${o.exitCode}): ${sanitizeCliOutput(o.stderr) || '(no error output)'}`, { code: 'cli_failed' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(o.stdout);
    } catch {
      // Never quote stdout: it may hold a token.
      throw new AuthenticationError(`${d.name}: ${d.command} printed something that is not JSON (${o.stdout.length} characters); is it up to date?`, { code: 'invalid_response' });
    }
    const schemas = await import('./answers.js');
    const answer = schemas.parseAnswer(schemas[d.answer], parsed);
    if (!answer.ok) throw new AuthenticationError(`${d.name}: unexpected answer from ${d.command}: ${answer.issue}`, { code: 'invalid_response' });
    return { token: answer.data.token, expiresOnTimestamp: answer.data.expiresOn, tokenType: 'Bearer' };
  }
}
