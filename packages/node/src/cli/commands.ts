import type { AccountInfo } from '@tessera/core';
import type { CliArgs, Command } from './args.js';
import { notSignedIn, usageError } from './errors.js';
import type { CliIo } from './io.js';
import { ACCOUNT_FORMATS, TOKEN_FORMATS, checkFormat, formatAccounts, formatToken } from './output.js';
import type { Session } from './session.js';
import { signIn } from './sign-in.js';

interface Handler {
  /** Whether it makes sense with the embedded dev authority, which keeps nothing between commands. */
  embedded: boolean;
  /** Rejects bad usage before anything starts (an authority, a cache file). */
  check?(args: CliArgs): void;
  run(session: Session, args: CliArgs, io: CliIo): Promise<void>;
}

export const commands: Record<Command, Handler> = {
  login: {
    embedded: false,
    async run(session, args, io) {
      const result = await signIn(session, args, io);
      io.stdout.write(`Signed in as ${result.account?.username ?? 'unknown user'}\n`);
    },
  },

  token: {
    embedded: true,
    check(args) {
      checkFormat(args.output, TOKEN_FORMATS);
      if (args.scopes.length === 0) throw usageError('token needs at least one --scope');
    },
    async run(session, args, io) {
      // The embedded authority is new each time: sign in to it; otherwise only the cache (and its refresh token).
      const result = session.embedded
        ? await signIn(session, args, io)
        : await session.app.acquireTokenSilent({ scopes: args.scopes, account: await pickAccount(session, args.username, io.signal), signal: io.signal });
      io.stdout.write(`${formatToken(result, checkFormat(args.output, TOKEN_FORMATS))}\n`);
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
      let leaving: AccountInfo[];
      if (args.all) leaving = accounts;
      else if (args.username) leaving = [await pickAccount(session, args.username, io.signal)];
      else if (accounts.length > 1) throw usageError(`several accounts are signed in (${names(accounts)}): choose one with --username, or use --all`);
      else leaving = accounts;
      if (leaving.length === 0) io.stderr.write('No account is signed in.\n');
      for (const account of leaving) {
        await session.app.removeAccount(account, io.signal);
        io.stdout.write(`Signed out ${account.username}\n`);
      }
    },
  },
};

/** Accounts of this client at this authority (one cache file may serve several). */
async function accountsOf(session: Session, signal: AbortSignal): Promise<AccountInfo[]> {
  const { environment } = session.app.authority;
  return (await session.app.getAccounts({ signal })).filter((a) => a.environment === environment);
}

async function pickAccount(session: Session, username: string | undefined, signal: AbortSignal): Promise<AccountInfo> {
  const all = await accountsOf(session, signal);
  const matching = username === undefined ? all : all.filter((a) => a.username.toLowerCase() === username.toLowerCase());
  if (matching.length === 1) return matching[0]!;
  if (matching.length === 0) {
    throw notSignedIn(username === undefined ? 'Not signed in: run `tessera login` first' : `${username} is not signed in: run \`tessera login\` first`);
  }
  throw usageError(`several accounts are signed in (${names(matching)}): choose one with --username`);
}

const names = (accounts: AccountInfo[]) => accounts.map((a) => a.username).join(', ');
