import { parseArgs } from 'node:util';
import type { Prompt } from '@tessera/core';
import { usageError } from './errors.js';

export const COMMANDS = ['login', 'token', 'accounts', 'logout'] as const;
export type Command = (typeof COMMANDS)[number];

/** The prompts of OpenID Connect Core section 3.1.2.1 (and `create`) that `--prompt` accepts. */
export const PROMPTS: readonly Prompt[] = ['login', 'consent', 'select_account', 'none', 'create'];

/** The command line, parsed and checked. */
export interface CliArgs {
  command?: Command;
  help: boolean;
  version: boolean;
  verbose: boolean;
  authority?: string;
  clientId?: string;
  /** token: use a throwaway embedded development authority (--dev-authority). */
  devAuthority: boolean;
  scopes: string[];
  username?: string;
  /** token, logout: the account by home account id or subject (accounts without a username). */
  account?: string;
  output?: string;
  device: boolean;
  /** login: print the sign-in URL instead of opening a browser (--no-browser). */
  browser: boolean;
  prompt?: Prompt;
  /** login: push the authorization request (--par; a provider requiring it for every client gets it anyway). */
  par: boolean;
  port?: number;
  /** The port option as the user typed it, for messages about the port. */
  portFlag: string;
  timeoutSeconds?: number;
  /** The timeout option as typed. */
  timeoutFlag: string;
  pollIntervalSeconds?: number;
  cacheFile?: string;
  all: boolean;
}

const ALL = COMMANDS;
const CACHED = ['login', 'token', 'accounts', 'logout'] as const;

/** Every option once: parsing, the general help and each command's help come from this table. */
const OPTIONS = [
  { name: 'authority', type: 'string', arg: '<url>', for: ALL, help: 'OpenID Connect issuer or Entra authority [env TESSERA_AUTHORITY]' },
  { name: 'client-id', type: 'string', arg: '<id>', for: ALL, help: 'Public client id registered at the authority [env TESSERA_CLIENT_ID]' },
  { name: 'scope', short: 's', type: 'string', multiple: true, arg: '<scope>', for: ['login', 'token'], help: 'Scope to request; repeat it or separate scopes with spaces' },
  { name: 'username', short: 'u', type: 'string', arg: '<name>', for: ['login', 'token', 'logout'], help: 'Account to use (token, logout); login hint (login)' },
  { name: 'account', type: 'string', arg: '<id>', for: ['token', 'logout'], help: 'Account to use, by home account id or subject (for accounts without a username)' },
  { name: 'output', short: 'o', type: 'string', arg: '<format>', for: ['token', 'accounts'], help: 'token: bare (default), json or header; accounts: text (default) or json' },
  { name: 'device', type: 'boolean', for: ['login'], help: 'Sign in with the device code flow instead of the browser' },
  // A plain option named 'no-browser': Node 20's parseArgs may not know allowNegative.
  { name: 'no-browser', type: 'boolean', for: ['login'], help: 'Print the sign-in URL instead of opening a browser (SSH, containers)' },
  { name: 'prompt', type: 'string', arg: '<prompt>', for: ['login'], help: `Browser sign-in prompt: ${PROMPTS.join(', ')} (consent: to be granted offline_access)` },
  { name: 'par', type: 'boolean', for: ['login'], help: 'Push the browser sign-in request first (RFC 9126), for a client registered to require it' },
  { name: 'port', type: 'string', arg: '<n>', for: ['login'], help: 'Loopback port for the browser redirect (default: any free port)' },
  { name: 'timeout', type: 'string', arg: '<seconds>', for: ['login'], help: 'How long to wait for the browser (default 300)' },
  { name: 'poll-interval', type: 'string', arg: '<s>', for: ['login'], help: 'With --device: poll every <s> seconds instead of the authority\'s interval' },
  { name: 'cache-file', type: 'string', arg: '<path>', for: CACHED, help: 'Token cache file (default ~/.tessera/tessera.cache.json) [env TESSERA_CACHE_FILE]' },
  { name: 'all', type: 'boolean', for: ['logout'], help: 'Sign out every account' },
  { name: 'dev-authority', type: 'boolean', for: ['token'], help: 'Start a throwaway development authority for this command (needs @tessera/dev-authority)' },
  { name: 'verbose', short: 'v', type: 'boolean', for: ALL, help: 'Show error details' },
  { name: 'help', short: 'h', type: 'boolean', for: ALL, help: 'Show help (tessera <command> --help: that command\'s options)' },
  { name: 'version', type: 'boolean', for: [], help: 'Print the version' },
] as const satisfies ReadonlyArray<{
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  arg?: string;
  for: readonly Command[];
  help: string;
}>;

const DESCRIPTIONS: Record<Command, string> = {
  login: 'Sign in: in the browser, or with --device on another device',
  token: 'Print an access token for --scope, from the cache (refreshed when needed)',
  accounts: 'List the signed-in accounts',
  logout: 'Sign out: remove an account and its tokens from the cache',
};

const EXIT_CODES = 'Exit codes: 0 ok, 1 error, 2 usage, 3 not signed in or sign-in required, 130 interrupted.';

function optionLines(options: ReadonlyArray<(typeof OPTIONS)[number]>): string {
  return options
    .map((o) => {
      const flag = `${'short' in o ? `-${o.short}, ` : '    '}--${o.name}${'arg' in o ? ` ${o.arg}` : ''}`;
      return `  ${flag.padEnd(27)}${o.help}`;
    })
    .join('\n');
}

/** `tessera --help`: every command and option. */
export const HELP = `Usage: tessera <command> [options]

Get OAuth 2.0 / OpenID Connect tokens in a shell.

Commands:
${COMMANDS.map((c) => `  ${c.padEnd(13)}${DESCRIPTIONS[c]}`).join('\n')}

Options:
${optionLines(OPTIONS)}

\`tessera <command> --help\` shows the options of one command. With a client id and no authority, the
authority is Entra's (common tenant). With neither, every command fails, except
\`tessera token --dev-authority\`: it starts a throwaway development authority for that one command,
signs in as a development user and prints a token that nothing else accepts.

${EXIT_CODES}`;

/** The help of one command: what it does and only the options it takes. */
export function commandHelp(command: Command): string {
  return `Usage: tessera ${command} [options]

${DESCRIPTIONS[command]}.

Options:
${optionLines(OPTIONS.filter((o) => (o.for as readonly Command[]).includes(command)))}

${EXIT_CODES}`;
}

const PARSE_OPTIONS = Object.fromEntries(
  OPTIONS.map((o) => [o.name, { type: o.type, ...('short' in o ? { short: o.short } : {}), ...('multiple' in o ? { multiple: o.multiple } : {}) }]),
) as unknown as { [O in (typeof OPTIONS)[number] as O['name']]: { type: O['type']; short?: string; multiple: O extends { multiple: true } ? true : false } };

/** Parses argv (without node and the script); bad usage throws a usage CliError (exit 2). */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    // Node's messages go on with advice about `--`; the first sentence is the useful part.
    throw usageError((error as Error).message.split('. ')[0]!);
  }
  const { values, positionals, tokens } = parsed;
  const [name, ...extra] = positionals;
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
  if (name !== undefined && !(COMMANDS as readonly string[]).includes(name)) throw usageError(`unknown command "${name}"`);
  const typed = (option: string) => {
    const token = tokens.find((t) => t.kind === 'option' && t.name === option);
    return token?.kind === 'option' ? token.rawName : `--${option}`;
  };
  const prompt = values.prompt;
  if (prompt !== undefined && !(PROMPTS as readonly string[]).includes(prompt)) {
    throw usageError(`${typed('prompt')} must be one of ${PROMPTS.join(', ')}, not "${prompt}"`);
  }
  const portFlag = typed('port');
  const timeoutFlag = typed('timeout');
  return {
    command: name as Command | undefined,
    help: values.help ?? false,
    version: values.version ?? false,
    verbose: values.verbose ?? false,
    authority: values.authority,
    clientId: values['client-id'],
    devAuthority: values['dev-authority'] ?? false,
    scopes: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean),
    username: values.username,
    account: values.account,
    output: values.output,
    device: values.device ?? false,
    browser: !(values['no-browser'] ?? false),
    prompt: prompt as Prompt | undefined,
    par: values.par ?? false,
    port: number(portFlag, values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    portFlag,
    timeoutSeconds: number(timeoutFlag, values.timeout, (n) => n > 0),
    timeoutFlag,
    pollIntervalSeconds: number(typed('poll-interval'), values['poll-interval'], (n) => n > 0),
    cacheFile: values['cache-file'],
    all: values.all ?? false,
  };
}

function number(flag: string, raw: string | undefined, valid: (n: number) => boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !valid(n)) throw usageError(`${flag} got an invalid value "${raw}"`);
  return n;
}
