import { type CliCredentialOptions, CliCredential, type CliDialect } from './cli-credential.js';

/** Options of AzureDeveloperCliCredential. */
export type AzureDeveloperCliCredentialOptions = CliCredentialOptions;

const AZURE_DEVELOPER_CLI: CliDialect = {
  name: 'AzureDeveloperCliCredential',
  command: process.platform === 'win32' ? 'azd.exe' : 'azd',
  install: 'install the Azure Developer CLI (https://aka.ms/azure-dev/install), then run "azd auth login"',
  login: 'run "azd auth login"',
  singleScope: false,
  args: (scopes, tenant) => ['auth', 'token', '--output', 'json', ...scopes.flatMap((s) => ['--scope', s]), ...(tenant ? ['--tenant-id', tenant] : [])],
  notSignedIn: (stderr) => /not logged in, run `azd (auth )?login`/.test(stderr),
  answer: 'azdAnswerSchema',
};

/**
 * The account signed in to the Azure Developer CLI (`azd auth login`), for local development:
 * runs `azd auth token --output json --scope <scope>... [--tenant-id <tenant>]`. Throws
 * CredentialUnavailableError when `azd` is not installed or not signed in.
 *
 * @example
 * ```ts
 * const credential = new AzureDeveloperCliCredential();
 * const { token } = await credential.getToken('https://storage.azure.com/.default');
 * ```
 */
export class AzureDeveloperCliCredential extends CliCredential {
  /** Shown in log lines and errors. */
  readonly credentialName = 'AzureDeveloperCliCredential';
  protected readonly dialect = AZURE_DEVELOPER_CLI;
}
