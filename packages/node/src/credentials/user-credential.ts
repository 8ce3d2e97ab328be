import { type AccountInfo, type AuthenticationResult, type ClientApplication, ConfigurationError, InteractionRequiredError, SingleFlight } from '@tessera/core';
import { CredentialBase, type CredentialRequest } from './credential-base.js';
import { AuthenticationRequiredError } from './errors.js';
import type { TokenCredentialOptions } from './options.js';
import type { GetTokenOptions } from './token-credential.js';

/** Who signed in, without any secret: enough to find the account's tokens again (e.g. after a restart). */
export interface AuthenticationRecord {
  /** Host of the authority, e.g. "login.microsoftonline.com". */
  authority: string;
  /** The account's home account id. */
  homeAccountId: string;
  /** The client the account signed in to. */
  clientId: string;
  /** The tenant the account signed in to. */
  tenantId: string;
  /** The user's sign-in name. */
  username: string;
}

/**
 * Credentials that act for a user: the token comes from the cache or the account's refresh
 * token (core's silent acquisition) and only when neither works from the user (`interact`).
 */
export abstract class UserCredential<App extends ClientApplication> extends CredentialBase<App> {
  protected account?: AccountInfo;
  private readonly interactions = new SingleFlight();

  /** Signs the user in (device code, browser, code redemption). */
  protected abstract interact(app: App, request: CredentialRequest): Promise<AuthenticationResult>;

  protected async acquire(app: App, request: CredentialRequest): Promise<AuthenticationResult> {
    if (this.account) {
      try {
        return await app.acquireTokenSilent({
          account: this.account,
          scopes: request.scopes,
          claims: request.claims,
          tenant: request.tenant,
          signal: request.signal,
        });
      } catch (error) {
        if (!(error instanceof InteractionRequiredError)) throw error;
        this.log('verbose', `${this.credentialName}: silent acquisition needs the user (${error.error})`);
        return this.signIn(app, request, error);
      }
    }
    return this.signIn(app, request);
  }

  /**
   * Runs `interact`, sharing one sign-in between concurrent identical requests (one prompt, not ten).
   * A caller's signal ends only its own wait; the sign-in stops when every caller has given up.
   */
  protected signIn(app: App, request: CredentialRequest, _silentError?: InteractionRequiredError): Promise<AuthenticationResult> {
    const key = [request.cae, request.tenant ?? '', request.claims ?? '', [...request.scopes].sort().join(' ')].join('\n');
    return this.interactions.run(key, request.signal, async (signal) => {
      const result = await this.interact(app, { ...request, signal });
      if (result.account) this.account = result.account;
      return result;
    });
  }
}

export interface InteractiveCredentialOptions extends TokenCredentialOptions {
  /** The account of an earlier `authenticate()`: with a persistent cache, signs in silently across restarts. */
  authenticationRecord?: AuthenticationRecord;
  /** getToken never prompts: it throws AuthenticationRequiredError; call `authenticate()` at a moment that suits the user. */
  disableAutomaticAuthentication?: boolean;
}

/** User credentials that can prompt (device code, browser): azure-identity's authenticate() contract. */
export abstract class InteractiveCredential<App extends ClientApplication> extends UserCredential<App> {
  private readonly disableAutomaticAuthentication: boolean;

  protected constructor(clientId: string, tenantId: string | undefined, options: InteractiveCredentialOptions) {
    // Users sign in to their own tenants: work or school accounts by default, as in azure-identity.
    super(clientId, tenantId, options, 'organizations');
    this.disableAutomaticAuthentication = options.disableAutomaticAuthentication === true;
    const record = options.authenticationRecord;
    if (record) {
      this.account = {
        homeAccountId: record.homeAccountId,
        environment: record.authority,
        tenantId: record.tenantId,
        username: record.username,
        localAccountId: record.homeAccountId.split('.')[0] ?? record.homeAccountId,
        authorityType: this.authority.entra ? 'MSSTS' : 'Generic',
      };
    }
  }

  protected override signIn(app: App, request: CredentialRequest, silentError?: InteractionRequiredError): Promise<AuthenticationResult> {
    if (this.disableAutomaticAuthentication) {
      return Promise.reject(
        new AuthenticationRequiredError(
          `${this.credentialName} needs the user to sign in, and automatic authentication is disabled: call authenticate() first`,
          request.scopes,
          silentError,
        ),
      );
    }
    return super.signIn(app, request, silentError);
  }

  /** Signs the user in now (prompting) and returns the record to pass as `authenticationRecord` later. */
  async authenticate(scopes: string | string[], options: GetTokenOptions = {}): Promise<AuthenticationRecord> {
    const result = await this.execute(scopes, options, (app, request) => super.signIn(app, request));
    const account = result.account;
    if (!account) throw new ConfigurationError('The sign-in returned no account (was the openid scope refused?)', 'no_account');
    return { authority: account.environment, homeAccountId: account.homeAccountId, clientId: this.clientId, tenantId: account.tenantId, username: account.username };
  }
}

/** JSON text of a record, to keep between runs (it holds no secret). */
export function serializeAuthenticationRecord(record: AuthenticationRecord): string {
  const { authority, homeAccountId, clientId, tenantId, username } = record;
  return JSON.stringify({ authority, homeAccountId, clientId, tenantId, username, version: '1.0' });
}

/** Reads a record written by serializeAuthenticationRecord; throws ConfigurationError for text that is not one. */
export function deserializeAuthenticationRecord(text: string): AuthenticationRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError('The AuthenticationRecord is not JSON (pass the text serializeAuthenticationRecord returned)');
  }
  // Sync and checked by hand: zod loads on first use only (import-time budget), this function cannot wait for it.
  const parsed = (value !== null && typeof value === 'object' ? value : {}) as Partial<AuthenticationRecord> & { version?: string };
  if (parsed.version !== '1.0') throw new ConfigurationError(`Unsupported AuthenticationRecord version "${String(parsed.version)}"`);
  for (const field of ['authority', 'homeAccountId', 'clientId', 'tenantId', 'username'] as const) {
    if (typeof parsed[field] !== 'string') throw new ConfigurationError(`The AuthenticationRecord has no "${field}"`);
  }
  const { authority, homeAccountId, clientId, tenantId, username } = parsed as AuthenticationRecord;
  return { authority, homeAccountId, clientId, tenantId, username };
}
