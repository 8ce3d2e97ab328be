import type { Account, FindAccount } from 'oidc-provider';

/**
 * The one password the dev authority rejects. Any other username/password pair signs in,
 * so tests can provoke a real `invalid_grant` (password grant) or a failed login form.
 */
export const DEV_PASSWORD_REJECTED = 'wrong-password';

export function isPasswordAccepted(password: string | undefined): boolean {
  return typeof password === 'string' && password !== DEV_PASSWORD_REJECTED;
}

/** Stable subject for a username: the username itself, trimmed and (unless `caseSensitive`) lowercased. */
export function subjectFor(username: string, caseSensitive = false): string {
  const trimmed = username.trim();
  return caseSensitive ? trimmed : trimmed.toLowerCase();
}

/** Every subject exists; claims are derived from it. */
export const findAccount: FindAccount = (_ctx, sub): Account => ({
  accountId: sub,
  claims: () => ({
    sub,
    name: sub,
    preferred_username: sub,
    email: sub.includes('@') ? sub : `${sub}@example.com`,
    email_verified: true,
  }),
});
