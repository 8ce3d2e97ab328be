import type { AccountInfo } from '@tessera/core';
import type { CliArgs, Command } from './args.js';
import { notSignedIn, usageError } from './errors.js';
import type { CommandIo } from './io.js';
import { ACCOUNT_FORMATS, TOKEN_FORMATS, accountLabel, checkFormat, formatAccounts, formatToken } from './output.js';
import type { Session } from './session.js';
import { signIn } from './sign-in.js';

interface Handler {
  /** Whether it makes sense with the embedded dev authority, which keeps nothing between commands. */
  embedded: boolean;
  /** Rejects bad usage before anything starts (an authority, a cache file). */
  check?(args: CliArgs): void;
  run(session: Session, args: CliArgs, io: CommandIo): Promise<void>;
}

export const commands: Record<Command, Handler> = {
  login: {
    embedded: false,
    check(args) {
      if (args.prompt !== undefined && args.device) throw usageError('--prompt is for the browser sign-in; the device code flow has no prompt');
      if (args.par && args.device) throw usageError('--par is for the browser sign-in; the device code flow has no authorization request to push');
    },
    async run(session, args, io) {
      const result = await signIn(session, args, io);
      io.stdout.write(`Signed in as ${result.account ? accountLabel(result.account) : 'unknown user'}\n`);
    },
  },

  token: {
    embedded: true,
    check(args) {
      checkFormat(args.output, TOKEN_FORMATS);
      if (args.scopes.length === 0) throw usageError('token needs at least one --scope');
    },
    async run(session, args, io) {
      const format = checkFormat(args.output, TOKEN_FORMATS);
      // The embedded authority is new each time: sign in to it; otherwise only the cache (and its refresh token).
      const result = session.embedded
        ? await signIn(session, args, io)
        : await session.app.acquireTokenSilent({ scopes: args.scopes, account: pickAccount(await accountsOf(session, io.signal), args), signal: io.signal });
      io.stdout.write(`${formatToken(result, format)}\n`);
    },
  },

  accounts: {
    embedded: false,
    check: (args) => void checkFormat(args.output, ACCOUNT_FORMATS),
    async run(session, args, io) {
      const format = checkFormat(args.output, ACCOUNT_FORMATS);
      const accounts = await accountsOf(session, io.signal);
      if (accounts.length > 0 || format === 'json') io.stdout.write(`${formatAccounts(accounts, format)}\n`);
      else io.stderr.write('No account is signed in.\n');
    },
  },

  logout: {
    embedded: false,
    async run(session, args, io) {
      const accounts = await accountsOf(session, io.signal);
      const named = args.username !== undefined || args.account !== undefined;
      const leaving = args.all || (accounts.length === 0 && !named) ? accounts : [pickAccount(accounts, args, '--all')];
      if (leaving.length === 0) io.stderr.write('No account is signed in.\n');
      for (const account of leaving) {
        await session.app.removeAccount(account, io.signal);
        io.stdout.write(`Signed out ${accountLabel(account)}\n`);
      }
    },
  },
};

/** Accounts of this client at this authority (one cache file may serve several). */
async function accountsOf(session: Session, signal: AbortSignal): Promise<AccountInfo[]> {
  const { environment } = session.app.authority;
  return (await session.app.getAccounts({ signal })).filter((a) => a.environment === environment);
}

/**
 * The account named by --username (case-insensitive, as usernames are) or --account (a home account
 * id or subject, exact: subjects are case-sensitive), or the only one signed in.
 */
function pickAccount(all: AccountInfo[], args: CliArgs, alternative?: string): AccountInfo {
  if (args.username !== undefined && args.account !== undefined) throw usageError('choose the account with --username or --account, not both');
  const { username, account: id } = args;
  const matching =
    username !== undefined
      ? all.filter((a) => a.username.toLowerCase() === username.toLowerCase())
      : id !== undefined
        ? all.filter((a) => a.homeAccountId === id || a.localAccountId === id || a.idTokenClaims?.sub === id)
        : all;
  if (matching.length === 1) return matching[0]!;
  const named = username ?? id;
  if (matching.length === 0) {
    throw notSignedIn(named === undefined ? 'Not signed in: run `tessera login` first' : `${named} is not signed in: run \`tessera login\` first`);
  }
  const choices = matching.map((a) => (a.username ? a.username : `${accountLabel(a)}: --account ${a.homeAccountId}`)).join('; ');
  throw usageError(`several accounts are signed in (${choices}): choose one with --username or --account${alternative ? `, or use ${alternative}` : ''}`);
}
