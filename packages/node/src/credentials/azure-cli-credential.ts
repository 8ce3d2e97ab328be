import { stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ConfigurationError } from '@tessera/core';
import { type CliCredentialOptions, CliCredential, type CliDialect } from './cli-credential.js';

/** Options of AzureCliCredential. */
export interface AzureCliCredentialOptions extends CliCredentialOptions {
  /** Subscription (name or id) whose tenant the token is for: `az ... --subscription <subscription>`. */
  subscription?: string;
}

// Subscription names may hold spaces (one argument, never split: no shell); nothing that starts an option.
const SUBSCRIPTION = /^[0-9a-zA-Z_. -]+$/;

const AZURE_CLI: CliDialect = {
  name: 'AzureCliCredential',
  command: 'az',
  install: 'install the Azure CLI (https://aka.ms/azure-cli), then run "az login"',
  login: 'run "az login" (or "az login --tenant <tenant>")',
  singleScope: true,
  // The CLI takes one resource: the scope without "/.default", as @azure/identity passes it.
  args: (scopes, tenant) => [
    'account',
    'get-access-token',
    '--output',
    'json',
    '--resource',
    scopes[0]!.replace(/\/\.default$/, ''),
    ...(tenant ? ['--tenant', tenant] : []),
  ],
  // "az login --scope ..." asks for consent or MFA for one resource: a real failure, not "signed out".
  notSignedIn: (stderr) => /az login/.test(stderr) && !/az login --scope/.test(stderr),
  answer: 'azAnswerSchema',
};

/**
 * The account signed in to the Azure CLI (`az login`), for local development: runs
 * `az account get-access-token --output json --resource <resource> [--tenant <tenant>]`.
 * One scope per call (the CLI takes a resource). Throws CredentialUnavailableError when `az`
 * is not installed or not signed in.
 *
 * @example
 * ```ts
 * const credential = new AzureCliCredential({ processTimeoutInMs: 20_000 });
 * const { token } = await credential.getToken('https://management.azure.com/.default');
 * ```
 */
export class AzureCliCredential extends CliCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = 'AzureCliCredential';
  protected readonly dialect = AZURE_CLI;
  private readonly subscription?: string;

  constructor(options: AzureCliCredentialOptions = {}) {
    super(options);
    const { subscription } = options;
    if (subscription !== undefined && (!SUBSCRIPTION.test(subscription) || subscription.startsWith('-'))) {
      throw new ConfigurationError(`AzureCliCredential: invalid subscription "${subscription}": use its id or a name of letters, digits, spaces and - _ .`, 'invalid_subscription');
    }
    this.subscription = subscription;
  }

  /**
   * On Windows `az` is `az.cmd`, a batch file Node starts only through cmd.exe (a shell). It runs
   * `..\python.exe -IBm azure.cli`, so that is what we start, directly. (Not tested on Windows here.)
   */
  protected override async executable(): Promise<{ file: string; prefix: string[] }> {
    if (process.platform !== 'win32') return super.executable();
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const python = join(dir, '..', 'python.exe');
      if ((await isFile(join(dir, 'az.cmd'))) && (await isFile(python))) return { file: python, prefix: ['-IBm', 'azure.cli'] };
    }
    return super.executable(); // not found: reported as such
  }

  protected override extraArgs(): string[] {
    return this.subscription ? ['--subscription', this.subscription] : [];
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
