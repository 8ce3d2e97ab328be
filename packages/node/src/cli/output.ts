import type { AccountInfo, AuthenticationResult } from '@tessera/core';
import { terminalSafeJson } from '../terminal-text.js';
import { CliError, ExitCode, usageError } from './errors.js';

export const TOKEN_FORMATS = ['bare', 'json', 'header'] as const;
export const ACCOUNT_FORMATS = ['text', 'json'] as const;

/** The --output format, or the first allowed one by default; anything else is a usage error. */
export function checkFormat<T extends string>(value: string | undefined, allowed: readonly T[]): T {
  const format = value ?? allowed[0]!;
  if (!(allowed as readonly string[]).includes(format)) throw usageError(`--output must be one of ${allowed.join(', ')}`);
  return format as T;
}

/**
 * What identifies an account to a person: its username, else its name and subject (providers that
 * send no username claim without the `profile` scope, or never).
 */
export function accountLabel(account: AccountInfo): string {
  if (account.username) return account.username;
  return `${account.name ? `${account.name}, ` : ''}no username, account ${account.homeAccountId}`;
}

/**
 * An access token as the server sent it may not be printable: control characters would be cut out
 * on the way to the terminal (a different token) and CR/LF or spaces in a header line inject headers.
 * RFC 6749 allows only visible ASCII and space; a header value (RFC 6750 b64token) not even space.
 */
function checkedAccessToken(token: string, format: (typeof TOKEN_FORMATS)[number]): string {
  const allowed = format === 'header' ? /^[\x21-\x7e]+$/ : /^[\x20-\x7e]+$/;
  if (!allowed.test(token)) {
    throw new CliError(
      `the authority issued an access token that is empty or has ${format === 'header' ? 'spaces, line breaks or ' : 'line breaks or other '}control characters; ` +
        'it is not printed (a header line with it could carry other headers)',
      ExitCode.error,
    );
  }
  return token;
}

/** bare: the token alone (for `$(...)`); header: an HTTP header line (curl -H); json: with expiry and scopes. */
export function formatToken(result: AuthenticationResult, format: (typeof TOKEN_FORMATS)[number]): string {
  const accessToken = checkedAccessToken(result.accessToken, format);
  if (format === 'bare') return accessToken;
  if (format === 'header') return `Authorization: ${/^[!#-'*+.^`|~\w-]+$/.test(result.tokenType) ? result.tokenType : 'Bearer'} ${accessToken}`;
  return terminalSafeJson({
    accessToken,
    tokenType: result.tokenType,
    expiresOn: result.expiresOn.toISOString(),
    // Milliseconds since the epoch, as the library's AccessToken.expiresOnTimestamp (and @azure/identity).
    expiresOnTimestamp: result.expiresOn.getTime(),
    scopes: result.scopes,
    username: result.account?.username || undefined,
    homeAccountId: result.account?.homeAccountId,
    tenantId: result.tenantId || undefined,
  });
}

/** text: one tab-separated line per account (username, host, home account id[, name]; tabs and line breaks in them become spaces); json: an array. */
export function formatAccounts(accounts: AccountInfo[], format: (typeof ACCOUNT_FORMATS)[number]): string {
  if (format === 'json') {
    return terminalSafeJson(
      accounts.map(({ username, name, homeAccountId, localAccountId, environment, tenantId }) => ({ username, name, homeAccountId, localAccountId, environment, tenantId })),
    );
  }
  // username, authority host, home account id (what --account takes); "-" where there is no username.
  // The values come from ID tokens: a tab or line break in one would fake a field or a line for the script reading them.
  const field = (value: string) => value.replace(/[\t\n\r\v\f\u0085\u2028\u2029]+/g, ' ');
  return accounts.map((a) => [a.username || '-', a.environment, a.homeAccountId, ...(a.username || !a.name ? [] : [a.name])].map(field).join('\t')).join('\n');
}
