import { ConfigurationError } from '@tessera/core';
import { asyncDispose } from './credential-base.js';
import { AggregateAuthenticationError, CredentialUnavailableError, CredentialUnavailableErrorName } from './errors.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

/**
 * Tries its sources in order and returns the first token. It moves on only when a source throws
 * CredentialUnavailableError (or returns null): any other error, such as a rejected secret, is
 * a real failure and ends the chain, so a misconfiguration is reported instead of hidden.
 */
export class ChainedTokenCredential implements TokenCredential {
  /** Shown in log lines and errors. */
  readonly credentialName: string = 'ChainedTokenCredential';
  protected readonly sources: readonly TokenCredential[];
  /** The source that gave the last token, for diagnostics. */
  selectedCredential?: TokenCredential;

  constructor(...sources: TokenCredential[]) {
    if (sources.length === 0) throw new ConfigurationError('ChainedTokenCredential needs at least one credential');
    this.sources = sources;
  }

  /** The first source's token; moves on only when a source is unavailable (CredentialUnavailableError or null). */
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const unavailable: Error[] = [];
    for (const source of this.sources) {
      let token: AccessToken | null;
      try {
        token = await source.getToken(scopes, options);
      } catch (error) {
        if (isUnavailable(error)) {
          unavailable.push(error);
          continue;
        }
        throw error;
      }
      if (token) {
        this.selectedCredential = source;
        return token;
      }
      unavailable.push(new CredentialUnavailableError(`${nameOf(source)} returned no token`));
    }
    const lines = unavailable.map((e, i) => `- ${describe(this.sources[i]!, e)}`).join('\n');
    throw new AggregateAuthenticationError(`${this.credentialName}: no credential was available:\n${lines}`, unavailable);
  }

  /** Closes every source that can be closed. */
  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => (s as { close?: () => Promise<void> }).close?.()));
  }

  /** `await using` support: the same as close(). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Ours, or one from another copy of a package: @azure/identity's credentials (AzurePowerShellCredential,
 * VisualStudioCodeCredential in a Tessera chain) signal "not here" by the error's name, as its chain reads them.
 */
function isUnavailable(error: unknown): error is Error {
  return error instanceof CredentialUnavailableError || (error instanceof Error && (error.name === CredentialUnavailableErrorName || error.name === 'AuthenticationRequiredError'));
}

/** "Name: reason", without repeating a name the message already starts with. */
function describe(source: TokenCredential, error: Error): string {
  const name = nameOf(source);
  return error.message.startsWith(name) ? error.message : `${name}: ${error.message}`;
}

/** A source's name for messages: its credentialName, else its class name. */
function nameOf(source: TokenCredential): string {
  return (source as { credentialName?: string }).credentialName ?? source.constructor?.name ?? 'A credential';
}
