import type { AccountInfo, AuthenticationResult } from '@tessera/core';
import { usageError } from './errors.js';

export const TOKEN_FORMATS = ['bare', 'json', 'header'] as const;
export const ACCOUNT_FORMATS = ['text', 'json'] as const;

export function checkFormat<T extends string>(value: string | undefined, allowed: readonly T[]): T {
  const format = value ?? allowed[0]!;
  if (!(allowed as readonly string[]).includes(format)) throw usageError(`--output must be one of ${allowed.join(', ')}`);
  return format as T;
}

/** bare: the token alone (for `$(...)`); header: an HTTP header line (curl -H); json: with expiry and scopes. */
export function formatToken(result: AuthenticationResult, format: (typeof TOKEN_FORMATS)[number]): string {
  if (format === 'bare') return result.accessToken;
  if (format === 'header') return `Authorization: ${result.tokenType || 'Bearer'} ${result.accessToken}`;
  return JSON.stringify(
    {
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      expiresOn: result.expiresOn.toISOString(),
      expiresOnTimestamp: Math.floor(result.expiresOn.getTime() / 1000),
      scopes: result.scopes,
      username: result.account?.username,
      tenantId: result.tenantId || undefined,
    },
    null,
    2,
  );
}

export function formatAccounts(accounts: AccountInfo[], format: (typeof ACCOUNT_FORMATS)[number]): string {
  if (format === 'json') {
    return JSON.stringify(
      accounts.map(({ username, name, homeAccountId, environment, tenantId }) => ({ username, name, homeAccountId, environment, tenantId })),
      null,
      2,
    );
  }
  return accounts.map((a) => `${a.username}\t${a.environment}\t${a.homeAccountId}`).join('\n');
}
